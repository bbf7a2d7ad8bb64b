"""One evaluation run: a condition, a model, a run folder, resumable.

``evaluations/<run_name>/`` holds

- ``settings.json``: everything the answers depend on (condition, model, label, prompt
  version, seed, temperature, max_tokens, targets per scenario, the dataset's path and
  fingerprint, the questionnaire's source, fingerprint and scale, the option-order rule)
  and, under ``last_invocation``, what the latest invocation did (limit, items, requests
  sent, cost). Never the API key; the base URL without credentials or query;
- ``responses.parquet``: one row per item (see :mod:`pipeline.evaluate.responses`),
  rewritten atomically after every chunk of ``chunk_size`` items.

**Resuming.** Running the same command again continues the run: items whose row is final
(answered, unparseable, refused) are skipped without a request; the rest (never asked, or
``error``: budget cap, network, HTTP errors) are asked. Every answer is also in the LLM
layer's sqlite cache the moment it arrives, so a run killed mid-chunk re-asks nothing it had
received either. A run folder refuses settings that differ from its ``settings.json``
(except ``--limit``, which may grow or shrink: rows already there are kept).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from pipeline.artifacts import write_json
from pipeline.evaluate import responses as resp
from pipeline.evaluate.conditions import (
    LETTERS,
    SCENARIO_CONDITIONS,
    Condition,
    EvalItem,
    build_items,
    prompt_version,
)
from pipeline.evaluate.parsing import parse_choice, parse_rating
from pipeline.evaluate.questionnaire import Questionnaire
from pipeline.evaluate.scenarios import Scenario, fingerprint
from pipeline.llm import Estimate, LLMClient, LLMRequest, LLMResult

log = logging.getLogger("valact.evaluate")

SETTINGS_FILE = "settings.json"
RESPONSES_FILE = "responses.parquet"
ORDER_RULE = "random.Random(int(sha256(f'{seed}|{condition}|{scenario_id}|{target}')[:16], 16))"
# settings that must match to continue a run (everything the answers depend on)
# errors after which sending more of the run is pointless: stop and keep what was answered
STOP_REASONS = frozenset({"http_401", "http_403", "http_404", "no_api_key", "budget"})
IDENTITY_KEYS = ("condition", "label", "model", "prompt_version", "seed", "temperature",
                 "max_tokens", "targets_per_scenario", "dataset_fingerprint",
                 "questionnaire_fingerprint", "cache_namespace")


class RunError(RuntimeError):
    """A run that cannot start or continue (the message says why and what to do)."""


@dataclass(frozen=True)
class RunSpec:
    condition: Condition
    model: str
    run_dir: Path
    label: str | None = None  # the respondent's name in the analysis (default: model)
    seed: int = 0
    temperature: float | None = 0.0
    max_tokens: int | None = None
    targets_per_scenario: int | None = None
    limit: int | None = None
    dataset: str | None = None  # where the scenarios came from (recorded)
    created_after: str | None = None  # only scenarios of posts after this YYYY-MM (recorded)
    chunk_size: int = 200

    @property
    def respondent(self) -> str:
        return self.label or self.model


@dataclass
class RunSummary:
    run_dir: Path
    condition: str
    respondent: str
    items: int
    skipped: int  # already final in responses.parquet
    asked: int  # sent to the LLM layer this time (cached answers included)
    requests_sent: int  # HTTP requests this invocation
    ok: int = 0
    unparseable: int = 0
    refused: int = 0
    errors: int = 0
    cost_usd: float = 0.0
    estimate: Estimate | None = None
    by_status: dict[str, int] = field(default_factory=dict)
    stopped: str | None = None  # why the run stopped early (e.g. budget, http_401)

    def line(self) -> str:
        if self.estimate is not None:
            return f"{self.run_dir}: {self.skipped} items done; {self.estimate.summary()}"
        stop = (f" STOPPED ({self.stopped}): run the same command again to continue."
                if self.stopped else "")
        return (
            f"{self.run_dir}: {self.items} items ({self.skipped} already done, {self.asked} "
            f"asked, {self.requests_sent} requests sent): {self.ok} answered, "
            f"{self.unparseable} unparseable, {self.refused} refused, {self.errors} errors; "
            f"${self.cost_usd:.4f} spent this time{stop}"
        )


def safe_url(url: str) -> str:
    """``url`` without user info, query or fragment (no credentials in settings)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def settings_for(spec: RunSpec, llm: LLMClient, scenarios: Sequence[Scenario],
                 questionnaire: Questionnaire | None) -> dict[str, Any]:
    uses_scenarios = spec.condition in SCENARIO_CONDITIONS
    if spec.condition != "state":
        questionnaire = None  # not what these answers depend on
    return {
        "condition": spec.condition,
        "label": spec.respondent,
        "model": spec.model,
        "base_url": safe_url(llm.base_url),
        "cache_namespace": llm.cache_namespace,
        "prompt_version": prompt_version(spec.condition),
        "seed": spec.seed,
        "temperature": spec.temperature,
        "max_tokens": spec.max_tokens,
        "targets_per_scenario": (spec.targets_per_scenario
                                 if spec.condition in ("select", "hold") else None),
        "option_order": ORDER_RULE if uses_scenarios else None,
        "option_labels": LETTERS[:max((len(s.options) for s in scenarios), default=0)]
        if uses_scenarios else None,
        "dataset": spec.dataset if uses_scenarios else None,
        "dataset_fingerprint": fingerprint(scenarios) if uses_scenarios else None,
        "dataset_scenarios": len(scenarios) if uses_scenarios else None,
        "created_after": spec.created_after if uses_scenarios else None,
        "questionnaire": questionnaire.describe() if questionnaire is not None else None,
        "questionnaire_fingerprint": (questionnaire.fingerprint
                                      if questionnaire is not None else None),
    }


