"""One act, one action: which change of a group and its members the person made.

A light group shares its lamp's context: switching one lamp on switches the
group on too. Where Home Assistant names a group's members, the lamp is the
action, and only a group switched as a whole is.
"""

from __future__ import annotations

from datetime import timedelta
import json

from custom_components.aisthos.engine import offline_learning, routine_miner
from custom_components.aisthos.engine.history_file import MAX_MEMBERS, read_records
from custom_components.aisthos.engine.spark import Spark

from .test_routine_miner import START, TZ, at, mine


def switched(
    t: float, ref: str, act: int, action: str = "turned_on", kind: str = "power", obj: str = "light"
) -> Spark:
    return Spark(t, kind, "living_room", "someone", action, obj, "none", "person", ref,
                 (("act", float(act)),))  # fmt: skip


def one_act(
    day: int, hhmm: str, refs: list[str], act: int, action: str = "turned_on", jitter: float = 0
) -> list[Spark]:
    t = at(day, hhmm, jitter)
    return [switched(t + 0.1 * k, ref, act, action) for k, ref in enumerate(refs)]


def the_action(sparks: list[Spark], when: float, groups: dict[str, list[str]] | None) -> list[str]:
    """The refs of the act at 'when' that the miner takes as the person's action."""
    data = routine_miner._Data(
        sorted(sparks, key=lambda s: s.time), TZ, START, START + timedelta(days=27), None, groups
    )
    rows = [
        i
        for i in range(len(data.t))
        if abs(data.t[i] - when) < 1 and data.is_actuator[data.c[i]] and not data.is_act_member[i]
    ]
    return [data.sigs[int(data.c[i])].ref for i in rows]


def lamps_and_whole_group() -> list[Spark]:
    sparks: list[Spark] = []
    for day in range(28):
        sparks += one_act(day, "07:00", ["lamp_a", "group"], 10 * day + 1)
        sparks += one_act(day, "08:00", ["lamp_b", "group"], 10 * day + 2)
        if day % 7 == 0:
            sparks += one_act(day, "21:00", ["lamp_a", "lamp_b", "group"], 10 * day + 3)
    return sparks


GROUP = {"group": ["lamp_a", "lamp_b"]}


def test_a_lamp_switched_alone_is_the_action_not_its_group() -> None:
    sparks = lamps_and_whole_group()
    assert the_action(sparks, at(3, "07:00"), GROUP) == ["lamp_a"]
    assert the_action(sparks, at(3, "08:00"), GROUP) == ["lamp_b"]


def test_the_group_switched_as_a_whole_is_the_action() -> None:
    assert the_action(lamps_and_whole_group(), at(7, "21:00"), GROUP) == ["group"]


def test_without_members_named_the_acts_show_the_group() -> None:
    # The recorder keeps no member list: an entity that changed only ever with
    # one or all of two lamps, in more acts than either, is their group.
    sparks = lamps_and_whole_group()
    assert the_action(sparks, at(3, "07:00"), None) == ["lamp_a"]
    assert the_action(sparks, at(3, "08:00"), None) == ["lamp_b"]
    assert the_action(sparks, at(7, "21:00"), None) == ["group"]


def test_a_lamp_switched_while_its_group_is_on_is_still_its_member() -> None:
    # The group is on already: the lamp changes alone, the group does not.
    sparks = lamps_and_whole_group()
    for day in range(28):
        sparks += one_act(day, "07:30", ["lamp_b"], 1000 + day)
    # A lamp seen with it once (a guest's lamp plugged in) is not taken as a member.
    sparks += one_act(9, "12:00", ["lamp_c", "group"], 2000)
    assert groups_seen(sparks) == {"group": frozenset({"lamp_a", "lamp_b"})}
    assert the_action(sparks, at(3, "07:00"), None) == ["lamp_a"]
    assert the_action(sparks, at(7, "21:00"), None) == ["group"]
    # Four acts are enough to tell a group, three too few.
    few = [*one_act(0, "07:00", ["lamp_a", "group"], 1), *one_act(0, "08:00", ["lamp_b", "group"], 2),
           *one_act(0, "21:00", ["lamp_a", "lamp_b", "group"], 3)]  # fmt: skip
    assert groups_seen(few) == {}
    few += one_act(1, "07:00", ["lamp_a", "group"], 4)
    assert groups_seen(few) == {"group": frozenset({"lamp_a", "lamp_b"})}


