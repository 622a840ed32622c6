# Copied from custom_components/aisthos/engine by scripts/sync-addon: do not edit.
"""Templates: the fixed, typed schema that says *what* a Spark may contain.

A Template is declarative data. It is checked when it is built, so a Template
that could carry free text, unbounded numbers or more than eight fields never
exists at all, and every Spark is checked against its Template when it is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field as dataclass_field
from enum import StrEnum
import math
import re
from typing import Any, Final, TypeIs

from .ontology import VOCABULARIES, Kind

MAX_FIELDS: Final = 8
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

type FieldValue = str | float | bool


class TemplateError(ValueError):
    """A Template definition breaks the schema rules."""


class SparkValueError(ValueError):
    """A value does not fit its Template."""


class FieldType(StrEnum):
    """The only field types a Template may use. There is deliberately no 'text'."""

    ENUM = "enum"
    NUMBER = "number"
    BOOL = "bool"
    TIME = "time"


@dataclass(frozen=True, slots=True)
class TemplateField:
    """One typed field of a Template."""

    name: str
    type: FieldType
    values: frozenset[str] = frozenset()
    minimum: float = 0.0
    maximum: float = 0.0

    def check(self, value: object) -> FieldValue:
        """Return the value if it fits this field, else raise SparkValueError."""
        if self.type is FieldType.ENUM:
            if isinstance(value, str) and value in self.values:
                return value
        elif self.type is FieldType.BOOL:
            if isinstance(value, bool):
                return value
        elif self.type is FieldType.TIME:
            # Epoch seconds; anything before 2000 or absurdly far ahead is a bug.
            if (
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and 946_684_800 <= value <= 32_503_680_000
            ):
                return float(value)
        elif (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and self.minimum <= value <= self.maximum
        ):
            return float(value)
        raise SparkValueError(f"field '{self.name}' ({self.type}) rejects {value!r}")


@dataclass(frozen=True, slots=True)
class Template:
    """A named schema of at most eight typed fields, bound to one Spark kind."""

    name: str
    kind: Kind
    fields: tuple[TemplateField, ...]
    # Derived from fields once: check() runs for every Spark, on HA's event loop.
    field_names: frozenset[str] = dataclass_field(init=False, repr=False, compare=False)
    _enums: tuple[frozenset[str] | None, ...] = dataclass_field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        """Derive the field names and the enum fields' values."""
        object.__setattr__(self, "field_names", frozenset(f.name for f in self.fields))
        object.__setattr__(
            self,
            "_enums",
            tuple(f.values if f.type is FieldType.ENUM else None for f in self.fields),
        )

    def field(self, name: str) -> TemplateField:
        """Return the field called name."""
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(name)

    def check(self, values: Mapping[str, object]) -> dict[str, FieldValue]:
        """Validate a full set of values for this Template."""
        if not self.field_names.issuperset(values):
            unknown = set(values) - self.field_names
            raise SparkValueError(f"template '{self.name}' has no field {sorted(unknown)}")
        checked: dict[str, FieldValue] = {}
        for field, enum in zip(self.fields, self._enums, strict=True):
            name = field.name
            value = values.get(name, _MISSING)
            if value is _MISSING:
                raise SparkValueError(f"template '{self.name}' needs field '{name}'")
            # The common case inline: a plain string of an enum's vocabulary.
            if enum is not None and type(value) is str and value in enum:
                checked[name] = value
            else:
                checked[name] = field.check(value)
        return checked


_MISSING: Final = object()


def _is_finite(value: object) -> TypeIs[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _parse_field(name: str, spec: Any) -> TemplateField:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise TemplateError(f"field name {name!r} must be a short lowercase identifier")
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, Mapping):
        raise TemplateError(f"field '{name}': spec must be a type name or a mapping")
    allowed_keys = {"type", "vocabulary", "values", "min", "max"}
    if extra := set(spec) - allowed_keys:
        raise TemplateError(f"field '{name}': unknown keys {sorted(extra)}")
    try:
        ftype = FieldType(str(spec.get("type")))
    except ValueError:
        raise TemplateError(
            f"field '{name}': type {spec.get('type')!r} is not one of "
            f"{[t.value for t in FieldType]} (free text is never allowed)"
        ) from None
    if ftype is FieldType.ENUM:
        vocab_name = spec.get("vocabulary", name)
        vocabulary = VOCABULARIES.get(vocab_name) if isinstance(vocab_name, str) else None
        if vocabulary is None:
            raise TemplateError(f"field '{name}': no ontology vocabulary {vocab_name!r}")
        subset = spec.get("values")
        if subset is None:
            return TemplateField(name, ftype, vocabulary)
        if isinstance(subset, str) or not all(isinstance(v, str) for v in subset):
            raise TemplateError(f"field '{name}': values must be a list of tokens")
        if not subset or (outside := set(subset) - vocabulary):
            raise TemplateError(
                f"field '{name}': values must be a non-empty subset of '{vocab_name}'"
                + (f", not {sorted(outside)}" if subset else "")
            )
        return TemplateField(name, ftype, frozenset(subset))
    if "vocabulary" in spec or "values" in spec:
        raise TemplateError(f"field '{name}': only enum fields take a vocabulary")
    if ftype is FieldType.NUMBER:
        low, high = spec.get("min"), spec.get("max")
        if not (_is_finite(low) and _is_finite(high)):
            raise TemplateError(f"field '{name}': numbers need finite 'min' and 'max'")
        if low >= high:
            raise TemplateError(f"field '{name}': 'min' must be below 'max'")
        return TemplateField(name, ftype, minimum=float(low), maximum=float(high))
    if "min" in spec or "max" in spec:
        raise TemplateError(f"field '{name}': only number fields take bounds")
    return TemplateField(name, ftype)


def template_from_spec(spec: Mapping[str, Any]) -> Template:
    """Build a Template from its declarative form, rejecting anything unsafe.

    Spec shape: {"name": str, "kind": Kind, "fields": {field_name: type | {...}}}
    """
    if not isinstance(spec, Mapping):
        raise TemplateError("a template spec must be a mapping")
    name, kind, fields = spec.get("name"), spec.get("kind"), spec.get("fields")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise TemplateError(f"template name {name!r} must be a short lowercase identifier")
    try:
        kind_enum = Kind(str(kind))
    except ValueError:
        raise TemplateError(f"template '{name}': unknown kind {kind!r}") from None
    if not isinstance(fields, Mapping) or not fields:
        raise TemplateError(f"template '{name}': needs a mapping of fields")
    if len(fields) > MAX_FIELDS:
        raise TemplateError(
            f"template '{name}' has {len(fields)} fields; at most {MAX_FIELDS} are allowed"
        )
    parsed = tuple(_parse_field(fname, fspec) for fname, fspec in fields.items())
    if "time" not in fields or fields["time"] not in ("time", {"type": "time"}):
        raise TemplateError(f"template '{name}': every Spark needs a 'time' field of type time")
    return Template(name, kind_enum, parsed)
