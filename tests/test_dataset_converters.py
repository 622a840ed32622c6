"""The dataset converters (scripts/datasets) on small hand-written raw snippets.

The snippets follow the real files' layouts (van Kasteren's text export, the
agnesvanbelle/TL copy of Tapia's data) but their lines are made up: no data from
the datasets is in this repository.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import itertools
import json
from pathlib import Path
import sys
from typing import Any
from zoneinfo import ZoneInfo

from astral import LocationInfo
from astral.sun import sunset
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts" / "datasets"))

import common
import kasteren
import ordonez
import tapia

from custom_components.aisthos.engine.history_file import read_records

AMS = ZoneInfo("Europe/Amsterdam")

KASTEREN_SENSE = """\
Start time: Time sensor started firing\r
End time: Time sensor stopped firing\r
ID: sensor id (see list below)\r
val: value of sensor (always 1)\r
\r
Sensor IDs are: \r
    [ 1]    'Microwave'         \r
    [ 8]    'Fridge'            \r
    [ 9]    'Plates cupboard'   \r
    [12]    'Frontdoor'         \r
    [14]    'ToiletFlush'       \r
    [24]    'Hall-Bedroom door' \r
\r
Start time          \tEnd time            \tID\tVal\r
--------------------\t--------------------\t--\t---\r
03-Mar-2008 07:55:00\t03-Mar-2008 07:55:04\t24\t1\r
03-Mar-2008 08:00:00\t03-Mar-2008 08:00:05\t8\t1\r
03-Mar-2008 08:00:30\t03-Mar-2008 08:00:35\t1\t1\r
03-Mar-2008 08:58:00\t03-Mar-2008 08:58:02\t14\t1\r
03-Mar-2008 09:00:00\t03-Mar-2008 09:00:03\t12\t1\r
03-Mar-2008 17:00:00\t03-Mar-2008 17:00:04\t12\t1\r
03-Mar-2008 18:10:00\t03-Mar-2008 18:11:00\t1\t1\r
03-Mar-2008 21:00:00\t03-Mar-2008 21:00:02\t9\t1\r
03-Mar-2008 21:00:30\t03-Mar-2008 21:00:32\t1\t1\r
04-Mar-2008 08:10:00\t04-Mar-2008 08:10:05\t8\t1\r
04-Mar-2008 08:10:30\t04-Mar-2008 08:10:35\t1\t1\r
04-Mar-2008 18:12:00\t04-Mar-2008 18:13:00\t1\t1\r
04-Mar-2008 21:05:00\t04-Mar-2008 21:05:02\t9\t1\r
05-Mar-2008 07:50:00\t05-Mar-2008 07:50:05\t8\t1\r
05-Mar-2008 07:50:30\t05-Mar-2008 07:50:35\t1\t1\r
05-Mar-2008 21:10:00\t05-Mar-2008 21:10:02\t9\t1\r
Length: 16"""

KASTEREN_ACT = """\
Start time: start of an activity\r
End time: end of an activity\r
ID: activity id (see list below)\r
\r
activity id list:\r
1: 'leave house'\r
13:'prepare Breakfast'\r
15:'prepare Dinner'\r
17:'get drink'\r
\r
Start time          \tEnd time            \tID\r
--------------------\t--------------------\t--\r
03-Mar-2008 07:59:50\t03-Mar-2008 08:05:00\t13\r
03-Mar-2008 09:00:02\t03-Mar-2008 17:00:01\t1\r
03-Mar-2008 18:00:00\t03-Mar-2008 18:30:00\t15\r
03-Mar-2008 20:59:00\t03-Mar-2008 21:02:00\t17\r
04-Mar-2008 08:09:50\t04-Mar-2008 08:15:00\t13\r
04-Mar-2008 18:00:00\t04-Mar-2008 18:30:00\t15\r
04-Mar-2008 21:04:00\t04-Mar-2008 21:06:00\t17\r
05-Mar-2008 07:49:50\t05-Mar-2008 07:55:00\t13\r
05-Mar-2008 21:09:00\t05-Mar-2008 21:11:00\t17\r
Length: 9"""

# Tapia house D in the TL layout: wall-clock seconds (as if UTC), length, id.
# The real names file has trailing blanks after some names.
TAPIA_SENSOR_NAMES = (
    "100\tBathroom,Toilet Flush \n"
    + """\
