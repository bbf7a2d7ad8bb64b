"""The dataset card (README.md of the published folder), generated from the data and metrics."""

from __future__ import annotations

from typing import Any

import pandas as pd
from huggingface_hub import DatasetCardData

from pipeline.release.changes import changes_markdown
from pipeline.schemas import REJECT_REASONS
from pipeline.stage_metrics import IngestMetrics, ReviewMetrics, UpstreamMetrics
from pipeline.values import VALUE_BY_ID, VALUE_IDS

# The line that `valact publish` rewrites with the git commit and dvc.lock hash (a build
# cannot record its own commit: its outputs would change with every commit).
SOURCE_MARKER = "<!-- valact:source -->"


EXTENSION_MD = (
    "A new release extends the previous one: every scenario of the previous release is kept "
    "with its ids and texts (`assemble.previous_release`), unless a reviewer edited it (listed "
    "above) or it was withdrawn, and new posts fill the set with every value's count kept "
    "exactly balanced."
)
TAKEDOWN_MD = """ A post its author deleted, one Reddit or its moderators removed, one named in a
takedown request, or one a reviewer withdrew is recorded in the pipeline's
`review/withdrawn.jsonl` (post id, reason, date) and leaves every later release; before each
release `valact withdrawals check` asks Reddit which published posts are now deleted or
removed. To ask for a takedown, open an issue or write to the maintainers with the
`scenario_id`, `post_id` or the link to the Reddit post; you do not need to say who you are.
The scenario leaves the next release. Earlier revisions remain in the Hub repository's
history unless the maintainers squash it: say so in the request if you need that too."""


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return name
    return "100K<n<1M"


def _n(x: object) -> str:
    return f"{x:,}" if isinstance(x, int) else "?"


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _agreement_md(ag: dict[str, Any]) -> str:
    """Reviewer agreement, from the review stage's metrics."""
    decided = ag.get("items_decided", 0)
    if not decided:
        return "No human decisions yet: agreement figures appear here once reviewers decide."
    reviewers = ", ".join(f"{r} {n}" for r, n in sorted(ag.get("reviewers", {}).items()))
    parts = [
        f"Human decisions cover {decided:,} items ({ag.get('items_multi_reviewed', 0):,} seen "
        f"by two or more reviewers; items per reviewer: {reviewers})."
    ]
    for key, what in (("decision", "accept/reject"), ("value_labels", "value labels")):
        a = ag.get(key, {})
        if a.get("units"):
            alpha = a.get("alpha")
            alpha_s = "undefined (no variation)" if alpha is None else f"{alpha:.3f}"
            parts.append(
                f"Krippendorff's alpha on {what}: {alpha_s} over {a['units']:,} multiply "
                f"reviewed units (observed agreement {a.get('observed_agreement', 0):.1%})."
            )
    llm = ag.get("llm_vs_human", {})
    if llm.get("options"):
        line = (
            f"On {llm['options']:,} options a human confirmed or relabelled, the value the "
            f"annotator intended was the human's for {llm['intended_equals_human']:.1%}"
        )
        if llm.get("options_with_verifier") and llm.get("verifier_equals_human") is not None:
            line += f" (the blind verifier's label: {llm['verifier_equals_human']:.1%})"
        parts.append(line + ".")
    rows = [
        (reason, f"{r['accepted']}/{r['decided']}", f"{r['accept_rate']:.0%}")
        for reason, r in sorted(ag.get("accept_rate_by_reason", {}).items())
    ]
    text = " ".join(parts)
    if rows:
        text += "\n\n" + _table(("queue reason", "accepted / decided", "accept rate"), rows)
    return text


def _damaged_md(ingest: IngestMetrics) -> str:
    """The damaged input files of the ingest stage (read up to the damage), or ""."""
    damaged = ingest.report.get("damaged_files", [])  # the dump reader's report only
    if not damaged:
        return ""
    rows = [
        (
            f"`{d['file']}`",
            d["kind"],
            str(d["detail"]).replace("|", "\\|"),
            f"{d['line']:,}",
            f"{d['kept']:,}",
        )
        for d in damaged
    ]
    return (
        f"\n\n**{len(damaged)} damaged input file(s)** could not be read to their end; "
        "`ingest.allow_damaged_files` was true, so each was read up to its damage (the "
        "complete records before it are in this build, the rest of the file is not):\n\n"
        + _table(("file", "damage", "detail", "line reached", "posts kept"), rows)
    )


