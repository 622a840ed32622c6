"""The built-in perception on real photos: people found, none invented, gates honest."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
import subprocess
import sys
from typing import Any

from aisthos_addon.builtin_models import (
    FACE_ANCHORS,
    MODELS,
    POSE_ANCHORS,
    BuiltinPipeline,
    available,
)
from aisthos_addon.perception import Perceiver
import numpy as np
from numpy.typing import NDArray
from PIL import Image
import pytest
from skimage import data

from .test_perception import NO_FILES_SCRIPT

ADDON = Path(__file__).resolve().parents[2] / "addon"


@pytest.fixture(scope="module")
def pipeline() -> BuiltinPipeline:
    return BuiltinPipeline()


def photo(name: str, size: tuple[int, int] | None = None) -> NDArray[np.uint8]:
    """A photo that ships inside scikit-image, as RGB, optionally resized."""
    image = np.asarray(getattr(data, name)())
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    if size is not None:
        image = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR))
    return image


def jpeg(image: NDArray[np.uint8]) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="JPEG", quality=90)
    return out.getvalue()


def test_the_shipped_models_are_the_ones_converted() -> None:
    assert available()
    sums = dict(
        reversed(line.split("  ")) for line in (MODELS / "SHA256SUMS").read_text().splitlines()
    )
    assert set(sums) == {p.name for p in MODELS.glob("*.onnx")}
    for name, digest in sums.items():
        assert hashlib.sha256((MODELS / name).read_bytes()).hexdigest() == digest, name
    assert "Apache License" in (MODELS / "LICENSE.mediapipe").read_text()
    assert "MIT License" in (MODELS / "LICENSE.fer").read_text()
    assert "NOTICE" in {p.name for p in MODELS.iterdir()}


def test_the_anchor_grids_match_the_detectors_outputs(pipeline: BuiltinPipeline) -> None:
    assert len(POSE_ANCHORS) == pipeline.detector.get_outputs()[0].shape[1] == 2254
    assert len(FACE_ANCHORS) == pipeline.face.get_outputs()[0].shape[1] == 896


@pytest.mark.parametrize("size", [None, (320, 240)])
def test_the_astronaut_is_a_smiling_person(pipeline: BuiltinPipeline, size: Any) -> None:
    observation = pipeline.run(photo("astronaut", size))
    assert observation.person >= 0.8
    assert observation.expression == "happy"
    assert observation.expression_score >= 0.9


def test_her_joints_sit_where_a_body_has_them(pipeline: BuiltinPipeline) -> None:
    pose = pipeline.pose(photo("astronaut"))
    assert pose is not None
    _presence, joints = pose
    # Body axes, from the hips: shoulders well above them, apart, each wrist
    # below its shoulder (her arms hang down).
    left, right = joints[5], joints[6]
    for shoulder, wrist in ((joints[5], joints[9]), (joints[6], joints[10])):
        assert shoulder[1] < -100
        assert wrist[1] > shoulder[1] + 60
    assert abs(left[0] - right[0]) > 120


@pytest.mark.parametrize("turn", [Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180])
def test_a_turned_camera_sees_the_same_hanging_arms(
    pipeline: BuiltinPipeline, turn: Image.Transpose
) -> None:
    upright = pipeline.run(photo("astronaut"))
    turned = np.asarray(Image.fromarray(photo("astronaut")).transpose(turn))
    observation = pipeline.run(turned)
    assert observation.person >= 0.5
    assert isinstance(upright.hand_angle, float)
    if turn is Image.Transpose.ROTATE_180:
        assert isinstance(observation.hand_angle, float)  # the arms are seen
    # Arms down, not raised (measured against the frame, upside down read 170).
    assert observation.hand_angle is None or observation.hand_angle < 60


@pytest.mark.parametrize("kind", ["grey", "rgba"])
def test_grey_and_rgba_frames_are_read_as_rgb(pipeline: BuiltinPipeline, kind: str) -> None:
    rgb = photo("astronaut")
    frame = (
        rgb.mean(axis=2).astype(np.uint8)
        if kind == "grey"
        else np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    )
    assert pipeline.run(frame).person >= 0.5


@pytest.mark.parametrize("name", ["coffee", "chelsea", "rocket"])
def test_no_person_in_photos_without_one(pipeline: BuiltinPipeline, name: str) -> None:
    observation = pipeline.run(photo(name))
    assert observation.person < 0.5
    assert observation.hand_angle is None
    assert observation.expression is None


def test_a_face_under_40_px_has_no_expression(pipeline: BuiltinPipeline) -> None:
    # At 160 x 120 her face is about 30 px: a person, but no expression read.
    observation = pipeline.run(photo("astronaut", (160, 120)))
    assert observation.person >= 0.5
    assert observation.expression is None


def test_an_arm_cut_off_by_the_frame_is_no_gesture(pipeline: BuiltinPipeline) -> None:
    whole = pipeline.run(photo("astronaut"))
    assert isinstance(whole.hand_angle, float)
    # Her wrists are below y = 370: the top 300 rows show shoulders, no wrist.
    top = photo("astronaut")[:300]
    observation = pipeline.run(np.ascontiguousarray(top))
    assert observation.person >= 0.5
    assert observation.hand_angle is None


def test_labels_outside_the_ontology_are_dropped(pipeline: BuiltinPipeline) -> None:
    real = pipeline.expression

    class Peaked:
        """mini-Xception's output shape, with all weight on one class."""

        def __init__(self, index: int) -> None:
            self.index = index

        def get_inputs(self) -> Any:
            return real.get_inputs()

        def run(self, _names: Any, _feed: Any) -> list[NDArray[np.float32]]:
            out = np.zeros((1, 7), dtype=np.float32)
            out[0, self.index] = 1.0
            return [out]

    try:
        seen = {}
        for index, label in enumerate(pipeline.labels):
            pipeline.expression = Peaked(index)
            seen[label] = pipeline.read_expression(photo("astronaut"))[0]
    finally:
        pipeline.expression = real
    assert seen == {
        "angry": "angry", "disgust": None, "fear": None, "happy": "happy",
        "sad": "sad", "surprise": "surprise", "neutral": "neutral",
    }  # fmt: skip


