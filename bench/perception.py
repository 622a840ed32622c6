"""Benchmark: camera perception frames per second per camera, at 160x120 and 320x240.

Camera snapshots (1280x720 JPEGs, as HA's camera_proxy hands them over) made
from two photos that ship in scikit-image, one with a person (the astronaut)
and one without (a cup of coffee) and a bare brick wall, are decoded from memory, shrunk to the
frame cap, run through the add-on's built-in models (BlazePose detector and
landmarks, BlazeFace, mini-Xception; one onnxruntime thread per camera) and
turned into Sparks. Baseline, measured in the same run: decode + resize only.
Target: >= 10 fps per camera at 320x240 with a person in view, on 2 cores.
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

from aisthos_addon.builtin_models import BuiltinPipeline
from aisthos_addon.perception import Perceiver, decode_frame
import numpy as np
from PIL import Image
from skimage import data

from ._harness import Report, Row

SIZES = ((160, 120), (320, 240))


def snapshot(name: str) -> bytes:
    """Return a 1280x720 JPEG of a scikit-image photo, centred on a dark background."""
    pixels = np.asarray(getattr(data, name)())
    photo = Image.fromarray(pixels if pixels.ndim == 3 else np.dstack([pixels] * 3))
    photo.thumbnail((1280, 720))
    frame = Image.new("RGB", (1280, 720), (24, 24, 24))
    frame.paste(photo, ((1280 - photo.width) // 2, (720 - photo.height) // 2))
    buffer = io.BytesIO()
    frame.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


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
    args = parser.parse_args(argv)

    frames = {
        "person": snapshot("astronaut"),
        "no person": snapshot("coffee"),
        "bare wall": snapshot("brick"),
    }
    model = BuiltinPipeline()
    report = Report("perception")
    report.section(
        f"{model.name}, onnxruntime {model.ort_version}, 1 thread per camera, 1280x720 JPEG in"
    )
    figures: dict[str, object] = {"model": model.name, "onnxruntime": model.ort_version}
    for size in SIZES:
        label = f"{size[0]}x{size[1]}"
        for scene, frame in frames.items():
            perceiver = Perceiver(model)
            clock = [1_800_000_000.0]
            seen: list[int] = []

            def cycle(
                perceiver: Perceiver = perceiver,
                frame: bytes = frame,
                size: tuple[int, int] = size,
                clock: list[float] = clock,
                seen: list[int] = seen,
            ) -> None:
                clock[0] += 1.0
                seen.append(len(perceiver.cycle("camera.bench", frame, size, clock[0])))

            def decode(frame: bytes = frame, size: tuple[int, int] = size) -> None:
                decode_frame(frame, size)

            full = fps(cycle, args.seconds)
            base = fps(decode, args.seconds)
            target = size == (320, 240) and scene == "person"
            report.add(
                Row(
                    f"fps per camera at {label}, {scene} (decode+models+Sparks)",
                    full,
                    base,
                    "fps",
                    ">= 10 fps" if target else "",
                    (full >= 10) if target else None,
                )
            )
            decoded = decode_frame(frame, size)
            present = model.run(decoded).person >= 0.5
            # A candidate: the detector found one and the landmark model ran.
            candidate = model.pose(decoded) is not None
            report.add(Row(f"  person seen at {label}, {scene}", float(present), digits=0))
            report.add(Row(f"  landmark model ran, {scene}", float(candidate), digits=0))
            figures[f"fps_{label}_{scene.replace(' ', '_')}"] = full
            figures[f"baseline_decode_fps_{label}_{scene.replace(' ', '_')}"] = base
            if target:
                report.target("fps_320x240", full, 10.0, full >= 10, "fps")
    # Two cameras at once on the two cores, triggered size, a person in view.
    perceivers = [Perceiver(model), Perceiver(model)]

    def both() -> None:
        with ThreadPoolExecutor(2) as pool:
            list(
                pool.map(
                    lambda p: p.cycle("camera.bench", frames["person"], (320, 240)), perceivers
                )
            )

    pair = fps(both, args.seconds)
    report.add(Row("fps per camera, 2 cameras at 320x240 together", pair, unit="fps"))
    figures["fps_2cams_320x240_each"] = pair
    report.note("baseline = decode + resize of the same JPEG only, without inference")
    report.note(
        "where the detector finds no candidate it alone runs; with one, the landmark model"
        " decides (its presence flag), and with a person the face models run too"
    )
    report.print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
