"""Benchmark: ``pipeline.ingest.dumps.read_dumps`` against a reader written the usual way.

    python benchmarks/bench_ingest_dumps.py [--records 200000] [--repeat 3] [--seed 7]

Generates (seeded, in a temporary directory that is deleted afterwards) zstd NDJSON dumps of
realistic submissions, shaped like the records of ``AskWomen_submissions_2019-10.zst``
(81 fields, ~2 KB a line) from ~40 subreddits, where the two kept subreddits are
~2% of the lines, as in a monthly dump. Two files: ``--records`` lines and 4x that.

Each reader runs in its own subprocess on one core (``workers=1``), so its peak RSS
(``ru_maxrss``) is its own:

- ``baseline``: ``zstandard`` ``stream_reader`` + ``io.TextIOWrapper`` + ``json.loads`` on
  every line, keep the wanted subreddits, ``pandas.DataFrame`` of the kept dicts;
- ``read_dumps``: this project's reader (byte-level prefilter, orjson on candidates only).

Prints input records/s for both (CPU time, best of ``--repeat`` runs: CPU time is what "one
core" means, and it is robust to other jobs on the machine), the ratio, and the peak RSS of
each process (and its growth over the RSS after imports) for both file sizes; then the peak
RSS of ``read_dumps`` keeping nothing, i.e. of the streaming alone, which must not grow
with the file.

Then, on the large file, **whole processes** (what a maintainer waits for): the baseline as
a plain script (``python -c``: interpreter start, its imports, the read, the frame) against
the whole stage command ``valact ingest`` (``source: dump``, the two subreddits,
``workers: 1``) in a temporary folder with its own ``params.yaml``: start-up, imports,
read, validation, the parquet and metrics written. CPU time of the child (user + sys), best
of ``--repeat``, and wall time; the ratio is the baseline's CPU time over the stage's.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import zstandard

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # pipeline, when the project is not installed
TEMPLATE_DUMP = REPO.parent / "shared" / "data" / "reddit" / "AskWomen_submissions_2019-10.zst"
KEPT = ("Advice", "relationship_advice")
# fmt: off
OTHERS = (
    "AskReddit", "funny", "pics", "gaming", "worldnews", "news", "movies", "aww", "todayilearned",
    "videos", "Music", "memes", "politics", "nba", "soccer", "nfl", "teenagers", "AskWomen",
    "AskMen", "ufc", "science", "technology", "dankmemes", "wallstreetbets", "CryptoCurrency",
    "relationships", "AmItheAsshole", "personalfinance", "Fitness", "books", "travel", "food",
    "gifs", "interestingasfuck", "mildlyinteresting", "Showerthoughts", "explainlikeimfive",
    "LifeProTips", "askscience", "dataisbeautiful",
)
# fmt: on
_WORDS_TEXT = (
    "i my me we you he she they the a an and but or so because when if then just really feel "
    "think know want need told said asked friend friends family mom dad sister brother partner "
    "boyfriend girlfriend husband wife job work boss money rent school college time year years "
    "month week day night home house car dog cat advice help should would could never always "
    "again still about after before since while happy sad angry worried scared tired honest "
    "problem situation decision choice move moving stay leave talk talking said says wants "
    "going lost found started stopped trying tried good bad better worse new old long short "
    "everyone someone nobody something nothing everything life love hate care trust respect"
)
WORDS = tuple(_WORDS_TEXT.split())


def _template() -> dict[str, Any]:
    """One real AskWomen record (its fields and value shapes), or a built-in stand-in."""
    if TEMPLATE_DUMP.is_file():
        with open(TEMPLATE_DUMP, "rb") as fh:
            reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(fh)
            return dict(orjson.loads(io.BufferedReader(reader).readline()))
    fields: dict[str, Any] = {
        "all_awardings": [], "allow_live_comments": False, "archived": True, "author": "x",
        "author_created_utc": 1565495857, "author_flair_background_color": None,
        "author_flair_css_class": None, "author_flair_richtext": [],
        "author_flair_template_id": None, "author_flair_text": None,
        "author_flair_text_color": None, "author_flair_type": "text",
        "author_fullname": "t2_4ceorkqa", "author_patreon_flair": False,
        "author_premium": False, "awarders": [], "can_gild": True, "can_mod_post": False,
        "category": None, "content_categories": None, "contest_mode": False,
        "created_utc": 1569888142, "discussion_type": None, "distinguished": None,
        "domain": "self.x", "edited": False, "gilded": 0, "gildings": {}, "hidden": False,
        "id": "x", "is_crosspostable": False, "is_meta": False, "is_original_content": False,
        "is_reddit_media_domain": False, "is_robot_indexable": False, "is_self": True,
        "is_video": False, "link_flair_background_color": "", "link_flair_css_class": None,
        "link_flair_richtext": [], "link_flair_text": None, "link_flair_text_color": "dark",
        "link_flair_type": "text", "locked": False, "media": None, "media_embed": {},
        "media_only": False, "no_follow": True, "num_comments": 1, "num_crossposts": 0,
        "over_18": False, "parent_whitelist_status": "all_ads", "permalink": "/r/x/",
        "pinned": False, "pwls": 6, "quarantine": False, "removal_reason": None,
        "removed_by": None, "removed_by_category": None, "retrieved_on": 1586200544,
        "score": 1, "secure_media": None, "secure_media_embed": {}, "selftext": "",
        "send_replies": True, "spoiler": False, "stickied": False, "subreddit": "x",
        "subreddit_id": "t5_2rxrw", "subreddit_name_prefixed": "r/x",
        "subreddit_subscribers": 1380540, "subreddit_type": "public", "suggested_sort": None,
        "thumbnail": "default", "thumbnail_height": None, "thumbnail_width": None, "title": "x",
        "total_awards_received": 0, "url": "https://www.reddit.com/r/x/",
        "whitelist_status": "all_ads", "wls": 6,
    }  # fmt: skip
    return fields


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rem = divmod(number, 36)
        out = digits[rem] + out
    return out or "0"


def generate(path: Path, records: int, seed: int, kept_share: float = 0.02) -> int:
    """Write a seeded zstd NDJSON dump; returns how many lines belong to KEPT."""
    rng = random.Random(seed)
    template = _template()
    compressor = zstandard.ZstdCompressor(level=3)
    kept = 0
    with open(path, "wb") as raw, compressor.stream_writer(raw) as out:
        batch: list[bytes] = []
        for i in range(records):
            if rng.random() < kept_share:
                sub = rng.choice(KEPT)
                kept += 1
            else:
                sub = rng.choice(OTHERS)
            post_id = _base36(400_000_000 + seed * 10_000_000 + i)
            slug = "_".join(rng.choices(WORDS, k=5))
            # a monthly dump: removed/deleted self posts, link posts, posts with text
            roll = rng.random()
            if roll < 0.35:
                selftext = "[removed]"
            elif roll < 0.40:
                selftext = "[deleted]"
            elif roll < 0.70:
                selftext = ""
            else:
                selftext = " ".join(rng.choices(WORDS, k=rng.randint(10, 200)))
            rec = dict(template)
            rec.update(
                id=post_id,
                subreddit=sub,
                subreddit_name_prefixed=f"r/{sub}",
                domain=f"self.{sub}",
                title=" ".join(rng.choices(WORDS, k=rng.randint(4, 16))).capitalize() + "?",
                selftext=selftext,
                author=f"user_{rng.randrange(10**6)}",
                created_utc=1_569_888_000 + i * 13 + rng.randrange(13),
                retrieved_on=1_586_200_000 + rng.randrange(10**5),
                score=rng.randrange(5000),
                num_comments=rng.randrange(300),
                over_18=rng.random() < 0.02,
                permalink=f"/r/{sub}/comments/{post_id}/{slug}/",
                url=f"https://www.reddit.com/r/{sub}/comments/{post_id}/{slug}/",
                removed_by_category="deleted" if selftext == "[deleted]" else None,
            )
            # escaped slashes, as in real Pushshift dumps
            batch.append(orjson.dumps(rec).replace(b"/", b"\\/") + b"\n")
            if len(batch) >= 2000:
                out.write(b"".join(batch))
                batch.clear()
        out.write(b"".join(batch))
    return kept


# ----------------------------------------------------------------------------- readers
def read_baseline(path: Path, wanted: set[str]) -> int:
    kept = []
    with open(path, "rb") as fh:
        reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(fh)
        for line in io.TextIOWrapper(reader, encoding="utf-8"):
            obj = json.loads(line)
            if (obj.get("subreddit") or "").lower() in wanted:
                kept.append(obj)
    import pandas as pd

    return len(pd.DataFrame(kept))


def read_ours(path: Path, wanted: set[str]) -> int:
    from pipeline.ingest.dumps import read_dumps

    frame, _ = read_dumps([path], subreddits=wanted, workers=1, progress=False)
    return len(frame)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(reader: str, path: Path) -> None:
    """Run one reader in this (fresh) process and print a JSON line of figures."""
    import pandas  # noqa: F401  (both readers build a frame: import before measuring)

    import pipeline.ingest.dumps  # noqa: F401

    wanted = {s.lower() for s in KEPT}
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu, wall = _cpu_seconds(), time.perf_counter()
    if reader == "streaming":  # read_dumps keeping nothing: the memory of streaming alone
        wanted = {"no_such_subreddit"}
    kept = (read_baseline if reader == "baseline" else read_ours)(path, wanted)
    cpu, wall = _cpu_seconds() - cpu, time.perf_counter() - wall
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {"cpu": cpu, "wall": wall, "kept": kept, "rss_kb": rss_peak,
               "rss_growth_kb": rss_peak - rss_before}  # fmt: skip
    print(json.dumps(figures))


# The baseline as a whole process: this file's read_baseline, run by a plain interpreter
# (importing this module adds zstandard and orjson, a few ms next to the read).
BASELINE_PROCESS = (
    "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
    "from bench_ingest_dumps import read_baseline; "
    "print(read_baseline(Path(sys.argv[2]), set(sys.argv[3:])))"
)


def _whole_process(argv: list[str], cwd: Path) -> dict[str, float]:
    """Run ``argv`` to its end; its CPU time (user + sys, from wait4) and wall time."""
    with tempfile.TemporaryFile() as err:
        wall = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - wall
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{argv[0]} failed:\n{err.read().decode()[-2000:]}")
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall}


def whole_stage(path: Path, expected: int, repeat: int) -> None:
    """``valact ingest`` as a process against the baseline as a process, on ``path``."""
    valact = Path(sys.executable).with_name("valact")
    if not valact.exists():
        print(f"  (no {valact}: the whole-process comparison needs the installed command)")
        return
    with tempfile.TemporaryDirectory(prefix="bench_ingest_stage_") as work:
        cwd = Path(work)
        (cwd / "params.yaml").write_text(
            "ingest:\n  source: dump\n"
            f"  paths: [{json.dumps(str(path))}]\n"
            f"  subreddits: [{', '.join(KEPT)}]\n"
            "  workers: 1\n",
            encoding="utf-8",
        )
        env_argv = {
            "baseline": [sys.executable, "-c", BASELINE_PROCESS, str(Path(__file__).parent),
                         str(path), *(s.lower() for s in KEPT)],
            "valact ingest": [str(valact), "ingest", "--no-progress"],
        }
        best: dict[str, dict[str, float]] = {}
        for name, argv in env_argv.items():
            runs = [_whole_process(argv, cwd) for _ in range(repeat)]
            best[name] = {"cpu": min(r["cpu"] for r in runs), "wall": min(r["wall"] for r in runs)}
        metrics = json.loads((cwd / "metrics" / "ingest.json").read_text(encoding="utf-8"))
        if metrics["posts_ingested"] != expected:
            raise SystemExit(f"valact ingest kept {metrics['posts_ingested']}, expected {expected}")
    base, ours = best["baseline"], best["valact ingest"]
    print("  whole processes (start-up and imports included):")
    for name, fig in best.items():
        print(f"    {name:<14} CPU {fig['cpu']:6.2f}s  wall {fig['wall']:6.2f}s")
    print(
        f"  whole-process ratio {base['cpu'] / ours['cpu']:.1f}x (CPU), "
        f"{base['wall'] / ours['wall']:.1f}x (wall); best of {repeat} runs each"
    )


def _run(reader: str, path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", reader, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000, help="lines of the small file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per reader; best time kept")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return

    print(f"python {sys.version.split()[0]}, zstandard {zstandard.__version__}, one core each")
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        for records in (args.records, 4 * args.records):
            path = Path(tmp) / f"RS_bench_{records}.zst"
            start = time.perf_counter()
            expected = generate(path, records, args.seed)
            size_mb = path.stat().st_size / 2**20
            print(
                f"\n{records:,} lines, {size_mb:.0f} MiB zstd, {expected:,} in {'+'.join(KEPT)} "
                f"(generated in {time.perf_counter() - start:.0f}s)"
            )
            figures: dict[str, dict[str, Any]] = {}
            for reader in ("baseline", "ours"):
                runs = [_run(reader, path) for _ in range(args.repeat)]
                best = {
                    "cpu": min(r["cpu"] for r in runs),
                    "wall": min(r["wall"] for r in runs),
                    "rss_kb": max(r["rss_kb"] for r in runs),
                    "rss_growth_kb": max(r["rss_growth_kb"] for r in runs),
                }
                if any(r["kept"] != expected for r in runs):
                    raise SystemExit(f"{reader} kept {runs[0]['kept']}, expected {expected}")
                figures[reader] = best
                print(
                    f"  {'read_dumps' if reader == 'ours' else 'baseline':<10} "
                    f"{records / best['cpu']:>9,.0f} records/s (CPU {best['cpu']:5.2f}s, "
                    f"wall {best['wall']:5.2f}s)  peak RSS {best['rss_kb'] / 1024:4.0f} MiB "
                    f"(+{best['rss_growth_kb'] / 1024:.0f} MiB over imports)"
                )
            ratio = figures["baseline"]["cpu"] / figures["ours"]["cpu"]
            print(f"  speed-up  {ratio:.1f}x (CPU time; best of {args.repeat} runs each)")
            scan = _run("streaming", path)
            print(
                f"  read_dumps keeping nothing: peak RSS {scan['rss_kb'] / 1024:.0f} MiB "
                f"(+{scan['rss_growth_kb'] / 1024:.0f} MiB over imports), "
                f"{records / scan['cpu']:,.0f} records/s"
            )
            if records == 4 * args.records:
                whole_stage(path, expected, args.repeat)


if __name__ == "__main__":
    main()
