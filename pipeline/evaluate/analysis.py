"""From responses to the value-action gap: profiles, correlations, accuracies.

Definitions (also printed in the report's Methods section):

- **enacted profile** (act): per value, ``chosen / offered`` over the answered act items,
  where *offered* counts the items whose options included the value and *chosen* those
  where the respondent picked it. With 5 options per scenario a value chosen at random
  scores 0.2. Unparseable, refused and failed items are left out of both counts (and are
  reported separately). 95% Wilson intervals.
- **stated profile** (state): per value, the mean of its (reverse-keyed where marked)
  ratings minus the respondent's mean over all answered items (ipsatized).
- **gap**: Pearson's r and Spearman's rho between the stated and the enacted profile over
  the values both define (10 with the shipped questionnaire and dataset). A high
  correlation means what the respondent says it values predicts what it does.
- **consistency**: Pearson and Spearman correlations between the enacted (and the stated)
  profiles of every pair of respondents.
- **select / hold**: per target value, the share of answered items where the option of
  that value was chosen; the drop is ``select - hold`` (knowing a value's option but not
  choosing it when asked to hold the value).
- **human responses**: a file of many people is one respondent (``human`` by default):
  choices are pooled, stated profiles are ipsatized per person then averaged; each
  person's own stated-enacted correlations are reported in ``individuals``.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa_arrow
from scipy import stats

from pipeline.artifacts import write_table
from pipeline.evaluate import responses as resp
from pipeline.evaluate.conditions import CONDITIONS
from pipeline.evaluate.questionnaire import stated_profile
from pipeline.evaluate.runner import RESPONSES_FILE, SETTINGS_FILE
from pipeline.values import VALUE_IDS

MIN_VALUES_FOR_CORRELATION = 3


@dataclass
class Analysis:
    runs: pd.DataFrame
    profiles: pd.DataFrame
    gap: pd.DataFrame
    consistency: pd.DataFrame
    accuracy: pd.DataFrame
    select_hold: pd.DataFrame
    parsing: pd.DataFrame
    positions: pd.DataFrame
    position_tests: pd.DataFrame
    individuals: pd.DataFrame

    def write(self, out_dir: Path) -> list[Path]:
        """One parquet per table in ``out_dir``; returns the paths."""
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for f in fields(self):
            df: pd.DataFrame = getattr(self, f.name)
            path = out_dir / f"{f.name}.parquet"
            write_table(pa_arrow.Table.from_pandas(df.reset_index(drop=True),
                                                   preserve_index=False), path)
            paths.append(path)
        return paths

    @property
    def respondents(self) -> list[str]:
        return list(dict.fromkeys(self.runs["respondent"]))


# -- loading ----------------------------------------------------------------------------------


def find_runs(runs_dir: Path) -> list[Path]:
    """Run folders (holding settings.json and responses.parquet) under ``runs_dir``."""
    return sorted(p.parent for p in runs_dir.glob(f"*/{SETTINGS_FILE}")
                  if (p.parent / RESPONSES_FILE).exists())


def load_runs(run_dirs: Sequence[Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(responses with a group column, one row per run)`` of model runs."""
    frames, runs = [], []
    for d in run_dirs:
        settings_path, responses_path = d / SETTINGS_FILE, d / RESPONSES_FILE
        if not settings_path.exists() or not responses_path.exists():
            raise FileNotFoundError(f"{d} is not a run folder (needs {SETTINGS_FILE} and "
                                    f"{RESPONSES_FILE})")
        settings = json.loads(settings_path.read_text(encoding="utf-8"))
        df = resp.read(responses_path)
        label = str(settings.get("label") or settings.get("model"))
        df["respondent"] = label
        df["group"] = label
        frames.append(df)
        runs.append(_run_row(d.name, label, "model", df, settings))
    return _concat(frames), pd.DataFrame(runs)


