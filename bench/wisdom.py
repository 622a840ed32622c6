"""Benchmark: the User Wisdom file after a simulated year of daily learning.

A simulated home lives 365 days; the routine miner runs every night and
merges into the skills, the household approves and rejects proposals, and
the profile is exported. Prints the file size (target <= 200 KB) and the
export and import times, next to a baseline measured in the same run: plain
json.dumps / json.loads of the same document, without schema validation.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
import json
from pathlib import Path
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "custom_components" / "aisthos"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.growth import Growth, Stage
from engine.history_file import read_records
from engine.offline_learning import perceive
from engine.routine_miner import RoutineMiner
from engine.skill_book import SkillBook, Status
from engine.wisdom import (
    EntityDescription,
    Wisdom,
    dumps,
    from_document,
    load_document,
    to_document,
)

from tests.home_simulator import START, TZ, simulate

from ._harness import Report, Row

TARGET_BYTES = 200_000


def year_of_learning(days: int) -> Wisdom:
    """Live `days` simulated days, learning every night; return the wisdom."""
    home = perceive(read_records(simulate(days, seed=5)))
    miner = RoutineMiner()
    book = SkillBook()
    growth = Growth(born=START)
    for night in range(1, days + 1):
        today = START + timedelta(days=night)
        skills = miner.run(
            home.sparks, TZ, today, list(book.skills.values()), keep_ids=book.keep_ids()
        )
        book.update(skills)
        for skill in book.proposable(today):
            # The household approves most proposals and rejects some.
            status = Status.REJECTED if hash(skill.id) % 4 == 0 else Status.APPROVED
            book.set_status(skill.id, status, today)
        growth.advance(today, sparks=40 * night, approved=len(book.keep_ids()))
    entities = {
        ref: EntityDescription(
            entity_id, entity_id.split(".")[0], None, "Home", home.name_of_ref.get(ref)
        )
        for ref, entity_id in home.entity_of_ref.items()
    }
    wisdom = Wisdom(
        growth=growth,
        book=book,
        entities=entities,
        time_zone=str(TZ),
        created="2027-03-01T03:00:00+01:00",
    )
    wisdom.entities = {r: d for r, d in entities.items() if r in wisdom.refs()}
    wisdom.observations = {
        "sparks": len(home.sparks),
        "first": START.isoformat(),
        "last": (START + timedelta(days=days - 1)).isoformat(),
        "by_kind": {},
        "by_area": {},
        "by_hour": [0] * 24,
    }
    return wisdom


def timed(work: object, repeat: int = 5) -> tuple[float, object]:
    """Return the best time over a few runs, and the result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best, result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench wisdom", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    wisdom = year_of_learning(args.days)
    simulate_s = time.perf_counter() - started

    export_s, text = timed(lambda: dumps(to_document(wisdom)))
    assert isinstance(text, str)
    document = to_document(wisdom)
    base_export_s, base_text = timed(lambda: json.dumps(document))
    import_s, _ = timed(lambda: from_document(load_document(text)))
    base_import_s, _ = timed(lambda: json.loads(text))
    size = len(text.encode())
    statuses = [d.status for d in wisdom.book.decisions.values()]

    report = Report("wisdom")
    report.section(
        f"{args.days} simulated days, learning every night ({simulate_s:.1f} s to simulate)"
    )
    report.add(
        Row(
            "wisdom file size",
            size / 1000,
            len(str(base_text).encode()) / 1000,
            "KB",
            "<= 200 KB",
            size <= TARGET_BYTES,
        )
    )
    report.add(
        Row("export (build + serialise)", export_s * 1000, base_export_s * 1000, "ms", digits=2)
    )
    report.add(
        Row("import (validate + build)", import_s * 1000, base_import_s * 1000, "ms", digits=2)
    )
    report.add(Row("skills kept", float(len(wisdom.book.skills)), digits=0))
    report.add(
        Row(
            "approved / rejected",
            float(statuses.count(Status.APPROVED)),
            float(statuses.count(Status.REJECTED)),
            digits=0,
        )
    )
    report.add(
        Row(
            "stage reached (0=infant..3=adult)",
            float(list(Stage).index(wisdom.growth.stage)),
            digits=0,
        )
    )
    report.target("wisdom_bytes", float(size), float(TARGET_BYTES), size <= TARGET_BYTES, "bytes")
    report.note("baseline = json.dumps / json.loads of the same document, no validation")
    report.print(
        {
            "days": args.days,
            "bytes": size,
            "export_ms": export_s * 1000,
            "import_ms": import_s * 1000,
            "baseline_export_ms": base_export_s * 1000,
            "baseline_import_ms": base_import_s * 1000,
            "skills": len(wisdom.book.skills),
            "stage": wisdom.growth.stage.value,
            "today": (START + timedelta(days=args.days)).isoformat(),
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
