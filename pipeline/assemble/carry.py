"""The previous release's part of a build: its scenarios, fixed, minus withdrawals.

Every scenario of ``assemble.previous_release`` comes into the new build with its ids,
texts and labels, unless

- its post is withdrawn (``review/withdrawn.jsonl``): it leaves;
- a reviewer edited the item since (the review stage's status ``edited`` for the post): the
  edited texts and labels replace the published ones, matched option by option through the
  stable option ids (a relabelled option keeps its id). When the edit dropped a published
  option, the scenario is no longer fixed: it goes back among the candidates and is listed
  as ``released``;
- a reviewer accepted it since: its review status becomes ``accepted``.

A release built before ids were stable (``valact-00001``) gets the stable ids of its posts;
the count is reported as ``ids_migrated``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from pipeline.release.ids import carried_option_id, option_id, scenario_id
from pipeline.release.withdrawals import Withdrawal
from pipeline.schemas import SELECTED

log = logging.getLogger("valact.assemble")


@dataclass
class Carried:
    rows: pd.DataFrame  # SELECTED rows of the fixed scenarios
    withdrawn: list[str] = field(default_factory=list)  # post ids of the release withdrawn
    released: list[str] = field(default_factory=list)  # post ids whose edit dropped an option
    edited: int = 0  # fixed scenarios whose texts or labels an edit changed
    ids_migrated: int = 0  # options of an old-format release given stable ids

    @property
    def post_ids(self) -> list[str]:
        return sorted(set(self.rows["post_id"]))


def carry_forward(
    previous: pd.DataFrame,
    reviewed: pd.DataFrame,
    withdrawn: dict[str, Withdrawal],
    k: int,
    months: dict[str, str],
) -> Carried:
    """The fixed part of the build from the previous release's rows (PREVIOUS_RELEASE)."""
    out = Carried(rows=pd.DataFrame(columns=list(SELECTED.columns)))
    if previous.empty:
        return out
    sizes = previous.groupby("post_id")["option_id"].count()
    wrong = sizes[sizes != k]
    if len(wrong):
        raise CarryError(
            f"the previous release has scenarios with {sorted(set(wrong))} options, this build "
            f"asks for assemble.options_per_scenario = {k}: a release can only be extended "
            "with the same number of options per scenario"
        )
    rev = reviewed.copy()
    rev["option_id"] = [
        option_id(p, v) for p, v in zip(rev["post_id"], rev["annotated_value"], strict=True)
    ]
    rev_by_post = {pid: g for pid, g in rev.groupby("post_id", sort=False)}
    rows: list[dict[str, object]] = []
    for pid, group in previous.groupby("post_id", sort=True):
        if pid in withdrawn:
            out.withdrawn.append(str(pid))
            continue
        opts = group.to_dict("records")
        for o in opts:
            stable = carried_option_id(str(pid), str(o["option_id"]), str(o["value"]))
            out.ids_migrated += stable != o["option_id"]
            o["option_id"] = stable
        current = rev_by_post.get(pid)
        status_now = None if current is None else str(current["review_status"].iloc[0])
        by_id = {} if current is None else {r["option_id"]: r for r in current.to_dict("records")}
        if status_now == "edited":
            if any(o["option_id"] not in by_id for o in opts):
                out.released.append(str(pid))
                log.warning(
                    "post %s of the previous release: a review edit dropped a published "
                    "option, so its scenario is not kept as published (it is a candidate "
                    "again)", pid,
                )
                continue
            first = by_id[opts[0]["option_id"]]
            changed = False
            for o in opts:
                r = by_id[o["option_id"]]
                new = (first["scenario"], first["question"], r["option_text"], r["value"])
                old = (o["scenario"], o["question"], o["text"], o["value"])
                changed |= new != old
                o.update(scenario=new[0], question=new[1], text=new[2], value=new[3],
                         review_status="edited")
            out.edited += int(changed)
        elif status_now == "accepted":
            for o in opts:
                o["review_status"] = "accepted"
        month = opts[0].get("created_month")
        if month is None or pd.isna(month):
            month = months.get(str(pid))
        for o in opts:
            r = by_id.get(o["option_id"])
            rows.append(
                {
                    "scenario_id": scenario_id(str(pid)),
                    "post_id": pid,
                    "subreddit": o["subreddit"],
                    "created_month": month,
                    "scenario": o["scenario"],
                    "question": o["question"],
                    "option_id": o["option_id"],
                    "value": o["value"],
                    "text": o["text"],
                    "relevance": float(r["relevance"]) if r is not None else float("nan"),
                    "annotator": o["annotator"],
                    "prompt_version": o["prompt_version"],
                    "review_status": o["review_status"],
                }
            )
    out.rows = pd.DataFrame(rows, columns=list(SELECTED.columns))
    return out


class CarryError(RuntimeError):
    """The previous release cannot be carried into this build."""
