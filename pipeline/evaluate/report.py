"""``report.md`` and its PNG figures from an :class:`~pipeline.evaluate.analysis.Analysis`.

Figures (matplotlib, Agg backend, no timestamps in the PNGs):

- ``profiles_bar.png``: per respondent, stated and enacted profiles as grouped bars, each
  z-scored across the ten values (the two are on different scales; z-scores compare their
  shapes, which is what the correlations measure);
- ``profiles_radar.png``: the same profiles on the circumplex (values in circle order);
- ``consistency_enacted.png`` / ``consistency_stated.png``: heat maps of Pearson's r
  between respondents' profiles (two or more respondents);
- ``select_hold.png``: per value accuracy when told the value (select) and when asked to
  hold it (hold), chance level dashed;
- ``positions.png``: how often each option position was chosen in the act condition.

The report is deterministic for the same inputs (no dates), so it can live in git.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline.evaluate.analysis import Analysis, consistency_matrix  # noqa: E402
from pipeline.values import VALUE_BY_ID, VALUE_IDS  # noqa: E402

STATED_COLOR = "#4C72B0"
ENACTED_COLOR = "#DD8452"
SELECT_COLOR = "#55A868"
HOLD_COLOR = "#C44E52"
LABELS = [VALUE_BY_ID[v].label for v in VALUE_IDS]


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)


def zscore(x: Sequence[float]) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if np.all(np.isnan(a)):
        return a
    sd = np.nanstd(a)
    return (a - np.nanmean(a)) / sd if sd > 0 else a - np.nanmean(a)


def _grid(n: int, ncols: int = 2) -> tuple[int, int]:
    cols = min(ncols, max(1, n))
    return math.ceil(n / cols), cols


def _profile(analysis: Analysis, respondent: str) -> pd.DataFrame:
    p = analysis.profiles
    return p[p["respondent"] == respondent].set_index("value").reindex(list(VALUE_IDS))


def _gap_title(analysis: Analysis, respondent: str) -> str:
    g = analysis.gap[analysis.gap["respondent"] == respondent]
    if g.empty or pd.isna(g.iloc[0]["pearson_r"]):
        return respondent
    r = g.iloc[0]
    return f"{respondent}\nr = {r['pearson_r']:.2f}, \u03c1 = {r['spearman_rho']:.2f}"


def plot_profiles_bar(analysis: Analysis, path: Path) -> None:
    people = analysis.respondents
    rows, cols = _grid(len(people))
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 3.4 * rows), squeeze=False)
    x = np.arange(len(VALUE_IDS))
    for ax, who in zip(axes.flat, people, strict=False):
        prof = _profile(analysis, who)
        ax.bar(x - 0.2, np.nan_to_num(zscore(prof["stated_score"])), 0.4,
               label="stated (questionnaire)", color=STATED_COLOR)
        ax.bar(x + 0.2, np.nan_to_num(zscore(prof["enacted_rate"])), 0.4,
               label="enacted (choices)", color=ENACTED_COLOR)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xticks(x, LABELS, rotation=40, ha="right", fontsize=8)
        ax.set_ylabel("z-score across values")
        ax.set_title(_gap_title(analysis, who), fontsize=10)
    for ax in list(axes.flat)[len(people):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8, loc="best")
    _save(fig, path)


def plot_profiles_radar(analysis: Analysis, path: Path) -> None:
    people = analysis.respondents
    rows, cols = _grid(len(people), 3)
    fig = plt.figure(figsize=(4.3 * cols, 4.3 * rows))
    angles = np.linspace(0, 2 * np.pi, len(VALUE_IDS), endpoint=False)
    closed = np.append(angles, angles[0])
    for i, who in enumerate(people):
        ax = fig.add_subplot(rows, cols, i + 1, projection="polar")
        prof = _profile(analysis, who)
        for col, color, label in (("stated_score", STATED_COLOR, "stated"),
                                  ("enacted_rate", ENACTED_COLOR, "enacted")):
            z = zscore(prof[col])
            if np.all(np.isnan(z)):
                continue
            z = np.clip(np.nan_to_num(z), -2.5, 2.5)
            ax.plot(closed, np.append(z, z[0]), color=color, lw=1.8, label=label)
            ax.fill(closed, np.append(z, z[0]), color=color, alpha=0.12)
        ax.set_ylim(-2.5, 2.5)
        ax.set_yticks([-2, 0, 2])
        ax.set_yticklabels(["-2", "0", "+2"], fontsize=7)
        ax.set_xticks(angles, LABELS, fontsize=7)
        ax.set_title(_gap_title(analysis, who), fontsize=9, pad=14)
        if i == 0:
            ax.legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.25, 1.12))
    _save(fig, path)


def plot_consistency(matrix: pd.DataFrame, path: Path, title: str) -> None:
    n = len(matrix)
    fig, ax = plt.subplots(figsize=(2.2 + 0.9 * n, 1.6 + 0.8 * n))
    im = ax.imshow(matrix.to_numpy(dtype=float), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(n), matrix.columns, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(n), matrix.index, fontsize=8)
    for i in range(n):
        for j in range(n):
            v = matrix.iat[i, j]
            ax.text(j, i, "–" if pd.isna(v) else f"{v:.2f}", ha="center", va="center",
                    fontsize=8, color="white" if not pd.isna(v) and abs(v) > 0.6 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="Pearson r")
    ax.set_title(title, fontsize=10)
    _save(fig, path)


def plot_select_hold(analysis: Analysis, path: Path) -> None:
    sh = analysis.select_hold
    people = [p for p in analysis.respondents if p in set(sh["respondent"])]
    rows, cols = _grid(len(people))
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 3.4 * rows), squeeze=False)
    x = np.arange(len(VALUE_IDS))
    for ax, who in zip(axes.flat, people, strict=False):
        d = sh[sh["respondent"] == who].set_index("value").reindex(list(VALUE_IDS))
        ax.bar(x - 0.2, np.nan_to_num(d["select_accuracy"]), 0.4, label="select (told the value)",
               color=SELECT_COLOR)
        ax.bar(x + 0.2, np.nan_to_num(d["hold_accuracy"]), 0.4, label="hold (role-play)",
               color=HOLD_COLOR)
        acc = analysis.accuracy
        chance = acc[(acc["respondent"] == who) & (acc["value"] == "all")]["chance"]
        if len(chance) and not pd.isna(chance.iloc[0]):
            ax.axhline(float(chance.iloc[0]), color="gray", ls="--", lw=1, label="chance")
        ax.set_ylim(0, 1.3)
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_xticks(x, LABELS, rotation=40, ha="right", fontsize=8)
        ax.set_ylabel("accuracy")
        ax.set_title(who, fontsize=10)
    for ax in list(axes.flat)[len(people):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8, loc="upper center", ncol=3, frameon=False)
    _save(fig, path)


def plot_positions(analysis: Analysis, path: Path) -> None:
    pos = analysis.positions
    people = [p for p in analysis.respondents if p in set(pos["respondent"])]
    fig, ax = plt.subplots(figsize=(1.8 + 1.4 * max(1, len(people)), 3.2))
    letters = sorted(set(pos["letter"]))
    width = 0.8 / max(1, len(letters))
    x = np.arange(len(people))
    for i, letter in enumerate(letters):
        shares = [float(pos[(pos["respondent"] == p) & (pos["letter"] == letter)]["share"].sum())
                  for p in people]
        ax.bar(x + (i - (len(letters) - 1) / 2) * width, shares, width, label=letter)
    if letters:
        ax.axhline(1 / len(letters), color="gray", ls="--", lw=1)
    ax.set_xticks(x, people, fontsize=8)
    ax.set_ylabel("share of act answers")
    ax.set_title("Position chosen (options shuffled per item)", fontsize=10)
    ax.legend(title="position", fontsize=7, ncol=len(letters))
    _save(fig, path)


# -- markdown ---------------------------------------------------------------------------------


def _fmt(v: object, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return "–"
    if isinstance(v, float | np.floating):
        return f"{v:.{digits}f}"
    return str(v)


def _p(v: object) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    p = float(v)  # type: ignore[arg-type]
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_fmt(c) if not isinstance(c, str) else c for c in r) + " |"
              for r in rows]
    return "\n".join(lines)


def _summary_table(a: Analysis) -> str:
    rows = []
    for who in a.respondents:
        g = a.gap[a.gap["respondent"] == who]
        acc = a.accuracy
        sel = acc[(acc["respondent"] == who) & (acc["condition"] == "select")
                  & (acc["value"] == "all")] if len(acc) else acc
        hold = acc[(acc["respondent"] == who) & (acc["condition"] == "hold")
                   & (acc["value"] == "all")] if len(acc) else acc
        parse = a.parsing[a.parsing["respondent"] == who].set_index("condition")
        rate = {c: parse.loc[c, "answered_rate"] if c in parse.index else float("nan")
                for c in ("act", "state")}
        rows.append([
            who,
            f"{_fmt(g.iloc[0]['pearson_r'])} ({_p(g.iloc[0]['pearson_p'])})" if len(g) else "–",
            f"{_fmt(g.iloc[0]['spearman_rho'])} ({_p(g.iloc[0]['spearman_p'])})"
            if len(g) else "–",
            _fmt(sel.iloc[0]["accuracy"]) if len(sel) else "–",
            _fmt(hold.iloc[0]["accuracy"]) if len(hold) else "–",
            _fmt(rate["act"]), _fmt(rate["state"]),
        ])
    return md_table(["respondent", "stated–enacted Pearson r (p)", "Spearman ρ (p)",
                     "select accuracy", "hold accuracy", "act answered", "state answered"],
                    rows)


def _profiles_table(a: Analysis) -> str:
    header = ["value"]
    for who in a.respondents:
        header += [f"{who}: stated", f"{who}: enacted [95% CI]"]
    rows = []
    for v in VALUE_IDS:
        row: list[object] = [VALUE_BY_ID[v].label]
        for who in a.respondents:
            p = _profile(a, who).loc[v]
            row.append(_fmt(p["stated_score"]))
            if pd.isna(p["enacted_rate"]):
                row.append("–")
            else:
                row.append(f"{p['enacted_rate']:.2f} [{p['enacted_ci_low']:.2f}, "
                           f"{p['enacted_ci_high']:.2f}] ({int(p['chosen'])}/"
                           f"{int(p['offered'])})")
        rows.append(row)
    return md_table(header, rows)


def _matrix_table(m: pd.DataFrame) -> str:
    return md_table(["", *m.columns], [[i, *m.loc[i].tolist()] for i in m.index])


def _select_hold_table(a: Analysis) -> str:
    sh = a.select_hold
    people = [p for p in a.respondents if p in set(sh["respondent"])]
    header = ["value"]
    for who in people:
        header += [f"{who}: select", f"{who}: hold", f"{who}: drop"]
    rows = []
    for v in [*VALUE_IDS, "all"]:
        row: list[object] = [VALUE_BY_ID[v].label if v in VALUE_BY_ID else "**all**"]
        for who in people:
            d = sh[(sh["respondent"] == who) & (sh["value"] == v)]
            if d.empty:
                row += ["–", "–", "–"]
            else:
                r = d.iloc[0]
                row += [f"{_fmt(r['select_accuracy'])} (n={r['select_n']})",
                        f"{_fmt(r['hold_accuracy'])} (n={r['hold_n']})",
                        _fmt(r["drop"])]
        rows.append(row)
    return md_table(header, rows)


METHODS = """\
- **act**: each scenario is shown with its options in a seeded random order (recorded per
  response); the respondent advises exactly one. The *enacted* score of a value is the
  number of times its option was chosen divided by the number of answered items that
  offered it (chance = 1 / options per scenario). 95% Wilson intervals.
