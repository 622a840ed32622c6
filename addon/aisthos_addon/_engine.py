"""Import the AisthOS engine modules the add-on uses.

They sit next to this package, in the image (/opt/aisthos/engine) as in the
add-on folder (addon/engine, the copy scripts/sync-addon makes of the
integration's engine). AISTHOS_ENGINE_PATH names another folder holding an
engine/ package.
"""

from __future__ import annotations

import os
from pathlib import Path
import sys

_HERE = Path(__file__).resolve()
_CANDIDATES = [
    os.environ.get("AISTHOS_ENGINE_PATH", ""),
    str(_HERE.parents[1]),  # {aisthos_addon,engine} side by side
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
