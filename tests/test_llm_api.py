"""AisthOS tools for LLM conversation agents, through HA's LLM API."""

from __future__ import annotations

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.aisthos.const import DOMAIN
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm

from .test_wisdom_in_ha import home_a, setup_home
from .wisdom_samples import VALID


async def test_tools_list_explain_and_summarise(hass: HomeAssistant) -> None:
    home_a(hass)
    entry: MockConfigEntry = await setup_home(hass)
    await hass.services.async_call(DOMAIN, "import_wisdom", {"data": VALID}, blocking=True)
    context = llm.LLMContext(
        platform="test", context=Context(), language="en", assistant="conversation", device_id=None
    )
    api = await llm.async_get_api(hass, "aisthos", context)
    assert {tool.name for tool in api.tools} == {
        "aisthos_list_skills",
        "aisthos_explain_skill",
        "aisthos_summarise_learning",
    }
    assert all(tool.annotations.read_only for tool in api.tools)

    listed = await api.async_call_tool(llm.ToolInput("aisthos_list_skills", {}))
    assert [s["id"] for s in listed.data["skills"]] == ["s_0123456789", "s_9876543210"]

    explained = await api.async_call_tool(
        llm.ToolInput("aisthos_explain_skill", {"skill": "weekend kettle"})
    )
    assert explained.data["id"] == "s_9876543210"
    assert explained.data["definition"]["actions"] == ["Kettle on"]
    missing = await api.async_call_tool(
        llm.ToolInput("aisthos_explain_skill", {"skill": "teleport"})
    )
    assert missing.error

    summary = await api.async_call_tool(llm.ToolInput("aisthos_summarise_learning", {}))
    assert summary.data["stage"] == "child"
    assert summary.data["skills"] == 2
    assert summary.data["approved_skills"] == 1
    assert entry.runtime_data.learner.book.skills
