"""Benchmark: how ingest, clean and dedupe cost grows with the corpus, local pool vs Dask.

    python benchmarks/bench_engines.py [--sizes 10000,100000,1000000]
        [--stages ingest,clean,dedupe] [--configs local,dask-1,dask-2] [--budget SECONDS]

Corpora: synthetic Pushshift-style zstd NDJSON dumps of exactly ``size`` submissions, built
from ``scripts/generate_sample.py``'s generator (every kind the pipeline handles: advice
posts, removed/deleted, NSFW, link, stickied, bot, non-English, sensitive, planted exact
and near reposts, personal data) in chunks of 10,000 base posts, each chunk with its own
seed, every record given a fresh unique id (ids, ``name``, permalink and URL rewritten).
Split into ``--files`` dump files (monthly dumps; ingest parallelizes over files). Cached
under ``--cache`` (default ``$TMPDIR/valact_bench_engines``), keyed by size, seed, files and
the generator's source hash; nothing is committed.

Configurations (the named baseline is ``local``):

- ``local``: ``execution.engine: local``, ``workers: 2`` for every stage that has the key;
- ``dask-1``: ``engine: dask``, ``workers: 1`` (the stage's LocalCluster has 1 worker process);
- ``dask-2``: ``engine: dask``, ``workers: 2`` (2 worker processes).

For each size and configuration the chain ingest -> clean -> dedupe runs in its own
temporary work dir (its own ``params.yaml``), each stage a fresh ``python -m pipeline
<stage> --no-progress`` process. Stages before the first one asked for (``--stages``) run
too, unmeasured, because each reads the previous one's output. Measured per stage: wall
time; CPU time of the stage process and the children it reaped (``wait4``); peak memory of
the whole process tree (the stage process plus its pool / Dask worker processes: RSS of
every process sampled every 0.2 s, peak of the sum), and the peak of the largest single
worker process (the stage process itself when it has no workers): for dedupe that is the
memory per worker. Sampling misses peaks shorter than 0.2 s; spawned workers share few
pages, so the sum counts little twice.

Checks: the outputs (``raw/posts.parquet``; ``interim/clean.parquet`` and
``interim/rejected.parquet``; ``interim/unique.parquet`` and ``interim/duplicates.parquet``)
must have the same md5 in every configuration: IDENTICAL or DIFFERENT per stage and size.

Prints a table, the ratios dask-1/local and dask-2/local (wall time and peak tree memory)
per stage and size, clean's posts/s, and an extrapolation to the next sizes not measured
(from the log-log slope between the two largest sizes measured); writes the figures as JSON
(``--json``) and draws wall time and peak memory against posts, log-log, one line per
stage x configuration (``--png``, default ``benchmarks/engines.png``).

``--budget`` (seconds, whole run): a stage still running when it is spent is stopped (its
process group, which this script started) and recorded as ``over budget``; later runs are
skipped.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import zstandard

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO / "scripts" / "generate_sample.py"
for extra in (REPO, GENERATOR.parent):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))  # pipeline and the sample generator, not installed

STAGES = ("ingest", "clean", "dedupe")
CONFIGS: dict[str, tuple[str, int]] = {  # name -> (execution.engine, workers)
    "local": ("local", 2),
    "dask-1": ("dask", 1),
    "dask-2": ("dask", 2),
}
BASELINE = "local"
OUTPUTS: dict[str, tuple[str, ...]] = {
    "ingest": ("raw/posts.parquet",),
    "clean": ("interim/clean.parquet", "interim/rejected.parquet"),
    "dedupe": ("interim/unique.parquet", "interim/duplicates.parquet"),
}
CHUNK_BASE_POSTS = 10_000  # base posts per generator call (~10,870 records with reposts)
BENCH_AUTHOR_SECRET = "valact-bench-engines: synthetic authors"  # not a secret: invented
SAMPLE_INTERVAL = 0.2  # seconds between RSS samples
MIB = 2**20


# ----------------------------------------------------------------------------- corpora
def _generator_hash() -> str:
    return hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:10]


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rem = divmod(number, 36)
        out = digits[rem] + out
    return out or "0"


def _records(size: int, seed: int) -> Iterator[dict[str, Any]]:
    """``size`` generator records, chunk after chunk, each with a fresh unique id."""
    from generate_sample import generate_sample

    first_id = int("y00000", 36)
    emitted = 0
    chunk = 0
    while emitted < size:
        records, _ = generate_sample(CHUNK_BASE_POSTS, seed * 100_003 + chunk)
        for rec in records[: size - emitted]:
            old, new = rec["id"], _base36(first_id + emitted)
            rec["id"], rec["name"] = new, f"t3_{new}"
            for key in ("permalink", "url"):
                if isinstance(rec.get(key), str):
                    rec[key] = rec[key].replace(f"/comments/{old}/", f"/comments/{new}/")
            emitted += 1
            yield rec
        chunk += 1


def corpus(cache: Path, size: int, seed: int, files: int) -> list[Path]:
    """The dump files of a ``size``-post corpus, generated once and cached."""
    folder = cache / f"corpus_{size}_s{seed}_f{files}_{_generator_hash()}"
    done = folder / "DONE"
    paths = [folder / f"RS_bench_{k:02d}.zst" for k in range(files)]
    if done.exists():
        return paths
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    bounds = [size * k // files for k in range(files + 1)]
    records = _records(size, seed)
    for k, path in enumerate(paths):
        _write_dump(path, (next(records) for _ in range(bounds[k + 1] - bounds[k])))
    done.write_text(f"{size}\n", encoding="utf-8")
    megabytes = sum(p.stat().st_size for p in paths) / MIB
    print(f"  generated {size:,} posts in {files} files ({megabytes:.0f} MiB zstd) "
          f"in {time.perf_counter() - start:.0f}s: {folder}")
    return paths


def _write_dump(path: Path, records: Iterator[dict[str, Any]]) -> None:
    """Stream records as zstd NDJSON (atomically: a temporary name, then rename)."""
    tmp = path.with_suffix(".tmp")
    compressor = zstandard.ZstdCompressor(level=3)
    with open(tmp, "wb") as raw, compressor.stream_writer(raw) as out:
        batch: list[bytes] = []
        for rec in records:
            batch.append(orjson.dumps(rec) + b"\n")
            if len(batch) >= 2000:
                out.write(b"".join(batch))
                batch.clear()
        out.write(b"".join(batch))
    tmp.replace(path)


# ----------------------------------------------------------------------------- work dirs
def _sections_with_workers() -> set[str]:
    """Params sections that have a ``workers`` key today (dedupe may gain one)."""
    from pipeline.params import Params

    out = set()
    for section in dataclasses.fields(Params):
        tp = section.default_factory() if callable(section.default_factory) else None
        if not dataclasses.is_dataclass(tp):
            continue
        if any(f.name == "workers" for f in dataclasses.fields(tp)):
            out.add(section.name)
    return out


def write_params(work: Path, dumps: Sequence[Path], config: str) -> None:
    """The work dir's params.yaml: dump ingest of the corpus, the configuration's engine
    and worker count; every other key at its default."""
    engine, workers = CONFIGS[config]
    lines = [
        "ingest:",
        "  source: dump",
        f"  paths: {json.dumps([str(p) for p in dumps])}",
    ]
    sections = _sections_with_workers()
    if "ingest" in sections:
        lines.append(f"  workers: {workers}")
    for name in sorted(sections - {"ingest"}):
        lines += [f"{name}:", f"  workers: {workers}"]
    lines += ["execution:", f"  engine: {engine}", "  address: null"]
    (work / "params.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DASK_SCHEDULER_ADDRESS", None)  # dask configs start their own LocalCluster
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(DVC_NO_ANALYTICS="1", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    # clean's author keys are an HMAC whose secret, unset, is generated per work dir: one
    # fixed key for the invented authors of the corpus, or no two configurations agree
    env["VALACT_AUTHOR_KEY_SECRET"] = BENCH_AUTHOR_SECRET
    return env


# ----------------------------------------------------------------------------- one stage
@dataclass
class StageRun:
    size: int
    config: str
    stage: str
    status: str = "ok"  # ok | failed | over budget | skipped
    wall_s: float | None = None
    cpu_s: float | None = None
    peak_tree_mib: float | None = None
    peak_worker_mib: float | None = None
    max_processes: int | None = None
    md5: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def _sample(root: Any) -> tuple[int, int, int]:
    """(sum of RSS over the tree, largest single worker's RSS, processes) right now."""
    import psutil

    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0, 0
    rss: dict[int, int] = {}
    for proc in procs:
        try:
            rss[proc.pid] = proc.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    workers = [v for pid, v in rss.items() if pid != root.pid]
    largest = max(workers) if workers else rss.get(root.pid, 0)
    return sum(rss.values()), largest, len(rss)


def run_stage(work: Path, stage: str, deadline: float | None) -> dict[str, Any]:
    """Run ``python -m pipeline <stage>`` in ``work``; wall, CPU and memory figures."""
    import psutil

    log_path = work / f"{stage}.log"
    with open(log_path, "wb") as log_file:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", stage, "--no-progress"],
            cwd=work, env=_child_env(), stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stoppable as a whole
        )
        root = psutil.Process(proc.pid)
        peak_tree = peak_worker = max_procs = 0
        status, usage = "ok", None
        while True:
            pid, wait_status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            tree, worker, n = _sample(root)
            peak_tree, peak_worker = max(peak_tree, tree), max(peak_worker, worker)
            max_procs = max(max_procs, n)
            if deadline is not None and time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                _, wait_status, usage = os.wait4(proc.pid, 0)
                status = "over budget"
                break
            time.sleep(SAMPLE_INTERVAL)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(wait_status)  # reaped by wait4 above
    error = None
    if status == "ok" and proc.returncode != 0:
        status = "failed"
        error = log_path.read_text(encoding="utf-8", errors="replace")[-1500:]
    return {
        "status": status, "error": error, "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_tree_mib": peak_tree / MIB, "peak_worker_mib": peak_worker / MIB,
        "max_processes": max_procs,
    }


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _stage_figures(work: Path, stage: str) -> dict[str, Any]:
    """The counts from ``metrics/<stage>.json`` that say how much work the stage had."""
    figures = json.loads((work / "metrics" / f"{stage}.json").read_text(encoding="utf-8"))
    keys = {"ingest": ("posts_ingested",), "clean": ("posts_in", "kept", "rejected"),
            "dedupe": ("posts_in", "unique", "duplicates")}[stage]
    return {k: figures.get(k) for k in keys}


