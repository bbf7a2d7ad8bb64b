"""Reviewer tools under ``valact review``: session, export, import, agreement.

``pipeline/cli.py`` calls :func:`register` on its ``review`` group; ``valact review`` with
no subcommand still runs the DVC stage.
"""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from pipeline import paths

ReviewerOpt = typer.Option(
    None,
    "--reviewer",
    help="Your reviewer name (names review/decisions/<reviewer>.jsonl). "
    "Default: $VALACT_REVIEWER, else your login name.",
)
QueueOpt = typer.Option(paths.REVIEW_QUEUE, "--queue", help="The review queue (JSONL).")
DecisionsOpt = typer.Option(
    paths.DECISIONS_DIR, "--decisions-dir", help="Folder of the reviewers' decision files."
)
ReasonOpt = typer.Option(
    None,
    "--reason",
    help="Only items with this queue reason (comma-separated for several), e.g. "
    "verifier_disagreement.",
)
CleanOpt = typer.Option(
    paths.CLEAN, "--clean", help="Scrubbed posts to show next to each item (optional)."
)
OutOpt = typer.Option(..., "--out", help="Folder for labeling_config.xml and tasks.json.")
FormatOpt = typer.Option("label-studio", "--format", help="Export format: label-studio.")
ExportFileArg = typer.Argument(
    ...,
    help="Label Studio's full JSON export (Export > JSON in the project; JSON_MIN, CSV and "
    "TSV are refused).",
)
ImportReviewerOpt = typer.Option(..., "--reviewer", help="Whose decisions these are.")
CompletedByOpt = typer.Option(
    None,
    "--completed-by",
    help="Label Studio user id (or email) to import when the export has several.",
)
AnnotationsOpt = typer.Option(
    paths.ANNOTATIONS, "--annotations", help="The annotations the decisions are about."
)
JsonOpt = typer.Option(False, "--json", help="Print the figures as JSON.")


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(1)


def _reviewer(name: str | None) -> str:
    from pipeline.review.decisions import check_reviewer

    name = name or os.environ.get("VALACT_REVIEWER") or getpass.getuser()
    try:
        return check_reviewer(name)
    except ValueError as exc:
        raise _fail(str(exc)) from None


def _fmt(x: Any) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.3f}"
    return str(x)


def print_agreement(figures: dict[str, Any], console: Console) -> None:
    """The agreement section of metrics/review.json, as tables."""
    console.print(
        f"Items decided: {figures['items_decided']}  reviewed by two or more: "
        f"{figures['items_multi_reviewed']}  accept rate: {_fmt(figures['accept_rate'])}",
        markup=False,
    )
    reviewers = ", ".join(f"{k} ({v})" for k, v in figures["reviewers"].items()) or "none"
    console.print(f"Reviewers (items decided): {reviewers}", markup=False)
    table = Table(title="Agreement between reviewers (Krippendorff's alpha, nominal)")
    for col in ("on", "alpha", "observed agreement", "units", "values"):
        table.add_column(col)
    for key, label in (("decision", "accept/reject"), ("value_labels", "option value labels")):
        f = figures[key]
        table.add_row(
            label,
            _fmt(f["alpha"]),
            _fmt(f["observed_agreement"]),
            str(f["units"]),
            str(f["values"]),
        )
    console.print(table)
    llm = figures["llm_vs_human"]
    table = Table(title="LLM vs human (final human labels of approved items)")
    for col in ("figure", "share", "options"):
        table.add_column(col)
    table.add_row(
        "intended value = human label", _fmt(llm["intended_equals_human"]), str(llm["options"])
    )
    table.add_row(
        "verifier label = human label",
        _fmt(llm["verifier_equals_human"]),
        str(llm["options_with_verifier"]),
    )
    table.add_row(
        "intended value = verifier label",
        _fmt(llm["intended_equals_verifier"]),
        str(llm["options_with_verifier"]),
    )
    console.print(table)
    table = Table(title="Accept rate by queue reason")
    for col in ("reason", "decided", "accepted", "accept rate"):
        table.add_column(col)
    for reason, f in figures["accept_rate_by_reason"].items():
        table.add_row(reason, str(f["decided"]), str(f["accepted"]), _fmt(f["accept_rate"]))
    console.print(table)
    conf = figures["conflicts"]
    console.print(
        f"Conflicts: {conf['items']} item(s) (decision {conf['decision']}, label "
        f"{conf['label']}, text {conf['text']}); awaiting adjudication: "
        f"{conf['awaiting_adjudication']}",
        markup=False,
    )


