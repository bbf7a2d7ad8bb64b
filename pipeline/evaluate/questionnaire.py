"""The values questionnaire of the ``state`` condition: items, files, scale and scoring.

The shipped instrument, ``data/questionnaire.v1.jsonl``, was written for this project: four
first-person statements per value (40 in all, every item forward-keyed), answered on a 1-6
agreement scale. It is *not* the Portrait Values Questionnaire and does not reuse its
wording. Researchers with a licence for a published instrument (PVQ-RR, PVQ-40, SVS) can
pass their own file instead:

- ``.jsonl``: one object per line with ``text``, ``value`` and optionally ``item_id`` and
  ``reverse``;
- ``.csv``: a header row with the same column names.

``value`` is one of :data:`pipeline.values.VALUE_IDS` (or its ClassLabel index);
``reverse`` (true/false, 1/0, yes/no; default false) marks reverse-keyed items, whose rating
``r`` is scored as ``scale_min + scale_max - r``.

**Scoring** (:func:`stated_profile`): ratings are reverse-keyed where needed, then centred
on the respondent's own mean over all answered items (ipsatized, as Schwartz recommends to
remove scale-use differences): ``score(value) = mean(items of value) - mean(all items)``.
Positive means "more important than this respondent's average value".
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from pipeline.values import VALUE_IDS

BUILTIN_NAME = "questionnaire.v1"
BUILTIN_FILE = "questionnaire.v1.jsonl"

AGREEMENT_LABELS_6 = (
    "strongly disagree",
    "disagree",
    "slightly disagree",
    "slightly agree",
    "agree",
    "strongly agree",
)
DEFAULT_STEM = "How much do you agree with this statement about yourself?"

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


class QuestionnaireError(ValueError):
    """A questionnaire file that cannot be used (the message names the line and field)."""


@dataclass(frozen=True)
class Scale:
    """A rating scale ``minimum..maximum`` with one label per point."""

    minimum: int = 1
    maximum: int = 6
    labels: tuple[str, ...] = AGREEMENT_LABELS_6

    def __post_init__(self) -> None:
        if self.maximum <= self.minimum:
            raise QuestionnaireError(f"scale maximum {self.maximum} must exceed its minimum")
        if self.maximum > 9 or self.minimum < 0:
            raise QuestionnaireError("scale points must be single digits (0..9)")
        if len(self.labels) != self.points:
            raise QuestionnaireError(
                f"the scale {self.minimum}-{self.maximum} needs {self.points} labels, "
                f"got {len(self.labels)}"
            )

    @property
    def points(self) -> int:
        return self.maximum - self.minimum + 1

    def label_of(self, rating: int) -> str:
        return self.labels[rating - self.minimum]

    @classmethod
    def make(cls, maximum: int = 6, labels: Sequence[str] | None = None,
             minimum: int = 1) -> Scale:
        """A scale; without labels, the 6-point agreement labels or numbered endpoints."""
        if labels is None:
            if (minimum, maximum) == (1, 6):
                labels = AGREEMENT_LABELS_6
            else:
                n = maximum - minimum + 1
                labels = tuple(
                    "strongly disagree" if i == 0 else "strongly agree" if i == n - 1
                    else f"{minimum + i}" for i in range(n)
                )
        return cls(minimum, maximum, tuple(labels))

    def as_dict(self) -> dict[str, object]:
        return {"min": self.minimum, "max": self.maximum, "labels": list(self.labels)}


@dataclass(frozen=True)
class Item:
    item_id: str
    text: str
    value: str
    reverse: bool = False


@dataclass(frozen=True)
class Questionnaire:
    items: tuple[Item, ...]
    source: str  # "builtin:questionnaire.v1" or the file path
    scale: Scale = field(default_factory=Scale)
    stem: str = DEFAULT_STEM

    @property
    def fingerprint(self) -> str:
        """sha256 (16 hex) of the items, scale and stem: what the answers depend on."""
        payload = json.dumps(
            {
                "items": [[i.item_id, i.text, i.value, i.reverse] for i in self.items],
                "scale": self.scale.as_dict(),
                "stem": self.stem,
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def per_value(self) -> dict[str, int]:
        counts = dict.fromkeys(VALUE_IDS, 0)
        for item in self.items:
            counts[item.value] += 1
        return counts

    def describe(self) -> dict[str, object]:
        return {
            "source": self.source,
            "fingerprint": self.fingerprint,
            "items": len(self.items),
            "items_per_value": self.per_value(),
            "reverse_keyed": sum(i.reverse for i in self.items),
            "scale": self.scale.as_dict(),
            "stem": self.stem,
        }


def _as_bool(raw: object, where: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw is None:
        return False
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise QuestionnaireError(f"{where}: 'reverse' must be true/false, got {raw!r}")


def _as_value(raw: object, where: str) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < len(VALUE_IDS):
        return VALUE_IDS[raw]
    text = str(raw).strip() if raw is not None else ""
    if text.isdigit() and int(text) < len(VALUE_IDS):
        return VALUE_IDS[int(text)]
    norm = text.lower().replace("-", "_").replace(" ", "_")
    if norm in VALUE_IDS:
        return norm
    raise QuestionnaireError(
        f"{where}: unknown value {raw!r}; expected one of {', '.join(VALUE_IDS)}"
    )


def items_from_records(records: Iterable[tuple[str, dict[str, object]]]) -> tuple[Item, ...]:
    """Items from ``(where, record)`` pairs; readable errors naming ``where``."""
    items: list[Item] = []
    seen: set[str] = set()
    for n, (where, rec) in enumerate(records, 1):
        text = str(rec.get("text") or "").strip()
        if not text:
            raise QuestionnaireError(f"{where}: 'text' is missing or empty")
        if "value" not in rec:
            raise QuestionnaireError(f"{where}: 'value' is missing")
        value = _as_value(rec.get("value"), where)
        item_id = str(rec.get("item_id") or "").strip() or f"q{n:03d}"
        if item_id in seen:
            raise QuestionnaireError(f"{where}: item_id {item_id!r} is repeated")
        seen.add(item_id)
        items.append(Item(item_id, text, value, _as_bool(rec.get("reverse"), where)))
    if not items:
        raise QuestionnaireError("the questionnaire has no items")
    return tuple(items)


def _jsonl_records(path: Path) -> list[tuple[str, dict[str, object]]]:
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            raise QuestionnaireError(f"{path}:{i}: not valid JSON ({exc})") from None
        if not isinstance(rec, dict):
            raise QuestionnaireError(f"{path}:{i}: expected a JSON object")
        out.append((f"{path}:{i}", rec))
    return out


def _csv_records(path: Path) -> list[tuple[str, dict[str, object]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = {"text", "value"} - set(reader.fieldnames or ())
        if missing:
            raise QuestionnaireError(
                f"{path}: the header needs columns text and value (missing: "
                f"{', '.join(sorted(missing))})"
            )
        return [(f"{path}:{i}", dict(row)) for i, row in enumerate(reader, 2)]


def load_questionnaire(
    path: str | Path | None = None,
    *,
    scale: Scale | None = None,
    stem: str | None = None,
) -> Questionnaire:
    """The shipped questionnaire (``path=None``) or a user file (``.jsonl`` / ``.csv``)."""
    if path is None:
        text = resources.files("pipeline.evaluate").joinpath("data", BUILTIN_FILE).read_text(
            encoding="utf-8"
        )
        records = [(f"{BUILTIN_FILE}:{i}", json.loads(line))
                   for i, line in enumerate(text.splitlines(), 1) if line.strip()]
        source = f"builtin:{BUILTIN_NAME}"
    else:
        p = Path(path)
        if not p.exists():
            raise QuestionnaireError(f"{p} does not exist")
        suffix = p.suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            records = _jsonl_records(p)
        elif suffix == ".csv":
            records = _csv_records(p)
        else:
            raise QuestionnaireError(f"{p}: expected a .jsonl or .csv file")
        source = str(p)
    return Questionnaire(items_from_records(records), source, scale or Scale(),
                         stem or DEFAULT_STEM)


def scored_ratings(df: pd.DataFrame) -> pd.Series:
    """Reverse-keyed ratings of state responses (columns rating, reverse, scale_min/max)."""
    rating = pd.to_numeric(df["rating"], errors="coerce").astype(float)
    reverse = df["reverse"].fillna(False).astype(bool) if "reverse" in df else False
    lo = pd.to_numeric(df.get("scale_min", 1), errors="coerce")
    hi = pd.to_numeric(df.get("scale_max", 6), errors="coerce")
    flipped = lo + hi - rating
    return rating.where(~reverse, flipped) if isinstance(reverse, pd.Series) else rating


def stated_profile(state: pd.DataFrame) -> pd.DataFrame:
    """Ipsatized value scores of ONE respondent's answered state items.

    Returns one row per value in :data:`VALUE_IDS` order: ``stated_score`` (mean of the
    value's scored items minus the mean over all scored items), ``stated_mean`` (the raw
    mean), ``stated_items`` (answered items). Values without answered items get NaN.
    """
    df = state.assign(scored=scored_ratings(state)).dropna(subset=["scored"])
    center = float(df["scored"].mean()) if len(df) else float("nan")
    grouped = df.groupby("value")["scored"].agg(["mean", "count"])
    grouped = grouped.reindex(list(VALUE_IDS))
    out = pd.DataFrame(
        {
            "value": list(VALUE_IDS),
            "stated_score": (grouped["mean"] - center).to_numpy(dtype=float),
            "stated_mean": grouped["mean"].to_numpy(dtype=float),
            "stated_items": grouped["count"].fillna(0).astype(int).to_numpy(),
        }
    )
    return out
