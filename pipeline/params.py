"""Typed view of ``params.yaml``: the one place stage parameters are defined.

Each stage reads only its own section (plus ``seed``), and ``dvc.yaml`` declares those keys
but the execution settings (:data:`EXECUTION_KEYS`: workers, concurrency, rate limits,
timeouts), so changing a parameter reruns only the stages whose output it can change. Every
stage still loads and checks the whole file, every section, and unknown keys are an error: a typo in
``params.yaml`` must not be silently ignored. A misspelled top-level section (``buidl:``)
is read by no stage, so ``dvc repro`` alone would not notice it: ``valact params check``
(run by ``make run`` before ``dvc repro``) and ``valact summary`` do.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml

PARAMS_FILE = Path("params.yaml")

# Settings that change how a stage runs, never what it writes: dvc.yaml declares every other
# key of a stage's section (dotted keys), so changing one of these reruns nothing.
EXECUTION_KEYS: frozenset[str] = frozenset({
    "ingest.workers",
    "clean.workers",
    "annotate.concurrency",
    "annotate.timeout",
    "annotate.rpm",
    "annotate.tpm",
    "annotate.batch_poll_interval",
    "annotate.batch_max_wait",
})
# The section that says where ingest, clean and dedupe run (local pool or Dask): declared by
# no stage, so switching engines reruns nothing.
EXECUTION_SECTION = "execution"


def is_execution_setting(key: str) -> bool:
    """Whether the dotted params key changes how a stage runs, never what it writes: one of
    :data:`EXECUTION_KEYS` or a key of the :data:`EXECUTION_SECTION`."""
    return key in EXECUTION_KEYS or key.split(".", 1)[0] == EXECUTION_SECTION

T = TypeVar("T")


class ParamsError(ValueError):
    """params.yaml is missing a key, has an unknown one, or a value of the wrong type."""


@dataclass(frozen=True)
class RedditParams:
    listings: tuple[str, ...] = ("new", "top:all", "top:year", "top:month", "search")
    limit_per_listing: int | None = 1000
    site_name: str | None = None


@dataclass(frozen=True)
class IngestParams:
    source: Literal["sample", "dump", "reddit"] = "sample"
    paths: tuple[str, ...] = ()
    sample_dir: str = "raw/sample"
    subreddits: tuple[str, ...] = ()
    since: int | None = None
    until: int | None = None
    max_bad_fraction: float = 0.01
    allow_damaged_files: bool = False  # true: keep what precedes the damage, record it
    workers: int | None = None
    reddit: RedditParams = field(default_factory=RedditParams)


@dataclass(frozen=True)
class CleanParams:
    min_words: int = 40
    max_words: int = 1500
    language: str = "en"
    min_language_confidence: float = 0.5
    drop_nsfw: bool = True
    drop_stickied: bool = True
    drop_moderator: bool = True
    bot_authors: tuple[str, ...] = ("AutoModerator",)
    max_link_share: float = 0.3
    max_code_share: float = 0.5
    max_list_share: float = 0.7
    require_advice: bool = True
    # subreddits where a post describing a problem is a request; None = the built-in list
    advice_subreddits: tuple[str, ...] | None = None
    keep_edit_notes: bool = False
    subreddit_links: bool = False
    spacy_model: str | None = None
    workers: int | None = None  # processes; None = all cores (one batch runs in-process)


@dataclass(frozen=True)
class DedupeParams:
    near: bool = True
    threshold: float = 85.0
    min_length_ratio: float = 0.6
    keep: Literal["earliest", "longest"] = "earliest"


@dataclass(frozen=True)
class AnnotateParams:
    provider: Literal["offline", "openai"] = "offline"
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    concurrency: int = 16
    # how structured outputs are asked for; auto = detect per server and model, remembered
    response_format: Literal[
        "auto", "json_schema", "json_object_schema", "json_object", "text"
    ] = "auto"
    oversample: float = 1.5
    temperature: float = 0.0
    max_tokens: int = 1200
    min_relevance: float = 0.0
    mode: Literal["online", "batch"] = "online"
    budget_usd: float | None = None
    # provider: openai only (see pipeline/annotate/llm_annotator.py)
    verify: bool = True  # the blind verification call (verified_value per option)
    verify_model: str | None = None  # null = model
    rpm: float | None = None  # requests per minute cap (null = none)
    tpm: float | None = None  # tokens per minute cap (null = none)
    timeout: float = 120.0  # seconds per request
    max_attempts: int = 6  # per request: retries of 429/5xx/timeouts included
    price_input_per_m: float | None = None  # USD per 1M tokens, for a model not in the table
    price_output_per_m: float | None = None
    cache_namespace: str | None = None  # keeps apart different weights under one model name
    batch_poll_interval: float = 30.0  # seconds between Batch API polls (mode: batch)
    batch_max_wait: float | None = None  # stop polling after this long (rerun resumes)
    allow_errors: bool = False  # false: posts ending in "error" fail the stage after writing


@dataclass(frozen=True)
class ReviewParams:
    audit_rate: float = 0.05
    publish_unreviewed: bool = True
    low_relevance: float = 0.4
    overlap_rate: float = 0.1  # decided items sent to a second reviewer (agreement sample)


@dataclass(frozen=True)
class AssembleParams:
    scenarios: int = 3000
    options_per_scenario: int = 5
    allow_smaller: bool = False
    max_subreddit_share: float = 0.5
    max_year_share: float = 0.5  # of the post's calendar year (UTC)
    # the release this build extends: a dataset folder, or a Hub `owner/name@revision`
    previous_release: str | None = None


@dataclass(frozen=True)
class BuildParams:
    name: str = "ValAct-15k"
    version: str = "0.1.0"
    license: str = "cc-by-4.0"
    rows_per_shard: int = 50_000


@dataclass(frozen=True)
class PublishParams:
    repo_id: str = "valact/valact-15k"
    private: bool = False


@dataclass(frozen=True)
class ExecutionParams:
    """How ingest, clean and dedupe run, never what they write: no stage declares this
    section, so switching engines reruns nothing (the outputs are identical)."""

    engine: Literal["local", "dask"] = "local"
    # a Dask scheduler ("tcp://host:8786"); null = DASK_SCHEDULER_ADDRESS if set, else a
    # LocalCluster on this host
    address: str | None = None


@dataclass(frozen=True)
class Params:
    seed: int = 13
    ingest: IngestParams = field(default_factory=IngestParams)
    clean: CleanParams = field(default_factory=CleanParams)
    dedupe: DedupeParams = field(default_factory=DedupeParams)
    annotate: AnnotateParams = field(default_factory=AnnotateParams)
    review: ReviewParams = field(default_factory=ReviewParams)
    assemble: AssembleParams = field(default_factory=AssembleParams)
    build: BuildParams = field(default_factory=BuildParams)
    publish: PublishParams = field(default_factory=PublishParams)
    execution: ExecutionParams = field(default_factory=ExecutionParams)


def _coerce(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if dataclasses.is_dataclass(tp):
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ParamsError(f"{where}: expected a mapping, got {value!r}")
        return _build(tp, value, where)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        return _coerce(value, non_none[0], where)
    if origin is Literal:
        if value not in args:
            raise ParamsError(f"{where}: {value!r} is not one of {list(args)}")
        return value
    if origin is tuple:
        if value is None:
            return ()
        if not isinstance(value, list | tuple):
            raise ParamsError(f"{where}: expected a list, got {value!r}")
        return tuple(_coerce(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamsError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamsError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ParamsError(f"{where}: expected true/false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ParamsError(f"{where}: expected a string, got {value!r}")
        return value
    return value


def _did_you_mean(key: object, names: set[str]) -> str:
    """`` (did you mean 'build'?)`` for the closest known name, or ""."""
    close = difflib.get_close_matches(str(key), sorted(names), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown_sections_message(path: Path, unknown: list[str], names: set[str]) -> str:
    sections = ", ".join(f"{k!r}{_did_you_mean(k, names)}" for k in unknown)
    return (
        f"{path}: unknown top-level section{'s' if len(unknown) > 1 else ''} {sections}; "
        f"known: {', '.join(sorted(names))}"
    )


def _build(cls: type[T], data: dict[str, Any], where: str) -> T:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted((k for k in data if k not in names), key=str)
    if unknown and not where:  # the top level: its sections (and seed)
        raise ParamsError(_unknown_sections_message(PARAMS_FILE, unknown, names))
    if unknown:
        keys = ", ".join(f"{k}{_did_you_mean(k, names)}" for k in unknown)
        raise ParamsError(f"{where}: unknown key(s) {keys}; known: {', '.join(sorted(names))}")
    kwargs = {k: _coerce(v, hints[k], f"{where}.{k}" if where else k) for k, v in data.items()}
    return cls(**kwargs)


def load_params(path: Path = PARAMS_FILE) -> Params:
    """Read and validate params.yaml (missing keys take the documented defaults)."""
    if not path.exists():
        raise ParamsError(f"{path} not found: run from the repository root")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping at the top level")
    sections = {f.name for f in dataclasses.fields(Params)}
    unknown = sorted((k for k in data if k not in sections), key=str)
    if unknown:  # named with the file, before any section is read
        raise ParamsError(_unknown_sections_message(path, unknown, sections))
    return _build(Params, data, "")


def as_dict(obj: Any) -> dict[str, Any]:
    """A params dataclass as plain JSON-ready data (tuples as lists)."""
    return json_ready(dataclasses.asdict(obj))


def json_ready(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: json_ready(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [json_ready(v) for v in x]
    return x
