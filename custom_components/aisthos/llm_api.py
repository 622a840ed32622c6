"""AisthOS tools for LLM-based conversation agents (Home Assistant's LLM API).

An agent set to use the "AisthOS" API can list what was learned, explain a
skill and summarise the learning. Those tools only read: they never change a
skill or run an action. The agent's chat is the style bandit's "chat"
channel: the prompt says how this household likes its answers now, and one
tool passes the household's reactions back, which only teaches how to talk.
"""

from __future__ import annotations

from typing import Any, Final

import probatio as vol

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, Unauthorized
from homeassistant.helpers import llm
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .engine.skill import Skill
from .engine.style_bandit import FEEDBACK, Style
from .permissions import async_require_reaction
from .runtime import AisthosRuntime, loaded_runtime

API_ID: Final = DOMAIN
READ_ONLY: Final = llm.ToolAnnotations(
    read_only=True, destructive=False, idempotent=True, open_world=False
)
# What a chat partner can say about an answer (approvals and dismissals of
# suggestions come from Repairs and notifications, not from here).
CHAT_REACTIONS: Final = tuple(
    kind for kind in FEEDBACK if kind not in ("approved", "rejected", "dismissed")
)
_STYLE_PROMPT: Final = {
    "brief": "Keep answers brief.",
    "detailed": "Give detailed answers.",
    "prose": "Write in sentences.",
    "list": "Use lists where there is more than one item.",
    "quiet": "Do not volunteer suggestions.",
    "proactive": "Offer a suggestion when one fits.",
}


def _runtime(hass: HomeAssistant) -> AisthosRuntime:
    if (runtime := loaded_runtime(hass)) is None:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="not_loaded")
    return runtime


def _skill_summary(runtime: AisthosRuntime, skill: Skill) -> dict[str, Any]:
    book = runtime.learner.book
    return {
        "id": skill.id,
        "name": skill.name,
        "confidence": round(book.confidence(skill.id), 2),
        "learned_from_days": skill.learned_from,
        "status": book.status(skill.id).value,
        "explanation": skill.explanation,
    }


class _AisthosTool(llm.Tool):
    """A tool whose arguments are checked before it runs.

    HA passes an agent's tool arguments on as given, so each tool's
    `parameters` are applied here; what fails them gets `invalid` back.
    """

    annotations = READ_ONLY
    integration = DOMAIN
    invalid = "unexpected arguments"
    # A tool that teaches AisthOS is refused to a user who may only read.
    reacts = False

    async def async_call(
        self, hass: HomeAssistant, tool_input: llm.ToolInput, llm_context: llm.LLMContext
    ) -> llm.ToolResult:
        """Check the arguments, then run the tool."""
        try:
            args: dict[str, Any] = self.parameters(tool_input.tool_args)
        except vol.Invalid:
            return llm.ToolResult(data={"error": self.invalid}, error=True)
        if self.reacts:
            try:
                await async_require_reaction(hass, llm_context.context)
            except Unauthorized:
                return llm.ToolResult(
                    data={"error": "this user may not change what AisthOS learned"}, error=True
                )
        return await self._async_run(hass, args)

    async def _async_run(self, hass: HomeAssistant, args: dict[str, Any]) -> llm.ToolResult:
        raise NotImplementedError


class ListSkillsTool(_AisthosTool):
    """List the routines AisthOS has learned."""

    name = "aisthos_list_skills"
    description = "List the household routines (skills) AisthOS learned, most certain first."

    async def _async_run(self, hass: HomeAssistant, args: dict[str, Any]) -> llm.ToolResult:
        """Return the skills."""
        runtime = _runtime(hass)
        skills = sorted(runtime.learner.skills, key=lambda s: -s.confidence)
        return llm.ToolResult(data={"skills": [_skill_summary(runtime, s) for s in skills]})


