"""Stage 2, clean: filter posts that cannot become scenarios, normalize and scrub the rest.

Reads ``raw/posts.parquet`` in batches; writes ``interim/clean.parquet`` (kept posts, text
normalized and personal data replaced by typed placeholders) and
``interim/rejected.parquet`` (post_id, reason, detail). Each rejected post gets exactly one
reason: that of the first filter that rejects it, in ``pipeline.clean.reasons.FILTER_REASONS``
order (``schemas.REJECT_REASONS`` follows it). ``metrics/clean.json`` also has the posts
each filter rejected and the seconds spent in it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from pipeline import paths
from pipeline.artifacts import BatchWriter, iter_frames, write_json, write_stage_metrics
from pipeline.clean.advice import AdviceMatcher, blank_english
from pipeline.clean.author_key import author_key, load_secret, secret_fingerprint
from pipeline.clean.content_shape import code_share, link_share, list_share, word_count
from pipeline.clean.filters import Filter, FilterChain, FilterStats, Post, Rejection
from pipeline.clean.language import LanguageIdentifier
from pipeline.clean.normalize_text import normalize
from pipeline.clean.pii import Scrubber, ScrubConfig
from pipeline.clean.reasons import FILTER_REASONS
from pipeline.clean.sensitive import SensitiveTopicDetector
from pipeline.execution import WorkerLost, open_executor, worker_state
from pipeline.params import CleanParams, Params
from pipeline.progress import progress_bar
from pipeline.schemas import (
    CLEAN_POSTS,
    RAW_POSTS,
    REJECT_REASONS,
    REJECTED,
    ArtifactError,
    validate,
)
from pipeline.text_patterns import REMOVED_MARKERS

log = logging.getLogger("valact.clean")


class _PerPost:
    """A filter that decides each post on its own (cheap checks: no batching to gain)."""

    def __init__(self, name: str, check: Callable[[Post], Rejection | None]) -> None:
        self.name = name
        self._check = check

    def filter_batch(self, posts: Sequence[Post]) -> list[Rejection | None]:
        return [self._check(post) for post in posts]


class _LanguageFilter:
    """``not_english``: lingua on title and body, the whole batch at once. Records the
    language and confidence of the posts it keeps."""

    name = "not_english"

    def __init__(self, language: LanguageIdentifier, cp: CleanParams) -> None:
        self._language = language
        self._cp = cp

    def filter_batch(self, posts: Sequence[Post]) -> list[Rejection | None]:
        out: list[Rejection | None] = []
        for post, (lang, conf) in zip(
            posts, self._language.detect_many([p.text for p in posts]), strict=True
        ):
            if lang != self._cp.language or conf < self._cp.min_language_confidence:
                out.append(Rejection("not_english", f"{lang or 'unknown'} ({conf:.2f})"))
                continue
            post.language, post.language_confidence = lang, conf
            out.append(None)
        return out


class _SensitiveFilter:
    """``sensitive_self_harm`` / ``sensitive_child_abuse``, tokenized in batches."""

    name = "sensitive"

    def __init__(self, sensitive: SensitiveTopicDetector) -> None:
        self._sensitive = sensitive

    def filter_batch(self, posts: Sequence[Post]) -> list[Rejection | None]:
        return [
            None if topic is None else Rejection(f"sensitive_{topic}")
            for topic in self._sensitive.check_many([p.text for p in posts])
        ]


class _AdviceFilter:
    """The advice matcher on title, body and subreddit, tokenized in batches. Records the
    matched rule of every post it sees; rejects only with ``clean.require_advice``."""

    name = "advice_request"

    def __init__(self, advice: AdviceMatcher, require_advice: bool) -> None:
        self._advice = advice
        self._require = require_advice

    def filter_batch(self, posts: Sequence[Post]) -> list[Rejection | None]:
        matches = self._advice.match_many([(p.title, p.body, p.row.subreddit) for p in posts])
        out: list[Rejection | None] = []
        for post, match in zip(posts, matches, strict=True):
            post.advice_rule = match.rule
            if self._require and not match.is_advice:
                out.append(Rejection(match.reason or "no_advice_request"))
            else:
                out.append(None)
        return out


def normalize_post(title: str | None, selftext: str | None, cp: CleanParams) -> tuple[str, str]:
    """Normalized (title, body) as the clean stage writes them; the title keeps its edit
    notes ("EDIT: solved" in a title is part of what the poster says)."""
    return (
        normalize(title or "", keep_edit_notes=True),
        normalize(selftext or "", keep_edit_notes=cp.keep_edit_notes),
    )


class PostFilter:
    """The clean stage's filters and scrubber, built once per process.

    One spaCy pipeline (:func:`pipeline.clean.advice.blank_english`) serves the advice and
    the sensitive filters; lingua and the scrubber are loaded here too. ``chain`` holds the
    filters in :data:`pipeline.clean.reasons.FILTER_REASONS` order.
    """

    def __init__(self, cp: CleanParams, author_secret: bytes):
        self.cp = cp
        self.author_secret = author_secret
        self.bots = {b.casefold() for b in cp.bot_authors}
        nlp = blank_english()
        self.language = LanguageIdentifier()
        self.advice = AdviceMatcher(nlp, advice_subreddits=cp.advice_subreddits)
        self.sensitive = SensitiveTopicDetector(nlp)
        self.scrubber = Scrubber(
            ScrubConfig(subreddit_links=cp.subreddit_links, spacy_model=cp.spacy_model)
        )
        # listed here in any order; the chain applies them in FILTER_REASONS order, the one
        # schemas.REJECT_REASONS and the card print
        built: dict[str, Filter] = {
            f.name: f
            for f in (
                _PerPost("removed", self._removed),
                _PerPost("link_post", self._link_post),
                _PerPost("empty_body", self._empty_body),
                _PerPost("nsfw", self._nsfw),
                _PerPost("stickied_or_moderator", self._stickied_or_moderator),
                _PerPost("bot_author", self._bot_author),
                _PerPost("normalize", self._normalize),
                _PerPost("too_short", self._too_short),
                _PerPost("too_long", self._too_long),
                _PerPost("mostly_links", self._mostly_links),
                _PerPost("mostly_code", self._mostly_code),
                _PerPost("mostly_list", self._mostly_list),
                _LanguageFilter(self.language, cp),
                _SensitiveFilter(self.sensitive),
                _AdviceFilter(self.advice, cp.require_advice),
            )
        }
        if set(built) != set(FILTER_REASONS):
            raise RuntimeError(f"filters built {sorted(built)} != FILTER_REASONS")
        self.chain = FilterChain([built[name] for name in FILTER_REASONS])

    # ------------------------------------------------------------------ the record

    @staticmethod
    def _removed(post: Post) -> Rejection | None:
        row = post.row
        text = (row.selftext or "").strip()
        if row.removed or text in REMOVED_MARKERS or (row.title or "").strip() in REMOVED_MARKERS:
            return Rejection(
                "removed", row.removed_by_category if pd.notna(row.removed_by_category) else None
            )
        return None

    @staticmethod
    def _link_post(post: Post) -> Rejection | None:
        return None if post.row.is_self else Rejection("link_post")

    @staticmethod
    def _empty_body(post: Post) -> Rejection | None:
        return None if (post.row.selftext or "").strip() else Rejection("empty_body")

    def _nsfw(self, post: Post) -> Rejection | None:
        return Rejection("nsfw") if self.cp.drop_nsfw and post.row.over_18 else None

    def _stickied_or_moderator(self, post: Post) -> Rejection | None:
        cp, row = self.cp, post.row
        if (cp.drop_stickied and row.stickied) or (
            cp.drop_moderator and pd.notna(row.distinguished) and row.distinguished
        ):
            return Rejection(
                "stickied_or_moderator",
                row.distinguished if pd.notna(row.distinguished) else "stickied",
            )
        return None

    def _bot_author(self, post: Post) -> Rejection | None:
        author = post.row.author
        if pd.notna(author) and str(author).casefold() in self.bots:
            return Rejection("bot_author")
        return None

    # ------------------------------------------------------------------ the text

    def _normalize(self, post: Post) -> Rejection | None:
        post.set_text(*normalize_post(post.row.title, post.row.selftext, self.cp))
        if not post.body.strip():
            return Rejection("empty_body", "empty after normalization")
        return None

    def _too_short(self, post: Post) -> Rejection | None:
        if (n := post.words) < self.cp.min_words:
            return Rejection("too_short", f"{n} words < {self.cp.min_words}")
        return None

    def _too_long(self, post: Post) -> Rejection | None:
        if (n := post.words) > self.cp.max_words:
            return Rejection("too_long", f"{n} words > {self.cp.max_words}")
        return None

    def _mostly_links(self, post: Post) -> Rejection | None:
        if (s := link_share(post.body)) > self.cp.max_link_share:
            return Rejection("mostly_links", f"link share {s:.2f}")
        return None

    def _mostly_code(self, post: Post) -> Rejection | None:
        if (s := code_share(post.body)) > self.cp.max_code_share:
            return Rejection("mostly_code", f"code share {s:.2f}")
        return None

    def _mostly_list(self, post: Post) -> Rejection | None:
        if (s := list_share(post.body)) > self.cp.max_list_share:
            return Rejection("mostly_list", f"list share {s:.2f}")
        return None


def process_batch(
    batch: pd.DataFrame,
    flt: PostFilter,
    funnel: Counter[str],
    redactions: Counter[str],
    filter_stats: FilterStats,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    batch = validate(batch, RAW_POSTS)
    posts = [Post(row) for row in batch.itertuples(index=False)]
    decisions = flt.chain.apply(posts, filter_stats)
    kept: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []  # in input order, whatever filter rejected them
    for post, rejection in zip(posts, decisions, strict=True):
        row = post.row
        if rejection is not None:
            rejected.append(
                {"post_id": row.post_id, "reason": rejection.reason, "detail": rejection.detail}
            )
            continue
        # one decision per name across the post's title and body
        s_title, s_body = flt.scrubber.scrub_post(post.title, post.body)
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
                "language": post.language or "",
                "language_confidence": round(float(post.language_confidence), 4),
                "advice_rule": post.advice_rule,
                "n_redactions": n_red,
            }
        )
    for r in rejected:
        funnel[r["reason"]] += 1
    funnel["kept"] += len(kept)
    return pd.DataFrame(kept, columns=list(CLEAN_POSTS.columns)), pd.DataFrame(
        rejected, columns=list(REJECTED.columns)
    )


_BatchResult = tuple[int, pd.DataFrame, pd.DataFrame, Counter[str], Counter[str], FilterStats]


@dataclass(frozen=True)
class FilterConfig:
    """What a worker needs to build its :class:`PostFilter`: the clean params and the
    author-key secret.

    It travels with every task (to a pool process or a Dask worker); the secret is left out
    of its repr, so a task description in a log (Dask prints a failed task's arguments) shows
    only the fingerprint.
    """

    cp: CleanParams
    author_secret: bytes

    def __repr__(self) -> str:
        return f"FilterConfig(cp={self.cp!r}, secret {secret_fingerprint(self.author_secret)})"

    @property
    def state_key(self) -> tuple[str, CleanParams, str]:
        """The :func:`~pipeline.execution.worker_state` key: one PostFilter per process and
        configuration (the secret by its fingerprint, never itself)."""
        return ("clean.PostFilter", self.cp, secret_fingerprint(self.author_secret))

    def post_filter(self) -> PostFilter:
        """This process's PostFilter for the configuration, built on first use (spaCy,
        lingua and the scrubber take seconds to load)."""
        return worker_state(self.state_key, lambda: PostFilter(self.cp, self.author_secret))


def clean_batch(config: FilterConfig, batch: pd.DataFrame) -> _BatchResult:
    """One unit of work, wherever it runs: (posts in, kept, rejected, funnel, redactions,
    filter stats) of ``batch``. Module-level, so ``functools.partial(clean_batch, config)``
    pickles for pool processes and Dask workers."""
    flt = config.post_filter()
    funnel: Counter[str] = Counter()
    redactions: Counter[str] = Counter()
    stats = FilterStats()
    kept, rejected = process_batch(batch, flt, funnel, redactions, stats)
    return len(batch), kept, rejected, funnel, redactions, stats


PROGRESS_CHUNK = 250  # posts per unit of work (and per progress update)


def _chunks(frames: Iterator[pd.DataFrame], size: int) -> Iterator[pd.DataFrame]:
    """Each frame cut into pieces of at most ``size`` rows, in order."""
    for frame in frames:
        for lo in range(0, len(frame), size):
            yield frame.iloc[lo : lo + size]


def _units(n_posts: int, batch_size: int) -> int:
    """The units of work (chunks) ``n_posts`` make; one input batch's worth counts as one:
    it runs in this process, where starting worker processes would cost more than it saves."""
    if n_posts <= batch_size:
        return 1
    full, rest = divmod(n_posts, batch_size)
    return full * -(-batch_size // PROGRESS_CHUNK) + -(-rest // PROGRESS_CHUNK)


def run(
    params: Params,
    src: Path = paths.RAW_POSTS,
    clean_out: Path = paths.CLEAN,
    rejected_out: Path = paths.REJECTED,
    batch_size: int = 2000,
    progress: bool = True,
) -> dict[str, Any]:
    """Clean ``src`` into ``clean_out`` and ``rejected_out``; returns the metrics.

    Chunks of :data:`PROGRESS_CHUNK` posts go to the executor of ``params.execution`` (this
    process, ``clean.workers`` local processes, or Dask workers), at most two per worker in
    flight; results come back in input order, so the files do not depend on the engine or
    the number of workers. A lost worker fails the stage with
    :class:`~pipeline.execution.WorkerLost` before any output is replaced.
    """
    if not src.exists():
        raise ArtifactError(f"{src} does not exist: run the stage that writes it first")
    config = FilterConfig(params.clean, load_secret(params.ingest.source))
    n_posts = pq.ParquetFile(src).metadata.num_rows
    funnel: Counter[str] = Counter()
    redactions: Counter[str] = Counter()
    filter_stats = FilterStats()
    total = 0
    # Work goes out in chunks of PROGRESS_CHUNK posts, so the bar moves every few seconds
    # even on slow real posts; the chunks of one input batch are written as that batch, so
    # the files (row groups) are those of a run without chunks.
    pending: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    pending_n = 0
    executor = open_executor(
        params.execution, params.clean.workers, units=_units(n_posts, batch_size)
    )
    with executor:
        log.info("clean: %s", executor.describe())
        try:
            with (
                BatchWriter(clean_out, CLEAN_POSTS) as kept_w,
                BatchWriter(rejected_out, REJECTED) as rej_w,
                progress_bar(total=n_posts, desc="clean", unit="post",
                             disable=not progress) as bar,
            ):

                def flush() -> None:
                    nonlocal pending_n
                    if pending:
                        kept_w.write(pd.concat([k for k, _ in pending], ignore_index=True))
                        rej_w.write(pd.concat([r for _, r in pending], ignore_index=True))
                    pending.clear()
                    pending_n = 0

                chunks = _chunks(iter_frames(src, batch_size), PROGRESS_CHUNK)
                for n, kept, rejected, b_funnel, b_redactions, b_stats in executor.map(
                    partial(clean_batch, config), chunks
                ):
                    pending.append((kept, rejected))
                    pending_n += n
                    if pending_n >= batch_size:
                        flush()
                    funnel.update(b_funnel)
                    redactions.update(b_redactions)
                    filter_stats.update(b_stats)
                    total += n
                    bar.update(n)
                flush()
        except WorkerLost as exc:
            raise WorkerLost(f"clean: {exc} The previous outputs were left in place.") from exc
    metrics = {
        "posts_in": total,
        "kept": funnel["kept"],
        "rejected": sum(v for k, v in funnel.items() if k != "kept"),
        "rejected_by_reason": {r: funnel[r] for r in REJECT_REASONS},
        "redactions_by_type": dict(sorted(redactions.items())),
        "author_key_secret": secret_fingerprint(config.author_secret),
        # per filter, in the order applied
        "filters": list(FILTER_REASONS),
        "rejected_by_filter": {f: filter_stats.rejected[f] for f in FILTER_REASONS},
    }
    assert metrics["kept"] + metrics["rejected"] == total, "every post is kept or rejected"
    write_stage_metrics("clean", metrics)
    # The seconds per filter (summed over worker processes) differ on every run: they go to
    # metrics/timings/clean.json, which is neither a DVC output nor in git, so a rerun with
    # the same data leaves metrics/clean.json, dvc.lock and everything downstream unchanged.
    seconds = {f: round(filter_stats.seconds[f], 3) for f in FILTER_REASONS}
    write_json({"posts_in": total, "seconds_by_filter": seconds}, paths.TIMINGS_DIR / "clean.json")
    log.info("clean: seconds per filter: %s", ", ".join(f"{f} {t:.2f}" for f, t in seconds.items()))
    log.info("clean: %d in, %d kept, %d rejected", total, metrics["kept"], metrics["rejected"])
    return metrics
