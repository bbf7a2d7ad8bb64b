"""The LLM annotator (``annotate.provider: openai``): three calls per post through ``pipeline.llm``.

Every sampled post goes through three steps, each a versioned prompt file
(:mod:`pipeline.annotate.prompts`) and a pydantic response model
(:mod:`pipeline.annotate.models`):

1. **scenario** (``scenario.v1``): the post, JSON-encoded in a delimited block of the user
   message, becomes an anonymized third-person scenario and its question, or is rejected
   with a reason (row status ``rejected``, ``status_detail`` = ``reason: detail``).
2. **options** (``options.v1``): one imperative action per value that can plausibly drive
   the decision, with a relevance in [0, 1]; checked for count, distinct values, lengths and
   value-name leaks. Options under ``annotate.min_relevance`` are dropped (none left:
   ``rejected``).
3. **verify** (``verify.v1``, ``annotate.verify``): a separate call, on
   ``annotate.verify_model`` (default: the same model), sees the scenario and the kept actions
   shuffled (seeded by ``seed`` and post id) under letters, never the intended values, and
   names each action's value: ``verified_value``; a mismatch adds ``verifier_disagreement``.

**Outcomes.** One row per kept option (status ``ok``), or one row per post with the status
of the step that stopped it: ``rejected``, ``refusal``, ``truncated``, ``content_filter``,
``invalid`` (still invalid after the client's one repair; the validation error is in
``status_detail``) or ``error`` (no usable answer: budget, network, HTTP errors; rerun, the
cache keeps everything answered). The status is also a flag, so the review stage queues the
post. A verification that is refused, truncated, filtered or invalid keeps the options
(``verified_value`` null, flags ``unverified`` and the status); one that errors makes the
post ``error`` (a rerun finishes it for the price of one call). Other flags: ``repaired``
(a step needed the repair turn) and ``sensitive`` (the scenario step says so).
``prompt_version`` is ``scenario.v1+options.v1+verify.v1`` on every row. A bug (in this
module or in ``pipeline.llm``) is no outcome: it raises and fails the stage, it never
becomes ``error`` rows that ``annotate.allow_errors`` would let through.

**Running.** ``annotate.mode: online`` runs each post's three calls as a chain, posts in
parallel (never more than ``annotate.concurrency`` calls in flight), so a budget stop leaves
whole posts done. ``annotate.mode: batch`` runs the same requests step by step through the
Batch API (:class:`~pipeline.llm.BatchRunner`): three rounds, resumable. Both share the
response cache (``.valact/llm-cache.sqlite``): a rerun, a resumed run or a larger
``assemble.scenarios`` sends only what was never answered. Per-run figures (requests sent,
cost) go to the log and to ``annotate-last-run.json`` next to the cache, not to DVC metrics,
which stay a function of the outputs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pipeline.annotate import prompts
from pipeline.annotate.models import (
    LABELS,
    OptionOut,
    OptionsOutput,
    ScenarioOutput,
    forbidden_words,
    verify_model,
)
from pipeline.llm import (
    DEFAULT_PRICES,
    BatchRunner,
    Estimate,
    LLMClient,
    LLMRequest,
    LLMResult,
    Price,
    default_cache_path,
    gather_or_cancel,
    price_for,
)
from pipeline.params import Params
from pipeline.progress import progress_bar
from pipeline.schemas import ANNOTATIONS
from pipeline.values import VALUE_IDS

log = logging.getLogger("valact.annotate.llm")

Step = Literal["scenario", "options", "verify"]
VERIFY_MAX_TOKENS = 300
MAX_DETAIL_CHARS = 1000
RUN_STATS_FILE = "annotate-last-run.json"
# Typical completion tokens per step, for estimates before any answer is cached.
TYPICAL_OUTPUT_TOKENS: dict[str, int] = {"scenario": 250, "options": 700, "verify": 60}
# Averages assumed for the steps that depend on answers not received yet.
DEFAULT_SCENARIO_WORDS = 130
DEFAULT_OPTIONS_PER_POST = 8
DEFAULT_OPTION_WORDS = 22


@dataclass(frozen=True)
class Post:
    post_id: str
    subreddit: str
    title: str
    body: str


@dataclass
class PostRun:
    """One post's progress through the steps; ``rows`` is set when it is final."""

    post: Post
    scenario: ScenarioOutput | None = None
    options: list[OptionOut] | None = None
    shuffled: list[OptionOut] | None = None
    verified: dict[str, str | None] | None = None
    verify_problem: tuple[str, str] | None = None  # (status, detail) of a failed verification
    flags: set[str] = field(default_factory=set)
    pending: Step | None = None
    rows: list[dict[str, Any]] | None = None
    results: list[LLMResult] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.rows is not None


