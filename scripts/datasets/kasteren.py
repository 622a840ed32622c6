"""Convert van Kasteren's houses A, B or C (the Netherlands) to HA state history and labels.

Usage: python scripts/datasets/kasteren.py --raw DIR --out DIR [--house A|B|C]
For house A, DIR holds kasterenSenseData.txt and kasterenActData.txt (the
dataset's text form); for B and C (kept for independent checks: never tuned
on), houseB.* or houseC.* in the layout of agnesvanbelle/TL.
"""

from __future__ import annotations

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

# Houses B and C as the TL copy names their sensors (Dutch and English); the
# appliances (toaster, "magnetron" = microwave) become switch.* as in house A.
_OPENING, _DOOR, _BED, _MOTION = "opening", "door", "occupancy", "motion"
TL_SENSORS: dict[str, dict[str, tuple[str, str, str | None, str | None]]] = {
    "B": {
        "toilet door": ("binary_sensor.toilet_door", "Toilet door", _DOOR, None),
        "fridge": ("binary_sensor.fridge", "Fridge", _DOOR, "Kitchen"),
        "cupboard groceries": (
            "binary_sensor.groceries_cupboard",
            "Groceries cupboard",
            _OPENING,
            "Kitchen",
        ),
        "toilet flush": ("binary_sensor.toilet_flush", "Toilet flush", None, None),
        "frontdoor": ("binary_sensor.front_door", "Front door", _DOOR, None),
        "cupboard plates": (
            "binary_sensor.plates_cupboard",
            "Plates cupboard",
            _OPENING,
            "Kitchen",
        ),
        "Bedroom door": ("binary_sensor.bedroom_door", "Bedroom door", _DOOR, None),
        "press bed rechts": ("binary_sensor.bed_right", "Bed right", _BED, "Bedroom"),
        "press bed links": ("binary_sensor.bed_left", "Bed left", _BED, "Bedroom"),
        "kwik cutlary drawer": (
            "binary_sensor.cutlery_drawer",
            "Cutlery drawer",
            _OPENING,
            "Kitchen",
        ),
        "kwik stove lid": ("binary_sensor.stove_lid", "Stove lid", _OPENING, "Kitchen"),
        "PIR slaapkamer": ("binary_sensor.bedroom_motion", "Bedroom motion", _MOTION, "Bedroom"),
        "kwik dresser": ("binary_sensor.dresser", "Dresser", _OPENING, "Bedroom"),
        "PIR badkamer": ("binary_sensor.bathroom_motion", "Bathroom motion", _MOTION, "Bathroom"),
        "gootsteen float": ("binary_sensor.sink_float", "Sink float", None, "Kitchen"),
        "toaster": ("switch.toaster", "Toaster", None, "Kitchen"),
        "magnetron": ("switch.microwave", "Microwave", None, "Kitchen"),
        "PIR keuken": ("binary_sensor.kitchen_motion", "Kitchen motion", _MOTION, "Kitchen"),
    },
    "C": {
        "mat bed right pressure mat": ("binary_sensor.bed_right", "Bed right", _BED, "Bedroom"),
        "bed mat left pressure mat": ("binary_sensor.bed_left", "Bed left", _BED, "Bedroom"),
        "matt couch living room": ("binary_sensor.couch", "Couch", _BED, "Living room"),
        "freezer drove": ("binary_sensor.freezer", "Freezer", _DOOR, "Kitchen"),
        "toilet flush top flush": (
            "binary_sensor.upstairs_toilet_flush",
            "Upstairs toilet flush",
            None,
            None,
        ),
        "toilet flush bottom flush": (
            "binary_sensor.downstairs_toilet_flush",
            "Downstairs toilet flush",
            None,
            None,
        ),
        "keys": ("binary_sensor.keys", "Keys", None, None),
        "bath lift left": ("binary_sensor.bath_lift", "Bath lift", None, "Bathroom"),
        "cutlery drawer mercury sensor": (
            "binary_sensor.cutlery_drawer",
            "Cutlery drawer",
            _OPENING,
            "Kitchen",
        ),
        "table pans reed": ("binary_sensor.pans_cupboard", "Pans cupboard", _OPENING, "Kitchen"),
        "microwave reed": ("switch.microwave", "Microwave", None, "Kitchen"),
        "table scraps containers reed": (
            "binary_sensor.scraps_container",
            "Scraps container",
            _OPENING,
            "Kitchen",
        ),
        "cabinet signs/herb reed": (
            "binary_sensor.herbs_cabinet",
            "Herbs cabinet",
            _OPENING,
            "Kitchen",
        ),
        "door downstairs toilet": (
            "binary_sensor.downstairs_toilet_door",
            "Downstairs toilet door",
            _DOOR,
            None,
        ),
        "cabinet cups/bowl/ tuna reed": (
            "binary_sensor.cups_cabinet",
            "Cups cabinet",
            _OPENING,
            "Kitchen",
        ),
        "front door reed": ("binary_sensor.front_door", "Front door", _DOOR, None),
        "bedroom door": ("binary_sensor.bedroom_door", "Bedroom door", _DOOR, None),
        "refrigerator reed": ("binary_sensor.fridge", "Fridge", _DOOR, "Kitchen"),
        "bathtub pir": ("binary_sensor.bathtub_motion", "Bathtub motion", _MOTION, "Bathroom"),
        "dresser pir": ("binary_sensor.dresser_motion", "Dresser motion", _MOTION, "Bedroom"),
        "sink top flush": ("binary_sensor.upstairs_sink_float", "Upstairs sink float", None, None),
    },
}
TL_LEAVE = "leave-house"


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


def entity_for(name: str, house: str = "A") -> common.Entity:
    """The entity a sensor becomes; an unknown name becomes a plain binary_sensor."""
    known = SENSORS if house == "A" else TL_SENSORS[house]
    if name.strip() in known:
        return common.Entity(*known[name.strip()])
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
    absences = common.absences(spans, LEAVE)
    return common.Home("kasteren_a", TZ, LATITUDE, LONGITUDE, firings, spans, absences)


def load_tl(raw: Path, house: str) -> common.Home:
    """House B or C from the TL copy: houseX.{sensors,sensor_names,activities,activity_names}."""
    prefix = raw / f"house{house}"
    sensor_names = {
        row[0].strip(): row[1] for row in common.tl_table(prefix.with_suffix(".sensor_names"))
    }
    activity_names = {
        row[0].strip(): row[1].strip()
        for row in common.tl_table(prefix.with_suffix(".activity_names"))
    }
    firings = [
        common.Firing(entity_for(sensor_names.get(sid, f"sensor {sid}"), house), start, end)
        for start, end, sid in common.tl_rows(prefix.with_suffix(".sensors"), TZ)
    ]
    spans = [
        common.Span(activity_names.get(aid, f"activity {aid}"), start, end)
        for start, end, aid in common.tl_rows(prefix.with_suffix(".activities"), TZ)
    ]
    absences = common.absences(spans, TL_LEAVE)
    name = f"kasteren_{house.lower()}"
    return common.Home(name, TZ, LATITUDE, LONGITUDE, firings, spans, absences)


def main(argv: list[str] | None = None) -> int:
    return common.convert(
        argv,
        __doc__,
        lambda raw, house: load(raw) if house == "A" else load_tl(raw, house),
        "A",
        ("A", "B", "C"),
    )


if __name__ == "__main__":
    sys.exit(main())
