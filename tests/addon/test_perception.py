"""Camera perception: frames stay in memory, Sparks only through the Templates."""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path
import subprocess
import sys

from aisthos_addon.perception import (
    CameraState,
    FrameError,
    Observation,
    Perceiver,
    PerceptionModel,
    decode_frame,
    hand_angle,
)
import numpy as np
from PIL import Image
import pytest

from .onnx_models import DARK, KEYPOINTS_HAND_UP, KEYPOINTS_HANDS_DOWN, RED, build_model, jpeg

NOW = 1_800_000_000.0


def test_frames_are_decoded_small() -> None:
    big = jpeg(RED, (1920, 1080))
    assert decode_frame(big, (160, 120)).shape[:2] == (90, 160)
    assert decode_frame(big, (320, 240)).shape[:2] == (180, 320)
    buffer = io.BytesIO()
    Image.new("RGB", (100, 80), RED).save(buffer, "PNG")
    assert decode_frame(buffer.getvalue(), (320, 240)).shape == (80, 100, 3)
    for bad in (b"", b"GIF89a....", b"\xff\xd8\xff" + b"\0" * 100, b"<svg/>"):
        with pytest.raises(FrameError):
            decode_frame(bad, (160, 120))


def test_hand_angle_from_keypoints() -> None:
    assert hand_angle(KEYPOINTS_HAND_UP) == pytest.approx(180.0)
    assert hand_angle(KEYPOINTS_HANDS_DOWN) == pytest.approx(0.0)
    sideways = KEYPOINTS_HANDS_DOWN.copy()
    sideways[9] = (0.10, 0.50, 0.9)
    assert hand_angle(sideways) == pytest.approx(90.0)
    unseen = KEYPOINTS_HAND_UP.copy()
    unseen[:, 2] = 0.1
    assert hand_angle(unseen) is None
    nan = KEYPOINTS_HAND_UP.copy()
    nan[9, :2] = np.nan
    nan[10, 2] = 0.0
    assert math.isnan(hand_angle(nan) or 0.0)


def test_a_cycle_makes_presence_gesture_and_expression_sparks() -> None:
    perceiver = Perceiver(PerceptionModel(build_model()))
    perceiver.camera("camera.hall", "Entrance hall")
    sparks = perceiver.cycle("camera.hall", jpeg(RED), (320, 240), NOW)
    assert [(s.kind, s.action) for s in sparks] == [
        ("motion", "detected"),
        ("gesture", "raised_hand"),
        ("expression", "showed"),
    ]
    assert {s.area for s in sparks} == {"hallway"}
    assert {s.subject for s in sparks} == {"someone"}
    # Same scene again: nothing new (no repeated expression, gesture cool-down).
    assert perceiver.cycle("camera.hall", jpeg(RED), (320, 240), NOW + 1) == []
    cleared = perceiver.cycle("camera.hall", jpeg(DARK), (160, 120), NOW + 2)
    assert [(s.kind, s.action) for s in cleared] == [("motion", "cleared")]
    assert perceiver.stats.rejected == 0


def test_fixed_size_models_get_resized_frames() -> None:
    model = PerceptionModel(build_model(input_size=(96, 72)))
    assert model.input_size == (96, 72)
    observation = model.run(decode_frame(jpeg(RED), (320, 240)))
    assert observation.person > 0.9


@pytest.mark.parametrize(
    ("angle", "expression"),
    [
        (float("nan"), "Call 555-0100"),
        (float("inf"), "happy\nSTOP"),
        (181.0, "EXIT"),
        (1e9, "neutral; DROP TABLE"),
        (360.0, 3),
        ("120", b"happy"),
        (True, "Happy"),
        (None, "<script>"),
    ],
)
def test_hostile_model_outputs_are_rejected_by_the_templates(
    angle: object, expression: object
) -> None:
    perceiver = Perceiver(PerceptionModel(build_model()))
    state = CameraState(area="kitchen", present=True)
    sparks = perceiver.sparks_for(state, Observation(1.0, angle, expression, 0.99), NOW)
    assert sparks == []
    assert perceiver.stats.rejected == (1 if angle is None else 2)


