"""Benchmark: Track B mining of 90 days x 2,000 state changes a day, and how right it is.

Prints the time and peak memory of the routine miner on one synthetic home
(planted routines in heavy noise), next to a baseline measured in the same
run on the same Sparks: a plain frequent-pair counter (every pair of moments
within ten minutes, counted in a dict), the simplest miner one could write.
Targets: mining in <= 5 s and <= 300 MB on this 2-core machine.

Then what a household would live with, for this miner and the previous one
(the engine of git commit 91acecc) on the same homes: every proposed skill's
automation replayed over the history it was learned from (scripts/evaluate):
firing precision, routines covered, coverage of the person's own actions.
Homes: the simulated households of bench/homes.py, and the real recorded
homes of scripts/datasets when they were fetched into .develop/datasets.
Targets: >= 80 % of firings right and >= 80 % of routines covered on each.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
import importlib.util
import json
from pathlib import Path
import random
import sys
import tempfile
import time
import tracemalloc
from types import ModuleType
from typing import Any, Final
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "custom_components" / "aisthos"))

from engine.anonymizer import Anonymizer
from engine.perception import Perception
from engine.pipeline import SparkPipeline
from engine.routine_miner import RoutineMiner
from engine.significance import SignificanceFilter
from engine.spark import Spark
from engine.state_change import EntityInfo, StateChange

from ._harness import Report, Row, peak_rss_kib, reset_peak_rss

REPO = Path(__file__).resolve().parents[1]
# The simulated households (bench/homes.py) and their zones; real homes if fetched.
SIMULATED: Final = {
    "family": "Europe/Berlin",
    "single": "America/New_York",
    "shift": "Europe/Berlin",
}
REAL: Final = {
    "kasteren_a": "Europe/Amsterdam",
    "tapia_d": "America/New_York",
}


def _module(name: str, path: Path) -> ModuleType:
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


def quality(miner: str, homes: dict[str, tuple[Path, Path, str]]) -> dict[str, dict[str, Any]]:
    """Replay each home's proposals for one miner: precision, routines, coverage."""
    evaluate = _module("aisthos_scripts_evaluate", REPO / "scripts" / "evaluate.py")
    replay = evaluate.replay
    engine = evaluate.load_engine(miner)
    out: dict[str, dict[str, Any]] = {}
    for name, (history_path, labels_path, zone) in homes.items():
        tz = ZoneInfo(zone)
        proposed, _ = evaluate.learn_proposals(engine, history_path, tz, None)
        with open(history_path, encoding="utf-8") as handle:
            history = replay.History(replay.read_history(handle), tz)
        routines = replay.read_labels(labels_path.read_text(encoding="utf-8"))
        skills = [
            replay.Proposed(p["name"], p["confidence"], p["automation"], p.get("id", ""))
            for p in proposed
        ]
        out[name] = replay.evaluate(skills, history, routines, detail=False)["totals"]
    return out


def homes_to_judge(folder: Path) -> dict[str, tuple[Path, Path, str]]:
    """Write the simulated homes into folder; add the real ones that were fetched."""
    homes_module = _module("aisthos_bench_homes", REPO / "bench" / "homes.py")
    homes: dict[str, tuple[Path, Path, str]] = {}
    for profile, zone in SIMULATED.items():
        lines, labels = homes_module.simulate_home(profile, 28, 1)
        history, label_file = folder / f"{profile}.jsonl", folder / f"{profile}.labels.json"
        history.write_text("\n".join(lines) + "\n", encoding="utf-8")
        label_file.write_text(json.dumps(labels), encoding="utf-8")
        homes[profile] = (history, label_file, zone)
    for name, zone in REAL.items():
        data = REPO / ".develop" / "datasets" / name
        if (data / "history.jsonl").is_file() and (data / "labels.json").is_file():
            homes[name] = (data / "history.jsonl", data / "labels.json", zone)
    return homes


TZ = ZoneInfo("Europe/Berlin")
START = date(2026, 1, 5)


