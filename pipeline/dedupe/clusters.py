"""Clusters of duplicates: union-find over verified pairs, and the rule that keeps one post.

Elements are row positions ``0..n-1``. Roots are always the smallest member, so labels do
not depend on the order in which pairs are added.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["KeepRule", "UnionFind", "choose_kept", "components"]

KeepRule = Literal["earliest", "longest"]


class UnionFind:
    """Disjoint sets over ``0..n-1`` with path halving; the root of a set is its minimum."""

    def __init__(self, n: int) -> None:
        self._parent: list[int] = list(range(n))

    def __len__(self) -> int:
        return len(self._parent)

    def find(self, x: int) -> int:
        parent = self._parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> int:
        """Merge the sets of ``a`` and ``b``; returns the root of the merged set."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if rb < ra:
            ra, rb = rb, ra
        self._parent[rb] = ra
        return ra

    def union_pairs(self, left: np.ndarray, right: np.ndarray) -> None:
        """Union every pair ``(left[k], right[k])``."""
        if len(left) != len(right):
            raise ValueError("left and right must have the same length")
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            self.union(a, b)

    def labels(self) -> np.ndarray:
        """The root (smallest member) of each element's set, as int64."""
        return np.fromiter((self.find(x) for x in range(len(self._parent))), dtype=np.int64,
                           count=len(self._parent))


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected-component label (smallest member) of each of ``n`` elements."""
    uf = UnionFind(n)
    uf.union_pairs(np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64))
    return uf.labels()


def choose_kept(
    labels: np.ndarray,
    created_utc: np.ndarray,
    lengths: np.ndarray,
    keep: KeepRule,
) -> np.ndarray:
    """For each element, the element kept for its cluster.

    ``earliest``: lowest ``created_utc``; ``longest``: largest ``lengths``, then lowest
    ``created_utc``. Remaining ties go to the lowest position, so callers pass elements in
    ``post_id`` order to make the final tie-break the post id.
    """
    n = len(labels)
    if not (len(created_utc) == len(lengths) == n):
        raise ValueError("labels, created_utc and lengths must have the same length")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    pos = np.arange(n, dtype=np.int64)
    created = np.asarray(created_utc, dtype=np.int64)
    if keep == "earliest":
        order = np.lexsort((pos, created, labels))
    elif keep == "longest":
        order = np.lexsort((pos, created, -np.asarray(lengths, dtype=np.int64), labels))
    else:
        raise ValueError(f"unknown keep rule {keep!r} (expected 'earliest' or 'longest')")
    sorted_labels = labels[order]
    first = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sizes = np.diff(np.r_[first, n])
    kept = np.empty(n, dtype=np.int64)
    kept[order] = np.repeat(order[first], sizes)
    return kept
