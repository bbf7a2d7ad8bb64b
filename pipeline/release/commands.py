"""``valact withdrawals add|check|list`` and ``valact diff``: the release tools."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipeline import paths
from pipeline.release.withdrawals import (
    REASONS,
    WithdrawalsError,
    append_withdrawals,
    make_withdrawal,
    read_withdrawals,
)

if TYPE_CHECKING:
    from pipeline.params import Params
    from pipeline.release.reddit_check import CheckResult

log = logging.getLogger("valact.release")

withdrawals_app = typer.Typer(
    help="Posts withdrawn from every later release (review/withdrawn.jsonl).",
    no_args_is_help=True,
)

FileOpt = typer.Option(paths.WITHDRAWN, "--file", help="The withdrawals file.")


def _fail(command: str, message: str) -> None:
    typer.secho(f"valact {command}: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@withdrawals_app.command("add")
def add(
    posts: Annotated[list[str], typer.Argument(
        help="Post ids, t3_ fullnames or Reddit post URLs.")],
    reason: Annotated[str, typer.Option("--reason", help=f"One of: {', '.join(REASONS)}.")],
    who: Annotated[str, typer.Option("--who", help="Who records it (a maintainer handle; kept "
                                     "in git, never published).")],
    note: Annotated[str | None, typer.Option("--note", help="Free text, never published.")] = None,
    file: Path = FileOpt,
) -> None:
    """Withdraw posts: append them to the withdrawals file (already withdrawn: unchanged)."""
    try:
        entries = [make_withdrawal(p, reason, who, note=note) for p in posts]
        new = append_withdrawals(file, entries)
    except WithdrawalsError as exc:
        _fail("withdrawals add", str(exc))
    already = len(entries) - len(new)
    typer.echo(
        f"{file}: {len(new)} withdrawal(s) appended"
        + (f", {already} already withdrawn" if already else "")
        + ". They leave the next build (`dvc repro`); commit the file."
    )


@withdrawals_app.command("list")
def list_withdrawals(file: Path = FileOpt) -> None:
    """Print the withdrawals, one per line (post id, reason, date, who)."""
    try:
        entries = read_withdrawals(file)
    except WithdrawalsError as exc:
        _fail("withdrawals list", str(exc))
    for w in entries.values():
        typer.echo(f"{w.post_id}\t{w.reason}\t{w.date}\t{w.who}")
    typer.echo(f"{len(entries)} withdrawn post(s) in {file}", err=True)


@withdrawals_app.command("check")
def check(
    dataset: Annotated[Path, typer.Option(
        "--dataset", help="The release folder whose posts are checked.")] = paths.DATASET_DIR,
    who: str = typer.Option("withdrawals-check", "--who", help="Recorded as who withdrew."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report, append nothing."),
    file: Path = FileOpt,
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress."),
) -> None:
    """Ask the Reddit API which published posts are now deleted or removed; withdraw them.

    Credentials come from praw's conventions (praw_client_id / praw_client_secret or
    praw.ini, site ingest.reddit.site_name), as for `ingest.source: reddit`.
    """
    from pipeline.ingest.reddit_api import RedditConfigError
    from pipeline.params import ParamsError, load_params
    from pipeline.release.previous import ReleaseReadError, read_folder

    try:
        params = load_params()
        release = read_folder(dataset)
        existing = read_withdrawals(file)
    except (ParamsError, ReleaseReadError, WithdrawalsError, OSError) as exc:
        _fail("withdrawals check", str(exc))
    if params.ingest.source == "sample":
        _fail(
            "withdrawals check",
            "ingest.source is sample: the bundled posts are synthetic and their ids name no "
            "Reddit post; there is nothing to ask Reddit about",
        )
    post_ids = sorted(set(release.rows["post_id"]) - set(existing))
    try:
        result = run_check(params, post_ids, progress=progress)
    except RedditConfigError as exc:
        _fail("withdrawals check", str(exc))
    except Exception as exc:  # praw/prawcore errors: a clear message, nothing appended
        _fail("withdrawals check", f"the Reddit API failed ({type(exc).__name__}: {exc}); "
              "nothing was appended")
    entries = [make_withdrawal(pid, reason, who) for pid, reason in sorted(result.gone.items())]
    for pid, reason in sorted(result.gone.items()):
        typer.echo(f"{pid}\t{reason}\t{result.detail[pid]}")
    appended = [] if dry_run else append_withdrawals(file, entries)
    typer.echo(
        f"asked Reddit about {result.asked} published post(s) in {result.requests} "
        f"request(s): {len(result.gone)} gone, {len(result.missing)} not answered"
        + (f" ({', '.join(result.missing[:10])})" if result.missing else "")
        + ("; dry run, nothing appended" if dry_run else f"; {len(appended)} appended to {file}"),
        err=True,
    )


def run_check(
    params: Params, post_ids: list[str], *, progress: bool, **praw_overrides: Any
) -> CheckResult:
    """The Reddit part of ``check``, with praw settings overridable (tests, mirrors)."""
    from pipeline.ingest.reddit_api import RedditFetchConfig, make_reddit
    from pipeline.release.reddit_check import check_posts

    ip = params.ingest
    config = RedditFetchConfig(subreddits=ip.subreddits or ("all",), site_name=ip.reddit.site_name)
    reddit = make_reddit(config, **praw_overrides)
    return check_posts(reddit, post_ids, progress=progress)


def diff(
    old: Annotated[Path, typer.Argument(help="The older release folder.")],
    new: Annotated[Path, typer.Argument(help="The newer release folder.")],
    withdrawals: Annotated[Path, typer.Option(
        "--withdrawals", help="For the reasons of withdrawn posts.")] = paths.WITHDRAWN,
    as_json: bool = typer.Option(False, "--json", help="Print CHANGES.json's format."),
) -> None:
    """What changed between two dataset folders: added, withdrawn, edited, relabelled."""
    from pipeline.release.changes import changes_markdown, diff_releases
    from pipeline.release.previous import ReleaseReadError, read_folder

    try:
        a, b = read_folder(old), read_folder(new)
        found = read_withdrawals(withdrawals)
    except (ReleaseReadError, WithdrawalsError, OSError) as exc:
        _fail("diff", str(exc))
    changes = diff_releases(
        a.rows, b.rows, found, old_version=a.version, new_version=b.version, old_ref=str(old)
    )
    if as_json:
        typer.echo(json.dumps(changes, indent=2, sort_keys=True))
        return
    typer.echo(f"{old} ({a.version or 'no version'}) -> {new} ({b.version or 'no version'})")
    typer.echo(changes_markdown(changes, limit=50))


def register(app: typer.Typer) -> None:
    app.add_typer(withdrawals_app, name="withdrawals")
    app.command("diff")(diff)
