"""Our blocks in automations.yaml: everything else stays byte for byte."""

from __future__ import annotations

from pathlib import Path
import threading

import pytest

from custom_components.aisthos.automations_file import (
    AutomationsFile,
    find_block,
    remove_text,
    render_block,
    upsert_text,
)
from homeassistant.util.yaml import dump

USERS_OWN = [
    {
        "id": str(1700000000000 + i),
        "alias": f"User automation {i} — with ünïcode: and 'quotes'",
        "description": "multi\nline description" if i % 2 else "",
        "triggers": [{"trigger": "state", "entity_id": f"binary_sensor.s{i}", "to": "on"}],
        "conditions": [
            {
                "condition": "template",
                "value_template": "{{ is_state('sun.sun', 'below_horizon') }}",
            }
        ],
        "actions": [
            {
                "action": "light.turn_on",
                "target": {"entity_id": f"light.l{i}"},
                "data": {"brightness": i},
            },
            {"delay": {"minutes": i}},
        ],
        "mode": "single",
    }
    for i in range(30)
]


def ours(n: int = 1, alias: str = "Evening arrival: hallway light") -> dict[str, object]:
    return {
        "id": f"aisthos_s_{n:010d}",
        "alias": alias,
        "description": "Seen on 9 of 10 weekdays.",
        "mode": "single",
        "variables": {"aisthos_skill_id": f"s_{n:010d}", "aisthos_confidence": 0.7},
        "triggers": [{"trigger": "state", "entity_id": "person.a", "to": "home"}],
        "conditions": [{"condition": "time", "after": "18:50:00", "before": "19:20:59"}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}],
    }


def test_add_replace_remove_keep_the_users_text_intact() -> None:
    original = dump(USERS_OWN)
    block = render_block(ours())
    added = upsert_text(original, "aisthos_s_0000000001", block)
    assert added == original + block
    assert find_block(added, "aisthos_s_0000000001") == block
    second = upsert_text(added, "aisthos_s_0000000002", render_block(ours(2)))
    replaced = upsert_text(second, "aisthos_s_0000000001", render_block(ours(1, "Renamed")))
    assert "Renamed" in replaced
    assert replaced.count("aisthos_s_0000000001") == 1
    assert replaced.startswith(original)
    removed = remove_text(remove_text(replaced, "aisthos_s_0000000001"), "aisthos_s_0000000002")
    assert removed == original
    assert remove_text(original, "aisthos_s_0000000009") == original


@pytest.mark.parametrize("start", ["", "[]\n", "[]"])
def test_empty_files(start: str) -> None:
    block = render_block(ours())
    added = upsert_text(start, "aisthos_s_0000000001", block)
    assert added == block
    assert remove_text(added, "aisthos_s_0000000001") == "[]\n"


def test_a_user_automation_that_mentions_our_id_is_not_ours() -> None:
    sneaky = [{**USERS_OWN[0], "alias": "- id: aisthos_s_0000000001"}]
    text = dump(sneaky)
    assert find_block(text, "aisthos_s_0000000001") is None
    assert remove_text(text, "aisthos_s_0000000001") == text


class _FakeHass:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

        class Config:
            @staticmethod
            def path(name: str) -> str:
                return str(folder / name)

        self.config = Config()


def test_an_edit_between_our_read_and_write_is_kept(tmp_path: Path) -> None:
    """The editor saving while we write: we start over from its version."""
    path = tmp_path / "automations.yaml"
    path.write_text(dump(USERS_OWN))
    writer = AutomationsFile(_FakeHass(tmp_path))  # type: ignore[arg-type]
    editor_version = dump(
        [*USERS_OWN, {**USERS_OWN[0], "id": "999", "alias": "Saved by the editor"}]
    )
    block = render_block(ours())
    calls = {"n": 0}

    def change(text: str) -> str:
        calls["n"] += 1
        if calls["n"] == 1:
            path.write_text(editor_version)  # lands after our first read
        return upsert_text(text, "aisthos_s_0000000001", block)

    writer._rewrite(change)
    assert calls["n"] == 2
    assert path.read_text() == editor_version + block


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "automations.yaml"
    path.write_text(dump(USERS_OWN))
    writer = AutomationsFile(_FakeHass(tmp_path))  # type: ignore[arg-type]
    ids = [f"aisthos_s_{n:010d}" for n in range(8)]

    def add(n: int) -> None:
        writer._rewrite(lambda text: upsert_text(text, ids[n], render_block(ours(n))))

    threads = [threading.Thread(target=add, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    text = path.read_text()
    assert text.startswith(dump(USERS_OWN))
    assert all(find_block(text, automation_id) for automation_id in ids)
