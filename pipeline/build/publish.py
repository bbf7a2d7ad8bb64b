"""``valact publish``: push ``processed/valact-15k/`` to a Hugging Face Hub dataset repo.

Not a DVC stage: it has side effects and needs a token. In order:

1. Re-validate the folder, before any network call: the card's YAML (``configs``,
   ``dataset_info``), both configs loading with ``datasets.load_dataset`` offline (in a
   subprocess with ``HF_HUB_OFFLINE=1`` and an empty temporary ``HF_HOME``, so no stale
   cache can stand in for the folder), the release checks of ``pipeline.build.checks`` on
   the loaded tables, and agreement between the two configs. A folder that fails is refused.
2. Name the dataset version for the commit message: ``build.version``, the git commit of the
   repo and the md5 of ``dvc.lock``. A dirty work tree (``git status --porcelain``: any
   modified, staged, deleted or untracked path that git does not ignore) means that commit
   is not what the folder was built from: a real publish is refused unless ``allow_dirty``
   (``--allow-dirty``), and then the commit message, description and card say
   "dirty work tree". Outside git (or without git) the version names no commit
   ("git unknown: not a git repository") and publishing goes ahead, with a warning.
3. ``--dry-run`` stops here: it lists what would be uploaded and the message, with no token
   and no request (and warns about a dirty tree, without refusing).
4. Take the token from ``HF_TOKEN`` or the saved login (``huggingface_hub.get_token``),
   create the dataset repo if needed, and upload the whole folder as ONE commit: an add for
   every file and a delete for every remote file the folder no longer has (except the
   Hub-managed ``.gitattributes``), with ``parent_commit`` set to the head that was listed,
   so a concurrent push makes the commit fail instead of deleting the wrong files.
   ``huggingface_hub`` skips files whose content is already on the Hub, and makes no commit
   at all when nothing changed.

The token is never printed or logged. Against a real Hub, ``huggingface_hub`` picks Xet or
LFS storage as the server asks; nothing here forces either.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import yaml

import pipeline
from pipeline import paths
from pipeline.build.card import SOURCE_MARKER
from pipeline.build.checks import release_problems
from pipeline.build.features import CONFIGS, SPLIT
from pipeline.params import Params, ParamsError, load_params
from pipeline.values import VALUE_IDS

log = logging.getLogger("valact.publish")

REPO_TYPE = "dataset"
DEFAULT_HUB = "https://huggingface.co"
# Remote files the Hub manages itself: never deleted to mirror the folder.
PROTECTED_REMOTE_FILES = frozenset({".gitattributes"})
# Local folders never uploaded (what ``upload_folder`` ignores too).
SKIPPED_DIRS = frozenset({".git", ".cache"})
LOAD_TIMEOUT_S = 900
DIRTY = "dirty work tree"
DIRTY_PATHS_SHOWN = 10  # dirty paths named in messages; the rest are counted
_GIT_STATES = {
    "M": "modified",
    "A": "added",
    "D": "deleted",
    "R": "renamed",
    "C": "copied",
    "T": "type changed",
}
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class PublishError(RuntimeError):
    """Publishing cannot go ahead (no token, bad repo id, the Hub refused a request)."""


class DirtyTreeError(PublishError):
    """The work tree has changes the named commit does not hold: nothing is sent."""

    def __init__(self, root: Path, version: DatasetVersion) -> None:
        self.root = root
        self.dirty_paths = version.dirty_paths
        commit = f"git {version.git_commit[:7]}" if version.git_commit else "the commit named"
        super().__init__(
            f"refusing to publish from a {DIRTY}: {root} has {version.dirty_summary()}, "
            f"so the dataset would claim {commit}, which it was not built from. Commit the "
            "changes (rebuild with `dvc repro` if they touch the build), or pass --allow-dirty "
            f'to publish anyway with the commit marked "{DIRTY}"; --dry-run shows the plan'
        )


class ValidationError(PublishError):
    """The folder fails validation: nothing is uploaded."""

    def __init__(self, folder: Path, problems: list[str]) -> None:
        self.folder = folder
        self.problems = problems
        super().__init__(
            f"refusing to publish {folder}: it fails validation:\n  - " + "\n  - ".join(problems)
        )


@dataclass(frozen=True)
class LocalFile:
    path: str  # path in the repo (posix)
    size: int
    local_path: Path


@dataclass(frozen=True)
class DatasetVersion:
    name: str
    version: str
    git_commit: str | None  # full sha; None outside git or before the first commit
    git_dirty: bool | None  # the work tree differs from the commit; None when unknown
    dvc_lock_md5: str | None  # None when there is no dvc.lock
    # what makes the tree dirty, "path (state)" as `git status --porcelain` lists them
    dirty_paths: tuple[str, ...] = ()
    git_note: str | None = None  # why there is no commit ("not a git repository", ...)

    def _git(self, commit: str, note: str = "unknown: {}") -> str:
        """``commit``, else "unknown" with the note, then the dirty mark when dirty."""
        git = commit or (note.format(self.git_note) if self.git_note else "unknown")
        return git + (f" ({DIRTY})" if self.git_dirty else "")

    @property
    def message(self) -> str:
        git = self._git(self.git_commit[:7] if self.git_commit else "")
        dvc = f"dvc.lock md5 {self.dvc_lock_md5[:8]}" if self.dvc_lock_md5 else "no-dvc.lock"
        return f"{self.name} {self.version} (git {git}, {dvc})"

    def dirty_summary(self, limit: int = DIRTY_PATHS_SHOWN) -> str:
        """``3 uncommitted changes: dvc.lock (modified), ...`` (the first ``limit`` named)."""
        n = len(self.dirty_paths)
        if not n:
            return f"uncommitted changes ({self.git_note or 'git listed none'})"
        shown = ", ".join(self.dirty_paths[:limit])
        more = f", and {n - limit} more" if n > limit else ""
        return f"{n} uncommitted change{'s' if n != 1 else ''}: {shown}{more}"

    def source_line(self) -> str:
        """The card's source line: which repository state built this folder."""
        git = self._git(f"`{self.git_commit}`" if self.git_commit else "", "unknown ({})")
        lock = f"`dvc.lock` md5 `{self.dvc_lock_md5}`" if self.dvc_lock_md5 else "no `dvc.lock`"
        return f"{SOURCE_MARKER}Source: built by the ValAct pipeline at git commit {git}, {lock}."

    def description(self, files: list[LocalFile]) -> str:
        lines = [
            f"Dataset: {self.name} {self.version}",
            f"git commit: {self._git(self.git_commit or '')}",
        ]
        if self.git_dirty:
            lines.append(f"work tree: {self.dirty_summary()}")
        return "\n".join(
            lines
            + [
                f"dvc.lock md5: {self.dvc_lock_md5 or 'no dvc.lock'}",
                f"files: {len(files)} ({sum(f.size for f in files):,} bytes)",
                "Published with `valact publish`.",
            ]
        )

    def warnings(self, root: Path, *, dry_run: bool, allow_dirty: bool) -> list[str]:
        """What a reader of the commit message must know about it (empty for a clean tree)."""
        if self.git_dirty:
            commit = f"git {self.git_commit[:7]}" if self.git_commit else "the commit named"
            text = (
                f"the work tree at {root} is dirty: {commit} is not what this folder was built "
                f"from ({self.dirty_summary()})"
            )
            if allow_dirty:
                how = "published anyway" if not dry_run else "a real publish goes ahead"
                return [
                    f"{text}; {how} (--allow-dirty), the commit message and the card "
                    f'saying "{DIRTY}"'
                ]
            return [
                f"{text}; a real publish is refused: commit the changes (rebuild with "
                "`dvc repro` if they touch the build), or pass --allow-dirty to publish with "
                f'the commit marked "{DIRTY}"'
            ]
        if self.git_commit is None and self.git_note:
            return [
                f"{root}: {self.git_note}, so the commit message and the card name no git "
                f'commit ("git unknown: {self.git_note}"); publishing goes ahead without one'
            ]
        return []


