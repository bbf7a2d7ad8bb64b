import pytest

from pipeline.values import (
    VALUE_BY_ID,
    VALUE_IDS,
    HigherOrder,
    are_opposed,
    opposing_values,
    value_index,
)


def test_ids_in_circumplex_order() -> None:
    assert VALUE_IDS == (
        "self_direction", "stimulation", "hedonism", "achievement", "power",
        "security", "conformity", "tradition", "benevolence", "universalism",
    )
    assert value_index("power") == 4


def test_unknown_value_error_names_valid_ids() -> None:
    with pytest.raises(KeyError, match="self_direction"):
        value_index("loyalty")


def test_hedonism_sits_between_two_groups() -> None:
    assert set(VALUE_BY_ID["hedonism"].groups) == {
        HigherOrder.OPENNESS_TO_CHANGE, HigherOrder.SELF_ENHANCEMENT,
    }


def test_opposition_is_symmetric_and_follows_the_circle() -> None:
    for a in VALUE_IDS:
        assert a not in opposing_values(a)
        for b in opposing_values(a):
            assert are_opposed(b, a)
    assert set(opposing_values("security")) == {"self_direction", "stimulation", "hedonism"}
    assert set(opposing_values("power")) == {"benevolence", "universalism"}
    assert not are_opposed("achievement", "power")


def test_definitions_do_not_name_their_value() -> None:
    for v in VALUE_BY_ID.values():
        assert v.definition and v.id.replace("_", "-") not in v.definition.lower()
