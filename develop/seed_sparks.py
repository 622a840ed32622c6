"""Give the development home a past: DAYS days of its occupants' routine as Sparks.

Run by `scripts/develop --seed [DAYS]` inside the project's env, with Home
Assistant running. A fresh development home has only minutes of Sparks, and
the learner needs days; this writes the days before today as the occupant
simulator (develop/custom_components/aisthos_home/simulator.py, whose DAY
schedule it imports) would have lived them at real time of day: with jitter,
left-out steps and now and then a day out, and with the two automations of
develop/automations.yaml answering as automations.

The state changes take AisthOS' own path: the Significance filter, Perception
with the Anonymizer keyed by the config entry's secret (and the tokens saved
in the database), the Spark pipeline, EntityInfo from the real entity, device
and area registries (those of .develop/config/.storage; from the websocket API
while Home Assistant runs, since it saves them up to minutes after a change),
and SparkStore (safe while Home Assistant runs: SQLite in WAL mode).

Proposals wait for AisthOS' Child growth stage, which takes days of age: an
Infant's life is made to begin on the first seeded day (.storage/aisthos_skills,
then the entry is reloaded). Then aisthos.learn runs over REST, so the
suggestions wait in the AisthOS panel.

A day is never seeded twice: the meta key "dev_seeded" lists the seeded days,
and a later run only adds the days since.
    python develop/seed_sparks.py [--days 14] [--config .develop/config]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time as dt_time, timedelta, tzinfo
import heapq
import importlib.util
import itertools
import json
from pathlib import Path
import random
import sys
import time
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp

# The engine is imported from the checkout: the same code Home Assistant runs.
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from custom_components.aisthos.const import (  # noqa: E402
    CONF_DOMAINS,
    CONF_EXCLUDE_AREAS,
    CONF_EXCLUDE_ENTITIES,
    CONF_INCLUDE_AREAS,
    CONF_INCLUDE_ENTITIES,
    CONF_SECRET,
    DB_FILENAME,
    DOMAIN,
)
from custom_components.aisthos.engine.anonymizer import Anonymizer  # noqa: E402
from custom_components.aisthos.engine.perception import (  # noqa: E402
    DEFAULT_DOMAINS,
    Perception,
    observable,
)
from custom_components.aisthos.engine.pipeline import SparkPipeline  # noqa: E402
from custom_components.aisthos.engine.significance import SignificanceFilter  # noqa: E402
from custom_components.aisthos.engine.spark import Spark  # noqa: E402
from custom_components.aisthos.engine.spark_store import SparkStore  # noqa: E402
from custom_components.aisthos.engine.state_change import EntityInfo, StateChange  # noqa: E402
from custom_components.aisthos.learning import STORAGE_KEY  # noqa: E402

BASE = "http://127.0.0.1:8123"
SIMULATOR = REPO / "develop/custom_components/aisthos_home/simulator.py"
META_KEY = "dev_seeded"

# The simulator squeezes a day into minutes; at real time of day the same
# actions are seconds to a minute apart and a motion sensor holds for minutes.
ACTION_GAP_S = (5.0, 40.0)  # between two actions of one step
DOOR_GAP_S = (4.0, 15.0)  # between the steps of unlocking, opening, closing, locking
WIFI_LEAD_S = (20.0, 90.0)  # the phone joins the home Wi-Fi before the door opens
MOTION_HOLD_S = (60.0, 120.0)
JITTER_MIN = 6.0  # standard deviation of a step's start, in minutes (clipped at 2.5)
DAY_SHIFT_MIN = 5.0  # the whole day runs a little early or late
SKIP_STEP = 0.08  # a step is left out now and then
DAY_OUT = 0.12  # both go out for the day: no work, no evening at home
DAY_OUT_STEPS = (
    ("09:40", "Alex and Sam go out for the day", "leave alex, leave sam"),
    ("21:50", "Alex and Sam come back", "arrive alex, arrive sam, motion kitchen"),
)

# The automations of develop/automations.yaml, which answer the occupants:
# (entity, state, for seconds, only while (entity, state), then set (entity, state)).
AUTOMATIONS: tuple[tuple[str, str, float, tuple[str, str] | None, tuple[str, str]], ...] = (
    ("binary_sensor.hallway_motion", "off", 30.0, ("light.hallway_light", "on"),
     ("light.hallway_light", "off")),
    ("switch.kettle", "on", 20.0, None, ("switch.kettle", "off")),
)  # fmt: skip

ROOMS = ("hallway", "kitchen", "living_room", "bedroom", "bathroom", "office")
PEOPLE = ("alex", "sam")  # person.<name> follows device_tracker.<name>_phone


def say(message: str) -> None:
    """Print a progress line."""
    print(f"==> {message}", flush=True)


class SeedError(Exception):
    """Seeding cannot go on; the message says why."""


# ---- what Home Assistant knows ---------------------------------------------------


def storage(config: Path, key: str) -> dict[str, Any]:
    """Return the data of one of Home Assistant's .storage files."""
    path = config / ".storage" / key
    try:
        data: dict[str, Any] = json.loads(path.read_text())["data"]
    except FileNotFoundError:
        raise SeedError(f"{path} is missing: start Home Assistant once first") from None
    return data