def posts_from_frame(frame: pd.DataFrame) -> list[Post]:
    return [Post(str(r.post_id), str(r.subreddit), str(r.title), str(r.body))
            for r in frame.itertuples(index=False)]


class Annotator:
    """The three steps as a state machine over :class:`PostRun` (no I/O here)."""

    def __init__(self, params: Params) -> None:
        ap = params.annotate
        self.model = ap.model
        self.verify_model_name = ap.verify_model or ap.model
        self.seed = params.seed
        self.temperature = ap.temperature
        self.max_tokens = ap.max_tokens
        self.verify = ap.verify
        self.min_relevance = ap.min_relevance
        self.steps: tuple[Step, ...] = (
            ("scenario", "options", "verify") if ap.verify else ("scenario", "options")
        )
        self.templates = {s: prompts.load(s) for s in self.steps}
        self.prompt_version = prompts.active_ids(self.steps)
        self._static = {"value_list": prompts.value_list(), "forbidden_words": forbidden_words()}

    # -- requests ---------------------------------------------------------------------------

    def _request(self, step: Step, post: Post, data_field: str, data: Mapping[str, Any],
                 response_model: Any, model: str, max_tokens: int) -> LLMRequest:
        template = self.templates[step]
        messages = template.render(**self._static, **{data_field: prompts.data_block(data)})
        return LLMRequest(
            custom_id=f"{post.post_id}/{step}", messages=messages, model=model,
            response_model=response_model, temperature=self.temperature,
            max_tokens=max_tokens, seed=self.seed, prompt_version=template.id,
        )

    def scenario_request(self, post: Post) -> LLMRequest:
        data = {"subreddit": post.subreddit, "title": post.title, "body": post.body}
        return self._request("scenario", post, "post_json", data, ScenarioOutput, self.model,
                             self.max_tokens)

    def options_request(self, post: Post, scenario: ScenarioOutput) -> LLMRequest:
        data = {"scenario": scenario.scenario, "question": scenario.question}
        return self._request("options", post, "scenario_json", data, OptionsOutput, self.model,
                             self.max_tokens)

    def shuffle(self, post: Post, options: Sequence[OptionOut]) -> list[OptionOut]:
        order = list(options)
        random.Random(f"{self.seed}|{post.post_id}|verify").shuffle(order)
        return order

    def verify_request(self, post: Post, scenario: ScenarioOutput,
                       shuffled: Sequence[OptionOut]) -> LLMRequest:
        data = {
            "scenario": scenario.scenario,
            "question": scenario.question,
            "actions": {LABELS[i]: o.action for i, o in enumerate(shuffled)},
        }
        return self._request("verify", post, "item_json", data, verify_model(len(shuffled)),
                             self.verify_model_name, min(self.max_tokens, VERIFY_MAX_TOKENS))

    def next_request(self, run: PostRun) -> LLMRequest | None:
        """The next call ``run`` needs (``None`` when it is final; then ``rows`` is set)."""
        if run.done:
            return None
        if run.scenario is None:
            run.pending = "scenario"
            return self.scenario_request(run.post)
        if run.options is None:
            run.pending = "options"
            return self.options_request(run.post, run.scenario)
        if self.verify and run.verified is None:
            assert run.shuffled is not None
            run.pending = "verify"
            return self.verify_request(run.post, run.scenario, run.shuffled)
        run.pending = None
        run.rows = self.option_rows(run)
        return None

    # -- answers ----------------------------------------------------------------------------

    def feed(self, run: PostRun, result: LLMResult) -> None:
        """Apply the answer to ``run.pending``'s request."""
        step = run.pending
        assert step is not None, "feed() without a pending request"
        run.pending = None
        run.results.append(result)
        if step == "verify" and not result.ok and result.status != "error":
            run.verified = {}
            run.verify_problem = (result.status, _detail("verify", result))
            return
        if not result.ok:
            run.rows = [self.status_row(run, result.status, _detail(step, result))]
            return
        if result.repaired:
            run.flags.add("repaired")
        parsed = result.parsed
        if step == "scenario":
            assert isinstance(parsed, ScenarioOutput)
            if parsed.decision == "reject":
                detail = str(parsed.reject_reason or "other")
                if parsed.reject_detail:
                    detail += f": {parsed.reject_detail.strip()}"
                run.rows = [self.status_row(run, "rejected", detail[:MAX_DETAIL_CHARS])]
                return
            run.scenario = parsed
            if parsed.sensitive:
                run.flags.add("sensitive")
        elif step == "options":
            assert isinstance(parsed, OptionsOutput)
            kept = [o for o in parsed.options if o.relevance >= self.min_relevance]
            if not kept:
                run.rows = [self.status_row(
                    run, "rejected", "no option reached annotate.min_relevance")]
                return
            kept.sort(key=lambda o: VALUE_IDS.index(o.value))
            run.options = kept
            run.shuffled = self.shuffle(run.post, kept)
        else:
            assert parsed is not None and run.shuffled is not None
            labels = parsed.model_dump()
            run.verified = {o.value: labels.get(LABELS[i]) for i, o in enumerate(run.shuffled)}

    # -- rows -------------------------------------------------------------------------------

    def _base(self, run: PostRun) -> dict[str, Any]:
        scen = run.scenario
        return {
            "post_id": run.post.post_id,
            "subreddit": run.post.subreddit,
            "scenario": scen.scenario if scen else None,
            "question": scen.question if scen else None,
            "annotator": self.model,
            "prompt_version": self.prompt_version,
        }

    def status_row(self, run: PostRun, status: str, detail: str) -> dict[str, Any]:
        # an error asks for a rerun, not for a human: no other reason to queue it
        flags = {status} if status == "error" else {status} | run.flags
        return {**self._base(run), "status": status, "status_detail": detail, "value": None,
                "option_text": None, "relevance": None, "verified_value": None,
                "flags": sorted(flags)}

    def option_rows(self, run: PostRun) -> list[dict[str, Any]]:
        assert run.options is not None
        rows = []
        for opt in run.options:
            flags = set(run.flags)
            verified = (run.verified or {}).get(opt.value) if self.verify else None
            detail = None
            if self.verify:
                if run.verify_problem is not None:
                    flags |= {"unverified", run.verify_problem[0]}
                    detail = run.verify_problem[1]
                elif verified is None:
                    flags.add("unverified")
                elif verified != opt.value:
                    flags.add("verifier_disagreement")
            rows.append({**self._base(run), "status": "ok", "status_detail": detail,
                         "value": opt.value, "option_text": opt.action.strip(),
                         "relevance": float(opt.relevance), "verified_value": verified,
                         "flags": sorted(flags)})
        return rows


