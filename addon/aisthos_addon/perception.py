"""Camera perception: a frame in memory becomes presence, gesture and expression Sparks.

A frame lives only as bytes and arrays in this process: it is decoded straight
from memory, shrunk to at most 160x120 (always on) or 320x240 (triggered), run
through an ONNX model, and dropped. Nothing is written to disk, and no text a
model might read in a frame can reach a Spark: every Spark is built by the
engine's Templates, which have no text field and reject any value outside the
ontology (labels that are not expressions, NaN, angles outside 0..180).

By default the built-in models run (builtin_models.py: BlazePose, BlazeFace
and mini-Xception, shipped in addon/models). A model of one's own is one ONNX
file, given by path, with this contract:
  input   float32 [1, 3, H, W], RGB in 0..1 (H, W fixed or dynamic)
  outputs "person"     [1, 1]      probability that a person is in view
          "keypoints"  [1, 17, 3]  COCO pose keypoints (x, y in 0..1 of the frame, score)
          "expression" [1, C]      expression logits; labels from the model's metadata
                                   "expression_labels" (comma separated), default the
                                   ontology order neutral,happy,sad,surprise,angry
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import io
import logging
import math
from pathlib import Path
import time
from typing import Any, Final, Protocol

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from ._engine import (
    AREA_UNKNOWN,
    SUBJECT_SOMEONE,
    TEMPLATES,
    Action,
    Cause,
    Expression,
    ObjectType,
    Spark,
    SparkValueError,
    make_spark,
    room_type,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_LABELS: Final = tuple(e.value for e in Expression)
# COCO keypoint indices.
L_SHOULDER, R_SHOULDER, L_WRIST, R_WRIST = 5, 6, 9, 10
MAX_FRAME_BYTES: Final = 8 * 1024 * 1024
_FORMATS: Final = ("JPEG", "PNG")


class FrameError(ValueError):
    """The bytes are not a usable camera frame."""


def decode_frame(data: bytes, cap: tuple[int, int]) -> NDArray[np.uint8]:
    """Decode a JPEG/PNG from memory into an RGB array no larger than cap (w, h).

    JPEG frames are decoded at a reduced DCT scale first (draft mode), so a
    1080p snapshot never exists in memory at full size.
    """
    if len(data) > MAX_FRAME_BYTES:
        raise FrameError("frame too large")
    try:
        with Image.open(io.BytesIO(data), formats=_FORMATS) as image:
            image.draft("RGB", cap)
            rgb = image.convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise FrameError(f"not a JPEG/PNG frame: {type(err).__name__}") from None
    rgb.thumbnail(cap, Image.Resampling.BILINEAR, reducing_gap=None)
    return np.asarray(rgb, dtype=np.uint8)


def hand_angle(keypoints: NDArray[np.float32], min_score: float = 0.3) -> float | None:
    """Return the raised-arm angle in degrees (0 = arm down, 180 = straight up).

    The arm is shoulder -> wrist; of both arms the higher one counts. None when
    no arm is seen with enough confidence. NaN coordinates give NaN on purpose:
    the gesture Template rejects it.
    """
    best: float | None = None
    for shoulder, wrist in ((L_SHOULDER, L_WRIST), (R_SHOULDER, R_WRIST)):
        if keypoints.shape[0] <= max(shoulder, wrist):
            return None
        sx, sy, s_score = (float(v) for v in keypoints[shoulder])
        wx, wy, w_score = (float(v) for v in keypoints[wrist])
        if not (s_score >= min_score and w_score >= min_score):
            continue
        dx, dy = wx - sx, wy - sy  # image y grows downwards
        length = math.hypot(dx, dy)
        if length == 0:
            continue
        # 0 degrees = wrist straight below the shoulder; np.clip keeps NaN a NaN.
        angle = float(np.degrees(np.arccos(np.clip(dy / length, -1.0, 1.0))))
        if best is None or not angle <= best:
            best = angle
    return best


@dataclass(frozen=True, slots=True)
class Observation:
    """What one frame showed, before the Templates check it."""

    person: float
    hand_angle: object  # float or None normally; anything a model may produce
    expression: object  # a label normally; anything a model may produce
    expression_score: float


class FrameModel(Protocol):
    """What a Perceiver runs: the built-in pipeline or a PerceptionModel of one's own."""

    name: str
    ort_version: str

    def run(self, frame: NDArray[np.uint8]) -> Observation:
        """Interpret one frame (H x W x 3, uint8)."""
        ...