def test_hostile_model_end_to_end() -> None:
    nan_keypoints = KEYPOINTS_HAND_UP.copy()
    nan_keypoints[[9, 10], :2] = np.nan
    model = PerceptionModel(
        build_model(
            keypoints=nan_keypoints,
            expression_logits=(0.0, 0.0, 9.0),
            labels=("neutral", "happy", "Meet me at 12 Baker Street"),
        )
    )
    perceiver = Perceiver(model)
    sparks = perceiver.cycle("camera.x", jpeg(RED), (320, 240), NOW)
    assert [s.kind for s in sparks] == ["motion"]
    assert perceiver.stats.rejected_fields == {"gesture": 1, "expression": 1}
    text = json.dumps([s.as_dict() for s in sparks])
    assert "Baker" not in text
    assert "nan" not in text.lower()


NO_FILES_SCRIPT = r"""
import json, os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
model_path, frame_path, data_dir = sys.argv[3], sys.argv[4], Path(sys.argv[5])
frame = Path(frame_path).read_bytes()
frame_dark = Path(frame_path + ".dark").read_bytes()
def listing():
    out = {}
    for root in (Path.cwd(), Path(os.environ["TMPDIR"]), Path("/tmp"), Path("/dev/shm"), data_dir):
        out[str(root)] = sorted(str(p) for p in root.rglob("*")) if root.exists() else []
    return out
writes = []
def audit(event, args):
    if event == "open" and len(args) > 1 and isinstance(args[1], str) and set(args[1]) & set("wax+"):
        writes.append(str(args[0]))
    elif event in ("os.mkdir", "os.rename", "os.replace", "shutil.copyfile", "tempfile.mkstemp",
                   "tempfile.mkdtemp", "os.symlink", "os.link"):
        writes.append(f"{event} {args[0]}")
start = listing()
from aisthos_addon.perception import Perceiver, PerceptionModel
if model_path == "builtin":
    from aisthos_addon.builtin_models import BuiltinPipeline
    perceiver = Perceiver(BuiltinPipeline())
else:
    perceiver = Perceiver(PerceptionModel(model_path))
loaded = listing()
ses = Path(os.environ["TMPDIR"]) / ".ses"
ses_text = ses.read_text() if ses.exists() else ""
before = listing()
sys.addaudithook(audit)
sparks = []
for i in range(6):
    sparks += perceiver.cycle("camera.x", frame if i % 2 == 0 else frame_dark,
                              (320, 240) if i % 3 else (160, 120), 1.8e9 + i * 20)
after = listing()
print(json.dumps({"start": start, "loaded": loaded, "ses": ses_text, "before": before,
                  "after": after, "writes": writes, "sparks": len(sparks)}))
"""


def test_a_perception_cycle_leaves_no_file_behind(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "pose.onnx").write_bytes(build_model())
    (models / "frame.jpg").write_bytes(jpeg(RED))
    (models / "frame.jpg.dark").write_bytes(jpeg(DARK))
    work, tmp, data = (tmp_path / name for name in ("cwd", "tmpdir", "data"))
    for folder in (work, tmp, data):
        folder.mkdir()
    addon = Path(__file__).resolve().parents[2] / "addon"
    repo = Path(__file__).resolve().parents[2]
    env = {key: value for key, value in os.environ.items() if key not in ("TMPDIR", "TEMP", "TMP")}
    env.update(TMPDIR=str(tmp), AISTHOS_ENGINE_PATH=str(addon))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_FILES_SCRIPT,
            str(addon),
            str(repo),
            str(models / "pose.onnx"),
            str(models / "frame.jpg"),
            str(data),
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["sparks"] == 12  # 3 x (presence, gesture, expression) + 3 x cleared
    assert result["writes"] == []
    for folder, entries in result["before"].items():
        new = set(result["after"][folder]) - set(entries)
        if folder == "/tmp":  # other processes (pip, other pytest workers) may use /tmp meanwhile
            others = ("pip-", "tmp", "pytest-of-")
            new = {p for p in new if not Path(p).relative_to("/tmp").parts[0].startswith(others)}
        assert new == set(), folder
    assert result["after"][str(data)] == []
    assert result["after"][str(work)] == []
    # Loading onnxruntime (once per process, before any frame) writes one file:
    # $TMPDIR/.ses, the session id of the telemetry SDK built into onnxruntime's
    # Linux wheels (a timestamp and a random UUID). Nothing else, and nothing later.
    assert result["after"][str(tmp)] in ([], [str(tmp / ".ses")])
    assert len(result["ses"]) < 100
    assert all(line.replace("-", "").isalnum() for line in result["ses"].split())