def _detail(step: str, result: LLMResult) -> str:
    parts = [step]
    if result.status == "error" and result.reason:
        parts.append(result.reason)
    parts.append(result.error or result.status)
    return ": ".join(parts)[:MAX_DETAIL_CHARS]


# -- the client --------------------------------------------------------------------------------


def prices_for(params: Params) -> dict[str, Price] | None:
    """The price table: the defaults plus ``annotate.price_*_per_m`` for the configured models."""
    ap = params.annotate
    if ap.price_input_per_m is None and ap.price_output_per_m is None:
        return None
    if ap.price_input_per_m is None or ap.price_output_per_m is None:
        raise ValueError("annotate.price_input_per_m and annotate.price_output_per_m go together")
    own = Price(ap.price_input_per_m, ap.price_output_per_m)
    table = dict(DEFAULT_PRICES)
    table[ap.model] = own
    verifier = ap.verify_model or ap.model
    if price_for(verifier, DEFAULT_PRICES) is None:
        table[verifier] = own
    return table


def make_client(params: Params, **overrides: Any) -> LLMClient:
    """An :class:`LLMClient` configured from ``params.annotate`` (``overrides`` win)."""
    ap = params.annotate
    prices = prices_for(params)
    if ap.budget_usd is not None:
        table = prices if prices is not None else DEFAULT_PRICES
        missing = sorted({m for m in (ap.model, ap.verify_model or ap.model)
                          if price_for(m, table) is None})
        if missing:
            raise ValueError(
                f"annotate.budget_usd is set but there is no price for {', '.join(missing)}: "
                "set annotate.price_input_per_m and annotate.price_output_per_m (USD per 1M "
                "tokens; 0 for a local server)"
            )
    options: dict[str, Any] = {
        "base_url": ap.base_url,
        "cache": default_cache_path(),
        "concurrency": ap.concurrency,
        "timeout": ap.timeout,
        "max_attempts": ap.max_attempts,
        "rpm": ap.rpm,
        "tpm": ap.tpm,
        "budget_usd": ap.budget_usd,
        "prices": prices,
        "seed": params.seed,
        "cache_namespace": ap.cache_namespace,
        "response_format": ap.response_format,
    }
    options.update(overrides)
    return LLMClient(**options)


