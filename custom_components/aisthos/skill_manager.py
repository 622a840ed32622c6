"""Skills in Home Assistant: proposals, runs, switches, feedback.

The learner finds skills; this module turns them into what the household
sees and decides on: a proposal with the evidence, a skill that runs once
approved (inside AisthOS, with HA's own trigger, condition and script
helpers: no file of the user's is written), a switch per skill to pause it,
and feedback (approve, reject, pause, undo) that moves each skill's confidence.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import partial
import logging
import re
from typing import Any, Final

from homeassistant.components import persistent_notification
from homeassistant.components.automation import (
    EVENT_AUTOMATION_RELOADED,
    EVENT_AUTOMATION_TRIGGERED,
    entities_in_automation,
)
from homeassistant.const import ATTR_ENTITY_ID, EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import (
    CALLBACK_TYPE,
    Context,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.event import async_call_later, async_track_time_change
from homeassistant.helpers.start import async_at_started
from homeassistant.util import dt as dt_util

from .automation_bridge import AUTOMATION_ID_PREFIX
from .const import DOMAIN
from .engine.automation_config import (
    UnsafeSkillError,
    compile_automation,
    undo_skill,
)
from .engine.growth import AUTONOMY_CONFIDENCE
from .engine.skill import Skill
from .engine.skill_book import Feedback, SkillBook, Status
from .engine.style_bandit import Style, StyleContext
from .engine.teaching import TEACHABLE, clean_phrase, service_for, teaching_config, teaching_record
from .engine.undo_tracker import UndoTracker
from .engine.wisdom import MAX_TEACHINGS
from .engine_client import EngineAuthError, EngineClient, EngineError
from .language import ENGLISH, joined, phrase
from .learning import SkillLearner
from .native_automations import NativeAutomations
from .offer_desk import Offer, OfferDesk
from .permissions import action_targets, async_require_admin, async_require_control
from .plain_text import plain
from .skill_runner import SkillRunner

_LOGGER = logging.getLogger(__package__)

# Repairs issues of proposals, from earlier versions (removed at start).
PROPOSAL_ISSUE_PREFIX: Final = "proposal_"
# decision.written of a skill moved to a native automation: "native:<digest>"
# of what it does and is called then; once the household edited it, "native:edited".
NATIVE: Final = "native:"
NATIVE_EDITED: Final = "native:edited"
LAST_RUNS: Final = 10
# A burst of registry changes (an integration setting up) is one sync.
SYNC_DELAY_S: Final = 1.0
PROPOSALS_PER_NIGHT: Final = 3
NOTIFICATION_ID: Final = "aisthos_proposals"
# Proposals waiting for an answer: more would be a chore, not a help.
WAITING_PROPOSALS_MAX: Final = 10


@callback
def _appeared(event_data: EventStateChangedData) -> bool:
    """Tell an entity's first state (it appeared) from its ordinary changes."""
    return event_data["old_state"] is None and event_data["new_state"] is not None


def _always_offer(_ctx: StyleContext) -> Style:
    """Without a style bandit: offer, briefly."""
    return Style(initiative="proactive")


# How notifications read until the household's reactions say otherwise.
NOTICE_STYLE: Final = Style("detailed", "list", "quiet")


def _listed(names: list[str], style: Style, language: Mapping[str, Any]) -> str:
    """Return names as a Markdown list or as one sentence, by the style's form."""
    if style.form == "list":
        return "\n\n" + "\n".join(f"- {name}" for name in names) + "\n\n"
    return f" {joined(language, names)}. "