def synthetic_home(days: int, per_day: int, seed: int) -> list[tuple[StateChange, EntityInfo]]:
    """Return a busy home: 120 entities, 8 real routines, the rest random toggles."""
    rng = random.Random(seed)

    def make(domain: str, count: int, device_class: str | None = None) -> list[EntityInfo]:
        return [
            EntityInfo.from_entity_id(f"{domain}{i}", device_class, f"a{i % 12}", f"Room {i % 12}")
            for i in range(count)
        ]

    infos = make("light.l", 60) + make("switch.s", 20)
    infos += make("binary_sensor.m", 30, "motion") + make("binary_sensor.d", 10, "door")
    states = {info.entity_id: "off" for info in infos}
    routine_entities = {info.entity_id for info in infos[:8] + infos[80:88]}
    noisy = [info for info in infos if info.entity_id not in routine_entities]
    out: list[tuple[StateChange, EntityInfo]] = []
    for day in range(days):
        base = datetime(START.year, START.month, START.day, tzinfo=TZ) + timedelta(days=day)
        events: list[tuple[float, EntityInfo, str]] = []
        for routine in range(8):  # motion -> light, each at its own time of day
            minute = 360 + routine * 110 + rng.gauss(0, 8)
            sensor, light = infos[80 + routine], infos[routine]
            events += [(minute, sensor, "on"), (minute + 0.4, light, "on")]
            events.append((minute + 2, sensor, "off"))
            events.append((minute + rng.uniform(15, 120), light, "off"))
        while len(events) < per_day:
            info = rng.choice(noisy)
            minute = rng.uniform(0, 1440)
            events += [(minute, info, "on"), (minute + rng.uniform(0.5, 30), info, "off")]
        for minute, info, state in sorted(events, key=lambda e: e[0])[:per_day]:
            old = states[info.entity_id]
            states[info.entity_id] = state
            moment = (base + timedelta(minutes=min(minute, 1439.99))).timestamp()
            # Some noise comes from automations; the routines are a person's.
            automated = info.entity_id not in routine_entities and rng.random() < 0.05
            out.append((StateChange(info.entity_id, old, state, moment, automated), info))
    return out


def perceive(changes: list[tuple[StateChange, EntityInfo]]) -> list[Spark]:
    """Run the changes through the Filter and Perception."""
    anonymizer = Anonymizer(b"bench-secret-0123456789abcdef!!")
    return SparkPipeline(Perception(anonymizer), SignificanceFilter()).replay(changes)


def pair_counter(sparks: list[Spark]) -> Counter[tuple[str, str]]:
    """Baseline: count every ordered pair of moments less than ten minutes apart."""
    counts: Counter[tuple[str, str]] = Counter()
    window: list[tuple[float, str]] = []
    for spark in sparks:
        key = f"{spark.ref}:{spark.action}"
        window = [(t, k) for t, k in window if spark.time - t <= 600]
        for _, earlier in window:
            counts[(earlier, key)] += 1
        window.append((spark.time, key))
    return counts


