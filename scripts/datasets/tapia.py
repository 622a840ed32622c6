"""Convert MIT (Munguia Tapia) house D (Boston, 2003) to HA state history and labels.

Usage: python scripts/datasets/tapia.py --raw DIR --out DIR [--house D]
DIR holds houseD.sensors, houseD.sensor_names, houseD.activities and
houseD.activity_names in the layout of agnesvanbelle/TL (tab-separated:
start as seconds since 1970, length in seconds, id; names: id, "Room,Thing").
The seconds count the local wall-clock time as if it were UTC (README).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
import sys
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

TZ = ZoneInfo("America/New_York")
LATITUDE, LONGITUDE = 42.36, -71.06
GOING_OUT = "Going-out"
FRONT_DOOR = ("Foyer", "Door")

AREAS = {"Office/study": "Office"}
# Things someone switches on, which an automation could switch as well.
APPLIANCES = (
    "Burner",
    "Oven",
    "Coffee machine",
    "Toaster",
    "Microwave",
    "Washing Machine",
    "Laundry Dryer",
    "Dishwasher",
    "Garbage disposal",
    "DVD",
)
NAMES = {"DVD": "DVD player", "Refrigerator": "Fridge", "Toilet Flush": "Toilet flush"}


def _suffix(thing: str, base: str) -> str:
    """The letter/qualifier after the base word: 'Light switch B' -> ' B'."""
    rest = thing[len(base) :].strip()
    return f" {rest}" if rest else ""


def entity_for(room: str, thing: str) -> common.Entity:
    """Map one 'Room,Thing' sensor to an entity (README, 'Tapia house D')."""
    room, thing = room.strip(), thing.strip()
    area = AREAS.get(room, room)
    lower = thing.lower()

    def make(domain: str, name: str, device_class: str | None = None) -> common.Entity:
        return common.Entity(f"{domain}.{common.slug(name)}", name, device_class, area)

    if lower.startswith("light switch"):
        return make("light", f"{area} light{_suffix(thing, 'Light switch')}")
    if lower.startswith("lamp"):
        return make("light", f"{area} lamp{_suffix(thing, 'Lamp')}")
    if lower.startswith("exhaust fan"):
        return make("fan", f"{area} exhaust fan")
    for appliance in APPLIANCES:
        if lower.startswith(appliance.lower()):
            base = NAMES.get(appliance, appliance.capitalize())
            return make("switch", base + _suffix(thing, appliance))
    if lower.startswith("toilet flush"):
        return make("binary_sensor", "Toilet flush")
    if "faucet" in lower:
        # "Sink faucet - hot" -> "Bathroom sink faucet (hot)"
        base, _, which = thing.partition(" - ")
        name = f"{area} {base.lower()}" + (f" ({which.strip().lower()})" if which else "")
        return make("binary_sensor", name)
    if lower.startswith("window"):
        return make("binary_sensor", f"{area} window{_suffix(thing, 'Window')}", "window")
    if lower.startswith("door"):
        if (room, thing) == FRONT_DOOR:
            return make("binary_sensor", "Front door", "door")
        return make("binary_sensor", f"{area} door{_suffix(thing, 'Door')}", "door")
    if lower.startswith(("refrigerator", "freezer")):
        base = "Refrigerator" if lower.startswith("refrigerator") else "Freezer"
        return make("binary_sensor", NAMES.get(base, base) + _suffix(thing, base), "door")
    # Cabinets, drawers, closet, jewelry box, containers, the cereal box.
    return make("binary_sensor", f"{area} {thing[0].lower()}{thing[1:]}", "opening")


def load(raw: Path, house: str = "D") -> common.Home:
    prefix = raw / f"house{house}"
    sensors = {}
    for row in common.tl_table(prefix.with_suffix(".sensor_names")):
        room, _, thing = row[1].partition(",")
        sensors[row[0].strip()] = (room.strip(), thing.strip())
    activities = {
        row[0].strip(): row[1].strip()
        for row in common.tl_table(prefix.with_suffix(".activity_names"))
    }
    firings = []
    for start, end, sid in common.tl_rows(prefix.with_suffix(".sensors"), TZ):
        room, thing = sensors.get(sid, ("", f"Sensor {sid}"))
        firings.append(common.Firing(entity_for(room, thing), start, end))
    spans = [
        common.Span(activities.get(aid, f"Activity {aid}"), start, end)
        for start, end, aid in common.tl_rows(prefix.with_suffix(".activities"), TZ)
    ]
    # "Going out" spans mark the leaving itself (a few minutes): away from its end
    # until the next sensor fires (normally the front door on return).
    starts = sorted(f.start for f in firings)
    absences: list[tuple[datetime, datetime | None]] = []
    for span in sorted(spans, key=lambda s: s.start):
        if span.activity.startswith(GOING_OUT):
            back = next((t for t in starts if t > span.end), None)
            absences.append((span.end, back))
    return common.Home(f"tapia_{house.lower()}", TZ, LATITUDE, LONGITUDE, firings, spans, absences)


def main(argv: list[str] | None = None) -> int:
    return common.convert(
        argv, __doc__, load, "D", raw_help="folder with houseD.* files (or another house's)"
    )


if __name__ == "__main__":
    sys.exit(main())