101\tBathroom,Light switch
131\tKitchen,Toaster
140\tFoyer,Door
68\tBathroom,Sink faucet - hot
82\tOffice/study,Drawer
96\tBathroom,Exhaust Fan
126\tKitchen,Refrigerator A
85\tBedroom,Window
"""
)
TAPIA_ACTIVITY_NAMES = "5\tGoing-out-to-work\n60\tPreparing-breakfast\n"
TAPIA_SENSORS = """\
1049526000\t60\t101
1049526030\t20\t101
1049526300\t120\t131
1049526310\t5\t82
1049527800\t10\t140
1049540400\t10\t140
1049698800\t60\t126
1049700600\t5\t96
1049700660\t3\t100
1049700700\t2\t68
"""
TAPIA_ACTIVITIES = "1049526240\t600\t60\n1049527740\t120\t5\n"


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode("latin-1"))
    return folder


@pytest.fixture
def kasteren_raw(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "kasteren",
        {kasteren.SENSE_FILE: KASTEREN_SENSE, kasteren.ACT_FILE: KASTEREN_ACT},
    )


@pytest.fixture
def tapia_raw(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "tapia",
        {
            "houseD.sensor_names": TAPIA_SENSOR_NAMES,
            "houseD.activity_names": TAPIA_ACTIVITY_NAMES,
            "houseD.sensors": TAPIA_SENSORS,
            "houseD.activities": TAPIA_ACTIVITIES,
        },
    )


def _convert(module: Any, raw: Path, out: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    assert module.main(["--raw", str(raw), "--out", str(out)]) == 0
    lines = (out / "history.jsonl").read_text(encoding="utf-8").splitlines()
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    return [json.loads(line) for line in lines], labels


def _of(history: list[dict[str, Any]], entity_id: str) -> list[tuple[str, str]]:
    return [(r["last_changed"], r["state"]) for r in history if r["entity_id"] == entity_id]


def test_kasteren_mapping_and_records(kasteren_raw: Path, tmp_path: Path) -> None:
    history, _ = _convert(kasteren, kasteren_raw, tmp_path / "out")
    first = {r["entity_id"]: r for r in reversed(history)}
    assert first["switch.microwave"]["attributes"] == {
        "friendly_name": "Microwave",
        "device_class": None,
    }
    assert first["binary_sensor.fridge"]["attributes"]["device_class"] == "door"
    assert first["binary_sensor.front_door"]["attributes"]["friendly_name"] == "Front door"
    assert first["binary_sensor.plates_cupboard"]["attributes"]["device_class"] == "opening"
    assert first["binary_sensor.toilet_flush"]["attributes"]["device_class"] is None
    assert first["binary_sensor.bedroom_door"]["area"] == "Hall"
    assert "area" not in first["switch.microwave"]
    # Each firing: "on" at its start, "off" at its end, local time with CET's offset.
    assert _of(history, "binary_sensor.fridge")[:2] == [
        ("2008-03-03T08:00:00+01:00", "on"),
        ("2008-03-03T08:00:05+01:00", "off"),
    ]
    # The person did all of it, each record with its own context id.
    contexts = [r["context"] for r in history]
    assert all(c["parent_id"] is None and c["user_id"] is None for c in contexts)
    ids = [c["id"] for c in contexts]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 26 for i in ids)
    # "leave house" spans become person.resident away and back.
    assert _of(history, "person.resident") == [
        ("2008-03-03T07:55:00+01:00", "home"),
        ("2008-03-03T09:00:02+01:00", "not_home"),
        ("2008-03-03T17:00:01+01:00", "home"),
    ]
    # Sorted by time and readable by the engine's own reader.
    times = [datetime.fromisoformat(r["last_changed"]) for r in history]
    assert times == sorted(times)
    records = read_records((tmp_path / "out" / "history.jsonl").read_text().splitlines())
    assert len(records) == len(history)
    assert not any(r.from_automation for r in records)


def test_kasteren_dst_offset() -> None:
    # After the last Sunday of March the Netherlands are on CEST.
    assert kasteren._stamp(("31", "Mar", "2008", "12", "00", "00")).isoformat() == (
        "2008-03-31T12:00:00+02:00"
    )


def test_sun_records(kasteren_raw: Path, tmp_path: Path) -> None:
    history, _ = _convert(kasteren, kasteren_raw, tmp_path / "out")
    sun = _of(history, "sun.sun")
    # The state at the first record (after sunrise), then strict alternation.
    assert sun[0] == ("2008-03-03T07:55:00+01:00", "above_horizon")
    states = [s for _, s in sun]
    assert all(a != b for a, b in itertools.pairwise(states))
    observer = LocationInfo("x", "", "Europe/Amsterdam", 52.37, 4.89).observer
    expected = sunset(observer, datetime(2008, 3, 3).date(), tzinfo=AMS)
    when, state = sun[1]
    assert state == "below_horizon"
    assert abs(datetime.fromisoformat(when) - expected) < timedelta(seconds=1)
    assert "18:00" < when[11:16] < "18:45"  # Amsterdam, early March
    # Nothing after the last record.
    assert sun[-1][0] <= history[-1]["last_changed"]


def test_kasteren_labels(kasteren_raw: Path, tmp_path: Path) -> None:
    _, labels = _convert(kasteren, kasteren_raw, tmp_path / "out")
    assert labels["home"] == "kasteren_a"
    assert labels["tz"] == "Europe/Amsterdam"
    assert (labels["first_day"], labels["last_day"]) == ("2008-03-03", "2008-03-05")
    routines = {r["name"].split(" (")[0]: r for r in labels["routines"]}
    # get drink: the microwave in 1 of 3 spans is not "most" of them; leave house has none.
    assert set(routines) == {"prepare Breakfast", "prepare Dinner"}
    breakfast = routines["prepare Breakfast"]
    # The fridge opens 30 s (closes 25 s) before the microwave on every morning.
    assert breakfast["kind"] == "event"
    assert breakfast["triggers"] == [
        ["binary_sensor.fridge", "off"],
        ["binary_sensor.fridge", "on"],
    ]
    assert breakfast["actions"] == [["switch.microwave", "on"], ["switch.microwave", "off"]]
    assert breakfast["delay_s"] == 25
    assert breakfast["window"] == ["07:50", "08:11"]  # 07:50:05 .. 08:10:05
    assert breakfast["days"] == ["mon", "tue", "wed"]
    assert breakfast["occurrences"] == [
        "2008-03-03T08:00:30+01:00",
        "2008-03-04T08:10:30+01:00",
        "2008-03-05T07:50:30+01:00",
    ]
    dinner = routines["prepare Dinner"]
    # Nothing fires in the 2 min before the microwave: a time routine.
    assert dinner["kind"] == "time"
    assert dinner["triggers"] == []
    assert dinner["delay_s"] == 0
    assert dinner["window"] == ["18:10", "18:12"]
    assert dinner["days"] == ["mon", "tue"]
    assert dinner["name"] == "prepare Dinner (18:10-18:12): Microwave on, Microwave off"


def test_time_clusters_are_circular() -> None:
    def span(day: int, hour: int, minute: int) -> common.Span:
        start = datetime(2008, 3, day, hour, minute, tzinfo=AMS)
        return common.Span("go to bed", start, start + timedelta(hours=7))

    # 23:40, 00:10 and 00:20 are one cluster across midnight; 04:00 stays alone.
    spans = [span(3, 23, 40), span(5, 0, 10), span(6, 0, 20), span(7, 4, 0)]
    clusters = common.time_clusters(spans, min_days=2)
    assert [[s.start.strftime("%H:%M") for s in c] for c in clusters] == [
        ["23:40", "00:10", "00:20"]
    ]
    assert common._window([s.start for s in clusters[0]]) == ["23:40", "00:20"]


def test_same_context_for_a_declared_group() -> None:
    start = datetime(2008, 3, 3, 19, 0, tzinfo=AMS)
    lamp = common.Entity("light.lamp", "Lamp")
    spot = common.Entity("light.spot", "Spot")
    door = common.Entity("binary_sensor.door", "Door", "door")
    home = common.Home(
        "test",
        AMS,
        52.37,
        4.89,
        [
            common.Firing(lamp, start, start + timedelta(minutes=5), group="tap"),
            common.Firing(
                spot,
                start + timedelta(seconds=1),
                start + timedelta(minutes=5, seconds=1),
                group="tap",
            ),
            common.Firing(door, start, start + timedelta(seconds=3)),
        ],
        [],
    )
    history = common.build_history(home)
    ctx = {(r["entity_id"], r["state"]): r["context"]["id"] for r in history}
    assert ctx["light.lamp", "on"] == ctx["light.spot", "on"]
    assert ctx["light.lamp", "off"] == ctx["light.spot", "off"]
    assert ctx["light.lamp", "on"] != ctx["light.lamp", "off"]
    # Not in the group: its own id, even at the same second.
    assert ctx["binary_sensor.door", "on"] not in {ctx["light.lamp", "on"]}
    ids = [r["context"]["id"] for r in history]
    assert len(set(ids)) == len(ids) - 2


def test_tapia_mapping() -> None:
    cases = {
        ("Bathroom", "Light switch"): ("light.bathroom_light", "Bathroom light", None, "Bathroom"),
        ("Kitchen", "Light switch B"): (
            "light.kitchen_light_b",
            "Kitchen light B",
            None,
            "Kitchen",
        ),
        ("Living room", "Lamp"): (
            "light.living_room_lamp",
            "Living room lamp",
            None,
            "Living room",
        ),
        ("Kitchen", "Toaster"): ("switch.toaster", "Toaster", None, "Kitchen"),
        ("Kitchen", "Burner A"): ("switch.burner_a", "Burner A", None, "Kitchen"),
        ("Kitchen", "Washing Machine"): (
            "switch.washing_machine",
            "Washing machine",
            None,
            "Kitchen",
        ),
        ("Living room", "DVD "): ("switch.dvd_player", "DVD player", None, "Living room"),
        ("Bathroom", "Exhaust Fan"): (
            "fan.bathroom_exhaust_fan",
            "Bathroom exhaust fan",
            None,
            "Bathroom",
        ),
        ("Kitchen", "Refrigerator C"): ("binary_sensor.fridge_c", "Fridge C", "door", "Kitchen"),
        ("Kitchen", "Freezer"): ("binary_sensor.freezer", "Freezer", "door", "Kitchen"),
        ("Foyer", "Door"): ("binary_sensor.front_door", "Front door", "door", "Foyer"),
        ("Kitchen", "Door A"): (
            "binary_sensor.kitchen_door_a",
            "Kitchen door A",
            "door",
            "Kitchen",
        ),
        ("Bedroom", "Window"): (
            "binary_sensor.bedroom_window",
            "Bedroom window",
            "window",
            "Bedroom",
        ),
        ("Kitchen", "Cabinet K"): (
            "binary_sensor.kitchen_cabinet_k",
            "Kitchen cabinet K",
            "opening",
            "Kitchen",
        ),
        ("Office/study", "Drawer"): (
            "binary_sensor.office_drawer",
            "Office drawer",
            "opening",
            "Office",
        ),
        ("Bathroom", "Toilet Flush "): (
            "binary_sensor.toilet_flush",
            "Toilet flush",
            None,
            "Bathroom",
        ),
        ("Bathroom", "Sink faucet - hot"): (
            "binary_sensor.bathroom_sink_faucet_hot",
            "Bathroom sink faucet (hot)",
            None,
            "Bathroom",
        ),
    }
    for (room, thing), expected in cases.items():
        assert tapia.entity_for(room, thing) == common.Entity(*expected), (room, thing)


def test_tapia_records_presence_and_dst(tapia_raw: Path, tmp_path: Path) -> None:
    history, labels = _convert(tapia, tapia_raw, tmp_path / "out")
    assert labels["tz"] == "America/New_York"
    # Overlapping firings of one switch are merged: on, off, never on twice.
    assert _of(history, "light.bathroom_light") == [
        ("2003-04-05T07:00:00-05:00", "on"),
        ("2003-04-05T07:01:00-05:00", "off"),
    ]
    assert _of(history, "switch.toaster") == [
        ("2003-04-05T07:05:00-05:00", "on"),
        ("2003-04-05T07:07:00-05:00", "off"),
    ]
    # The same wall-clock hour after the switch to daylight saving time (6 April 2003).
    assert _of(history, "binary_sensor.fridge_a")[0] == ("2003-04-07T07:00:00-04:00", "on")
    # "Going out" marks the leaving; back when the next sensor fires (the front door).
    assert _of(history, "person.resident") == [
        ("2003-04-05T07:00:00-05:00", "home"),
        ("2003-04-05T07:31:00-05:00", "not_home"),
        ("2003-04-05T11:00:00-05:00", "home"),
    ]
    sun = _of(history, "sun.sun")
    assert sun[0] == ("2003-04-05T07:00:00-05:00", "above_horizon")
    assert sun[1][1] == "below_horizon"
    assert sun[1][0].startswith("2003-04-05T18:")  # Boston sunset, early April (EST)
    assert any(when.startswith("2003-04-07T06:") for when, _ in sun)  # sunrise in EDT
    rows = read_records((tmp_path / "out" / "history.jsonl").read_text().splitlines())
    assert len(rows) == len(history)


def _ordonez_files(days: int) -> dict[str, str]:
    """Made-up rows in the Ordóñez layout (tabs, some doubled, CRLF line ends)."""
    head = "Start time          \tEnd time            \tLocation\tType\t\tPlace\r\n"
    head += "--------------------\t--------------------\t--------\t--------\t-----\r\n"
    sensors, adls = (
        head,
        (
            "Start time          \tEnd time            \tActivity\t\r\n"
            "--------------------\t--------------------\t--------\r\n"
        ),
    )
    for day in range(1, days + 1):
        d = f"2011-11-{day:02d}"
        sensors += f"{d} 08:00:00\t{d} 08:00:09\t\tCupboard\t\tMagnetic\tKitchen\r\n"
        sensors += f"{d} 08:00:20\t{d} 08:03:20\t\tToaster\t\tElectric\tKitchen\r\n"
        sensors += f"{d} 09:00:00\t{d} 09:00:04\t\tMaindoor\tMagnetic\tEntrance\r\n"
        sensors += f"{d} 12:00:00\t{d} 12:00:04\t\tMaindoor\tMagnetic\tEntrance\r\n"
        sensors += f"{d} 12:05:00\t{d} 12:05:30\t\tDoor\t\tPIR\t\tKitchen\r\n"
        adls += f"{d} 07:58:00\t\t{d} 08:10:00\t\tBreakfast\t\r\n"
        adls += f"{d} 09:00:00\t\t{d} 12:00:04\t\tLeaving\t\r\n"
    return {"OrdonezA_Sensors.txt": sensors, "OrdonezA_ADLs.txt": adls}


def test_ordonez_mapping_records_and_labels(tmp_path: Path) -> None:
    raw = _write(tmp_path / "ordonez", _ordonez_files(days=6))
    history, labels = _convert(ordonez, raw, tmp_path / "out")
    assert labels["tz"] == "Europe/Madrid"
    assert _of(history, "switch.toaster")[:3] == [
        ("2011-11-01T08:00:20+01:00", "on"),
        ("2011-11-01T08:03:20+01:00", "off"),
        ("2011-11-02T08:00:20+01:00", "on"),
    ]
    # House B's door PIRs differ only by their room.
    kitchen_door = next(r for r in history if r["entity_id"] == "binary_sensor.kitchen_door_motion")
    assert kitchen_door["attributes"]["device_class"] == "motion"
    # "Leaving" spans are the resident's absences.
    assert ("2011-11-01T09:00:00+01:00", "not_home") in _of(history, common.PERSON)
    (routine,) = labels["routines"]
    assert routine["actions"][0] == ["switch.toaster", "on"]
    assert len(routine["occurrences"]) == 6
    assert ordonez.entity_for("Toaster", "Electric", "Kitchen").entity_id == "switch.toaster"
    assert ordonez.entity_for("Bed", "Pressure", "Bedroom").device_class == "occupancy"


def test_ordonez_refuses_a_row_it_cannot_read(tmp_path: Path) -> None:
    files = _ordonez_files(days=1)
    files["OrdonezA_Sensors.txt"] += "2011-11-02 08:00:00\t\tCupboard\tMagnetic\tKitchen\r\n"
    with pytest.raises(ValueError, match="start, end, location, type, place"):
        ordonez.load(_write(tmp_path / "bad", files))
    files = _ordonez_files(days=1)
    files["OrdonezA_ADLs.txt"] += "2011-13-02 08:00:00\t\t2011-11-02 08:10:00\t\tBreakfast\r\n"
    with pytest.raises(ValueError, match="month must be in"):
        ordonez.load(_write(tmp_path / "bad2", files))


def test_kasteren_b_from_the_tl_copy(tmp_path: Path) -> None:
    """TL's seconds are wall-clock time read as UTC; Dutch names map to entities."""
    # 2009-07-24 08:00:00 wall clock, counted as if it were UTC.
    at = int(datetime(2009, 7, 24, 8, 0, tzinfo=ZoneInfo("UTC")).timestamp())
    raw = _write(
        tmp_path / "tl",
        {
            "houseB.sensor_names": "3\tPIR keuken\r\n7\ttoaster\r\n9\tmagnetron\r\n",
            "houseB.activity_names": "2\tprep-breakfast\r\n5\tleave-house\r\n",
            "houseB.sensors": f"{at}\t5\t3\n{at + 30}\t120\t7\n{at + 60}\t60\t9\n{at + 90}\t2\t99\n",
            "houseB.activities": f"{at}\t300\t2\n{at + 3600}\t7200\t5\n",
        },
    )
    out = tmp_path / "out"
    assert kasteren.main(["--raw", str(raw), "--out", str(out), "--house", "B"]) == 0
    history = [json.loads(x) for x in (out / "history.jsonl").read_text().splitlines()]
    # Summer time in Amsterdam: 08:00:30 wall clock is +02:00.
    assert _of(history, "switch.toaster") == [
        ("2009-07-24T08:00:30+02:00", "on"),
        ("2009-07-24T08:02:30+02:00", "off"),
    ]
    assert _of(history, "switch.microwave")[0] == ("2009-07-24T08:01:00+02:00", "on")
    kitchen = next(r for r in history if r["entity_id"] == "binary_sensor.kitchen_motion")
    assert kitchen["attributes"]["device_class"] == "motion"
    # An id without a name is still a sensor, plainly named.
    assert any(r["entity_id"] == "binary_sensor.sensor_99" for r in history)
    assert ("2009-07-24T09:00:00+02:00", "not_home") in _of(history, common.PERSON)


def test_a_tl_row_it_cannot_read_is_named(tmp_path: Path) -> None:
    raw = _write(
        tmp_path / "tl",
        {
            "houseB.sensor_names": "3\tPIR keuken\r\n",
            "houseB.activity_names": "2\tprep-breakfast\r\n",
            "houseB.sensors": "1248426000\t5\n",
            "houseB.activities": "",
        },
    )
    with pytest.raises(ValueError, match=r"houseB\.sensors line 1: 3 tab-separated fields"):
        kasteren.load_tl(raw, "B")
    (raw / "houseB.sensors").write_text("soon\t5\t3\n")
    with pytest.raises(ValueError, match="not a start and a length"):
        kasteren.load_tl(raw, "B")
