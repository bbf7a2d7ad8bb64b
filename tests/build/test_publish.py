"""``valact publish`` against a real HTTP Hub emulator on 127.0.0.1 (tests/servers/hub_server.py).

The real ``huggingface_hub`` client does every request: create the repo, list it, validate
the card, preupload, the LFS batch API (the emulator declines Xet, so the classic LFS path
runs), the pre-signed PUTs and verify, and the NDJSON commit.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.annotate.stage import run as annotate
from pipeline.artifacts import write_frame
from pipeline.assemble.stage import run as assemble_run
from pipeline.build.publish import (
    DatasetVersion,
    DirtyTreeError,
    PublishError,
    ValidationError,
    dataset_version,
    local_files,
    parse_porcelain,
    publish,
    publish_command,
    stamp_card,
)
from pipeline.build.stage import run as build_run
from pipeline.params import Params
from pipeline.review.stage import run as review_run
from pipeline.schemas import UNIQUE_POSTS
from servers.hub_server import HUB_TOKEN, FakeHub, running_hub
from stage_fixtures import seed_upstream_metrics, unique_posts

REPO = "valact-test/valact-15k"
N_SCENARIOS = 20


# publish runs the stages to build its folder and pushes it through the real client: slow.
# The client is online although the Makefile exports HF_HUB_OFFLINE=1, with no token or
# endpoint of the machine, on loopback only (tests/conftest.py).
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("hub_client_on_loopback")]


def _params(**assemble: object) -> Params:
    p = Params()
    changes: dict[str, object] = {"scenarios": N_SCENARIOS, "allow_smaller": False, **assemble}
    return replace(p, assemble=replace(p.assemble, **changes))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def built_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid dataset folder, built once by the lead's stages from synthetic posts."""
    root = tmp_path_factory.mktemp("built")
    params = _params()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        seed_upstream_metrics(root)  # ingest, clean, dedupe are not run here
        write_frame(unique_posts(30), root / "unique.parquet", UNIQUE_POSTS)
        annotate(params, src=root / "unique.parquet", out=root / "ann.parquet", progress=False)
        review_run(
            params,
            src=root / "ann.parquet",
            decisions_dir=root / "none",
            reviewed_out=root / "rev.parquet",
            queue_out=root / "queue.jsonl",
        )
        assemble_run(
            params,
            src=root / "rev.parquet",
            out=root / "sel.parquet",
        )
        out = root / "processed" / "valact-15k"
        build_run(
            params,
            src=root / "sel.parquet",
            out_dir=out,
            metrics_out=root / "processed" / "metrics.json",
        )
    return out


