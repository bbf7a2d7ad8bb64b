"""Stage 6, assemble: pick N scenarios and k options each, balanced over the ten values.

1. Candidates are reviewed items with at least k distinct values.
2. Scenarios are ranked by quality (mean relevance of their best k options, a bonus when
   those include opposing values on the Schwartz circle, verifier agreement) with a
   seeded tie-break, and chosen greedily under two caps: no subreddit and no calendar
   year (of the post, UTC) above its share of the set. A cap is relaxed, with a warning
   and a metric, only when the candidates cannot fill the set otherwise.
3. A min-cost flow assigns exactly k values to every chosen scenario so that every value
   is used exactly N*k/10 times, preferring high-relevance options the blind verifier
   agreed with. Scenarios the flow cannot fill are swapped for the next candidates.

With ``assemble.previous_release``, the scenarios of that release are fixed first (see
``carry.py``: withdrawals leave, review edits apply) and the flow fills the rest of each
value's quota with new posts, so the counts stay exact over the whole set. Withdrawn posts
(``review/withdrawn.jsonl``) are never candidates. Ids are stable (``release/ids.py``).

Fails with an explanation (what is available, what is missing) when the target cannot
be met, unless ``assemble.allow_smaller`` lets it build the largest balanced set it can.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from pipeline import paths
from pipeline.artifacts import empty_frame, read_frame, write_frame, write_stage_metrics
from pipeline.assemble.carry import CarryError, carry_forward
from pipeline.options_format import items
from pipeline.params import Params
from pipeline.progress import progress_bar
from pipeline.release import previous as previous_release
from pipeline.release.ids import option_id, scenario_id
from pipeline.release.withdrawals import Withdrawal, read_withdrawals
from pipeline.schemas import PREVIOUS_RELEASE, REVIEWED, SELECTED
from pipeline.stage_metrics import AnnotateMetrics
from pipeline.stage_metrics import read as read_metrics
from pipeline.text_patterns import hash_unit
from pipeline.values import N_VALUES, VALUE_IDS, are_opposed

log = logging.getLogger("valact.assemble")


# Flow cost of an option the verifier disagreed with, on the scale of (1 - relevance) * 1000.
DISAGREEMENT_COST = 300


class AssemblyError(RuntimeError):
    """The target set cannot be built from the candidates."""


def value_quotas(n_scenarios: int, k: int) -> dict[str, int]:
    total = n_scenarios * k
    base, rest = divmod(total, N_VALUES)
    return {v: base + (1 if i < rest else 0) for i, v in enumerate(VALUE_IDS)}


def balanced_size(n: int, k: int) -> int:
    """Largest m <= n with m*k divisible by the number of values (exact balance)."""
    step = N_VALUES // math.gcd(k, N_VALUES)
    return n - n % step


def post_years(posts: pd.DataFrame) -> dict[str, int]:
    """post_id -> calendar year (UTC) of the post (``posts``: post_id, created_utc; a post
    may have several rows, as in review's output)."""
    posts = posts.drop_duplicates("post_id")
    years = pd.to_datetime(posts["created_utc"], unit="s", utc=True).dt.year
    return dict(zip(posts["post_id"], years.astype(int), strict=True))


def score_scenarios(
    reviewed: pd.DataFrame,
    k: int,
    seed: int,
    years: dict[str, int] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    years = years if years is not None else {}
    rows = []
    # each post's options, most relevant first
    ordered = reviewed.sort_values(
        ["post_id", "relevance", "value"], ascending=[True, False, True], kind="stable"
    )
    bar = progress_bar(total=len(ordered), desc="assemble: score", unit="option",
                       disable=not progress)
    for item in items(ordered, "post_id", ["subreddit", "value", "relevance", "agreement"]):
        post_id, group = item.key, item.rows
        bar.update(len(group))
        n_values = len({r["value"] for r in group})
        if n_values < k:
            continue
        top = group[:k]
        values = [r["value"] for r in top]
        opposed = any(are_opposed(a, b) for i, a in enumerate(values) for b in values[i + 1 :])
        agreement = [bool(r["agreement"]) for r in top if pd.notna(r["agreement"])]
        agree_rate = sum(agreement) / len(agreement) if agreement else 0.5
        relevance = sum(float(r["relevance"]) for r in top) / len(top)
        quality = relevance + (0.2 if opposed else 0.0) + 0.2 * agree_rate
        rows.append(
            {
                "post_id": post_id,
                "subreddit": group[0]["subreddit"],
                "year": years.get(post_id, 0),
                "quality": round(quality, 6),
                "opposed": opposed,
                "n_values": n_values,
                "tiebreak": hash_unit(seed, "rank", post_id),
            }
        )
    bar.close()
    df = pd.DataFrame(
        rows,
        columns=["post_id", "subreddit", "year", "quality", "opposed", "n_values", "tiebreak"],
    )
    return df.sort_values(["quality", "tiebreak"], ascending=[False, True]).reset_index(drop=True)


def pick_scenarios(
    ranked: pd.DataFrame,
    n: int,
    max_subreddit_share: float,
    max_year_share: float,
    fixed: Sequence[tuple[str, int]] = (),
) -> tuple[list[str], list[str]]:
    """Greedy by rank under a per-subreddit and a per-year cap, up to ``n`` scenarios in all.

    ``fixed`` holds the (subreddit, year) of scenarios already in the set (the previous
    release): they count against the caps, and ``n - len(fixed)`` new ones are picked.
    When the candidates cannot fill the set under both caps, the year cap is dropped first,
    then the subreddit cap. Returns the chosen post ids and the caps that were relaxed.
    """
    caps = {
        "subreddit": max(1, math.ceil(max_subreddit_share * n)),
        "year": max(1, math.ceil(max_year_share * n)),
    }
    want = n - len(fixed)
    chosen: list[str] = []
    taken: set[str] = set()
    counts: dict[str, dict[object, int]] = {"subreddit": {}, "year": {}}
    for sub, year in fixed:
        counts["subreddit"][sub] = counts["subreddit"].get(sub, 0) + 1
        counts["year"][year] = counts["year"].get(year, 0) + 1
    relaxed: list[str] = []
    rows = list(ranked.itertuples(index=False))
    for active in (("subreddit", "year"), ("subreddit",), ()):
        for r in rows:
            if len(chosen) >= want:
                break
            if r.post_id in taken:
                continue
            keys = {"subreddit": r.subreddit, "year": r.year}
            if all(counts[c].get(keys[c], 0) < caps[c] for c in active):
                chosen.append(r.post_id)
                taken.add(r.post_id)
                for c in counts:
                    counts[c][keys[c]] = counts[c].get(keys[c], 0) + 1
        if len(chosen) >= want:
            break
        dropped = "year" if "year" in active else "subreddit"
        if active:
            relaxed.append(dropped)
            log.warning(
                "%s cap %d (assemble.max_%s_share) relaxed: %d of %d scenarios fit under it",
                dropped, caps[dropped], dropped, len(chosen) + len(fixed), n,
            )
    return chosen, relaxed


def assign_values(
    options: pd.DataFrame, scenario_ids: list[str], k: int, quotas: dict[str, int]
) -> dict[str, list[str]]:
    """Min-cost flow: k values per scenario, value totals equal to quotas.

    Returns post_id -> assigned values (fewer than k when the flow could not fill it).
    """
    g = nx.DiGraph()
    g.add_node("src", demand=-sum(quotas.values()))
    g.add_node("sink", demand=sum(quotas.values()))
    for pid in scenario_ids:
        g.add_edge("src", f"s:{pid}", capacity=k, weight=0)
    sub = options[options["post_id"].isin(set(scenario_ids))]
    for r in sub.itertuples(index=False):
        cost = int(round((1.0 - float(r.relevance)) * 1000))
        if pd.notna(r.agreement) and not bool(r.agreement):
            cost += DISAGREEMENT_COST  # the blind verifier read another value into it
        g.add_edge(f"s:{r.post_id}", f"v:{r.value}", capacity=1, weight=cost)
    for v, q in quotas.items():
        g.add_edge(f"v:{v}", "sink", capacity=q, weight=0)
    # Max flow at min cost (demands are not forced: short scenarios are detected after).
    flow = nx.max_flow_min_cost(g, "src", "sink")
    out: dict[str, list[str]] = {}
    for pid in scenario_ids:
        vals = [n[2:] for n, f in flow.get(f"s:{pid}", {}).items() if f > 0 and n.startswith("v:")]
        out[pid] = sorted(vals, key=VALUE_IDS.index)
    return out


def residual_quotas(n: int, k: int, fixed_counts: Counter[str]) -> dict[str, int]:
    """Per value, the options left for new scenarios once the fixed ones are counted.

    Raises AssemblyError, saying what would fix it, when the fixed scenarios already hold
    more options of a value than a set of ``n`` scenarios may have.
    """
    quotas = value_quotas(n, k)
    over = {v: fixed_counts[v] - q for v, q in quotas.items() if fixed_counts[v] > q}
    if over:
        worst = max(fixed_counts.values())
        need = math.ceil(worst * N_VALUES / k)
        step = N_VALUES // math.gcd(k, N_VALUES)
        need += -need % step
        excess = ", ".join(f"{v}: {fixed_counts[v]} > {quotas[v]}" for v in sorted(over))
        raise AssemblyError(
            f"exact balance is impossible: the scenarios kept from the previous release "
            f"already hold more options of {', '.join(sorted(over))} than a set of {n} "
            f"scenarios may have ({excess}). "
            f"Raise assemble.scenarios to at least {need}, or withdraw or relabel kept "
            "scenarios of those values (review/withdrawn.jsonl, a review edit)."
        )
    return {v: q - fixed_counts[v] for v, q in quotas.items()}


def assemble(
    reviewed: pd.DataFrame,
    params: Params,
    years: dict[str, int] | None = None,
    *,
    months: dict[str, str] | None = None,
    previous: pd.DataFrame | None = None,
    withdrawn: dict[str, Withdrawal] | None = None,
    progress: bool = False,
    n_posts: int | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``years`` maps post_id to the post's year (UTC); without it the year cap is inert.

    ``months`` maps post_id to ``YYYY-MM`` (UTC); ``previous`` holds the previous release's
    rows (schemas.PREVIOUS_RELEASE), ``withdrawn`` the withdrawals by post id;
    ``n_posts`` is how many posts dedupe left (for the shortfall message).
    """
    ap = params.assemble
    k = ap.options_per_scenario
    months = months or {}
    withdrawn = withdrawn or {}
    if not 1 <= k <= N_VALUES:
        raise AssemblyError(f"assemble.options_per_scenario must be 1..{N_VALUES}, got {k}")
    try:
        carried = carry_forward(
            previous if previous is not None else pd.DataFrame(columns=["post_id"]),
            reviewed, withdrawn, k, months,
        )
    except CarryError as exc:
        raise AssemblyError(str(exc)) from exc
    fixed_posts = set(carried.post_ids)
    n_fixed = len(fixed_posts)
    fixed_counts: Counter[str] = Counter(carried.rows["value"])
    target = ap.scenarios
    if n_fixed > target:
        raise AssemblyError(
            f"the previous release keeps {n_fixed} scenarios (after withdrawals), more than "
            f"assemble.scenarios = {target}: a release is extended, never cut; raise "
            f"assemble.scenarios to {n_fixed} or more, or withdraw scenarios"
        )
    pool_rows = reviewed[
        ~reviewed["post_id"].isin(fixed_posts) & ~reviewed["post_id"].isin(set(withdrawn))
    ]
    withdrawn_in_pool = len(set(reviewed["post_id"]) & set(withdrawn))
    log.info("scoring %d candidate items", pool_rows["post_id"].nunique())
    ranked = score_scenarios(pool_rows, k, params.seed, years, progress=progress)
    available = len(ranked) + n_fixed
    n = target
    if available < target:
        per_value_available = (
            pool_rows["value"].value_counts().reindex(VALUE_IDS, fill_value=0).to_dict()
        )
        kept_md = f" (of them {n_fixed} kept from the previous release)" if n_fixed else ""
        msg = (
            f"only {available} candidate scenarios have >= {k} distinct values after "
            f"review{kept_md}; the target is {target} (missing {target - available}). Per "
            f"value, candidate options: {per_value_available}."
        )
        if n_posts is not None and math.ceil(target * params.annotate.oversample) >= n_posts:
            remedy = (
                f" All {n_posts} posts left after dedupe were annotated (the target x "
                f"annotate.oversample is {math.ceil(target * params.annotate.oversample)}), "
                "so raising annotate.oversample cannot help: more posts are needed (ingest "
                "more, or relax clean's filters)"
            )
        else:
            remedy = " Raise annotate.oversample (more of the posts annotated) or ingest more"
        if not ap.allow_smaller:
            raise AssemblyError(
                msg + remedy + ", or set assemble.allow_smaller: true to build a smaller "
                "balanced set."
            )
        n = max(balanced_size(available, k), n_fixed)
        why = (
            f" ({available} candidates, but {n} x {k} is the largest number of options "
            f"that splits equally over the {N_VALUES} values)"
            if n < available
            else ""
        )
        log.warning("%s%s. Building %d scenarios instead (allow_smaller)%s.", msg, remedy, n, why)
    if n * k % N_VALUES:
        log.warning("%d x %d options cannot be split equally over %d values", n, k, N_VALUES)

    fixed_years = {
        pid: (years or {}).get(pid, int(str(m)[:4]) if isinstance(m, str) else 0)
        for pid, m in carried.rows.drop_duplicates("post_id")[["post_id", "created_month"]]
        .itertuples(index=False)
    }
    fixed_keys = [
        (sub, fixed_years[pid])
        for pid, sub in carried.rows.drop_duplicates("post_id")[["post_id", "subreddit"]]
        .itertuples(index=False)
    ]
    pool = list(ranked["post_id"])
    year_share = ap.max_year_share if years is not None else 1.0
    chosen, relaxed = pick_scenarios(ranked, n, ap.max_subreddit_share, year_share, fixed_keys)
    rejected: set[str] = set()
    assignment: dict[str, list[str]] = {}
    for _attempt in range(50):
        quotas = residual_quotas(n, k, fixed_counts)
        log.info("balancing values over %d new scenarios (min-cost flow)", len(chosen))
        assignment = assign_values(pool_rows, chosen, k, quotas)
        short = [pid for pid in chosen if len(assignment[pid]) < k]
        if not short:
            break
        rejected.update(short)
        remaining = [p for p in pool if p not in rejected and p not in set(chosen)]
        keep = [p for p in chosen if p not in set(short)]
        refill = remaining[: len(short)]
        if len(keep) + len(refill) < n - n_fixed:
            if not ap.allow_smaller:
                raise AssemblyError(
                    f"cannot balance {n} scenarios x {k} options over the values: "
                    f"{len(short)} scenarios could not get {k} values within the quotas "
                    f"{quotas} left for new scenarios and no candidates are left to swap in"
                )
            n = max(balanced_size(n_fixed + len(keep) + len(refill), k), n_fixed)
            chosen = (keep + refill)[: n - n_fixed]
        else:
            chosen = keep + refill
    else:
        raise AssemblyError("value balancing did not converge after 50 swaps")

    by_post = {
        (r["post_id"], r["value"]): r
        for r in pool_rows[pool_rows["post_id"].isin(set(chosen))].to_dict("records")
    }
    rows = []
    for pid in chosen:
        for v in assignment[pid]:
            r = by_post[(pid, v)]
            rows.append(
                {
                    "scenario_id": scenario_id(pid),
                    "post_id": pid,
                    "subreddit": r["subreddit"],
                    "created_month": months.get(pid),
                    "scenario": r["scenario"],
                    "question": r["question"],
                    "option_id": option_id(pid, r["annotated_value"]),
                    "value": v,
                    "text": r["option_text"],
                    "relevance": float(r["relevance"]),
                    "annotator": r["annotator"],
                    "prompt_version": r["prompt_version"],
                    "review_status": r["review_status"],
                }
            )
    new = pd.DataFrame(rows, columns=list(SELECTED.columns))
    parts = [p for p in (carried.rows, new) if not p.empty]
    selected = (
        pd.concat(parts, ignore_index=True) if parts else new
    ).sort_values(["scenario_id", "option_id"], ignore_index=True)
    per_value = selected["value"].value_counts().reindex(VALUE_IDS, fill_value=0)
    scen = selected.drop_duplicates("scenario_id")
    opposed = sum(
        any(are_opposed(a, b) for a in g["value"] for b in g["value"])
        for _, g in selected.groupby("scenario_id")
    )
    scen_years = [
        (years or {}).get(pid) or fixed_years.get(pid) or 0 for pid in scen["post_id"]
    ]
    metrics = {
        "target_scenarios": target,
        "candidates": available,
        "scenarios": int(len(scen)),
        "options": int(len(selected)),
        "options_per_value": {k_: int(v) for k_, v in per_value.items()},
        "scenarios_per_subreddit": {
            k_: int(v) for k_, v in scen["subreddit"].value_counts().sort_index().items()
        },
        "scenarios_per_year": {
            str(y): int(c) for y, c in sorted(Counter(scen_years).items())
        },
        "caps_relaxed": relaxed,
        "scenarios_with_opposing_values": int(opposed),
        "swapped_out": len(rejected),
        "kept_from_previous_release": n_fixed,
        "new_scenarios": len(chosen),
        "withdrawn_from_previous_release": carried.withdrawn,
        "released_by_edit": carried.released,
        "edited_since_previous_release": carried.edited,
        "ids_migrated": carried.ids_migrated,
        "withdrawn_candidates_excluded": withdrawn_in_pool,
    }
    return selected, metrics


def post_months(posts: pd.DataFrame) -> dict[str, str]:
    """post_id -> ``YYYY-MM`` (UTC) of the post: the only date the release publishes."""
    posts = posts.drop_duplicates("post_id")
    stamps = pd.to_datetime(posts["created_utc"], unit="s", utc=True)
    return dict(zip(posts["post_id"], stamps.dt.strftime("%Y-%m"), strict=True))


def posts_after_dedupe(annotate_metrics: Path) -> int | None:
    """How many posts dedupe left, as annotate counted them (``posts_available`` in
    metrics/annotate.json): only the shortfall message needs it, so assemble reads that
    figure instead of unique.parquet. None when annotate's metrics are not there."""
    if not annotate_metrics.exists():
        return None
    return read_metrics(AnnotateMetrics, annotate_metrics.parent).posts_available


def run(
    params: Params,
    src: Path = paths.REVIEWED,
    out: Path = paths.SELECTED,
    annotate_metrics: Path = paths.STAGE_METRICS_DIR / "annotate.json",
    withdrawn_src: Path = paths.WITHDRAWN,
    previous_out: Path = paths.PREVIOUS_RELEASE,
    root: Path = Path("."),
    progress: bool = True,
) -> dict[str, Any]:
    ap = params.assemble
    reviewed = read_frame(src, REVIEWED)
    withdrawn = read_withdrawals(withdrawn_src)
    release = previous_release.load(ap.previous_release, root=root) if ap.previous_release else None
    prev_rows = release.rows if release is not None else empty_frame(PREVIOUS_RELEASE)
    selected, metrics = assemble(
        reviewed, params, post_years(reviewed), months=post_months(reviewed),
        previous=prev_rows, withdrawn=withdrawn, progress=progress,
        n_posts=posts_after_dedupe(annotate_metrics),
    )
    metrics["previous_release"] = (
        None
        if release is None
        else {
            "ref": release.ref,
            "version": release.version,
            "fingerprint": release.fingerprint,
            "scenarios": int(release.rows["scenario_id"].nunique()),
        }
    )
    write_frame(selected, out, SELECTED)
    write_frame(prev_rows, previous_out, PREVIOUS_RELEASE)
    write_stage_metrics("assemble", metrics)
    log.info(
        "assembled %d scenarios, %d options (%d kept from the previous release)",
        metrics["scenarios"], metrics["options"], metrics["kept_from_previous_release"],
    )
    return metrics