# ----------------------------------------------------------------------------- the chain
def run_chain(
    size: int, config: str, dumps: Sequence[Path], stages: Sequence[str],
    work_root: Path, deadline: float | None,
) -> list[StageRun]:
    """ingest -> ... -> the last stage asked for, in a fresh work dir; the asked ones timed."""
    last = max(STAGES.index(s) for s in stages)
    runs: list[StageRun] = []
    work = Path(tempfile.mkdtemp(prefix=f"engines_{size}_{config}_", dir=work_root))
    try:
        write_params(work, dumps, config)
        for stage in STAGES[: last + 1]:
            run = StageRun(size, config, stage)
            if deadline is not None and time.perf_counter() > deadline:
                run.status = "skipped"
            else:
                for key, value in run_stage(work, stage, deadline).items():
                    setattr(run, key, value)
            if run.status != "ok":
                if run.error:
                    print(f"    {config} {stage} FAILED:\n{run.error}")
                runs.append(run)
                break
            run.md5 = {out: _md5(work / out) for out in OUTPUTS[stage]}
            run.metrics = _stage_figures(work, stage)
            if stage in stages:
                runs.append(run)
                print(f"    {config:<7} {stage:<7} {run.wall_s:7.1f}s wall "
                      f"{run.cpu_s:7.1f}s CPU  tree {run.peak_tree_mib:6.0f} MiB  "
                      f"worker {run.peak_worker_mib:6.0f} MiB  {run.metrics}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return runs


# ----------------------------------------------------------------------------- report
def _get(runs: list[StageRun], size: int, config: str, stage: str) -> StageRun | None:
    for run in runs:
        if (run.size, run.config, run.stage) == (size, config, stage):
            return run
    return None


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:5.2f}" if a is not None and b else "  n/a"


