"""Shared pieces of the benchmarks: a real HA, loop and memory probes, the report."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
import gc
import json
import logging
import math
from pathlib import Path
import resource
import threading
import time
from typing import Any, cast
from unittest.mock import patch

from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_test_home_assistant,
)

from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.helpers import frame, recorder as recorder_helper
from homeassistant.setup import async_setup_component


def quiet_logging() -> None:
    """Keep HA's start-up chatter out of the report."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("homeassistant.loader", "aiohttp_fast_zlib"):
        logging.getLogger(name).setLevel(logging.ERROR)


@asynccontextmanager
async def real_hass(
    config_dir: Path, recorder_exclude: Sequence[str] = ()
) -> AsyncIterator[HomeAssistant]:
    """Yield a running HA (test harness) with the recorder on a real SQLite file.

    The harness is the one pytest-homeassistant-custom-component gives the tests
    (registries in memory, no HTTP server bound); custom_components/ is found on
    sys.path as in the tests. Entity globs in recorder_exclude are not recorded,
    so a benchmark's synthetic load does not turn into a recorder benchmark.
    """
    with (
        patch("homeassistant.components.http.HomeAssistantHTTP.async_bind"),
        patch("homeassistant.components.http.HomeAssistantHTTP.start"),
    ):
        async with async_test_home_assistant(config_dir=str(config_dir)) as hass_any:
            hass = cast(HomeAssistant, hass_any)
            try:
                frame.async_setup(hass)
                hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
                recorder_helper.async_initialize_recorder(hass)
                config: dict[str, Any] = {"db_url": f"sqlite:///{config_dir}/recorder.db"}
                if recorder_exclude:
                    config["exclude"] = {"entity_globs": list(recorder_exclude)}
                if not await async_setup_component(hass, "recorder", {"recorder": config}):
                    raise RuntimeError("the recorder did not set up")
                await hass.data[recorder_helper.DATA_RECORDER].db_connected
                await hass.async_block_till_done()
                yield hass
            finally:
                await hass.async_stop(force=True)


def recorder_backlog(hass: HomeAssistant) -> int:
    """Return how many events the recorder still has to write."""
    return recorder_helper.get_instance(hass).backlog


def record_event_type(hass: HomeAssistant, event_type: str, record: bool) -> None:
    """Start or stop recording one event type, at run time.

    The recorder's listener holds on to this very set, so changing it takes
    effect at once; it is what `recorder: exclude: event_types:` fills.
    """
    excluded: set[Any] = recorder_helper.get_instance(hass).exclude_event_types
    if record:
        excluded.discard(event_type)
    else:
        excluded.add(event_type)


class LoopIdleMeter:
    """Measure the time the event loop waits in select(); the rest is busy time.

    Wraps the selector of asyncio's (non-uv) loop, which HA uses. Waiting for the
    GIL after select() returns counts as idle, so with busy threads this is an
    upper bound of idle time, i.e. busy time is a lower bound.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start measuring."""
        self.idle_ns = 0
        self._selector = getattr(loop, "_selector")  # noqa: B009 (private, no stub)
        original: Callable[..., Any] = self._selector.select

        def select(timeout: float | None = None) -> Any:
            start = time.perf_counter_ns()
            try:
                return original(timeout)
            finally:
                self.idle_ns += time.perf_counter_ns() - start

        setattr(self._selector, "select", select)  # noqa: B010 (instance override)

    def close(self) -> None:
        """Stop measuring (the class method shows through again)."""
        with suppress(AttributeError):
            delattr(self._selector, "select")


