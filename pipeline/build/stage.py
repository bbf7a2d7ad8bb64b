"""Stage 7, build: the Hugging Face dataset folder ``processed/valact-15k/`` and metrics.

Writes exactly what ``push_to_hub`` would: parquet shards (with the ``datasets``
features, ClassLabel included, embedded) under ``data/`` (config ``scenarios``, the
default) and ``options/`` (config ``options``), and a ``README.md`` dataset card whose
YAML has ``configs`` and ``dataset_info``. The folder is built aside and swapped in.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from datasets import Dataset, DatasetInfo
from datasets.info import DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

from pipeline import paths
from pipeline.artifacts import atomic_dir, dumps_json, read_frame, write_json
from pipeline.build.card import render_card
from pipeline.build.checks import release_problems
from pipeline.build.features import CONFIGS, SPLIT
from pipeline.build.plot import plot_value_distribution
from pipeline.options_format import items
from pipeline.params import Params, as_dict
from pipeline.progress import progress_bar
from pipeline.release.changes import diff_releases
from pipeline.release.withdrawals import Withdrawal, read_withdrawals
from pipeline.schemas import PREVIOUS_RELEASE, SELECTED
from pipeline.stage_metrics import UpstreamMetrics
from pipeline.stage_metrics import read as read_metrics
from pipeline.stages import UPSTREAM_OF_BUILD
from pipeline.values import VALUE_IDS

log = logging.getLogger("valact.build")


class ReleaseError(RuntimeError):
    """The final data fails a release check; nothing is written."""


def tables(selected: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two published configs from interim/selected.parquet."""
    sel = selected.sort_values(["scenario_id", "option_id"])
    options = sel[["scenario_id", "option_id", "text", "value", "created_month"]].reset_index(
        drop=True
    )
    scen_rows = []
    for item in items(sel, "scenario_id"):
        first = item.rows[0]
        scen_rows.append(
            {
                "scenario_id": item.key,
                "subreddit": first["subreddit"],
                "post_id": first["post_id"],
                "scenario": first["scenario"],
                "question": first["question"],
                "options": [
                    {"option_id": r["option_id"], "text": r["text"], "value": r["value"]}
                    for r in item.rows
                ],
                "annotator": first["annotator"],
                "prompt_version": first["prompt_version"],
                "review_status": first["review_status"],
                "created_month": first["created_month"],
            }
        )
    return pd.DataFrame(scen_rows), options


def _to_dataset(df: pd.DataFrame, config: str) -> Dataset:
    _folder, features = CONFIGS[config]
    records = df.to_dict(orient="records")
    if config == "scenarios":
        for r in records:
            r["options"] = [{**o, "value": VALUE_IDS.index(o["value"])} for o in r["options"]]
    else:
        for r in records:
            r["value"] = VALUE_IDS.index(r["value"])
    return Dataset.from_list(records, features=features)


@contextlib.contextmanager
def _datasets_bars_off() -> Iterator[None]:
    """The datasets library's own progress bars off, then as they were."""
    import datasets

    was_enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if was_enabled:
            datasets.enable_progress_bars()


