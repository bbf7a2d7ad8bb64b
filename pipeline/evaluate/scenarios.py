"""Scenarios to evaluate on: the published dataset folder or a parquet of scenarios.

- a dataset folder (``processed/valact-15k`` or a downloaded Hub snapshot): read with
  ``datasets.load_dataset(<absolute path>, split="test")`` (default config ``scenarios``);
  works offline. The path is made absolute so a folder named like a packaged builder
  (``parquet``, ``json``, ...) is not mistaken for it.
- a ``.parquet`` file, either one row per scenario with an ``options`` list of structs
  (``option_id``, ``text``, ``value``), as in the ``scenarios`` config, or one row per option
  (``scenario_id``, ``scenario``, ``question``, ``option_id``, ``text``, ``value``).

``value`` may be a ClassLabel int (mapped through :data:`pipeline.values.VALUE_IDS`) or a
value id. Scenarios keep the file's order (the dataset's is by ``scenario_id``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.schemas import MONTH_PATTERN
from pipeline.values import VALUE_IDS


class ScenarioError(ValueError):
    """Scenarios that cannot be evaluated (the message says what is wrong)."""


@dataclass(frozen=True)
class Option:
    option_id: str
    text: str
    value: str


@dataclass(frozen=True)
class Scenario:
    scenario_id: str
    scenario: str
    question: str
    options: tuple[Option, ...]
    created_month: str | None = None  # YYYY-MM of the source post (datasets since 0.2)


def value_id(raw: Any) -> str:
    """A value id from a ClassLabel int or an id string."""
    if isinstance(raw, bool):
        raise ScenarioError(f"invalid value {raw!r}")
    if isinstance(raw, int) or (hasattr(raw, "dtype") and str(getattr(raw, "dtype", "")
                                                              ).startswith("int")):
        idx = int(raw)
        if 0 <= idx < len(VALUE_IDS):
            return VALUE_IDS[idx]
        raise ScenarioError(f"value index {idx} is out of range 0..{len(VALUE_IDS) - 1}")
    text = str(raw).strip()
    if text.isdigit():
        return value_id(int(text))
    if text in VALUE_IDS:
        return text
    raise ScenarioError(f"unknown value {raw!r}; expected one of {', '.join(VALUE_IDS)}")


def _scenario(sid: Any, scenario: Any, question: Any,
              options: Iterable[Mapping[str, Any]], created_month: Any = None) -> Scenario:
    opts = tuple(
        Option(str(o["option_id"]), str(o["text"]), value_id(o["value"])) for o in options
    )
    if len(opts) < 2:
        raise ScenarioError(f"scenario {sid}: needs at least 2 options, has {len(opts)}")
    if len(opts) > 26:
        raise ScenarioError(f"scenario {sid}: more than 26 options cannot be lettered")
    if len({o.value for o in opts}) != len(opts):
        raise ScenarioError(f"scenario {sid}: two options enact the same value")
    month = None if created_month is None or pd.isna(created_month) else str(created_month)
    return Scenario(str(sid), str(scenario or ""), str(question or ""), opts, month)


def from_records(records: Iterable[Mapping[str, Any]]) -> list[Scenario]:
    """Scenarios from rows of the ``scenarios`` config (``options`` as a list of structs)."""
    out = []
    for r in records:
        options = r["options"]
        if isinstance(options, Mapping):  # a datasets "dict of lists" struct column
            keys = list(options)
            options = [dict(zip(keys, vals, strict=True))
                       for vals in zip(*(options[k] for k in keys), strict=True)]
        out.append(_scenario(r["scenario_id"], r.get("scenario"), r.get("question"),
                             list(options), r.get("created_month")))
    return out


def _from_frame(df: pd.DataFrame, source: str) -> list[Scenario]:
    if "options" in df.columns:
        needed = {"scenario_id", "options"}
        missing = needed - set(df.columns)
        if missing:
            raise ScenarioError(f"{source}: missing columns {sorted(missing)}")
        return from_records(df.to_dict(orient="records"))
    needed = {"scenario_id", "scenario", "question", "option_id", "text", "value"}
    missing = needed - set(df.columns)
    if missing:
        raise ScenarioError(
            f"{source}: expected an 'options' column (one row per scenario) or the columns "
            f"{sorted(needed)} (one row per option); missing {sorted(missing)}"
        )
    out = []
    for sid, g in df.groupby("scenario_id", sort=False):
        first = g.iloc[0]
        out.append(_scenario(sid, first["scenario"], first["question"],
                             g.to_dict(orient="records"), first.get("created_month")))
    return out


_MONTH = re.compile(MONTH_PATTERN)


def created_after(scenarios: Sequence[Scenario], month: str) -> tuple[list[Scenario], int]:
    """The scenarios whose source post is from a month after ``month`` (``YYYY-MM``).

    For contamination-aware evaluation: pass a model's training cutoff. Returns them and
    the number of scenarios left out because their month is unknown. Raises ScenarioError
    for a malformed month, a dataset without months, or when none is left.
    """
    if not _MONTH.match(month):
        raise ScenarioError(f"--after {month!r}: expected a month as YYYY-MM, e.g. 2024-06")
    unknown = sum(s.created_month is None for s in scenarios)
    if scenarios and unknown == len(scenarios):
        raise ScenarioError(
            "--after needs created_month, and no scenario of this dataset has one (datasets "
            "built before created_month was published): rebuild it, or evaluate without --after"
        )
    kept = [s for s in scenarios if s.created_month is not None and s.created_month > month]
    if not kept:
        raise ScenarioError(f"no scenario is from a month after {month}")
    return kept, unknown


def load_scenarios(source: str | Path, *, cache_dir: str | Path | None = None) -> list[Scenario]:
    """All scenarios of a dataset folder or a parquet file (see the module docstring)."""
    path = Path(source)
    if not path.exists():
        raise ScenarioError(f"{path} does not exist (a dataset folder or a .parquet file)")
    if path.is_dir():
        import datasets

        try:
            ds = datasets.load_dataset(str(path.resolve()), split="test",
                                       cache_dir=str(cache_dir) if cache_dir else None)
        except Exception as exc:  # datasets raises many types; say which folder failed
            raise ScenarioError(f"{path}: cannot load it as a dataset folder ({exc})") from exc
        if "options" not in ds.column_names:
            raise ScenarioError(f"{path}: the default config has no 'options' column")
        return from_records(ds.to_list())
    if path.suffix.lower() != ".parquet":
        raise ScenarioError(f"{path}: expected a dataset folder or a .parquet file")
    df = pd.read_parquet(path)
    if "options" in df.columns:
        df["options"] = [list(o) for o in df["options"]]
    return _from_frame(df, str(path))


def fingerprint(scenarios: Sequence[Scenario]) -> str:
    """sha256 (16 hex) of every scenario's text, question and options, in order."""
    h = hashlib.sha256()
    for s in scenarios:
        h.update(json.dumps([s.scenario_id, s.scenario, s.question,
                             [[o.option_id, o.text, o.value] for o in s.options]],
                            ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()[:16]
