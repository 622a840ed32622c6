"""A taught phrase from an imported wisdom file is never a sentence template.

async_teach allows plain words only (Assist's template characters are not);
an imported file must keep to the same rule, or "{anything}" would answer
every sentence said to Assist (found in a hostile review).
"""

from __future__ import annotations

import copy
from datetime import datetime

from freezegun.api import FrozenDateTimeFactory
import pytest

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util

from .assistant_home import setup_assistant_home
from .test_voice import say
from .wisdom_samples import VALID


@pytest.fixture
def expected_lingering_timers() -> bool:
    return True


async def test_an_imported_phrase_is_not_a_wildcard(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(datetime(2026, 11, 25, 12, 0, tzinfo=dt_util.get_default_time_zone()))
    document = copy.deepcopy(VALID)
    document["teachings"] = [
        {
            "id": "t_0000000001",
            "phrase": "{anything}",
            "created": "2026-11-20",
            "actions": [
                {"ref": "cccccccccccc", "action": "turned_on", "kind": "power",
                 "object": "switch", "area": "kitchen"}
            ],
        }
    ]  # fmt: skip
    with pytest.raises(ServiceValidationError, match=r"teachings\.0\.phrase"):
        await setup_assistant_home(hass, document)
    (entry,) = hass.config_entries.async_entries("aisthos")
    assert entry.runtime_data.learner.teachings == []  # the whole file was refused
    assert hass.states.get("switch.kettle").state == "off"
    await say(hass, "what time is it")
    await hass.async_block_till_done()
    assert hass.states.get("switch.kettle").state == "off", (
        "any sentence said to Assist switched the kettle on"
    )


def test_a_teaching_that_is_no_plain_phrase_gets_no_config() -> None:
    """Should one reach the store another way, it still never becomes a trigger."""
    from custom_components.aisthos.engine.teaching import teaching_config

    teaching = {
        "id": "t_1", "phrase": "{anything}",
        "actions": [{"ref": "r", "action": "turned_on"}],
    }  # fmt: skip
    with pytest.raises(ValueError, match="plain words"):
        teaching_config(teaching, {"r": "switch.kettle"}, "aisthos_t_1")
    ok = teaching_config(teaching | {"phrase": "movie  time"}, {"r": "switch.kettle"}, "x")
    assert ok["triggers"] == [{"trigger": "conversation", "command": ["movie time"]}]