def print_report(runs: list[StageRun], sizes: Sequence[int], stages: Sequence[str],
                 configs: Sequence[str]) -> dict[str, Any]:
    """The table, ratios, identity checks and extrapolation; returns them for the JSON."""
    print("\n| posts | stage | config | status | wall s | CPU s | peak tree MiB | "
          "peak worker MiB | procs |")
    print("|---:|---|---|---|---:|---:|---:|---:|---:|")
    for size in sizes:
        for stage in stages:
            for config in configs:
                r = _get(runs, size, config, stage)
                if r is None:
                    continue
                if r.wall_s is None:
                    print(f"| {size:,} | {stage} | {config} | {r.status} | | | | | |")
                    continue
                print(f"| {size:,} | {stage} | {config} | {r.status} | {r.wall_s:.1f} | "
                      f"{r.cpu_s:.1f} | {r.peak_tree_mib:.0f} | {r.peak_worker_mib:.0f} | "
                      f"{r.max_processes} |")

    checks: dict[str, dict[str, str]] = {}
    print(f"\nratios to the baseline '{BASELINE}' (wall time, peak tree memory), "
          "and output identity across configurations:")
    for size in sizes:
        for stage in stages:
            base = _get(runs, size, BASELINE, stage)
            done = [r for c in configs if (r := _get(runs, size, c, stage)) and r.md5]
            hashes = {json.dumps(r.md5, sort_keys=True) for r in done}
            if len(done) < 2:
                verdict = "n/a (fewer than 2 configurations finished)"
            else:
                verdict = "IDENTICAL" if len(hashes) == 1 else "DIFFERENT"
            checks.setdefault(str(size), {})[stage] = verdict
            parts = []
            for config in configs:
                r = _get(runs, size, config, stage)
                if config == BASELINE or r is None or base is None:
                    continue
                parts.append(f"{config}/{BASELINE} wall {_ratio(r.wall_s, base.wall_s)} "
                             f"mem {_ratio(r.peak_tree_mib, base.peak_tree_mib)}")
            print(f"  {size:>9,} {stage:<7} {'  '.join(parts) or '':<60} outputs {verdict}")

    rates: dict[str, float] = {}
    for r in runs:
        if r.stage == "clean" and r.status == "ok" and r.wall_s:
            rates[f"{r.size}/{r.config}"] = r.metrics["posts_in"] / r.wall_s
            print(f"  clean {r.size:>9,} posts, {r.config:<7}: "
                  f"{r.metrics['posts_in'] / r.wall_s:6.0f} posts/s (posts in / wall)")
    return {"identity": checks, "clean_posts_per_s": rates,
            "extrapolated": extrapolate(runs, sizes, stages, configs)}


