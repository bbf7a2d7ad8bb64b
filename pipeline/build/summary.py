"""``valact summary``: the build's figures from ``processed/metrics.json``, one per line.

``dvc metrics show`` prints every metric of every stage as one very wide table; this is the
short read a maintainer wants after ``make run``: the funnel, rejections, redactions, values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline import paths
from pipeline.values import VALUE_IDS


def _counts(d: dict[str, Any], *, keep_zero: bool = False) -> str:
    items = [(k, int(v)) for k, v in d.items() if keep_zero or v]
    items.sort(key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{k} {v:,}" for k, v in items) or "none"


def _damaged(files: list[dict[str, Any]]) -> str:
    """Damaged input files kept up to the damage (``ingest.allow_damaged_files``)."""
    parts = [
        f"{f['file']} {f['kind']} at line {int(f['line']):,} ({int(f['kept']):,} kept)"
        for f in files
    ]
    return "; ".join(parts) or "none"


def _source(m: dict[str, Any]) -> str:
    """Where the posts came from; the bundled sample is said to be synthetic."""
    source = m.get("source")
    if source == "sample" or m.get("synthetic"):
        return f"{source or 'sample'} (synthetic posts, raw/sample/: not from Reddit)"
    return str(source or "?")


def _decision_lines(m: dict[str, Any]) -> str:
    """Review decision lines that applied to nothing."""
    malformed = int(m.get("decision_lines_malformed") or 0)
    unknown = int(m.get("decision_lines_unknown_item") or 0)
    text = f"{malformed:,} malformed, {unknown:,} naming an unknown item"
    if malformed or unknown:
        text += " (not applied; see metrics/review.json decision_problem_examples)"
    return text


def _changes(m: dict[str, Any]) -> str:
    """This release against the one it extends (CHANGES.json in the dataset folder)."""
    changes = m.get("changes")
    if not isinstance(changes, dict):
        return "?"
    if not m.get("previous_release"):
        return "first release (no previous release)"
    since = m.get("previous_version") or m["previous_release"]
    return f"since {since}: " + ", ".join(
        f"{changes.get(k, 0):,} {k}" for k in ("added", "withdrawn", "removed", "edited",
                                               "relabelled")
    )


def format_summary(m: dict[str, Any]) -> str:
    """Lines of text for the metrics written by the build stage."""
    rejected = sum(int(v) for v in m.get("rejected_by_reason", {}).values())
    per_value = m.get("options_per_value", {})
    scenarios, options = int(m.get("scenarios", 0)), int(m.get("options", 0))
    lines = [
        f"{m.get('name', 'ValAct-15k')} {m.get('version', '?')} "
        f"(data fingerprint {m.get('data_fingerprint', '?')})",
        f"  source:             {_source(m)}",
        f"  posts ingested      {int(m.get('posts_ingested') or 0):>8,}",
        f"  kept by clean       {int(m.get('posts_kept_by_clean') or 0):>8,}"
        f"   (rejected {rejected:,})",
        f"  near/exact dupes    {int(m.get('duplicates') or 0):>8,}",
        f"  posts annotated     {int(m.get('posts_annotated') or 0):>8,}"
        f"   by {', '.join(m.get('annotators', [])) or '?'}",
        f"  scenarios           {scenarios:>8,}",
        f"  options             {options:>8,}",
        f"  damaged files:      {_damaged(m.get('damaged_files') or [])}",
        f"  rejected by reason: {_counts(m.get('rejected_by_reason', {}))}",
        f"  redactions:         {_counts(m.get('redactions_by_type', {}))}",
        "  options per value:  "
        + ", ".join(f"{v} {int(per_value.get(v, 0)):,}" for v in VALUE_IDS),
        f"  review status:      {_counts(m.get('review_status', {}))}"
        f"; queue {int(m.get('review_queue') or 0):,} item(s)",
        f"  bad decision lines: {_decision_lines(m)}",
        f"  changes:            {_changes(m)}",
    ]
    return "\n".join(lines)


def summary(path: Path = paths.METRICS) -> str:
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `dvc repro` first")
    return format_summary(json.loads(path.read_text(encoding="utf-8")))
