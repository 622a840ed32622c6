"""Reading exported HA history: good lines parse, bad lines say where and why."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess

import pytest

from custom_components.aisthos.engine.history_file import (
    HistoryFormatError,
    read_records,
    state_changes,
)

REPO = Path(__file__).resolve().parents[1]


def line(**overrides: object) -> str:
    record: dict[str, object] = {
        "entity_id": "light.hall",
        "state": "on",
        "attributes": {"friendly_name": "Hall"},
        "last_changed": "2026-11-20T19:02:00+01:00",
        "last_updated": "2026-11-20T19:02:00+01:00",
        "context": {"id": "01X", "parent_id": None, "user_id": None},
    }
    record.update(overrides)
    return json.dumps(record)


def test_records_and_changes() -> None:
    lines = [
        line(state="off", last_updated="2026-11-20T19:00:00+01:00"),
        "",
        line(context={"id": "2", "parent_id": "01P", "user_id": None}),
    ]
    records = read_records(lines)
    assert [r.state for r in records] == ["off", "on"]
    changes = [c for c, _ in state_changes(records)]
    assert [(c.old_state, c.new_state, c.from_automation) for c in changes] == [
        (None, "off", False),
        ("off", "on", True),
    ]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "line 1: not JSON"),
        ("[]", "expected a JSON object"),
        (line(entity_id="light.x; drop"), "bad entity_id"),
        (line(entity_id=None), "bad entity_id"),
        (line(state=5), "state must be a string"),
        (line(state="x" * 300), "at most 255"),
        (line(last_updated="yesterday"), "not an ISO 8601 time"),
        (line(last_updated="2026-11-20T19:02:00"), "needs a UTC offset"),
        (line(attributes=[1]), "attributes must be an object"),
        (line(context="x"), "context must be an object"),
    ],
)
def test_bad_lines_are_rejected_with_their_line_number(bad: str, message: str) -> None:
    with pytest.raises(HistoryFormatError, match=message):
        read_records([bad])


def run_learn(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["python", str(REPO / "scripts" / "learn.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_learn_cli_prints_skills_with_automations(tmp_path: Path) -> None:
    from .home_simulator import simulate

    history = tmp_path / "history.jsonl"
    history.write_text("\n".join(simulate(28)) + "\n")
    result = run_learn("--history", str(history), "--tz", "Europe/Berlin")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["skills"]) >= 5
    first = report["skills"][0]
    assert set(first) >= {"id", "name", "confidence", "learned_from", "explanation", "automation"}
    assert set(first["automation"]) >= {"id", "alias", "triggers", "conditions", "actions"}
    yaml_out = run_learn("--history", str(history), "--tz", "Europe/Berlin", "--format", "yaml")
    assert yaml_out.returncode == 0
    assert yaml_out.stdout.startswith("skills:\n")
    assert first["id"] in yaml_out.stdout


def test_learn_cli_explains_bad_input(tmp_path: Path) -> None:
    history = tmp_path / "broken.jsonl"
    history.write_text(line() + "\n{oops\n")
    result = run_learn("--history", str(history))
    assert result.returncode == 2
    assert "line 2: not JSON" in result.stderr
    missing = run_learn("--history", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr
    zone = run_learn("--history", str(history), "--tz", "Mars/Olympus")
    assert zone.returncode == 2
    assert "unknown time zone" in zone.stderr