def extrapolate(runs: list[StageRun], sizes: Sequence[int], stages: Sequence[str],
                configs: Sequence[str]) -> list[dict[str, Any]]:
    """Wall time and peak memory at 10x the largest size measured, from the log-log slope
    between the two largest sizes measured (a power law through two points: a guess)."""
    out = []
    for stage in stages:
        for config in configs:
            done = sorted((r.size, r) for s in sizes
                          if (r := _get(runs, s, config, stage)) and r.status == "ok")
            if len(done) < 2:
                continue
            (n1, r1), (n2, r2) = done[-2], done[-1]
            target = n2 * 10
            k = math.log(target / n2) / math.log(n2 / n1)
            est = {
                "stage": stage, "config": config, "posts": target, "from": [n1, n2],
                "wall_s": r2.wall_s * (r2.wall_s / r1.wall_s) ** k,
                "wall_slope": math.log(r2.wall_s / r1.wall_s) / math.log(n2 / n1),
                "peak_tree_mib": r2.peak_tree_mib * (r2.peak_tree_mib / r1.peak_tree_mib) ** k,
                "linear_wall_s": r2.wall_s * target / n2,
            }
            out.append(est)
    if out:
        print("\nextrapolated (power law through the two largest sizes measured; "
              "'linear' = per-post cost of the largest):")
        for e in out:
            print(f"  {e['posts']:>9,} {e['stage']:<7} {e['config']:<7} wall ~{e['wall_s']:7.0f}s "
                  f"(slope {e['wall_slope']:.2f}; linear {e['linear_wall_s']:.0f}s)  "
                  f"peak tree ~{e['peak_tree_mib']:.0f} MiB")
    return out


