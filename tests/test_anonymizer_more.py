"""The anonymizer: a real secret, bounded resident roles, nameless areas."""

from __future__ import annotations

import pytest

from custom_components.aisthos.engine.anonymizer import Anonymizer, room_type
from custom_components.aisthos.engine.ontology import MAX_RESIDENTS, RoomType

SECRET = b"0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("secret", [b"", b"short", b"0123456789abcde"])
def test_a_short_secret_is_refused(secret: bytes) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        Anonymizer(secret)
    assert Anonymizer(b"0123456789abcdef").ref("light.a") != Anonymizer(SECRET).ref("light.a")


def test_past_the_alphabet_everyone_is_someone() -> None:
    anonymizer = Anonymizer(SECRET)
    roles = [anonymizer.resident(f"person.p{n}") for n in range(MAX_RESIDENTS)]
    assert roles[0] == "resident_a"
    assert roles[-1] == "resident_z"
    anonymizer.changed = False
    assert anonymizer.resident("person.late") == "someone"
    assert anonymizer.resident("person.later") == "someone"
    assert anonymizer.changed is False  # no role was handed out
    assert anonymizer.resident("person.p3") == "resident_d"  # known ones keep theirs
    assert len(anonymizer.state()["residents"]) == MAX_RESIDENTS


@pytest.mark.parametrize("name", [None, ""])
def test_an_area_without_a_name_is_a_plain_room(name: str | None) -> None:
    assert room_type(name) is RoomType.ROOM
    anonymizer = Anonymizer(SECRET)
    assert anonymizer.area("area_1", name) == "room"
    assert anonymizer.area("area_2", name) == "room_2"