def load_human(path: Path, label: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = resp.read_human(path, label=label)
    df["group"] = label
    rows = []
    for cond, g in df.groupby("condition", sort=False):
        rows.append(_run_row(path.name, label, "human", g, {"condition": cond,
                                                              "model": None}))
    return df, pd.DataFrame(rows)


def _run_row(name: str, label: str, kind: str, df: pd.DataFrame,
             settings: dict[str, object]) -> dict[str, object]:
    status = df["parse_status"].value_counts()
    questionnaire = settings.get("questionnaire")
    return {
        "run": name,
        "respondent": label,
        "kind": kind,
        "condition": settings.get("condition") or ",".join(sorted(set(df["condition"]))),
        "model": settings.get("model"),
        "people": int(df["respondent"].nunique()) if kind == "human" else 1,
        "items": len(df),
        "answered": int(status.get("ok", 0)),
        "unparseable": int(status.get("unparseable", 0)),
        "refused": int(status.get("refusal", 0) + status.get("content_filter", 0)),
        "errors": int(status.get("error", 0)),
        "seed": settings.get("seed"),
        "temperature": settings.get("temperature"),
        "prompt_version": settings.get("prompt_version"),
        "dataset_fingerprint": settings.get("dataset_fingerprint"),
        "questionnaire": (questionnaire.get("source")
                          if isinstance(questionnaire, dict) else None),
        "cost_usd": float(df["cost_usd"].fillna(0).sum()),
    }


def _concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        out = resp.empty()
        out["group"] = pd.Series(dtype="string")
        return out
    return pd.concat(frames, ignore_index=True)


# -- statistics -------------------------------------------------------------------------------


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval of ``k`` successes in ``n`` (NaN for n = 0)."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def correlate(a: Sequence[float], b: Sequence[float]) -> dict[str, float | int]:
    """Pearson and Spearman over the pairs where both are defined (NaN when undefined)."""
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    out: dict[str, float | int] = {"n_values": int(keep.sum()), "pearson_r": float("nan"),
                                   "pearson_p": float("nan"), "spearman_rho": float("nan"),
                                   "spearman_p": float("nan")}
    if len(x) < MIN_VALUES_FOR_CORRELATION or np.ptp(x) == 0 or np.ptp(y) == 0:
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pr = stats.pearsonr(x, y)
        sr = stats.spearmanr(x, y)
    out.update(pearson_r=float(pr.statistic), pearson_p=float(pr.pvalue),
               spearman_rho=float(sr.statistic), spearman_p=float(sr.pvalue))
    return out


def enacted_counts(act: pd.DataFrame) -> pd.DataFrame:
    """Per value: times offered and chosen over answered act rows (VALUE_IDS order)."""
    ok = act[act["parse_status"] == "ok"]
    offered = pd.Series(0, index=list(VALUE_IDS), dtype=int)
    for values in ok["option_values"]:
        for v in values or ():
            if v in offered.index:
                offered[v] += 1
    chosen = ok["chosen_value"].value_counts().reindex(list(VALUE_IDS), fill_value=0)
    rate = chosen / offered.replace(0, np.nan)
    ci = [wilson(int(c), int(o)) for c, o in zip(chosen, offered, strict=True)]
    return pd.DataFrame({
        "value": list(VALUE_IDS),
        "offered": offered.to_numpy(),
        "chosen": chosen.astype(int).to_numpy(),
        "enacted_rate": rate.to_numpy(dtype=float),
        "enacted_ci_low": [c[0] for c in ci],
        "enacted_ci_high": [c[1] for c in ci],
    })


def group_stated(state: pd.DataFrame) -> pd.DataFrame:
    """Stated profile of a group: ipsatized per person, then averaged over people."""
    per_person = []
    for _, g in state[state["parse_status"] == "ok"].groupby("respondent", sort=True):
        per_person.append(stated_profile(g).set_index("value"))
    if not per_person:
        return pd.DataFrame({"value": list(VALUE_IDS), "stated_score": np.nan,
                             "stated_mean": np.nan, "stated_items": 0, "stated_people": 0})
    scores = pd.concat([p["stated_score"] for p in per_person], axis=1)
    means = pd.concat([p["stated_mean"] for p in per_person], axis=1)
    items = pd.concat([p["stated_items"] for p in per_person], axis=1)
    return pd.DataFrame({
        "value": list(VALUE_IDS),
        "stated_score": scores.mean(axis=1, skipna=True).to_numpy(dtype=float),
        "stated_mean": means.mean(axis=1, skipna=True).to_numpy(dtype=float),
        "stated_items": items.sum(axis=1).astype(int).to_numpy(),
        "stated_people": scores.notna().sum(axis=1).astype(int).to_numpy(),
    })


def _accuracy(df: pd.DataFrame) -> list[dict[str, object]]:
    rows = []
    ok = df[df["parse_status"] == "ok"]
    for value in [*VALUE_IDS, "all"]:
        asked = df if value == "all" else df[df["target_value"] == value]
        answered = ok if value == "all" else ok[ok["target_value"] == value]
        n = len(answered)
        k = int(answered["correct"].fillna(False).astype(bool).sum())
        lo, hi = wilson(k, n)
        lengths = [len(v) for v in answered["option_values"] if v]
        mean_options = float(np.mean(lengths)) if lengths else float("nan")
        rows.append({"value": value, "asked": len(asked), "n": n, "correct": k,
                     "accuracy": k / n if n else float("nan"), "ci_low": lo, "ci_high": hi,
                     "chance": 1 / mean_options})
    return rows


def analyze(responses: pd.DataFrame, runs: pd.DataFrame) -> Analysis:
    """Every table of the report from responses of all respondents (``group`` column)."""
    groups = list(dict.fromkeys(runs["respondent"])) if len(runs) else []
    profile_rows: list[pd.DataFrame] = []
    gap_rows: list[dict[str, object]] = []
    acc_rows: list[dict[str, object]] = []
    sh_rows: list[dict[str, object]] = []
    parse_rows: list[dict[str, object]] = []
    pos_rows: list[dict[str, object]] = []
    pos_tests: list[dict[str, object]] = []
    individual_rows: list[dict[str, object]] = []
    for group in groups:
        g = responses[responses["group"] == group]
        act, state = g[g["condition"] == "act"], g[g["condition"] == "state"]
        enacted = enacted_counts(act) if len(act) else None
        stated = group_stated(state) if len(state) else None
        prof = pd.DataFrame({"value": list(VALUE_IDS)})
        if stated is not None:
            prof = prof.merge(stated, on="value")
        if enacted is not None:
            prof = prof.merge(enacted, on="value")
        prof.insert(0, "respondent", group)
        for col in ("stated_score", "stated_mean", "enacted_rate", "enacted_ci_low",
                    "enacted_ci_high"):
            if col not in prof:
                prof[col] = np.nan
        for col in ("stated_items", "stated_people", "offered", "chosen"):
            if col not in prof:
                prof[col] = 0
        profile_rows.append(prof)
        if stated is not None and enacted is not None:
            gap_rows.append({"respondent": group, **correlate(stated["stated_score"],
                                                              enacted["enacted_rate"])})
            people = sorted(set(act["respondent"]) & set(state["respondent"]))
            if len(people) > 1:
                for person in people:
                    s = group_stated(state[state["respondent"] == person])
                    e = enacted_counts(act[act["respondent"] == person])
                    individual_rows.append({"respondent": group, "person": person,
                                            **correlate(s["stated_score"], e["enacted_rate"])})
        for cond in ("select", "hold"):
            c = g[g["condition"] == cond]
            if len(c):
                acc_rows.extend({"respondent": group, "condition": cond, **r}
                                for r in _accuracy(c))
        for cond in [c for c in CONDITIONS if c in set(g["condition"])]:
            c = g[g["condition"] == cond]
            status = c["parse_status"].value_counts()
            parse_rows.append({
                "respondent": group, "condition": cond, "items": len(c),
                **{s: int(status.get(s, 0)) for s in resp.PARSE_STATUSES},
                "answered_rate": float(status.get("ok", 0)) / len(c),
            })
        ok_act = act[(act["parse_status"] == "ok") & act["choice_position"].notna()]
        if len(ok_act):
            n_opts = [len(v) for v in ok_act["option_values"] if v]
            k = max(n_opts)
            counts = (ok_act["choice_position"].astype(int).value_counts()
                      .reindex(range(k), fill_value=0))
            for pos, cnt in counts.items():
                pos_rows.append({"respondent": group, "position": int(pos),
                                 "letter": chr(ord("A") + int(pos)), "chosen": int(cnt),
                                 "share": cnt / len(ok_act)})
            test: dict[str, object] = {"respondent": group, "n": len(ok_act),
                                       "options": k, "chi2": float("nan"),
                                       "p": float("nan")}
            if len(set(n_opts)) == 1 and len(ok_act) >= 5 * k:
                chi = stats.chisquare(counts.to_numpy())
                test.update(chi2=float(chi.statistic), p=float(chi.pvalue))
            pos_tests.append(test)
    acc = pd.DataFrame(acc_rows)
    if len(acc):
        per = acc.pivot_table(index=["respondent", "value"], columns="condition",
                              values="accuracy", dropna=False)
        ns = acc.pivot_table(index=["respondent", "value"], columns="condition", values="n",
                             dropna=False)
        for cond in ("select", "hold"):
            if cond not in per:
                per[cond] = np.nan
                ns[cond] = 0
        order = {v: i for i, v in enumerate([*VALUE_IDS, "all"])}
        for (group, value), row in per.iterrows():
            sh_rows.append({"respondent": group, "value": value,
                            "select_accuracy": row["select"], "hold_accuracy": row["hold"],
                            "drop": row["select"] - row["hold"],
                            "select_n": int(np.nan_to_num(ns.loc[(group, value), "select"])),
                            "hold_n": int(np.nan_to_num(ns.loc[(group, value), "hold"]))})
        sh_rows.sort(key=lambda r: (groups.index(str(r["respondent"])),
                                    order[str(r["value"])]))
    profiles = (pd.concat(profile_rows, ignore_index=True) if profile_rows
                else pd.DataFrame(columns=["respondent", "value"]))
    return Analysis(
        runs=runs.reset_index(drop=True),
        profiles=profiles,
        gap=pd.DataFrame(gap_rows, columns=["respondent", "n_values", "pearson_r", "pearson_p",
                                            "spearman_rho", "spearman_p"]),
        consistency=_consistency(profiles, groups),
        accuracy=acc,
        select_hold=pd.DataFrame(sh_rows, columns=["respondent", "value", "select_accuracy",
                                                   "hold_accuracy", "drop", "select_n",
                                                   "hold_n"]),
        parsing=pd.DataFrame(parse_rows),
        positions=pd.DataFrame(pos_rows),
        position_tests=pd.DataFrame(pos_tests),
        individuals=pd.DataFrame(individual_rows, columns=["respondent", "person", "n_values",
                                                           "pearson_r", "pearson_p",
                                                           "spearman_rho", "spearman_p"]),
    )


def _consistency(profiles: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    rows = []
    for profile, col in (("enacted", "enacted_rate"), ("stated", "stated_score")):
        if col not in profiles:
            continue
        have = [g for g in groups
                if profiles.loc[profiles["respondent"] == g, col].notna().any()]
        vectors = {g: profiles.loc[profiles["respondent"] == g, col].to_numpy(dtype=float)
                   for g in have}
        for a in have:
            rows.append({"profile": profile, "respondent_a": a, "respondent_b": a,
                         **correlate(vectors[a], vectors[a])})
        for a, b in combinations(have, 2):
            c = correlate(vectors[a], vectors[b])
            rows.append({"profile": profile, "respondent_a": a, "respondent_b": b, **c})
            rows.append({"profile": profile, "respondent_a": b, "respondent_b": a, **c})
    return pd.DataFrame(rows, columns=["profile", "respondent_a", "respondent_b", "n_values",
                                       "pearson_r", "pearson_p", "spearman_rho",
                                       "spearman_p"])


def consistency_matrix(analysis: Analysis, profile: str = "enacted",
                       stat: str = "pearson_r") -> pd.DataFrame:
    c = analysis.consistency[analysis.consistency["profile"] == profile]
    if c.empty:
        return pd.DataFrame()
    order = [r for r in analysis.respondents if r in set(c["respondent_a"])]
    m = c.pivot(index="respondent_a", columns="respondent_b", values=stat)
    return m.reindex(index=order, columns=order)


def run_analysis(run_dirs: Sequence[Path],
                 humans: Sequence[tuple[str, Path]] = ()) -> Analysis:
    """Load model runs and human files (``(label, path)``) and analyze them together."""
    responses, runs = load_runs(run_dirs)
    frames, run_tables = [responses], [runs]
    for label, path in humans:
        h, hr = load_human(path, label)
        frames.append(h)
        run_tables.append(hr)
    records = [rec for table in run_tables for rec in table.to_dict(orient="records")]
    all_runs = pd.DataFrame(records) if records else pd.DataFrame(columns=["respondent"])
    return analyze(_concat(frames), all_runs)
