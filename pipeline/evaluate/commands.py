"""``valact evaluate ...``: run conditions against a model, analyze runs, check questionnaires.

Wire into the main CLI with ``register(app)``::

    valact evaluate run processed/valact-15k --model gpt-4o-mini --limit 50
    valact evaluate analyze                       # every run under evaluations/
    valact evaluate questionnaire [FILE]          # check a questionnaire file
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Annotated

import typer

from pipeline.logs import setup_logging

log = logging.getLogger("valact.evaluate")

evaluate_app = typer.Typer(
    no_args_is_help=True,
    help="Measure a model's value-action gap on the dataset (any OpenAI-compatible server)."
    "\n\nConditions (run -c): act = a scenario and its options, advise exactly one (the "
    "enacted profile: per value, times chosen / times offered); state = one questionnaire "
    "statement at a time, rated 1-6 (the stated profile); select = a value's definition and "
    "a scenario: which option reflects the value? (accuracy: does the model know the value); "
    "hold = told to hold a value, choose as such a person would (accuracy: can it act on "
    "it). analyze correlates stated with enacted profiles (the gap) and scores select/hold.",
)

ALL_CONDITIONS = ("act", "state", "select", "hold")
DEFAULT_DATASET = Path("processed/valact-15k")
DEFAULT_RUNS = Path("evaluations")


def register(app: typer.Typer) -> None:
    """Add the ``evaluate`` command group to ``app``."""
    app.add_typer(evaluate_app, name="evaluate")


def _fail(message: str) -> typer.Exit:
    typer.secho(f"valact evaluate: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(1)


DEFAULT_MAX_TOKENS = 512  # answers are a letter or a rating; see --max-tokens


def slug(text: str) -> str:
    """A folder-safe name: ``openai/gpt-4o mini`` -> ``openai-gpt-4o-mini``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "run"


