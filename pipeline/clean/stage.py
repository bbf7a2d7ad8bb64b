"""Stage 2, clean: filter posts that cannot become scenarios, normalize and scrub the rest.

Reads ``raw/posts.parquet`` in batches; writes ``interim/clean.parquet`` (kept posts, text
normalized and personal data replaced by typed placeholders) and
``interim/rejected.parquet`` (post_id, reason, detail). Each rejected post gets exactly one
reason: the first in ``schemas.REJECT_REASONS`` order that applies.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import sys
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from pipeline import paths
from pipeline.artifacts import BatchWriter, iter_frames, write_stage_metrics
from pipeline.clean.advice import AdviceMatcher
from pipeline.clean.author_key import author_key, load_secret, secret_fingerprint
from pipeline.clean.content_shape import code_share, link_share, list_share, word_count
from pipeline.clean.language import LanguageIdentifier
from pipeline.clean.normalize_text import normalize
from pipeline.clean.pii import Scrubber, ScrubConfig
from pipeline.clean.sensitive import SensitiveTopicDetector
from pipeline.params import CleanParams, Params
from pipeline.progress import progress_bar
from pipeline.schemas import CLEAN_POSTS, RAW_POSTS, REJECT_REASONS, REJECTED, validate
from pipeline.text_patterns import REMOVED_MARKERS

log = logging.getLogger("valact.clean")


@dataclass
class Verdict:
    reason: str | None
    detail: str | None = None
    language: str | None = None
    language_confidence: float = 0.0


class PostFilter:
    """All clean-stage filters, built once (spaCy, lingua, scrubber) and applied per post."""

    def __init__(self, cp: CleanParams, author_secret: bytes):
        self.cp = cp
        self.author_secret = author_secret
        self.bots = {b.casefold() for b in cp.bot_authors}
        self.language = LanguageIdentifier()
        self.advice = AdviceMatcher(advice_subreddits=cp.advice_subreddits)
        self.sensitive = SensitiveTopicDetector()
        self.scrubber = Scrubber(
            ScrubConfig(subreddit_links=cp.subreddit_links, spacy_model=cp.spacy_model)
        )

    def structural(self, row: Any) -> Verdict:
        """Checks on the record itself, before looking at the text."""
        cp = self.cp
        text = (row.selftext or "").strip()
        if row.removed or text in REMOVED_MARKERS or (row.title or "").strip() in REMOVED_MARKERS:
            return Verdict(
                "removed", row.removed_by_category if pd.notna(row.removed_by_category) else None
            )
        if not row.is_self:
            return Verdict("link_post", None)
        if not text:
            return Verdict("empty_body")
        if cp.drop_nsfw and row.over_18:
            return Verdict("nsfw")
        if (cp.drop_stickied and row.stickied) or (
            cp.drop_moderator and pd.notna(row.distinguished) and row.distinguished
        ):
            return Verdict(
                "stickied_or_moderator",
                row.distinguished if pd.notna(row.distinguished) else "stickied",
            )
        if pd.notna(row.author) and str(row.author).casefold() in self.bots:
            return Verdict("bot_author")
        return Verdict(None)

    def textual(self, title: str, body: str) -> Verdict:
        cp = self.cp
        full = f"{title}\n\n{body}"
        n = word_count(full)
        if n < cp.min_words:
            return Verdict("too_short", f"{n} words < {cp.min_words}")
        if n > cp.max_words:
            return Verdict("too_long", f"{n} words > {cp.max_words}")
        if (s := link_share(body)) > cp.max_link_share:
            return Verdict("mostly_links", f"link share {s:.2f}")
        if (s := code_share(body)) > cp.max_code_share:
            return Verdict("mostly_code", f"code share {s:.2f}")
        if (s := list_share(body)) > cp.max_list_share:
            return Verdict("mostly_list", f"list share {s:.2f}")
        lang, conf = self.language.detect(full)
        if lang != cp.language or conf < cp.min_language_confidence:
            return Verdict("not_english", f"{lang or 'unknown'} ({conf:.2f})")
        if (topic := self.sensitive.check(full)) is not None:
            return Verdict(f"sensitive_{topic}")
        return Verdict(None, language=lang, language_confidence=conf)


def _normalize(row: Any, cp: CleanParams) -> tuple[str, str]:
    title = normalize(row.title or "", keep_edit_notes=True)
    body = normalize(row.selftext or "", keep_edit_notes=cp.keep_edit_notes)
    return title, body


def process_batch(
    batch: pd.DataFrame, flt: PostFilter, funnel: Counter[str], redactions: Counter[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    batch = validate(batch, RAW_POSTS)
    kept: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    pending: list[tuple[Any, str, str, Verdict]] = []
    for row in batch.itertuples(index=False):
        verdict = flt.structural(row)
        if verdict.reason is None:
            title, body = _normalize(row, flt.cp)
            if not body.strip():
                verdict = Verdict("empty_body", "empty after normalization")
            else:
                verdict = flt.textual(title, body)
        if verdict.reason is not None:
            rejected.append(
                {"post_id": row.post_id, "reason": verdict.reason, "detail": verdict.detail}
            )
            continue
        pending.append((row, title, body, verdict))
    # Advice matching runs batched through spaCy.
    matches = (
        flt.advice.match_many([(t, b, row.subreddit) for row, t, b, _ in pending])
        if pending
        else []
    )
    for (row, title, body, verdict), match in zip(pending, matches, strict=True):
        if flt.cp.require_advice and not match.is_advice:
            reason = match.reason or "no_advice_request"
            rejected.append({"post_id": row.post_id, "reason": reason, "detail": None})
            continue
        # one decision per name across the post's title and body
        s_title, s_body = flt.scrubber.scrub_post(title, body)
        n_red = 0
        for result in (s_title, s_body):
            redactions.update(result.counts)
            n_red += sum(result.counts.values())
        kept.append(
            {
                "post_id": row.post_id,
                "subreddit": row.subreddit,
                "created_utc": row.created_utc,
                "score": row.score,
                "author_key": author_key(row.author, flt.author_secret),
                "title": s_title.text,
                "body": s_body.text,
                "n_words": word_count(f"{s_title.text}\n\n{s_body.text}"),
                "language": verdict.language or "",
                "language_confidence": round(float(verdict.language_confidence), 4),
                "advice_rule": match.rule,
                "n_redactions": n_red,
            }
        )
    # in input order (the advice rejections come last from the loop above), so the file
    # does not depend on how the input is cut into batches
    position = {pid: i for i, pid in enumerate(batch["post_id"])}
    rejected.sort(key=lambda r: position[r["post_id"]])
    for r in rejected:
        funnel[r["reason"]] += 1
    funnel["kept"] += len(kept)
    return pd.DataFrame(kept, columns=list(CLEAN_POSTS.columns)), pd.DataFrame(
        rejected, columns=list(REJECTED.columns)
    )


def _main_is_importable() -> bool:
    """Spawned workers re-import the caller's main module: not possible from stdin/-c."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    return path is None or Path(path).exists()


