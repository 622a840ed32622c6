"""Track C: a weekly LoRA fine-tune (mlx-lm) that adapts the companion's tone.

Input, the interactions export (JSON, written by the AisthOS integration):

    {
      "format": "aisthos-interactions",
      "version": 1,
      "persona": "optional system prompt for the companion",
      "interactions": [
        {"time": "2026-10-01T08:00:00+00:00",
         "user": "Good morning",
         "assistant": "Good morning! The coffee machine is warming up.",
         "reaction": "up" | "down" | "edited" | "none",
         "edited": "the reply the person preferred (reaction 'edited' only)"}
      ]
    }

Kept: replies the person liked ("up") and corrected replies ("edited", with the
correction as the target). Dropped: "down", "none", anything with template
markers or control characters, duplicates. E-mail addresses, phone numbers and
URLs are masked. The result is mlx-lm's chat format, train.jsonl and valid.jsonl:
one {"messages": [{"role": ..., "content": ...}, ...]} object per line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
import importlib.util
import json
import logging
import os
from pathlib import Path
import re
import subprocess
import sys
import time
from typing import Any, Final

from ._engine import mask_personal
from .llm import UntrustedOutputError, clean_text

_LOGGER = logging.getLogger(__name__)

EXPORT_FORMAT: Final = "aisthos-interactions"
TEXT_MAX: Final = 1000
DEFAULT_PERSONA: Final = "You are AisthOS, a calm, friendly home companion. Answer briefly."
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ADAPTER_FILE: Final = "adapters.safetensors"
# mlx-lm's progress lines: "Iter 5: Train loss 2.345, ..." (older releases) or a
# table, "   5    2.345 ▼   1,104   0.1k" and "   5    val 2.301   0.02s" (0.32).
_TRAIN_LOSS = re.compile(
    r"^\s*(?:Iter (\d+): Train loss ([0-9.]+|nan|inf)"
    r"|(\d+)\s+([0-9.]+|nan|inf)\s*[▼▲=•-]?\s+[\d,]+)",
    re.MULTILINE,
)
_VAL_LOSS = re.compile(
    r"^\s*(?:Iter (\d+): Val loss ([0-9.]+|nan|inf)|(\d+)\s+val\s+([0-9.]+|nan|inf))",
    re.MULTILINE,
)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class ExportFormatError(ValueError):
    """The interactions export is not in the documented format."""


@dataclass(slots=True)
class Dataset:
    """The prepared chat examples and why the others were dropped."""

    train: list[dict[str, Any]] = field(default_factory=list)
    valid: list[dict[str, Any]] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    persona: str = DEFAULT_PERSONA

    def write(self, folder: Path) -> None:
        """Write train.jsonl and valid.jsonl (mlx-lm's --data folder)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, rows in (("train", self.train), ("valid", self.valid)):
            with (folder / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
                for row in rows:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def prepare_dataset(export: Mapping[str, Any], valid_every: int = 10) -> Dataset:
    """Turn an interactions export into chat examples (see the module doc)."""
    if not isinstance(export, Mapping) or export.get("format") != EXPORT_FORMAT:
        raise ExportFormatError(f"not an {EXPORT_FORMAT} export")
    if export.get("version") != 1:
        raise ExportFormatError(f"unsupported export version {export.get('version')!r}")
    interactions = export.get("interactions")
    if not isinstance(interactions, list):
        raise ExportFormatError("'interactions' must be a list")
    try:
        persona = clean_text(export.get("persona") or DEFAULT_PERSONA, 500, single_line=False)
    except UntrustedOutputError:
        persona = DEFAULT_PERSONA
    dataset = Dataset(persona=persona)
    seen: set[tuple[str, str]] = set()
    examples: list[dict[str, Any]] = []
    for item in interactions:
        if not isinstance(item, Mapping):
            dataset.dropped["malformed"] += 1
            continue
        reaction = item.get("reaction")
        if reaction not in ("up", "edited"):
            dataset.dropped[
                f"reaction_{reaction}" if reaction in ("down", "none") else "malformed"
            ] += 1
            continue
        target = item.get("edited") if reaction == "edited" else item.get("assistant")
        try:
            user = mask_personal(clean_text(item.get("user"), TEXT_MAX, single_line=False))
            reply = mask_personal(clean_text(target, TEXT_MAX, single_line=False))
        except UntrustedOutputError:
            dataset.dropped["unsafe_text"] += 1
            continue
        if (user, reply) in seen:
            dataset.dropped["duplicate"] += 1
            continue
        seen.add((user, reply))
        examples.append(
            {
                "messages": [
                    {"role": "system", "content": persona},
                    {"role": "user", "content": user},
                    {"role": "assistant", "content": reply},
                ]
            }
        )
    for index, example in enumerate(examples):
        (dataset.valid if index % valid_every == valid_every - 1 else dataset.train).append(example)
    if dataset.train and not dataset.valid:
        dataset.valid.append(dataset.train[-1])  # mlx-lm needs a validation set
    return dataset


def mlx_status() -> tuple[bool, str]:
    """Return (available, reason): mlx and mlx-lm importable and mlx runs here."""
    if importlib.util.find_spec("mlx") is None or importlib.util.find_spec("mlx_lm") is None:
        return False, "not available on this hardware: mlx / mlx-lm are not installed"
    probe = "import mlx.core as mx; print(int(mx.array([1, 2]).sum().item()))"
    try:
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False, "not available on this hardware: mlx did not start"
    if done.returncode != 0 or done.stdout.strip() != "3":
        return False, "not available on this hardware: mlx does not run here"
    return True, "available"


@dataclass(slots=True)
class TrainingReport:
    """What one fine-tune run did."""

    status: str  # "trained", "skipped", "unavailable", "failed"
    reason: str = ""
    examples_train: int = 0
    examples_valid: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    iterations: int = 0
    train_loss: float | None = None
    val_loss: float | None = None
    first_train_loss: float | None = None
    adapter_file: str = ""
    adapter_bytes: int = 0
    # Mean log probability per token of the preferred replies, without and
    # with the adapter: how far the answers moved toward them.
    preferred_logprob_before: float | None = None
    preferred_logprob_after: float | None = None
    persona: str = DEFAULT_PERSONA  # the system prompt it trained with
    seconds: float = 0.0
    finished: str = ""
    # The training examples, for measuring the adapter (not in the report).
    examples: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the report, without the examples)."""
        out = asdict(self)
        del out["examples"]
        return out


def _loss(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def run_finetune(
    export: Mapping[str, Any],
    model_dir: str,
    work_dir: Path,
    adapter_dir: Path,
    iterations: int = 200,
    timeout: float = 6 * 3600,
    min_examples: int = 2,
) -> TrainingReport:
    """Prepare the data and, where MLX runs, train a LoRA adapter with mlx-lm."""
    started = time.monotonic()
    dataset = prepare_dataset(export)
    report = TrainingReport(
        status="skipped",
        examples_train=len(dataset.train),
        examples_valid=len(dataset.valid),
        dropped=dict(dataset.dropped),
    )

    def finish() -> TrainingReport:
        return _finish(report, started)

    if len(dataset.train) < min_examples:
        report.reason = f"only {len(dataset.train)} usable interactions (need {min_examples})"
        return finish()
    available, reason = mlx_status()
    if not available:
        report.status, report.reason = "unavailable", reason
        return finish()
    if not model_dir or not (Path(model_dir) / "config.json").is_file():
        report.reason = "no fine-tune base model folder configured"
        return finish()
    data_dir = work_dir / "data"
    dataset.write(data_dir)
    adapter_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "mlx_lm", "lora",
        "--model", model_dir, "--train", "--data", str(data_dir),
        "--iters", str(iterations), "--batch-size", "1", "--num-layers", "-1",
        "--steps-per-report", "1", "--steps-per-eval", str(iterations), "--val-batches", "1",
        "--max-seq-length", "512", "--adapter-path", str(adapter_dir),
        "--save-every", str(max(iterations, 1)), "--seed", "0",
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=work_dir,
            env=_quiet_env(),
        )
    except subprocess.TimeoutExpired:
        report.status, report.reason = "failed", "training timed out"
        return finish()
    output = _ANSI.sub("", done.stdout + "\n" + done.stderr)
    train = [(a or c, b or d) for a, b, c, d in _TRAIN_LOSS.findall(output)]
    val = [(a or c, b or d) for a, b, c, d in _VAL_LOSS.findall(output)]
    report.iterations = int(train[-1][0]) if train else 0
    report.first_train_loss = _loss(train[0][1]) if train else None
    report.train_loss = _loss(train[-1][1]) if train else None
    report.val_loss = _loss(val[-1][1]) if val else None
    adapter = adapter_dir / ADAPTER_FILE
    if done.returncode != 0 or not adapter.is_file():
        report.status = "failed"
        report.reason = (output.strip().splitlines() or ["mlx-lm failed"])[-1][:300]
        return finish()
    report.status = "trained"
    report.adapter_file = str(adapter)
    report.adapter_bytes = adapter.stat().st_size
    report.persona = dataset.persona
    report.examples = dataset.train
    return finish()


def _quiet_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "NO_COLOR": "1",
            "COLUMNS": "200",
        }
    )
    return env


def _finish(report: TrainingReport, started: float) -> TrainingReport:
    report.seconds = round(time.monotonic() - started, 3)
    report.finished = datetime.now().astimezone().isoformat(timespec="seconds")
    _LOGGER.info("Track C fine-tune: %s %s", report.status, report.reason)
    return report


def next_run(now: datetime, weekday: str, hour: int) -> datetime:
    """Return the next weekly run time strictly after now (local time of now)."""
    target_day = WEEKDAYS.index(weekday)
    candidate = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    candidate += timedelta(days=(target_day - now.weekday()) % 7)
    if candidate <= now:
        candidate += timedelta(days=7)
    return candidate
