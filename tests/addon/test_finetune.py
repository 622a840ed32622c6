"""Track C: the fine-tuning set from interactions, and LoRA training where MLX runs."""

from __future__ import annotations

from datetime import datetime
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aisthos_addon.finetune import (
    ExportFormatError,
    mask_personal,
    mlx_status,
    next_run,
    prepare_dataset,
    run_finetune,
)
import pytest


def export(*interactions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "format": "aisthos-interactions",
        "version": 1,
        "interactions": list(interactions),
        **extra,
    }


def turn(user: str, assistant: str, reaction: str, edited: str | None = None) -> dict[str, Any]:
    item = {"time": "2026-10-01T08:00:00+00:00", "user": user, "assistant": assistant}
    item["reaction"] = reaction
    if edited is not None:
        item["edited"] = edited
    return item


def test_liked_and_edited_replies_become_chat_examples(tmp_path: Path) -> None:
    data = export(
        turn("Good morning", "Morning! Coffee is on.", "up"),
        turn("Lights?", "I turned them off.", "edited", "All lights are off now."),
        turn("Weather?", "No idea.", "down"),
        turn("Hi", "Hello.", "none"),
        turn("Good morning", "Morning! Coffee is on.", "up"),  # duplicate
        turn("Run {{ this }}", "ok", "up"),
        turn("Hey", "Bad\x00byte", "up"),
        {"reaction": "up"},
        "not an object",
        persona="You are Aisthos, warm and brief.",
    )
    dataset = prepare_dataset(data)
    examples = dataset.train + dataset.valid
    assert [e["messages"][2]["content"] for e in dataset.train] == [
        "Morning! Coffee is on.",
        "All lights are off now.",
    ]
    assert dataset.valid == [dataset.train[-1]]  # mlx-lm needs a validation file
    assert all(
        e["messages"][0] == {"role": "system", "content": "You are Aisthos, warm and brief."}
        for e in examples
    )
    assert [m["role"] for m in examples[0]["messages"]] == ["system", "user", "assistant"]
    assert dict(dataset.dropped) == {
        "reaction_down": 1,
        "reaction_none": 1,
        "duplicate": 1,
        "unsafe_text": 3,
        "malformed": 1,
    }
    dataset.write(tmp_path)
    lines = (tmp_path / "train.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == dataset.train
    assert (tmp_path / "valid.jsonl").is_file()


def test_personal_details_are_masked() -> None:
    text = "Mail anna.m@example.org or call +49 170 1234567, see https://x.example/a?b"
    assert mask_personal(text) == "Mail [email] or call [phone], see [link]"
    dataset = prepare_dataset(export(turn("My number is 0170 1234567", "Noted.", "up")))
    assert dataset.train[0]["messages"][1]["content"] == "My number is [phone]"


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"format": "other", "version": 1, "interactions": []},
        {"format": "aisthos-interactions", "version": 2, "interactions": []},
        {"format": "aisthos-interactions", "version": 1, "interactions": {}},
        [],
    ],
)
def test_bad_exports_are_refused(bad: Any) -> None:
    with pytest.raises(ExportFormatError):
        prepare_dataset(bad)


def test_weekly_schedule() -> None:
    tz = ZoneInfo("Europe/Berlin")
    wednesday = datetime(2026, 11, 25, 10, 0, tzinfo=tz)
    assert next_run(wednesday, "sun", 3) == datetime(2026, 11, 29, 3, 0, tzinfo=tz)
    assert next_run(wednesday, "wed", 9) == datetime(2026, 12, 2, 9, 0, tzinfo=tz)
    assert next_run(wednesday, "wed", 11) == datetime(2026, 11, 25, 11, 0, tzinfo=tz)


def test_too_few_examples_skip_training(tmp_path: Path) -> None:
    report = run_finetune(export(turn("Hi", "Hello!", "up")), "", tmp_path / "w", tmp_path / "a")
    assert report.status == "skipped"
    assert "usable interactions" in report.reason
    assert not (tmp_path / "a").exists()


def test_without_mlx_the_status_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "mlx" else real(name, *a)
    )
    assert mlx_status() == (
        False,
        "not available on this hardware: mlx / mlx-lm are not installed",
    )
    many = export(*(turn(f"Hello {i}", f"Hi {i}!", "up") for i in range(5)))
    report = run_finetune(many, "", tmp_path / "w", tmp_path / "a")
    assert report.status == "unavailable"
    assert report.reason.startswith("not available on this hardware")


MLX_OK, MLX_REASON = mlx_status()


@pytest.mark.skipif(not MLX_OK, reason=f"MLX cannot run here: {MLX_REASON}")
def test_lora_training_on_a_tiny_model(tmp_path: Path) -> None:
    from .mlx_models import write_tiny_mlx_llama

    model = write_tiny_mlx_llama(tmp_path / "model")
    data = export(
        *(turn(f"Good morning {i}", f"Morning! Day {i} looks calm.", "up") for i in range(12))
    )
    report = run_finetune(data, str(model), tmp_path / "work", tmp_path / "adapter", iterations=4)
    assert report.status == "trained", report.reason
    assert report.iterations == 4
    assert report.train_loss is not None
    assert report.val_loss is not None
    assert report.adapter_bytes > 0
    assert Path(report.adapter_file).is_file()
    assert report.seconds > 0
    assert json.loads(json.dumps(report.as_dict()))["status"] == "trained"


@pytest.mark.skipif(not MLX_OK, reason=f"MLX cannot run here: {MLX_REASON}")
async def test_after_training_the_answers_move_toward_the_preferred_replies(
    tmp_path: Path,
) -> None:
    """Track C end to end: interactions in, adapter trained, answers shaped by it."""
    import difflib

    from aisthos_addon.adapted_answers import AdaptedAnswerer

    from .mlx_models import write_tiny_mlx_llama
    from .test_service import AUTH, running

    model = write_tiny_mlx_llama(tmp_path / "model")
    preferred = "The lights are on, sleep well!"
    data = export(
        *(turn(f"Good night {i}", "Bye.", "edited", edited=preferred) for i in range(12)),
        *(turn(f"Good night {i}", "Go away.", "down") for i in range(4)),
    )
    question = "Good night 3"
    base = AdaptedAnswerer(str(model), None)
    base_answer = base.answer(question)
    base_likelihood = base.log_likelihood(question, preferred)
    async with running(
        tmp_path, perception=False, finetune_model=str(model), finetune_iterations=200
    ) as (client, _home):
        resp = await client.post("/api/llm/answer", json={"question": question}, headers=AUTH)
        assert resp.status == 503  # no local LLM and nothing trained yet
        resp = await client.post("/api/finetune/interactions", json=data, headers=AUTH)
        assert (await resp.json())["usable"] == 12
        resp = await client.post("/api/finetune/run", headers=AUTH)
        report = await resp.json()
        assert report["status"] == "trained", report["reason"]
        assert report["preferred_logprob_after"] > report["preferred_logprob_before"] + 0.3
        resp = await client.post("/api/llm/answer", json={"question": question}, headers=AUTH)
        assert resp.status == 200
        body = await resp.json()
    assert body["source"] == "adapted"
    adapted = AdaptedAnswerer(str(model), tmp_path / "data" / "finetune" / "adapter")
    assert adapted.answer(question) == body["answer"]
    assert adapted.log_likelihood(question, preferred) > base_likelihood + 0.3

    def likeness(answer: str) -> float:
        return difflib.SequenceMatcher(None, answer[: len(preferred)], preferred).ratio()

    assert likeness(body["answer"]) > likeness(base_answer)