@pytest.fixture()
def folder(built_folder: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "valact-15k"
    shutil.copytree(built_folder, dst)
    return dst


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """A project root outside git, with a dvc.lock."""
    r = tmp_path / "project"
    r.mkdir()
    (r / "dvc.lock").write_text("schema: '2.0'\nstages: {}\n")
    return r


def _git(repo: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def _needs_git() -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {f.path: f.local_path.read_bytes() for f in local_files(folder)}


def _rewrite_parquet(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """Edit a shard, keeping its schema (and the ``datasets`` features in its metadata)."""
    table = pq.read_table(path)
    df = change(table.to_pandas())
    pq.write_table(pa.Table.from_pandas(df, schema=table.schema, preserve_index=False), path)


# -- dry run ------------------------------------------------------------------------------------
def test_dry_run_lists_files_without_token_or_request(
    folder: Path, hub: FakeHub, root: Path
) -> None:
    result = publish(
        folder,
        REPO,
        private=False,
        dry_run=True,
        endpoint=hub.endpoint,
        params=_params(),
        root=root,
    )
    expected = sorted(
        (p.relative_to(folder).as_posix(), p.stat().st_size)
        for p in folder.rglob("*")
        if p.is_file()
    )
    assert [(f.path, f.size) for f in result.files] == expected
    assert {"README.md", "data/test-00000-of-00001.parquet"} <= {f.path for f in result.files}
    assert result.dry_run and result.commit_oid is None
    md5 = _md5(root / "dvc.lock")
    assert (
        result.commit_message
        == f"ValAct-15k 0.1.0 (git unknown: not a git repository, dvc.lock md5 {md5[:8]})"
    )
    assert result.warnings == (
        f"{root}: not a git repository, so the commit message and the card name no git commit "
        '("git unknown: not a git repository"); publishing goes ahead without one',
    )
    assert hub.request_count == 0


def test_commit_message_names_git_commit_and_dvc_lock(folder: Path, tmp_path: Path) -> None:
    _needs_git()
    repo = tmp_path / "gitrepo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "dvc.lock").write_text("stages: {}\n")
    _git(repo, "add", "dvc.lock")
    _git(repo, "commit", "-q", "-m", "lock")
    sha = _git(repo, "rev-parse", "HEAD")
    result = publish(folder, REPO, private=False, dry_run=True, params=_params(), root=repo)
    md5 = _md5(repo / "dvc.lock")
    assert result.commit_message == f"ValAct-15k 0.1.0 (git {sha[:7]}, dvc.lock md5 {md5[:8]})"
    assert result.warnings == ()

    _git(repo, "rm", "-q", "dvc.lock")
    _git(repo, "commit", "-q", "-m", "no lock")
    sha = _git(repo, "rev-parse", "HEAD")
    result = publish(folder, REPO, private=False, dry_run=True, params=_params(), root=repo)
    assert result.commit_message == f"ValAct-15k 0.1.0 (git {sha[:7]}, no-dvc.lock)"
    custom = publish(
        folder,
        REPO,
        private=False,
        dry_run=True,
        params=_params(),
        root=repo,
        version_message="ValAct-15k 0.1.0 hotfix",
    )
    assert custom.commit_message == "ValAct-15k 0.1.0 hotfix"


def test_card_source_line_names_the_commit(folder: Path) -> None:
    card = (folder / "README.md").read_text()
    sha = "0123456789abcdef0123456789abcdef01234567"
    dirty = DatasetVersion("ValAct-15k", "0.1.0", sha, True, "d" * 32)
    stamped = stamp_card(card, dirty)
    assert f"git commit `{sha}` (dirty work tree), `dvc.lock` md5 `{'d' * 32}`" in stamped
    assert stamped.count("valact:source") == 1 and "not published yet" not in stamped
    assert len(stamped.splitlines()) == len(card.splitlines())
    clean = DatasetVersion("ValAct-15k", "0.1.0", sha, False, None)
    assert f"git commit `{sha}`, no `dvc.lock`." in stamp_card(card, clean)
    old = "---\npretty_name: x\n---\nan old card\n"
    assert stamp_card(old, clean).endswith(clean.source_line() + "\n")
    outside = DatasetVersion(
        "ValAct-15k", "0.1.0", None, None, None, git_note="not a git repository"
    )
    assert "git commit unknown (not a git repository), no `dvc.lock`." in stamp_card(card, outside)


# -- real uploads -------------------------------------------------------------------------------
def test_upload_is_one_commit_and_the_hub_holds_exactly_the_folder(
    folder: Path, hub: FakeHub, root: Path
) -> None:
    import huggingface_hub.constants as hf_constants

    endpoint_before = hf_constants.ENDPOINT
    result = publish(
        folder, REPO, private=False, token=HUB_TOKEN, endpoint=hub.endpoint, params=_params(),
        root=root,
    )
    assert endpoint_before == hf_constants.ENDPOINT  # the 0.36 workaround is scoped

    local = _folder_bytes(folder)
    remote = hub.files(REPO)
    assert set(remote) == set(local) | {".gitattributes"}  # the Hub's own file stays
    # byte-equal, but for the card's source line, which names the repository state
    assert all(remote[p] == content for p, content in local.items() if p != "README.md")
    md5 = _md5(root / "dvc.lock")
    card, local_card = remote["README.md"].decode(), local["README.md"].decode()
    assert "Source: not published yet" in local_card and "not published yet" not in card
    assert f"git commit unknown (not a git repository), `dvc.lock` md5 `{md5}`." in card
    assert [ln for ln in card.splitlines() if "valact:source" not in ln] == [
        ln for ln in local_card.splitlines() if "valact:source" not in ln
    ]

    commits = hub.commits(REPO)
    assert [c.summary for c in commits] == ["initial commit", result.commit_message]
    md5 = _md5(root / "dvc.lock")
    assert (
        commits[-1].summary
        == f"ValAct-15k 0.1.0 (git unknown: not a git repository, dvc.lock md5 {md5[:8]})"
    )
    assert "git commit: unknown: not a git repository\n" in commits[-1].description
    assert "dvc.lock md5: " + md5 in commits[-1].description
    assert len(hub.calls("POST", r"/commit/main$")) == 1
    assert result.changed and result.commit_oid == commits[-1].oid
    assert result.commit_url and result.commit_url.endswith(commits[-1].oid)
    assert result.url == f"{hub.endpoint}/datasets/{REPO}"
    assert result.private is False and hub.repo(REPO).private is False

    # parquet and png went through the LFS batch API + pre-signed PUT + verify; the card inline
    lfs = {p for p in local if p.endswith((".parquet", ".png"))}
    assert hub.lfs_paths(REPO) == lfs and "README.md" not in hub.lfs_paths(REPO)
    assert len(hub.calls("PUT", r"^/lfs-storage/")) == len(lfs)
    assert len(hub.calls("POST", r"\.git/info/lfs/objects/verify$")) == len(lfs)
    # the client offered Xet (hf_xet is installed); the emulator answered "basic"
    assert all("xet" in offered for offered in hub.state.lfs_transfers_offered)
    # every API call carried the token
    assert all(r.authenticated for r in hub.requests if not r.path.startswith("/lfs-storage/"))

    # a second publish of the unchanged folder works and makes no new commit
    again = publish(
        folder, REPO, private=False, token=HUB_TOKEN, endpoint=hub.endpoint, params=_params(),
        root=root,
    )
    assert again.changed is False and again.deleted == ()
    assert again.commit_oid == commits[-1].oid
    assert len(hub.commits(REPO)) == 2
    assert len(hub.calls("POST", r"/commit/main$")) == 1
    assert hub.files(REPO) == remote


def test_republish_mirrors_the_folder_in_one_commit(folder: Path, root: Path) -> None:
    """Stale remote files are deleted and changed files replaced, in a single commit.

    ``page_size=2`` makes the emulator page the tree listing (``Link: rel="next"``).
    """
    with running_hub(HUB_TOKEN, page_size=2) as hub:
        hub.seed_repo(
            REPO,
            {
                "data/test-00000-of-00002.parquet": b"PAR1 an old shard",
                "old/notes.txt": b"stale",
                "README.md": b"---\npretty_name: old\n---\nold card\n",
            },
        )
        n_before = len(hub.commits(REPO))
        result = publish(
            folder,
            REPO,
            private=False,
            token=HUB_TOKEN,
            endpoint=hub.endpoint,
            params=_params(),
            root=root,
        )
        assert result.deleted == ("data/test-00000-of-00002.parquet", "old/notes.txt")
        assert len(hub.commits(REPO)) == n_before + 1
        assert len(hub.calls("POST", r"/commit/main$")) == 1
        assert len(hub.calls("GET", r"/tree/")) > 1  # paged listing
        remote = hub.files(REPO)
        local = _folder_bytes(folder)
        assert set(remote) == set(local) | {".gitattributes"}
        assert all(remote[p] == local[p] for p in local if p != "README.md")
        assert b"Source: built by the ValAct pipeline" in remote["README.md"]
    from huggingface_hub.utils import reset_sessions

    reset_sessions()


def test_private_repo_is_created_private(folder: Path, hub: FakeHub, root: Path) -> None:
    result = publish(
        folder, REPO, private=True, token=HUB_TOKEN, endpoint=hub.endpoint, params=_params(),
        root=root,
    )
    create = hub.calls("POST", r"^/api/repos/create$")
    assert create[0].json_body == {
        "name": "valact-15k",
        "organization": "valact-test",
        "private": True,
        "type": "dataset",
    }
    assert hub.repo(REPO).private is True and result.private is True


def test_concurrent_push_makes_the_commit_fail_not_delete_blindly(
    folder: Path, hub: FakeHub, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone pushes between our listing and our commit: parent_commit makes the Hub refuse."""
    from huggingface_hub import HfApi

    original = HfApi.list_repo_files

    def list_then_someone_pushes(self: HfApi, *args: object, **kwargs: object) -> list[str]:
        files = original(self, *args, **kwargs)  # type: ignore[arg-type]
        hub.seed_repo(REPO, {"added/by/someone.txt": b"concurrent"})
        return files

    monkeypatch.setattr(HfApi, "list_repo_files", list_then_someone_pushes)
    with pytest.raises(PublishError, match=r"412"):
        publish(
            folder,
            REPO,
            private=False,
            token=HUB_TOKEN,
            endpoint=hub.endpoint,
            params=_params(),
            root=root,
        )
    assert [c.summary for c in hub.commits(REPO)] == ["initial commit", "seeded by the test"]


def test_unreachable_hub_is_a_clear_error(folder: Path, root: Path) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PublishError, match=r"publishing to http://127.0.0.1:\d+ failed"):
        publish(
            folder,
            REPO,
            private=False,
            token=HUB_TOKEN,
            endpoint=f"http://127.0.0.1:{port}",
            params=_params(),
            root=root,
        )


# -- refusals -----------------------------------------------------------------------------------
def _duplicate_value(folder: Path) -> None:
    def change(df: pd.DataFrame) -> pd.DataFrame:
        first = df["scenario_id"] == df["scenario_id"].iloc[0]
        idx = df.index[first]
        df.loc[idx[1], "value"] = df.loc[idx[0], "value"]
        return df

    _rewrite_parquet(folder / "options" / "test-00000-of-00001.parquet", change)


def _planted_email(folder: Path) -> None:
    def change(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[3, "text"] = df.loc[3, "text"] + " Email me at jane.doe@example.com."
        return df

    _rewrite_parquet(folder / "options" / "test-00000-of-00001.parquet", change)


def _planted_text(extra: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        def change(df: pd.DataFrame) -> pd.DataFrame:
            df.loc[3, "text"] = df.loc[3, "text"] + extra
            return df

        _rewrite_parquet(folder / "options" / "test-00000-of-00001.parquet", change)

    return damage


def _missing_options_shard(folder: Path) -> None:
    (folder / "options" / "test-00000-of-00001.parquet").unlink()


def _missing_readme(folder: Path) -> None:
    (folder / "README.md").unlink()


def _card_without_dataset_info(folder: Path) -> None:
    card = (folder / "README.md").read_text()
    head, body = card.split("\n---\n", 1)
    head = re.sub(r"\ndataset_info:\n(?:[- ].*\n)+", "\n", head + "\n").rstrip("\n")
    (folder / "README.md").write_text(head + "\n---\n" + body)


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (_duplicate_value, r"without 5 distinct values"),
        (_planted_email, r"personal data pattern \(email\) in option text"),
        (_planted_text(" My SSN is 512-48-3390."), r"personal data pattern \(ssn\)"),
        (_planted_text(" Card 4539 1488 0343 6467."), r"personal data pattern \(card\)"),
        (_planted_text(" IBAN GB82 WEST 1234 5698 7654 32."), r"personal data pattern \(iban\)"),
        (_missing_options_shard, r"config 'options': no file matches 'options/test-\*'"),
        (_missing_readme, r"README.md \(the dataset card\) is missing"),
        (_card_without_dataset_info, r"README.md YAML has no `dataset_info`"),
    ],
)
def test_invalid_folder_is_refused_before_any_request(
    folder: Path,
    hub: FakeHub,
    root: Path,
    damage: Callable[[Path], None],
    expected: str,
) -> None:
    damage(folder)
    with pytest.raises(ValidationError, match=expected) as info:
        publish(
            folder,
            REPO,
            private=False,
            token=HUB_TOKEN,
            endpoint=hub.endpoint,
            params=_params(),
            root=root,
        )
    assert "refusing to publish" in str(info.value)
    assert hub.request_count == 0


def test_a_folder_that_does_not_load_is_refused(folder: Path, root: Path) -> None:
    """The card points at the shard, but the shard is not parquet: load_dataset fails."""
    (folder / "options" / "test-00000-of-00001.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ValidationError, match=r"does not load with datasets.load_dataset"):
        publish(folder, REPO, private=False, dry_run=True, params=_params(), root=root)


def test_expected_scenario_count_comes_from_params(folder: Path, root: Path) -> None:
    with pytest.raises(ValidationError, match=r"20 scenarios, expected 30"):
        publish(folder, REPO, private=False, dry_run=True, params=_params(scenarios=30), root=root)
    ok = publish(
        folder,
        REPO,
        private=False,
        dry_run=True,
        params=_params(scenarios=30, allow_smaller=True),
        root=root,
    )
    assert ok.dry_run
    with pytest.raises(ValidationError, match=r"100 options, expected 20 x 4"):
        publish(
            folder,
            REPO,
            private=False,
            dry_run=True,
            params=_params(options_per_scenario=4),
            root=root,
        )


# -- token ----------------------------------------------------------------------------------------
def test_missing_token_is_a_clear_error(folder: Path, hub: FakeHub, root: Path) -> None:
    with pytest.raises(PublishError, match=r"no Hugging Face token: set HF_TOKEN"):
        publish(folder, REPO, private=False, endpoint=hub.endpoint, params=_params(), root=root)
    assert hub.request_count == 0


def test_wrong_token_is_a_clear_error_without_the_token(
    folder: Path, hub: FakeHub, root: Path
) -> None:
    wrong = "hf_WrongTokenAlsoSecret000000000000000"
    with pytest.raises(PublishError, match=r"failed.*401") as info:
        publish(
            folder,
            REPO,
            private=False,
            token=wrong,
            endpoint=hub.endpoint,
            params=_params(),
            root=root,
        )
    assert wrong not in str(info.value) and HUB_TOKEN not in str(info.value)


def test_invalid_repo_id_is_refused(folder: Path, root: Path) -> None:
    with pytest.raises(PublishError, match=r"namespace/name"):
        publish(folder, "valact-15k", private=False, dry_run=True, params=_params(), root=root)


# -- the command ------------------------------------------------------------------------------
@pytest.fixture()
def project(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repo root (not a git repo) with params.yaml and the built folder, as the CLI sees it."""
    proj = tmp_path / "proj"
    (proj / "processed").mkdir(parents=True)
    shutil.copytree(folder, proj / "processed" / "valact-15k")
    (proj / "params.yaml").write_text(
        "assemble:\n  scenarios: 20\n  options_per_scenario: 5\n  allow_smaller: false\n"
        f"publish:\n  repo_id: {REPO}\n  private: false\n"
    )
    monkeypatch.chdir(proj)
    return proj


def test_command_dry_run_prints_plan(
    project: Path, hub: FakeHub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    assert publish_command(dry_run=True, repo_id="someone/else") == 0
    out, err = capsys.readouterr()
    assert "someone/else" in out
    for f in local_files(project / "processed" / "valact-15k"):
        assert re.search(rf"{f.size:,}\s+{re.escape(f.path)}", out)
    assert (
        "commit message: ValAct-15k 0.1.0 (git unknown: not a git repository, no-dvc.lock)" in out
    )
    assert f"warning: {project}: not a git repository, so the commit message and the card" in err
    assert hub.request_count == 0


def test_command_without_token_fails_clearly(
    project: Path, hub: FakeHub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    assert publish_command(dry_run=False, repo_id=None) == 1
    assert "no Hugging Face token" in capsys.readouterr().err
    assert hub.request_count == 0


def test_command_refuses_invalid_folder(
    project: Path, hub: FakeHub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_TOKEN", HUB_TOKEN)
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    _planted_email(project / "processed" / "valact-15k")
    assert publish_command(dry_run=False, repo_id=None) == 1
    err = capsys.readouterr().err
    assert "refusing to publish" in err and "email" in err
    assert hub.request_count == 0


def test_command_publishes_with_env_token_and_never_shows_it(
    project: Path,
    hub: FakeHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from huggingface_hub.utils import logging as hf_logging

    monkeypatch.setenv("HF_TOKEN", HUB_TOKEN)
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    hf_logging.enable_propagation()
    hf_logging.set_verbosity_debug()
    caplog.set_level(logging.DEBUG)
    try:
        assert publish_command(dry_run=False, repo_id=None) == 0
        assert publish_command(dry_run=False, repo_id=None) == 0  # unchanged: no new commit
    finally:
        hf_logging.set_verbosity_warning()
        hf_logging.disable_propagation()
    captured = capsys.readouterr()
    assert "committed" in captured.out and "nothing changed" in captured.out
    assert len(hub.calls("POST", r"/commit/main$")) == 1
    assert all(r.authenticated for r in hub.requests if r.path.startswith("/api/"))
    assert "valact.publish" in caplog.text and "huggingface_hub" in caplog.text
    for text in (captured.out, captured.err, caplog.text):
        assert HUB_TOKEN not in text
        assert HUB_TOKEN[3:15] not in text


# -- the state of the work tree ----------------------------------------------------------------
@pytest.fixture()
def git_project(project: Path) -> Path:
    """The project as a clean git repo: params.yaml and dvc.lock committed, the folder ignored."""
    _needs_git()
    (project / ".gitignore").write_text("/processed/valact-15k\n__pycache__/\n")
    (project / "dvc.lock").write_text("schema: '2.0'\nstages: {}\n")
    (project / "review" / "decisions").mkdir(parents=True)
    (project / "review" / "decisions" / "batch-001.jsonl").write_text("{}\n")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "built")
    (project / "__pycache__").mkdir()
    (project / "__pycache__" / "x.pyc").write_bytes(b"ignored: does not make the tree dirty")
    return project


def _make_dirty(project: Path) -> None:
    """What the user reported: a modified dvc.lock and params.yaml, a new decision file."""
    (project / "dvc.lock").write_text("schema: '2.0'\nstages: {build: {}}\n")
    with (project / "params.yaml").open("a") as f:
        f.write("# tried another setting\n")
    (project / "review" / "decisions" / "batch-002.jsonl").write_text("{}\n")


DIRTY_PATHS = (
    "dvc.lock (modified)",
    "params.yaml (modified)",
    "review/decisions/batch-002.jsonl (untracked)",
)


def test_clean_git_tree_publishes_with_no_warning(
    git_project: Path,
    hub: FakeHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HF_TOKEN", HUB_TOKEN)
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    sha = _git(git_project, "rev-parse", "HEAD")
    md5 = _md5(git_project / "dvc.lock")
    message = f"ValAct-15k 0.1.0 (git {sha[:7]}, dvc.lock md5 {md5[:8]})"
    assert publish_command(dry_run=True, repo_id=None) == 0
    out, err = capsys.readouterr()
    assert f"commit message: {message}" in out and "warning" not in err
    assert hub.request_count == 0

    assert publish_command(dry_run=False, repo_id=None) == 0
    out, err = capsys.readouterr()
    assert "committed" in out and "warning" not in err and "dirty" not in out + err
    commit = hub.commits(REPO)[-1]
    assert commit.summary == message and "dirty" not in commit.description
    assert f"git commit: {sha}\n" in commit.description
    card = hub.files(REPO)["README.md"].decode()
    assert f"git commit `{sha}`, `dvc.lock` md5 `{md5}`." in card


def test_dirty_tree_dry_run_warns_and_exits_0(
    git_project: Path,
    hub: FakeHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    sha = _git(git_project, "rev-parse", "HEAD")
    _make_dirty(git_project)
    md5 = _md5(git_project / "dvc.lock")
    assert publish_command(dry_run=True, repo_id=None) == 0
    out, err = capsys.readouterr()
    assert (
        f"commit message: ValAct-15k 0.1.0 (git {sha[:7]} (dirty work tree), "
        f"dvc.lock md5 {md5[:8]})"
    ) in out
    assert (
        f"warning: the work tree at {git_project} is dirty: git {sha[:7]} is not what this "
        f"folder was built from (3 uncommitted changes: {', '.join(DIRTY_PATHS)}); "
        "a real publish is refused"
    ) in err
    assert "--allow-dirty" in err
    assert "nothing was sent" in out
    assert hub.request_count == 0


def test_dirty_tree_real_publish_is_refused_before_any_request(
    git_project: Path,
    folder: Path,
    hub: FakeHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HF_TOKEN", HUB_TOKEN)
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    sha = _git(git_project, "rev-parse", "HEAD")
    _make_dirty(git_project)
    assert publish_command(dry_run=False, repo_id=None) == 1
    out, err = capsys.readouterr()
    assert (
        f"valact publish: refusing to publish from a dirty work tree: {git_project} has "
        f"3 uncommitted changes: {', '.join(DIRTY_PATHS)}, so the dataset would claim "
        f"git {sha[:7]}, which it was not built from."
    ) in err
    assert "--allow-dirty" in err and "published" not in out
    assert hub.request_count == 0 and hub.requests == []

    # the library call refuses too, even with a token and an explicit endpoint
    with pytest.raises(DirtyTreeError) as info:
        publish(
            folder,
            REPO,
            private=False,
            token=HUB_TOKEN,
            endpoint=hub.endpoint,
            params=_params(),
            root=git_project,
        )
    assert info.value.dirty_paths == DIRTY_PATHS and isinstance(info.value, PublishError)
    assert hub.request_count == 0


def test_allow_dirty_publishes_and_says_the_tree_was_dirty(
    git_project: Path,
    hub: FakeHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HF_TOKEN", HUB_TOKEN)
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    sha = _git(git_project, "rev-parse", "HEAD")
    _make_dirty(git_project)
    md5 = _md5(git_project / "dvc.lock")
    assert publish_command(dry_run=False, repo_id=None, allow_dirty=True) == 0
    out, err = capsys.readouterr()
    message = f"ValAct-15k 0.1.0 (git {sha[:7]} (dirty work tree), dvc.lock md5 {md5[:8]})"
    assert f"commit message: {message}" in out and "committed" in out
    assert (
        f"warning: the work tree at {git_project} is dirty: git {sha[:7]} is not what this "
        "folder was built from"
    ) in err
    assert 'published anyway (--allow-dirty), the commit message and the card saying "dirty' in err
    commit = hub.commits(REPO)[-1]
    assert commit.summary == message
    assert f"git commit: {sha} (dirty work tree)\n" in commit.description
    assert f"work tree: 3 uncommitted changes: {', '.join(DIRTY_PATHS)}\n" in commit.description
    card = hub.files(REPO)["README.md"].decode()
    assert f"git commit `{sha}` (dirty work tree), `dvc.lock` md5 `{md5}`." in card


def test_dirty_paths_cover_untracked_files_staged_and_renamed(git_project: Path) -> None:
    """Untracked files count even when git is configured not to show them; ten are named."""
    _git(git_project, "config", "status.showUntrackedFiles", "no")
    for i in range(12):
        (git_project / f"notes-{i:02}.txt").write_text("x")
    (git_project / "new-dir").mkdir()
    (git_project / "new-dir" / "a.txt").write_text("x")
    _git(git_project, "mv", "dvc.lock", "dvc.lock.old")
    (git_project / "params.yaml").unlink()
    version = dataset_version(_params(), git_project)
    assert version.git_dirty is True and version.git_note is None
    assert version.dirty_paths == (
        "dvc.lock.old (renamed from dvc.lock)",
        "params.yaml (deleted)",
        "new-dir/ (untracked)",
        *(f"notes-{i:02}.txt (untracked)" for i in range(12)),
    )
    summary = version.dirty_summary()
    assert summary.startswith("15 uncommitted changes: dvc.lock.old (renamed from dvc.lock), ")
    assert summary.endswith("notes-06.txt (untracked), and 5 more")

    assert parse_porcelain(" M a b\0?? c\0AM d\0UU e\0") == [
        "a b (modified)",
        "c (untracked)",
        "d (added)",
        "e (unmerged)",
    ]


def test_a_git_repo_without_commits_is_dirty(folder: Path, tmp_path: Path) -> None:
    _needs_git()
    repo = tmp_path / "fresh"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "dvc.lock").write_text("stages: {}\n")
    version = dataset_version(_params(), repo)
    assert version.git_commit is None and version.git_dirty is True
    assert version.message.startswith("ValAct-15k 0.1.0 (git unknown: no commit yet (dirty")
    with pytest.raises(DirtyTreeError, match=r"1 uncommitted change: dvc.lock \(untracked\)"):
        publish(folder, REPO, private=False, token=HUB_TOKEN, params=_params(), root=repo)