def test_camera_frames_become_sparks(pipeline: BuiltinPipeline) -> None:
    perceiver = Perceiver(pipeline)
    perceiver.camera("camera.hall", "Hallway")
    sparks = perceiver.cycle("camera.hall", jpeg(photo("astronaut")), (320, 240), 1.8e9)
    described = sorted((s.kind, s.action, dict(s.extra).get("expression")) for s in sparks)
    assert ("expression", "showed", "happy") in described
    assert ("motion", "detected", None) in described
    assert all(s.area == "hallway" for s in sparks)
    gone = perceiver.cycle("camera.hall", jpeg(photo("coffee")), (320, 240), 1.8e9 + 10)
    assert [(s.kind, s.action) for s in gone] == [("motion", "cleared")]


def test_a_builtin_cycle_leaves_no_file_behind(tmp_path: Path) -> None:
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "frame.jpg").write_bytes(jpeg(photo("astronaut")))
    (frames / "frame.jpg.dark").write_bytes(jpeg(photo("coffee")))
    work, tmp, store = (tmp_path / name for name in ("cwd", "tmpdir", "data"))
    for folder in (work, tmp, store):
        folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("TMPDIR", "TEMP", "TMP")}
    env.update(TMPDIR=str(tmp), AISTHOS_ENGINE_PATH=str(ADDON))
    done = subprocess.run(
        [sys.executable, "-c", NO_FILES_SCRIPT, str(ADDON), str(ADDON.parent), "builtin",
         str(frames / "frame.jpg"), str(store)],
        cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["sparks"] >= 4  # detected and cleared, over and over, and a smile
    assert result["writes"] == []
    assert result["after"][str(store)] == []
    assert result["after"][str(work)] == []
    assert result["after"][str(tmp)] in ([], [str(tmp / ".ses")])
