"""The published dataset's schema as Hugging Face ``Features``: the consumers' contract."""

from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from pipeline.values import VALUE_IDS

VALUE_LABEL = ClassLabel(names=list(VALUE_IDS))

OPTION_STRUCT = {
    "option_id": Value("string"),
    "text": Value("string"),
    "value": VALUE_LABEL,
}

SCENARIO_FEATURES = Features(
    {
        "scenario_id": Value("string"),
        "subreddit": Value("string"),
        "post_id": Value("string"),
        "scenario": Value("string"),
        "question": Value("string"),
        "options": List(OPTION_STRUCT),
        "annotator": Value("string"),
        "prompt_version": Value("string"),
        "review_status": Value("string"),
        # month of the source post (UTC), for contamination-aware evaluation
        "created_month": Value("string"),
    }
)

OPTION_FEATURES = Features(
    {
        "scenario_id": Value("string"),
        "option_id": Value("string"),
        "text": Value("string"),
        "value": VALUE_LABEL,
        "created_month": Value("string"),  # after the contract's four columns
    }
)

CONFIGS = {
    # config name -> (folder in the dataset repo, features); the first is the default
    "scenarios": ("data", SCENARIO_FEATURES),
    "options": ("options", OPTION_FEATURES),
}
SPLIT = "test"
