"""Benchmark: camera perception frames per second per camera, at 160x120 and 320x240.

One camera snapshot (a 1280x720 JPEG, as HA's camera_proxy would hand it over) is
decoded from memory, shrunk to the frame cap, run through an ONNX pose/expression
model on onnxruntime (one intra-op thread per camera) and turned into Sparks.
Baseline, measured in the same run: decode + resize only, without inference.
Target: >= 10 fps per camera at 320x240 on this 2-core machine.

The model is synthetic (random weights, built in memory with the `onnx` helper
API) but sized like a light pose network: a stack of strided 3x3 convolutions
with 16..128 channels, global pooling and the person / 17 keypoints /
expression heads of the add-on's model contract.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
import io
from pathlib import Path
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "addon"))

from aisthos_addon.perception import Perceiver, PerceptionModel, decode_frame
import numpy as np
from PIL import Image

from tests.addon.onnx_models import build_model

from ._harness import Report, Row

SIZES = ((160, 120), (320, 240))


def snapshot(seed: int = 1) -> bytes:
    """Return a 1280x720 JPEG with gradients and noise (a plausible camera frame)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:720, 0:1280]
    base = np.stack([x / 5, y / 3, (x + y) / 8], axis=-1) % 255
    noise = rng.normal(0, 18, base.shape)
    pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def macs(width: int, depth: int, size: tuple[int, int]) -> float:
    """Return the multiply-accumulates of the conv stack for one frame."""
    w, h = size
    channels, total = 3, 0.0
    for i in range(depth):
        out = width * 2 ** min(i, 3)
        if i < 4:
            w, h = (w + 1) // 2, (h + 1) // 2
        total += w * h * out * channels * 9
        channels = out
    return total


def fps(work: Callable[[], None], seconds: float) -> float:
    """Run work() repeatedly for about `seconds`; return calls per second."""
    work()  # warm-up
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        work()
        count += 1
    return count / elapsed


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench perception", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--depth", type=int, default=6)
    args = parser.parse_args(argv)

    frame = snapshot()
    model = PerceptionModel(build_model(width=args.width, depth=args.depth, name="synthetic-pose"))
    report = Report("perception")
    report.section(
        f"model {model.name} ({args.depth} convs, {args.width}-{args.width * 8} channels),"
        f" onnxruntime {model.ort_version}, 1 thread per camera, 1280x720 JPEG in"
    )
    figures: dict[str, object] = {
        "model": model.name,
        "onnxruntime": model.ort_version,
        "snapshot_bytes": len(frame),
    }
    for size in SIZES:
        label = f"{size[0]}x{size[1]}"
        perceiver = Perceiver(model)
        clock = [1_800_000_000.0]

        def cycle(
            perceiver: Perceiver = perceiver,
            size: tuple[int, int] = size,
            clock: list[float] = clock,
        ) -> None:
            clock[0] += 1.0
            perceiver.cycle("camera.bench", frame, size, clock[0])

        def decode(size: tuple[int, int] = size) -> None:
            decode_frame(frame, size)

        full = fps(cycle, args.seconds)
        base = fps(decode, args.seconds)
        target = size == (320, 240)
        report.add(
            Row(
                f"fps per camera at {label} (decode+model+Sparks)",
                full,
                base,
                "fps",
                ">= 10 fps" if target else "",
                (full >= 10) if target else None,
            )
        )
        report.add(
            Row(
                f"  model MACs per frame at {label}",
                macs(args.width, args.depth, size) / 1e6,
                unit="M",
            )
        )
        figures[f"fps_{label}"] = full
        figures[f"baseline_decode_fps_{label}"] = base
        if target:
            report.target("fps_320x240", full, 10.0, full >= 10, "fps")
    # Two cameras at once on the two cores, triggered size.
    perceivers = [Perceiver(model), Perceiver(model)]

    def both() -> None:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda p: p.cycle("camera.bench", frame, (320, 240)), perceivers))

    pair = fps(both, args.seconds)
    report.add(Row("fps per camera, 2 cameras at 320x240 together", pair, unit="fps"))
    figures["fps_2cams_320x240_each"] = pair
    report.note("baseline = decode + resize of the same JPEG only, without inference")
    report.note("model: random weights, sized like a light pose net; real models differ")
    report.print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