class SkillManager:
    """Everything the household does with skills."""

    def __init__(self, hass: HomeAssistant, entry_id: str, learner: SkillLearner) -> None:
        """Create for one config entry."""
        self.hass = hass
        self.entry_id = entry_id
        self.learner = learner
        self.runner = SkillRunner(hass)
        self.runner.on_run = self._async_skill_ran
        self.native = NativeAutomations(hass)
        self.native.on_appeared = self._async_native_appeared
        self.native.on_deleted = self._async_native_deleted
        self.native.on_reloaded = self._async_native_reloaded
        self.native.on_switched = self._async_native_switched
        self._last_runs: dict[str, deque[datetime]] = {}
        self._sync_later: CALLBACK_TYPE | None = None
        self._sync_lock = asyncio.Lock()
        self._unsub_appear: CALLBACK_TYPE | None = None
        self.undo = UndoTracker()
        # Infants only learn from explicit teaching: no proposals before Child.
        self.may_propose: Callable[[], bool] = lambda: learner.growth.may_propose
        self.add_switches: Callable[[list[str]], None] | None = None
        self.engine: EngineClient | None = None
        self._switch_ids: set[str] = set()
        self._runs: dict[str, str] = {}  # automation run context id -> skill id
        self.last_run_skill: str | None = None
        self._last_run_at: datetime | None = None
        # Told about every decision (the style bandit learns from them).
        self.on_decision: Callable[[str], Awaitable[None]] | None = None
        # How to offer a routine in a context (the style bandit's choice, set by
        # the runtime): not at all when quiet, with the reason when detailed.
        self.offer_style: Callable[[StyleContext], Style] = _always_offer
        # How to write a notification now: the style learned for the
        # notification channel where it is known (set by the runtime).
        self.notice_style: Callable[[], Style] = lambda: NOTICE_STYLE
        # The household's language (sentences/<language>.yaml), set by the runtime.
        self.language: Callable[[], Mapping[str, Any]] = lambda: ENGLISH
        self._autonomous: tuple[str, datetime] | None = None
        self.offers = OfferDesk(hass, self._async_background)
        self._unsubs: list[CALLBACK_TYPE] = []
        learner.listeners.append(self.async_after_learning)

    def _text(self, key: str, **values: Any) -> str:
        """Return a notification text in the household's language."""
        return phrase(self.language(), "notifications", key, **values)

    @property
    def book(self) -> SkillBook:
        """Return the learner's skill book."""
        return self.learner.book

    # ---- life cycle ----------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Start watching automation runs and state changes for undo feedback."""
        self._unsubs += [
            self.hass.bus.async_listen(EVENT_AUTOMATION_TRIGGERED, self._async_automation_ran),
            self.hass.bus.async_listen(EVENT_STATE_CHANGED, self._async_state_changed),
            async_track_time_change(self.hass, self._async_anticipate, second=0),
            persistent_notification.async_register_callback(
                self.hass, self.offers.async_notifications_changed
            ),
        ]
        self.native.async_start()
        # What a skill needs may come later (an integration loading after
        # AisthOS, a device added, an automation loaded): look again then.
        self._unsubs += [
            self.hass.bus.async_listen(er.EVENT_ENTITY_REGISTRY_UPDATED, self._async_schedule_sync),
            # After a reload HA runs the native automations it loaded: at once.
            self.hass.bus.async_listen(EVENT_AUTOMATION_RELOADED, self._async_sync_now),
            async_at_started(self.hass, self._async_schedule_sync),
        ]
        # Earlier versions proposed in Repairs: those issues are not problems.
        issues = ir.async_get(self.hass)
        for domain, issue_id in list(issues.issues):
            if domain == DOMAIN and issue_id.startswith(PROPOSAL_ISSUE_PREFIX):
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    @callback
    def async_stop(self) -> None:
        """Stop watching; an open offer is taken down (it could not be answered)."""
        self.offers.async_close()
        if self._sync_later is not None:
            self._sync_later()
            self._sync_later = None
        self._async_watch_for_entities(False)
        self.runner.async_stop()
        self.native.async_stop()
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()

    # ---- after each learning run -----------------------------------------------

    async def async_after_import(self) -> None:
        """Run the imported approved skills and taught phrases; stop those replaced.

        (The learning step's own sync of what runs does that.)
        """
        await self.async_after_learning()
        # Proposals that came with the file wait too: say so once.
        book = self.book
        self._async_proposals_notice(
            [s for sid, s in book.skills.items() if book.status(sid) is Status.PROPOSED]
        )
        await self.learner.async_save()

    async def async_sync_runs(self) -> None:
        """Run what should run (approved skills, taught phrases); stop the rest.

        A native automation of the same id (saved from the panel, or written
        into automations.yaml by an earlier version) is the household's: HA
        runs it, AisthOS does not too. One sync at a time: two interleaved
        could attach a trigger twice.
        """
        async with self._sync_lock:
            await self._async_sync_runs()

    async def _async_sync_runs(self) -> None:
        wanted: dict[str, Callable[[], dict[str, Any]]] = {
            AUTOMATION_ID_PREFIX + skill_id: partial(self.automation_config, skill_id)
            for skill_id in self.book.skills
            if self.book.status(skill_id) is Status.APPROVED
        }
        for teaching in self.learner.teachings:
            wanted[AUTOMATION_ID_PREFIX + str(teaching.get("id"))] = partial(
                self.teaching_config, teaching
            )
        for key in self.runner.keys() - set(wanted):
            self.runner.async_remove(key)
        failed = False
        for key, config in wanted.items():
            if self._adopted(key):
                self.runner.async_remove(key)
                continue
            try:
                await self.runner.async_set(key, config())
            except HomeAssistantError as err:
                _LOGGER.warning("%s cannot run: %s", key, err)
                self.runner.async_remove(key)
                failed = True
        self._async_watch_for_entities(failed)

    @callback
    def _async_watch_for_entities(self, watch: bool) -> None:
        """While a skill cannot run, sync again when an entity appears (it may be back).

        Only an entity's first state is looked at (old_state None), and only
        while some skill waits: no cost on the home's ordinary changes.
        """
        if watch and self._unsub_appear is None:
            self._unsub_appear = self.hass.bus.async_listen(
                EVENT_STATE_CHANGED,
                self._async_schedule_sync,
                event_filter=_appeared,
            )
        elif not watch and self._unsub_appear is not None:
            self._unsub_appear()
            self._unsub_appear = None

    def _adopted(self, key: str) -> bool:
        """Return whether HA runs a native automation of this id (then AisthOS does not)."""
        return self._loaded_native(key.removeprefix(AUTOMATION_ID_PREFIX)) is not None

    def _loaded_native(self, skill_id: str) -> str | None:
        """Return the native automation's entity id if HA has it loaded now.

        A registry entry alone is not enough: an automation removed from its
        file by hand leaves one behind (restored, unavailable), and the skill
        would then run nowhere.
        """
        entity_id = self.native.entity_id(skill_id)
        state = self.hass.states.get(entity_id) if entity_id is not None else None
        if state is None or state.state == STATE_UNAVAILABLE or state.attributes.get("restored"):
            return None
        return entity_id

    def native_automation(self, skill_id: str) -> str | None:
        """Return the entity id of the skill's native automation, if HA runs one."""
        return self._loaded_native(skill_id)

    def native_needs_aisthos(self, skill_id: str) -> bool:
        """Return whether its native automation only runs while AisthOS's switch is on.

        Earlier versions wrote automations gated by the skill's switch: they
        would silently stop once AisthOS is removed. Saving the skill again
        from the panel replaces the gate-free config under the same id.
        """
        native, switch = self._loaded_native(skill_id), self.switch_entity_id(skill_id)
        if native is None or switch is None:
            return False
        return switch in entities_in_automation(self.hass, native)

    def runs_in_aisthos(self, skill_id: str) -> bool:
        """Return whether AisthOS itself runs the skill now."""
        return AUTOMATION_ID_PREFIX + skill_id in self.runner

    def last_runs(self, skill_id: str) -> list[str]:
        """Return when the skill last ran (newest first), since this start."""
        return [at.isoformat() for at in reversed(self._last_runs.get(skill_id, ()))]

    def _remember_native(self, skill_id: str) -> None:
        """Note what the native automation is now, to tell an edit later."""
        decision = self.book.decision(skill_id)
        if decision.written != NATIVE_EDITED:
            # Without its state yet, "native:" alone: the next reload tells.
            decision.written = NATIVE + (self.native.fingerprint(skill_id) or "")

    @callback
    def _async_native_appeared(self, skill_id: str) -> None:
        """Let HA run a skill that now has a native automation (AisthOS stops)."""
        if skill_id in self.book.skills and self.book.status(skill_id) in (
            Status.APPROVED,
            Status.PAUSED,
        ):
            self._remember_native(skill_id)
        self._async_background(self._async_sync_and_save(), "native automation appeared")

    @callback
    def _async_sync_now(self, _event: Any = None) -> None:
        self._async_background(self.async_sync_runs(), "sync what runs")

    @callback
    def _async_schedule_sync(self, _event: Any = None) -> None:
        """Sync what runs a moment later, once for a burst of changes."""
        if self._sync_later is not None:
            return

        @callback
        def sync(_now: datetime) -> None:
            self._sync_later = None
            self._async_background(self.async_sync_runs(), "sync what runs")

        self._sync_later = async_call_later(self.hass, SYNC_DELAY_S, sync)

    async def _async_sync_and_save(self) -> None:
        await self.async_sync_runs()
        await self.learner.async_save()

    @callback
    def _async_native_deleted(self, skill_id: str) -> None:
        """Take a deletion of the native automation in HA's editor as the household's "no"."""
        if skill_id not in self.book.skills or not self.book.decision(skill_id).written.startswith(
            NATIVE
        ):
            return
        if self.book.status(skill_id) in (Status.APPROVED, Status.PAUSED):
            self.book.add_feedback(skill_id, Feedback.REJECT)
            self.book.set_status(skill_id, Status.REJECTED, dt_util.now().date())
        self.book.decision(skill_id).written = ""
        self._async_background(self._async_sync_and_save(), "native automation deleted")

    @callback
    def _async_native_reloaded(self, skill_id: str) -> None:
        """After a reload, a native automation that does or is called otherwise was edited."""
        if skill_id not in self.book.skills:
            return
        decision = self.book.decision(skill_id)
        if not decision.written.startswith(NATIVE) or decision.written == NATIVE_EDITED:
            return
        now = self.native.fingerprint(skill_id)
        if now is None or decision.written == NATIVE + now:
            return
        if decision.written == NATIVE:
            decision.written = NATIVE + now  # its first look, after HA loaded it
            self._async_background(self.learner.async_save(), "native automation loaded")
            return
        if decision.counts.get(Feedback.EDIT.value, 0) == 0:
            self.book.add_feedback(skill_id, Feedback.EDIT)
        decision.written = NATIVE_EDITED
        self._async_background(self.learner.async_save(), "native automation edited")

    @callback
    def _async_native_switched(self, skill_id: str, on: bool) -> None:
        """Pause or resume the skill as its native automation is turned off or on."""
        if skill_id not in self.book.skills:
            return
        status = self.book.status(skill_id)
        today = dt_util.now().date()
        if not on and status is Status.APPROVED:
            self.book.set_status(skill_id, Status.PAUSED, today)
            self.book.add_feedback(skill_id, Feedback.DISABLE)
        elif on and status is Status.PAUSED:
            self.book.set_status(skill_id, Status.APPROVED, today)
            self.book.add_feedback(skill_id, Feedback.ENABLE)
        else:
            return
        self._async_background(self.learner.async_save(), "native automation switched")

    async def async_after_learning(self) -> None:
        """Sync entities, automations and proposals with the new skill book."""
        book = self.book
        today = dt_util.now().date()
        sparks = await self.hass.async_add_executor_job(self.learner.store.count, 0.0)
        if sparks:
            self.learner.sparks_stored = True  # saved with the rest of the learning
        approved = len(book.keep_ids())
        if (stage := self.learner.growth.advance(today, sparks, approved)) is not None:
            persistent_notification.async_create(
                self.hass,
                self._text("growth", stage=self._text(f"stage_{stage.value}")),
                title=self._text("growth_title"),
                notification_id="aisthos_growth",
            )
        self.async_sync_switches()
        await self.async_sync_runs()
        new: list[Skill] = []
        for skill_id, decision in list(book.decisions.items()):
            if decision.status is not Status.PROPOSED:
                continue
            if not book.worth_proposing(skill_id):
                book.set_status(skill_id, Status.LEARNED, today)  # no longer convincing
        growth = self.learner.growth
        if growth.may_act_alone:
            # A Teen switches on what it is very sure of, and says so, with an undo.
            for skill in book.proposable(today):
                if book.confidence(skill.id) >= AUTONOMY_CONFIDENCE:
                    await self._async_act_alone(skill)
        if self.may_propose():
            # A few at a time, and only while few wait: a flood is a chore, not a help.
            waiting = sum(d.status is Status.PROPOSED for d in book.decisions.values())
            room = max(0, min(PROPOSALS_PER_NIGHT, WAITING_PROPOSALS_MAX - waiting))
            for candidate in book.proposable(today)[:room]:
                skill = await self._async_better_name(candidate)
                book.set_status(skill.id, Status.PROPOSED, today)
                new.append(skill)
        if growth.may_anticipate and today.weekday() == 6:
            self._async_routine_feedback(today)
        self._async_proposals_notice(new)

    def waiting(self) -> int:
        """Return how many proposals wait for the household's decision."""
        book = self.book
        return sum(
            d.status is Status.PROPOSED and sid in book.skills for sid, d in book.decisions.items()
        )

    @callback
    def _async_proposals_notice(self, new: list[Skill]) -> None:
        """One notification for the suggestions, pointing to the panel; gone when none wait."""
        waiting = self.waiting()
        if not waiting:
            persistent_notification.async_dismiss(self.hass, NOTIFICATION_ID)
            return
        if not new:
            return  # a dismissed notification is not brought back for old news
        style = self.notice_style()
        names = ":" + _listed([plain(s.name) for s in new], style, self.language())
        persistent_notification.async_create(
            self.hass,
            self._text("proposals", count=len(new))
            + (names if style.length == "detailed" else ". ")
            + self._text("proposals_review", waiting=waiting),
            title=self._text("proposals_title"),
            notification_id=NOTIFICATION_ID,
        )

    @callback
    def async_sync_switches(self) -> None:
        """Add switches for new skills and remove those of forgotten ones."""
        current = set(self.book.skills)
        registry = er.async_get(self.hass)
        for gone in self._switch_ids - current:
            entity_id = registry.async_get_entity_id("switch", DOMAIN, self.switch_unique_id(gone))
            if entity_id is not None:
                registry.async_remove(entity_id)
        fresh = sorted(current - self._switch_ids)
        self._switch_ids = current
        if fresh and self.add_switches is not None:
            self.add_switches(fresh)

    def switch_unique_id(self, skill_id: str) -> str:
        """Return the unique id of a skill's switch."""
        return f"{self.entry_id}_skill_{skill_id}"

    def switch_entity_id(self, skill_id: str) -> str | None:
        """Return the entity id of a skill's switch, if it exists."""
        return er.async_get(self.hass).async_get_entity_id(
            "switch", DOMAIN, self.switch_unique_id(skill_id)
        )

    async def _async_better_name(self, skill: Skill) -> Skill:
        """Ask the engine's local LLM for a better name; keep the template one otherwise."""
        if self.engine is None:
            return skill
        describe = self.learner.describe(self.learner.entity_map())
        try:
            name = await self.engine.async_skill_name(skill.definition(describe))
        except EngineAuthError:
            self._async_engine_refused()
            return skill
        except EngineError as err:
            _LOGGER.debug("No better name for %s: %s", skill.id, err)
            return skill
        if name is None or name == skill.name:
            return skill
        better = replace(self.book.skills[skill.id], name=name)
        self.book.skills[skill.id] = better
        return better

    @callback
    def _async_engine_refused(self) -> None:
        """Ask the household for the engine's new token."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is not None:
            entry.async_start_reauth(self.hass)

    async def _async_act_alone(self, skill: Skill) -> None:
        try:
            await self.async_approve(skill.id, by_household=False)
        except HomeAssistantError as err:
            _LOGGER.debug("Could not switch on %s by itself: %s", skill.id, err)
            return
        self._autonomous = (skill.id, dt_util.utcnow())
        switch = self.switch_entity_id(skill.id) or self._text("its_switch")
        why = ""
        if self.notice_style().length == "detailed":
            why = f"{plain(skill.explanation, 300)}\n\n"
        persistent_notification.async_create(
            self.hass,
            self._text("autonomous", name=plain(skill.name))
            + f"\n\n{why}"
            + self._text("autonomous_undo", switch=switch),
            title=self._text("autonomous_title"),
            notification_id=f"aisthos_autonomous_{skill.id}",
        )

    def _async_routine_feedback(self, today: date) -> None:
        """Tell the household how its routines went this week (Adult)."""
        week = {(today - timedelta(days=d)).isoformat() for d in range(1, 8)}
        lines = []
        for skill_id in self.book.keep_ids():
            skill = self.book.skills.get(skill_id)
            if skill is None:
                continue
            days = [hit for day, hit in skill.evidence.items() if day in week]
            if days and sum(days) < len(days):
                lines.append(
                    self._text(
                        "feedback_line", name=plain(skill.name), hits=sum(days), days=len(days)
                    )
                )
        if lines:
            style = self.notice_style()
            if style.length == "brief" and len(lines) > 3:
                lines = [*lines[:3], self._text("feedback_more", count=len(lines) - 3)]
            persistent_notification.async_create(
                self.hass,
                (self._text("feedback") + _listed(lines, style, self.language())).strip(),
                title=self._text("feedback_title"),
                notification_id="aisthos_weekly_feedback",
            )

    async def _async_anticipate(self, now: datetime) -> None:
        """Offer a routine five minutes before its usual time (Adult)."""
        if not self.learner.growth.may_anticipate:
            return
        local = dt_util.as_local(now)
        minute = local.hour * 60 + local.minute
        weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()]
        today = local.date().isoformat()
        for skill_id, skill in self.book.skills.items():
            if self.book.status(skill_id) in (Status.APPROVED, Status.PAUSED, Status.REJECTED):
                continue  # approved ones run anyway; rejected ones are not wanted
            if not self.book.worth_proposing(skill_id):
                continue
            cond = skill.conditions
            if cond.all_day or cond.after_dark:
                continue  # it holds all day (or all night): there is no usual time
            if (cond.start - 5) % 1440 != minute or weekday not in cond.days:
                continue
            if self.offers.offered(skill_id, today):
                continue
            try:  # never offer what could not be done ("yes" would only fail)
                self.automation_config(skill_id)
            except HomeAssistantError:
                continue
            context = StyleContext(local.hour, local.weekday() >= 5, "notification")
            style = self.offer_style(context)
            if style.initiative != "proactive":
                continue  # not wanted now; nothing remembered, so another day may offer
            describe = self.learner.describe(self.learner.entity_map())
            things = ", ".join(describe(a.target) for a in skill.actions)
            message = self._text(
                "offer",
                time=local.strftime("%H:%M"),
                things=plain(things),
                name=plain(skill.name),
            )
            if style.length == "detailed":
                message += f" {plain(skill.explanation, 300)}"
            self.offers.async_offer(
                skill_id, today, context, style,
                message + " " + self._text("offer_answer"), self._text("offer_title"),
            )  # fmt: skip

    async def async_answer_offer(self, kind: str, withdraw: bool = False) -> None:
        """Learn from the household's answer to the open offer (see OfferDesk)."""
        offer = self.open_offer()
        if offer is not None:
            await self.offers.async_answer(offer, kind, withdraw)

    async def async_accept_offer(self, context: Context | None) -> str | None:
        """'Yes, do it': run the offered skill once; return it (None: nothing offered)."""
        offer = self.open_offer()
        if offer is None:
            return None
        # Only someone who may do it answers for the household.
        config = await self._async_runnable(offer.skill_id, context)
        await self.offers.async_answer(offer, "approved")
        await self._async_call_actions(config, context)
        self.offers.ran(offer.skill_id)
        return offer.skill_id

    def recent_offer_run(self) -> str | None:
        """Return the skill run on an offer's "yes" in the last ten minutes, if any."""
        return self.offers.recent_run(self.book.skills.__contains__)

    async def async_undo_run(self, skill_id: str, context: Context | None) -> None:
        """Undo what running a skill once did, through the same safe compilation."""
        config = self._compiled(lambda: undo_skill(self._skill(skill_id)))
        await async_require_control(self.hass, context, action_targets(config))
        self.offers.forget_run()
        await self._async_call_actions(config, context)

    @callback
    def _async_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run work tied to the entry: an unload cancels it rather than leaving it behind."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is None:
            work.close()
            return
        entry.async_create_background_task(self.hass, work, f"aisthos {name}")

    def recent_run(self) -> str | None:
        """Return the skill whose automation ran in the last ten minutes, if any."""
        last = self._last_run_at
        if last is None or dt_util.utcnow() - last > timedelta(minutes=10):
            return None
        return self.last_run_skill if self.last_run_skill in self.book.skills else None

    def current_offer(self) -> str | None:
        """Return the skill offered in the last half hour, if any."""
        offer = self.open_offer()
        return offer.skill_id if offer is not None else None

    def open_offer(self) -> Offer | None:
        """Return the offer of the last half hour, if its skill is still known."""
        return self.offers.open(self.book.skills.__contains__)

    def last_autonomous(self) -> str | None:
        """Return the skill switched on by itself in the last day, if not undone."""
        if self._autonomous is None or dt_util.utcnow() - self._autonomous[1] > timedelta(days=1):
            return None
        skill_id = self._autonomous[0]
        return skill_id if self.book.status(skill_id) is Status.APPROVED else None

    def last_proposal(self) -> str | None:
        """Return the most recent waiting proposal."""
        waiting = [
            (d.changed, self.book.confidence(sid), sid)
            for sid, d in self.book.decisions.items()
            if d.status is Status.PROPOSED and sid in self.book.skills
        ]
        return max(waiting)[2] if waiting else None

    def find_entity(self, spoken: str) -> str | None:
        """Return the actuator entity whose name best matches what was said."""
        wanted = {w for w in re.split(r"[^a-z0-9]+", spoken.casefold()) if len(w) > 1}
        best: tuple[float, str | None] = (0.0, None)
        for state in self.hass.states.async_all(list(TEACHABLE)):
            have = {w for w in re.split(r"[^a-z0-9]+", state.name.casefold()) if len(w) > 1}
            if wanted and have:
                score = len(wanted & have) / len(wanted | have)
                if score > best[0]:
                    best = (score, state.entity_id)
        return best[1] if best[0] >= 0.5 else None

    async def async_run_once(self, skill_id: str, context: Context | None) -> None:
        """Do a skill's actions now, as the caller, through the same safe compilation.

        The caller must be allowed every action before the first one runs:
        a skill never half-runs for someone HA would refuse part of it.
        """
        await self._async_call_actions(await self._async_runnable(skill_id, context), context)

    async def _async_runnable(self, skill_id: str, context: Context | None) -> dict[str, Any]:
        """Return a skill's compiled actions, once the caller may do all of them."""
        config = self._compiled(lambda: self._skill(skill_id))
        await async_require_control(self.hass, context, action_targets(config))
        return config

    def _compiled(self, skill: Callable[[], Skill]) -> dict[str, Any]:
        """Return a skill's automation config; an unsafe one is a clear error."""
        try:
            return compile_automation(skill(), self.learner.entity_map().get)
        except UnsafeSkillError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="unsafe_skill",
                translation_placeholders={"error": str(err)},
            ) from err

    async def _async_call_actions(self, config: dict[str, Any], context: Context | None) -> None:
        # The caller's context: HA checks its permissions again, and the
        # logbook says who did it.
        for step in config["actions"]:
            if "action" not in step:
                continue  # a delay: run once, or undone, it is done at once
            domain, service = step["action"].split(".", 1)
            await self.hass.services.async_call(
                domain,
                service,
                {**step.get("data", {}), **step["target"]},
                blocking=True,
                context=context,
            )

    async def async_teach(self, phrase: str, entity_id: str, verb: str) -> str:
        """'When I say <phrase>, <verb> <entity>': a voice trigger that runs inside AisthOS.

        Callers check that an administrator asks (HA's editor asks as much).
        """
        tidy = clean_phrase(phrase)
        if tidy is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="bad_phrase",
                translation_placeholders={"phrase": " ".join(phrase[:240].split())[:60]},
            )  # fmt: skip
        if service_for(entity_id, verb) is None or self.hass.states.get(entity_id) is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="cannot_teach",
                translation_placeholders={"entity_id": entity_id, "verb": verb},
            )  # fmt: skip
        teaching = teaching_record(
            tidy, entity_id, verb, self.learner.ref_of(entity_id), dt_util.now().date()
        )
        known = {t.get("id") for t in self.learner.teachings}
        if teaching["id"] not in known and len(known) >= MAX_TEACHINGS:
            # A wisdom file holds this many: more could never be exported again.
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="too_many_teachings",
                translation_placeholders={"max": str(MAX_TEACHINGS)},
            )  # fmt: skip
        key = AUTOMATION_ID_PREFIX + teaching["id"]
        if not self._adopted(key):
            await self.runner.async_set(key, self.teaching_config(teaching))
        teachings = [t for t in self.learner.teachings if t.get("id") != teaching["id"]]
        teachings.append(teaching)
        self.learner.teachings = teachings
        await self.learner.async_save()
        return str(teaching["id"])

    def teaching_config(self, teaching: Mapping[str, Any]) -> dict[str, Any]:
        """Return the automation config of a taught phrase in this home."""
        key = AUTOMATION_ID_PREFIX + str(teaching.get("id"))
        try:
            return teaching_config(teaching, self.learner.entity_map(), key)
        except ValueError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="teaching_cannot_run",
                translation_placeholders={"error": str(err)},
            ) from err  # fmt: skip

    # ---- decisions -------------------------------------------------------------

    def _skill(self, skill_id: str) -> Skill:
        if skill_id not in self.book.skills:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_skill",
                translation_placeholders={"skill_id": skill_id},
            )
        return self.book.effective(skill_id)

    def automation_config(self, skill_id: str) -> dict[str, Any]:
        """Compile the skill's automation: what AisthOS runs, or HA's config API saves.

        No condition on AisthOS: saved as an ordinary automation it is the
        household's and keeps running without it.
        """
        return self._compiled(partial(self._skill, skill_id))

    async def async_approve(self, skill_id: str, by_household: bool = True) -> None:
        """Approve: the skill runs from now on, and its switch is on."""
        today = dt_util.now().date()
        self._skill(skill_id)
        before = replace(self.book.decision(skill_id))
        before.counts = dict(before.counts)
        # Approved before compiling: the automation carries the confidence
        # approval gives.
        approved_before = before.status is Status.APPROVED
        self.book.set_status(skill_id, Status.APPROVED, today)
        if by_household and not approved_before:
            self.book.add_feedback(skill_id, Feedback.APPROVE)
        key = AUTOMATION_ID_PREFIX + skill_id
        try:
            config = self.automation_config(skill_id)
            if self._adopted(key):
                self._remember_native(skill_id)
            else:
                await self.runner.async_set(key, config)
        except HomeAssistantError:
            self.book.decisions[skill_id] = before
            raise
        if by_household and self.on_decision is not None:
            await self.on_decision("approved")
        self._async_proposals_notice([])
        await self.learner.async_save()

    async def async_reject(self, skill_id: str) -> None:
        """Reject: it stops running; not proposed again without strong evidence.

        A native automation of it is turned off, not deleted: it is the
        household's, to delete in HA's editor if they want.
        """
        self._skill(skill_id)
        self.runner.async_remove(AUTOMATION_ID_PREFIX + skill_id)
        if (native := self._loaded_native(skill_id)) is not None:
            await self.hass.services.async_call(
                "automation", "turn_off", {ATTR_ENTITY_ID: native}, blocking=True
            )
        self.book.add_feedback(skill_id, Feedback.REJECT)
        self.book.set_status(skill_id, Status.REJECTED, dt_util.now().date())
        self._async_proposals_notice([])
        if self._autonomous is not None and self._autonomous[0] == skill_id:
            self._autonomous = None
        if self.on_decision is not None:
            await self.on_decision("rejected")
        await self.learner.async_save()

    async def async_snooze(self, skill_id: str) -> None:
        """Not now: ask again in a week (a suggestion only; what runs is paused instead)."""
        self._skill(skill_id)
        if self.book.status(skill_id) not in (Status.PROPOSED, Status.LEARNED, Status.SNOOZED):
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="not_a_suggestion",
                translation_placeholders={"skill_id": skill_id},
            )  # fmt: skip
        self.book.set_status(skill_id, Status.SNOOZED, dt_util.now().date())
        self._async_proposals_notice([])
        await self.learner.async_save()

    async def async_set_enabled(
        self, skill_id: str, enabled: bool, context: Context | None
    ) -> None:
        """Turn a skill on (approve or resume) or off (pause), as its switch does.

        Pausing and resuming are what HA lets anyone who controls the switch
        do to an automation; approving creates one, which is for administrators.
        """
        status = self.book.status(skill_id)
        if enabled and status not in (Status.APPROVED, Status.PAUSED):
            await async_require_admin(self.hass, context)
            await self.async_approve(skill_id)
            return
        if enabled and status is Status.PAUSED:
            self.book.set_status(skill_id, Status.APPROVED, dt_util.now().date())
            self.book.add_feedback(skill_id, Feedback.ENABLE)
        elif not enabled and status is Status.APPROVED:
            self.book.set_status(skill_id, Status.PAUSED, dt_util.now().date())
            self.book.add_feedback(skill_id, Feedback.DISABLE)
        if (native := self._loaded_native(skill_id)) is not None:
            # HA runs it: the switch turns HA's automation off and on, as the caller.
            await self.hass.services.async_call(
                "automation", "turn_on" if enabled else "turn_off", {ATTR_ENTITY_ID: native},
                blocking=True, context=context,
            )  # fmt: skip
        await self.async_sync_runs()
        await self.learner.async_save()

    async def async_feedback(self, skill_id: str, kind: Feedback) -> float:
        """Record a reaction (helpful, not helpful, …); return the new confidence."""
        self._skill(skill_id)
        value = self.book.add_feedback(skill_id, kind)
        await self.learner.async_save()
        return value

    # ---- undo feedback ---------------------------------------------------------

    @callback
    def _async_automation_ran(self, event: Event[Any]) -> None:
        """Follow a run of an adopted automation (one an earlier version wrote)."""
        entity_id = event.data.get(ATTR_ENTITY_ID)
        if not isinstance(entity_id, str):
            return
        entry = er.async_get(self.hass).async_get(entity_id)
        if entry is None or not entry.unique_id.startswith(AUTOMATION_ID_PREFIX):
            return
        self._async_skill_ran(entry.unique_id, event.context)

    @callback
    def _async_skill_ran(self, key: str, context: Context) -> None:
        """Remember a run: what its context changes is the skill's, for undo feedback."""
        skill_id = key.removeprefix(AUTOMATION_ID_PREFIX)
        runs = self._last_runs.setdefault(skill_id, deque(maxlen=LAST_RUNS))
        runs.append(dt_util.utcnow())
        if len(self._runs) > 100:
            self._runs.clear()
        self._runs[context.id] = skill_id
        self.last_run_skill = skill_id
        self._last_run_at = dt_util.utcnow()

    @callback
    def _async_state_changed(self, event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        if new_state is None:
            return
        entity_id = event.data["entity_id"]
        parent = event.context.parent_id
        at = new_state.last_updated_timestamp
        # The automation's run context, or one its actions derived from it.
        run = self._runs.get(event.context.id) or (self._runs.get(parent) if parent else None)
        if run is not None:
            self.undo.acted(entity_id, new_state.state, run, at)
            return
        if len(self.undo) == 0:
            return
        old_state = event.data["old_state"]
        if old_state is not None and old_state.state == new_state.state:
            return
        skill_id = self.undo.observe(entity_id, new_state.state, parent is None, at)
        if skill_id is not None and skill_id in self.book.skills:
            self.book.add_feedback(skill_id, Feedback.UNDO)
            self._async_background(self.learner.async_save(), "save undo feedback")
