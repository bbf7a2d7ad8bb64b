"""``valact`` command line: one command per stage (as dvc.yaml runs them) plus tools."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import click
import typer
from typer.core import TyperGroup

from pipeline.logs import setup_logging
from pipeline.params import ParamsError, load_params
from pipeline.schemas import ArtifactError

# The stages in pipeline order: listed first in `valact --help`, the tools after them.
STAGE_COMMANDS = ("ingest", "clean", "dedupe", "annotate", "review", "assemble", "build")
HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}


class StagesFirst(TyperGroup):
    """`valact --help` lists the stages in pipeline order, then the other commands."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = list(self.commands)
        stages = [n for n in STAGE_COMMANDS if n in names]
        return stages + [n for n in names if n not in stages]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"valact {version('valact-pipeline')}")
        except PackageNotFoundError:  # running from a checkout that was never installed
            typer.echo("valact (not installed: no version)")
        raise typer.Exit()


app = typer.Typer(
    cls=StagesFirst,
    add_completion=False,
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
    help="ValAct-15k pipeline. Stages in order: ingest, clean, dedupe, annotate, review, "
    "assemble, build (run them all with `dvc repro`).",
)


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """The valact commands (the help text is the Typer app's)."""


review_app = typer.Typer(
    help="Stage 5: replay review decisions (interim/reviewed.parquet, review/queue.jsonl); "
    "tools for reviewers: session, export, import, agreement."
)
app.add_typer(review_app, name="review")
params_app = typer.Typer(help="Check params.yaml.", no_args_is_help=True)
app.add_typer(params_app, name="params")

log = logging.getLogger("valact")