def _decision_lines_md(review: ReviewMetrics) -> str:
    """Decision lines that applied to nothing: unparseable, or naming an unknown item."""
    malformed, unknown = review.decision_lines_malformed, review.decision_lines_unknown_item
    text = (
        f"Decision lines not applied: {malformed:,} malformed (not valid JSON, or not a valid "
        f"decision), {unknown:,} naming an item that is not among the annotated posts."
    )
    if malformed or unknown:
        text += (
            " They changed nothing in this build; the review stage logged each with its file "
            "and line (examples in `metrics/review.json`, `decision_problem_examples`)."
        )
    return text


def render_card(
    *,
    card_data: DatasetCardData,
    build: dict[str, Any],  # the build section of params.yaml (name, license...)
    metrics: dict[str, Any],
    stage_metrics: UpstreamMetrics,
    scenarios: pd.DataFrame,
    changes: dict[str, Any] | None = None,
) -> str:
    changes_md = changes_markdown(changes) if changes else "No changelog for this build."
    changes_heading = (
        f"Changes since {changes.get('previous_version') or changes.get('previous_release')}"
        if changes and changes.get("previous_release")
        else "Changes"
    )
    card_data.license = build["license"]
    card_data.language = ["en"]
    card_data.task_categories = ["multiple-choice", "text-classification"]
    # size_categories counts the rows of the default config (scenarios), as the Hub does
    card_data.size_categories = [_size_category(metrics["scenarios"])]
    card_data.pretty_name = build["name"]
    ingest = stage_metrics.ingest
    # The bundled sample (ingest.source: sample) is synthetic: nothing in it is from Reddit.
    synthetic = ingest.source == "sample"
    card_data.tags = [
        "values", "schwartz", "value-action-gap", "synthetic" if synthetic else "reddit", "advice"
    ]

    clean, dedupe = stage_metrics.clean, stage_metrics.dedupe
    annotate, review = stage_metrics.annotate, stage_metrics.review
    offline = "offline" in metrics["annotators"]
    n_s, n_o = metrics["scenarios"], metrics["options"]
    k = n_o // n_s if n_s else 0

    funnel_rows = [(r, clean.rejected_by_reason.get(r, 0)) for r in REJECT_REASONS]
    funnel_rows = [r for r in funnel_rows if r[1]]
    value_rows = [
        (v, VALUE_BY_ID[v].label, VALUE_BY_ID[v].definition, metrics["options_per_value"][v])
        for v in VALUE_IDS
    ]
    example = scenarios.iloc[0] if len(scenarios) else None
    example_md = ""
    if example is not None:
        opts = "\n".join(
            f"  - ({chr(ord('a') + j)}) {o['text']} — *{o['value']}*"
            for j, o in enumerate(example["options"])
        )
        example_md = f"> **Scenario.** {example['scenario']}\n>\n> **Question.** {example['question']}\n\n{opts}\n"

    annotator_md = (
        "**The options in this build were written by the `offline` annotator**: a transparent "
        "heuristic shipped with the pipeline (fixed option templates written for this project, "
        "one per value, and a relevance score from a value cue lexicon; the scenario is the "
        "poster's own scrubbed sentences, condensed). It is not a language model and its "
        "options are generic: use such a build for demos and pipeline tests, not for research."
        if offline
        else f"Options were written by `{', '.join(metrics['annotators'])}` with prompt "
        f"versions {', '.join(metrics['prompt_versions'])}, then verified by a blind "
        "classification call and reviewed by humans where flagged."
    )
    redactions = metrics.get("redactions_by_type", {})
    red_md = ", ".join(f"{k_}: {v}" for k_, v in sorted(redactions.items())) or "none"
    review_rows = list(metrics.get("review_status", {}).items())
    agreement_md = _agreement_md(review.agreement)
    assemble = stage_metrics.assemble
    subreddit_rows = list(assemble.scenarios_per_subreddit.items())
    year_rows = list(assemble.scenarios_per_year.items())
    relaxed = assemble.caps_relaxed
    relaxed_md = (
        f" (relaxed in this build: the {' and '.join(relaxed)} "
        f"cap{'s' if len(relaxed) > 1 else ''})"
        if relaxed
        else ""
    )

    if synthetic:
        origin = (
            "written from the **synthetic** posts of the pipeline's bundled sample (invented "
            "posts, not collected from Reddit; see `raw/sample/README.md`)"
        )
        subreddit_md = "the advice subreddit the synthetic post was written for"
        post_id_md = (
            "the id the sample generator gave the synthetic post (base36, invented: it refers "
            "to no Reddit post)"
        )
        ingest_md = (
            f"Source `sample`: {_n(ingest.posts_ingested)} **synthetic** posts, the "
            "bundled sample `raw/sample/` written from templates by "
            "`scripts/generate_sample.py`; none of them was collected from Reddit."
        )
        limitation_md = (
            "- **This build is synthetic**: its posts were written from templates for testing "
            "the pipeline (`raw/sample/README.md`), and say nothing about what people ask for "
            "advice about. Use it for demos and pipeline tests, not for research."
        )
        removal_md = (
            "The posts of this build are synthetic and their personal data is invented "
            "(reserved or fake values): there is no author to remove a post for."
        )
        citation_title = "synthetic advice scenarios with Schwartz-value action options"
        releases_md = (
            "## Releases and withdrawals\n\n" + EXTENSION_MD + " An item recorded in the "
            "pipeline's `review/withdrawn.jsonl` (post id, reason, date) leaves every later "
            "release."
        )
    else:
        origin = "drawn from Reddit"
        subreddit_md = "the advice subreddit the post came from"
        post_id_md = (
            "the Reddit id of the source post (base36), for provenance and takedown requests"
        )
        ingest_md = (
            f"Source `{ingest.source}`: {_n(ingest.posts_ingested)} posts."
        )
        limitation_md = (
            "- Reddit advice subreddits skew English-speaking, young and online; scenarios "
            "inherit that."
        )
        removal_md = (
            "Author names are never published. To have a scenario derived from your post "
            "taken down, see *Withdrawals and takedown requests* below."
        )
        citation_title = "Reddit advice scenarios with Schwartz-value action options"
        releases_md = "## Releases, withdrawals and takedown requests\n\n" + EXTENSION_MD + TAKEDOWN_MD

    body = f"""
# {build["name"]}

{build["name"]} is a dataset of **{n_s:,} advice-seeking scenarios** {origin}, each
with **{k} action options**; every option enacts exactly one of Schwartz's ten basic human
values, and the options of a scenario enact distinct values ({n_o:,} options in all). It
exists to measure the **value-action gap** of language models: what a model says it values
(a questionnaire) against what it chooses when someone asks it for advice.

Version **{metrics["version"]}**, data fingerprint `{metrics["data_fingerprint"]}`.
{SOURCE_MARKER}Source: not published yet; `valact publish` records here the git commit and the `dvc.lock` hash this folder was built from.

## Configurations

- `scenarios` (default), split `test`: one row per scenario: `scenario_id`, `subreddit`,
  `post_id`, `scenario`, `question`, `options` (list of `option_id`, `text`, `value`),
  `annotator`, `prompt_version`, `review_status`, `created_month`.
- `options`, split `test`: one row per option: `scenario_id`, `option_id`, `text`, `value`,
  `created_month`.

`value` is a `ClassLabel` with the names, in circumplex order:
`{", ".join(VALUE_IDS)}`.

```python
from datasets import load_dataset
scenarios = load_dataset("path/or/repo", split="test")            # config "scenarios"
options = load_dataset("path/or/repo", "options", split="test")
```

## Fields

| field | description |
|---|---|
| `scenario_id` | `valact-<post_id>`: the same post has the same id in every release |
| `subreddit` | {subreddit_md} |
| `post_id` | {post_id_md} |
| `created_month` | month of the source post, `YYYY-MM` (UTC; never the exact time): keep the scenarios written after a model's training cutoff |
| `scenario` | the situation, anonymized: personal data replaced by typed placeholders such as `[NAME]` |
| `question` | the question the poster asked |
| `options` / `option_id`, `text`, `value` | an action a person holding `value` would take; `option_id` is `<scenario_id>-` and the first 8 hex digits of `sha256("valact-option|<post_id>|<value it was written for>")`, stable across releases (a relabelled option keeps its id) and not spelling out its label |
| `annotator` | the model (or `offline`) that wrote the scenario and options |
| `prompt_version` | version of the prompt templates used |
| `review_status` | `accepted`, `edited`, `not_flagged` (passed automatic checks, not in the review queue) or `unreviewed` (flagged, published because `review.publish_unreviewed` is true) |

## Values

{_table(("id", "value", "definition (ours)", "options"), value_rows)}

![Options per value](value_distribution.png)

## Example

{example_md}
## How it was built

### 1. Ingest

{ingest_md}{_damaged_md(ingest)}

### 2. Clean

{_n(clean.kept)} kept, {_n(clean.rejected)} rejected, each with one
reason (the first that applies, in this order):

{_table(("reason", "posts"), funnel_rows) if funnel_rows else "(none rejected)"}

Personal data replaced (placeholders by type): {red_md}.

### 3. Dedupe

{_n(dedupe.duplicates)} exact or near duplicates removed
({", ".join(f"{m}: {c}" for m, c in dedupe.duplicates_by_method.items()) or "none"}).

### 4. Annotate

{_n(annotate.posts_annotated)} posts annotated, provider
`{annotate.provider}`. {annotator_md}

### 5. Review

{review.decisions_read} human decisions replayed; {review.queue} items
waiting in the review queue. {_decision_lines_md(review)} Published scenarios by review
status:

{_table(("review status", "scenarios"), review_rows)}

{agreement_md}

### 6. Assemble

{n_s:,} scenarios x {k} options with distinct values, balanced so that every value appears
equally often where the count allows; no subreddit and no year above its share of the set
unless the candidates could not fill it{relaxed_md}.

{_table(("subreddit", "scenarios"), subreddit_rows)}

{_table(("year (UTC)", "scenarios"), year_rows)}

## {changes_heading}

{changes_md}

The full lists (ids added, withdrawn with their reasons, edited, relabelled) are in
`CHANGES.json`; `valact diff OLD_DIR NEW_DIR` prints the same for any two releases.

{releases_md}

## Intended use

Evaluating language models' value-action gap: compare the values a model states (a
questionnaire) with the values of the options it picks, with the `valact evaluate` harness
or your own. Not intended for training models to infer individuals' values, or for any
judgement about the people who wrote the source posts.

## Limitations

{limitation_md}
- A value label says which value an option was written to enact; people may read an
  action as enacting several values.
- Options written by a model carry that model's style and biases; blind verification and
  human review reduce but do not remove label noise.
{"- This build's options come from the offline heuristic (templates), not from a model." if offline else ""}

## Personal data

Posts are filtered (removed, NSFW, sensitive topics such as self-harm and abuse of minors
are excluded) and scrubbed before anything is published: emails, phone numbers, links,
Reddit usernames, social and payment handles, street addresses, identity, card, bank and
document numbers (`[SSN]`, `[CARD]`, `[IBAN]`, `[ID]`), dates of birth, licence plates, IP
addresses and the names of private people are replaced by typed placeholders, one decision
per name across a post. Public figures named in full and brands are kept; age/gender
markers such as "(25F)" are kept as part of the situation.
{removal_md}

## Citation

```bibtex
@misc{{valact15k,
  title  = {{{build["name"]}: {citation_title}}},
  author = {{The ValAct team}},
  year   = {{2026}},
  note   = {{Version {metrics["version"]}}}
}}
```
"""
    return f"---\n{card_data.to_yaml()}\n---\n{body}"
