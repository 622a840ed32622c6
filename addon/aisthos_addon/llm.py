"""The local LLM (llama.cpp): skill names, descriptions and answers, as untrusted output.

The model is asked for JSON constrained by a schema (llama.cpp turns the schema
into a grammar), and what comes back is then checked like any other untrusted
input: valid JSON, exactly the schema's fields, length caps, no Jinja template
markers, no control characters, no newline in a name. Anything else is thrown
away and the template wording stays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import json
import logging
import threading
from typing import Any, Final
import unicodedata

_LOGGER = logging.getLogger(__name__)

NAME_MAX: Final = 60
DESCRIPTION_MAX: Final = 240
ANSWER_MAX: Final = 600
TEMPLATE_MARKERS: Final = ("{{", "}}", "{%", "%}", "{#", "#}")

SKILL_TEXT_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 3, "maxLength": NAME_MAX},
        "description": {"type": "string", "minLength": 3, "maxLength": DESCRIPTION_MAX},
    },
    "required": ["name", "description"],
    "additionalProperties": False,
}
ANSWER_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {"answer": {"type": "string", "minLength": 1, "maxLength": ANSWER_MAX}},
    "required": ["answer"],
    "additionalProperties": False,
}

type Message = dict[str, str]
# messages, JSON schema, max tokens -> the raw text the model produced
type Generator = Callable[[Sequence[Message], Mapping[str, Any], int], str]


class UntrustedOutputError(ValueError):
    """Model output that failed validation."""


def clean_text(value: object, max_len: int, *, single_line: bool) -> str:
    """Return value stripped if it is acceptable text, else raise UntrustedOutputError."""
    if not isinstance(value, str):
        raise UntrustedOutputError("not a string")
    text = value.strip()
    if not 1 <= len(text) <= max_len:
        raise UntrustedOutputError("empty or too long")
    if any(marker in text for marker in TEMPLATE_MARKERS):
        raise UntrustedOutputError("template marker")
    for char in text:
        if char in "\r\n\u2028\u2029":
            if single_line:
                raise UntrustedOutputError("newline in a single-line field")
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs"):
            raise UntrustedOutputError("control or format character")
    return text


def parse_object(raw: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """Parse raw model output as a JSON object with exactly the schema's string fields."""
    data = _load_object(raw)
    properties: Mapping[str, Mapping[str, Any]] = schema["properties"]
    if set(data) != set(schema["required"]) or not set(data) <= set(properties):
        raise UntrustedOutputError("fields differ from the schema")
    for key, spec in properties.items():
        value = data.get(key)
        if not isinstance(value, str):
            raise UntrustedOutputError(f"'{key}' is not a string")
        if not spec.get("minLength", 0) <= len(value.strip()) <= spec["maxLength"]:
            raise UntrustedOutputError(f"'{key}' length out of bounds")
    return data


@dataclass(frozen=True, slots=True)
class SkillText:
    """A skill's name and description, and where they came from."""

    name: str
    description: str
    source: str  # "llm" or "template"


class LlamaGenerator:
    """llama-cpp-python with JSON-schema constrained output (one call at a time)."""

    def __init__(self, model_path: str, n_ctx: int = 2048, threads: int = 2, seed: int = 0) -> None:
        """Load a GGUF model file."""
        from llama_cpp import Llama  # noqa: PLC0415 - optional, heavy

        self._llm = Llama(
            model_path=model_path, n_ctx=n_ctx, n_threads=threads, seed=seed, verbose=False
        )
        self._lock = threading.Lock()

    def __call__(
        self, messages: Sequence[Message], schema: Mapping[str, Any], max_tokens: int
    ) -> str:
        """Generate a JSON object matching schema."""
        with self._lock:
            result: Any = self._llm.create_chat_completion(
                messages=[dict(m) for m in messages],  # type: ignore[misc]
                response_format={"type": "json_object", "schema": dict(schema)},
                max_tokens=max_tokens,
                temperature=0.2,
            )
        content = result["choices"][0]["message"]["content"]
        return content if isinstance(content, str) else ""


def llama_available() -> bool:
    """Return True if llama-cpp-python can be imported."""
    try:
        import llama_cpp  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def load_generator(model_path: str) -> Generator | None:
    """Return a generator for the model file, or None (template wording stays)."""
    if not model_path:
        return None
    if not llama_available():
        _LOGGER.warning("llama-cpp-python is not installed: skill names stay as learned")
        return None
    try:
        return LlamaGenerator(model_path)
    except (OSError, ValueError, RuntimeError) as err:
        _LOGGER.warning("Cannot load the LLM model: %s", type(err).__name__)
        return None


_SYSTEM = (
    "You name home automation routines for the people who live there. Reply with JSON "
    "only. The name is short (at most 60 characters, one line); the description is one "
    "or two plain sentences. Never include code, markup or template syntax."
)


def _template_text(definition: Mapping[str, Any]) -> SkillText:
    name = str(definition.get("name", ""))[:NAME_MAX] or "Learned routine"
    actions = definition.get("actions") or []
    action_text = ", ".join(str(a) for a in actions) if isinstance(actions, list) else ""
    description = f"When {definition.get('trigger', 'it is time')}: {action_text}".strip()
    return SkillText(name, description[:DESCRIPTION_MAX], "template")


