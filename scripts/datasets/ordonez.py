"""Convert Ordóñez's "ADLs recognition using binary sensors" homes A or B to HA history.

Usage: python scripts/datasets/ordonez.py --raw DIR --out DIR [--house A|B]
DIR holds OrdonezX_Sensors.txt and OrdonezX_ADLs.txt (the dataset's text form).
Kept for independent checks of the learner: never tuned on (README).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
import re
import sys
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

# The homes are in Spain (the dataset comes from Carlos III University of Madrid);
# the files give wall-clock times and no place, so Madrid's zone and sun are used.
TZ = ZoneInfo("Europe/Madrid")
LATITUDE, LONGITUDE = 40.33, -3.77
LEAVE = "Leaving"
_STAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$")

# (Location, Type) in the file -> (entity_id, friendly name, device_class).
# The electric sensors see the appliance drawing power, so they are the only
# things an automation could also switch: they become switch.* (as Kasteren's).
SENSORS: dict[tuple[str, str], tuple[str, str, str | None]] = {
    ("Toaster", "Electric"): ("switch.toaster", "Toaster", None),
    ("Microwave", "Electric"): ("switch.microwave", "Microwave", None),
    ("Maindoor", "Magnetic"): ("binary_sensor.front_door", "Front door", "door"),
    ("Fridge", "Magnetic"): ("binary_sensor.fridge", "Fridge", "door"),
    ("Cupboard", "Magnetic"): ("binary_sensor.cupboard", "Cupboard", "opening"),
    ("Cabinet", "Magnetic"): ("binary_sensor.bathroom_cabinet", "Bathroom cabinet", "opening"),
    ("Toilet", "Flush"): ("binary_sensor.toilet_flush", "Toilet flush", None),
    ("Bed", "Pressure"): ("binary_sensor.bed", "Bed", "occupancy"),
    ("Seat", "Pressure"): ("binary_sensor.seat", "Seat", "occupancy"),
    ("Shower", "PIR"): ("binary_sensor.shower_motion", "Shower motion", "motion"),
    ("Basin", "PIR"): ("binary_sensor.basin_motion", "Basin motion", "motion"),
    ("Cooktop", "PIR"): ("binary_sensor.cooktop_motion", "Cooktop motion", "motion"),
}


def _stamp(text: str) -> datetime:
    match = _STAMP.match(text)
    if not match:
        raise ValueError(f"not a time: {text!r}")
    naive = datetime(*(int(g) for g in match.groups()))
    return common.localize(naive, TZ)


def _fields(text: str) -> list[list[str]]:
    """The rows below the two header lines, split at tabs with empty fields dropped."""
    rows = []
    for line in text.splitlines()[2:]:
        fields = [f.strip() for f in line.split("\t") if f.strip()]
        if fields:
            rows.append(fields)
    return rows


def entity_for(location: str, kind: str, place: str) -> common.Entity:
    """The entity a sensor becomes. House B's three door PIRs differ only by room."""
    if (location, kind) in SENSORS:
        entity_id, name, device_class = SENSORS[(location, kind)]
        return common.Entity(entity_id, name, device_class, place)
    name = f"{place} {location}".strip()
    if kind == "PIR":
        entity_id = f"binary_sensor.{common.slug(name)}_motion"
        return common.Entity(entity_id, f"{name} motion", "motion", place)
    return common.Entity(f"binary_sensor.{common.slug(name)}", name, None, place)


def load(raw: Path, house: str = "A") -> common.Home:
    sense = (raw / f"Ordonez{house}_Sensors.txt").read_text(encoding="latin-1")
    acts = (raw / f"Ordonez{house}_ADLs.txt").read_text(encoding="latin-1")
    firings = []
    for row in _fields(sense):
        if len(row) != 5:
            raise ValueError(f"a sensor row needs start, end, location, type, place: {row}")
        start, end, location, kind, place = row
        firings.append(common.Firing(entity_for(location, kind, place), _stamp(start), _stamp(end)))
    spans = []
    for row in _fields(acts):
        if len(row) != 3:
            raise ValueError(f"an activity row needs start, end, activity: {row}")
        spans.append(common.Span(row[2], _stamp(row[0]), _stamp(row[1])))
    absences = common.absences(spans, LEAVE)
    name = f"ordonez_{house.lower()}"
    return common.Home(name, TZ, LATITUDE, LONGITUDE, firings, spans, absences)


def main(argv: list[str] | None = None) -> int:
    return common.convert(argv, __doc__, load, "A", ("A", "B"))


if __name__ == "__main__":
    sys.exit(main())