# -- drivers ----------------------------------------------------------------------------------


async def _online(ann: Annotator, llm: LLMClient, runs: Sequence[PostRun],
                  progress: bool) -> None:
    """Each post's calls as a chain, ``concurrency`` chains in parallel.

    One chain has at most one call outstanding (in flight, or answered and being committed to
    the cache), so a killed run loses at most ``concurrency`` answers. (Twice as many chains
    run ~5% faster at 200 ms latency, but could lose up to twice as many answers.)
    """
    todo = iter(runs)
    bar = progress_bar(total=len(runs), desc=f"annotate ({ann.model})", unit="post",
               disable=not progress, dynamic_ncols=True)

    async def worker() -> None:
        for run in todo:
            while (request := ann.next_request(run)) is not None:
                ann.feed(run, await llm.complete(request))
            bar.update(1)

    # One client session (one HTTP connection pool, one concurrency semaphore) for the whole
    # run: each ``complete`` would otherwise open and close its own when none overlap. A bug
    # raised on one post cancels the other workers and fails the stage.
    try:
        async with llm.session():
            await gather_or_cancel(*(worker() for _ in range(min(len(runs), llm.concurrency)
                                                             or 1)))
    finally:
        bar.close()


def _stepwise(ann: Annotator, runs: Sequence[PostRun],
              call: Callable[[list[LLMRequest]], list[LLMResult]]) -> None:
    """All posts' pending requests together, one round per step (the Batch API path)."""
    while True:
        pending: list[tuple[PostRun, LLMRequest]] = []
        for run in runs:
            request = ann.next_request(run)
            if request is not None:
                pending.append((run, request))
        if not pending:
            return
        results = call([req for _, req in pending])
        for (run, _), result in zip(pending, results, strict=True):
            ann.feed(run, result)