def onnx_session(model: str | Path | bytes, threads: int = 1) -> Any:
    """Open an onnxruntime CPU session that writes no optimized model, profile or telemetry."""
    import onnxruntime as ort  # type: ignore[import-untyped]  # noqa: PLC0415 - heavy

    # The Linux wheels carry a telemetry SDK: keep its events off.
    ort.disable_telemetry_events()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.enable_profiling = False
    options.log_severity_level = 3
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def onnxruntime_version() -> str:
    """Return the version of onnxruntime in use."""
    import onnxruntime as ort  # noqa: PLC0415

    return str(ort.__version__)


class PerceptionModel:
    """An onnxruntime session for the perception model contract above."""

    def __init__(self, model: str | Path | bytes, threads: int = 1) -> None:
        """Load the model from a path or from bytes; never writes optimized models or profiles."""
        self.session = onnx_session(model, threads)
        meta = self.session.get_modelmeta()
        custom: Mapping[str, str] = meta.custom_metadata_map or {}
        labels = custom.get("expression_labels")
        self.labels: tuple[str, ...] = tuple(labels.split(",")) if labels else DEFAULT_LABELS
        self.name = custom.get("name") or meta.graph_name or "model"
        self.ort_version = onnxruntime_version()
        first = self.session.get_inputs()[0]
        self.input_name: str = first.name
        shape = list(first.shape)
        height, width = (shape[2], shape[3]) if len(shape) == 4 else (None, None)
        self.input_size: tuple[int, int] | None = (
            (width, height) if isinstance(width, int) and isinstance(height, int) else None
        )
        self.output_names = [o.name for o in self.session.get_outputs()]

    def run(self, frame: NDArray[np.uint8]) -> Observation:
        """Run one frame (H x W x 3, uint8) and interpret the outputs."""
        if self.input_size is not None and (frame.shape[1], frame.shape[0]) != self.input_size:
            resized = Image.fromarray(frame).resize(self.input_size, Image.Resampling.BILINEAR)
            frame = np.asarray(resized, dtype=np.uint8)
        tensor = (frame.astype(np.float32) * (1.0 / 255.0)).transpose(2, 0, 1)[np.newaxis]
        results = self.session.run(None, {self.input_name: np.ascontiguousarray(tensor)})
        named: dict[str, Any] = dict(zip(self.output_names, results, strict=True))
        person = float(np.asarray(named.get("person", results[0])).reshape(-1)[0])
        keypoints = np.asarray(named.get("keypoints", results[1]), dtype=np.float32)
        keypoints = keypoints.reshape(-1, 3)
        logits = np.asarray(named.get("expression", results[2]), dtype=np.float64).reshape(-1)
        label: object = None
        score = 0.0
        if logits.size:
            with np.errstate(all="ignore"):
                shifted = np.exp(logits - np.max(logits))
                probs = shifted / np.sum(shifted)
            index = int(np.argmax(logits)) if np.all(np.isfinite(logits)) else 0
            label = self.labels[index] if index < len(self.labels) else f"class_{index}"
            score = float(probs[index])
        return Observation(person, hand_angle(keypoints), label, score)


@dataclass(slots=True)
class CameraState:
    """What one camera last reported (so Sparks mark changes, not every frame)."""

    area: str
    present: bool = False
    last_expression: object = None
    last_gesture_time: float = 0.0
    triggered_until: float = 0.0


@dataclass(slots=True)
class PerceptionStats:
    """Counters for the status endpoint."""

    cycles: int = 0
    sparks: int = 0
    rejected: int = 0
    frame_errors: int = 0
    last_cycle_ms: float = 0.0
    rejected_fields: dict[str, int] = field(default_factory=dict)


