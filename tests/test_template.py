"""Templates: typed, at most eight fields, no free text."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.aisthos.engine.catalog import SPECS, TEMPLATES
from custom_components.aisthos.engine.ontology import VOCABULARIES
from custom_components.aisthos.engine.template import (
    MAX_FIELDS,
    SparkValueError,
    TemplateError,
    template_from_spec,
)


def spec(**fields: Any) -> dict[str, Any]:
    return {"name": "probe", "kind": "motion", "fields": {"time": "time", **fields}}


def test_builtin_templates_are_valid_and_small() -> None:
    assert len(TEMPLATES) == len(SPECS)
    for template in TEMPLATES.values():
        assert len(template.fields) <= MAX_FIELDS
        assert template.fields[0].name == "time"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"note": "text"}, "free text is never allowed"),
        ({"note": {"type": "string"}}, "free text"),
        ({"area": {"type": "enum", "vocabulary": "names"}}, "no ontology vocabulary"),
        ({"area": {"type": "enum", "values": ["kitchen", "Bob's room"]}}, "subset"),
        ({"area": {"type": "enum", "values": []}}, "subset"),
        ({"area": {"type": "enum", "values": "kitchen"}}, "list of tokens"),
        ({"level": {"type": "number"}}, "finite 'min' and 'max'"),
        ({"level": {"type": "number", "min": 0, "max": float("inf")}}, "finite"),
        ({"level": {"type": "number", "min": 5, "max": 1}}, "below"),
        ({"flag": {"type": "bool", "min": 0}}, "only number fields"),
        ({"flag": {"type": "bool", "vocabulary": "area"}}, "only enum fields"),
        ({"Bad Name": "bool"}, "lowercase identifier"),
        ({"x": {"type": "bool", "default": "hi"}}, "unknown keys"),
        ({"x": 42}, "spec must be"),
    ],
)
def test_bad_templates_are_rejected_with_a_clear_error(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        template_from_spec(spec(**bad))


def test_more_than_eight_fields_is_rejected() -> None:
    fields = {f"flag{i}": "bool" for i in range(MAX_FIELDS)}  # plus time = 9
    with pytest.raises(TemplateError, match="at most 8"):
        template_from_spec(spec(**fields))
    del fields["flag0"]
    assert len(template_from_spec(spec(**fields)).fields) == MAX_FIELDS


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "x", "kind": "telepathy", "fields": {"time": "time"}},
        {"name": "x", "kind": "motion", "fields": {}},
        {"name": "x", "kind": "motion", "fields": {"flag": "bool"}},
        {"name": "x", "kind": "motion", "fields": {"time": "bool"}},
        {"name": "", "kind": "motion", "fields": {"time": "time"}},
        ["not", "a", "mapping"],
    ],
)
def test_bad_template_envelopes(bad: Any) -> None:
    with pytest.raises(TemplateError):
        template_from_spec(bad)


def test_values_are_checked_against_the_template() -> None:
    template = TEMPLATES["gesture"]
    good = {
        "time": 1_760_000_000.0,
        "area": "hallway",
        "subject": "someone",
        "action": "raised_hand",
        "angle": 45,
        "cause": "person",
    }
    assert template.check(good)["angle"] == 45.0
    for field, value in [
        ("angle", 181),
        ("angle", float("nan")),
        ("angle", True),
        ("area", "Alice's room"),
        ("subject", "alice"),
        ("action", "turned_on"),
        ("time", "19:02"),
        ("time", 5.0),
    ]:
        with pytest.raises(SparkValueError):
            template.check({**good, field: value})
    with pytest.raises(SparkValueError, match="no field"):
        template.check({**good, "name": "Alice"})
    with pytest.raises(SparkValueError, match="needs field"):
        template.check({k: v for k, v in good.items() if k != "area"})


def test_every_enum_value_comes_from_the_ontology() -> None:
    every_token = set().union(*VOCABULARIES.values())
    for template in TEMPLATES.values():
        for field in template.fields:
            assert field.values <= every_token
