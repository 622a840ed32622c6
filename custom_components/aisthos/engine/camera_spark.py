"""Sparks from the add-on's cameras are untrusted input: checked like any other.

Only the kinds a camera may report (presence as motion, gestures, facial
expressions) pass, and every value must fit its Template. There is no field
for text or an image, so none can arrive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .catalog import TEMPLATES
from .spark import CORE_FIELDS, Spark, make_spark
from .template import SparkValueError

CAMERA_TEMPLATES: Final = {"motion": "motion", "gesture": "gesture", "expression": "expression"}
MAX_SKEW_S: Final = 3600.0


class CameraSparkError(ValueError):
    """A camera Spark was refused."""


def check_camera_spark(data: Any, ref: str, area: str, now: float) -> Spark:
    """Return a validated Spark for this home's camera, or raise CameraSparkError."""
    if not isinstance(data, Mapping):
        raise CameraSparkError("a Spark must be an object")
    kind = data.get("kind")
    template_name = CAMERA_TEMPLATES.get(kind) if isinstance(kind, str) else None
    if template_name is None:
        raise CameraSparkError(f"a camera cannot report {str(kind)[:30]!r}")
    template = TEMPLATES[template_name]
    wanted = {field.name for field in template.fields}
    extra = data.get("extra") or {}
    if not isinstance(extra, Mapping):
        raise CameraSparkError("extra must be an object")
    values: dict[str, object] = {}
    for name in wanted:
        if name == "area":
            values[name] = area  # this home knows where its camera is
        elif name == "act":
            values[name] = 0.0  # whatever it says: no HA context, an act of its own
        elif name in CORE_FIELDS or name == "time":
            values[name] = data.get(name)
        else:
            values[name] = extra.get(name)
    unknown = (set(data) - {"ref", "extra", "kind"} - set(CORE_FIELDS) - {"time"}) | (
        set(extra) - wanted
    )
    if unknown:
        raise CameraSparkError(f"unexpected fields {sorted(map(str, unknown))[:5]}")
    time_value = values.get("time")
    if not isinstance(time_value, (int, float)) or abs(float(time_value) - now) > MAX_SKEW_S:
        raise CameraSparkError("the Spark's time is not now")
    try:
        return make_spark(template, ref, values)
    except SparkValueError as err:
        raise CameraSparkError(str(err)) from None
