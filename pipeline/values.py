"""Schwartz's ten basic human values: the one place the project defines them.

The order of ``VALUE_IDS`` is the circumplex order and the ClassLabel order of the
published dataset. Definitions are short paraphrases written for this project.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class HigherOrder(StrEnum):
    OPENNESS_TO_CHANGE = "openness_to_change"
    SELF_ENHANCEMENT = "self_enhancement"
    CONSERVATION = "conservation"
    SELF_TRANSCENDENCE = "self_transcendence"


@dataclass(frozen=True)
class Value:
    id: str
    label: str
    definition: str
    # Hedonism sits between openness to change and self-enhancement: it has two groups.
    groups: tuple[HigherOrder, ...]


_O, _E, _C, _T = (
    HigherOrder.OPENNESS_TO_CHANGE,
    HigherOrder.SELF_ENHANCEMENT,
    HigherOrder.CONSERVATION,
    HigherOrder.SELF_TRANSCENDENCE,
)

VALUES: tuple[Value, ...] = (
    Value(
        "self_direction",
        "Self-direction",
        "Thinking and acting for yourself: choosing your own goals, exploring, creating.",
        (_O,),
    ),
    Value(
        "stimulation",
        "Stimulation",
        "Seeking novelty, excitement and challenge; a varied life over a settled one.",
        (_O,),
    ),
    Value(
        "hedonism",
        "Hedonism",
        "Seeking pleasure, enjoyment and gratification for yourself.",
        (_O, _E),
    ),
    Value(
        "achievement",
        "Achievement",
        "Personal success shown through competence by the standards of others.",
        (_E,),
    ),
    Value(
        "power",
        "Power",
        "Status and prestige, and control or dominance over people and resources.",
        (_E,),
    ),
    Value(
        "security",
        "Security",
        "Safety, stability and order for yourself, your relationships and your society.",
        (_C,),
    ),
    Value(
        "conformity",
        "Conformity",
        "Restraining actions and impulses that could upset others or break social norms.",
        (_C,),
    ),
    Value(
        "tradition",
        "Tradition",
        "Respect for and commitment to the customs and ideas of your culture or religion.",
        (_C,),
    ),
    Value(
        "benevolence",
        "Benevolence",
        "Caring for the welfare of the people you are close to and deal with often.",
        (_T,),
    ),
    Value(
        "universalism",
        "Universalism",
        "Understanding, tolerance and protection for the welfare of all people and nature.",
        (_T,),
    ),
)

VALUE_IDS: tuple[str, ...] = tuple(v.id for v in VALUES)
VALUE_BY_ID: dict[str, Value] = {v.id: v for v in VALUES}
N_VALUES = len(VALUES)

# The two bipolar dimensions of the circle: each higher-order group opposes one other.
OPPOSING_GROUPS: dict[HigherOrder, HigherOrder] = {
    _O: _C,
    _C: _O,
    _E: _T,
    _T: _E,
}


def value_index(value_id: str) -> int:
    """ClassLabel index of a value id; raises KeyError naming the valid ids."""
    try:
        return VALUE_IDS.index(value_id)
    except ValueError:
        raise KeyError(
            f"unknown value {value_id!r}; expected one of {', '.join(VALUE_IDS)}"
        ) from None


def opposing_values(value_id: str) -> tuple[str, ...]:
    """Values on the opposite side of the circle (members of the opposing higher-order group).

    Hedonism belongs to two groups, so it opposes both conservation and
    self-transcendence values; a value never opposes itself.
    """
    own = VALUE_BY_ID[value_id].groups
    opposed_groups = {OPPOSING_GROUPS[g] for g in own}
    return tuple(
        v.id
        for v in VALUES
        if v.id != value_id and set(v.groups) & opposed_groups and not set(v.groups) & set(own)
    )


def are_opposed(a: str, b: str) -> bool:
    return b in opposing_values(a)
