"""Template fields: bool values, and looking a field up by name."""

from __future__ import annotations

import pytest

from custom_components.aisthos.engine.catalog import TEMPLATES
from custom_components.aisthos.engine.template import (
    FieldType,
    SparkValueError,
    template_from_spec,
)

PROBE = template_from_spec(
    {
        "name": "probe",
        "kind": "motion",
        "fields": {"time": "time", "flag": "bool", "level": {"type": "number", "min": 0, "max": 5}},
    }
)
AT = 1_795_000_000.0


def test_bool_fields_take_only_real_booleans() -> None:
    assert PROBE.check({"time": AT, "flag": True, "level": 1})["flag"] is True
    assert PROBE.check({"time": AT, "flag": False, "level": 1})["flag"] is False
    for value in (1, 0, "true", None, 1.0):
        with pytest.raises(SparkValueError, match="field 'flag' \\(bool\\) rejects"):
            PROBE.check({"time": AT, "flag": value, "level": 1})


def test_fields_are_found_by_name() -> None:
    assert PROBE.field("flag").type is FieldType.BOOL
    level = PROBE.field("level")
    assert (level.type, level.minimum, level.maximum) == (FieldType.NUMBER, 0.0, 5.0)
    assert TEMPLATES["gesture"].field("angle").maximum == 180.0
    with pytest.raises(KeyError, match="name"):
        PROBE.field("name")
