"""The AisthOS companion as a conversation agent, answered by the add-on's local model.

Selectable in an Assist pipeline. It speaks in the style Track A learned
(the communication style of the style bandit, given to the model as its
context) and, once the add-on's weekly fine-tune (Track C) has trained an
adapter, with that adapter. Every exchange is kept, masked, in AisthOS's
interaction log, with the household's reaction (aisthos.rate_answer), and
handed to the add-on for the next fine-tune.
"""

from __future__ import annotations

from typing import Literal

from homeassistant.components import conversation
from homeassistant.const import MATCH_ALL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import intent
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .engine_client import EngineError
from .entity import AisthosEntity
from .runtime import AisthosConfigEntry

PARALLEL_UPDATES = 0


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
                answer = await engine.async_answer(user_input.text, context)
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