def write_dataset_folder(
    datasets_by_config: dict[str, Dataset], folder: Path, rows_per_shard: int,
    progress: bool = False,
) -> tuple[dict[str, dict[str, int]], DatasetCardData]:
    """Write parquet shards per config; return their sizes and the card's YAML metadata.

    The datasets library's own "Creating parquet from Arrow format" bars are off; one bar
    counts the shards written.
    """
    shard_counts = {
        c: max(1, math.ceil(len(ds) / rows_per_shard)) for c, ds in datasets_by_config.items()
    }
    bar = progress_bar(total=sum(shard_counts.values()), desc="build: shards", unit="shard",
                       disable=not progress)
    card_data = DatasetCardData()
    infos: dict[str, DatasetInfo] = {}
    configs: dict[str, dict[str, Any]] = {}
    sizes: dict[str, dict[str, int]] = {}
    for i, (config, ds) in enumerate(datasets_by_config.items()):
        data_dir = CONFIGS[config][0]
        (folder / data_dir).mkdir(parents=True, exist_ok=True)
        n_shards = shard_counts[config]
        with _datasets_bars_off():
            for s in range(n_shards):
                shard = ds.shard(num_shards=n_shards, index=s, contiguous=True)
                shard.to_parquet(folder / data_dir / f"{SPLIT}-{s:05d}-of-{n_shards:05d}.parquet")
                bar.update(1)
        nbytes = ds.data.nbytes
        info = DatasetInfo(features=ds.features)
        info.splits = SplitDict(
            {SPLIT: SplitInfo(SPLIT, num_bytes=nbytes, num_examples=len(ds), dataset_name=None)}
        )
        info.download_size = sum(p.stat().st_size for p in (folder / data_dir).glob("*.parquet"))
        info.dataset_size = nbytes
        infos[config] = info
        configs[config] = {"data_files": [{"split": SPLIT, "path": f"{data_dir}/{SPLIT}-*"}]}
        if i == 0:
            configs[config]["default"] = True
        sizes[config] = {"rows": len(ds), "shards": n_shards}
    bar.close()
    DatasetInfosDict(infos).to_dataset_card_data(card_data)
    MetadataConfigs(configs).to_dataset_card_data(card_data)
    return sizes, card_data


def read_stage_metrics(folder: Path = paths.STAGE_METRICS_DIR) -> UpstreamMetrics:
    """The metrics of every stage before build (the registry's list), as typed records."""
    return UpstreamMetrics(
        # (`if s.metrics`: only narrows the type; every upstream stage has a record)
        **{s.name: read_metrics(s.metrics, folder) for s in UPSTREAM_OF_BUILD if s.metrics}
    )


def nothing_selected_message(stage_metrics: UpstreamMetrics, k: int) -> str:
    """Why there is no dataset to build: the funnel's figures, stage by stage, and what to do."""
    annotate, assemble = stage_metrics.annotate, stage_metrics.assemble
    by_status = annotate.by_status
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items())) or "no figures"
    return (
        "nothing to build: assemble selected 0 scenarios "
        f"(target {assemble.target_scenarios}, "
        f"{assemble.candidates} candidate posts with >= {k} distinct values after "
        f"review). Annotate's {annotate.posts_sampled} posts ended as: {statuses}. "
        "A post becomes a candidate when its annotation is ok and keeps options for at least "
        f"{k} different values; see `valact summary` and interim/annotations.parquet "
        "(status, status_detail). Fix the cause (another model, more posts: "
        "annotate.oversample, ingest more) and run `dvc repro` again."
    )


def release_changes(
    selected: pd.DataFrame,
    previous_src: Path,
    withdrawals: dict[str, Withdrawal],
    previous_info: dict[str, Any] | None,
    version: str,
) -> dict[str, Any]:
    """CHANGES.json: this build against the release it extends (or a first release)."""
    if not previous_info:
        return diff_releases(None, selected, withdrawals, new_version=version)
    previous = read_frame(previous_src, PREVIOUS_RELEASE)
    old_version = previous_info.get("version")
    if old_version == version:
        raise ReleaseError(
            f"build.version {version!r} is the version of the previous release "
            f"({previous_info.get('ref')}): raise build.version for the new release"
        )
    return diff_releases(
        previous, selected, withdrawals,
        old_version=old_version, new_version=version, old_ref=previous_info.get("ref"),
    )