@evaluate_app.command("run")
def run_command(
    dataset: Annotated[Path, typer.Argument(
        help="Dataset folder (load_dataset, offline) or a .parquet of scenarios.",
    )] = DEFAULT_DATASET,
    model: str = typer.Option(..., "--model", "-m", help="Model name sent to the server."),
    condition: Annotated[list[str] | None, typer.Option(
        "--condition", "-c",
        help="act | state | select | hold; repeat for several (default: all four).",
    )] = None,
    base_url: str | None = typer.Option(
        None, "--base-url", envvar="OPENAI_BASE_URL",
        help="OpenAI-compatible server, e.g. http://localhost:8000/v1 (default: OpenAI).",
    ),
    api_key: str | None = typer.Option(
        None, "--api-key", envvar="OPENAI_API_KEY", show_default=False,
        help="API key (better: the OPENAI_API_KEY environment variable). Never recorded.",
    ),
    label: str | None = typer.Option(
        None, "--label", help="The respondent's name in the analysis (default: the model)."
    ),
    run_name: str | None = typer.Option(
        None, "--run-name",
        help="Run folder name (default <label>-<condition>; with several conditions it is a "
        "prefix: <run-name>-<condition>).",
    ),
    runs_dir: Annotated[Path, typer.Option("--runs-dir", help="Where runs live.")] = DEFAULT_RUNS,
    limit: int | None = typer.Option(None, "--limit", min=1, help="First N scenarios only."),
    after: str | None = typer.Option(
        None, "--after", metavar="YYYY-MM",
        help="Only scenarios whose source post is from a later month (e.g. the model's "
        "training cutoff), by the dataset's created_month.",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the option order (recorded)."),
    temperature: float = typer.Option(0.0, "--temperature", help="Sampling temperature."),
    no_temperature: bool = typer.Option(
        False, "--no-temperature", help="Send no temperature (models that reject one)."
    ),
    max_tokens: int = typer.Option(
        DEFAULT_MAX_TOKENS, "--max-tokens", min=0,
        help="Cap on reply tokens: a letter or a rating with a short reason fits well within "
        "the default; reasoning models (o-series, gpt-5) need more. 0 sends no cap (the "
        "server's own limit: some local servers then generate to the end of the context).",
    ),
    targets_per_scenario: int | None = typer.Option(
        None, "--targets-per-scenario", min=1,
        help="select/hold: ask about N of each scenario's values (seeded; default all).",
    ),
    questionnaire: Annotated[Path | None, typer.Option(
        "--questionnaire", "-q",
        help="state: a .jsonl/.csv questionnaire (text, value, reverse); default: shipped.",
    )] = None,
    scale_max: int = typer.Option(6, "--scale-max", help="state: top of the 1..N scale."),
    scale_labels: str | None = typer.Option(
        None, "--scale-labels",
        help="state: labels of the scale points, separated by '|' (one per point).",
    ),
    stem: str | None = typer.Option(
        None, "--stem", help="state: the question after each statement."
    ),
    concurrency: int = typer.Option(8, "--concurrency", min=1, help="Requests in flight."),
    rpm: float | None = typer.Option(None, "--rpm", help="Requests per minute cap."),
    tpm: float | None = typer.Option(None, "--tpm", help="Tokens per minute cap."),
    budget_usd: float | None = typer.Option(
        None, "--budget-usd", help="Stop sending when this much would be exceeded."
    ),
    price_input: float | None = typer.Option(
        None, "--price-input", help="USD per 1M input tokens (models not in the price table)."
    ),
    price_output: float | None = typer.Option(
        None, "--price-output", help="USD per 1M output tokens."
    ),
    cache: Annotated[Path | None, typer.Option(
        "--cache", help="LLM response cache (default .valact/llm-cache.sqlite)."
    )] = None,
    cache_namespace: str | None = typer.Option(
        None, "--cache-namespace",
        help="Keep this server's answers apart from another's under the same model name.",
    ),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds per request."),
    chunk_size: int = typer.Option(200, "--chunk-size", min=1,
                                   help="Items per chunk (responses saved after each)."),
    estimate: bool = typer.Option(False, "--estimate", help="Print what would be sent; "
                                  "send nothing."),
    force: bool = typer.Option(False, "--force", help="Continue a run whose settings differ."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bars."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
) -> None:
    """Run conditions (each a separate, resumable run folder) against one model."""
    setup_logging(verbose)
    from pipeline.evaluate.conditions import CONDITIONS, SCENARIO_CONDITIONS
    from pipeline.evaluate.questionnaire import QuestionnaireError, Scale, load_questionnaire
    from pipeline.evaluate.runner import RunError, RunSpec, run_condition
    from pipeline.evaluate.scenarios import ScenarioError, created_after, load_scenarios
    from pipeline.llm import LLMClient, Price
    from pipeline.schemas import ArtifactError

    conditions = list(dict.fromkeys(c.strip().lower() for c in condition or ALL_CONDITIONS))
    bad = [c for c in conditions if c not in CONDITIONS]
    if bad:
        raise _fail(f"unknown condition(s) {bad}; expected {', '.join(CONDITIONS)}")
    if (price_input is None) != (price_output is None):
        raise _fail("give both --price-input and --price-output")
    who = label or model
    try:
        scenarios = (load_scenarios(dataset)
                     if any(c in SCENARIO_CONDITIONS for c in conditions) else [])
        if after is not None and scenarios:
            total = len(scenarios)
            scenarios, unknown = created_after(scenarios, after)
            typer.echo(
                f"--after {after}: {len(scenarios)} of {total} scenarios are from a later month"
                + (f" ({unknown} without a month left out)" if unknown else ""),
                err=True,
            )
        q = None
        if "state" in conditions:
            labels = scale_labels.split("|") if scale_labels else None
            q = load_questionnaire(questionnaire, scale=Scale.make(scale_max, labels),
                                   stem=stem)
        prices = ({model: Price(price_input, price_output)}
                  if price_input is not None and price_output is not None else None)
        if prices is not None:
            from pipeline.llm import DEFAULT_PRICES

            prices = {**DEFAULT_PRICES, **prices}
        with LLMClient(base_url=base_url, api_key=api_key, cache=cache,
                       concurrency=concurrency, timeout=timeout, rpm=rpm, tpm=tpm,
                       budget_usd=budget_usd, prices=prices,
                       cache_namespace=cache_namespace) as llm:
            for cond in conditions:
                if run_name is None:
                    name = slug(f"{who}-{cond}")
                else:
                    name = slug(run_name if len(conditions) == 1 else f"{run_name}-{cond}")
                spec = RunSpec(
                    condition=cond,  # type: ignore[arg-type]
                    model=model, run_dir=runs_dir / name, label=label, seed=seed,
                    temperature=None if no_temperature else temperature,
                    max_tokens=max_tokens or None, targets_per_scenario=targets_per_scenario,
                    limit=limit, dataset=str(dataset) if cond in SCENARIO_CONDITIONS else None,
                    created_after=after,
                    chunk_size=chunk_size,
                )
                summary = run_condition(spec, llm, scenarios=scenarios, questionnaire=q,
                                        estimate_only=estimate, force=force,
                                        progress=progress)
                typer.echo(summary.line(), err=True)
                if summary.stopped:
                    raise _fail(f"{spec.run_dir} stopped early ({summary.stopped})")
    except (ScenarioError, QuestionnaireError, RunError, ArtifactError, FileNotFoundError,
            ValueError) as exc:
        raise _fail(str(exc)) from None


def _human_arg(text: str, n: int) -> tuple[str, Path]:
    if "=" in text and not Path(text).exists():
        label, _, target = text.partition("=")
        return label.strip() or "human", Path(target)
    path = Path(text)
    return ("human" if n == 1 else f"human-{slug(path.stem)}"), path


@evaluate_app.command("analyze")
def analyze_command(
    run_dirs: Annotated[list[Path] | None, typer.Argument(
        help="Run folders (default: every run under --runs-dir)."
    )] = None,
    runs_dir: Annotated[Path, typer.Option("--runs-dir", help="Where runs live.")] = DEFAULT_RUNS,
    human: Annotated[list[str] | None, typer.Option(
        "--human",
        help="Human responses (.parquet/.csv, the responses format), optionally LABEL=PATH; "
        "repeatable.",
    )] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default <runs-dir>/report).")] = None,
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write the PNG figures."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
) -> None:
    """Profiles, gap correlations, consistency, select/hold accuracy: parquet + report.md."""
    setup_logging(verbose)
    from pipeline.evaluate.analysis import find_runs, run_analysis
    from pipeline.evaluate.report import write_report
    from pipeline.schemas import ArtifactError

    dirs = list(run_dirs or []) or find_runs(runs_dir)
    humans = [_human_arg(h, len(human or [])) for h in (human or [])]
    if not dirs and not humans:
        raise _fail(f"no runs under {runs_dir} (run `valact evaluate run` first) and no "
                    "--human file")
    out_dir = out or runs_dir / "report"
    try:
        analysis = run_analysis(dirs, humans)
        paths = analysis.write(out_dir)
        report = write_report(analysis, out_dir, plots=plots)
    except (ArtifactError, FileNotFoundError, ValueError) as exc:
        raise _fail(str(exc)) from None
    gap = analysis.gap[["respondent", "pearson_r", "spearman_rho"]].round(3)
    typer.echo(json.dumps(gap.to_dict(orient="records")), err=True)
    typer.echo(f"wrote {report} and {len(paths)} tables to {out_dir}", err=True)


@evaluate_app.command("questionnaire")
def questionnaire_command(
    file: Annotated[Path | None, typer.Argument(
        help="A .jsonl/.csv file (default: shipped).")] = None,
    show: bool = typer.Option(False, "--show", help="Print every item."),
) -> None:
    """Check a questionnaire file and print its items per value."""
    from pipeline.evaluate.questionnaire import QuestionnaireError, load_questionnaire

    try:
        q = load_questionnaire(file)
    except QuestionnaireError as exc:
        raise _fail(str(exc)) from None
    typer.echo(json.dumps(q.describe(), indent=2))
    missing = [v for v, n in q.per_value().items() if n == 0]
    if missing:
        typer.secho(f"no items for: {', '.join(missing)} (their stated score will be empty)",
                    fg=typer.colors.YELLOW, err=True)
    if show:
        for item in q.items:
            flag = " (reverse)" if item.reverse else ""
            typer.echo(f"{item.item_id:8} {item.value:15} {item.text}{flag}")