def _check_settings(run_dir: Path, new: dict[str, Any], force: bool) -> None:
    path = run_dir / SETTINGS_FILE
    if not path.exists():
        return
    old = json.loads(path.read_text(encoding="utf-8"))
    diffs = [f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in IDENTITY_KEYS
             if old.get(k) != new.get(k)]
    if diffs and not force:
        raise RunError(
            f"{run_dir} was run with other settings ({'; '.join(diffs)}). Use another "
            "--run-name (or --runs-dir) for a new run, or --force to continue anyway."
        )


def _row_base(item: EvalItem, spec: RunSpec) -> dict[str, Any]:
    row: dict[str, Any] = {
        "respondent": spec.respondent,
        "condition": item.condition,
        "item_id": item.item_id,
        "scenario_id": item.scenario_id,
        "target_value": item.target_value,
        "model": spec.model,
    }
    if item.options:
        row["option_ids"] = [o.option_id for o in item.options]
        row["option_values"] = [o.value for o in item.options]
    if item.q_item is not None:
        row["value"] = item.q_item.value
        row["reverse"] = item.q_item.reverse
    return row


def response_row(item: EvalItem, result: LLMResult, spec: RunSpec,
                 questionnaire: Questionnaire | None) -> dict[str, Any]:
    """The responses row of one item from its LLM result (parsed, never guessed)."""
    row = _row_base(item, spec)
    row.update(
        answer_text=result.raw_text,
        llm_status=result.status,
        llm_reason=result.reason,
        llm_error=result.error,
        cached=result.cached,
        attempts=result.attempts,
        cost_usd=result.cost_usd,
        prompt_tokens=result.usage.prompt_tokens,
        completion_tokens=result.usage.completion_tokens,
    )
    if questionnaire is not None and item.condition == "state":
        row["scale_min"] = questionnaire.scale.minimum
        row["scale_max"] = questionnaire.scale.maximum
    if result.status in ("refusal", "content_filter"):
        row["parse_status"] = result.status
        return row
    if result.status not in ("ok", "truncated") or result.raw_text is None:
        row["parse_status"] = "error"
        return row
    if item.condition == "state":
        assert questionnaire is not None
        scale = questionnaire.scale
        parsed = parse_rating(result.raw_text, scale.minimum, scale.maximum, scale.labels)
        if parsed.status == "ok":
            row["rating"] = parsed.index
    else:
        parsed = parse_choice(result.raw_text, [o.text for o in item.options])
        if parsed.status == "ok":
            assert parsed.index is not None
            chosen = item.options[parsed.index]
            row.update(choice_position=parsed.index, chosen_option_id=chosen.option_id,
                       chosen_value=chosen.value)
            if item.target_value is not None:
                row["correct"] = chosen.value == item.target_value
    row.update(parse_status=parsed.status, parse_method=parsed.method,
               parse_detail=parsed.detail)
    return row


def _request(item: EvalItem, spec: RunSpec) -> LLMRequest:
    return LLMRequest(
        custom_id=item.item_id,
        messages=item.messages,
        model=spec.model,
        response_model=None,
        temperature=spec.temperature,
        max_tokens=spec.max_tokens,
        prompt_version=prompt_version(spec.condition),
    )


