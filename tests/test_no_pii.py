"""No personal data ever reaches a stored Spark (engine level, real SQLite)."""

from __future__ import annotations

from pathlib import Path

from custom_components.aisthos.engine.anonymizer import Anonymizer
from custom_components.aisthos.engine.ontology import VOCABULARIES
from custom_components.aisthos.engine.perception import Perception
from custom_components.aisthos.engine.pipeline import SparkPipeline
from custom_components.aisthos.engine.significance import SignificanceFilter
from custom_components.aisthos.engine.spark_store import SparkStore
from custom_components.aisthos.engine.state_change import EntityInfo, StateChange

from .pii_corpus import cases, needles

T0 = 1_760_000_000.0


def stored_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name))


def test_the_corpus_is_large_enough() -> None:
    assert len(cases()) >= 100


def test_no_pii_in_stored_sparks(tmp_path: Path) -> None:
    anonymizer = Anonymizer(b"this-home-secret-0123456789abcdef")
    pipeline = SparkPipeline(Perception(anonymizer), SignificanceFilter())
    store = SparkStore(tmp_path / "aisthos.db")
    store.open()
    corpus = cases()
    for i, case in enumerate(corpus):
        info = EntityInfo.from_entity_id(
            case.entity_id, case.device_class, case.area_name or None, case.area_name or None
        )
        # Far apart in time so that neither debounce nor rate limits hide a case.
        pipeline.offer(StateChange(case.entity_id, case.old, case.new, T0 + i * 600), info)
        store.add(pipeline.collect(T0 + i * 600 + 5))
    store.add(pipeline.flush())
    store.set_meta("anonymizer", anonymizer.state())
    sparks = store.recent(1000)
    store.close()

    assert len(sparks) >= 60, "the corpus must really exercise the pipeline"
    for spark in sparks:
        assert spark.area in VOCABULARIES["area"]
        assert spark.subject in VOCABULARIES["subject"]
        assert spark.action in VOCABULARIES["action"]
        assert spark.object in VOCABULARIES["object"]
        assert spark.ref.isalnum()
        assert len(spark.ref) == 12
    raw = stored_bytes(tmp_path / "aisthos.db").lower()
    for case in corpus:
        for needle in needles(case):
            assert needle.encode().lower() not in raw, f"{needle!r} leaked from {case.entity_id}"
        assert case.entity_id.encode() not in raw