@dataclass
class RunStats:
    posts: int = 0
    calls: int = 0  # logical requests (each may be several HTTP requests)
    cached: int = 0
    http_requests: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    batches_created: int = 0
    batches_resumed: int = 0
    # structured-output mode of each call's final answer: json_schema, json_object_schema, ...
    response_formats: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        formats = ", ".join(f"{m} {n}" for m, n in sorted(self.response_formats.items()))
        return (f"{self.posts} posts, {self.calls} calls ({self.cached} from the cache), "
                f"{self.http_requests} HTTP requests sent, ${self.cost_usd:.4f} spent, "
                f"{self.seconds:.1f}s; response_format: {formats or 'none'}")


def annotate(
    posts: pd.DataFrame,
    params: Params,
    *,
    progress: bool = True,
    client_options: Mapping[str, Any] | None = None,
) -> tuple[pd.DataFrame, RunStats]:
    """Annotate ``posts`` (unique.parquet rows); the ANNOTATIONS rows and the run's figures."""
    ann = Annotator(params)
    ap = params.annotate
    runs = [PostRun(p) for p in posts_from_frame(posts)]
    stats = RunStats(posts=len(runs))
    started = time.monotonic()
    with make_client(params, **dict(client_options or {})) as llm:
        if ap.mode == "batch":
            runner = BatchRunner(llm, poll_interval=ap.batch_poll_interval,
                                 max_wait=ap.batch_max_wait)
            _stepwise(ann, runs, lambda reqs: runner.run(reqs, progress=progress))
            stats.batches_created = runner.batches_created
            stats.batches_resumed = runner.batches_resumed
        else:
            asyncio.run(_online(ann, llm, runs, progress))
        stats.http_requests = llm.requests_sent
        cache_dir = llm.cache.path.parent if llm.cache is not None else None
    stats.seconds = time.monotonic() - started
    rows: list[dict[str, Any]] = []
    for run in runs:
        assert run.rows is not None
        rows.extend(run.rows)
        stats.calls += len(run.results)
        stats.cached += sum(r.cached for r in run.results)
        stats.cost_usd += sum(r.cost_usd for r in run.results)
        for r in run.results:
            stats.response_formats[r.mode] = stats.response_formats.get(r.mode, 0) + 1
    log.info("annotate (%s, %s): %s", ann.model, ap.mode, stats.line())
    if cache_dir is not None:
        _write_run_stats(cache_dir / RUN_STATS_FILE, params, stats)
    return pd.DataFrame(rows, columns=list(ANNOTATIONS.columns)), stats