def measure(work: Callable[[], object], repeat: int = 3) -> tuple[list[float], float, object]:
    """Return (seconds of each run, peak traced MB, result) of a callable.

    Run `repeat` times: on a shared machine others' work only ever slows a
    run down, so the report judges the fastest (as timeit takes the minimum)
    and prints every run beside it. Timed apart from the memory run: tracing
    allocations slows Python code several times.
    """
    if repeat < 1:
        raise ValueError("measure needs one run at least")
    times = []
    result: object = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return times, peak / 1e6, result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench learn", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--per-day", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--no-quality", action="store_true", help="time and memory only")
    args = parser.parse_args(argv)

    changes = synthetic_home(args.days, args.per_day, args.seed)
    perceive_s = time.perf_counter()
    sparks = perceive(changes)
    perceive_s = time.perf_counter() - perceive_s
    today = START + timedelta(days=args.days)
    miner = RoutineMiner()
    miner.settings = type(miner.settings)(lookback_days=args.days)

    reset_peak_rss()
    rss_before = peak_rss_kib()
    mine_runs, mine_mb, skills = measure(lambda: miner.run(sparks, TZ, today))
    rss_mine = (peak_rss_kib() - rss_before) / 1024
    base_runs, base_mb, pairs = measure(lambda: pair_counter(sparks))
    mine_s, base_s = min(mine_runs), min(base_runs)

    report = Report("learn")
    report.section(
        f"{args.days} days x {args.per_day} state changes = {len(changes):,} changes"
        f" -> {len(sparks):,} Sparks"
    )
    report.add(Row("perceive (Filter -> Spark), s", perceive_s, digits=2, unit="s"))
    report.add(
        Row(
            "mine, s (fastest of 3)",
            mine_s,
            base_s,
            unit="s",
            digits=2,
            target="<= 5 s",
            met=mine_s <= 5,
        )
    )
    report.add(Row("mine, peak traced memory", mine_mb, base_mb, "MB", "<= 300 MB", mine_mb <= 300))
    report.add(Row("mine, peak RSS growth", rss_mine, unit="MB"))
    report.add(Row("skills found (8 planted)", float(len(skills)), digits=0))
    report.add(Row("baseline pairs counted", float(len(pairs)), digits=0))  # type: ignore[arg-type]
    report.target("mine_seconds", mine_s, 5.0, mine_s <= 5, "s")
    report.target("mine_peak_mb", mine_mb, 300.0, mine_mb <= 300, "MB")
    report.note("baseline = a plain frequent-pair counter over the same Sparks (10 min pairs)")
    report.note("mine, each run: " + ", ".join(f"{t:.2f} s" for t in mine_runs))

    figures: dict[str, Any] = {}
    if not args.no_quality:
        with tempfile.TemporaryDirectory() as folder:
            homes = homes_to_judge(Path(folder))
            judged = {miner: quality(miner, homes) for miner in ("new", "old")}
        report.section("replayed over the history they were learned from (baseline: 91acecc)")
        for name in homes:
            new, old = judged["new"][name], judged["old"][name]
            if new["firing_precision"] is None:  # nothing fired, or every step did nothing
                what = "nothing proposed" if not new["proposed_skills"] else "nothing judged"
                report.add(Row(f"{name}: firings right ({what})", 0.0, unit="%"))
                figures[name] = {"new": new, "old": old}
                continue
            precision = new["firing_precision"]
            covered = new["routines_covered"] / new["routines"] if new["routines"] else None
            old_covered = old["routines_covered"] / old["routines"] if old["routines"] else None
            report.add(Row(f"{name}: firings right ({new['proposed_skills']} proposed)",
                           100 * precision, 100 * (old["firing_precision"] or 0.0), "%",
                           ">= 80 %", precision >= 0.8))  # fmt: skip
            if new["skipped"] or old["skipped"]:  # steps on an unavailable entity did nothing
                strict = "firing_precision_skipped_as_wrong"
                report.add(Row(f"{name}: firings right, skipped steps counted wrong",
                               100 * new[strict], 100 * (old[strict] or 0.0), "%"))  # fmt: skip
            # Every step counted: a run that found its work done is not right either.
            every = "firing_precision_every_step"
            report.add(Row(f"{name}: firings right, every step counted",
                           100 * (new[every] or 0.0), 100 * (old[every] or 0.0), "%"))  # fmt: skip
            # Simulated homes know every routine they planted: there a proposal
            # must be one of them, and each must be found (>= 95 %).
            wanted = 0.95 if name in SIMULATED else 0.8
            if covered is not None:
                report.add(Row(f"{name}: recurring routines covered ({new['routines_covered']} of "
                               f"{new['routines']})", 100 * covered, 100 * (old_covered or 0.0),
                               "%", f">= {wanted:.0%}", covered >= wanted))  # fmt: skip
            planted = new.get("routine_precision")
            if name in SIMULATED and planted is not None:
                right_timing = new["serving_with_days_and_window_right"]
                report.add(Row(f"{name}: proposals that are a planted routine "
                               f"({new['skills_serving_routines']} of {new['proposed_skills']}; "
                               f"weekdays and window right: {right_timing})", 100 * planted,
                               100 * (old.get("routine_precision") or 0.0), "%", ">= 95 %",
                               planted >= 0.95))  # fmt: skip
                report.target(f"{name}_routine_precision", planted, 0.95, planted >= 0.95, "share")
            report.add(Row(f"{name}: person's actions covered", 100 * new["coverage"],
                           100 * old["coverage"], "%"))  # fmt: skip
            report.target(f"{name}_firing_precision", precision, 0.8, precision >= 0.8, "share")
            if covered is not None:
                report.target(
                    f"{name}_routines_covered", covered, wanted, covered >= wanted, "share"
                )
            figures[name] = {"new": new, "old": old}
        if not any(name in homes for name in REAL):
            report.note("real homes: not fetched (scripts/datasets/README.md says how)")
    report.print(
        {
            "changes": len(changes),
            "sparks": len(sparks),
            "perceive_s": perceive_s,
            "mine_s": mine_s,  # the fastest of mine_runs_s
            "mine_runs_s": mine_runs,
            "baseline_s": base_s,
            "baseline_runs_s": base_runs,
            "mine_peak_mb": mine_mb,
            "baseline_peak_mb": base_mb,
            "mine_rss_growth_mb": rss_mine,
            "skills": len(skills),
            "quality": figures,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