def stamp_card(card: str, version: DatasetVersion) -> str:
    """The card with its source line naming the git commit and dvc.lock (as uploaded)."""
    lines = card.split("\n")
    stamped = [version.source_line() if ln.startswith(SOURCE_MARKER) else ln for ln in lines]
    if stamped == lines:  # a card without the marker (older build): add the line at the end
        return card.rstrip("\n") + "\n\n" + version.source_line() + "\n"
    return "\n".join(stamped)


@dataclass(frozen=True)
class PublishResult:
    repo_id: str
    dry_run: bool
    commit_message: str
    files: tuple[LocalFile, ...]
    url: str | None = None  # the dataset's page on the Hub
    deleted: tuple[str, ...] = ()  # remote files removed by the commit
    commit_oid: str | None = None  # head after publishing
    commit_url: str | None = None
    changed: bool | None = None  # False: the Hub already held exactly these files
    private: bool | None = None  # the repo's visibility on the Hub
    warnings: tuple[str, ...] = field(default=())

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


# -- local folder -----------------------------------------------------------------------------
def local_files(folder: Path) -> list[LocalFile]:
    """Every file of the folder, as repo paths, sorted (``.git/`` and ``.cache/`` skipped)."""
    if not folder.is_dir():
        raise PublishError(f"{folder} does not exist: run `valact build` (or `dvc repro`) first")
    out = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if not p.is_file() or SKIPPED_DIRS.intersection(rel.parts[:-1]):
            continue
        out.append(LocalFile(rel.as_posix(), p.stat().st_size, p))
    return out