def run(
    params: Params,
    src: Path = paths.SELECTED,
    out_dir: Path = paths.DATASET_DIR,
    metrics_out: Path = paths.METRICS,
    previous_src: Path = paths.PREVIOUS_RELEASE,
    withdrawn_src: Path = paths.WITHDRAWN,
    progress: bool = True,
) -> dict[str, Any]:
    bp, ap = params.build, params.assemble
    selected = read_frame(src, SELECTED)
    stage_metrics = read_stage_metrics()
    if selected.empty:
        raise ReleaseError(nothing_selected_message(stage_metrics, ap.options_per_scenario))
    withdrawals = read_withdrawals(withdrawn_src)
    scenarios, options = tables(selected)
    expected = None if ap.allow_smaller else ap.scenarios
    problems = release_problems(scenarios, options, expected, ap.options_per_scenario)
    still_withdrawn = sorted(set(scenarios["post_id"]) & set(withdrawals))
    if still_withdrawn:
        problems.append(
            f"{len(still_withdrawn)} withdrawn post(s) still in the data (review/withdrawn.jsonl): "
            + ", ".join(still_withdrawn[:10])
        )
    if problems:
        raise ReleaseError("release checks failed:\n  - " + "\n  - ".join(problems))
    changes = release_changes(
        selected, previous_src, withdrawals,
        stage_metrics.assemble.previous_release, bp.version,
    )

    fingerprint = hashlib.sha256(
        pd.util.hash_pandas_object(selected, index=False).values.tobytes()
    ).hexdigest()[:16]
    version = {"name": bp.name, "version": bp.version, "data_fingerprint": fingerprint}
    per_value = options["value"].value_counts().reindex(VALUE_IDS, fill_value=0)
    ingest, clean, review = stage_metrics.ingest, stage_metrics.clean, stage_metrics.review
    ingest_source = ingest.source
    metrics = {
        **version,
        "source": ingest_source,
        # the bundled sample's posts are synthetic; the card and `valact summary` say so
        "synthetic": ingest_source == "sample",
        "posts_ingested": ingest.posts_ingested,
        "damaged_files": ingest.report.get("damaged_files", []),  # the dump route's report
        "posts_kept_by_clean": clean.kept,
        "rejected_by_reason": clean.rejected_by_reason,
        "redactions_by_type": clean.redactions_by_type,
        "duplicates": stage_metrics.dedupe.duplicates,
        "posts_annotated": stage_metrics.annotate.posts_annotated,
        "review_queue": review.queue,
        "decision_lines_malformed": review.decision_lines_malformed,
        "decision_lines_unknown_item": review.decision_lines_unknown_item,
        "scenarios": len(scenarios),
        "options": len(options),
        "options_per_value": {k: int(v) for k, v in per_value.items()},
        "review_status": {
            k: int(v) for k, v in scenarios["review_status"].value_counts().sort_index().items()
        },
        "annotators": sorted(set(scenarios["annotator"])),
        "prompt_versions": sorted(set(scenarios["prompt_version"])),
    }
    ds_by_config = {
        "scenarios": _to_dataset(scenarios, "scenarios"),
        "options": _to_dataset(options, "options"),
    }
    with atomic_dir(out_dir) as tmp:
        sizes, card_data = write_dataset_folder(ds_by_config, tmp, bp.rows_per_shard, progress)
        plot_value_distribution(per_value, tmp / "value_distribution.png")
        card = render_card(
            card_data=card_data,
            build=as_dict(bp),
            metrics=metrics,
            stage_metrics=stage_metrics,
            scenarios=scenarios,
            changes=changes,
        )
        (tmp / "README.md").write_text(card, encoding="utf-8")
        (tmp / paths.CHANGES_FILE).write_text(dumps_json(changes), encoding="utf-8")
    metrics["files"] = sizes
    metrics["changes"] = {
        key: len(changes[key]) for key in ("added", "withdrawn", "removed", "edited", "relabelled")
    }
    metrics["previous_version"] = changes["previous_version"]
    metrics["previous_release"] = changes["previous_release"]
    write_json(metrics, metrics_out)
    log.info("built %s: %d scenarios, %d options", out_dir, len(scenarios), len(options))
    return metrics