def saved_time_zone(config: Path) -> str:
    """Return the time zone in .storage/core.config; UTC (HA's default) if none is set."""
    try:
        return str(storage(config, "core.config").get("time_zone") or "UTC")
    except SeedError:
        return "UTC"


def aisthos_entry(config: Path, wait_s: float = 0.0) -> dict[str, Any]:
    """Return the AisthOS config entry (its secret and options).

    Home Assistant saves its config entries a second after they change: wait
    up to wait_s for a newly created one.
    """
    deadline = time.monotonic() + wait_s
    while True:
        with suppress(SeedError):
            for entry in storage(config, "core.config_entries")["entries"]:
                if entry["domain"] == DOMAIN:
                    return dict(entry)
        if time.monotonic() >= deadline:
            raise SeedError("there is no AisthOS config entry: run scripts/develop --background")
        time.sleep(0.5)


@dataclass(frozen=True, slots=True)
class Registries:
    """Home Assistant's entity, device and area registries, as stored in .storage."""

    entities: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    areas: list[dict[str, Any]]

    @classmethod
    def from_storage(cls, config: Path) -> Registries:
        """Read them from .storage (current once Home Assistant stopped)."""
        return cls(
            storage(config, "core.entity_registry")["entities"],
            storage(config, "core.device_registry")["devices"],
            storage(config, "core.area_registry")["areas"],
        )


def observed_entities(registries: Registries, options: dict[str, Any]) -> dict[str, EntityInfo]:
    """Return EntityInfo of every entity AisthOS observes, as observed_entities.py does."""
    areas = {a["id"]: a["name"] for a in registries.areas}
    devices = {d["id"]: d for d in registries.devices}
    domains = set(options.get(CONF_DOMAINS, DEFAULT_DOMAINS))
    include_areas = set(options.get(CONF_INCLUDE_AREAS, ()))
    exclude_areas = set(options.get(CONF_EXCLUDE_AREAS, ()))
    include_entities = set(options.get(CONF_INCLUDE_ENTITIES, ()))
    exclude_entities = set(options.get(CONF_EXCLUDE_ENTITIES, ()))
    infos = {}
    for entity in registries.entities:
        entity_id: str = entity["entity_id"]
        if entity["platform"] == DOMAIN or entity.get("disabled_by"):
            continue
        if entity_id in exclude_entities:
            continue
        domain = entity_id.partition(".")[0]
        device_class = entity.get("device_class") or entity.get("original_device_class")
        area_id = entity.get("area_id")
        if area_id is None and entity.get("device_id") in devices:
            area_id = devices[entity["device_id"]].get("area_id")
        if not observable(domain, device_class):
            continue
        if entity_id not in include_entities and (
            domain not in domains
            or (include_areas and area_id not in include_areas)
            or area_id in exclude_areas
        ):
            continue
        infos[entity_id] = EntityInfo(
            entity_id, domain, device_class, area_id, areas.get(area_id) if area_id else None
        )
    return infos