@dataclass(slots=True)
class GcPauses:
    """Pauses of the cyclic garbage collector, per generation, while active."""

    seconds: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    counts: list[int] = field(default_factory=lambda: [0, 0, 0])
    longest: float = 0.0
    # Pauses of collections run by other threads than the one that entered
    # (the event loop's): the loop cannot run during them, but its select()
    # meter counts them as idle when they fall while it waits.
    other_threads_s: float = 0.0
    _start: float = 0.0
    _thread: int = 0

    def __enter__(self) -> GcPauses:
        """Start listening to the collector."""
        self._thread = threading.get_ident()
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_: object) -> None:
        """Stop listening."""
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        # A collection holds the GIL: it stops the event loop whichever thread ran it.
        if phase == "start":
            self._start = time.perf_counter()
            return
        pause = time.perf_counter() - self._start
        generation = info["generation"]
        self.seconds[generation] += pause
        self.counts[generation] += 1
        self.longest = max(self.longest, pause)
        if threading.get_ident() != self._thread:
            self.other_threads_s += pause


def cpu_seconds() -> float:
    """Return CPU time of the whole process (all threads: recorder, executor)."""
    return time.process_time()


def reset_peak_rss() -> bool:
    """Reset the kernel's RSS high-water mark (Linux >= 4.0); False if not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_kib() -> int:
    """Return the RSS high-water mark since the last reset (VmHWM), in KiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    # Fallback: the process-lifetime maximum.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile (nearest rank, 0 < q <= 100); NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ratio(value: float, baseline: float) -> float:
    """Return value / baseline, NaN when the baseline is zero."""
    return value / baseline if baseline else math.nan


@dataclass(slots=True)
class Row:
    """One line of the report."""

    figure: str
    value: float
    baseline: float | None = None
    unit: str = ""
    target: str = ""
    met: bool | None = None
    digits: int = 1


class Report:
    """A compact table, TARGET MISSED lines, and the final BENCH_JSON line."""

    def __init__(self, name: str) -> None:
        """Start an empty report for benchmark `name`."""
        self.name = name
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.targets: dict[str, dict[str, Any]] = {}

    def add(self, row: Row) -> None:
        """Add a line."""
        self.rows.append(row)

    def section(self, title: str) -> None:
        """Add a heading line."""
        self.rows.append(Row(figure=f"-- {title}", value=math.nan))

    def target(
        self, key: str, value: float, target: float, met: bool, unit: str, why: str = ""
    ) -> None:
        """Record a target and whether it was met (why: what decided, if not the value)."""
        self.targets[key] = {"value": value, "target": target, "unit": unit, "met": met}
        if why:
            self.targets[key]["why"] = why

    def note(self, text: str) -> None:
        """Add a free text line under the table."""
        self.notes.append(text)

    def print(self, figures: dict[str, Any]) -> None:
        """Print the table, the notes, missed targets and the JSON line."""
        header = ("figure", "aisthos", "baseline", "ratio", "target", "")
        lines = [header]
        for row in self.rows:
            if row.figure.startswith("-- "):
                lines.append((row.figure, "", "", "", "", ""))
                continue
            value = _fmt(row.value, row.digits) + (f" {row.unit}" if row.unit else "")
            base = ""
            rel = ""
            if row.baseline is not None:
                base = _fmt(row.baseline, row.digits) + (f" {row.unit}" if row.unit else "")
                rel = _fmt_ratio(ratio(row.value, row.baseline))
            status = "" if row.met is None else ("ok" if row.met else "MISSED")
            lines.append((row.figure, value, base, rel, row.target, status))
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        for line in lines:
            cells = [line[0].ljust(widths[0])]
            cells += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
            print("  ".join(cells).rstrip())
        for text in self.notes:
            print(f"note: {text}")
        missed = [key for key, t in self.targets.items() if not t["met"]]
        for key in missed:
            t = self.targets[key]
            why = f": {t['why']}" if "why" in t else ""
            print(
                f"TARGET MISSED: {key} = {t['value']:.4g} {t['unit']} (target {t['target']:g}){why}"
            )
        if not missed:
            print("all targets met")
        payload = {
            "bench": self.name,
            "figures": figures,
            "targets": self.targets,
            "all_targets_met": not missed,
        }
        print("BENCH_JSON " + json.dumps(_finite(payload), sort_keys=True, default=str))


def _fmt(value: float, digits: int) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _fmt_ratio(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.2f}x"


def _finite(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
