"""The AisthOS companion as a conversation agent, answered by the add-on's local model.

Selectable in an Assist pipeline. It speaks in the style Track A learned
(the communication style of the style bandit, given to the model as its
context) and, once the add-on's weekly fine-tune (Track C) has trained an
adapter, with that adapter. Every exchange is kept, masked, in AisthOS's
interaction log, with the household's reaction (aisthos.rate_answer), and
handed to the add-on for the next fine-tune.
"""

from __future__ import annotations

import json
from typing import Any, Final, Literal

import probatio as vol

from homeassistant.components import conversation
from homeassistant.const import MATCH_ALL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import intent, llm
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .engine_client import EngineClient, EngineError
from .entity import AisthosEntity
from .llm_api import API_ID as LLM_API_ID
from .runtime import AisthosConfigEntry

PARALLEL_UPDATES = 0
# What a tool found, as the model reads it again: enough for an answer.
TOOL_RESULT_MAX: Final = 1500


async def async_setup_entry(
    hass: HomeAssistant,
    entry: AisthosConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the companion where an add-on (engine) is connected: it answers."""
    if entry.runtime_data.engine is not None:
        async_add_entities([AisthosCompanion(entry)])


class AisthosCompanion(AisthosEntity, conversation.ConversationEntity):
    """Answers with the add-on's local LLM, in the household's learned style."""

    _attr_supports_streaming = False

    def __init__(self, entry: AisthosConfigEntry) -> None:
        """Create the companion of this entry."""
        super().__init__(entry, "companion")

    @property
    def supported_languages(self) -> list[str] | Literal["*"]:
        """Return the languages: whatever the local model speaks."""
        return MATCH_ALL

    def signals(self) -> list[str]:
        """Return no signal: the companion has no state that Sparks change."""
        return []

    async def _async_handle_message(
        self, user_input: conversation.ConversationInput, chat_log: conversation.ChatLog
    ) -> conversation.ConversationResult:
        """Ask the add-on, keep the exchange, answer."""
        runtime = self.runtime
        response = intent.IntentResponse(language=user_input.language)
        # Sentence triggers first (AisthOS's own: "that was helpful", "what did
        # you learn", and the household's): they answer without the model.
        if (said := await conversation.async_handle_sentence_triggers(
            self.hass, user_input, chat_log
        )) is not None:  # fmt: skip
            response.async_set_speech(said)
            return conversation.ConversationResult(
                response=response, conversation_id=chat_log.conversation_id
            )
        style = runtime.communication_style()
        context = (
            "Speak " + ", ".join(f"{k}: {v}" for k, v in sorted(style.items())) + "."
            if style
            else ""
        )
        answer: str | None = None
        if (engine := runtime.engine) is not None:
            try:
                answer = await self._async_answer(engine, user_input, context)
            except EngineError:
                answer = None
        if answer is None:
            runtime.interactions.last_failed = True
            response.async_set_error(
                intent.IntentResponseErrorCode.UNKNOWN,
                runtime.voice.say("companion_unavailable"),
            )
            return conversation.ConversationResult(
                response=response, conversation_id=chat_log.conversation_id
            )
        chat_log.async_add_assistant_content_without_tools(
            conversation.AssistantContent(agent_id=user_input.agent_id, content=answer)
        )
        await runtime.interactions.async_record(chat_log.conversation_id, user_input.text, answer)
        response.async_set_speech(answer)
        return conversation.ConversationResult(
            response=response, conversation_id=chat_log.conversation_id
        )

    async def _async_answer(
        self, engine: EngineClient, user_input: conversation.ConversationInput, context: str
    ) -> str:
        """Ask the model; where it wants one of AisthOS's LLM tools first, run it, ask again.

        The tools run through Home Assistant's LLM API with the asking user's
        context, so they check what that user may do, as in any agent.
        """
        api = await llm.async_get_api(self.hass, LLM_API_ID, user_input.as_llm_context(DOMAIN))
        tools = [
            {
                "name": tool.name,
                "description": tool.description or "",
                "parameters": {
                    "type": "object",
                    "properties": {str(key): {} for key in tool.parameters.schema},
                },
            }
            for tool in api.tools
        ]
        reply = await engine.async_reply(user_input.text, context, tools)
        if isinstance(reply, str):
            return reply
        name, arguments = reply
        try:
            result: Any = await api.async_call_tool(llm.ToolInput(name, arguments))
        except (HomeAssistantError, vol.Invalid) as err:
            result = {"error": str(err)}
        found = json.dumps(result, ensure_ascii=False, default=str)[:TOOL_RESULT_MAX]
        return await engine.async_answer(
            user_input.text, f"{context}\nWhat {name} found: {found}".strip()
        )
