"""Import the AisthOS engine without duplicating it.

In the add-on image the engine is copied next to this package (/opt/aisthos/engine).
In a checkout it lives in custom_components/aisthos/engine, which is put on
sys.path the way scripts/learn.py does. AISTHOS_ENGINE_PATH overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path
import sys

_HERE = Path(__file__).resolve()
_CANDIDATES = [
    os.environ.get("AISTHOS_ENGINE_PATH", ""),
    str(_HERE.parents[1]),  # image layout: /opt/aisthos/{aisthos_addon,engine}
    str(_HERE.parents[2] / "custom_components" / "aisthos"),  # repository checkout
]
for _candidate in _CANDIDATES:
    if _candidate and (Path(_candidate) / "engine" / "template.py").is_file():
        if _candidate not in sys.path:
            sys.path.insert(0, _candidate)
        break

from engine.anonymizer import room_type  # noqa: E402
from engine.catalog import TEMPLATES  # noqa: E402
from engine.ontology import (  # noqa: E402
    AREA_UNKNOWN,
    SUBJECT_SOMEONE,
    VOCABULARIES,
    Action,
    Cause,
    Expression,
    ObjectType,
)
from engine.spark import Spark, make_spark  # noqa: E402
from engine.template import SparkValueError  # noqa: E402

__all__ = [
    "AREA_UNKNOWN",
    "SUBJECT_SOMEONE",
    "TEMPLATES",
    "VOCABULARIES",
    "Action",
    "Cause",
    "Expression",
    "ObjectType",
    "Spark",
    "SparkValueError",
    "make_spark",
    "room_type",
]
