"""Track B in Home Assistant: the nightly run, its trigger points and the skill store.

The miner is plain Python and runs in an executor thread over the Sparks of
the look-back period. Skills are kept in HA's storage (.storage/aisthos_skills),
which writes atomically, so a restart mid-write never loses them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import copy
from datetime import date, datetime, time as dt_time, timedelta
import logging
from typing import Any, Final

from homeassistant.components.automation import entities_in_automation
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_change
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .automation_bridge import is_aisthos_automation
from .engine.growth import ORDER, Growth
from .engine.ontology import Action
from .engine.perception import entity_and_option, option_key, select_options
from .engine.routine_miner import MinerSettings, RoutineMiner
from .engine.skill import Signature, Skill
from .engine.skill_book import Decision, SkillBook
from .engine.spark_store import SparkStore, StoreError
from .engine.wisdom import MAX_REJECTED, MAX_SKILLS, EntityDescription, Wisdom, usable_preferences

_LOGGER = logging.getLogger(__package__)
# Nights of confidence the panel shows for a skill (about two months).
HISTORY_POINTS = 60

STORAGE_VERSION: Final = 1
STORAGE_KEY: Final = "aisthos_skills"
SIGNAL_SKILLS_UPDATED: Final = "aisthos_skills_updated_{}"


def replace_evidence(skill: Skill, evidence: dict[str, int]) -> Skill:
    """Return the skill with merged evidence, confidence recomputed for today."""
    return skill.with_evidence(evidence, dt_util.now().date())


class SkillLearner:
    """Runs the routine miner and keeps the skills it found."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        store: SparkStore,
        ref_of: Callable[[str], str],
        settings: MinerSettings | None = None,
    ) -> None:
        """Create the learner for one config entry."""
        self.hass = hass
        self.store = store
        self._store = store
        self._ref_of = ref_of
        self._miner = RoutineMiner(settings)
        self._storage: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
        self._lock = asyncio.Lock()
        self.book = SkillBook()
        self.growth = Growth(born=dt_util.now().date())
        # Skills imported from another home whose entities are not matched yet.
        self.dormant: list[tuple[Skill, Decision]] = []
        self.dormant_entities: dict[str, EntityDescription] = {}
        self.teachings: list[dict[str, Any]] = []
        self.preferences: dict[str, Any] = {}
        self.last_run: datetime | None = None
        # Whether the Spark database ever held Sparks: kept here, outside it,
        # so a database that is gone can be told from one never filled.
        self.sparks_stored = False
        self.last_error: str | None = None
        # skill id -> [(day, confidence)] after each night's run, for the panel.
        self.confidence_history: dict[str, list[tuple[str, float]]] = {}
        self.signal = SIGNAL_SKILLS_UPDATED.format(entry_id)
        # Called after every run (proposals, automations, entities).
        self.listeners: list[Callable[[], Any]] = []

    @property
    def skills(self) -> list[Skill]:
        """Return the known skills, carrying their effective confidence."""
        return [self.book.effective(sid) for sid in self.book.skills]

    async def async_load(self) -> None:
        """Load the skills kept from earlier runs."""
        data = await self._storage.async_load()
        if data:
            self._load_data(data)

    def _load_data(self, data: dict[str, Any]) -> None:
        self.book, problems = SkillBook.from_dict(data)
        for problem in problems:
            _LOGGER.warning("Skipping a stored entry that cannot be read: %s", problem)
        try:
            if "growth" in data:
                self.growth = Growth.from_dict(data["growth"])
            self.dormant = [
                (Skill.from_dict(item["skill"]), Decision.from_dict(item.get("decision", {})))
                for item in data.get("dormant", [])
            ]
            self.dormant_entities = {
                str(ref): EntityDescription(**desc)
                for ref, desc in dict(data.get("dormant_entities", {})).items()
            }
            self.teachings = [dict(t) for t in data.get("teachings", [])]
        except (KeyError, TypeError, ValueError) as err:
            _LOGGER.warning("Part of the stored learning could not be read: %s", err)
        # What an import refuses is not taken from storage either (e.g. saved by an
        # older version): it would break every export and backup.
        self.preferences, problems = usable_preferences(data.get("preferences", {}))
        for problem in problems:
            _LOGGER.warning("Dropping a stored preference that cannot be used: %s", problem)
        last_run = data.get("last_run")
        self.last_run = dt_util.parse_datetime(last_run) if isinstance(last_run, str) else None
        self.sparks_stored = data.get("sparks_stored") is True
        self.confidence_history = {}
        history = data.get("confidence_history", {})
        for skill_id, points in (history if isinstance(history, dict) else {}).items():
            try:
                self.confidence_history[str(skill_id)] = [
                    (str(day), float(value)) for day, value in points
                ][-HISTORY_POINTS:]
            except (TypeError, ValueError):
                _LOGGER.warning("Dropping the unreadable confidence history of %s", skill_id)

    @callback
    def async_schedule(self, at: dt_time) -> CALLBACK_TYPE:
        """Run every night at the given local time."""

        async def nightly(_now: datetime) -> None:
            try:
                await self.async_learn()
            except StoreError as err:
                # Tomorrow night tries again; the Sparks are where they were.
                _LOGGER.warning("Tonight's learning found the Spark store unusable: %s", err)

        return async_track_time_change(
            self.hass, nightly, hour=at.hour, minute=at.minute, second=at.second
        )

    def entity_map(self) -> dict[str, str]:
        """Return Spark ref -> entity id for every entity this home has.

        Each option of an input_select is a thing of its own: its ref maps to
        "entity=option" (perception.option_key), which compiling understands.
        """
        ids = set(self.hass.states.async_entity_ids()) | set(er.async_get(self.hass).entities)
        found = {self._ref_of(entity_id): entity_id for entity_id in ids}
        for state in self.hass.states.async_all("input_select"):
            for option in select_options(state.attributes.get("options")):
                key = option_key(state.entity_id, option)
                found[self._ref_of(key)] = key
        return found

    def describe(self, entity_map: dict[str, str]) -> Callable[[Signature], str]:
        """Name entities by their names in this home (names never leave it).

        The names are read here, on the event loop: the function returned reads
        only them, so the nightly miner may call it from a worker thread.
        """
        registry = er.async_get(self.hass)
        names: dict[str, str] = {}
        for ref, key in entity_map.items():
            entity_id, option = entity_and_option(key)
            name: str | None = None
            if (state := self.hass.states.get(entity_id)) is not None and state.name:
                name = state.name
            elif (entry := registry.async_get(entity_id)) is not None and (
                entry.name or entry.original_name
            ):
                name = str(entry.name or entry.original_name)
            if name is not None:
                # One option of a select is named with it: "House mode: Night".
                names[ref] = f"{name}: {option}" if option is not None else name

        def describe(sig: Signature) -> str:
            if (name := names.get(sig.ref)) is not None:
                return name
            place = "" if sig.area == "unknown" else sig.area.replace("_", " ") + " "
            return (place + sig.object.replace("_", " ")).capitalize()

        return describe

    def _automated(self, entity_map: dict[str, str]) -> list[str]:
        """Signatures of entities some automation of the household's already uses."""
        used: set[str] = set()
        for automation in self.hass.states.async_entity_ids("automation"):
            if not is_aisthos_automation(self.hass, automation):
                used.update(entities_in_automation(self.hass, automation))
        return [
            f"{ref}:{action.value}"
            for ref, entity_id in entity_map.items()
            if entity_id in used
            for action in Action
        ]

    def _groups(self) -> dict[str, list[str]]:
        """Return the refs of each group's members, as its entity_id attribute lists them.

        The recorder leaves that attribute out of the history, so membership
        is read as it is now; the miner counts only the members it saw
        change with the group.
        """
        groups: dict[str, list[str]] = {}
        for state in self.hass.states.async_all():
            members = state.attributes.get(ATTR_ENTITY_ID)
            if isinstance(members, (list, tuple)) and members:
                groups[self._ref_of(state.entity_id)] = [
                    self._ref_of(member) for member in members if isinstance(member, str)
                ]
        return groups

    async def async_learn(self, today: date | None = None) -> list[Skill]:
        """Mine the look-back period and merge into the known skills."""
        async with self._lock:
            today = today or dt_util.now().date()
            tz = dt_util.get_default_time_zone()
            start = datetime.combine(
                today - timedelta(days=self._miner.settings.lookback_days + 1), dt_time(), tz
            ).timestamp()
            end = datetime.combine(today, dt_time(), tz).timestamp()
            entity_map = self.entity_map()
            describe = self.describe(entity_map)
            automated = self._automated(entity_map)
            existing = list(self.book.skills.values())
            keep = self.book.keep_ids()
            rejected = self.book.rejected_ids()
            # zone.home counts every person whose whereabouts are known: who is
            # home is known to the miner only if each of those made Sparks.
            residents = [
                ref
                for ref, key in entity_map.items()
                if key.startswith("person.")
                and (state := self.hass.states.get(key)) is not None
                and state.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)
            ]

            groups = self._groups()

            def work() -> list[Skill]:
                sparks = self._store.between(start, end)
                return self._miner.run(
                    sparks, tz, today, existing=existing, automated=automated,
                    keep_ids=keep, describe=describe, residents=residents,
                    rejected_ids=rejected, groups=groups,
                )  # fmt: skip

            try:
                learned = await self.hass.async_add_executor_job(work)
            except Exception as err:
                self.last_error = str(err)
                _LOGGER.exception("Learning from the Sparks failed")
                raise
            self.book.update(learned, MAX_SKILLS, MAX_REJECTED)
            self.last_error = None
            self.last_run = dt_util.utcnow()
            for listener in self.listeners:
                await listener()
            self._remember_confidence(today)
            await self.async_save()
            return self.skills

    def _remember_confidence(self, today: date) -> None:
        """Note each skill's confidence tonight (one point a day, the last kept)."""
        day = today.isoformat()
        history = {sid: h for sid, h in self.confidence_history.items() if sid in self.book.skills}
        for skill_id in self.book.skills:
            points = [p for p in history.get(skill_id, []) if p[0] != day]
            points.append((day, round(self.book.confidence(skill_id), 3)))
            history[skill_id] = points[-HISTORY_POINTS:]
        self.confidence_history = history

    async def async_save(self) -> None:
        """Persist the skill book and tell entities."""
        await self._storage.async_save(self._data())
        async_dispatcher_send(self.hass, self.signal)

    @property
    def ref_of(self) -> Callable[[str], str]:
        """Return the function giving an entity id's Spark ref in this home."""
        return self._ref_of

    def snapshot(self) -> dict[str, Any]:
        """Return a copy of everything learned (to undo a failed import)."""
        return copy.deepcopy(self._data())

    def restore(self, data: dict[str, Any]) -> None:
        """Go back to a snapshot."""
        self._load_data(copy.deepcopy(data))

    def apply_wisdom(
        self, wisdom: Wisdom, unmatched: dict[str, EntityDescription], replace: bool
    ) -> None:
        """Take over imported wisdom: all of it (replace) or what is new (merge)."""
        if replace:
            self.book = wisdom.book
            self.growth = wisdom.growth
            self.dormant = list(wisdom.dormant)
            self.dormant_entities = dict(unmatched)
            self.teachings = list(wisdom.teachings)
            self.preferences = dict(wisdom.preferences)
            return
        for skill_id, skill in wisdom.book.skills.items():
            mine = self.book.skills.get(skill_id)
            if mine is None:
                self.book.skills[skill_id] = skill
                if skill_id in wisdom.book.decisions:
                    self.book.decisions[skill_id] = wisdom.book.decisions[skill_id]
                continue
            evidence = {**skill.evidence, **mine.evidence}  # this home's own days win
            self.book.skills[skill_id] = replace_evidence(mine, evidence)
        for skill_id, decision in wisdom.book.decisions.items():
            self.book.decisions.setdefault(skill_id, decision)
        if ORDER.index(wisdom.growth.stage) > ORDER.index(self.growth.stage):
            self.growth = wisdom.growth
        known = {s.id for s, _ in self.dormant}
        self.dormant += [(s, d) for s, d in wisdom.dormant if s.id not in known]
        self.dormant_entities.update(unmatched)
        taught = {t["id"] for t in self.teachings}
        self.teachings += [t for t in wisdom.teachings if t["id"] not in taught]
        for key, value in wisdom.preferences.items():
            self.preferences.setdefault(key, value)

    def _data(self) -> dict[str, Any]:
        return {
            **self.book.as_dict(),
            "growth": self.growth.as_dict(),
            "dormant": [
                {"skill": skill.as_dict(), "decision": decision.as_dict()}
                for skill, decision in self.dormant
            ],
            "dormant_entities": {r: d.as_dict() for r, d in self.dormant_entities.items()},
            "teachings": self.teachings,
            "preferences": self.preferences,
            "last_run": self.last_run.isoformat() if self.last_run else None,
            "sparks_stored": self.sparks_stored,
            "confidence_history": {
                sid: [list(p) for p in points] for sid, points in self.confidence_history.items()
            },
        }