def load_simulator() -> ModuleType:
    """Import the occupant simulator of the development home (for its DAY)."""
    spec = importlib.util.spec_from_file_location("aisthos_home_simulator", SIMULATOR)
    if spec is None or spec.loader is None:
        raise SeedError(f"cannot import {SIMULATOR}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- the household at real time --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a day: when it starts, what happens, its actions."""

    start: float
    what: str
    actions: tuple[tuple[str, str], ...]


def hhmm(text: str) -> dt_time:
    """Parse 'HH:MM'."""
    hours, minutes = text.split(":")
    return dt_time(int(hours), int(minutes))


def day_plan(
    day: date, schedule: tuple[tuple[str, str, str], ...], tz: tzinfo, rng: random.Random
) -> list[Step]:
    """Plan one day: the schedule jittered, some steps left out, some days a day out."""
    out_today = rng.random() < DAY_OUT
    steps = list(schedule)
    if out_today:
        # Nobody goes to work or spends the evening at home; the nights stay.
        steps = [s for s in steps if not "07:30" <= s[0] < "22:30"] + list(DAY_OUT_STEPS)
    shift = rng.gauss(0.0, DAY_SHIFT_MIN)
    plan = []
    for at, what, actions in sorted(steps):
        parsed = tuple(
            (verb, arg) for verb, _, arg in (a.strip().partition(" ") for a in actions.split(","))
        )
        # Whoever leaves comes back: comings and goings are never left out.
        moves = any(verb in ("leave", "arrive") for verb, _ in parsed)
        if not out_today and not moves and rng.random() < SKIP_STEP:
            continue
        jitter = max(-2.5, min(2.5, rng.gauss(0.0, 1.0))) * JITTER_MIN
        start = datetime.combine(day, hhmm(at), tz) + timedelta(minutes=shift + jitter)
        plan.append(Step(start.timestamp(), what, parsed))
    return plan


class Household:
    """The home's entities, changed by the occupants and the home's automations."""

    def __init__(self, rng: random.Random) -> None:
        """Start with everyone home, everything off, the door closed and locked."""
        self.rng = rng
        self.state: dict[str, str] = {
            **{f"binary_sensor.{room}_motion": "off" for room in ROOMS},
            **{f"light.{room}_light": "off" for room in ROOMS},
            "binary_sensor.front_door": "off",
            "lock.front_door_lock": "locked",
            "switch.kettle": "off",
            "media_player.tv": "off",
            **{f"device_tracker.{p}_phone": "home" for p in PEOPLE},
            **{f"person.{p}": "home" for p in PEOPLE},
        }
        self.changes: list[StateChange] = []
        self._timers: list[tuple[float, int, Callable[[float], None]]] = []
        self._order = itertools.count()
        self._version: dict[str, int] = {}

    # -- time and state --

    def later(self, at: float, work: Callable[[float], None]) -> None:
        """Run work(at) once the household reaches that time."""
        heapq.heappush(self._timers, (at, next(self._order), work))

    def advance(self, until: float) -> None:
        """Run the timers due by then, in time order."""
        while self._timers and self._timers[0][0] <= until:
            at, _, work = heapq.heappop(self._timers)
            work(at)

    def set(self, at: float, entity_id: str, state: str, automation: bool = False) -> None:
        """Change an entity's state at a time (nothing happens if it is unchanged)."""
        self.advance(at)
        self._write(at, entity_id, state, automation)

    def _write(self, at: float, entity_id: str, state: str, automation: bool) -> None:
        old = self.state.get(entity_id)
        if old == state:
            return
        self.state[entity_id] = state
        self._version[entity_id] = self._version.get(entity_id, 0) + 1
        self.changes.append(StateChange(entity_id, old, state, at, automation))
        for trigger, to, hold_s, only, then in AUTOMATIONS:
            if entity_id == trigger and state == to:
                self.later(at + hold_s, self._automation(entity_id, only, then))

    def _automation(
        self, entity_id: str, only: tuple[str, str] | None, then: tuple[str, str]
    ) -> Callable[[float], None]:
        version = self._version[entity_id]

        def run(at: float) -> None:
            # A state trigger with `for:` fires only if nothing changed meanwhile.
            if self._version[entity_id] != version:
                return
            if only is None or self.state.get(only[0]) == only[1]:
                self._write(at, then[0], then[1], automation=True)

        return run

    # -- what the occupants do (simulator.py's actions) --

    def gap(self, span: tuple[float, float]) -> float:
        """Return a random pause, in seconds."""
        return self.rng.uniform(*span)

    def act(self, at: float, verb: str, arg: str) -> float:
        """Do one action; return when it is done."""
        match verb:
            case "motion":
                self.motion(at, arg)
            case "light_on" | "light_off":
                self.set(at, f"light.{arg}_light", "on" if verb == "light_on" else "off")
            case "kettle":
                self.set(at, "switch.kettle", "on")
            case "tv_on" | "tv_play" | "tv_pause" | "tv_off":
                state = {"tv_on": "on", "tv_play": "playing", "tv_pause": "paused"}.get(verb)
                self.set(at, "media_player.tv", state or "off")
            case "leave" | "arrive":
                return self.door(at, arg, leaving=verb == "leave")
            case _:
                raise SeedError(f"the simulator has an action this script does not know: {verb}")
        return at

    def motion(self, at: float, room: str) -> None:
        """Movement: the sensor goes on and clears a while after the last movement."""
        sensor = f"binary_sensor.{room}_motion"
        self.set(at, sensor, "on")
        key = "hold:" + sensor
        self._version[key] = version = self._version.get(key, 0) + 1

        def clear(when: float) -> None:
            if self._version[key] == version:
                self._write(when, sensor, "off", automation=False)

        self.later(at + self.gap(MOTION_HOLD_S), clear)

    def phone(self, at: float, person: str, home: bool) -> None:
        """Move a phone into or out of the home Wi-Fi; its person follows it."""
        state = "home" if home else "not_home"
        self.set(at, f"device_tracker.{person}_phone", state)
        self.set(at + 0.05, f"person.{person}", state)

    def door(self, at: float, person: str, leaving: bool) -> float:
        """Through the front door, as simulator.py's _door does it."""
        if not leaving:
            self.phone(at, person, home=True)
            at += self.gap(WIFI_LEAD_S)
        self.set(at, "lock.front_door_lock", "unlocked")
        at += self.gap(DOOR_GAP_S)
        self.set(at, "binary_sensor.front_door", "on")
        self.motion(at, "hallway")
        at += self.gap(DOOR_GAP_S)
        if not leaving:
            self.set(at, "light.hallway_light", "on")
            at += self.gap(DOOR_GAP_S)
        self.set(at, "binary_sensor.front_door", "off")
        at += self.gap(DOOR_GAP_S)
        self.set(at, "lock.front_door_lock", "locked")
        if leaving:
            at += self.gap(DOOR_GAP_S)
            self.phone(at, person, home=False)
        return at

    def live(self, plan: list[Step]) -> None:
        """Live one day's steps; a step waits for the one before it to end."""
        busy_until = 0.0
        for step in plan:
            at = max(step.start, busy_until + 30.0)
            for verb, arg in step.actions:
                at = self.act(at, verb, arg) + self.gap(ACTION_GAP_S)
            busy_until = at


def state_changes(
    days: list[date], schedule: tuple[tuple[str, str, str], ...], tz: tzinfo
) -> Iterator[StateChange]:
    """Yield the state changes of the given days (each run of days lived through)."""
    household: Household | None = None
    previous: date | None = None
    for day in sorted(days):
        # The same day always comes out the same, whenever it is seeded.
        rng = random.Random(f"aisthos dev home {day.isoformat()}")
        if household is None or previous is None or day - previous != timedelta(days=1):
            household = Household(rng)
        household.rng = rng
        household.live(day_plan(day, schedule, tz, rng))
        end = datetime.combine(day + timedelta(days=1), dt_time(), tz).timestamp() - 1.0
        household.advance(end)
        changes = sorted(household.changes, key=lambda c: c.time)
        household.changes.clear()
        yield from (c for c in changes if c.time <= end)
        previous = day


def perceive(
    changes: Iterator[StateChange], infos: dict[str, EntityInfo], anonymizer: Anonymizer
) -> list[Spark]:
    """Run the changes through the Spark pipeline, ticking as Home Assistant does."""
    pipeline = SparkPipeline(Perception(anonymizer), SignificanceFilter())
    known = ((change, infos[change.entity_id]) for change in changes if change.entity_id in infos)
    return pipeline.replay(known)


# ---- AisthOS' age --------------------------------------------------------------------


def backdate_growth(config: Path, first_day: date) -> bool:
    """Let AisthOS' life begin on the first seeded day; return whether that changed.

    Proposals wait for the Child stage, which takes days of age besides Sparks
    (engine/growth.py). The seeded days are AisthOS' past, so an Infant is
    made as old as they are; it grows by its own rules at the next learning run.
    """
    path = config / ".storage" / STORAGE_KEY
    try:
        stored = json.loads(path.read_text())
    except FileNotFoundError:
        return False
    growth = stored.get("data", {}).get("growth")
    if not growth or growth.get("stage") != "infant" or growth["born"] <= first_day.isoformat():
        return False
    growth["born"] = first_day.isoformat()
    growth["history"] = [{"stage": "infant", "since": first_day.isoformat()}]
    temporary = path.with_name(path.name + ".seed")
    temporary.write_text(json.dumps(stored, indent=2))
    temporary.replace(path)
    return True


def growth_stage(config: Path) -> str | None:
    """Return AisthOS' growth stage as last saved."""
    try:
        stored = json.loads((config / ".storage" / STORAGE_KEY).read_text())
    except FileNotFoundError:
        return None
    return stored.get("data", {}).get("growth", {}).get("stage")


# ---- Home Assistant over REST ------------------------------------------------


class RunningHome:
    """The running development Home Assistant, as the dev owner."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        """Use a session that carries the token."""
        self.session = session

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request; return the decoded JSON answer."""
        timeout = aiohttp.ClientTimeout(total=120)
        async with self.session.request(method, BASE + path, timeout=timeout, **kwargs) as resp:
            if resp.status != 200:
                raise SeedError(f"{method} {path} answered {resp.status}: {await resp.text()}")
            return await resp.json()

    async def time_zone(self) -> str | None:
        """Return Home Assistant's time zone, or None when it does not answer."""
        try:
            return str((await self.call("GET", "/api/config"))["time_zone"])
        except (aiohttp.ClientError, TimeoutError, SeedError):
            return None

    async def learn(self) -> list[dict[str, Any]]:
        """Run aisthos.learn; return the skills it knows."""
        path = f"/api/services/{DOMAIN}/learn?return_response"
        return list((await self.call("POST", path, json={}))["service_response"]["skills"])

    async def reload(self, entry_id: str) -> None:
        """Reload the AisthOS entry (it reads its stored learning afresh) and wait for it."""
        await self.call("POST", f"/api/config/config_entries/entry/{entry_id}/reload")
        for _ in range(60):
            entries = await self.call("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
            state = next((e["state"] for e in entries if e["entry_id"] == entry_id), None)
            if state == "loaded":
                return
            await asyncio.sleep(0.5)
        raise SeedError(f"the AisthOS entry did not load again after a reload: {state}")

    async def websocket(self, token: str, *commands: dict[str, Any]) -> list[Any]:
        """Send commands over the websocket API; return their results."""
        results = []
        async with self.session.ws_connect(f"{BASE}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": token})
            if (await ws.receive_json())["type"] != "auth_ok":
                raise SeedError("the websocket did not accept the token")
            for number, command in enumerate(commands, 1):
                await ws.send_json({"id": number, **command})
                while (answer := await ws.receive_json()).get("id") != number:
                    pass
                if not answer.get("success"):
                    raise SeedError(f"{command['type']} failed: {answer.get('error')}")
                results.append(answer["result"])
        return results

    async def registries(self, token: str) -> Registries:
        """Return the live registries, shaped as in .storage."""
        listed, devices, areas = await self.websocket(
            token,
            {"type": "config/entity_registry/list"},
            {"type": "config/device_registry/list"},
            {"type": "config/area_registry/list"},
        )
        # Only the full entries carry device classes.
        (entities,) = await self.websocket(
            token,
            {
                "type": "config/entity_registry/get_entries",
                "entity_ids": [e["entity_id"] for e in listed],
            },
        )
        return Registries(
            [e for e in entities.values() if e is not None],
            list(devices),
            [{"id": a["area_id"], "name": a["name"]} for a in areas],
        )

    async def proposals(self, token: str) -> list[str]:
        """Return the skill ids of the suggestions waiting in the AisthOS panel."""
        (answer,) = await self.websocket(token, {"type": "aisthos/suggestions"})
        return [item["id"] for item in answer]


async def ha_time_zone(token: str | None) -> str | None:
    """Return Home Assistant's time zone, or None when it does not answer."""
    if not token:
        return None
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        return await RunningHome(session).time_zone()


async def live_registries(token: str) -> Registries:
    """Return the registries of the running Home Assistant."""
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        return await RunningHome(session).registries(token)


async def learn(
    config: Path, token: str, entry_id: str, first_day: date | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Learn; backdate AisthOS' growth to the seeded past if needed and learn again."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        ha = RunningHome(session)
        # Learning saves what AisthOS knows, so the stored growth is current.
        skills = await ha.learn()
        if first_day is not None and backdate_growth(config, first_day):
            say(f"AisthOS was an Infant; its life now begins on {first_day} (the seeded past)")
            await ha.reload(entry_id)
            skills = await ha.learn()
        return skills, await ha.proposals(token)


# ---- main ------------------------------------------------------------------------


def seed(config: Path, registries: Registries, days_back: int, tz: tzinfo) -> date | None:
    """Store the Sparks of the days not seeded before; return the first seeded day."""
    entry = aisthos_entry(config)
    infos = observed_entities(registries, dict(entry.get("options", {})))
    if not infos:
        raise SeedError("AisthOS observes none of the simulated home's entities")
    today = datetime.now(tz).date()
    wanted = [today - timedelta(days=n) for n in range(days_back, 0, -1)]
    store = SparkStore(config / DB_FILENAME, busy_timeout_s=10.0)
    store.open()
    try:
        seeded = store.get_meta(META_KEY) or {}
        done = set(seeded.get("days", []))
        days = [day for day in wanted if day.isoformat() not in done]
        if not days:
            say(f"already seeded: {wanted[0]} to {wanted[-1]} (meta key {META_KEY!r})")
            return min(date.fromisoformat(day) for day in done)
        anonymizer = Anonymizer(
            bytes.fromhex(entry["data"][CONF_SECRET]), store.get_meta("anonymizer")
        )
        # Alex is the first person Home Assistant sees too (leaving for work).
        for person in PEOPLE:
            if f"person.{person}" in infos:
                anonymizer.resident(f"person.{person}")
        schedule = tuple(load_simulator().DAY)
        sparks = perceive(state_changes(days, schedule, tz), infos, anonymizer)
        store.add(sparks)
        if anonymizer.changed:
            store.set_meta("anonymizer", anonymizer.state())
        all_days = sorted(done | {day.isoformat() for day in days})
        store.set_meta(
            META_KEY,
            {
                "days": all_days,
                "sparks": int(seeded.get("sparks", 0)) + len(sparks),
                "at": time.time(),
            },
        )
    finally:
        store.close()
    say(f"seeded {len(sparks)} Sparks of {len(days)} days ({days[0]} to {days[-1]}, {tz})")
    return date.fromisoformat(all_days[0])


def main() -> int:
    """Seed, then learn."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--days", type=int, default=14, help="how many past days (default 14)")
    parser.add_argument("--config", type=Path, default=REPO / ".develop/config")
    parser.add_argument("--token-file", type=Path, default=REPO / ".develop/token")
    args = parser.parse_args()
    if not 1 <= args.days <= 90:
        parser.error("--days must be between 1 and 90")
    config: Path = args.config
    token = args.token_file.read_text().strip() if args.token_file.exists() else None
    zone = asyncio.run(ha_time_zone(token))
    try:
        tz = ZoneInfo(zone or saved_time_zone(config))
    except ZoneInfoNotFoundError:
        tz = ZoneInfo("UTC")
    try:
        if zone is None or token is None:
            registries = Registries.from_storage(config)
        else:
            # Running, it saves its registries minutes after a change: ask it instead.
            aisthos_entry(config, wait_s=15.0)
            registries = asyncio.run(live_registries(token))
        first_day = seed(config, registries, args.days, tz)
        if zone is None or token is None:
            if first_day is not None and backdate_growth(config, first_day):
                say(f"AisthOS' life now begins on {first_day} (the seeded past)")
            say("Home Assistant does not answer: press AisthOS' Learn now once it runs")
            return 0
        entry_id = str(aisthos_entry(config)["entry_id"])
        skills, proposals = asyncio.run(learn(config, token, entry_id, first_day))
    except SeedError as err:
        print(f"==> ERROR: {err}", file=sys.stderr, flush=True)
        return 1
    stage = growth_stage(config)
    say(f"learned {len(skills)} skills; AisthOS' growth stage: {stage}")
    for skill in skills:
        mark = "proposed" if skill["id"] in proposals else "        "
        print(f"    {mark} {skill['confidence']:.2f}  {skill['name']}", flush=True)
    if proposals:
        say(f"{len(proposals)} suggestions wait in the AisthOS panel: {BASE}/aisthos")
    else:
        say("no skill proposals are open (decided already, or AisthOS is still an Infant)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