def groups_seen(sparks: list[Spark]) -> dict[str, frozenset[str]]:
    """The groups the miner sees in the acts, without member lists."""
    data = routine_miner._Data(
        sorted(sparks, key=lambda s: s.time), TZ, START, START + timedelta(days=27)
    )
    acts: dict[int, list[int]] = {}
    for i in range(len(data.t)):
        acts.setdefault(int(data.act_key[i]), []).append(i)
    return data._groups_seen(acts, {})


def test_no_group_is_seen_where_the_acts_do_not_show_one() -> None:
    seen = groups_seen
    pair: list[Spark] = []  # two lamps in one tap, one also switched alone: a group of one?
    for day in range(28):
        pair += one_act(day, "19:00", ["lamp_a", "lamp_b"], day + 1)
        pair += one_act(day, "22:00", ["lamp_a"], 100 + day)
    assert seen(pair) == {}
    # Changing on its own more than by chance (one act in ten), however
    # often its lamps do: a lamp, not a group.
    lamp = lamps_and_whole_group()
    for day in range(28):
        lamp += one_act(day, "10:00", ["lamp_a"], 200 + day)
        lamp += one_act(day, "11:00", ["lamp_b"], 300 + day)
    assert seen(lamp) == {"group": frozenset({"lamp_a", "lamp_b"})}
    for day in range(0, 28, 4):
        lamp += one_act(day, "15:00", ["group"], 500 + day)
    assert seen(lamp) == {}
    # A scene sets its lights; it is never taken for their group.
    scene: list[Spark] = []
    for day in range(28):
        t = at(day, "20:00")
        scene += [switched(t, "movie", 2 * day + 1, "activated", "scene", "scene"),
                  switched(t + 0.1, "lamp_a", 2 * day + 1, "turned_off"),
                  switched(t + 0.2, "lamp_b", 2 * day + 1, "turned_off")]  # fmt: skip
    assert "movie" not in seen(scene)
    # Three lamps one tap switches together: none is the others' group.
    tap: list[Spark] = []
    for day in range(28):
        tap += one_act(day, "19:00", ["lamp_a", "lamp_b", "lamp_c"], day + 1)
        tap += one_act(day, "12:00", ["lamp_b"], 100 + day)
        tap += one_act(day, "13:00", ["lamp_c"], 200 + day)
    assert seen(tap) == {}
    # A lamp an evening script switches with many others is not a group of them.
    script: list[Spark] = []
    for day in range(28):
        script += one_act(day, "19:00", ["lamp_a", "group"], 300 + day)
        script += one_act(day, "20:00", ["lamp_b", "group"], 400 + day)
        lamps = ["lamp_a", "lamp_b", "group"] if day % 2 else ["lamp_a", "group"]
        script += [
            Spark(at(day, "23:00") + k, "power", "living_room", "someone", "turned_off",
                  "light", "none", "automation", ref, (("act", 500.0 + day),))
            for k, ref in enumerate(["porch", *lamps])
        ]  # fmt: skip
    assert seen(script) == {"group": frozenset({"lamp_a", "lamp_b"})}
    # A lamp of another group, seen with this one on two days only, is not its member.
    rooms: list[Spark] = []
    for day in range(28):
        rooms += one_act(day, "07:00", ["lamp_a", "group"], 10 * day + 1)
        rooms += one_act(day, "08:00", ["lamp_b", "group"], 10 * day + 2)
        rooms += one_act(day, "09:00", ["lamp_c", "other"], 10 * day + 3)
        rooms += one_act(day, "10:00", ["lamp_d", "other"], 10 * day + 4)
    rooms += one_act(2, "22:00", ["lamp_c", "group"], 900)
    rooms += one_act(9, "22:00", ["lamp_c", "group"], 901)
    assert seen(rooms) == {"group": frozenset({"lamp_a", "lamp_b"}),
                           "other": frozenset({"lamp_c", "lamp_d"})}  # fmt: skip
    # Everything off at once (more than GROUP_MAX_ACT lamps) is no evidence.
    night: list[Spark] = []
    lots = [f"lamp_{n}" for n in range(routine_miner.GROUP_MAX_ACT)]
    for day in range(28):
        night += [switched(at(day, "23:00") + 0.01 * k, ref, 600 + day, "turned_off")
                  for k, ref in enumerate(["hub", *lots])]  # fmt: skip
        night += one_act(day, "07:00", ["hub", lots[day % 2]], 700 + day)
    assert seen(night) == {"hub": frozenset(lots[:2])}


