"""``valact survey ...``: collect the human baseline (serve, status, export, withdraw).

    valact survey serve --dataset processed/valact-15k --db surveys/pilot.sqlite
    valact survey status --db surveys/pilot.sqlite
    valact survey export --db surveys/pilot.sqlite --out surveys/pilot.csv
    valact evaluate analyze --human surveys/pilot.csv
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from pipeline.logs import setup_logging

log = logging.getLogger("valact.survey")

survey_app = typer.Typer(
    no_args_is_help=True,
    help="The human baseline: a web survey of the dataset's scenarios and the values "
    "questionnaire (serve), then status, export (the format evaluate analyze --human reads) "
    "and withdraw.",
)

DEFAULT_DB = Path("surveys/study.sqlite")
DEFAULT_DATASET = Path("processed/valact-15k")

DbOpt = Annotated[Path, typer.Option("--db", help="The study's SQLite database.")]
StaleOpt = Annotated[float, typer.Option(
    "--stale-minutes", min=1.0,
    help="A participant inactive this long no longer holds their scenarios for balance.",
)]


def register(app: typer.Typer) -> None:
    app.add_typer(survey_app, name="survey")


def _fail(message: str) -> typer.Exit:
    typer.secho(f"valact survey: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(1)


def _existing_store(db: Path):  # noqa: ANN202 - a Store; imported lazily
    from pipeline.survey.store import Store

    if not db.exists():
        raise _fail(f"{db} does not exist (start a study with valact survey serve --db {db})")
    return Store(db)


@survey_app.command("serve")
def serve_command(
    dataset: Annotated[Path, typer.Option(
        "--dataset", help="Dataset folder (load_dataset, offline) or a .parquet of scenarios.",
    )] = DEFAULT_DATASET,
    questionnaire: Annotated[Path | None, typer.Option(
        "--questionnaire", "-q", help="A .jsonl/.csv questionnaire; default: the shipped one.",
    )] = None,
    db: DbOpt = DEFAULT_DB,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port (0: any free)."),
    scenarios_per_participant: int = typer.Option(
        10, "--scenarios-per-participant", min=1,
        help="Scenarios each participant answers (balanced across participants).",
    ),
    hold_per_participant: int = typer.Option(
        0, "--hold-per-participant", min=0,
        help="Of those, how many are asked again with a value to hold (0: no hold block).",
    ),
    attention_checks: int = typer.Option(
        2, "--attention-checks", min=0, help="Items with one right answer (recorded)."),
    seed: int = typer.Option(0, "--seed", help="Seed of every order and assignment."),
    consent: Annotated[Path | None, typer.Option(
        "--consent", help="The consent text (plain text, blank lines between paragraphs); "
        "default: a placeholder that a real study must replace.",
    )] = None,
    title: str = typer.Option("Advice study", "--title", help="The study's name on pages."),
    stale_minutes: StaleOpt = 120.0,
    threads: int = typer.Option(8, "--threads", min=1, help="Server threads."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
) -> None:
    """Serve the survey to participants (waitress; put HTTPS in front for a real study)."""
    setup_logging(verbose)
    import waitress

    from pipeline.evaluate.questionnaire import QuestionnaireError
    from pipeline.evaluate.scenarios import ScenarioError
    from pipeline.survey.app import create_app
    from pipeline.survey.plan import Design
    from pipeline.survey.store import Store, StudyMismatch
    from pipeline.survey.study import Study

    try:
        design = Design(seed, scenarios_per_participant, hold_per_participant,
                        attention_checks)
        study = Study.load(dataset, questionnaire, consent=consent, design=design,
                           title=title, stale_minutes=stale_minutes)
        app = create_app(study, Store(db))
    except (ScenarioError, QuestionnaireError, StudyMismatch, ValueError, OSError) as exc:
        raise _fail(str(exc)) from None
    if consent is None:
        log.warning("serving the placeholder consent text: a real study needs its approved "
                    "text (--consent FILE)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("listening on %s: serve participants through HTTPS (a reverse proxy)",
                    host)
    server = waitress.create_server(app, host=host, port=port, threads=threads, ident=None)
    bound = server.effective_port  # type: ignore[union-attr]
    typer.echo(f"survey: {len(study.scenarios)} scenarios, "
               f"{len(study.questionnaire.items)} questionnaire items, database {db}")
    typer.echo(f"survey: serving on http://{host}:{bound}/ (Ctrl+C to stop)", err=False)
    try:
        server.run()
    except KeyboardInterrupt:
        typer.echo("survey: stopped")


@survey_app.command("status")
def status_command(
    db: DbOpt = DEFAULT_DB,
    stale_minutes: StaleOpt = 120.0,
    per_scenario: bool = typer.Option(False, "--per-scenario",
                                      help="List the answers of every scenario."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Participants started / completed / withdrawn, attention checks, answers per scenario."""
    from pipeline.survey.export import status
    from pipeline.survey.store import StudyMismatch

    store = _existing_store(db)
    try:
        s = status(store, stale_minutes * 60.0)
    except StudyMismatch as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(s if per_scenario else {k: v for k, v in s.items()
                                                      if k != "per_scenario"}, indent=2))
        return
    c, a, e, aps = s["participants"], s["attention_checks"], s["events"], s["answers_per_scenario"]
    typer.echo(f"participants: {c['started']} started, {c['completed']} completed, "
               f"{c['in_progress']} in progress, {c['stale']} inactive > {stale_minutes:g} "
               f"min, {c['withdrawn']} withdrawn")
    typer.echo(f"attention checks: {a['failed']} of {a['participants_checked']} participants "
               f"checked failed at least one")
    typer.echo(f"answers per scenario (completed participants): {aps['answered']} of "
               f"{aps['scenarios']} scenarios answered; min {aps['min']}, median "
               f"{aps['median']}, max {aps['max']}")
    typer.echo(f"skipped answers: {s['skipped_answers']}; back {e['back']}, changed "
               f"{e['change']}, resumed {e['resume']}, stopped {e['stop']}")
    if per_scenario:
        for sid, n in s["per_scenario"].items():
            typer.echo(f"  {sid}\t{n}")


