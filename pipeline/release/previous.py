"""Read a published release (a dataset folder, or a Hub ``repo_id@revision``) back into rows.

``assemble.previous_release`` names the release the next build extends. A folder is read
as it is (it must not be the folder the build writes, ``processed/valact-15k``: copy a
release aside first, e.g. ``releases/0.1.0``). A Hub reference must pin a revision (a tag,
branch or commit id) so that the stage stays reproducible; it is fetched with
``huggingface_hub.snapshot_download`` (its cache, token and ``HF_ENDPOINT`` conventions).

The rows come back one per option, in the ``schemas.PREVIOUS_RELEASE`` schema (value names, not
ClassLabel integers), with the release's version and a fingerprint of its parquet files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from pipeline import paths
from pipeline.artifacts import empty_frame
from pipeline.schemas import PREVIOUS_RELEASE, validate
from pipeline.values import VALUE_IDS

_HUB_REF = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)@(?P<revision>[\w./-]+)$")
_CARD_VERSION = re.compile(r"^Version \*\*(?P<version>[^*\s]+)\*\*", re.MULTILINE)


class ReleaseReadError(ValueError):
    """The previous release cannot be found or read."""


@dataclass(frozen=True)
class Release:
    ref: str  # as given in assemble.previous_release
    version: str | None
    fingerprint: str  # sha256 of the scenarios config's parquet files, first 16 hex digits
    rows: pd.DataFrame  # schemas.PREVIOUS_RELEASE


def resolve(
    ref: str,
    *,
    root: Path = Path("."),
    endpoint: str | None = None,
    token: str | None = None,
    cache_dir: Path | None = None,
) -> Path:
    """The local folder of a release reference (downloading a Hub revision first)."""
    hub = _HUB_REF.match(ref)
    folder = root / ref
    if hub and not folder.exists():
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import HfHubHTTPError

        try:
            local = snapshot_download(
                hub["repo"],
                repo_type="dataset",
                revision=hub["revision"],
                allow_patterns=["README.md", paths.CHANGES_FILE, "data/*"],
                # HF_ENDPOINT read now: huggingface_hub builds its URL template at import
                endpoint=endpoint or os.environ.get("HF_ENDPOINT") or None,
                token=token,
                cache_dir=cache_dir,
            )
        except (HfHubHTTPError, OSError) as exc:
            raise ReleaseReadError(
                f"assemble.previous_release {ref!r}: could not fetch {hub['repo']} at "
                f"revision {hub['revision']} from the Hub ({type(exc).__name__}: {exc})"
            ) from exc
        return Path(local)
    if not folder.is_dir():
        raise ReleaseReadError(
            f"assemble.previous_release {ref!r} is neither a dataset folder (no such folder "
            "under the repo) nor a Hub reference `owner/name@revision`"
        )
    if folder.resolve() == (root / paths.DATASET_DIR).resolve():
        raise ReleaseReadError(
            f"assemble.previous_release {ref!r} is the folder this build writes; copy the "
            "release aside first (e.g. `cp -r processed/valact-15k releases/0.1.0`) or name "
            "its Hub revision"
        )
    return folder


def _value_names(schema: pq.ParquetSchema | object, path: Path) -> list[str]:
    """The ClassLabel names embedded by ``datasets`` in the shard (or the contract's)."""
    meta = getattr(schema, "metadata", None) or {}
    raw = meta.get(b"huggingface")
    if not raw:
        return list(VALUE_IDS)
    try:
        feature = json.loads(raw)["info"]["features"]["options"]
        inner = feature.get("feature", feature)
        if isinstance(inner, list):
            inner = inner[0]
        names = inner["value"]["names"]
    except (KeyError, TypeError, IndexError, json.JSONDecodeError) as exc:
        raise ReleaseReadError(f"{path}: unreadable datasets features ({exc})") from exc
    if list(names) != list(VALUE_IDS):
        raise ReleaseReadError(
            f"{path}: its value labels {names} are not this pipeline's {list(VALUE_IDS)}"
        )
    return list(names)


def read_folder(folder: Path, ref: str | None = None) -> Release:
    """The rows, version and fingerprint of a dataset folder (config ``scenarios``)."""
    shards = sorted((folder / "data").glob("*.parquet"))
    if not shards:
        raise ReleaseReadError(f"{folder}: no parquet shards under data/ (not a release folder)")
    digest = hashlib.sha256()
    rows: list[dict[str, object]] = []
    for shard in shards:
        digest.update(shard.read_bytes())
        table = pq.read_table(shard)
        names = _value_names(table.schema, shard)
        for rec in table.to_pylist():
            for o in rec["options"]:
                value = o["value"]
                rows.append(
                    {
                        "scenario_id": rec["scenario_id"],
                        "post_id": rec["post_id"],
                        "subreddit": rec["subreddit"],
                        "created_month": rec.get("created_month"),
                        "scenario": rec["scenario"],
                        "question": rec["question"],
                        "option_id": o["option_id"],
                        "value": names[value] if isinstance(value, int) else value,
                        "text": o["text"],
                        "annotator": rec["annotator"],
                        "prompt_version": rec["prompt_version"],
                        "review_status": rec["review_status"],
                    }
                )
    frame = (
        pd.DataFrame(rows, columns=list(PREVIOUS_RELEASE.columns))
        if rows
        else empty_frame(PREVIOUS_RELEASE)
    )
    frame = validate(frame, PREVIOUS_RELEASE)
    return Release(
        ref=ref or str(folder),
        version=release_version(folder),
        fingerprint=digest.hexdigest()[:16],
        rows=frame,
    )


def release_version(folder: Path) -> str | None:
    """The version a release folder states (its CHANGES.json, else its card)."""
    changes = folder / paths.CHANGES_FILE
    if changes.exists():
        try:
            version = json.loads(changes.read_text(encoding="utf-8")).get("version")
        except json.JSONDecodeError:
            version = None
        if isinstance(version, str):
            return version
    card = folder / "README.md"
    if card.exists():
        match = _CARD_VERSION.search(card.read_text(encoding="utf-8"))
        if match:
            return match["version"]
    return None


def load(ref: str, *, root: Path = Path("."), **hub_kwargs: object) -> Release:
    """Resolve and read ``assemble.previous_release``."""
    return read_folder(resolve(ref, root=root, **hub_kwargs), ref)  # type: ignore[arg-type]
