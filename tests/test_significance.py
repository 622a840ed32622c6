"""The Filter: attribute noise, availability, bounces, thresholds, rate limits."""

from __future__ import annotations

from custom_components.aisthos.engine.significance import FilterSettings, SignificanceFilter
from custom_components.aisthos.engine.state_change import EntityInfo, StateChange

T0 = 1_760_000_000.0
LIGHT = EntityInfo.from_entity_id("light.hall")
TEMP = EntityInfo.from_entity_id("sensor.hall_temperature", "temperature")
WATTS = EntityInfo.from_entity_id("sensor.plug", "unknown_class")


def change(entity: EntityInfo, old: str | None, new: str | None, at: float) -> StateChange:
    return StateChange(entity.entity_id, old, new, T0 + at)


def released(flt: SignificanceFilter, now: float) -> list[tuple[str | None, str | None]]:
    return [(c.old_state, c.new_state) for c, _ in flt.due(T0 + now)]


def test_a_change_is_released_after_the_debounce_window() -> None:
    flt = SignificanceFilter(FilterSettings(debounce_s=1.0))
    flt.offer(change(LIGHT, "off", "on", 0), LIGHT)
    assert released(flt, 0.5) == []
    assert released(flt, 1.0) == [("off", "on")]
    assert flt.stats.passed == 1


def test_attribute_only_and_availability_noise_are_dropped() -> None:
    flt = SignificanceFilter()
    flt.offer(change(LIGHT, "on", "on", 0), LIGHT)
    flt.offer(change(LIGHT, "on", "unavailable", 1), LIGHT)
    flt.offer(change(LIGHT, "unavailable", "unknown", 2), LIGHT)
    flt.offer(change(LIGHT, "unknown", None, 3), LIGHT)
    assert flt.flush() == []
    assert flt.stats.attribute_only == 1
    assert flt.stats.unavailable == 3


def test_coming_back_from_unavailable_in_the_same_state_is_not_a_moment() -> None:
    flt = SignificanceFilter()
    flt.offer(change(LIGHT, "off", "on", 0), LIGHT)
    assert released(flt, 5) == [("off", "on")]
    flt.offer(change(LIGHT, "on", "unavailable", 10), LIGHT)
    flt.offer(change(LIGHT, "unavailable", "on", 20), LIGHT)
    assert flt.flush() == []


def test_a_bounce_inside_the_window_never_happened() -> None:
    flt = SignificanceFilter(FilterSettings(debounce_s=2.0))
    flt.offer(change(LIGHT, "off", "on", 0), LIGHT)
    flt.offer(change(LIGHT, "on", "off", 0.3), LIGHT)
    assert flt.flush() == []
    assert flt.stats.bounced == 2


def test_a_chain_inside_the_window_reports_one_change() -> None:
    media = EntityInfo.from_entity_id("media_player.tv")
    flt = SignificanceFilter(FilterSettings(debounce_s=2.0))
    flt.offer(change(media, "off", "idle", 0), media)
    flt.offer(change(media, "idle", "playing", 0.5), media)
    assert released(flt, 3) == [("off", "playing")]


def test_numeric_changes_below_the_threshold_are_dropped() -> None:
    flt = SignificanceFilter()
    flt.offer(change(TEMP, None, "20.0", 0), TEMP)  # appears: no moment
    assert flt.due(T0 + 10) == []
    flt.offer(change(TEMP, "20.0", "19.0", 5), TEMP)
    assert len(flt.due(T0 + 10)) == 1
    flt.offer(change(TEMP, "19.0", "20.0", 15), TEMP)
    assert len(flt.due(T0 + 19)) == 1
    flt.offer(change(TEMP, "20.0", "20.3", 20), TEMP)
    assert flt.due(T0 + 30) == []
    flt.offer(change(TEMP, "20.3", "20.6", 40), TEMP)  # 0.6 from the last reported
    assert [c.new_state for c, _ in flt.due(T0 + 50)] == ["20.6"]
    assert flt.stats.below_threshold == 1


def test_unknown_numeric_classes_use_a_relative_threshold() -> None:
    flt = SignificanceFilter()
    flt.offer(change(WATTS, "90", "100", 0), WATTS)
    flt.due(T0 + 5)
    flt.offer(change(WATTS, "100", "105", 10), WATTS)
    flt.offer(change(WATTS, "105", "150", 20), WATTS)
    assert [c.new_state for c, _ in flt.due(T0 + 30)] == ["150"]


def test_text_states_of_sensors_are_never_perceived() -> None:
    flt = SignificanceFilter()
    flt.offer(change(TEMP, "20", "alice@example.com", 0), TEMP)
    assert flt.flush() == []


def test_rate_limit_per_entity() -> None:
    flt = SignificanceFilter(FilterSettings(debounce_s=0.0, rate_per_minute=6, burst=2))
    states = ["on", "off"] * 10
    for i, state in enumerate(states):
        flt.offer(change(LIGHT, "on" if state == "off" else "off", state, i * 1.0), LIGHT)
        flt.due(T0 + i * 1.0)
    # A burst of two, then one token per 10 s over ~19 s. A change dropped by
    # the limit leaves the last reported state in place, so the toggle back
    # to it is no change at all.
    stats = flt.stats
    assert 3 <= stats.passed <= 4
    assert stats.rate_limited >= 8
    assert stats.passed + stats.rate_limited + stats.attribute_only == 20
    # Another entity is not affected by the first one's budget.
    other = EntityInfo.from_entity_id("light.kitchen")
    flt.offer(change(other, "off", "on", 20), other)
    assert len(flt.due(T0 + 20)) == 1


def test_release_order_follows_time_and_forget_clears_an_entity() -> None:
    flt = SignificanceFilter()
    kitchen = EntityInfo.from_entity_id("light.kitchen")
    flt.offer(change(LIGHT, "off", "on", 0), LIGHT)
    flt.offer(change(kitchen, "off", "on", 0.5), kitchen)
    assert [c.entity_id for c, _ in flt.due(T0 + 5)] == ["light.hall", "light.kitchen"]
    flt.offer(change(LIGHT, "on", "off", 10), LIGHT)
    flt.forget("light.hall")
    assert flt.flush() == []


def test_an_entity_appearing_is_not_a_moment() -> None:
    flt = SignificanceFilter()
    flt.offer(change(LIGHT, None, "on", 0), LIGHT)
    assert flt.flush() == []
    assert flt.stats.appeared == 1