def whole_evenings(on: list[str], off: list[str]) -> list[Spark]:
    """The group switched whole at 19:00 and 23:00, in HA's order of writing."""
    sparks: list[Spark] = []
    for day in range(28):
        sparks += one_act(day, "19:00", on, 10 * day + 1)
        sparks += one_act(day, "23:00", off, 10 * day + 2, "turned_off")
    return sparks


def test_without_members_named_a_group_always_switched_whole_is_the_action() -> None:
    # HA writes a group going on after its first lamp, going off after its
    # last: in a tie of acts, the one written last when all go off is the group.
    sparks = whole_evenings(["lamp_a", "group", "lamp_b", "lamp_c"],
                            ["lamp_a", "lamp_b", "lamp_c", "group"])  # fmt: skip
    assert the_action(sparks, at(3, "19:00"), None) == ["group"]
    assert the_action(sparks, at(3, "23:00"), None) == ["group"]


def test_a_lamp_always_in_its_groups_acts_is_still_its_member() -> None:
    # The group switched whole every evening; the reading lamp alone on two
    # mornings a week (the group follows it). Lamp and group share every act:
    # the group is the one HA writes last when all go off.
    sparks = whole_evenings(["ceiling", "group", "lamp", "strip"],
                            ["ceiling", "lamp", "strip", "group"])  # fmt: skip
    for day in range(28):
        if day % 7 in (1, 3):
            sparks += one_act(day, "06:30", ["lamp", "group"], 10 * day + 3)
            sparks += one_act(day, "07:15", ["lamp", "group"], 10 * day + 4, "turned_off")
    assert the_action(sparks, at(1, "06:30"), None) == ["lamp"]
    assert the_action(sparks, at(1, "19:00"), None) == ["group"]


def test_nested_groups_seen_in_the_acts_give_the_lamp() -> None:
    # "All lights" holds "living" and "kitchen": a lamp switched alone changes
    # its room's group and the house's; neither is what the person did.
    sparks: list[Spark] = []
    for day in range(28):
        sparks += one_act(day, "07:00", ["a", "living", "all"], 10 * day + 1)
        sparks += one_act(day, "12:00", ["c", "kitchen", "all"], 10 * day + 2)
        if day % 2:
            sparks += one_act(day, "18:00", ["b", "living", "all"], 10 * day + 3)
            sparks += one_act(day, "18:30", ["d", "kitchen", "all"], 10 * day + 4)
    assert groups_seen(sparks) == {
        "all": frozenset({"living", "kitchen"}),
        "living": frozenset({"a", "b"}),
        "kitchen": frozenset({"c", "d"}),
    }
    assert the_action(sparks, at(3, "07:00"), None) == ["a"]


def test_a_room_group_inside_the_house_group_is_told_from_its_lamp() -> None:
    # The kitchen's ceiling light is switched alone daily: it, "kitchen" and
    # "all" change together, and only the whole kitchen also changes the
    # strip. HA writes "all" after "kitchen", and "kitchen" after its lamps.
    sparks: list[Spark] = []
    for day in range(28):
        sparks += one_act(day, "07:00", ["a", "living", "all"], 10 * day + 1)
        sparks += one_act(day, "07:40", ["a", "living", "all"], 10 * day + 2, "turned_off")
        sparks += one_act(day, "12:00", ["c", "kitchen", "all"], 10 * day + 3)
        sparks += one_act(day, "12:30", ["c", "kitchen", "all"], 10 * day + 4, "turned_off")
        if day % 2:
            sparks += one_act(day, "18:00", ["b", "living", "all"], 10 * day + 5)
        if day % 3 == 0:
            sparks += one_act(day, "21:00", ["c", "kitchen", "all", "d"], 10 * day + 6)
            sparks += one_act(
                day, "21:30", ["c", "d", "kitchen", "all"], 10 * day + 7, "turned_off"
            )
    assert the_action(sparks, at(3, "12:00"), None) == ["c"]
    assert the_action(sparks, at(3, "21:00"), None) == ["kitchen"]


def test_a_plug_shown_as_a_light_in_a_group_is_one_member() -> None:
    # switch_as_x writes the light in its switch's context: both change each
    # time, yet the group of ceiling and plug lamp followed one thing.
    sparks: list[Spark] = []
    for day in range(28):
        sparks += one_act(day, "07:00", ["ceiling", "living"], 10 * day + 1)
        sparks += one_act(day, "19:00", ["switch_plug", "light_plug", "living"], 10 * day + 2)
    [(group, members)] = groups_seen(sparks).items()
    assert group == "living"
    assert len(members) == 2
    assert "ceiling" in members
    assert the_action(sparks, at(3, "19:00"), None) == ["light_plug"]