def read_card_metadata(readme: Path) -> dict[str, Any]:
    """The YAML front matter of a dataset card; ValueError when absent or not a mapping."""
    match = _FRONT_MATTER.match(readme.read_text(encoding="utf-8"))
    if match is None:
        raise ValueError("README.md has no YAML front matter (--- ... ---)")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise ValueError(f"README.md front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise ValueError("README.md front matter is not a mapping")
    return meta


def card_problems(folder: Path, files: list[LocalFile]) -> list[str]:
    """Problems with the card: YAML ``configs`` and ``dataset_info`` for both configs."""
    readme = folder / "README.md"
    if not readme.is_file():
        return ["README.md (the dataset card) is missing"]
    try:
        meta = read_card_metadata(readme)
    except ValueError as exc:
        return [str(exc)]
    problems: list[str] = []
    configs = meta.get("configs")
    if not isinstance(configs, list) or not configs:
        problems.append("README.md YAML has no `configs`")
        configs = []
    by_name = {c.get("config_name"): c for c in configs if isinstance(c, dict)}
    default_name = next(iter(CONFIGS))
    for name in CONFIGS:
        if name not in by_name:
            problems.append(f"README.md `configs` lacks config {name!r}")
            continue
        data_files = by_name[name].get("data_files")
        patterns = [
            d.get("path")
            for d in data_files or []
            if isinstance(d, dict) and d.get("split") == SPLIT
        ]
        for pattern in patterns:
            for pat in pattern if isinstance(pattern, list) else [pattern]:
                if not any(fnmatch(f.path, str(pat)) for f in files):
                    problems.append(f"config {name!r}: no file matches {pat!r}")
        if not patterns:
            problems.append(f"config {name!r} has no data_files for split {SPLIT!r}")
    defaults = [n for n, c in by_name.items() if c.get("default")]
    if by_name and defaults != [default_name]:
        problems.append(f"the default config must be {default_name!r}, got {defaults}")
    infos = meta.get("dataset_info")
    if isinstance(infos, dict):
        infos = [infos]
    if not isinstance(infos, list) or not infos:
        problems.append("README.md YAML has no `dataset_info`")
    else:
        named = {i.get("config_name"): i for i in infos if isinstance(i, dict)}
        for name in CONFIGS:
            if name not in named:
                problems.append(f"README.md `dataset_info` lacks config {name!r}")
    return problems


def declared_rows(meta: dict[str, Any]) -> dict[str, int]:
    """``num_examples`` of the split per config, as the card declares them."""
    infos = meta.get("dataset_info")
    infos = [infos] if isinstance(infos, dict) else infos or []
    out = {}
    for info in infos:
        for split in info.get("splits") or []:
            if split.get("name") == SPLIT and isinstance(split.get("num_examples"), int):
                out[str(info.get("config_name"))] = split["num_examples"]
    return out


def _load_worker(folder: str, out_dir: str) -> None:
    """Runs in the offline subprocess: load both configs, write them to parquet, report.

    Writes ``out_dir/load.json`` with ``problems`` (a config that does not load, or whose
    features differ from the contract) and ``{config}.parquet`` for the configs that load.
    """
    import datasets

    report: dict[str, Any] = {"problems": [], "loaded": []}
    for config, (_dir, features) in CONFIGS.items():
        args = (folder,) if config == next(iter(CONFIGS)) else (folder, config)
        label = "the default config" if len(args) == 1 else f"config {config!r}"
        try:
            dsd = datasets.load_dataset(*args, cache_dir=os.path.join(out_dir, "cache"))
        except Exception as exc:  # any failure to load is a validation problem
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            report["problems"].append(
                f"{label} does not load with datasets.load_dataset: {type(exc).__name__}: {first}"
            )
            continue
        if set(dsd) != {SPLIT}:
            report["problems"].append(f"{label} has splits {sorted(dsd)}, expected [{SPLIT!r}]")
            continue
        ds = dsd[SPLIT]
        if ds.features != features:
            report["problems"].append(f"{label} features differ from the published schema")
            continue
        ds.to_parquet(os.path.join(out_dir, f"{config}.parquet"))
        report["loaded"].append(config)
    Path(out_dir, "load.json").write_text(json.dumps(report), encoding="utf-8")


def load_offline(folder: Path, workdir: Path) -> tuple[dict[str, Any], list[str]]:
    """Load both configs in a clean offline subprocess; return (tables, problems)."""
    import pandas as pd

    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")}
    env.update(
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        HF_HOME=str(workdir / "hf_home"),
        HF_DATASETS_CACHE=str(workdir / "hf_datasets_cache"),
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_DATASETS_DISABLE_PROGRESS_BARS="1",
        PYTHONPATH=os.pathsep.join(
            [str(Path(pipeline.__file__).resolve().parent.parent)]
            + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
        ),
    )
    code = (
        "import sys\nfrom pipeline.build.publish import _load_worker\n_load_worker(*sys.argv[1:])"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, str(folder.resolve()), str(workdir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=LOAD_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {}, [f"loading the folder with datasets took more than {LOAD_TIMEOUT_S} s"]
    report_path = workdir / "load.json"
    if proc.returncode != 0 or not report_path.exists():
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        return {}, [f"the offline load check crashed (exit {proc.returncode}): {tail}"]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    tables = {c: pd.read_parquet(workdir / f"{c}.parquet") for c in report["loaded"]}
    return tables, list(report["problems"])


def _value_id(label: Any) -> Any:
    """A ClassLabel int back to its value id (an out-of-range label stays visibly wrong)."""
    try:
        i = int(label)
    except (TypeError, ValueError):
        return f"<label {label!r}>"
    return VALUE_IDS[i] if 0 <= i < len(VALUE_IDS) else f"<label {i}>"


def table_problems(tables: dict[str, Any], declared: dict[str, int], params: Params) -> list[str]:
    """Release checks on the loaded tables, plus card counts and config agreement."""
    problems: list[str] = []
    for config, df in tables.items():
        if config in declared and declared[config] != len(df):
            problems.append(
                f"config {config!r} has {len(df)} rows, the card declares {declared[config]}"
            )
    if set(tables) != set(CONFIGS):
        return problems
    scenarios, options = tables["scenarios"].copy(), tables["options"].copy()
    options["value"] = options["value"].map(_value_id)
    ap = params.assemble
    expected = None if ap.allow_smaller else ap.scenarios
    problems += release_problems(scenarios, options, expected, ap.options_per_scenario)
    nested = {
        (r.scenario_id, o["option_id"], o["text"], _value_id(o["value"]))
        for r in scenarios.itertuples(index=False)
        for o in r.options
    }
    flat = set(options[["scenario_id", "option_id", "text", "value"]].itertuples(index=False))
    differ = len(nested ^ {tuple(t) for t in flat})
    if differ:
        problems.append(
            f"the scenarios config's nested options and the options config differ ({differ} rows)"
        )
    return problems


def validation_problems(
    folder: Path, params: Params, files: list[LocalFile] | None = None
) -> list[str]:
    """Every reason not to publish ``folder``; empty when it is publishable. No network."""
    files = local_files(folder) if files is None else files
    problems = card_problems(folder, files)
    if problems:
        return problems + ["(the offline load check was skipped: fix the card first)"]
    declared = declared_rows(read_card_metadata(folder / "README.md"))
    with tempfile.TemporaryDirectory(prefix="valact-publish-") as tmp:
        tables, load_problems = load_offline(folder, Path(tmp))
        problems += load_problems
        problems += table_problems(tables, declared, params)
    return problems


# -- version ----------------------------------------------------------------------------------
def _run_git(root: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """``git args`` in ``root`` (no optional index writes); None when git cannot run."""
    try:
        return subprocess.run(
            ["git", "--no-optional-locks", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def _git(root: Path, *args: str) -> str | None:
    proc = _run_git(root, *args)
    return proc.stdout.strip() if proc is not None and proc.returncode == 0 else None


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else "no message"


def parse_porcelain(out: str) -> list[str]:
    """``git status --porcelain -z`` output as ``path (state)`` entries, in git's order."""
    entries = out.split("\0")
    changes, i = [], 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:  # the trailing empty entry
            continue
        xy, path = entry[:2], entry[3:]
        if xy == "??":
            state = "untracked"
        elif "U" in xy or xy in ("AA", "DD"):
            state = "unmerged"
        else:
            code = xy[0] if xy[0] != " " else xy[1]
            state = _GIT_STATES.get(code, f"status {xy.strip()}")
        if xy[0] in "RC":  # renames and copies: the next entry is the old path
            state = f"{state} from {entries[i]}" if i < len(entries) else state
            i += 1
        changes.append(f"{path} ({state})")
    return changes


def git_state(root: Path) -> tuple[str | None, bool | None, tuple[str, ...], str | None]:
    """(commit, dirty, dirty paths, note) of the repository holding ``root``.

    Dirty: anything ``git status --porcelain`` lists, untracked files included (ignored
    paths are not), whatever ``status.showUntrackedFiles`` says. Outside a repository, or
    without git, the commit and dirtiness are unknown (None) and the note says why. When
    git cannot list the changes of a repository, the tree counts as dirty.
    """
    inside = _run_git(root, "rev-parse", "--is-inside-work-tree")
    if inside is None:
        return None, None, (), "git is not installed (or did not answer)"
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        err = inside.stderr.strip()
        if inside.returncode != 0 and "not a git repository" not in err:
            return None, None, (), f"git failed: {_first_line(err)}"
        return None, None, (), "not a git repository"
    sha = _git(root, "rev-parse", "--verify", "--quiet", "HEAD") or None
    note = None if sha else "no commit yet"
    status = _run_git(root, "status", "--porcelain", "-z", "--untracked-files=normal")
    if status is None or status.returncode != 0:
        why = _first_line(status.stderr) if status is not None else "git did not answer"
        return sha, True, (), f"`git status` failed, the tree counts as dirty: {why}"
    changes = tuple(parse_porcelain(status.stdout))
    return sha, bool(changes), changes, note


def dataset_version(params: Params, root: Path) -> DatasetVersion:
    sha, dirty, changes, note = git_state(root)
    lock = root / "dvc.lock"
    md5 = None
    if lock.is_file():
        md5 = hashlib.md5(lock.read_bytes(), usedforsecurity=False).hexdigest()
    return DatasetVersion(
        name=params.build.name,
        version=params.build.version,
        git_commit=sha,
        git_dirty=dirty,
        dvc_lock_md5=md5,
        dirty_paths=changes,
        git_note=note,
    )


# -- Hub ------------------------------------------------------------------------------------------
def resolve_token(token: str | None) -> str:
    """The explicit token, else ``HF_TOKEN``, else the saved login; never logged."""
    from huggingface_hub import get_token

    token = token or get_token()
    if not token:
        raise PublishError(
            "no Hugging Face token: set HF_TOKEN or log in with `hf auth login` "
            "(the token needs write access to the dataset repo); `--dry-run` needs none"
        )
    return token


def _check_repo_id(repo_id: str) -> None:
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        raise PublishError(f"invalid repo id {repo_id!r}: {exc}") from None
    if repo_id.count("/") != 1:
        raise PublishError(f"repo id {repo_id!r} must be 'namespace/name'")


@contextlib.contextmanager
def _commit_urls_parsed_against(endpoint: str) -> Iterator[None]:
    """Make ``huggingface_hub`` parse commit URLs against ``endpoint``.

    huggingface_hub 0.36 builds ``CommitInfo.repo_url`` with the global
    ``constants.ENDPOINT`` instead of the ``HfApi`` endpoint, so ``create_commit`` fails
    against any endpoint other than the one of ``HF_ENDPOINT`` at import time (fixed
    upstream in huggingface/huggingface_hub#3679). Scoped and restored.
    """
    from huggingface_hub import constants

    old = constants.ENDPOINT
    constants.ENDPOINT = endpoint
    try:
        yield
    finally:
        constants.ENDPOINT = old


def publish(
    folder: Path,
    repo_id: str,
    *,
    private: bool,
    token: str | None = None,
    dry_run: bool = False,
    endpoint: str | None = None,
    version_message: str | None = None,
    params: Params | None = None,
    root: Path | None = None,
    allow_dirty: bool = False,
) -> PublishResult:
    """Validate ``folder`` and push it to the dataset repo ``repo_id`` as one commit.

    ``params`` defaults to ``params.yaml`` (for the expected counts and the version);
    ``root`` is the repository whose git commit and ``dvc.lock`` name the version (default:
    the working directory); ``version_message`` replaces the generated commit message;
    ``endpoint`` defaults to ``HF_ENDPOINT``, else the public Hub. A dirty work tree in
    ``root`` refuses a real publish unless ``allow_dirty`` (a dry run only warns); the
    warnings are in ``PublishResult.warnings``.
    Raises ``DirtyTreeError`` or ``ValidationError`` (nothing sent), or ``PublishError``.
    """
    params = load_params() if params is None else params
    root = Path.cwd() if root is None else root
    _check_repo_id(repo_id)
    version = dataset_version(params, root)
    if version.git_dirty and not dry_run and not allow_dirty:
        raise DirtyTreeError(root, version)
    warnings = version.warnings(root, dry_run=dry_run, allow_dirty=allow_dirty)
    for w in warnings:
        log.warning(w)
    files = local_files(folder)
    log.info("validating %s (%d files)", folder, len(files))
    problems = validation_problems(folder, params, files)
    if problems:
        raise ValidationError(folder, problems)
    message = version_message or version.message
    if dry_run:
        return PublishResult(
            repo_id=repo_id,
            dry_run=True,
            commit_message=message,
            files=tuple(files),
            warnings=tuple(warnings),
        )

    token = resolve_token(token)
    hub = (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_HUB).rstrip("/")
    try:
        with _commit_urls_parsed_against(hub):
            result = _push(folder, repo_id, private, token, hub, files, message, version)
            return replace(result, warnings=(*warnings, *result.warnings))
    except PublishError:
        raise
    except Exception as exc:
        from huggingface_hub.errors import HfHubHTTPError

        if isinstance(exc, HfHubHTTPError | OSError | ValueError):
            raise PublishError(f"publishing to {hub} failed: {type(exc).__name__}: {exc}") from exc
        raise


def _push(
    folder: Path,
    repo_id: str,
    private: bool,
    token: str,
    endpoint: str,
    files: list[LocalFile],
    message: str,
    version: DatasetVersion,
) -> PublishResult:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    api = HfApi(endpoint=endpoint, token=token)
    repo_url = api.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True)
    info = api.repo_info(repo_id, repo_type=REPO_TYPE, revision="main")
    warnings: list[str] = []
    if info.private is not None and info.private != private:
        warnings.append(
            f"{repo_id} already exists and is {'private' if info.private else 'public'}; "
            f"publish.private is {private}: visibility left unchanged (change it on the Hub)"
        )
        log.warning(warnings[-1])
    remote = api.list_repo_files(repo_id, repo_type=REPO_TYPE, revision=info.sha or "main")
    local = {f.path for f in files}
    deleted = sorted(set(remote) - local - PROTECTED_REMOTE_FILES)
    operations: list[CommitOperationAdd | CommitOperationDelete] = [
        CommitOperationAdd(path_in_repo=f.path, path_or_fileobj=str(f.local_path))
        for f in files
        if f.path != "README.md"
    ]
    card = stamp_card((folder / "README.md").read_text(encoding="utf-8"), version)
    operations.insert(0, CommitOperationAdd("README.md", card.encode("utf-8")))
    operations += [CommitOperationDelete(path_in_repo=p) for p in deleted]
    log.info(
        "uploading %d files (%d bytes) to %s, deleting %d remote files, as one commit: %s",
        len(files),
        sum(f.size for f in files),
        repo_id,
        len(deleted),
        message,
    )
    commit = api.create_commit(
        repo_id,
        operations,
        commit_message=message,
        commit_description=version.description(files),
        repo_type=REPO_TYPE,
        revision="main",
        parent_commit=info.sha,
    )
    changed = commit.oid != info.sha
    if not changed:
        log.info("the Hub already holds exactly these files: no new commit")
    return PublishResult(
        repo_id=repo_id,
        dry_run=False,
        commit_message=message,
        files=tuple(files),
        url=str(repo_url),
        deleted=tuple(deleted),
        commit_oid=commit.oid,
        commit_url=commit.commit_url if changed else None,
        changed=changed,
        private=info.private,
        warnings=tuple(warnings),
    )


# -- command --------------------------------------------------------------------------------------
def _echo(text: str, err: bool = False) -> None:
    print(text, file=sys.stderr if err else sys.stdout, flush=True)


def publish_command(dry_run: bool, repo_id: str | None, allow_dirty: bool = False) -> int:
    """``valact publish [--dry-run] [--repo-id X] [--allow-dirty]``: 0 on success, 1 when
    refused or failed (a dirty work tree is refused unless ``allow_dirty``; a dry run warns)."""
    try:
        params = load_params()
    except ParamsError as exc:
        _echo(f"valact publish: {exc}", err=True)
        return 1
    folder = paths.DATASET_DIR
    repo = repo_id or params.publish.repo_id
    visibility = "private" if params.publish.private else "public"
    what = "dry run: would publish" if dry_run else "publishing"
    _echo(f"{what} {folder}/ to the {visibility} dataset repo {repo}")
    try:
        result = publish(
            folder,
            repo,
            private=params.publish.private,
            dry_run=dry_run,
            params=params,
            allow_dirty=allow_dirty,
        )
    except ValidationError as exc:
        _echo(f"valact publish: {exc}", err=True)
        return 1
    except PublishError as exc:
        _echo(f"valact publish: {exc}", err=True)
        return 1
    label = "would upload" if dry_run else "published"
    _echo(f"{label} {len(result.files)} files, {result.total_bytes:,} bytes:")
    for f in result.files:
        _echo(f"  {f.size:>12,}  {f.path}")
    _echo(f"commit message: {result.commit_message}")
    for w in result.warnings:
        _echo(f"warning: {w}", err=True)
    if dry_run:
        _echo(
            "remote files not in the folder would be deleted (except .gitattributes); "
            "nothing was sent (no token needed)"
        )
        return 0
    if result.deleted:
        _echo(f"deleted {len(result.deleted)} remote files: {', '.join(result.deleted)}")
    if result.changed:
        _echo(f"committed {result.commit_oid}: {result.commit_url}")
    else:
        _echo(f"nothing changed: the Hub already holds this folder (head {result.commit_oid})")
    _echo(f"dataset: {result.url}")
    return 0
