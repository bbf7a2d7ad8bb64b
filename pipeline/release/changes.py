"""What changed between two releases: the ``CHANGES.json`` of a build and ``valact diff``.

Both sides are rows of one option each (``scenario_id``, ``post_id``, ``scenario``,
``question``, ``option_id``, ``value``, ``text``), matched by post (a scenario is its post)
and, within a post, by option id (a relabelled option keeps its id). Reported:

- ``added``: scenarios whose post was not in the old release;
- ``withdrawn``: old scenarios whose post is in the withdrawals file (reason and date;
  never who recorded it);
- ``removed``: old scenarios gone without a withdrawal (e.g. an edit dropped an option);
- ``edited``: kept scenarios whose situation, question or option texts changed (which);
- ``relabelled``: kept options whose value changed (from, to);
- counts of scenarios and of options per value, before and after.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.release.ids import carried_option_id
from pipeline.release.withdrawals import Withdrawal
from pipeline.values import VALUE_IDS

COLUMNS = ["scenario_id", "post_id", "scenario", "question", "option_id", "value", "text"]


def _per_value(rows: pd.DataFrame) -> dict[str, int]:
    counts = rows["value"].value_counts() if len(rows) else pd.Series(dtype=int)
    return {v: int(counts.get(v, 0)) for v in VALUE_IDS}


def _by_post(rows: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows[COLUMNS].to_dict("records"):
        out.setdefault(str(r["post_id"]), []).append(r)
    return out


def _matched_options(
    pid: str, old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Options by id; an old-format id (``valact-00001-a``) is matched by post and value."""
    return (
        {carried_option_id(pid, str(o["option_id"]), str(o["value"])): o for o in old},
        {str(o["option_id"]): o for o in new},
    )


def diff_releases(
    old: pd.DataFrame | None,
    new: pd.DataFrame,
    withdrawals: dict[str, Withdrawal] | None = None,
    *,
    old_version: str | None = None,
    new_version: str | None = None,
    old_ref: str | None = None,
) -> dict[str, Any]:
    """The changelog of ``new`` against ``old`` (None: a first release)."""
    withdrawals = withdrawals or {}
    old_rows = old if old is not None else pd.DataFrame(columns=COLUMNS)
    old_by, new_by = _by_post(old_rows), _by_post(new)
    added = sorted(new_by[p][0]["scenario_id"] for p in set(new_by) - set(old_by))
    withdrawn, removed = [], []
    for pid in sorted(set(old_by) - set(new_by)):
        sid = old_by[pid][0]["scenario_id"]
        w = withdrawals.get(pid)
        if w is not None:
            withdrawn.append(
                {"scenario_id": sid, "post_id": pid, "reason": w.reason, "date": w.date}
            )
        else:
            removed.append({"scenario_id": sid, "post_id": pid})
    edited, relabelled = [], []
    for pid in sorted(set(old_by) & set(new_by)):
        o_opts, n_opts = _matched_options(pid, old_by[pid], new_by[pid])
        o0, n0 = old_by[pid][0], new_by[pid][0]
        fields = [f for f in ("scenario", "question") if o0[f] != n0[f]]
        for oid in sorted(set(o_opts) & set(n_opts)):
            if o_opts[oid]["text"] != n_opts[oid]["text"]:
                fields.append(f"options.{oid}.text")
            if o_opts[oid]["value"] != n_opts[oid]["value"]:
                relabelled.append(
                    {
                        "scenario_id": n0["scenario_id"],
                        "option_id": oid,
                        "from": o_opts[oid]["value"],
                        "to": n_opts[oid]["value"],
                    }
                )
        fields += [f"options.{oid} (removed)" for oid in sorted(set(o_opts) - set(n_opts))]
        fields += [f"options.{oid} (added)" for oid in sorted(set(n_opts) - set(o_opts))]
        if fields:
            edited.append({"scenario_id": n0["scenario_id"], "fields": fields})
    return {
        "version": new_version,
        "previous_version": old_version if old is not None else None,
        "previous_release": old_ref if old is not None else None,
        "scenarios": {"before": len(old_by), "after": len(new_by)},
        "options": {"before": int(len(old_rows)), "after": int(len(new))},
        "added": added,
        "withdrawn": withdrawn,
        "removed": removed,
        "edited": edited,
        "relabelled": relabelled,
        "options_per_value": {"before": _per_value(old_rows), "after": _per_value(new)},
    }


def _ids(items: list[Any], limit: int) -> str:
    shown = [f"`{i}`" if isinstance(i, str) else f"`{i['scenario_id']}`" for i in items[:limit]]
    more = f" and {len(items) - limit:,} more" if len(items) > limit else ""
    return ", ".join(shown) + more


def changes_markdown(changes: dict[str, Any], limit: int = 20) -> str:
    """The changelog as Markdown (the card's section, and what ``valact diff`` prints)."""
    if changes["previous_version"] is None and changes["previous_release"] is None:
        return (
            f"First release: {changes['scenarios']['after']:,} scenarios, no previous "
            "version to compare with."
        )
    s, o = changes["scenarios"], changes["options"]
    lines = [
        f"{s['before']:,} scenarios ({o['before']:,} options) before, {s['after']:,} "
        f"({o['after']:,} options) now.",
        "",
        f"- added: {len(changes['added']):,}"
        + (f" ({_ids(changes['added'], limit)})" if changes["added"] else ""),
    ]
    if changes["withdrawn"]:
        reasons: dict[str, int] = {}
        for w in changes["withdrawn"]:
            reasons[w["reason"]] = reasons.get(w["reason"], 0) + 1
        why = ", ".join(f"{r}: {n}" for r, n in sorted(reasons.items()))
        lines.append(
            f"- withdrawn: {len(changes['withdrawn']):,} ({why}; "
            f"{_ids(changes['withdrawn'], limit)})"
        )
    else:
        lines.append("- withdrawn: 0")
    lines.append(
        f"- removed without a withdrawal: {len(changes['removed']):,}"
        + (f" ({_ids(changes['removed'], limit)})" if changes["removed"] else "")
    )
    lines.append(
        f"- edited: {len(changes['edited']):,}"
        + (f" ({_ids(changes['edited'], limit)})" if changes["edited"] else "")
    )
    relabels = ", ".join(
        f"`{r['option_id']}` {r['from']} -> {r['to']}" for r in changes["relabelled"][:limit]
    )
    more = len(changes["relabelled"]) - limit
    lines.append(
        f"- relabelled options: {len(changes['relabelled']):,}"
        + (f" ({relabels}{f' and {more:,} more' if more > 0 else ''})" if relabels else "")
    )
    before, after = changes["options_per_value"]["before"], changes["options_per_value"]["after"]
    lines += ["", "| value | options before | options after |", "|---|---|---|"]
    lines += [f"| {v} | {before[v]:,} | {after[v]:,} |" for v in VALUE_IDS]
    return "\n".join(lines)