def register(review_app: typer.Typer) -> None:
    """Add the reviewer subcommands to the ``valact review`` group."""

    @review_app.command("session")
    def session(
        reviewer: str | None = ReviewerOpt,
        queue: Path = QueueOpt,
        decisions_dir: Path = DecisionsOpt,
        reason: str | None = ReasonOpt,
        clean: Path = CleanOpt,
    ) -> None:
        """Review the queue in the terminal: a accept, r reject, e edit, l relabel, s skip,
        u undo, q quit. Each decision is saved as it is made; a new session resumes."""
        from pipeline.review.session import start_session

        name = _reviewer(reviewer)
        try:
            start_session(
                name,
                queue,
                decisions_dir,
                reason=reason,
                clean_path=clean,
                console=Console(highlight=False),
            )
        except (FileNotFoundError, ValueError) as exc:
            raise _fail(f"valact review session: {exc}") from None

    @review_app.command("export")
    def export(
        out: Path = OutOpt,
        fmt: str = FormatOpt,
        queue: Path = QueueOpt,
        reason: str | None = ReasonOpt,
        clean: Path = CleanOpt,
    ) -> None:
        """Export the queue for an external labeling tool (Label Studio)."""
        from pipeline.review import label_studio
        from pipeline.review.session import load_posts, load_queue

        if fmt != "label-studio":
            raise _fail(f"valact review export: unknown format {fmt!r} (label-studio)")
        try:
            items = load_queue(queue)
        except (FileNotFoundError, ValueError) as exc:
            raise _fail(f"valact review export: {exc}") from None
        if reason:
            wanted = {r.strip() for r in reason.split(",") if r.strip()}
            items = [i for i in items if wanted & set(i.get("reasons", []))]
        posts = load_posts(clean, (str(i["item_id"]) for i in items))
        tasks = label_studio.export(items, out, posts)
        typer.echo(
            f"Wrote {len(tasks)} task(s) to {out / label_studio.TASKS_FILE} and the labeling "
            f"interface to {out / label_studio.CONFIG_FILE}"
        )

    @review_app.command("import")
    def import_(
        file: Path = ExportFileArg,
        reviewer: str = ImportReviewerOpt,
        completed_by: str | None = CompletedByOpt,
        decisions_dir: Path = DecisionsOpt,
        queue: Path = QueueOpt,
    ) -> None:
        """Import a Label Studio JSON export as decisions (appended to <reviewer>.jsonl).

        Only the full JSON export (project > Export > JSON) has the annotations with who
        made them and when; JSON_MIN, CSV, TSV or anything else exits with status 1. An
        export with no annotations imports nothing, with a warning (exit 0)."""
        from pipeline.review import label_studio
        from pipeline.review.decisions import (
            append_decisions,
            decisions_file,
            load_decisions,
        )
        from pipeline.review.session import load_queue

        name = _reviewer(reviewer)
        try:
            report = label_studio.read_export(file, name, completed_by)
        except (OSError, ValueError) as exc:
            raise _fail(f"valact review import: {exc}") from None
        loaded = load_decisions(decisions_dir)
        known = {d.key() for d, _f, _l in loaded.decisions}
        new = [d for d in report.decisions if d.key() not in known]
        for warning in report.warnings:
            typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
        for note in report.notes:
            typer.secho(f"note: {note}", fg=typer.colors.YELLOW, err=True)
        if queue.exists():
            in_queue = {str(i["item_id"]) for i in load_queue(queue)}
            for d in new:
                if d.item_id not in in_queue:
                    typer.secho(
                        f"note: {d.item_id} is not in {queue}", fg=typer.colors.YELLOW, err=True
                    )
        path = decisions_file(decisions_dir, name)
        append_decisions(path, new)
        typer.echo(
            f"Imported {len(new)} decision(s) into {path} "
            f"({len(report.decisions) - len(new)} already there)"
        )

    @review_app.command("agreement")
    def agreement(
        annotations: Path = AnnotationsOpt,
        decisions_dir: Path = DecisionsOpt,
        as_json: bool = JsonOpt,
    ) -> None:
        """Print agreement figures: Krippendorff's alpha, LLM vs human, accept rates."""
        from pipeline.artifacts import read_frame
        from pipeline.params import PARAMS_FILE, Params, ParamsError, load_params
        from pipeline.review.decisions import load_decisions
        from pipeline.review.stage import replay
        from pipeline.schemas import ANNOTATIONS, ArtifactError

        try:
            params = load_params() if PARAMS_FILE.exists() else Params()
            frame = read_frame(annotations, ANNOTATIONS)
        except (ParamsError, ArtifactError) as exc:
            raise _fail(f"valact review agreement: {exc}") from None
        result = replay(frame, load_decisions(decisions_dir), params)
        figures = result.metrics["agreement"]
        if as_json:
            typer.echo(json.dumps(figures, indent=2, sort_keys=True))
            return
        print_agreement(figures, Console(highlight=False))
        if result.problems:
            typer.secho(
                f"{len(result.problems)} decision problem(s), e.g. {result.problems[0]}",
                fg=typer.colors.YELLOW,
                err=True,
            )