class SkillTextWriter:
    """Writes skill names and descriptions and answers, with the template as fallback."""

    def __init__(self, generator: Generator | None) -> None:
        """Use generator, or None for template wording only."""
        self.generator = generator
        self.rejected = 0
        self.max_tokens = 200

    @property
    def available(self) -> bool:
        """Return True when a model is loaded."""
        return self.generator is not None

    def skill_text(self, definition: Mapping[str, Any]) -> SkillText:
        """Return a validated name and description for a skill definition."""
        fallback = _template_text(definition)
        if self.generator is None:
            return fallback
        facts = json.dumps(
            {k: definition.get(k) for k in ("name", "trigger", "actions")}, ensure_ascii=False
        )[:2000]
        messages = [
            {"role": "system", "content": _SYSTEM},
            {"role": "user", "content": f"Routine: {facts}\nWrite its name and description."},
        ]
        try:
            data = parse_object(
                self.generator(messages, SKILL_TEXT_SCHEMA, self.max_tokens), SKILL_TEXT_SCHEMA
            )
            name = clean_text(data["name"], NAME_MAX, single_line=True)
            description = clean_text(data["description"], DESCRIPTION_MAX, single_line=False)
        except UntrustedOutputError as err:
            self.rejected += 1
            _LOGGER.info("LLM skill text rejected (%s): the template wording stays", err)
            return fallback
        return SkillText(name, " ".join(description.split()), "llm")

    def answer(self, question: str, context: str = "") -> str | None:
        """Return a validated answer, or None without a model or on bad output."""
        reply = self.reply(question, context)
        return reply if isinstance(reply, str) else None

    def reply(
        self, question: str, context: str = "", tools: Sequence[Mapping[str, Any]] = ()
    ) -> str | ToolCall | None:
        """Return an answer, or (with tools offered) the tool the model wants first.

        The tools are the caller's (Home Assistant's AisthOS LLM tools): a
        name, a description and a JSON schema of the arguments. The model
        picks one by name or answers; a name it was not offered is refused.
        """
        if self.generator is None:
            return None
        question = clean_text(question, 500, single_line=False)
        offered = {str(t.get("name")): t for t in tools if isinstance(t.get("name"), str)}
        system = "Answer briefly as a calm home companion. JSON only."
        if offered:
            listing = "; ".join(
                f"{name}: {str(t.get('description', ''))[:200]}" for name, t in offered.items()
            )
            system += f" To look something up first, name one tool instead of answering: {listing}"
        messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": f"{context[:2000]}\nQuestion: {question}".strip()},
        ]
        try:
            if not offered:
                raw = self.generator(messages, ANSWER_SCHEMA, self.max_tokens + 100)
                data = parse_object(raw, ANSWER_SCHEMA)
                return clean_text(data["answer"], ANSWER_MAX, single_line=False)
            schema = _answer_or_tool_schema(list(offered))
            data = _parse_reply(self.generator(messages, schema, self.max_tokens + 100))
            if (tool := data.get("tool")) is not None:
                return _tool_call(tool, data, offered)
            return clean_text(data.get("answer"), ANSWER_MAX, single_line=False)
        except UntrustedOutputError as err:
            self.rejected += 1
            _LOGGER.info("LLM answer rejected (%s)", err)
            return None


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool the model asked for, with its arguments (checked by the tool's owner)."""

    name: str
    arguments: dict[str, Any]


def _load_object(raw: object) -> dict[str, Any]:
    """Return raw model output as a JSON object, or raise UntrustedOutputError."""
    if not isinstance(raw, str) or len(raw) > 8192:
        raise UntrustedOutputError("no output or far too long")
    try:
        data = json.loads(raw)
    except ValueError:
        raise UntrustedOutputError("not JSON") from None
    if not isinstance(data, dict):
        raise UntrustedOutputError("not a JSON object")
    return data


def _parse_reply(raw: object) -> dict[str, Any]:
    """Parse an answer ({"answer"}) or a tool call ({"tool", "arguments"}), nothing else."""
    data = _load_object(raw)
    if set(data) not in ({"answer"}, {"tool"}, {"tool", "arguments"}):
        raise UntrustedOutputError("neither an answer nor a tool call")
    return data


def _tool_call(tool: object, data: Mapping[str, Any], offered: Mapping[str, Any]) -> ToolCall:
    """Return the model's tool call, if it named a tool offered with small arguments."""
    if not isinstance(tool, str) or tool not in offered or data.get("answer"):
        raise UntrustedOutputError("not one of the tools offered")
    arguments = data.get("arguments") or {}
    if not isinstance(arguments, dict) or len(json.dumps(arguments)) > 2000:
        raise UntrustedOutputError("tool arguments are not a small object")
    return ToolCall(tool, arguments)


def _answer_or_tool_schema(names: list[str]) -> dict[str, Any]:
    """Return the JSON schema of an answer, or of a call of one of these tools."""
    return {
        "type": "object",
        "properties": {
            "answer": {"type": "string", "minLength": 1, "maxLength": ANSWER_MAX},
            "tool": {"enum": names},
            "arguments": {"type": "object"},
        },
        "additionalProperties": False,
    }