@survey_app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", help="A .csv or .parquet file to write.")],
    db: DbOpt = DEFAULT_DB,
    include_partial: bool = typer.Option(
        False, "--include-partial", help="Also participants who have not finished."),
    include_attention_failures: bool = typer.Option(
        False, "--include-attention-failures",
        help="Also participants who failed an attention check."),
) -> None:
    """Write the responses file that `valact evaluate analyze --human` reads."""
    from pipeline.survey.export import export
    from pipeline.survey.store import StudyMismatch

    store = _existing_store(db)
    try:
        result = export(store, out, include_partial=include_partial,
                        include_attention_failures=include_attention_failures)
    except (StudyMismatch, ValueError) as exc:
        raise _fail(str(exc)) from None
    left = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result.left_out.items() if n)
    typer.echo(f"survey export: {result.participants} participants, {result.rows} rows -> "
               f"{out}" + (f" (left out: {left})" if left else ""))
    if result.participants == 0:
        typer.secho("survey export: no participant to export yet", fg=typer.colors.YELLOW,
                    err=True)


@survey_app.command("withdraw")
def withdraw_command(
    code: Annotated[str, typer.Argument(help="The participant's code (e.g. K7QF-M2XD).")],
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Withdraw a participant who sent their code: deletes all their answers."""
    store = _existing_store(db)
    p = store.by_code(code)
    if p is None:
        raise _fail(f"no participant has the code {code!r}")
    if p.status == "withdrawn":
        typer.echo(f"{p.respondent} had already withdrawn")
        return
    store.withdraw(p.number)
    typer.echo(f"{p.respondent} withdrawn: their answers are deleted")
