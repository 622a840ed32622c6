"""Talking with AisthOS, in the style the household prefers.

Sentences, answers and notification texts live in sentences/<language>.yaml
(see language.py). Each intent's sentences are registered with Home
Assistant's conversation agent as sentence triggers (through the public
trigger helper, as an automation's `trigger: conversation`), so they run
through the real Assist pipeline; sentences about one routine ("run …",
"explain …") name the routines AisthOS knows, so everything else reaches
HA's own intents. Every intent answers with the speaker's permissions (see permissions.py).
How AisthOS speaks on each channel (voice, notification,
an LLM chat) — brief or detailed, a list or prose, proactive or quiet — is
chosen by the Track A bandit, which learns from the reactions gathered here:
spoken corrections, answers to offers, dismissed offers, chat feedback.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import Enum
import logging
import re
from typing import TYPE_CHECKING, Any, Final

import probatio as vol

from homeassistant.const import CONF_COMMAND, CONF_PLATFORM, EVENT_COMPONENT_LOADED
from homeassistant.core import CALLBACK_TYPE, Context, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, Unauthorized
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.script import ScriptRunResult
from homeassistant.helpers.trigger import async_initialize_triggers, async_validate_trigger_config
from homeassistant.setup import EventComponentLoaded
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .engine.skill import Skill
from .engine.skill_book import Feedback
from .engine.style_bandit import Style, StyleBandit, StyleContext
from .language import ENGLISH, load_language, phrase
from .permissions import (
    async_caller,
    async_require_admin,
    async_require_control,
    async_require_reaction,
)
from .skill_manager import NOTICE_STYLE

if TYPE_CHECKING:
    from .runtime import AisthosRuntime

# A reaction this soon after the companion's answer is about that answer.
COMPANION_REACTION_S = 600
_LOGGER = logging.getLogger(__package__)
BANDIT_KEY: Final = "style_bandit"
# Below this confidence the bandit has little evidence about initiative in a
# context (0.5 is none at all): an offer is made anyway, as exploration. One
# dismissal (0.8 there, ~0.7 in other contexts) silences only where it was,
# a second one (~0.79 elsewhere) everywhere.
OFFER_EVIDENCE: Final = 0.75
# A notification follows a learned option once it is at least this likely.
NOTICE_EVIDENCE: Final = 0.75
# HA builds the LLM API anew for every chat turn: within this time (and until
# a reaction), a chat keeps the style it was answered in, so that "that was not
# helpful" is learned about the answer it refers to.
CHAT_TURN: Final = timedelta(minutes=10)

# A handler answers what was said (its slots), as the speaker (their context).
type Handler = Callable[[dict[str, str], Context], Awaitable[str]]
# What a sentence trigger runs: its trigger variables in, the answer out.
type TriggerAction = Callable[[dict[str, Any], Context | None], Awaitable[ScriptRunResult]]


class Access(Enum):
    """Who may say a sentence; what it then does is checked again where it acts."""

    READ = "read"  # anyone: it only tells
    REACT = "react"  # anyone who may control something here: it teaches AisthOS
    ADMIN = "admin"  # administrators: it makes or removes automations
    CONTROL = "control"  # checked against the entities the routine touches


_ACCESS: Final = {
    "what_learned": Access.READ,
    "explain_skill": Access.READ,
    "why_did_you": Access.READ,
    "what_stage": Access.READ,
    "approve_last": Access.ADMIN,
    "reject_last": Access.ADMIN,
    "teach_turn_on": Access.ADMIN,
    "teach_turn_off": Access.ADMIN,
    "teach_open": Access.ADMIN,
    "teach_close": Access.ADMIN,
    "answer_yes": Access.CONTROL,
    "undo": Access.CONTROL,
    "run_skill": Access.CONTROL,
}


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", text.casefold()) if len(w) > 1}


def spoken_names(name: str) -> set[str]:
    """Return how a routine's name may be said: plain words, no template syntax.

    The whole name, and its title before a colon ("Evening hall motion" of
    "Evening hall motion: Hall light"), which is what people say.
    """

    def words(text: str) -> str:
        return " ".join(re.findall(r"[^\W_]+(?:'[^\W_]+)*", text.casefold()))

    return {said for said in (words(name), words(name.split(":", 1)[0])) if said}


class Voice:
    """AisthOS's Assist intents and its speaking style."""

    def __init__(self, hass: HomeAssistant, runtime: AisthosRuntime) -> None:
        """Create for one loaded entry."""
        self.hass = hass
        self.runtime = runtime
        self.language: dict[str, Any] = ENGLISH
        # The unsubscribers of the Assist sentences, once registered.
        self._sentences: list[CALLBACK_TYPE] = []
        # Those naming routines, by the spoken names they were made for.
        self._skill_sentences: list[CALLBACK_TYPE] = []
        self._spoken_names: frozenset[str] = frozenset()
        self._unsubs: list[CALLBACK_TYPE] = []
        self._voice_started = False
        self._stopped = False
        # Registering sentences awaits: one change of the routines' names at a time.
        self._sync_lock = asyncio.Lock()
        self.bandit = StyleBandit()
        self.last: tuple[StyleContext, Style] | None = None
        # The chat's current style: context, style and when it was chosen.
        self._chat: tuple[StyleContext, Style, datetime] | None = None

    # ---- life cycle ----------------------------------------------------------

    async def async_start(self) -> None:
        """Start now if Assist is loaded, else as soon as it is."""
        # Offers, notifications and decisions use the learned style and the
        # household's language even without Assist.
        self.reload_preferences()
        self.language = await self.hass.async_add_executor_job(
            load_language, self.hass.config.language
        )
        if "conversation" in self.hass.config.components:
            await self._async_start_voice()
            return

        @callback
        def loaded(event: Event[EventComponentLoaded]) -> None:
            if event.data["component"] == "conversation" and not self._voice_started:
                self.runtime.entry.async_create_background_task(
                    self.hass, self._async_start_voice(), "aisthos assist sentences"
                )

        self._unsubs.append(self.hass.bus.async_listen(EVENT_COMPONENT_LOADED, loaded))

    async def _async_register(
        self, sentences: list[str], action: TriggerAction
    ) -> CALLBACK_TYPE | None:
        """Register sentences with Assist as a sentence trigger; None if they are refused.

        Through the public trigger helper and the conversation trigger
        platform, as an automation's `trigger: conversation` is.
        """
        try:
            config = await async_validate_trigger_config(
                self.hass, [{CONF_PLATFORM: "conversation", CONF_COMMAND: sentences}]
            )
        except (vol.Invalid, HomeAssistantError) as err:
            _LOGGER.warning("Assist refused the sentences %s: %s", sentences, err)
            return None

        def log(level: int, msg: str, **kwargs: Any) -> None:
            _LOGGER.log(level, "%s AisthOS sentences %s", msg, sentences, **kwargs)

        return await async_initialize_triggers(self.hass, config, action, DOMAIN, "AisthOS", log)

    async def _async_start_voice(self) -> None:
        """Register the sentences with Assist."""
        if self._voice_started or self._stopped:
            return
        self._voice_started = True
        handlers: dict[str, Handler] = {
            "what_learned": self._what_learned,
            "why_did_you": self._why_did_you,
            "approve_last": self._approve_last,
            "reject_last": self._reject_last,
            "answer_yes": self._answer_yes,
            "answer_no": self._answer_no,
            "undo": self._undo,
            "what_stage": self._what_stage,
            "shorter": lambda _s, _c: self._feedback("shorter", "shorter"),
            "more_detail": lambda _s, _c: self._feedback("more_detail", "more_detail"),
            "as_list": lambda _s, _c: self._feedback("as_list", "as_list"),
            "as_prose": lambda _s, _c: self._feedback("as_prose", "as_prose"),
            "quieter": lambda _s, _c: self._initiative("quieter"),
            "more_proactive": lambda _s, _c: self._initiative("more_proactive"),
            "helpful": lambda _s, _c: self._feedback("helpful", "thanks", Feedback.HELPFUL),
            "not_helpful": lambda _s, _c: self._feedback(
                "not_helpful", "sorry", Feedback.NOT_HELPFUL
            ),
            "teach_turn_on": lambda slots, _c: self._teach(slots, "turn_on"),
            "teach_turn_off": lambda slots, _c: self._teach(slots, "turn_off"),
            "teach_open": lambda slots, _c: self._teach(slots, "open"),
            "teach_close": lambda slots, _c: self._teach(slots, "close"),
        }
        for intent, sentences in self.language.get("intents", {}).items():
            handler = handlers.get(intent)
            if handler is None or not sentences:
                continue
            unsub = await self._async_register(list(sentences), self._wrap(intent, handler))
            if unsub is not None:
                self._sentences.append(unsub)
            if self._unloaded():  # meanwhile
                self.async_stop()
                return
        self._unsubs.append(
            async_dispatcher_connect(
                self.hass, self.runtime.learner.signal, self._async_sync_skill_sentences
            )
        )
        await self._async_sync_skill_sentences()

    async def _async_sync_skill_sentences(self) -> None:
        """Register the sentences naming routines for the routines known now.

        Names, never a wildcard: "run the bedtime script" or "do the dishes"
        must reach Home Assistant's own intents unless a routine has that name.
        """
        async with self._sync_lock:
            by_name: defaultdict[str, list[str]] = defaultdict(list)
            for skill in self.runtime.learner.skills:
                for name in spoken_names(skill.name):
                    by_name[name].append(skill.id)
            if self._stopped or frozenset(by_name) == self._spoken_names:
                return
            for unsub in self._skill_sentences:
                unsub()
            self._skill_sentences.clear()
            self._spoken_names = frozenset(by_name)
            intents = self.language.get("intents", {})
            for name, skill_ids in sorted(by_name.items()):
                for intent, handler in (
                    ("explain_skill", self._explain_skill),
                    ("run_skill", self._run_skill),
                ):
                    sentences = [s.replace("{skill}", name) for s in intents.get(intent, [])]
                    if not sentences:
                        continue
                    action = self._wrap(intent, self._about(name, skill_ids, handler))
                    if (remove := await self._async_register(sentences, action)) is not None:
                        self._skill_sentences.append(remove)
                    if self._unloaded():  # meanwhile
                        self.async_stop()
                        return

    def _about(
        self,
        name: str,
        skill_ids: list[str],
        handler: Callable[[Skill, Context], Awaitable[str]],
    ) -> Handler:
        """Answer about the surest routine of those with one spoken name."""

        async def run(_slots: dict[str, str], context: Context) -> str:
            book = self.runtime.learner.book
            known = [sid for sid in skill_ids if sid in book.skills]
            if not known:  # forgotten since the sentences were made
                return self.say("unknown_skill", skill=name)
            best = max(known, key=book.confidence)
            return await handler(book.effective(best), context)

        return run

    def reload_preferences(self) -> None:
        """Take the style preferences from what was learned (or imported)."""
        saved = self.runtime.learner.preferences.get(BANDIT_KEY)
        self.bandit = StyleBandit()
        if saved:
            try:
                self.bandit = StyleBandit.from_dict(saved)
            except (TypeError, ValueError) as err:
                _LOGGER.warning("Starting the style preferences afresh: %s", err)

    def _unloaded(self) -> bool:
        """Whether async_stop was called (sentences registered after it go at once)."""
        return self._stopped

    def async_stop(self) -> None:
        """Unregister the sentences (also those still being registered, once they are)."""
        self._stopped = True
        for unsub in (*self._unsubs, *self._sentences, *self._skill_sentences):
            unsub()
        self._unsubs.clear()
        self._sentences.clear()
        self._skill_sentences.clear()
        self._spoken_names = frozenset()

    def _wrap(self, intent: str, handler: Handler) -> TriggerAction:
        """Answer as the speaker: refused, clearly, whatever HA would refuse them."""
        access = _ACCESS.get(intent, Access.REACT)

        async def run(variables: dict[str, Any], _unused: Context | None = None) -> ScriptRunResult:
            # The trigger's variables, as an automation's: the slots said and
            # the speaker's input (the trigger's own context is not the speaker's).
            trigger = variables["trigger"]
            slots = {
                name: str(slot["value"] if isinstance(slot["value"], str) else slot["text"]).strip()
                for name, slot in trigger["details"].items()
            }
            said = trigger["user_input"]["context"]
            context = Context(user_id=said["user_id"], parent_id=said["parent_id"], id=said["id"])
            try:
                if access is Access.ADMIN:
                    await async_require_admin(self.hass, context, spoken=True)
                elif access is Access.REACT:
                    await async_require_reaction(self.hass, context)
                answer = await handler(slots, context)
            except Unauthorized:
                answer = self.say("not_allowed")
            # What an automation answers with set_conversation_response.
            return ScriptRunResult(answer, service_response=None, variables={})

        return run

    # ---- style ---------------------------------------------------------------

    def say(self, key: str, **values: Any) -> str:
        """Return an answer from the language file."""
        return phrase(self.language, "responses", key, **values)

    def notice(self, key: str, **values: Any) -> str:
        """Return a notification text from the language file."""
        return phrase(self.language, "notifications", key, **values)

    @staticmethod
    def now_context(channel: str) -> StyleContext:
        """Return the style context of this moment on a channel."""
        now = dt_util.now()
        return StyleContext(now.hour, now.weekday() >= 5, channel)

    def style(self, channel: str = "voice") -> Style:
        """Choose how to speak now, and remember it for the reactions."""
        ctx = self.now_context(channel)
        chosen = self.bandit.choose(ctx)
        self.last = (ctx, chosen)
        return chosen

    def chat_style(self) -> Style:
        """Return the style for an LLM chat turn: the chat's current one, or a new choice."""
        ctx, now = self.now_context("chat"), dt_util.utcnow()
        chat = self._chat
        if chat is not None and chat[0] == ctx and now - chat[2] < CHAT_TURN:
            style = chat[1]
        else:
            style = self.bandit.choose(ctx)
            self._chat = (ctx, style, now)
        self.last = (ctx, style)
        return style

    async def async_chat_reaction(self, kind: str) -> None:
        """Learn a reaction passed on by an LLM agent, about the chat's style."""
        chat, self._chat = self._chat, None  # the next turn follows what was learned
        about = None
        if chat is not None and dt_util.utcnow() - chat[2] < 3 * CHAT_TURN:
            about = (chat[0], chat[1])
        await self.async_record(kind, "chat", about)

    def notice_style(self) -> Style:
        """Return how to write a notification now.

        Per dimension what was learned for the notification channel, else a
        detailed list: nothing is explored here, as nobody answers these
        notifications with a thumb.
        """
        ctx = self.now_context("notification")
        best, sure = self.bandit.best(ctx), self.bandit.confidence(ctx)
        return Style(
            *(
                best.option(dim) if sure[dim] >= NOTICE_EVIDENCE else NOTICE_STYLE.option(dim)
                for dim in ("length", "form", "initiative")
            )
        )

    def offer_style(self, ctx: StyleContext) -> Style:
        """Choose how to offer a routine in `ctx`: proactive (offer) or quiet (don't).

        With no evidence, the bandit's default initiative is quiet, and an
        Adult that never offers could never learn that offers are welcome:
        so while the initiative of this context is unsure, offer (explore).
        """
        chosen = self.bandit.choose(ctx)
        if (
            chosen.initiative != "proactive"
            and self.bandit.confidence(ctx)["initiative"] < OFFER_EVIDENCE
        ):
            chosen = Style(chosen.length, chosen.form, "proactive")
        return chosen

    async def async_offer_reaction(self, kind: str, ctx: StyleContext, style: Style) -> None:
        """Learn from a reaction to an offer, in the context and style it was made in."""
        await self.async_record(kind, "notification", (ctx, style))

    async def async_record(
        self, kind: str, channel: str = "voice", about: tuple[StyleContext, Style] | None = None
    ) -> None:
        """Learn from a reaction (helpful, shorter, approved, dismissed, …).

        The reaction is about `about` (a context and the style used in it), else
        about the last answer (voice) or else the style believed best now.
        """
        if about is not None:
            ctx, chosen = about
        elif self.last is not None and (channel == "voice" or self.last[0].channel == channel):
            ctx, chosen = self.last
        else:
            ctx = self.now_context(channel)
            chosen = self.bandit.best(ctx)
        self.bandit.feedback(ctx, chosen, kind)
        self._chat = None  # the next chat turn follows what was just learned
        preferences = self.runtime.learner.preferences
        preferences[BANDIT_KEY] = self.bandit.as_dict()
        best = self.bandit.best(StyleContext(dt_util.now().hour, False, "voice"))
        preferences["communication_style"] = {
            "length": best.length,
            "form": best.form,
            "initiative": best.initiative,
        }
        await self.runtime.learner.async_save()

    async def async_record_decision(self, kind: str) -> None:
        """Approvals and rejections of suggestions teach the initiative dimension."""
        await self.async_record(kind, "notification")

    async def _feedback(self, kind: str, answer: str, about_skill: Feedback | None = None) -> str:
        # About the last answer: after "that was not helpful" the correction
        # that follows ("use a list") is about the same answer, context and style.
        await self.async_record(kind)
        if kind in ("helpful", "not_helpful"):
            # Right after the companion answered, it is about that answer too.
            await self.runtime.interactions.async_react(
                kind == "helpful", None, max_age_s=COMPANION_REACTION_S
            )
        # Right after a skill acted, "that was (not) helpful" is about the skill too.
        manager = self.runtime.skills
        if about_skill is not None and (skill_id := manager.recent_run()) is not None:
            await manager.async_feedback(skill_id, about_skill)
        return self.say(answer)

    async def _initiative(self, kind: str) -> str:
        """Learn "fewer suggestions" or "you can suggest things": about offers and proposals.

        Initiative is used where AisthOS suggests, on the notification channel:
        learned in the context of the offer still open, else of now.
        """
        offer = self.runtime.skills.open_offer()
        await self.async_record(
            kind, "notification", (offer.context, offer.style) if offer is not None else None
        )
        return self.say(kind)

    # ---- finding skills ---------------------------------------------------------

    def find_skill(self, spoken: str) -> Skill | None:
        """Return the skill whose name best matches what was said."""
        wanted = _words(spoken)
        best: tuple[float, Skill | None] = (0.0, None)
        for skill in self.runtime.learner.skills:
            have = _words(skill.name)
            if not have:
                continue
            score = len(wanted & have) / len(wanted | have)
            if score > best[0]:
                best = (score, skill)
        return best[1] if best[0] >= 0.25 else None

    # ---- intents -----------------------------------------------------------------

    async def _what_learned(self, _slots: dict[str, str], _context: Context) -> str:
        skills = sorted(self.runtime.learner.skills, key=lambda s: -s.confidence)
        if not skills:
            return self.say("learned_none")
        style = self.style()
        if style.length == "brief":
            return self.say("learned_brief", count=len(skills), best=skills[0].name)
        items = [
            self.say(
                "learned_item",
                name=s.name,
                confidence=f"{round(s.confidence * 100)} %",
                days=s.learned_from,
            )
            for s in skills[:10]
        ]
        intro = self.say("learned_detailed_intro", count=len(skills))
        if style.form == "list":
            return intro + "\n" + "\n".join(f"- {item}" for item in items)
        return intro + " " + "; ".join(items) + "."

    def _explain(self, skill: Skill) -> str:
        if self.style().length == "brief":
            return self.say("explain_brief", name=skill.name, days=skill.learned_from)
        return self.say("explain", name=skill.name, explanation=skill.explanation)

    async def _explain_skill(self, skill: Skill, _context: Context) -> str:
        return self._explain(skill)

    async def _why_did_you(self, _slots: dict[str, str], _context: Context) -> str:
        skill_id = self.runtime.skills.last_run_skill
        if skill_id is None or skill_id not in self.runtime.learner.book.skills:
            return self.say("nothing_done")
        return self._explain(self.runtime.learner.book.effective(skill_id))

    async def _approve_last(self, _slots: dict[str, str], _context: Context) -> str:
        """Approve the waiting proposal: a routine for good (not just once)."""
        manager = self.runtime.skills
        skill_id = manager.last_proposal()
        if skill_id is None:
            return self.say("no_suggestion")
        if manager.current_offer() == skill_id:
            await manager.async_answer_offer("approved", withdraw=True)
        await manager.async_approve(skill_id)
        return self.say("approved", name=manager.book.skills[skill_id].name)

    async def _reject_last(self, _slots: dict[str, str], _context: Context) -> str:
        """Reject the waiting proposal for good."""
        manager = self.runtime.skills
        skill_id = manager.last_proposal()
        if skill_id is None:
            return self.say("no_suggestion")
        if manager.current_offer() == skill_id:
            await manager.async_answer_offer("rejected", withdraw=True)
        name = manager.book.skills[skill_id].name
        await manager.async_reject(skill_id)
        return self.say("rejected", name=name)

    async def _answer_yes(self, _slots: dict[str, str], context: Context) -> str:
        """'Yes, do it' to an offer: run it once; never approves anything for good."""
        manager = self.runtime.skills
        offer = manager.current_offer()
        if offer is None:
            return self.say("no_question")
        name = manager.book.skills[offer].name
        try:
            await manager.async_accept_offer(context)
        except Unauthorized:
            raise
        except HomeAssistantError as err:
            return self.say("cannot_run", name=name, error=str(err))
        return self.say("ran", name=name)

    async def _answer_no(self, slots: dict[str, str], context: Context) -> str:
        """'No, don't do that': decline the open offer, else undo what was just done."""
        manager = self.runtime.skills
        offer = manager.open_offer()
        if offer is not None and not offer.answered:
            # Not now, and less initiative; the proposal itself stays as it was.
            await async_require_reaction(self.hass, context)
            await manager.async_answer_offer("rejected", withdraw=True)
            return self.say("offer_declined", name=manager.book.skills[offer.skill_id].name)
        answer = await self._undo(slots, context)
        return self.say("no_question") if answer == self.say("nothing_done") else answer

    async def _undo(self, _slots: dict[str, str], context: Context) -> str:
        """Undo what AisthOS just did: an offer it ran, or a routine it started itself.

        A routine started by itself is rejected (its automation removed) by
        an administrator; anyone else who may switch it (a satellite's voice
        too) pauses it, as HA lets them turn an automation off.
        """
        manager = self.runtime.skills
        if (ran := manager.recent_offer_run()) is not None:
            name = manager.book.skills[ran].name
            try:
                await manager.async_undo_run(ran, context)
            except Unauthorized:
                raise
            except HomeAssistantError as err:
                return self.say("cannot_run", name=name, error=str(err))
            return self.say("undone_run", name=name)
        autonomous = manager.last_autonomous()
        if autonomous is None:
            return self.say("nothing_done")
        name = manager.book.skills[autonomous].name
        user = await async_caller(self.hass, context)
        if user is not None and user.is_admin:
            await manager.async_reject(autonomous)
            return self.say("undone", name=name)
        switch = manager.switch_entity_id(autonomous)
        if switch is None:
            raise Unauthorized(context=context)
        await async_require_control(self.hass, context, [switch])
        await manager.async_set_enabled(autonomous, False, context)
        return self.say("undone_paused", name=name)

    async def _run_skill(self, skill: Skill, context: Context) -> str:
        try:
            await self.runtime.skills.async_run_once(skill.id, context)
        except Unauthorized:
            raise
        except HomeAssistantError as err:
            return self.say("cannot_run", name=skill.name, error=str(err))
        return self.say("ran", name=skill.name)

    async def _what_stage(self, _slots: dict[str, str], _context: Context) -> str:
        growth = self.runtime.learner.growth
        today = dt_util.now().date()
        text = self.say("stage", stage=growth.stage.value, days=growth.age_days(today))
        nxt = growth.next_stage()
        if nxt is None:
            return text + " " + self.say("stage_adult")
        sparks, approved = await self.runtime.async_growth_evidence()
        needs = growth.needs(today, sparks, approved)
        if needs and self.style().length == "detailed":
            wanted = ", ".join(
                f"{value} more {key.replace('_', ' ')}" for key, value in needs.items()
            )
            text += " " + self.say("stage_next", next=nxt.value, needs=wanted)
        return text

    async def _teach(self, slots: dict[str, str], verb: str) -> str:
        name = slots.get("name", "")
        entity_id = self.runtime.skills.find_entity(name)
        if entity_id is None:
            return self.say("teach_unknown", name=name)
        try:
            await self.runtime.skills.async_teach(slots.get("phrase", ""), entity_id, verb)
        except HomeAssistantError as err:
            return self.say("teach_unsafe", error=str(err))
        return self.say("taught", phrase=slots.get("phrase", "").strip(), name=name)
