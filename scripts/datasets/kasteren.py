"""Convert van Kasteren's house A (Amsterdam, 2008) to HA state history and labels.

Usage: python scripts/datasets/kasteren.py --raw DIR --out DIR
DIR holds kasterenSenseData.txt and kasterenActData.txt (the dataset's text form).
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
import re
import sys
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

TZ = ZoneInfo("Europe/Amsterdam")
LATITUDE, LONGITUDE = 52.37, 4.89
SENSE_FILE = "kasterenSenseData.txt"
ACT_FILE = "kasterenActData.txt"
LEAVE = "leave house"

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
_STAMP = r"(\d{2})-([A-Z][a-z]{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})"
_ROW = re.compile(rf"^\s*{_STAMP}\s+{_STAMP}\s+(\d+)")
_SENSOR_NAME = re.compile(r"^\s*\[\s*(\d+)\]\s*'([^']+)'")
_ACTIVITY_NAME = re.compile(r"^\s*(\d+)\s*:\s*'([^']+)'")

# Sensor name in the file -> (entity_id, friendly name, device_class, area).
# House A has no light sensors. The appliance sensors are reed switches on the
# appliance's door (the paper): "on" = the person opened it to use it; they are the
# only things an automation could also switch, so they become switch.* (README).
SENSORS: dict[str, tuple[str, str, str | None, str | None]] = {
    "Microwave": ("switch.microwave", "Microwave", None, None),
    "Dishwasher": ("switch.dishwasher", "Dishwasher", None, None),
    "Washingmachine": ("switch.washing_machine", "Washing machine", None, None),
    "Hall-Toilet door": ("binary_sensor.toilet_door", "Toilet door", "door", "Hall"),
    "Hall-Bathroom door": ("binary_sensor.bathroom_door", "Bathroom door", "door", "Hall"),
    "Hall-Bedroom door": ("binary_sensor.bedroom_door", "Bedroom door", "door", "Hall"),
    "Frontdoor": ("binary_sensor.front_door", "Front door", "door", None),
    "Fridge": ("binary_sensor.fridge", "Fridge", "door", None),
    "Freezer": ("binary_sensor.freezer", "Freezer", "door", None),
    "Cups cupboard": ("binary_sensor.cups_cupboard", "Cups cupboard", "opening", None),
    "Plates cupboard": ("binary_sensor.plates_cupboard", "Plates cupboard", "opening", None),
    "Pans Cupboard": ("binary_sensor.pans_cupboard", "Pans cupboard", "opening", None),
    "Groceries Cupboard": (
        "binary_sensor.groceries_cupboard",
        "Groceries cupboard",
        "opening",
        None,
    ),
    # A float sensor in the cistern: "on" while it refills after a flush.
    "ToiletFlush": ("binary_sensor.toilet_flush", "Toilet flush", None, None),
}


def _stamp(parts: tuple[str, ...]) -> datetime:
    day, month, year, hour, minute, second = parts
    naive = datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second))
    return common.localize(naive, TZ)


def _rows(text: str) -> list[tuple[datetime, datetime, int]]:
    rows = []
    for line in text.splitlines():
        match = _ROW.match(line)
        if match:
            groups = match.groups()
            rows.append((_stamp(groups[0:6]), _stamp(groups[6:12]), int(groups[12])))
    return rows


def entity_for(name: str) -> common.Entity:
    """The entity a sensor becomes; an unknown name becomes a plain binary_sensor."""
    if name in SENSORS:
        return common.Entity(*SENSORS[name])
    return common.Entity(f"binary_sensor.{common.slug(name)}", name.strip())


def load(raw: Path) -> common.Home:
    sense = (raw / SENSE_FILE).read_text(encoding="latin-1")
    acts = (raw / ACT_FILE).read_text(encoding="latin-1")
    sensor_names = {
        int(m[1]): m[2].strip() for m in map(_SENSOR_NAME.match, sense.splitlines()) if m
    }
    activity_names = {
        int(m[1]): m[2].strip() for m in map(_ACTIVITY_NAME.match, acts.splitlines()) if m
    }
    firings = [
        common.Firing(entity_for(sensor_names.get(sid, f"sensor {sid}")), start, end)
        for start, end, sid in _rows(sense)
    ]
    spans = [
        common.Span(activity_names.get(aid, f"activity {aid}"), start, end)
        for start, end, aid in _rows(acts)
    ]
    absences: list[tuple[datetime, datetime | None]] = [
        (s.start, s.end) for s in spans if s.activity == LEAVE
    ]
    return common.Home("kasteren_a", TZ, LATITUDE, LONGITUDE, firings, spans, absences)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", required=True, type=Path, help="folder with the dataset's .txt")
    parser.add_argument("--out", required=True, type=Path, help="folder for history/labels")
    args = parser.parse_args(argv)
    print(common.write_home(load(args.raw), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
