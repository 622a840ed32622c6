"""The local LLM's output is untrusted: schema-constrained, then validated; template fallback."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import json
from pathlib import Path
from typing import Any

from aisthos_addon.llm import (
    ANSWER_MAX,
    NAME_MAX,
    SKILL_TEXT_SCHEMA,
    LlamaGenerator,
    Message,
    SkillTextWriter,
    clean_text,
    llama_available,
    load_generator,
)
import pytest

DEFINITION = {
    "name": "Hallway light at 19:00",
    "trigger": "Motion detected AND time 18:30-19:30",
    "actions": ["Hallway light on"],
    "confidence": 0.8,
}


def fixed(raw: str) -> Any:
    def generate(messages: Sequence[Message], schema: Mapping[str, Any], max_tokens: int) -> str:
        assert schema["additionalProperties"] is False
        assert "Hallway" in messages[-1]["content"] or "Question" in messages[-1]["content"]
        return raw

    return generate


def test_without_a_model_the_template_names_stay() -> None:
    writer = SkillTextWriter(load_generator(""))
    text = writer.skill_text(DEFINITION)
    assert text.source == "template"
    assert text.name == "Hallway light at 19:00"
    assert "Motion detected" in text.description
    assert writer.answer("Anything new?") is None


def test_a_good_answer_is_used() -> None:
    raw = json.dumps({"name": "Evening hallway light", "description": "Lights the hall."})
    text = SkillTextWriter(fixed(raw)).skill_text(DEFINITION)
    assert (text.name, text.description, text.source) == (
        "Evening hallway light",
        "Lights the hall.",
        "llm",
    )
    assert SkillTextWriter(fixed('{"answer": "All quiet."}')).answer("Question?") == "All quiet."


HOSTILE = [
    "not json at all",
    "",
    "[]",
    '"just a string"',
    json.dumps({"name": "Hall {{ states('lock.front') }}", "description": "ok ok"}),
    json.dumps({"name": "Hall {% if %}", "description": "ok ok"}),
    json.dumps({"name": "Hall", "description": "{# hidden #} text"}),
    json.dumps({"name": "Hall\nlight", "description": "two lines in a name"}),
    json.dumps({"name": "Hall\u2028light", "description": "line separator"}),
    json.dumps({"name": "Hall\u200blight", "description": "zero-width space"}),
    json.dumps({"name": "Hall\x00light", "description": "NUL"}),
    json.dumps({"name": "x" * (NAME_MAX + 1), "description": "too long a name"}),
    json.dumps({"name": "Hall", "description": "y" * 241}),
    json.dumps({"name": "Hall light", "description": "ok ok", "service": "lock.unlock"}),
    json.dumps({"name": "Hall light"}),
    json.dumps({"name": 42, "description": "number"}),
    json.dumps({"name": ["Hall"], "description": "list"}),
    json.dumps({"name": "  ", "description": "blank name"}),
    "{" * 10_000,
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_output_falls_back_to_the_template(raw: str) -> None:
    writer = SkillTextWriter(fixed(raw))
    text = writer.skill_text(DEFINITION)
    assert text.source == "template"
    assert text.name == DEFINITION["name"]
    assert writer.rejected == 1


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({"answer": "a" * (ANSWER_MAX + 1)}),
        json.dumps({"answer": "{{ secret }}"}),
        json.dumps({"answer": "ok", "extra": 1}),
        json.dumps({"answer": "\x1b[31mred"}),
    ],
)
def test_hostile_answers_are_dropped(raw: str) -> None:
    assert SkillTextWriter(fixed(raw)).answer("Question?") is None


def test_clean_text_rules() -> None:
    assert clean_text("  Morning lights  ", 60, single_line=True) == "Morning lights"
    assert clean_text("Two\nlines", 60, single_line=False) == "Two\nlines"


# --- the real llama.cpp path, on a tiny GGUF the test writes -------------------------


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .gguf_models import write_tiny_llama

    return write_tiny_llama(tmp_path_factory.mktemp("gguf") / "tiny.gguf")


needs_llama = pytest.mark.skipif(
    not llama_available(), reason="llama-cpp-python is not installed (addon/requirements_test.txt)"
)


@needs_llama
def test_tiny_gguf_loads_and_generates_schema_constrained_json(tiny_gguf: Path) -> None:
    generator = load_generator(str(tiny_gguf))
    assert isinstance(generator, LlamaGenerator)
    prompt = "Name it.\nKüche, 19:00 °C"  # newline and non-ASCII: byte fallback
    raw = generator([{"role": "user", "content": prompt}], SKILL_TEXT_SCHEMA, 1500)
    # Random weights, but the grammar shapes the output: a JSON object with our keys
    # (strict=False: byte tokens may have put raw control characters in the strings).
    data = json.loads(raw, strict=False)
    assert set(data) == {"name", "description"}
    assert all(isinstance(value, str) for value in data.values())


@needs_llama
def test_tiny_gguf_output_is_validated_like_any_input(tiny_gguf: Path) -> None:
    generator = load_generator(str(tiny_gguf))
    assert generator is not None
    seen: list[str] = []

    def recording(messages: Sequence[Message], schema: Mapping[str, Any], max_tokens: int) -> str:
        seen.append(generator(messages, schema, max_tokens))
        return seen[-1]

    writer = SkillTextWriter(recording)
    writer.max_tokens = 1500
    text = writer.skill_text(DEFINITION)
    assert seen
    assert seen[0].startswith("{")
    if text.source == "llm":  # random bytes rarely pass; when they do, they are clean
        assert clean_text(text.name, NAME_MAX, single_line=True) == text.name
    else:
        assert text.name == DEFINITION["name"]
        assert writer.rejected == 1
