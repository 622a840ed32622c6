"""User Wisdom: one portable, versioned JSON document of everything learned.

It holds the growth stage, skills with their evidence and the household's
decisions, rejected proposals, explicit teachings, learned preferences and
summary statistics — never raw Sparks. Entities are described by domain,
area, device class and name, so another home can find its own counterparts.
Reading a document is strict: anything that does not match the published
schema and the rules behind it is rejected with a clear message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
import json
import math
from pathlib import Path
import re
from typing import Any, Final

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .anonymizer import room_type
from .growth import Growth
from .ontology import VOCABULARIES
from .skill import MAX_NAME, Skill
from .skill_book import Decision, SkillBook, Status
from .style_bandit import DIMENSIONS, StyleBandit

FORMAT: Final = "aisthos.user_wisdom"
VERSION: Final = "1.0"
MAX_BYTES: Final = 5_000_000
SCHEMA_PATH: Final = Path(__file__).with_name("user_wisdom.schema.json")
# Whole numbers beyond this are not read exactly by every JSON reader (nor
# stored by Home Assistant's): refused like infinities.
MAX_INTEGER: Final = 2**53
_SCHEMA: Final = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
_VALIDATOR = Draft202012Validator(_SCHEMA)
# What a wisdom file can hold is what the household may grow, or its wisdom
# could no longer be exported nor imported.
MAX_TEACHINGS: Final[int] = _SCHEMA["properties"]["teachings"]["maxItems"]
MAX_SKILLS: Final[int] = _SCHEMA["properties"]["skills"]["maxItems"]
MAX_REJECTED: Final[int] = _SCHEMA["properties"]["rejected"]["maxItems"]


class WisdomError(ValueError):
    """A User Wisdom document cannot be used; nothing was changed."""


@dataclass(frozen=True, slots=True)
class EntityDescription:
    """What identifies an entity across homes."""

    entity_id: str
    domain: str
    device_class: str | None = None
    area: str | None = None
    name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "entity_id": self.entity_id,
            "domain": self.domain,
            "device_class": self.device_class,
            "area": self.area,
            "name": self.name,
        }


@dataclass(slots=True)
class Wisdom:
    """Everything learned, in memory."""

    growth: Growth
    book: SkillBook
    entities: dict[str, EntityDescription] = field(default_factory=dict)
    dormant: list[tuple[Skill, Decision]] = field(default_factory=list)
    teachings: list[dict[str, Any]] = field(default_factory=list)
    preferences: dict[str, Any] = field(default_factory=dict)
    communication_style: dict[str, str] = field(default_factory=dict)
    observations: dict[str, Any] = field(default_factory=dict)
    time_zone: str = "UTC"
    created: str = ""

    def refs(self) -> set[str]:
        """Return every entity reference the skills and teachings use."""
        used: set[str] = set()
        skills = list(self.book.skills.values()) + [s for s, _ in self.dormant]
        for skill in skills:
            used.update(s.ref for s in skill.trigger.events)
            used.update(a.target.ref for a in skill.actions)
        for teaching in self.teachings:
            used.update(str(a["ref"]) for a in teaching.get("actions", []))
        return used


# ---- writing -------------------------------------------------------------------


def _evidence_out(evidence: Mapping[str, int]) -> dict[str, str]:
    if not evidence:
        return {"from": date.today().isoformat(), "days": ""}
    days = sorted(evidence)
    first = date.fromisoformat(days[0])
    span = (date.fromisoformat(days[-1]) - first).days + 1
    marks = ["."] * span
    for day, hit in evidence.items():
        marks[(date.fromisoformat(day) - first).days] = "1" if hit else "0"
    return {"from": first.isoformat(), "days": "".join(marks)}


def _evidence_in(data: Mapping[str, str]) -> dict[str, int]:
    first = date.fromisoformat(data["from"])
    return {
        (first + timedelta(days=i)).isoformat(): int(mark == "1")
        for i, mark in enumerate(data["days"])
        if mark != "."
    }


def _skill_out(skill: Skill, decision: Decision | None) -> dict[str, Any]:
    data = skill.as_dict()
    data.pop("eligible_days", None)
    # A name is what the file can hold (skills made before names were capped).
    data["name"] = data["name"][:MAX_NAME]
    data["evidence"] = _evidence_out(skill.evidence)
    if decision is not None:
        data["decision"] = decision.as_dict()
    return data


def to_document(wisdom: Wisdom) -> dict[str, Any]:
    """Return the JSON document (valid against the published schema)."""
    book = wisdom.book
    used = wisdom.refs()
    rejected = [
        {"id": sid, "decision": d.as_dict()}
        for sid, d in book.decisions.items()
        if d.status is Status.REJECTED and sid not in book.skills
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "created": wisdom.created,
        "home": {"time_zone": wisdom.time_zone},
        "growth": wisdom.growth.as_dict(),
        "entities": {
            ref: desc.as_dict() for ref, desc in sorted(wisdom.entities.items()) if ref in used
        },
        "skills": [_skill_out(s, book.decisions.get(s.id)) for s in book.skills.values()],
        "dormant": [_skill_out(s, d) for s, d in wisdom.dormant],
        "rejected": rejected,
        "teachings": list(wisdom.teachings),
        "preferences": dict(wisdom.preferences),
        "communication_style": dict(wisdom.communication_style),
        "observations": dict(wisdom.observations),
    }


def dumps(document: Mapping[str, Any]) -> str:
    """Serialise compactly (the file stays small) but one entry per line is not needed."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


