# Copied from custom_components/aisthos/engine by scripts/sync-addon: do not edit.
"""Sparks: small, structured, anonymized records of significant moments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Final

from .ontology import AREA_UNKNOWN, SUBJECT_SOMEONE, Action, Band, Cause, humanize
from .template import FieldValue, SparkValueError, Template

# Standard fields every state-based Spark carries besides time and kind.
CORE_FIELDS: Final = ("area", "subject", "action", "object", "band", "cause")


@dataclass(frozen=True, slots=True)
class Spark:
    """One significant moment. Every value comes from the ontology."""

    time: float  # epoch seconds, UTC
    kind: str
    area: str
    subject: str
    action: str
    object: str
    band: str
    cause: str
    # Opaque, home-local reference to the entity (keyed hash): lets this home
    # act on what it learned without a name or entity id in the Spark.
    ref: str = ""
    # Template fields beyond the core ones (e.g. a gesture's angle).
    extra: tuple[tuple[str, FieldValue], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        data: dict[str, Any] = {
            "time": self.time,
            "kind": self.kind,
            "area": self.area,
            "subject": self.subject,
            "action": self.action,
            "object": self.object,
            "band": self.band,
            "cause": self.cause,
            "ref": self.ref,
        }
        if self.extra:
            data["extra"] = dict(self.extra)
        return data

    def render(self, tz: tzinfo | None = None) -> str:
        """Return one human-readable line, e.g. 'Someone arrived home · Hallway · 19:02'."""
        parts = [self.describe()]
        if self.area != AREA_UNKNOWN:
            parts.append(humanize(self.area))
        parts.append(datetime.fromtimestamp(self.time, tz).strftime("%H:%M"))
        line = " · ".join(parts)
        if self.cause == Cause.AUTOMATION:
            line += " (by an automation)"
        return line

    def describe(self) -> str:
        """Return what happened, without place and time."""
        subject = _subject_words(self.subject)
        obj = humanize(self.object)
        extra = dict(self.extra)
        match self.action:
            case Action.ARRIVED:
                text = f"{subject} arrived home"
            case Action.LEFT:
                text = f"{subject} left home"
            case Action.DETECTED | Action.CLEARED:
                text = f"{obj} {'detected' if self.action == Action.DETECTED else 'cleared'}"
            case Action.RAISED_HAND:
                angle = extra.get("angle")
                text = f"{subject} raised a hand" + (
                    f" to {angle:.0f}°" if isinstance(angle, float) else ""
                )
            case Action.WAVED:
                text = f"{subject} waved"
            case Action.SHOWED:
                text = f"{subject} showed {extra.get('expression', 'an expression')}"
            case _:
                text = f"{obj} {humanize(self.action).lower()}"
        if self.band not in (Band.NONE, ""):
            text += f", {self.band}"
        return text

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Spark:
        """Rebuild a Spark from as_dict() output."""
        extra = data.get("extra") or {}
        if not isinstance(extra, Mapping):
            raise TypeError("a Spark's extra fields must be a mapping")
        return cls(
            time=float(data["time"]),
            kind=str(data["kind"]),
            area=str(data["area"]),
            subject=str(data["subject"]),
            action=str(data["action"]),
            object=str(data["object"]),
            band=str(data["band"]),
            cause=str(data["cause"]),
            ref=str(data.get("ref", "")),
            extra=tuple(sorted(extra.items())),
        )


def _subject_words(subject: str) -> str:
    if subject.startswith("resident_"):
        return f"Resident {subject.removeprefix('resident_').upper()}"
    return "Someone" if subject == SUBJECT_SOMEONE else humanize(subject)


def make_spark(template: Template, ref: str, values: Mapping[str, object]) -> Spark:
    """Validate values against a Template and build the Spark.

    Core fields a Template leaves out take neutral defaults, so camera
    templates need not carry a 'band' they have no use for.
    """
    checked = template.check(values)
    extra = tuple(
        (name, value)
        for name, value in checked.items()
        if name != "time" and name not in CORE_FIELDS
    )
    if not isinstance(ref, str) or len(ref) > 16 or (not ref.isalnum() and ref):
        raise SparkValueError("a Spark ref is a short alphanumeric token")
    get = checked.get
    return Spark(
        time=float(checked["time"]),
        kind=template.kind.value,
        area=str(get("area") or AREA_UNKNOWN),
        subject=str(get("subject") or SUBJECT_SOMEONE),
        action=str(get("action")),
        object=str(get("object") or "camera"),
        band=str(get("band") or Band.NONE),
        cause=str(get("cause") or Cause.PERSON),
        ref=ref,
        extra=extra,
    )
