"""The anonymizer: a real secret, bounded resident roles, nameless areas."""

from __future__ import annotations

import threading
import time
from typing import Any

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


def test_threads_naming_areas_at_once_never_share_a_token() -> None:
    # Sparks are made in a worker thread while the event loop names camera
    # areas: every area must still get a token of its own.
    class SlowCount(dict[str, str]):
        def values(self) -> Any:
            counted = list(super().values())
            time.sleep(0.002)  # other threads run between counting and naming
            return counted

    anonymizer = Anonymizer(SECRET)
    anonymizer._areas = SlowCount()
    barrier = threading.Barrier(4)
    tokens: list[list[str]] = [[] for _ in range(4)]

    def name(worker: int) -> None:
        barrier.wait()
        for i in range(2):
            tokens[worker].append(anonymizer.area(f"area_{worker}_{i}", "Kitchen"))

    threads = [threading.Thread(target=name, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    named = [t for worker in tokens for t in worker]
    assert len(named) == 8
    assert len(named) == len(set(named))
