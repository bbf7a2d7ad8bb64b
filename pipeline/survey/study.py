"""A study: the scenarios, the questionnaire, the design and the consent text it is run with.

``identity()`` is what a database is bound to (see :meth:`Store.bind_study`): the dataset's
and the questionnaire's fingerprints, the scale and the design. Serving a database with a
different dataset or design is refused, because participants' plans were drawn from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.evaluate.questionnaire import Item, Questionnaire, load_questionnaire
from pipeline.evaluate.scenarios import Scenario, fingerprint, load_scenarios
from pipeline.survey.plan import Design, Plan, assign_scenarios, make_plan

DEFAULT_STALE_MINUTES = 120.0


def default_consent() -> str:
    return resources.files("pipeline.survey").joinpath("consent.default.md").read_text(
        encoding="utf-8")


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each on one line (plain text, escaped when shown)."""
    out, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return out


def blocks(text: str) -> list[tuple[str, str]]:
    """A consent text as ``(kind, text)``: a paragraph starting with ``## `` is a heading."""
    return [("heading", p[3:].strip()) if p.startswith("## ") else ("paragraph", p)
            for p in paragraphs(text)]


@dataclass
class Study:
    scenarios: list[Scenario]
    questionnaire: Questionnaire
    design: Design = field(default_factory=Design)
    consent: str = field(default_factory=default_consent)
    title: str = "Advice study"
    stale_minutes: float = DEFAULT_STALE_MINUTES

    def __post_init__(self) -> None:
        if not self.scenarios:
            raise ValueError("the study has no scenarios")
        self.by_id: dict[str, Scenario] = {s.scenario_id: s for s in self.scenarios}
        if len(self.by_id) != len(self.scenarios):
            raise ValueError("two scenarios share a scenario_id")
        self.items: dict[str, Item] = {i.item_id: i for i in self.questionnaire.items}

    @classmethod
    def load(cls, dataset: Path, questionnaire: Path | None = None, *,
             cache_dir: Path | None = None, consent: Path | None = None,
             **kwargs: Any) -> Study:
        scenarios = load_scenarios(dataset, cache_dir=cache_dir)
        q = load_questionnaire(questionnaire)
        text = consent.read_text(encoding="utf-8") if consent else default_consent()
        return cls(scenarios, q, consent=text, **kwargs)

    @property
    def stale_seconds(self) -> float:
        return self.stale_minutes * 60.0

    def identity(self) -> dict[str, Any]:
        d = self.design
        return {
            "dataset": fingerprint(self.scenarios),
            "scenarios": len(self.scenarios),
            "questionnaire": self.questionnaire.fingerprint,
            "questionnaire_items": len(self.questionnaire.items),
            "scale_min": self.questionnaire.scale.minimum,
            "scale_max": self.questionnaire.scale.maximum,
            "seed": d.seed,
            "scenarios_per_participant": d.scenarios_per_participant,
            "hold_per_participant": d.hold_per_participant,
            "attention_checks": d.attention_checks,
        }

    def plan_for(self, number: int, loads: dict[str, int]) -> Plan:
        ids = assign_scenarios(loads, self.design.scenarios_per_participant,
                               self.design.seed, number)
        return make_plan(self.design, number, self.questionnaire,
                         [self.by_id[i] for i in ids])

    @property
    def scenario_ids(self) -> list[str]:
        return [s.scenario_id for s in self.scenarios]