def test_a_group_written_before_its_lamp_still_follows_it() -> None:
    sparks: list[Spark] = []
    for day in range(28):
        sparks += one_act(day, "19:00", ["group", "lamp_a"], 10 * day + 1)
        sparks += one_act(day, "20:00", ["group", "lamp_b"], 10 * day + 2)
    assert the_action(sparks, at(3, "19:00"), GROUP) == ["lamp_a"]


def test_nested_groups_give_the_lamp_or_the_smallest_group_switched_whole() -> None:
    groups = {"living": ["floor", "ceiling"], "kitchen": ["counter", "spot"],
              "all": ["living", "kitchen"]}  # fmt: skip
    sparks: list[Spark] = []
    for day in range(28):
        sparks += one_act(day, "07:00", ["counter", "kitchen", "all"], 10 * day + 1)
        sparks += one_act(day, "19:00", ["floor", "living", "all"], 10 * day + 2)
        sparks += one_act(day, "21:00", ["floor", "ceiling", "living", "all"], 10 * day + 3)
    sparks += one_act(
        5, "23:00", ["floor", "ceiling", "living", "counter", "spot", "kitchen", "all"], 9999
    )
    assert the_action(sparks, at(3, "07:00"), groups) == ["counter"]
    assert the_action(sparks, at(3, "19:00"), groups) == ["floor"]
    assert the_action(sparks, at(3, "21:00"), groups) == ["living"]
    assert the_action(sparks, at(5, "23:00"), groups) == ["all"]


def test_a_template_light_in_a_group_is_the_action_not_its_helper_or_group() -> None:
    # The template light follows its helper (written after it); the group
    # follows the template light.
    groups = {"group": ["template", "lamp_y"]}
    sparks: list[Spark] = []
    for day in range(28):
        sparks += one_act(day, "07:00", ["helper", "template", "group"], 10 * day + 1)
        sparks += one_act(day, "20:00", ["lamp_y", "group"], 10 * day + 2)
    assert the_action(sparks, at(3, "07:00"), groups) == ["template"]
    assert the_action(sparks, at(3, "20:00"), groups) == ["lamp_y"]


def test_a_group_switched_off_stays_the_action() -> None:
    # Its last lamp on, or the whole group: both look the same, and the group
    # off does what the person wanted either way.
    sparks = lamps_and_whole_group()
    for day in range(28):
        sparks += one_act(day, "23:00", ["lamp_b", "group"], 10 * day + 4, "turned_off")
    assert the_action(sparks, at(3, "23:00"), GROUP) == ["group"]


def test_an_open_cover_group_follows_the_one_cover_opened() -> None:
    sparks: list[Spark] = []
    for day in range(28):
        t = at(day, "07:00")
        sparks += [switched(t, "blind_a", 2 * day + 1, "opened", "cover", "cover"),
                   switched(t + 0.1, "blinds", 2 * day + 1, "opened", "cover", "cover"),
                   switched(t + 900, "blind_b", 2 * day + 2, "opened", "cover", "cover"),
                   switched(t + 900.1, "blinds", 2 * day + 2, "opened", "cover", "cover")]  # fmt: skip
    assert the_action(sparks, at(3, "07:00"), {"blinds": ["blind_a", "blind_b"]}) == ["blind_a"]


def test_a_whole_group_written_between_its_lamps_is_the_action() -> None:
    # Home Assistant writes the group after its first lamp, not its last;
    # switched only as a whole, each is in as many acts as the others.
    sparks: list[Spark] = []
    for day in range(28):
        sparks += one_act(day, "22:00", ["lamp_b", "group", "lamp_a"], day + 1)
    assert the_action(sparks, at(3, "22:00"), GROUP) == ["group"]


def test_a_member_never_seen_with_its_group_is_no_evidence() -> None:
    # A dead bulb, a lamp not observed or added later: a group switched with
    # every lamp that ever changed with it may have been switched as a whole.
    sparks: list[Spark] = []
    for day in range(28):
        sparks += one_act(day, "21:00", ["lamp_a", "group"], day + 1)
    groups = {"group": ["lamp_a", "dead_bulb"]}
    assert the_action(sparks, at(3, "21:00"), groups) == ["group"]


def test_two_lamps_of_a_group_in_one_tap_leave_the_group_the_action() -> None:
    # Some but not all: neither lamp alone is what the person did.
    sparks = lamps_and_whole_group()
    groups = {"group": ["lamp_a", "lamp_b", "lamp_c"]}
    for day in range(28):
        sparks += one_act(day, "12:00", ["lamp_c", "group"], 100 + day)
        sparks += one_act(day, "13:00", ["lamp_a", "lamp_b", "group"], 200 + day)
    assert the_action(sparks, at(3, "13:00"), groups) == ["group"]
    assert the_action(sparks, at(3, "12:00"), groups) == ["lamp_c"]