- **state**: each questionnaire statement is rated on its scale; reverse-keyed items are
  flipped; the *stated* score of a value is the mean of its items minus the respondent's
  mean over all answered items (ipsatized).
- **gap**: Pearson's r and Spearman's ρ between the stated and enacted scores over the
  values both define; p-values are two-sided and, with ten values, coarse.
- **select / hold**: for each scenario and each value offered, the respondent is told the
  value's definition and asked which option reflects it (select, knowledge), or told to
  hold the value and choose as such a person would (hold, role-play). Accuracy = share of
  answered items where the option of that value was chosen; drop = select − hold.
- Answers are parsed conservatively (a letter, "(b)", "Option B", JSON, or the option's
  text); replies that do not point at exactly one option or rating are counted as
  unparseable and left out of the scores, never guessed.
- Profile figures show z-scores across the ten values so that the two scales can be
  compared by shape; the tables give the raw scores."""


def render(a: Analysis, figures: Sequence[str]) -> str:
    out = ["# Value-action gap report", ""]
    n_model = int((a.runs["kind"] == "model").sum()) if len(a.runs) else 0
    out.append(f"Respondents: {', '.join(a.respondents) or 'none'}. Model runs: {n_model}.")
    out += ["", "## Summary", "", _summary_table(a), ""]
    out += ["## Runs", "", md_table(
        ["run", "respondent", "condition", "model", "items", "answered", "unparseable",
         "refused", "errors", "seed", "prompt version", "dataset / questionnaire",
         "cost (USD)"],
        [[r.run, r.respondent, r.condition, r.model or "–", r.items, r.answered,
          r.unparseable, r.refused, r.errors, _fmt(r.seed), r.prompt_version or "–",
          r.dataset_fingerprint or (r.questionnaire or "–"), f"{r.cost_usd:.4f}"]
         for r in a.runs.itertuples()]), ""]
    out += ["## Value profiles: stated vs enacted", "",
            "Stated: ipsatized questionnaire score. Enacted: share chosen when offered "
            "(chosen/offered).", "", _profiles_table(a), ""]
    for fig, caption in (("profiles_bar.png", "Stated and enacted profiles (z-scored)"),
                         ("profiles_radar.png", "The same profiles on the value circle")):
        if fig in figures:
            out += [f"![{caption}]({fig})", ""]
    for profile in ("enacted", "stated"):
        m = consistency_matrix(a, profile)
        if len(m) >= 2:
            out += [f"## Consistency of {profile} profiles across respondents", "",
                    f"Pearson r between the {profile} profiles of each pair.", "",
                    _matrix_table(m), ""]
            fig = f"consistency_{profile}.png"
            if fig in figures:
                out += [f"![Consistency of {profile} profiles]({fig})", ""]
    if len(a.select_hold):
        out += ["## Knowing a value (select) vs holding it (hold)", "", _select_hold_table(a),
                ""]
        if "select_hold.png" in figures:
            out += ["![Select and hold accuracy per value](select_hold.png)", ""]
    if len(a.position_tests):
        out += ["## Position of the chosen option (act)", "", md_table(
            ["respondent", "answered", "options", *[chr(65 + i) for i in
                                                   range(int(a.position_tests["options"].max()))],
             "χ² vs uniform", "p"],
            [[t.respondent, t.n, t.options,
              *[_fmt(float(a.positions[(a.positions["respondent"] == t.respondent)
                                       & (a.positions["position"] == i)]["share"].sum()))
                for i in range(int(a.position_tests["options"].max()))],
              _fmt(t.chi2), _p(t.p)] for t in a.position_tests.itertuples()]), ""]
        if "positions.png" in figures:
            out += ["![Chosen positions](positions.png)", ""]
    out += ["## Answers that could not be used", "", md_table(
        ["respondent", "condition", "items", "answered", "unparseable", "refusal",
         "content filter", "error", "answered rate"],
        [[r.respondent, r.condition, r.items, r.ok, r.unparseable, r.refusal,
          r.content_filter, r.error, _fmt(r.answered_rate)] for r in a.parsing.itertuples()]),
        ""]
    if len(a.individuals):
        rows = []
        for who, g in a.individuals.groupby("respondent", sort=False):
            r = g["pearson_r"].dropna()
            rho = g["spearman_rho"].dropna()
            rows.append([who, len(g), _fmt(r.median() if len(r) else float("nan")),
                         f"{_fmt(r.quantile(0.25) if len(r) else float('nan'))}–"
                         f"{_fmt(r.quantile(0.75) if len(r) else float('nan'))}",
                         _fmt(rho.median() if len(rho) else float("nan"))])
        out += ["## Individual people", "",
                "Each person's own stated-enacted correlation (`individuals.parquet`).", "",
                md_table(["group", "people", "median r", "IQR of r", "median ρ"], rows), ""]
    out += ["## Methods", "", METHODS, ""]
    return "\n".join(out)


def write_report(a: Analysis, out_dir: Path, *, plots: bool = True) -> Path:
    """Figures and ``report.md`` in ``out_dir``; returns the report's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    figures: list[str] = []
    if plots and a.respondents and len(a.profiles):
        has_profiles = a.profiles[["stated_score", "enacted_rate"]].notna().any().any()
        if has_profiles:
            plot_profiles_bar(a, out_dir / "profiles_bar.png")
            plot_profiles_radar(a, out_dir / "profiles_radar.png")
            figures += ["profiles_bar.png", "profiles_radar.png"]
        for profile in ("enacted", "stated"):
            m = consistency_matrix(a, profile)
            if len(m) >= 2:
                name = f"consistency_{profile}.png"
                plot_consistency(m, out_dir / name,
                                 f"Consistency of {profile} profiles (Pearson r)")
                figures.append(name)
        if len(a.select_hold):
            plot_select_hold(a, out_dir / "select_hold.png")
            figures.append("select_hold.png")
        if len(a.positions):
            plot_positions(a, out_dir / "positions.png")
            figures.append("positions.png")
    path = out_dir / "report.md"
    path.write_text(render(a, figures), encoding="utf-8")
    return path