def _write_run_stats(path: Path, params: Params, stats: RunStats) -> None:
    data = {"model": params.annotate.model, "mode": params.annotate.mode,
            **{k: (round(v, 6) if isinstance(v, float) else v) for k, v in vars(stats).items()}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:  # figures only: never fail the stage for them
        log.warning("could not write %s: %s", path, exc)


def summary_metrics(annotations: pd.DataFrame, params: Params) -> dict[str, Any]:
    """Figures for metrics/annotate.json that depend only on the outputs (deterministic)."""
    ap = params.annotate
    per_post = annotations.drop_duplicates("post_id")
    ok = annotations[annotations["status"] == "ok"]
    rejected = per_post[per_post["status"] == "rejected"]
    errors = per_post[per_post["status"] == "error"]
    post_flags: Counter[str] = Counter()
    for _, group in annotations.groupby("post_id"):
        flags = {f for cell in group["flags"] for f in cell}
        post_flags.update(flags)
    verified = ok.dropna(subset=["verified_value"])
    per_post_options = ok.groupby("post_id").size()
    return {
        "model": ap.model,
        "verify_model": (ap.verify_model or ap.model) if ap.verify else None,
        "mode": ap.mode,
        "prompt_version": prompts.active_ids(
            ("scenario", "options", "verify") if ap.verify else ("scenario", "options")),
        "reject_reasons": dict(sorted(Counter(
            str(d).split(":", 1)[0] for d in rejected["status_detail"]).items())),
        "error_reasons": dict(sorted(Counter(
            ":".join(str(d).split(": ")[:2]) for d in errors["status_detail"]).items())),
        "flags": dict(sorted(post_flags.items())),
        "options_per_post": (round(float(statistics.mean(per_post_options)), 3)
                             if len(per_post_options) else 0.0),
        "options_verified": len(verified),
        "verifier_agreement": (round(float((verified["verified_value"]
                                            == verified["value"]).mean()), 4)
                               if len(verified) else None),
    }


# -- estimate ----------------------------------------------------------------------------------


def _cached_result(llm: LLMClient, request: LLMRequest) -> LLMResult | None:
    """The result ``request`` would get from the cache alone, or ``None`` (nothing is sent)."""
    if llm.cache is None:
        return None
    ladder = llm.new_ladder(request)
    while not ladder.done:
        hit = llm.cache.get(ladder.wire.key)
        if hit is None:
            return None
        ladder.on_response(hit.response, cached=True)
    return ladder.result


def _filler(source: str, n_words: int) -> str:
    words = source.split() or ["text"]
    return " ".join(words[i % len(words)] for i in range(max(1, n_words)))


def _add(a: Estimate | None, b: Estimate) -> Estimate:
    if a is None:
        return b
    unpriced = tuple(sorted(set(a.unpriced_models) | set(b.unpriced_models)))
    cost = None if unpriced or a.cost_usd is None or b.cost_usd is None else (
        a.cost_usd + b.cost_usd)
    return Estimate(requests=a.requests + b.requests, cached=a.cached + b.cached,
                    to_send=a.to_send + b.to_send, input_tokens=a.input_tokens + b.input_tokens,
                    output_tokens=a.output_tokens + b.output_tokens, cost_usd=cost,
                    unpriced_models=unpriced, batch=a.batch)


def estimate(posts: pd.DataFrame, params: Params, *, header: str = "",
             client_options: Mapping[str, Any] | None = None) -> str:
    """What annotating ``posts`` would send and cost, as text; nothing is sent.

    Replays every post through the cache as far as it goes: requests whose answers are
    cached count as cached, the next request of each post is exact. The steps after an
    unanswered one cannot be built yet: they are estimated from the averages of the cached
    answers (acceptance rate, scenario length, options per post and their length), or from
    defaults when nothing is cached (every post accepted: an upper bound).
    """
    ann = Annotator(params)
    ap = params.annotate
    batch = ap.mode == "batch"
    runs = [PostRun(p) for p in posts_from_frame(posts)]
    exact: dict[str, list[LLMRequest]] = {s: [] for s in ann.steps}
    blocked: dict[str, list[PostRun]] = {s: [] for s in ann.steps}
    with make_client(params, **dict(client_options or {})) as llm:
        for run in runs:
            while (request := ann.next_request(run)) is not None:
                step = run.pending
                assert step is not None
                exact[step].append(request)
                result = _cached_result(llm, request)
                if result is None:
                    blocked[step].append(run)
                    run.pending = None
                    break
                ann.feed(run, result)
        # averages of what the cache answered
        scen_ok = [r for r in runs if r.results and r.results[0].ok]
        accepted = [r for r in scen_ok if r.scenario is not None]
        accept_rate = len(accepted) / len(scen_ok) if scen_ok else 1.0
        scen_words = (statistics.mean(len(str(r.scenario.scenario).split()) for r in accepted
                                      if r.scenario is not None)
                      if accepted else DEFAULT_SCENARIO_WORDS)
        with_opts = [r for r in runs if r.options]
        n_opts = (statistics.mean(len(r.options or []) for r in with_opts) if with_opts
                  else DEFAULT_OPTIONS_PER_POST)
        opt_words = (statistics.mean(len(o.action.split()) for r in with_opts
                                     for o in r.options or [])
                     if with_opts else DEFAULT_OPTION_WORDS)
        n_opts_i = max(1, min(len(LABELS), round(n_opts)))

        def proxy_scenario(run: PostRun) -> ScenarioOutput:
            text = f"{run.post.title} {run.post.body}"
            return ScenarioOutput.model_construct(
                decision="accept", reject_reason=None, reject_detail=None,
                scenario=_filler(text, round(scen_words)), question=_filler(text, 14) + "?",
                sensitive=False)

        def proxy_options(run: PostRun) -> list[OptionOut]:
            text = f"{run.post.title} {run.post.body}"
            return [OptionOut.model_construct(value=VALUE_IDS[i % len(VALUE_IDS)],
                                              action=_filler(text[i:], round(opt_words)),
                                              relevance=0.5) for i in range(n_opts_i)]

        proxies: dict[str, list[LLMRequest]] = {s: [] for s in ann.steps}
        after_scenario = blocked["scenario"][: round(accept_rate * len(blocked["scenario"]))]
        for run in after_scenario:
            scen = proxy_scenario(run)
            proxies["options"].append(ann.options_request(run.post, scen))
            if ann.verify:
                proxies["verify"].append(ann.verify_request(run.post, scen, proxy_options(run)))
        if ann.verify:
            for run in blocked["options"]:
                assert run.scenario is not None
                proxies["verify"].append(
                    ann.verify_request(run.post, run.scenario, proxy_options(run)))
        lines = []
        total: Estimate | None = None
        width = max(len(s) for s in ann.steps) + 1
        for step in ann.steps:
            version = ann.templates[step].id
            model = ann.verify_model_name if step == "verify" else ann.model
            mean = (llm.cache.mean_completion_tokens(model, version)
                    if llm.cache is not None else None)
            out = round(mean) if mean is not None else TYPICAL_OUTPUT_TOKENS[step]
            est = llm.estimate(exact[step] + proxies[step], output_tokens=out, batch=batch)
            total = _add(total, est)
            guessed = f" [{len(proxies[step])} of them from averages]" if proxies[step] else ""
            lines.append(f"  {step + ':':<{width}} {est.summary()}{guessed}")
    assert total is not None
    lines.append(f"  {'total:':<{width}} {total.summary()}")
    if ap.budget_usd is not None and total.cost_usd is not None:
        fits = "fits within" if total.cost_usd <= ap.budget_usd else "EXCEEDS"
        lines.append(f"  the estimate {fits} annotate.budget_usd = ${ap.budget_usd:g} "
                     "(the run stops sending at the cap)")
    n_blocked = len(blocked["scenario"])
    notes = [
        f"{ann.model} ({'Batch API' if batch else 'online'}), verifier "
        f"{ann.verify_model_name if ann.verify else 'off'}; prompts {ann.prompt_version}."
    ]
    if n_blocked or blocked["options"]:
        basis = ("cached answers" if scen_ok else "no cached answers yet: an upper bound")
        notes.append(
            "The options and verify steps need the scenario (and options) answers first: for "
            f"the {n_blocked} post(s) without a cached scenario (and {len(blocked['options'])} "
            "without cached options) they are estimated from averages: "
            f"{accept_rate:.0%} of posts accepted ({basis}), ~{scen_words:.0f}-word scenarios, "
            f"{n_opts:.1f} options of ~{opt_words:.0f} words per post."
        )
    notes.append(
        "Output tokens: the mean of cached answers per step where there are any, else typical "
        f"sizes ({', '.join(f'{k} {v}' for k, v in TYPICAL_OUTPUT_TOKENS.items())}). Input "
        "tokens are characters / 4. Repairs (at most one per request), retries and format "
        "fallbacks are not counted."
    )
    head = [header] if header else []
    return "\n".join(head + lines + notes)
