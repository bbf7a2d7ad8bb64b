"""The clean stage's filters: one interface, one ordered list, counts and time per filter.

A filter (after datatrove's ``BaseFilter``) has a ``name`` and a batch method,
``filter_batch(posts)``, that returns for each post ``None`` (keep) or a :class:`Rejection`
(reason and detail). :class:`FilterChain` applies filters in order, each to the posts the
previous ones kept, so a rejected post gets the reason of the first filter that rejects it,
and it counts how many posts each filter rejected and the seconds spent in it.

The order of the clean stage's filters and the reasons each can give are
:data:`pipeline.clean.reasons.FILTER_REASONS`; a chain refuses a filter not listed there and
a reason its filter does not declare.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pipeline.clean.content_shape import word_count
from pipeline.clean.reasons import FILTER_REASONS

__all__ = ["Filter", "FilterChain", "FilterStats", "Post", "Rejection"]


@dataclass(frozen=True)
class Rejection:
    """Why a filter rejects a post: one of its reasons, and a detail for the record."""

    reason: str
    detail: str | None = None


@dataclass
class Post:
    """One post on its way through the filters.

    ``row`` is the raw record (a row of ``raw/posts.parquet``); ``title`` and ``body`` are the
    normalized text, set by the ``normalize`` filter through :meth:`set_text` (empty before
    it). ``text`` (title and body as one text, the way the length, language and sensitive
    filters read a post) and ``words`` (its word count) are computed once, there. The
    language and advice filters record what they found for the posts they keep, which the
    clean output carries.
    """

    row: Any
    title: str = ""
    body: str = ""
    language: str | None = None
    language_confidence: float = 0.0
    advice_rule: str | None = None
    text: str = field(init=False, default="")
    words: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.set_text(self.title, self.body)

    def set_text(self, title: str, body: str) -> None:
        self.title, self.body = title, body
        self.text = f"{title}\n\n{body}"
        self.words = word_count(self.text)


class Filter(Protocol):
    """A clean filter: ``filter_batch`` gives, per post and in order, None or a rejection."""

    name: str

    def filter_batch(self, posts: Sequence[Post]) -> list[Rejection | None]: ...


@dataclass
class FilterStats:
    """Posts rejected by each filter and seconds spent in each (summed over batches)."""

    rejected: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)

    def update(self, other: FilterStats) -> None:
        self.rejected.update(other.rejected)
        self.seconds.update(other.seconds)


class FilterChain:
    """Filters applied in order; a post rejected by one is not shown to the next.

    Raises ValueError at construction when two filters share a name, and at use when a
    filter gives a reason that :data:`FILTER_REASONS` does not list for it (or a number of
    decisions other than the number of posts): the schema's reasons are derived from that
    list, so a filter must not give others.
    """

    def __init__(self, filters: Sequence[Filter]) -> None:
        names = [f.name for f in filters]
        if len(set(names)) != len(names):
            raise ValueError(f"filter names must be unique: {names}")
        unknown = [n for n in names if n not in FILTER_REASONS]
        if unknown:
            raise ValueError(f"filters not in FILTER_REASONS: {unknown}")
        self.filters = tuple(filters)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.filters)

    def after(self, name: str) -> FilterChain:
        """The filters that follow ``name`` (e.g. the text filters, after ``normalize``)."""
        return FilterChain(self.filters[self.names.index(name) + 1 :])

    def apply(
        self, posts: Sequence[Post], stats: FilterStats | None = None
    ) -> list[Rejection | None]:
        """The first rejection of each post (None: every filter kept it), in input order;
        ``stats`` gains the posts each filter rejected and the seconds it took."""
        decisions: list[Rejection | None] = [None] * len(posts)
        alive = list(range(len(posts)))
        for flt in self.filters:
            if not alive:
                break
            start = time.perf_counter()
            results = flt.filter_batch([posts[i] for i in alive])
            elapsed = time.perf_counter() - start
            if len(results) != len(alive):
                raise ValueError(f"filter {flt.name}: {len(results)} decisions for "
                                 f"{len(alive)} posts")  # fmt: skip
            allowed = FILTER_REASONS[flt.name]
            still: list[int] = []
            n_rejected = 0
            for i, result in zip(alive, results, strict=True):
                if result is None:
                    still.append(i)
                    continue
                if result.reason not in allowed:
                    raise ValueError(f"filter {flt.name} gave reason {result.reason!r}, "
                                     f"not one of {allowed}")  # fmt: skip
                decisions[i] = result
                n_rejected += 1
            alive = still
            if stats is not None:
                stats.rejected[flt.name] += n_rejected
                stats.seconds[flt.name] += elapsed
        return decisions