# One PostFilter per worker process, built by the pool's initializer.
_WORKER_FILTER: PostFilter | None = None


def _init_worker(cp: CleanParams, author_secret: bytes) -> None:
    global _WORKER_FILTER
    _WORKER_FILTER = PostFilter(cp, author_secret)


def _process_in_worker(
    batch: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, Counter[str], Counter[str]]:
    assert _WORKER_FILTER is not None, "worker not initialized"
    funnel: Counter[str] = Counter()
    redactions: Counter[str] = Counter()
    kept, rejected = process_batch(batch, _WORKER_FILTER, funnel, redactions)
    return kept, rejected, funnel, redactions


def _results(
    batches: Iterator[pd.DataFrame], cp: CleanParams, workers: int, author_secret: bytes
) -> Iterator[tuple[int, pd.DataFrame, pd.DataFrame, Counter[str], Counter[str]]]:
    """(batch size, kept, rejected, funnel, redactions) per batch, in input order.

    With ``workers`` > 1 and more than one batch, batches go to a process pool with at most
    ``2 * workers`` in flight (memory stays bounded); results come back in order, so the
    output files are identical to a one-process run.
    """
    first = next(batches, None)
    if first is None:
        return
    second = next(batches, None)
    if workers > 1 and second is not None and not _main_is_importable():
        log.warning(
            "clean.workers=%d ignored: the calling program (%s) cannot be re-imported by "
            "worker processes; running in this process", workers,
            getattr(sys.modules.get("__main__"), "__file__", "?"),
        )
        workers = 1
    if workers <= 1 or second is None:
        flt = PostFilter(cp, author_secret)
        for batch in itertools.chain([first], [second] if second is not None else [], batches):
            funnel: Counter[str] = Counter()
            redactions: Counter[str] = Counter()
            kept, rejected = process_batch(batch, flt, funnel, redactions)
            yield len(batch), kept, rejected, funnel, redactions
        return
    log.info("clean: %d worker processes", workers)
    ctx = multiprocessing.get_context("spawn")  # no fork of a process with threads
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(cp, author_secret)) as pool:
        in_flight: deque[tuple[int, Future[Any]]] = deque()
        try:
            for batch in itertools.chain([first, second], batches):
                in_flight.append((len(batch), pool.submit(_process_in_worker, batch)))
                if len(in_flight) >= 2 * workers:
                    n, fut = in_flight.popleft()
                    yield (n, *fut.result())
            while in_flight:
                n, fut = in_flight.popleft()
                yield (n, *fut.result())
        except BrokenProcessPool as exc:
            raise RuntimeError(
                f"a clean worker process died ({exc}); the outputs were not replaced. "
                "Out of memory? Lower clean.workers (1 runs everything in this process)."
            ) from exc