# ---- reading -------------------------------------------------------------------


def _reject_constant(name: str) -> float:
    raise WisdomError(f"the file contains {name}, which is not valid JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise WisdomError("the file repeats a key in one object")
    return dict(pairs)


def _parse_int(text: str) -> int | float:
    # Longer digit strings are out of range anyway; infinity makes _check_values say so.
    return int(text) if len(text) <= 20 else math.inf


def _check_values(value: Any, where: str = "", depth: int = 0) -> None:
    """Plain JSON data only: one-line strings, finite numbers, bounded whole numbers."""
    if depth > 20:
        raise WisdomError("the file is nested too deeply")
    name = where[:120] or "the document"
    if isinstance(value, str):
        if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in value):
            raise WisdomError(f"{name}: control characters in a text")
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            raise WisdomError(f"{name}: number out of range")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise WisdomError(f"{name}: number out of range")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise WisdomError(f"{name}: a key is not a text")
            _check_values(key, name, depth + 1)
            _check_values(item, (f"{where}.{key}" if where else key)[:200], depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, f"{where}.{index}" if where else str(index), depth + 1)
    else:
        raise WisdomError(f"{name}: {type(value).__name__} is not JSON data")


def _check_style(value: Any, where: str) -> None:
    """Check a communication style: each key a dimension, each value one of its options."""
    if not isinstance(value, Mapping):
        raise WisdomError(f"{where}: expected an object")
    for dimension, option in value.items():
        if dimension not in DIMENSIONS:
            raise WisdomError(f"{where}: unknown dimension {str(dimension)[:40]!r}")
        if option not in DIMENSIONS[dimension]:
            raise WisdomError(
                f"{where}.{dimension}: {str(option)[:40]!r} is not one of "
                f"{', '.join(DIMENSIONS[dimension])}"
            )


def check_preference(key: str, value: Any) -> None:
    """Raise WisdomError (naming the path) unless a learned preference can be used.

    Known preferences must be what AisthOS itself writes: the style bandit's
    state must load, a communication style must use known options.
    """
    where = f"preferences.{key[:40]}"
    if value is not None and not isinstance(value, dict):
        raise WisdomError(f"{where}: expected an object")
    _check_values(value, where, 1)
    if key == "style_bandit":
        try:
            StyleBandit.from_dict(value)
        except (TypeError, ValueError) as err:
            raise WisdomError(f"{where}: {str(err)[:300]}") from None
    elif key == "communication_style":
        _check_style(value, where)


def usable_preferences(stored: Any) -> tuple[dict[str, Any], list[str]]:
    """Return the stored preferences that can be used, and why the others cannot."""
    if not isinstance(stored, Mapping):
        return {}, ["preferences: expected an object"]
    kept: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in stored.items():
        if not isinstance(key, str):
            problems.append("preferences: a key is not a text")
            continue
        try:
            check_preference(key, value)
        except WisdomError as err:
            problems.append(str(err))
        else:
            kept[key] = value
    return kept, problems


