"""``valact`` command line: one command per stage (as dvc.yaml runs them) plus tools."""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import click
import typer
from typer.core import TyperGroup

from pipeline.logs import setup_logging
from pipeline.params import ParamsError, load_params
from pipeline.stages import NAMES as STAGE_COMMANDS
from pipeline.stages import STAGES, Stage
from pipeline.stages import get as get_stage

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}


class LazyTools(TyperGroup):
    """A command group whose tool commands are imported only when named.

    ``TOOLS`` maps a command name to the module whose ``register(group)`` adds it. Running a
    stage imports none of them (no Flask, openai or pandera at start-up for ``valact
    ingest``), and a tool's code is not code the stages run (it is no dep of theirs in
    dvc.yaml). ``--help`` lists them, and loads them to show their help lines.
    """

    TOOLS: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = list(self.commands)
        return names + [n for n in self.TOOLS if n not in names]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in self.TOOLS:
            return command
        tools = typer.Typer()
        importlib.import_module(self.TOOLS[cmd_name]).register(tools)
        group = typer.main.get_command(tools)
        loaded = group.commands if isinstance(group, click.Group) else {group.name: group}
        for name, cmd in loaded.items():
            if name is not None:
                self.commands.setdefault(name, cmd)
        return self.commands.get(cmd_name)


class StagesFirst(LazyTools):
    """`valact --help` lists the stages in pipeline order, then the other commands."""

    TOOLS = {
        "evaluate": "pipeline.evaluate.commands",
        "withdrawals": "pipeline.release.commands",
        "diff": "pipeline.release.commands",
        "survey": "pipeline.survey.commands",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        stages = [n for n in STAGE_COMMANDS if n in names]  # the registry's order
        return stages + [n for n in names if n not in stages]


class ReviewTools(LazyTools):
    """`valact review` runs the stage; its subcommands are the reviewers' tools."""

    TOOLS = {name: "pipeline.review.commands" for name in ("session", "export", "import",
                                                              "agreement")}


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
    help=f"ValAct-15k pipeline. Stages in order: {', '.join(STAGE_COMMANDS)} "
    "(run them all with `dvc repro`).",
)


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """The valact commands (the help text is the Typer app's)."""


_REVIEW = get_stage("review")
review_app = typer.Typer(
    cls=ReviewTools,
    help=f"Stage {_REVIEW.number}: {_REVIEW.help} Tools for reviewers: session, export, "
    "import, agreement."
)
app.add_typer(review_app, name="review")
params_app = typer.Typer(help="Check params.yaml.", no_args_is_help=True)
app.add_typer(params_app, name="params")

log = logging.getLogger("valact")


# What a stage expects to fail with (ValueError includes schemas.ArtifactError and
# stage_metrics.MetricsError; RuntimeError is annotate's "posts ended in error").
STAGE_ERRORS: tuple[type[Exception], ...] = (ParamsError, FileNotFoundError, ValueError,
                                             RuntimeError)


@contextlib.contextmanager
def _one_line_errors(
    name: str, expected: tuple[type[Exception], ...] = STAGE_ERRORS
) -> Iterator[None]:
    """The ``expected`` errors (bad params, a missing or invalid input) as one red line and
    exit 1; anything else is a bug and keeps its traceback."""
    try:
        yield
    except expected as exc:
        typer.secho(f"valact {name}: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None


def _run_stage(stage: Stage, **kwargs: Any) -> None:
    with _one_line_errors(stage.name):
        metrics = stage.run(load_params(), **kwargs)
    summary = {k: v for k, v in metrics.items() if not isinstance(v, dict | list)}
    typer.echo(f"{stage.name}: {json.dumps(summary, sort_keys=True)}", err=True)


def _documented(stage: Stage, command: Callable[..., None]) -> Callable[..., None]:
    command.__doc__ = f"Stage {stage.number}: {stage.help}"
    return command


VerboseOpt = typer.Option(False, "--verbose", "-v", help="Debug logging.")
ProgressOpt = typer.Option(True, "--progress/--no-progress", help="Show progress bars.")


def _stage_command(stage: Stage) -> Callable[..., None]:
    """The ``valact <stage>`` command: logging, params, the stage's run, a one-line summary."""

    def command(verbose: bool = VerboseOpt, progress: bool = ProgressOpt) -> None:
        setup_logging(verbose)
        _run_stage(stage, progress=progress)

    return _documented(stage, command)


def _annotate_command(stage: Stage) -> Callable[..., None]:
    """annotate also estimates a run (``--estimate``) without sending anything."""

    def command(
        verbose: bool = VerboseOpt,
        progress: bool = ProgressOpt,
        estimate: bool = typer.Option(
            False, "--estimate", help="Print requests, tokens and cost of a run; send nothing."
        ),
    ) -> None:
        setup_logging(verbose)
        if not estimate:
            _run_stage(stage, progress=progress)
            return
        from pipeline.annotate.stage import estimate as estimate_run

        with _one_line_errors(stage.name, (ParamsError, FileNotFoundError, ValueError)):
            typer.echo(estimate_run(load_params()))

    return _documented(stage, command)


def _review_callback(stage: Stage) -> Callable[..., None]:
    """review is also a group (the reviewers' tools): the stage runs when no tool is named."""

    def callback(
        ctx: typer.Context, verbose: bool = VerboseOpt, progress: bool = ProgressOpt
    ) -> None:
        if ctx.invoked_subcommand is not None:
            return
        setup_logging(verbose)
        _run_stage(stage, progress=progress)

    return _documented(stage, callback)


def _register_stages() -> None:
    """One command per stage of the registry, in pipeline order."""
    for stage in STAGES:
        if stage.name == "review":
            review_app.callback(invoke_without_command=True)(_review_callback(stage))
        elif stage.name == "annotate":
            app.command(stage.name)(_annotate_command(stage))
        else:
            app.command(stage.name)(_stage_command(stage))


_register_stages()


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


if __name__ == "__main__":  # pragma: no cover
    app()