def _run_stage(name: str, fn: Callable[..., dict[str, Any]], **kwargs: Any) -> None:
    try:
        params = load_params()
        metrics = fn(params, **kwargs)
    except (ParamsError, ArtifactError, FileNotFoundError, ValueError, RuntimeError) as exc:
        typer.secho(f"valact {name}: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    summary = {k: v for k, v in metrics.items() if not isinstance(v, dict | list)}
    typer.echo(f"{name}: {json.dumps(summary, sort_keys=True)}", err=True)


VerboseOpt = typer.Option(False, "--verbose", "-v", help="Debug logging.")
ProgressOpt = typer.Option(True, "--progress/--no-progress", help="Show progress bars.")


@app.command()
def ingest(verbose: bool = VerboseOpt, progress: bool = ProgressOpt) -> None:
    """Stage 1: read the sample, dump files or the Reddit API into raw/posts.parquet."""
    setup_logging(verbose)
    from pipeline.ingest.stage import run

    _run_stage("ingest", run, progress=progress)


@app.command()
def clean(verbose: bool = VerboseOpt, progress: bool = ProgressOpt) -> None:
    """Stage 2: filter, normalize and scrub posts (interim/clean.parquet, rejected.parquet)."""
    setup_logging(verbose)
    from pipeline.clean.stage import run

    _run_stage("clean", run, progress=progress)


@app.command()
def dedupe(verbose: bool = VerboseOpt, progress: bool = ProgressOpt) -> None:
    """Stage 3: remove exact and near duplicates (interim/unique.parquet, duplicates.parquet)."""
    setup_logging(verbose)
    from pipeline.dedupe.stage import run

    _run_stage("dedupe", run, progress=progress)


@app.command()
def annotate(
    verbose: bool = VerboseOpt,
    progress: bool = ProgressOpt,
    estimate: bool = typer.Option(
        False, "--estimate", help="Print requests, tokens and cost of a run; send nothing."
    ),
) -> None:
    """Stage 4: write scenarios and value-laden options (interim/annotations.parquet)."""
    setup_logging(verbose)
    if estimate:
        from pipeline.annotate.stage import estimate as estimate_run

        try:
            typer.echo(estimate_run(load_params()))
        except (ParamsError, ArtifactError, FileNotFoundError, ValueError) as exc:
            typer.secho(f"valact annotate: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        return
    from pipeline.annotate.stage import run

    _run_stage("annotate", run, progress=progress)


@review_app.callback(invoke_without_command=True)
def review(
    ctx: typer.Context, verbose: bool = VerboseOpt, progress: bool = ProgressOpt
) -> None:
    """Stage 5: replay review/decisions/*.jsonl; write interim/reviewed.parquet and the queue."""
    if ctx.invoked_subcommand is not None:
        return
    setup_logging(verbose)
    from pipeline.review.stage import run

    _run_stage("review", run, progress=progress)


@app.command()
def assemble(verbose: bool = VerboseOpt, progress: bool = ProgressOpt) -> None:
    """Stage 6: choose N scenarios x k options, balanced over values (interim/selected.parquet)."""
    setup_logging(verbose)
    from pipeline.assemble.stage import run

    _run_stage("assemble", run, progress=progress)


@app.command()
def build(verbose: bool = VerboseOpt, progress: bool = ProgressOpt) -> None:
    """Stage 7: write the Hugging Face dataset folder processed/valact-15k/ and metrics."""
    setup_logging(verbose)
    from pipeline.build.stage import run

    _run_stage("build", run, progress=progress)


@app.command()
def publish(
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be uploaded."),
    repo_id: str | None = typer.Option(None, "--repo-id", help="Overrides publish.repo_id."),
    allow_dirty: bool = typer.Option(
        False, "--allow-dirty",
        help="Publish from a work tree with uncommitted changes (the commit message and the "
        "card then say 'dirty work tree').",
    ),
    verbose: bool = VerboseOpt,
) -> None:
    """Push processed/valact-15k/ to the Hugging Face Hub as one commit (not a DVC stage).

    The token comes from HF_TOKEN or the saved `hf auth login`; set HF_ENDPOINT to target a
    mirror. The folder is validated first and refused when it fails; a dirty git work tree
    is refused unless --allow-dirty (--dry-run warns).
    """
    setup_logging(verbose)
    from pipeline.build.publish import publish_command

    raise typer.Exit(publish_command(dry_run, repo_id, allow_dirty))


@app.command("summary")
def show_summary() -> None:
    """Print the build's figures (funnel, rejections, redactions, values) in a few lines."""
    from pipeline.build.summary import summary
    from pipeline.params import PARAMS_FILE

    try:
        typer.echo(summary())
    except (FileNotFoundError, ValueError) as exc:
        typer.secho(f"valact summary: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    # `dvc repro` reruns no stage for a section that no stage reads: say so here too
    if PARAMS_FILE.exists():
        try:
            load_params()
        except ParamsError as exc:
            typer.secho(
                f"valact summary: {exc} (no stage can run with this params.yaml: the "
                "figures above are of an earlier build; fix it, then `dvc repro`)",
                fg=typer.colors.RED,
                err=True,
            )
            raise typer.Exit(1) from None


@params_app.command("check")
def params_check() -> None:
    """Check every section of params.yaml (`make run` runs this before `dvc repro`).

    Each stage checks the whole file too, but `dvc repro` reruns a stage only when a key
    it reads changes: a section no stage reads (a misspelled `buidl:`) would pass unseen.
    """
    import dataclasses

    from pipeline.params import PARAMS_FILE, Params

    try:
        load_params()
    except ParamsError as exc:
        typer.secho(f"valact params check: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    sections = [f.name for f in dataclasses.fields(Params)]
    typer.echo(f"{PARAMS_FILE}: OK ({', '.join(sections)})")


@app.command("values")
def show_values() -> None:
    """Print Schwartz's ten values as the project defines them."""
    from pipeline.values import VALUES, opposing_values

    for v in VALUES:
        groups = "/".join(g.value for g in v.groups)
        typer.echo(f"{v.id:15} {groups:38} {v.definition}")
        typer.echo(f"{'':15} opposes: {', '.join(opposing_values(v.id))}")


def _register_tools() -> None:
    from pipeline.evaluate.commands import register as register_evaluate
    from pipeline.release.commands import register as register_release
    from pipeline.review.commands import register as register_review
    from pipeline.survey.commands import register as register_survey

    register_review(review_app)
    register_evaluate(app)
    register_release(app)
    register_survey(app)


_register_tools()

if __name__ == "__main__":  # pragma: no cover
    app()