class Perceiver:
    """Turns frames into Sparks, camera by camera, through the engine's Templates."""

    person_threshold = 0.5
    raise_threshold = 100.0  # degrees: the wrist clearly above shoulder height
    expression_threshold = 0.6
    gesture_cooldown = 10.0

    def __init__(self, model: FrameModel) -> None:
        """Use one loaded model for all cameras (one inference at a time per camera)."""
        self.model = model
        self.cameras: dict[str, CameraState] = {}
        self.stats = PerceptionStats()

    def camera(self, entity: str, area_name: str = "") -> CameraState:
        """Return the state of a camera; its area is reduced to a room-type token."""
        state = self.cameras.get(entity)
        if state is None:
            area = room_type(area_name).value if area_name else AREA_UNKNOWN
            state = self.cameras[entity] = CameraState(area)
        return state

    def cycle(
        self, entity: str, data: bytes, cap: tuple[int, int], now: float | None = None
    ) -> list[Spark]:
        """Decode one frame (bytes in memory), run the model, return the new Sparks."""
        started = time.perf_counter()
        now = time.time() if now is None else now
        state = self.camera(entity)
        try:
            frame = decode_frame(data, cap)
        except FrameError:
            self.stats.frame_errors += 1
            return []
        observation = self.model.run(frame)
        del frame
        sparks = self.sparks_for(state, observation, now)
        self.stats.cycles += 1
        self.stats.sparks += len(sparks)
        self.stats.last_cycle_ms = (time.perf_counter() - started) * 1000
        return sparks

    def sparks_for(self, state: CameraState, obs: Observation, now: float) -> list[Spark]:
        """Return the Sparks an observation makes; the Templates are the final gate."""
        sparks: list[Spark] = []
        present = obs.person >= self.person_threshold  # NaN is not a person
        if present != state.present:
            state.present = present
            self._make(
                sparks,
                "motion",
                {
                    "time": now,
                    "area": state.area,
                    "subject": SUBJECT_SOMEONE,
                    "action": (Action.DETECTED if present else Action.CLEARED).value,
                    "object": ObjectType.PRESENCE.value,
                    "band": "none",
                    "cause": Cause.PERSON.value,
                },
            )
        if not present:
            state.last_expression = None
            return sparks
        angle = obs.hand_angle
        # Anything not clearly below the threshold goes to the Template, which
        # rejects what is not a finite number within 0..180 (NaN, 1e9, "90").
        clearly_down = isinstance(angle, float) and angle < self.raise_threshold
        if (
            angle is not None
            and not clearly_down
            and now - state.last_gesture_time >= self.gesture_cooldown
        ):
            state.last_gesture_time = now
            self._make(
                sparks,
                "gesture",
                {
                    "time": now,
                    "area": state.area,
                    "subject": SUBJECT_SOMEONE,
                    "action": Action.RAISED_HAND.value,
                    "angle": angle,
                    "cause": Cause.PERSON.value,
                },
            )
        if (
            obs.expression is not None
            and not obs.expression_score < self.expression_threshold
            and obs.expression != state.last_expression
        ):
            state.last_expression = obs.expression
            self._make(
                sparks,
                "expression",
                {
                    "time": now,
                    "area": state.area,
                    "subject": SUBJECT_SOMEONE,
                    "action": Action.SHOWED.value,
                    "expression": obs.expression,
                    "cause": Cause.PERSON.value,
                },
            )
        return sparks

    def _make(self, sparks: list[Spark], template: str, values: dict[str, object]) -> None:
        spec = TEMPLATES[template]
        if any(field.name == "act" for field in spec.fields):
            values = {**values, "act": 0.0}  # a camera's moment is an act of its own
        try:
            sparks.append(make_spark(spec, "", values))
        except SparkValueError:
            # The value itself is never logged: it may be whatever a model produced.
            self.stats.rejected += 1
            self.stats.rejected_fields[template] = self.stats.rejected_fields.get(template, 0) + 1
            _LOGGER.debug("a %s Spark was rejected by its Template", template)
