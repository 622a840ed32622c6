"""The built-in perception: BlazePose, BlazeFace and mini-Xception on onnxruntime.

Shipped in addon/models (made from PyPI wheels by scripts/convert-models; see
NOTICE there), so the add-on sees people out of the box and nothing is
downloaded at run time. One frame goes:

1. the BlazePose detector (224 x 224, whole frame letterboxed) finds the most
   likely person and two alignment points (hips, and a point past the head);
2. the full BlazePose landmark model reads a square crop turned upright
   around them: 39 landmarks, each with visibility, and a presence flag;
3. BlazeFace short-range (128 x 128) finds the face, and mini-Xception reads
   its expression from a 64 x 64 grey crop.

Honest gates: "person" is the landmark model's presence flag; a raised hand
needs shoulder, elbow and wrist confident and inside the frame; an
expression needs a face of at least 40 px found at 0.8 or more. Expressions
outside the ontology (disgust, fear) are dropped, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from .perception import Observation, hand_angle, onnx_session, onnxruntime_version

MODELS: Final = Path(__file__).resolve().parents[1] / "models"
DETECTOR: Final = "pose_detection.onnx"
LANDMARKS: Final = "pose_landmark_full.onnx"
FACE: Final = "face_detection_short_range.onnx"
EXPRESSION: Final = "emotion_mini_xception.onnx"

# mini-Xception's classes, in its output order, and what the ontology calls them.
FER_LABELS: Final = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
TO_ONTOLOGY: Final = {
    "angry": "angry",
    "happy": "happy",
    "sad": "sad",
    "surprise": "surprise",
    "neutral": "neutral",
}

DETECTION_MIN: Final = 0.5  # detector score for a candidate person
FACE_MIN: Final = 0.8  # face score before an expression is read
FACE_MIN_PX: Final = 40.0  # smaller faces carry too little for an expression
JOINT_MIN: Final = 0.5  # visibility of shoulder, elbow and wrist for a gesture
# BlazePose landmark indices (left/right shoulder, elbow, wrist).
ARMS: Final = ((11, 13, 15), (12, 14, 16))
# COCO indices the gesture code reads (shoulders 5, 6; wrists 9, 10).
COCO_OF: Final = {11: 5, 12: 6, 15: 9, 16: 10}

type Floats = NDArray[np.float32]


def ssd_anchors(size: int, strides: tuple[int, ...]) -> NDArray[np.float64]:
    """Return SSD anchor centres (x, y in 0..1) as MediaPipe's detectors lay them out.

    Two anchors per cell and layer; layers sharing a stride share one grid,
    so their anchors sit together cell by cell.
    """
    centres: list[tuple[float, float]] = []
    i = 0
    while i < len(strides):
        stride, same = strides[i], 0
        while i < len(strides) and strides[i] == stride:
            same += 1
            i += 1
        cells = math.ceil(size / stride)
        for y in range(cells):
            for x in range(cells):
                centres.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * (2 * same))
    return np.asarray(centres, dtype=np.float64)


POSE_ANCHORS: Final = ssd_anchors(224, (8, 16, 32, 32, 32))
FACE_ANCHORS: Final = ssd_anchors(128, (8, 16, 16, 16))


def sigmoid(values: NDArray[Any]) -> NDArray[np.float64]:
    """Return the logistic function of logits (clipped, as MediaPipe does)."""
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(values.astype(np.float64), -100, 100))))


@dataclass(frozen=True, slots=True)
class Letterbox:
    """A frame padded to a centred square: maps model coordinates back to frame pixels."""

    width: int
    height: int

    @property
    def side(self) -> int:
        """Return the side of the square."""
        return max(self.width, self.height)

    def to_frame(self, x: NDArray[Any], y: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
        """Map 0..1 coordinates of the square to frame pixels."""
        side = self.side
        return x * side - (side - self.width) / 2, y * side - (side - self.height) / 2

    def tensor(self, frame: NDArray[np.uint8], size: int) -> Floats:
        """Return the letterboxed frame as [1, size, size, 3] in -1..1."""
        square = Image.new("RGB", (self.side, self.side))
        square.paste(
            Image.fromarray(frame),
            ((self.side - self.width) // 2, (self.side - self.height) // 2),
        )
        pixels = np.asarray(square.resize((size, size), Image.Resampling.BILINEAR))
        return (pixels.astype(np.float32) * (2.0 / 255.0) - 1.0)[np.newaxis]


@dataclass(frozen=True, slots=True)
class Detection:
    """The best detection of one detector pass, in frame pixels."""

    score: float
    box: tuple[float, float, float, float]  # centre x, centre y, width, height
    keypoints: NDArray[np.float64]  # [k, 2]


def best_detection(
    regressors: NDArray[Any],
    scores: NDArray[Any],
    anchors: NDArray[np.float64],
    size: int,
    letterbox: Letterbox,
    minimum: float,
) -> Detection | None:
    """Decode the highest-scoring SSD box of a detector (boxes relative to its anchor)."""
    raw = regressors.reshape(len(anchors), -1).astype(np.float64)
    probability = sigmoid(scores.reshape(-1))
    best = int(np.argmax(probability))
    if not probability[best] >= minimum:
        return None
    row, (ax, ay) = raw[best] / size, anchors[best]
    cx, cy = letterbox.to_frame(np.asarray(row[0] + ax), np.asarray(row[1] + ay))
    side = letterbox.side
    points = row[4:].reshape(-1, 2) + np.array([ax, ay])
    kx, ky = letterbox.to_frame(points[:, 0], points[:, 1])
    return Detection(
        float(probability[best]),
        (float(cx), float(cy), float(row[2] * side), float(row[3] * side)),
        np.stack([kx, ky], axis=1),
    )


@dataclass(frozen=True, slots=True)
class UprightCrop:
    """A square of the frame, turned so that the body stands upright in it."""

    centre: tuple[float, float]
    side: float
    right: tuple[float, float]  # the crop's x axis, in the frame
    down: tuple[float, float]  # the crop's y axis, in the frame

    @classmethod
    def around(cls, detection: Detection, scale: float = 1.25) -> UprightCrop | None:
        """Return the crop MediaPipe's pose ROI takes: hips to the point past the head."""
        (hx, hy), (tx, ty) = detection.keypoints[0], detection.keypoints[1]
        length = math.hypot(tx - hx, ty - hy)
        if not length > 1.0:
            return None
        ux, uy = (tx - hx) / length, (ty - hy) / length  # "up" of the body in the frame
        return cls((float(hx), float(hy)), 2.0 * length * scale, (-uy, ux), (-ux, -uy))

    def pixels(self, frame: NDArray[np.uint8], size: int) -> NDArray[np.uint8]:
        """Return the crop resampled to size x size (outside the frame is black)."""
        step = self.side / size
        (cx, cy), (rx, ry), (dx, dy) = self.centre, self.right, self.down
        # PIL maps each output pixel (u, v) to the input point (a u + b v + c, d u + e v + f).
        half = self.side / 2
        coefficients = (
            rx * step, dx * step, cx - half * (rx + dx),
            ry * step, dy * step, cy - half * (ry + dy),
        )  # fmt: skip
        image = Image.fromarray(frame).transform(
            (size, size), Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR
        )
        return np.asarray(image, dtype=np.uint8)

    def upright(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """Map frame pixels [n, 2] to the crop's axes (x right, y down the body), in pixels."""
        offset = points - np.asarray(self.centre)
        return np.stack([offset @ np.asarray(self.right), offset @ np.asarray(self.down)], axis=1)

    def to_frame(self, u: NDArray[Any], v: NDArray[Any], size: int) -> NDArray[np.float64]:
        """Map crop pixels back to frame pixels; returns [n, 2]."""
        a = (u / size - 0.5) * self.side
        b = (v / size - 0.5) * self.side
        (cx, cy), (rx, ry), (dx, dy) = self.centre, self.right, self.down
        return np.stack([cx + a * rx + b * dx, cy + a * ry + b * dy], axis=1)


class BuiltinPipeline:
    """Detector, landmarks, face and expression: the PerceptionModel interface."""

    def __init__(self, folder: Path = MODELS, threads: int = 1) -> None:
        """Load the four shipped models; never writes optimized models or profiles."""
        self.detector = onnx_session(folder / DETECTOR, threads)
        self.landmarks = onnx_session(folder / LANDMARKS, threads)
        self.face = onnx_session(folder / FACE, threads)
        self.expression = onnx_session(folder / EXPRESSION, threads)
        self.name = "BlazePose + BlazeFace + mini-Xception (built in)"
        self.ort_version = onnxruntime_version()
        self.labels = FER_LABELS

    def run(self, frame: NDArray[np.uint8]) -> Observation:
        """Run one frame (H x W x 3 RGB, or grey, or RGBA; uint8) and interpret it."""
        frame = as_rgb(frame)
        pose = self.pose(frame)
        if pose is None:
            return Observation(0.0, None, None, 0.0)
        presence, joints = pose
        angle = hand_angle(joints, JOINT_MIN) if presence >= 0.5 else None
        label, score = self.read_expression(frame) if presence >= 0.5 else (None, 0.0)
        return Observation(presence, angle, label, score)

    def pose(self, frame: NDArray[np.uint8]) -> tuple[float, Floats] | None:
        """Return the presence flag and COCO-shaped joints [17, 3] (body axes, confidence).

        Joint coordinates are pixels along the upright crop's axes, centred on
        the hips: x to the body's right side of the picture, y down the body.
        """
        frame = as_rgb(frame)
        height, width = frame.shape[:2]
        detection = self._detect(
            self.detector, frame, 224, ("Identity", "Identity_1"), POSE_ANCHORS, DETECTION_MIN
        )
        if detection is None:
            return None
        crop = UprightCrop.around(detection)
        if crop is None:
            return None
        pixels = crop.pixels(frame, 256).astype(np.float32) * (1.0 / 255.0)
        (first,) = self.landmarks.get_inputs()
        raw, flag = self._outputs(
            self.landmarks, {first.name: pixels[np.newaxis]}, ("Identity", "Identity_1")
        )
        presence = float(np.asarray(flag).reshape(-1)[0])
        points = np.asarray(raw, dtype=np.float64).reshape(39, 5)
        xy = crop.to_frame(points[:, 0], points[:, 1], 256)
        visible = sigmoid(points[:, 3])
        inside = (xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height)
        # Joints as the upright crop sees them: an arm is raised against the
        # body's own "down", also where the camera hangs upside down or tilted.
        upright = crop.upright(xy)
        joints = np.zeros((17, 3), dtype=np.float32)
        for shoulder, elbow, wrist in ARMS:
            # The arm counts only if all three joints are seen and inside the frame.
            trusted = min(visible[shoulder], visible[elbow], visible[wrist])
            if not (inside[shoulder] and inside[elbow] and inside[wrist]):
                trusted = 0.0
            for index in (shoulder, wrist):
                joints[COCO_OF[index]] = (upright[index, 0], upright[index, 1], trusted)
        return presence, joints

    def read_expression(self, frame: NDArray[np.uint8]) -> tuple[str | None, float]:
        """Return the expression of the most likely face and its probability."""
        frame = as_rgb(frame)
        face = self._detect(
            self.face, frame, 128, ("regressors", "classificators"), FACE_ANCHORS, FACE_MIN
        )
        if face is None:
            return None, 0.0
        cx, cy, w, h = face.box
        side = max(w, h)
        if side < FACE_MIN_PX:
            return None, 0.0
        # A little more than the box: mini-Xception was trained on loose face crops.
        half = 0.6 * side
        grey = (
            Image.fromarray(frame)
            .convert("L")
            .crop((round(cx - half), round(cy - half), round(cx + half), round(cy + half)))
        )
        pixels = np.asarray(grey.resize((64, 64), Image.Resampling.BILINEAR), dtype=np.float32)
        tensor = (pixels * (2.0 / 255.0) - 1.0).reshape(1, 64, 64, 1)
        (first,) = self.expression.get_inputs()
        (probabilities,) = self.expression.run(None, {first.name: tensor})
        probs = np.asarray(probabilities, dtype=np.float64).reshape(-1)
        index = int(np.argmax(probs))
        label = TO_ONTOLOGY.get(FER_LABELS[index]) if index < len(FER_LABELS) else None
        return label, float(probs[index]) if label is not None else 0.0

    def _detect(
        self,
        session: Any,
        frame: NDArray[np.uint8],
        size: int,
        outputs: tuple[str, str],
        anchors: NDArray[np.float64],
        minimum: float,
    ) -> Detection | None:
        """Run an SSD detector on the letterboxed frame; its best detection, in frame pixels."""
        box = Letterbox(frame.shape[1], frame.shape[0])
        (first,) = session.get_inputs()
        regressors, scores = self._outputs(session, {first.name: box.tensor(frame, size)}, outputs)
        return best_detection(regressors, scores, anchors, size, box, minimum)

    @staticmethod
    def _outputs(session: Any, feed: dict[str, Floats], names: tuple[str, ...]) -> list[Any]:
        """Run a session and return the named outputs, in that order."""
        return list(session.run(list(names), feed))


def as_rgb(frame: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Return a frame as H x W x 3 (grey is repeated, alpha dropped)."""
    if frame.ndim == 2:
        return np.ascontiguousarray(np.repeat(frame[:, :, np.newaxis], 3, axis=2))
    if frame.ndim == 3 and frame.shape[2] == 4:
        return np.ascontiguousarray(frame[:, :, :3])
    return frame


def available(folder: Path = MODELS) -> bool:
    """Return whether the shipped models are present (an image or checkout without them)."""
    return all((folder / name).is_file() for name in (DETECTOR, LANDMARKS, FACE, EXPRESSION))
