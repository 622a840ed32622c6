"""Import the AisthOS engine modules the add-on uses.

They are the package aisthos_engine next to this one, in the image
(/opt/aisthos/aisthos_engine) as in the add-on folder: the copy that
scripts/sync-addon makes of the integration's engine (a test keeps the two
the same). Its own name keeps it apart from the integration's `engine` in a
process that loads both (the tests, the benchmarks). AISTHOS_ENGINE_PATH may
name another folder holding an aisthos_engine package.
"""

from __future__ import annotations

import os
import sys

if (_override := os.environ.get("AISTHOS_ENGINE_PATH")) and _override not in sys.path:
    sys.path.insert(0, _override)

from aisthos_engine.anonymizer import room_type
from aisthos_engine.catalog import TEMPLATES
from aisthos_engine.ontology import (
    AREA_UNKNOWN,
    SUBJECT_SOMEONE,
    VOCABULARIES,
    Action,
    Cause,
    Expression,
    ObjectType,
)
from aisthos_engine.privacy import mask_personal
from aisthos_engine.spark import Spark, make_spark
from aisthos_engine.template import SparkValueError

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
    "mask_personal",
    "room_type",
]