def plot(runs: list[StageRun], stages: Sequence[str], configs: Sequence[str], png: Path) -> None:
    """Wall time and peak tree memory against posts, log-log, a line per stage x config."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {"local": "-", "dask-1": "--", "dask-2": ":"}
    colors = {"ingest": "tab:blue", "clean": "tab:orange", "dedupe": "tab:green"}
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    for stage in stages:
        for config in configs:
            pts = sorted((r.size, r.wall_s, r.peak_tree_mib) for r in runs
                         if r.stage == stage and r.config == config and r.status == "ok")
            if not pts:
                continue
            xs = [p[0] for p in pts]
            for ax, ys in zip(axes, ([p[1] for p in pts], [p[2] for p in pts]), strict=True):
                ax.plot(xs, ys, styles.get(config, "-"), marker="o",
                        color=colors.get(stage), label=f"{stage} {config}")
    for ax, label in zip(axes, ("wall time (s)", "peak memory, process tree (MiB)"), strict=True):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("posts in the corpus")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"ValAct ingest/clean/dedupe: local vs Dask ({os.cpu_count()} cores)")
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    tmp = png.with_name(png.stem + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(png)
    print(f"wrote {png}")


# ----------------------------------------------------------------------------- main
def _csv(value: str, allowed: Sequence[str] | None = None) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    if allowed is not None:
        unknown = [v for v in items if v not in allowed]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {unknown}; choose from {list(allowed)}")
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        type=lambda v: sorted(int(x) for x in _csv(v)))
    parser.add_argument("--stages", default=",".join(STAGES), type=lambda v: _csv(v, STAGES))
    parser.add_argument("--configs", default=",".join(CONFIGS),
                        type=lambda v: _csv(v, list(CONFIGS)))
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds for the whole run; stop and skip what is beyond it")
    parser.add_argument("--files", type=int, default=4, help="dump files per corpus")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "valact_bench_engines")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "engines.json")
    parser.add_argument("--png", type=Path, default=REPO / "benchmarks" / "engines.png")
    args = parser.parse_args()
    if any(size < 1 for size in args.sizes) or args.files < 1:
        parser.error("--sizes and --files must be positive")
    stages = [s for s in STAGES if s in args.stages]
    configs = [c for c in CONFIGS if c in args.configs]

    started = time.perf_counter()
    deadline = started + args.budget if args.budget else None
    load = os.getloadavg()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load at start "
          f"{load[0]:.1f}; stages {stages}, configs {configs}, baseline '{BASELINE}'")
    work_root = args.cache / "runs"
    work_root.mkdir(parents=True, exist_ok=True)
    runs: list[StageRun] = []
    for size in args.sizes:
        print(f"\n{size:,} posts")
        dumps = corpus(args.cache, size, args.seed, min(args.files, size))
        for config in configs:
            runs += run_chain(size, config, dumps, stages, work_root, deadline)
    summary = print_report(runs, args.sizes, stages, configs)
    elapsed = time.perf_counter() - started
    print(f"\nwhole run {elapsed:.0f}s; load at end {os.getloadavg()[0]:.1f} "
          "(other jobs on the machine change wall times)")
    report = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "load_start": load, "load_end": os.getloadavg()},
        "args": {"sizes": args.sizes, "stages": stages, "configs": configs,
                 "files": args.files, "seed": args.seed, "budget": args.budget},
        "baseline": BASELINE, "runs": [dataclasses.asdict(r) for r in runs], **summary,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.json.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    tmp.replace(args.json)
    print(f"wrote {args.json}")
    plot(runs, stages, configs, args.png)


if __name__ == "__main__":
    main()