def _merge(existing: pd.DataFrame, new_rows: list[dict[str, Any]]) -> pd.DataFrame:
    """``existing`` with rows of the same item_id replaced by ``new_rows``."""
    if not new_rows:
        return existing
    new = resp.frame(new_rows)
    keep = existing[~existing["item_id"].isin(set(new["item_id"]))]
    merged = pd.concat([keep, new], ignore_index=True) if len(keep) else new
    return merged.reset_index(drop=True)


def run_condition(
    spec: RunSpec,
    llm: LLMClient,
    *,
    scenarios: Sequence[Scenario] = (),
    questionnaire: Questionnaire | None = None,
    estimate_only: bool = False,
    force: bool = False,
    progress: bool = True,
    on_chunk: Callable[[int, pd.DataFrame], None] | None = None,
) -> RunSummary:
    """Run (or continue) one condition into ``spec.run_dir``; see the module docstring.

    ``scenarios`` is the whole dataset (its fingerprint is recorded); ``spec.limit`` keeps
    the first N. ``on_chunk(i, responses)`` is called after each chunk is written.
    """
    if spec.condition in SCENARIO_CONDITIONS and not scenarios:
        raise RunError(f"the {spec.condition} condition needs scenarios (a dataset)")
    if spec.condition == "state" and questionnaire is None:
        raise RunError("the state condition needs a questionnaire")
    if spec.chunk_size < 1:
        raise RunError("chunk_size must be >= 1")
    settings = settings_for(spec, llm, scenarios, questionnaire)
    _check_settings(spec.run_dir, settings, force)
    used = list(scenarios[: spec.limit] if spec.limit is not None else scenarios)
    items = build_items(spec.condition, scenarios=used, questionnaire=questionnaire,
                        seed=spec.seed, targets_per_scenario=spec.targets_per_scenario)
    responses_path = spec.run_dir / RESPONSES_FILE
    existing = resp.read(responses_path) if responses_path.exists() else resp.empty()
    done = set(existing.loc[existing["parse_status"].isin(resp.FINAL_STATUSES), "item_id"])
    pending = [it for it in items if it.item_id not in done]
    summary = RunSummary(spec.run_dir, spec.condition, spec.respondent, len(items),
                         skipped=len(items) - len(pending), asked=0, requests_sent=0)
    if estimate_only:
        summary.estimate = llm.estimate([_request(it, spec) for it in pending])
        return summary

    spec.run_dir.mkdir(parents=True, exist_ok=True)
    write_json(settings, spec.run_dir / SETTINGS_FILE)
    sent_before = llm.requests_sent
    for i in range(0, len(pending), spec.chunk_size):
        chunk = pending[i: i + spec.chunk_size]
        results = llm.run([_request(it, spec) for it in chunk], progress=progress)
        rows = [response_row(it, r, spec, questionnaire)
                for it, r in zip(chunk, results, strict=True)]
        existing = _merge(existing, rows)
        resp.write(existing, responses_path)
        summary.asked += len(chunk)
        summary.cost_usd += sum(r.cost_usd for r in results)
        if on_chunk is not None:
            on_chunk(i // spec.chunk_size, existing)
        reasons = {r.reason for r in results if r.status == "error"}
        if results and all(r.status == "error" for r in results) and reasons <= STOP_REASONS:
            summary.stopped = ", ".join(sorted(str(x) for x in reasons))
            errors = sorted({str(r.error) for r in results if r.error})[:1]
            log.error("%s: every request of the chunk failed (%s): stopping. %s",
                      spec.run_dir, summary.stopped, errors[0] if errors else "")
            break
    summary.requests_sent = llm.requests_sent - sent_before
    if not responses_path.exists():
        resp.write(existing, responses_path)
    current = existing[existing["item_id"].isin({it.item_id for it in items})]
    counts = current["parse_status"].value_counts()
    summary.by_status = {str(k): int(v) for k, v in counts.items()}
    summary.ok = int(counts.get("ok", 0))
    summary.unparseable = int(counts.get("unparseable", 0))
    summary.refused = int(counts.get("refusal", 0) + counts.get("content_filter", 0))
    summary.errors = int(counts.get("error", 0))
    settings["last_invocation"] = {
        "limit": spec.limit,
        "items": len(items),
        "skipped": summary.skipped,
        "asked": summary.asked,
        "requests_sent": summary.requests_sent,
        "cost_usd": round(summary.cost_usd, 6),
        "parse_status": summary.by_status,
        "stopped": summary.stopped,
        "total_cost_usd": round(float(existing["cost_usd"].fillna(0).sum()), 6),
    }
    write_json(settings, spec.run_dir / SETTINGS_FILE)
    return summary
