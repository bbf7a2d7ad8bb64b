"""Reading and writing pipeline artifacts: validated, deterministic, atomic.

Every file a stage writes goes through here: it is written to a temporary file in the
same folder and moved into place with ``os.replace``, so a crash never leaves a half
written artifact. Parquet is written without the index, with fixed settings, so the
same frame always gives the same bytes (``dvc.lock`` stays stable across machines).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.parquet as pq

from pipeline import stage_metrics
from pipeline.schemas import ArtifactError, validate

log = logging.getLogger("valact.artifacts")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_dir(path: Path) -> Iterator[Path]:
    """Yield a temporary folder next to ``path``; swap it into place only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        yield tmp
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


SCRATCH_REMOVE_ATTEMPTS = 5


@contextlib.contextmanager
def scratch_folder(parent: Path | None, prefix: str) -> Iterator[Path]:
    """A new, empty folder ``<parent>/<prefix>*`` for a run's intermediate files (None =
    the system's temporary folder), removed at the end, success or failure. Removal is
    retried: a task a failed run could not cancel (a Dask worker) may still be writing its
    file when the folder goes; a folder that will not go is logged, not raised."""
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield path
    finally:
        for attempt in range(SCRATCH_REMOVE_ATTEMPTS):
            try:
                shutil.rmtree(path)
                break
            except FileNotFoundError:
                break
            except OSError:
                if attempt == SCRATCH_REMOVE_ATTEMPTS - 1:
                    log.warning("could not remove the scratch folder %s", path)
                else:
                    time.sleep(0.5)


def write_table(table: pa_arrow.Table, path: Path) -> None:
    """Write an Arrow table as parquet with fixed, deterministic settings, atomically."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", use_dictionary=True, write_statistics=True)


def write_frame(df: pd.DataFrame, path: Path, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Validate ``df`` against ``schema`` and write it to ``path``; returns the coerced frame."""
    checked = validate(df.reset_index(drop=True), schema)
    write_table(pa_arrow.Table.from_pandas(checked, preserve_index=False), path)
    return checked


def read_frame(path: Path, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Read a parquet artifact and validate it; a clear error when missing or broken."""
    if not path.exists():
        raise ArtifactError(f"{path} does not exist: run the stage that writes it first")
    df = pd.read_parquet(path)
    return validate(df, schema)


def dumps_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json(data: Any, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(dumps_json(data), encoding="utf-8")


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> int:
    n = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_stage_metrics(
    stage: str, metrics: dict[str, Any], folder: Path = Path("metrics")
) -> Path:
    """Write ``metrics/<stage>.json``: the figures ``dvc metrics show`` reports.

    The figures must fit the stage's record in :mod:`pipeline.stage_metrics` (same keys,
    types that fit): a renamed or missing figure fails here, in the stage that wrote it.
    """
    path = folder / f"{stage}.json"
    write_json(stage_metrics.record(stage, metrics).to_dict(), path)
    return path


class BatchWriter:
    """Write a large artifact batch by batch: each batch validated, the file swapped in at close.

    Keeps memory bounded by the batch size. Uniqueness of ``key`` is checked across batches.
    """

    def __init__(self, path: Path, schema: pa.DataFrameSchema, key: str | None = "post_id"):
        self.path = path
        self.schema = schema
        self.key = key
        self.rows = 0
        self._seen: set[str] = set()
        self._writer: pq.ParquetWriter | None = None
        self._arrow_schema: pa_arrow.Schema | None = None
        self._ctx = atomic_path(path)
        self._tmp: Path | None = None

    def __enter__(self) -> BatchWriter:
        self._tmp = self._ctx.__enter__()
        return self

    def write(self, df: pd.DataFrame) -> None:
        if df.empty:
            return
        checked = validate(df.reset_index(drop=True), self.schema)
        if self.key is not None:
            keys = checked[self.key].astype(str).tolist()
            dupes = sorted(set(keys) & self._seen)
            if dupes:
                raise ArtifactError(
                    f"{self.schema.name}: duplicate {self.key} across batches: "
                    f"{', '.join(dupes[:5])}"
                )
            self._seen.update(keys)
        table = pa_arrow.Table.from_pandas(checked, preserve_index=False)
        if self._writer is None:
            self._arrow_schema = table.schema
            assert self._tmp is not None
            self._writer = pq.ParquetWriter(
                self._tmp, table.schema, compression="zstd", use_dictionary=True
            )
        else:
            table = table.cast(self._arrow_schema)
        self._writer.write_table(table)
        self.rows += len(checked)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._writer is not None:
            self._writer.close()
        elif exc_type is None:
            assert self._tmp is not None
            empty = validate(empty_frame(self.schema), self.schema)
            pq.write_table(
                pa_arrow.Table.from_pandas(empty, preserve_index=False),
                self._tmp,
                compression="zstd",
            )
        self._ctx.__exit__(exc_type, exc, tb)  # type: ignore[arg-type]


def empty_frame(schema: pa.DataFrameSchema) -> pd.DataFrame:
    """A zero-row frame with the schema's columns and dtypes."""
    return pd.DataFrame(
        {name: pd.Series([], dtype=str(col.dtype)) for name, col in schema.columns.items()}
    )


def iter_frames(path: Path, batch_size: int = 5000) -> Iterator[pd.DataFrame]:
    """Stream a parquet artifact in batches of rows."""
    if not path.exists():
        raise ArtifactError(f"{path} does not exist: run the stage that writes it first")
    pf = pq.ParquetFile(path)
    for batch in pf.iter_batches(batch_size=batch_size):
        yield batch.to_pandas()