def load_document(raw: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """Parse and validate a document against the schema; raise WisdomError otherwise."""
    if isinstance(raw, (str, bytes)):
        if len(raw) > MAX_BYTES:
            raise WisdomError(f"the file is larger than {MAX_BYTES // 1_000_000} MB")
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            data = json.loads(
                text,
                parse_constant=_reject_constant,
                parse_int=_parse_int,
                object_pairs_hook=_no_duplicates,
            )
        except UnicodeDecodeError:
            raise WisdomError("the file is not UTF-8 text") from None
        except RecursionError:
            raise WisdomError("the file is nested too deeply") from None
        except json.JSONDecodeError as err:
            raise WisdomError(
                f"the file is not valid JSON (line {err.lineno}, column {err.colno}): {err.msg}; "
                "it may be truncated"
            ) from None
    else:
        data = dict(raw)
    if not isinstance(data, dict):
        raise WisdomError("the file does not hold a User Wisdom document")
    if data.get("format") != FORMAT:
        raise WisdomError("the file is not an AisthOS User Wisdom document")
    version = data.get("version")
    if (
        isinstance(version, str)
        and re.fullmatch(r"\d+\.\d+", version)
        and int(version.split(".")[0]) > int(VERSION.split(".")[0])
    ):
        raise WisdomError(
            f"the file has format version {version}, newer than this AisthOS understands "
            f"({VERSION}); update AisthOS first"
        )
    _check_values(data)
    try:
        _VALIDATOR.validate(data)
    except ValidationError as err:
        where = ".".join(str(p) for p in err.absolute_path) or "the document"
        raise WisdomError(f"{where}: {err.message[:200]}") from None
    except RecursionError:
        raise WisdomError("the file is nested too deeply") from None
    for key, value in data.get("preferences", {}).items():
        check_preference(key, value)
    _check_style(data.get("communication_style", {}), "communication_style")
    return data


def _check_tokens(skill: Skill) -> None:
    """Every word of a skill must come from the ontology."""
    sigs = [a.target for a in skill.actions] + list(skill.trigger.events)
    for sig in sigs:
        for vocabulary, token in (
            ("action", sig.action),
            ("kind", sig.kind),
            ("object", sig.object),
            ("area", sig.area),
        ):
            if token not in VOCABULARIES[vocabulary]:
                raise WisdomError(f"skill {skill.id} uses an unknown {vocabulary} {token!r}")


def _skill_in(data: Mapping[str, Any]) -> tuple[Skill, Decision | None]:
    raw = dict(data)
    raw["evidence"] = _evidence_in(data["evidence"])
    decision = raw.pop("decision", None)
    skill = Skill.from_dict(raw)
    # Confidence is recomputed from evidence on the next night; keep the file's for now.
    return skill, Decision.from_dict(decision) if decision is not None else None


def from_document(data: Mapping[str, Any]) -> Wisdom:
    """Build Wisdom from a validated document; raise WisdomError on broken rules."""
    try:
        growth = Growth.from_dict(data["growth"])
        book = SkillBook()
        for item in data["skills"]:
            skill, decision = _skill_in(item)
            if skill.id in book.skills:
                raise WisdomError(f"skill {skill.id} appears twice")
            book.skills[skill.id] = skill
            if decision is not None:
                book.decisions[skill.id] = decision
        dormant = [_skill_in(item) for item in data.get("dormant", [])]
        for item in data.get("rejected", []):
            decision = Decision.from_dict(item["decision"])
            if decision.status is not Status.REJECTED:
                raise WisdomError(f"rejected entry {item['id']} is not a rejection")
            book.decisions.setdefault(item["id"], decision)
        entities = {
            ref: EntityDescription(
                str(desc["entity_id"]),
                str(desc["domain"]),
                desc.get("device_class"),
                desc.get("area"),
                desc.get("name"),
            )
            for ref, desc in data["entities"].items()
        }
    except (KeyError, TypeError, ValueError) as err:
        if isinstance(err, WisdomError):
            raise
        raise WisdomError(f"the document breaks a rule: {err}") from None
    for skill in list(book.skills.values()) + [s for s, _ in dormant]:
        _check_tokens(skill)
    for ref_entity in entities.values():
        if ref_entity.entity_id.split(".", 1)[0] != ref_entity.domain:
            raise WisdomError(f"entity {ref_entity.entity_id} does not match its domain")
    wisdom = Wisdom(
        growth=growth,
        book=book,
        entities=entities,
        dormant=[(s, d or Decision()) for s, d in dormant],
        teachings=[dict(t) for t in data.get("teachings", [])],
        preferences=dict(data.get("preferences", {})),
        communication_style=dict(data.get("communication_style", {})),
        observations=dict(data.get("observations", {})),
        time_zone=str(data.get("home", {}).get("time_zone", "UTC")),
        created=str(data["created"]),
    )
    missing = wisdom.refs() - set(entities)
    if missing:
        raise WisdomError(f"the document refers to {len(missing)} entities it does not describe")
    return wisdom


# ---- remapping onto another home ------------------------------------------------------


def _words(text: str | None) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", (text or "").casefold()) if len(w) > 1}


def _score(wanted: EntityDescription, local: EntityDescription) -> float:
    if wanted.domain != local.domain:
        return -1.0
    if wanted.device_class and local.device_class and wanted.device_class != local.device_class:
        return -1.0
    score = 0.0
    if wanted.area and local.area:
        if wanted.area.casefold() == local.area.casefold():
            score += 2.0
        elif room_type(wanted.area) is room_type(local.area):
            score += 1.0
    a, b = _words(wanted.name), _words(local.name)
    if a and b:
        score += 2.0 * len(a & b) / len(a | b)
    return score


def match_entities(
    wanted: Mapping[str, EntityDescription], local: Iterable[EntityDescription]
) -> dict[str, str]:
    """Return file ref -> local entity id for every entity that has a clear match."""
    candidates = list(local)
    by_id = {c.entity_id: c for c in candidates}
    taken: set[str] = set()
    result: dict[str, str] = {}
    for ref, desc in wanted.items():
        same = by_id.get(desc.entity_id)
        if same is not None and same.domain == desc.domain:
            result[ref] = same.entity_id
            taken.add(same.entity_id)
    for ref, desc in wanted.items():
        if ref in result:
            continue
        scored = sorted(
            ((_score(desc, c), c.entity_id) for c in candidates if c.entity_id not in taken),
            reverse=True,
        )
        if not scored or scored[0][0] < 2.0:
            continue
        if len(scored) > 1 and scored[1][0] == scored[0][0]:
            continue  # ambiguous: let the household choose
        result[ref] = scored[0][1]
        taken.add(scored[0][1])
    return result


@dataclass(slots=True)
class Remapped:
    """A document brought onto this home's entities."""

    wisdom: Wisdom
    matched: dict[str, str]  # file ref -> local entity id
    unmatched: dict[str, EntityDescription]


def _rewrite(value: Any, refs: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: (refs.get(v, v) if k == "ref" else _rewrite(v, refs)) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, refs) for v in value]
    return value


