"""The stage registry: the one list of the pipeline's stages, in order.

Each :class:`Stage` says what the stage is (its ``valact`` command and help line), where its
code is (``pipeline/<name>/stage.py``, imported only when the stage runs), what it reads and
writes (paths from :mod:`pipeline.paths`), which params keys change its data (the
``params:`` of its ``dvc.yaml`` entry; execution settings such as ``clean.workers`` are left
out on purpose, see ``params.EXECUTION_KEYS``) and the record its metrics file holds
(:mod:`pipeline.stage_metrics`).

From this list come the ``valact <stage>`` commands (``pipeline/cli.py``) and the stage
metrics that build reads; ``tests/test_stage_registry.py`` checks ``dvc.yaml`` against it:
the same stages in the same order, each with ``cmd: valact <name>``, exactly these params,
these inputs among its deps, these outputs and metrics, and every module the stage's code
imports (followed through the package, the command line included) covered by a dep.

Light on purpose (paths and dataclasses only): the CLI imports it at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import paths
from pipeline.stage_metrics import (
    AnnotateMetrics,
    AssembleMetrics,
    CleanMetrics,
    DedupeMetrics,
    IngestMetrics,
    ReviewMetrics,
    StageMetrics,
)

if TYPE_CHECKING:
    from pipeline.params import Params


@dataclass(frozen=True)
class Stage:
    name: str
    help: str  # the command's help line (`valact --help`)
    inputs: tuple[Path, ...]  # artifacts (and tracked folders) the stage reads
    outputs: tuple[Path, ...]  # artifacts it writes (its metrics file apart)
    params: tuple[str, ...]  # the params keys (dotted, or whole sections) that change its data
    metrics: type[StageMetrics] | None  # the record of metrics/<name>.json (build: None)
    metrics_file: Path  # what dvc.yaml lists under the stage's `metrics:`

    @property
    def module(self) -> str:
        return f"pipeline.{self.name}.stage"

    @property
    def number(self) -> int:
        return STAGES.index(self) + 1

    def run(self, params: Params, **kwargs: Any) -> dict[str, Any]:
        """The stage's ``run(params, ..., progress=...)``, imported now (not at start-up)."""
        run: Callable[..., dict[str, Any]] = importlib.import_module(self.module).run
        return run(params, **kwargs)


def _metrics_file(name: str) -> Path:
    return paths.STAGE_METRICS_DIR / f"{name}.json"


STAGES: tuple[Stage, ...] = (
    Stage(
        name="ingest",
        help="read the sample, dump files or the Reddit API into raw/posts.parquet.",
        inputs=(Path("raw/sample"),),
        outputs=(paths.RAW_POSTS,),
        params=(
            "ingest.source", "ingest.sample_dir", "ingest.paths", "ingest.subreddits",
            "ingest.since", "ingest.until", "ingest.max_bad_fraction",
            "ingest.allow_damaged_files", "ingest.reddit",
        ),
        metrics=IngestMetrics,
        metrics_file=_metrics_file("ingest"),
    ),
    Stage(
        name="clean",
        help="filter, normalize and scrub posts (interim/clean.parquet, rejected.parquet).",
        inputs=(paths.RAW_POSTS,),
        outputs=(paths.CLEAN, paths.REJECTED),
        params=(
            "clean.min_words", "clean.max_words", "clean.language",
            "clean.min_language_confidence", "clean.drop_nsfw", "clean.drop_stickied",
            "clean.drop_moderator", "clean.bot_authors", "clean.max_link_share",
            "clean.max_code_share", "clean.max_list_share", "clean.require_advice",
            "clean.advice_subreddits", "clean.keep_edit_notes", "clean.subreddit_links",
            "clean.spacy_model",
            "ingest.source",  # sample: a fixed author-key secret (its authors are invented)
        ),
        metrics=CleanMetrics,
        metrics_file=_metrics_file("clean"),
    ),
    Stage(
        name="dedupe",
        help="remove exact and near duplicates (interim/unique.parquet, duplicates.parquet).",
        inputs=(paths.CLEAN,),
        outputs=(paths.UNIQUE, paths.DUPLICATES),
        params=("seed", "dedupe"),
        metrics=DedupeMetrics,
        metrics_file=_metrics_file("dedupe"),
    ),
    Stage(
        name="annotate",
        help="write scenarios and value-laden options (interim/annotations.parquet).",
        inputs=(paths.UNIQUE,),
        outputs=(paths.ANNOTATIONS,),
        params=(
            "seed", "annotate.provider", "annotate.model", "annotate.base_url",
            "annotate.response_format", "annotate.oversample", "annotate.temperature",
            "annotate.max_tokens", "annotate.min_relevance", "annotate.mode",
            "annotate.budget_usd", "annotate.verify", "annotate.verify_model",
            "annotate.max_attempts", "annotate.price_input_per_m",
            "annotate.price_output_per_m", "annotate.cache_namespace", "annotate.allow_errors",
            "assemble.scenarios",
        ),
        metrics=AnnotateMetrics,
        metrics_file=_metrics_file("annotate"),
    ),
    Stage(
        name="review",
        help="replay review/decisions/*.jsonl; write interim/reviewed.parquet and the queue.",
        inputs=(paths.ANNOTATIONS, paths.DECISIONS_DIR),
        outputs=(paths.REVIEWED, paths.REVIEW_QUEUE),
        params=("seed", "review"),
        metrics=ReviewMetrics,
        metrics_file=_metrics_file("review"),
    ),
    Stage(
        name="assemble",
        help="choose N scenarios x k options, balanced over values (interim/selected.parquet).",
        # post dates come with the reviewed rows; annotate's metrics: the shortfall message
        inputs=(paths.REVIEWED, paths.WITHDRAWN, _metrics_file("annotate")),
        outputs=(paths.SELECTED, paths.PREVIOUS_RELEASE),
        params=("seed", "assemble", "annotate.oversample"),
        metrics=AssembleMetrics,
        metrics_file=_metrics_file("assemble"),
    ),
    Stage(
        name="build",
        help="write the Hugging Face dataset folder processed/valact-15k/ and metrics.",
        inputs=(paths.SELECTED, paths.PREVIOUS_RELEASE, paths.WITHDRAWN),
        outputs=(paths.DATASET_DIR,),
        params=(
            "build", "assemble.scenarios", "assemble.options_per_scenario",
            "assemble.allow_smaller",
        ),
        metrics=None,  # processed/metrics.json: the release's figures, written by build
        metrics_file=paths.METRICS,
    ),
)

# Folders of data files (not modules) that stages read at run time: code deps in dvc.yaml
# that no import reaches (the scrubber's word lists, read by clean and by build's check).
DATA_FOLDERS: tuple[str, ...] = ("pipeline/clean/data",)

BY_NAME: dict[str, Stage] = {s.name: s for s in STAGES}
NAMES: tuple[str, ...] = tuple(s.name for s in STAGES)

# The stages whose metrics build reads (every stage before it): from the registry, in order.
UPSTREAM_OF_BUILD: tuple[Stage, ...] = tuple(s for s in STAGES if s.metrics is not None)


def get(name: str) -> Stage:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no stage {name!r}; the stages are {', '.join(NAMES)}") from None
