"""Perception ignores states it cannot name and times no Spark may carry."""

from __future__ import annotations

import pytest

from custom_components.aisthos.engine.anonymizer import Anonymizer
from custom_components.aisthos.engine.perception import Perception
from custom_components.aisthos.engine.spark import Spark
from custom_components.aisthos.engine.state_change import EntityInfo, StateChange

SECRET = b"0123456789abcdef0123456789abcdef"
NOW = 1_795_000_000.0


def spark(
    entity_id: str,
    old: str | None,
    new: str | None,
    at: float = NOW,
    device_class: str | None = None,
) -> Spark | None:
    info = EntityInfo.from_entity_id(entity_id, device_class, "k", "Kitchen")
    return Perception(Anonymizer(SECRET)).spark(StateChange(entity_id, old, new, at), info)


@pytest.mark.parametrize(
    ("entity_id", "device_class", "old", "new"),
    [
        ("light.a", None, "on", None),  # removed
        ("binary_sensor.m", "motion", "off", "unavailable"),
        ("binary_sensor.d", "door", "on", "unknown"),
        ("light.a", None, "off", "unavailable"),
        ("switch.a", None, "on", "unknown"),
        ("lock.front", None, "locked", "jammed"),
        ("lock.front", None, "unlocked", "locking"),
        ("media_player.tv", None, "playing", "buffering"),
        ("vacuum.robo", None, "cleaning", "returning"),
        ("vacuum.robo", None, "docked", "error"),
        ("sensor.t", None, "20", "21"),  # no device class: not an environment sensor
    ],
)
def test_states_without_meaning_make_no_spark(
    entity_id: str, device_class: str | None, old: str, new: str | None
) -> None:
    assert spark(entity_id, old, new, device_class=device_class) is None


@pytest.mark.parametrize(
    ("entity_id", "old", "new", "action"),
    [
        ("lock.front", "unlocked", "locked", "locked"),
        ("media_player.tv", "playing", "standby", "turned_off"),
        ("vacuum.robo", "cleaning", "paused", "paused"),
        ("climate.hall", "off", "auto", "turned_on"),
    ],
)
def test_the_neighbouring_states_still_do(entity_id: str, old: str, new: str, action: str) -> None:
    made = spark(entity_id, old, new)
    assert made is not None
    assert (made.action, made.area) == (action, "kitchen")


@pytest.mark.parametrize("at", [0.0, 86_400.0, 946_684_799.0, 40_000_000_000.0])
def test_a_change_at_an_impossible_time_is_dropped_not_raised(at: float) -> None:
    """A device with a bad clock, or a history file from 1970: no Spark, no crash."""
    assert spark("light.a", "off", "on", at=at) is None
    assert spark("light.a", "off", "on", at=946_684_800.0) is not None