def remap(
    wisdom: Wisdom,
    local: Iterable[EntityDescription],
    ref_of: Callable[[str], str],
    manual: Mapping[str, str] | None = None,
) -> Remapped:
    """Rewrite references to this home's entities; skills with missing ones go dormant.

    manual: file ref -> local entity id chosen by the household (wins over matching).
    """
    local_list = list(local)
    matched = match_entities(wisdom.entities, local_list)
    matched.update(manual or {})
    new_refs = {old: ref_of(entity_id) for old, entity_id in matched.items()}
    by_id = {d.entity_id: d for d in local_list}
    unmatched = {r: d for r, d in wisdom.entities.items() if r not in matched}

    def move(skill: Skill) -> Skill:
        data = _rewrite(skill.as_dict(), new_refs)
        trigger = data["trigger"]
        if "also" in trigger:
            # Two of the file's entities may be one entity here: it starts the skill once.
            seen = {trigger["ref"]}
            kept = []
            for other in trigger["also"]:
                if other["ref"] not in seen:
                    seen.add(other["ref"])
                    kept.append(other)
            trigger["also"] = kept
        return Skill.from_dict(data)

    book = SkillBook()
    dormant: list[tuple[Skill, Decision]] = []
    candidates = [(s, wisdom.book.decisions.get(s.id)) for s in wisdom.book.skills.values()]
    candidates += [(s, d) for s, d in wisdom.dormant]
    for skill, decision in candidates:
        refs = {a.target.ref for a in skill.actions} | {s.ref for s in skill.trigger.events}
        if refs <= set(new_refs):
            moved = move(skill)
            book.skills[moved.id] = moved
            if decision is not None:
                book.decisions[moved.id] = decision
        else:
            dormant.append((skill, decision or Decision()))
    for sid, decision in wisdom.book.decisions.items():
        if sid not in book.skills and all(sid != s.id for s, _ in dormant):
            book.decisions[sid] = decision
    entities = dict(unmatched)
    for old, entity_id in matched.items():
        desc = by_id.get(entity_id) or EntityDescription(entity_id, entity_id.split(".", 1)[0])
        entities[new_refs[old]] = desc
    teachings = [
        t for t in (_rewrite(t, new_refs) for t in wisdom.teachings)
        if all(a["ref"] in new_refs.values() for a in t["actions"])
    ]  # fmt: skip
    result = Wisdom(
        growth=wisdom.growth,
        book=book,
        entities=entities,
        dormant=dormant,
        teachings=teachings,
        preferences=wisdom.preferences,
        communication_style=wisdom.communication_style,
        observations=wisdom.observations,
        time_zone=wisdom.time_zone,
        created=wisdom.created,
    )
    return Remapped(result, matched, unmatched)