def test_hostile_member_lists_change_nothing_they_cannot_mean() -> None:
    sparks = lamps_and_whole_group()
    # A group naming itself, a lamp as its only member, or no members at all.
    # A list HA gives is taken over what the acts show.
    for groups in ({"group": ["group"]}, {"group": ["lamp_a"]}, {"group": []}):
        assert the_action(sparks, at(3, "07:00"), groups) == ["group"], groups
    # A list of a group never seen: the acts show this one.
    assert the_action(sparks, at(3, "07:00"), {"unseen": ["lamp_a", "lamp_b"]}) == ["lamp_a"]
    # Naming itself among real members: the real members still count.
    assert the_action(sparks, at(3, "07:00"), {"group": ["group", *GROUP["group"]]}) == ["lamp_a"]


def test_the_routine_learned_switches_the_lamp_not_the_whole_group() -> None:
    sparks: list[Spark] = []
    for day in range(28):
        # A person's minutes, not a device's schedule (the same second daily).
        jitter = day * 37 % 600
        sparks += one_act(day, "19:00", ["lamp_a", "group"], 10 * day + 1, "turned_on", jitter)
        sparks += one_act(day, "23:30", ["lamp_a", "group"], 10 * day + 2, "turned_off", jitter)
        if day % 3 == 0:
            sparks += one_act(day, "12:00", ["lamp_b", "group"], 10 * day + 3, "turned_on", jitter)
            sparks += one_act(day, "12:30", ["lamp_b", "group"], 10 * day + 4, "turned_off", jitter)

    def evening_targets(groups: dict[str, list[str]] | None) -> set[str]:
        return {
            action.target.ref
            for skill in mine(sparks, 28, groups=groups)
            if skill.trigger.at is not None and 18 * 60 <= skill.trigger.at <= 20 * 60
            for action in skill.actions
        }

    assert evening_targets(GROUP) == {"lamp_a"}
    assert evening_targets(None) == {"lamp_a"}  # the acts show the group


def _record(entity_id: str, state: str, members: object, when: str, ctx: str) -> str:
    attributes: dict[str, object] = {"friendly_name": entity_id}
    if members is not None:
        attributes["entity_id"] = members
    return json.dumps({"entity_id": entity_id, "state": state, "attributes": attributes,
                       "last_updated": when, "context": {"id": ctx, "parent_id": None}})  # fmt: skip


def test_history_records_carry_a_groups_members_only_when_they_are_a_list_of_ids() -> None:
    lines = [
        _record("light.living", "on", ["light.lamp", "light.ceiling"], "2026-10-05T19:00:00+02:00", "a"),
        _record("light.odd", "on", ["light.lamp", "not an id"], "2026-10-05T19:00:00+02:00", "b"),
        _record("light.big", "on", [f"light.l{i}" for i in range(MAX_MEMBERS + 1)],
                "2026-10-05T19:00:00+02:00", "c"),
        _record("light.str", "on", "light.lamp", "2026-10-05T19:00:00+02:00", "d"),
        _record("light.lamp", "on", None, "2026-10-05T19:00:00+02:00", "e"),
    ]  # fmt: skip
    members = {r.entity_id: r.members for r in read_records(lines)}
    assert members == {"light.living": ("light.lamp", "light.ceiling"), "light.odd": (),
                       "light.big": (), "light.str": (), "light.lamp": ()}  # fmt: skip


def test_a_history_file_names_its_groups_for_the_miner() -> None:
    members = ["light.lamp", "light.ceiling", "light.never_seen"]
    lines = [_record("light.ceiling", "off", None, "2026-10-05T07:00:00+02:00", "x")]
    for day in range(5):
        stamp = f"2026-10-{5 + day:02d}T19:00:00+02:00"
        lines += [
            _record("light.lamp", "on", None, stamp, f"c{day}"),
            _record("light.living", "on", members, stamp, f"c{day}"),
        ]
    records = read_records(lines)
    # One copy of the list, however many records repeat it.
    lists = {id(r.members) for r in records if r.members}
    assert len(lists) == 1
    home = offline_learning.perceive(records)
    ref = offline_learning.Anonymizer(offline_learning.OFFLINE_SECRET).ref
    assert home.groups == {ref("light.living"): [ref(m) for m in members]}
