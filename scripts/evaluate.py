"""Learn skills from a history file, then replay every proposed automation over it.

Usage: scripts/evaluate --history FILE.jsonl [--labels FILE] --tz ZONE [--today DATE]
                        [--json OUT] [--miner new|old]

What is measured is .develop/spec/evaluation.md: per proposed skill its firings
and how many action steps were right, wrong or a no-op; the firing precision,
the coverage of the person's own actions and (with --labels) the routines covered.
--miner old learns with the engine of git commit 91acecc (extracted once to
.develop/old_engine/), the reference baseline.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
import importlib
import importlib.util
import io
import json
from pathlib import Path
import shutil
import subprocess
import sys
import tarfile
import time
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPO = Path(__file__).resolve().parents[1]
OLD_COMMIT = "91acecc"
ENGINE_PATH = "custom_components/aisthos/engine"


def _load_replay() -> ModuleType:
    """Import bench/replay.py by path (bench/__init__ imports Home Assistant)."""
    name = "aisthos_bench_replay"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / "replay.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


replay = _load_replay()


class EngineError(Exception):
    """The engine to learn with cannot be had."""


@dataclass(frozen=True)
class Engine:
    """The learning functions of one engine (today's or an old commit's)."""

    label: str
    read_records: Any
    format_error: type[Exception]
    perceive: Any
    learn: Any
    skills_report: Any
    threshold: float


def _engine_from(package: str, label: str) -> Engine:
    history_file = importlib.import_module(f"{package}.history_file")
    offline = importlib.import_module(f"{package}.offline_learning")
    skill = importlib.import_module(f"{package}.skill")
    return Engine(
        label,
        history_file.read_records,
        history_file.HistoryFormatError,
        offline.perceive,
        offline.learn,
        offline.skills_report,
        float(getattr(skill, "PROPOSAL_THRESHOLD", 0.5)),
    )


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", "-c", f"safe.directory={repo}", "-C", str(repo), *args],
        capture_output=True,
        check=False,
    )


def extract_old_engine(repo: Path, commit: str) -> Path:
    """Return the folder holding `commit`'s engine package, extracting it once."""
    cache = repo / ".develop" / "old_engine" / commit
    package = cache / f"aisthos_engine_{commit}"
    if (cache / ".complete").is_file():
        return package
    try:
        found = _git(repo, "cat-file", "-e", f"{commit}^{{commit}}")
    except OSError as err:
        raise EngineError(f"cannot run git to get commit {commit}: {err}") from None
    if found.returncode != 0:
        raise EngineError(
            f"commit {commit} (the old miner) is not in this clone of {repo}; a shallow "
            "clone lacks it: run `git fetch --unshallow` (or fetch that commit) and retry"
        )
    archive = _git(repo, "archive", "--format=tar", commit, ENGINE_PATH)
    if archive.returncode != 0:
        why = archive.stderr.decode(errors="replace").strip()
        raise EngineError(f"git archive {commit} {ENGINE_PATH} failed: {why}")
    partial = cache.with_name(f"{commit}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    target = partial / package.name
    target.mkdir(parents=True)
    prefix = ENGINE_PATH + "/"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(prefix):
                continue
            relative = member.name[len(prefix) :]
            if ".." in Path(relative).parts:
                continue
            extracted = tar.extractfile(member)
            assert extracted is not None
            out = target / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(extracted.read())
    if not (target / "offline_learning.py").is_file():
        raise EngineError(f"commit {commit} has no {ENGINE_PATH}/offline_learning.py")
    (partial / ".complete").write_text(commit + "\n")
    shutil.rmtree(cache, ignore_errors=True)
    partial.rename(cache)
    return package


def load_engine(miner: str, repo: Path = REPO, commit: str = OLD_COMMIT) -> Engine:
    """Return today's engine ("new") or the one of `commit` ("old"), importable side by side."""
    if miner == "new":
        path = str(repo / "custom_components" / "aisthos")
        if path not in sys.path:
            sys.path.insert(0, path)
        return _engine_from("engine", f"today's engine ({repo / ENGINE_PATH})")
    package = extract_old_engine(repo, commit)
    name = package.name
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, package / "__init__.py", submodule_search_locations=[str(package)]
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return _engine_from(name, f"engine of commit {commit} ({package})")


def _local_zone() -> str:
    link = Path("/etc/localtime")
    if link.is_symlink() and "zoneinfo/" in str(link.resolve()):
        return str(link.resolve()).split("zoneinfo/", 1)[1]
    return "UTC"


def learn_proposals(
    engine: Engine, history: Path, tz: ZoneInfo, today: date | None
) -> tuple[list[dict[str, Any]], int]:
    """Learn as scripts/learn does; return the proposed skills' report entries and the total."""
    with open(history, encoding="utf-8") as handle:
        records = engine.read_records(handle)
    home = engine.perceive(records)
    report = engine.skills_report(home, engine.learn(home, tz, today=today))
    skills = list(report["skills"])
    # The report's (rounded) confidence, as the routine tests and the user see it.
    # Today's report says which it proposes; an old engine's, by its threshold.
    proposed = [s for s in skills if s.get("proposed", s["confidence"] >= engine.threshold)]
    return proposed, len(skills)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def render(result: dict[str, Any]) -> str:
    """Return the readable table and totals."""
    lines = [
        f"history {result['history_file']}: {result['history']['records']} records, "
        f"{result['history']['first']} .. {result['history']['last']}",
        f"learned with {result['engine']}: {result['skills_learned']} skills, "
        f"{result['totals']['proposed_skills']} proposed (confidence >= "
        f"{result['proposal_threshold']}, and for today's engine right on 3 firings of 4)",
        "",
    ]
    header = (
        f"{'skill':<44} {'conf':>5} {'fired':>6} {'right':>6} {'wrong':>6} {'no-op':>6} "
        f"{'skip':>5}  precision"
    )
    lines += [header, "-" * len(header)]
    for row in result["skills"]:
        name = row["name"] if len(row["name"]) <= 44 else row["name"][:43] + "…"
        lines.append(
            f"{name:<44} {row['confidence']:>5.2f} {row['firings']:>6} {row['right']:>6} "
            f"{row['wrong']:>6} {row['noop']:>6} {row['skipped']:>5}  {_pct(row['precision'])}"
        )
        if "routine" in row:
            timing = [
                f"{what} {'right' if row[key] else 'WRONG'}"
                for what, key in (("weekdays", "days_right"), ("window", "window_right"))
            ]
            lines.append(f"    is {row['routine']!r}: {', '.join(timing)}")
        if row["unsupported"]:
            lines.append(f"    not replayed: {row['unsupported']}")
        lines.extend(f"    note: {note}" for note in row["notes"])
    totals = result["totals"]
    lines += [
        "",
        f"firings {totals['firings']}: right {totals['right']}, wrong {totals['wrong']}, "
        f"no-op {totals['noop']}, skipped (entity unavailable) {totals['skipped']}",
        f"firing precision: {_pct(totals['firing_precision'])}"
        + (
            f" ({_pct(totals['firing_precision_skipped_as_wrong'])} if skipped steps were wrong)"
            if totals["skipped"]
            else ""
        ),
        f"every step counted (no-op and skipped as not right): "
        f"{_pct(totals['firing_precision_every_step'])}",
        f"coverage of person actions: {_pct(totals['coverage'])} "
        f"({totals['person_actions_covered']} of {totals['person_actions']})",
    ]
    if "routines" in result:
        lines.append(
            f"recurring routines covered: {totals['routines_covered']} of {totals['routines']} "
            f"(all labelled: {totals['labelled_routines_covered']} of "
            f"{totals['labelled_routines']})"
        )
        lines.append(
            f"proposals that are a labelled routine: {totals['skills_serving_routines']} of "
            f"{totals['proposed_skills']} (precision {_pct(totals['routine_precision'])}, recall "
            f"{_pct(totals['routine_recall'])}); with weekdays and window right: "
            f"{totals['serving_with_days_and_window_right']}"
        )
        for routine in result["routines"]:
            if routine["covered"] is None:
                lines.append(f"  -    {routine['name']}: no occurrences (not counted)")
                continue
            mark = "yes" if routine["covered"] else "no "
            by = f" by {routine['skill']!r} on {routine['action']}" if routine["skill"] else ""
            aside = f" ({routine['not_counted']}, not counted)" if "not_counted" in routine else ""
            lines.append(
                f"  {mark}  {routine['name']}: {routine['matched']} of {routine['occurrences']} "
                f"occurrences{by}{aside}"
            )
    lines.append(f"proposed skills: {totals['proposed_skills']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--history", required=True, help="JSON Lines of HA State.as_dict()")
    parser.add_argument("--labels", default=None, help="ground truth routines (JSON)")
    parser.add_argument("--tz", default=None, help="the home's time zone (default: this system's)")
    parser.add_argument("--today", default=None, help="learn as of this date (YYYY-MM-DD)")
    parser.add_argument("--json", default=None, help="also write everything as JSON here")
    parser.add_argument("--miner", choices=["new", "old"], default="new")
    args = parser.parse_args(argv)
    try:
        tz = ZoneInfo(args.tz or _local_zone())
    except (ZoneInfoNotFoundError, ValueError):
        print(f"error: unknown time zone {args.tz!r}", file=sys.stderr)
        return 2
    try:
        today = date.fromisoformat(args.today) if args.today else None
    except ValueError:
        print(f"error: --today {args.today!r} is not YYYY-MM-DD", file=sys.stderr)
        return 2
    try:
        engine = load_engine(args.miner)
    except EngineError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    history_path = Path(args.history)
    started = time.perf_counter()
    try:
        proposed, learned = learn_proposals(engine, history_path, tz, today)
        learned_s = time.perf_counter() - started
        with open(history_path, encoding="utf-8") as handle:
            history = replay.History(replay.read_history(handle), tz)
        routines = None
        if args.labels:
            routines = replay.read_labels(Path(args.labels).read_text(encoding="utf-8"))
    except OSError as err:
        print(f"error: cannot read {err.filename}: {err.strerror}", file=sys.stderr)
        return 2
    except (engine.format_error, replay.HistoryError, ValueError, UnicodeDecodeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    skills = [
        replay.Proposed(s["name"], s["confidence"], s["automation"], s.get("id", ""))
        for s in proposed
    ]
    replay_started = time.perf_counter()
    result: dict[str, Any] = {
        "history_file": str(history_path),
        "labels_file": args.labels,
        "tz": str(tz),
        "today": args.today,
        "miner": args.miner,
        "engine": engine.label,
        "proposal_threshold": engine.threshold,
        "skills_learned": learned,
        **replay.evaluate(skills, history, routines),
    }
    for row, entry in zip(result["skills"], proposed, strict=True):
        row["automation"] = entry["automation"]
    result["seconds"] = {
        "learn": round(learned_s, 3),
        "replay": round(time.perf_counter() - replay_started, 3),
    }
    print(render(result))
    print(
        f"(learned in {result['seconds']['learn']:.1f} s, replayed in "
        f"{result['seconds']['replay']:.1f} s)"
    )
    if args.json:
        try:
            Path(args.json).write_text(
                json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        except OSError as err:
            print(f"error: cannot write {args.json}: {err.strerror}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