PROGRESS_CHUNK = 250  # posts per unit of work (and per progress update)


def _chunks(frames: Iterator[pd.DataFrame], size: int) -> Iterator[pd.DataFrame]:
    """Each frame cut into pieces of at most ``size`` rows, in order."""
    for frame in frames:
        for lo in range(0, len(frame), size):
            yield frame.iloc[lo : lo + size]


def run(
    params: Params,
    src: Path = paths.RAW_POSTS,
    clean_out: Path = paths.CLEAN,
    rejected_out: Path = paths.REJECTED,
    batch_size: int = 2000,
    progress: bool = True,
) -> dict[str, Any]:
    cp = params.clean
    workers = cp.workers if cp.workers is not None else (os.cpu_count() or 1)
    secret = load_secret(params.ingest.source)
    funnel: Counter[str] = Counter()
    redactions: Counter[str] = Counter()
    total = 0
    n_posts = pq.ParquetFile(src).metadata.num_rows if src.exists() else None
    if n_posts is not None and n_posts <= batch_size:
        workers = 1  # one batch's worth: starting worker processes costs more than it saves
    # Work goes out in chunks of PROGRESS_CHUNK posts, so the bar moves every few seconds
    # even on slow real posts; the chunks of one input batch are written as that batch, so
    # the files (row groups) are those of a run without chunks.
    pending: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    pending_n = 0
    with (
        BatchWriter(clean_out, CLEAN_POSTS) as kept_w,
        BatchWriter(rejected_out, REJECTED) as rej_w,
        progress_bar(total=n_posts, desc="clean", unit="post", disable=not progress) as bar,
    ):

        def flush() -> None:
            nonlocal pending_n
            if pending:
                kept_w.write(pd.concat([k for k, _ in pending], ignore_index=True))
                rej_w.write(pd.concat([r for _, r in pending], ignore_index=True))
            pending.clear()
            pending_n = 0

        chunks = _chunks(iter_frames(src, batch_size), PROGRESS_CHUNK)
        for n, kept, rejected, b_funnel, b_redactions in _results(chunks, cp, workers, secret):
            pending.append((kept, rejected))
            pending_n += n
            if pending_n >= batch_size:
                flush()
            funnel.update(b_funnel)
            redactions.update(b_redactions)
            total += n
            bar.update(n)
        flush()
    metrics = {
        "posts_in": total,
        "kept": funnel["kept"],
        "rejected": sum(v for k, v in funnel.items() if k != "kept"),
        "rejected_by_reason": {r: funnel[r] for r in REJECT_REASONS},
        "redactions_by_type": dict(sorted(redactions.items())),
        "author_key_secret": secret_fingerprint(secret),
    }
    assert metrics["kept"] + metrics["rejected"] == total, "every post is kept or rejected"
    write_stage_metrics("clean", metrics)
    log.info("clean: %d in, %d kept, %d rejected", total, metrics["kept"], metrics["rejected"])
    return metrics