class ExplainSkillTool(_AisthosTool):
    """Explain one skill: its trigger, conditions, actions and evidence."""

    name = "aisthos_explain_skill"
    description = (
        "Explain why AisthOS learned a skill and what it does. "
        "Give the skill's id or (part of) its name."
    )
    parameters = vol.Schema({vol.Required("skill"): str})
    invalid = "give the skill's id or (part of) its name as `skill`"

    async def _async_run(self, hass: HomeAssistant, args: dict[str, Any]) -> llm.ToolResult:
        """Return the explanation of the named skill."""
        runtime = _runtime(hass)
        wanted: str = args["skill"]
        book = runtime.learner.book
        skill = (
            book.effective(wanted) if wanted in book.skills else runtime.voice.find_skill(wanted)
        )
        if skill is None:
            return llm.ToolResult(data={"error": f"no skill matches {wanted[:60]!r}"}, error=True)
        learner = runtime.learner
        return llm.ToolResult(
            data={
                **_skill_summary(runtime, skill),
                "definition": skill.definition(learner.describe(learner.entity_map())),
                "last_observed": skill.last_observed,
            }
        )


class SummariseLearningTool(_AisthosTool):
    """Summarise what AisthOS learned and how it has grown."""

    name = "aisthos_summarise_learning"
    description = "Summarise what AisthOS learned: stage, number of skills, teachings, style."

    async def _async_run(self, hass: HomeAssistant, args: dict[str, Any]) -> llm.ToolResult:
        """Return the summary."""
        runtime = _runtime(hass)
        learner = runtime.learner
        sparks, approved = await runtime.async_growth_evidence()
        today = dt_util.now().date()
        return llm.ToolResult(
            data={
                "stage": learner.growth.stage.value,
                "age_days": learner.growth.age_days(today),
                "next_stage_needs": dict(learner.growth.needs(today, sparks, approved).items()),
                "sparks_observed": sparks,
                "skills": len(learner.book.skills),
                "approved_skills": approved,
                "teachings": [t["phrase"] for t in learner.teachings],
                "communication_style": dict(runtime.communication_style().items()),
                "last_learning_run": learner.last_run.isoformat() if learner.last_run else None,
            }
        )


class StyleFeedbackTool(_AisthosTool):
    """Pass on how the household reacted to the style of the last answer."""

    name = "aisthos_style_feedback"
    description = (
        "Call when the user reacts to how you answered: asks for shorter answers or more "
        "detail, for a list or for sentences, for fewer or more suggestions, or says an "
        "answer was (not) helpful. It teaches AisthOS how this household likes answers."
    )
    parameters = vol.Schema({vol.Required("reaction"): vol.In(CHAT_REACTIONS)})
    invalid = f"reaction must be one of: {', '.join(CHAT_REACTIONS)}"
    # It changes nothing in the home: only the learned speaking style.
    annotations = llm.ToolAnnotations(
        read_only=False, destructive=False, idempotent=False, open_world=False
    )
    reacts = True

    async def _async_run(self, hass: HomeAssistant, args: dict[str, Any]) -> llm.ToolResult:
        """Learn from the reaction, in the context of the chat's last answer."""
        voice = _runtime(hass).voice
        reaction: str = args["reaction"]
        await voice.async_chat_reaction(reaction)
        ctx = voice.now_context("chat")
        return llm.ToolResult(
            data={"recorded": reaction, "style_now": _style_prompt(voice.bandit.best(ctx))}
        )


def _style_prompt(style: Style) -> str:
    return " ".join(
        _STYLE_PROMPT[option] for option in (style.length, style.form, style.initiative)
    )


class AisthosAPI(llm.API):
    """The AisthOS tools."""

    async def async_get_api_instance(self, llm_context: llm.LLMContext) -> llm.APIInstance:
        """Return the tools, with a prompt that carries the style chosen for this chat."""
        prompt = (
            "AisthOS learns the household's routines locally. Use its tools to say what "
            "it learned and why; never guess a routine it did not report."
        )
        if (runtime := loaded_runtime(self.hass)) is not None:
            # Kept across the turns of a chat until it learns something new.
            prompt += " How this household likes answers now: " + _style_prompt(
                runtime.voice.chat_style()
            )
        return llm.APIInstance(
            api=self,
            api_prompt=prompt,
            llm_context=llm_context,
            tools=[
                ListSkillsTool(),
                ExplainSkillTool(),
                SummariseLearningTool(),
                StyleFeedbackTool(),
            ],
        )
