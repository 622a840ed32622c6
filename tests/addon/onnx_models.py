"""Small ONNX perception models built in memory, following the add-on's model contract.

The person score follows the mean red level of the frame (a red frame "shows a
person"), keypoints and expression logits are fixed values (zero weights plus a
bias), so a test knows exactly what the model will say. `width`/`depth` grow a
stack of strided convolutions in front, for benchmarks that want real work.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
import onnx
from onnx import TensorProto, helper, numpy_helper

# COCO order: nose, eyes, ears, shoulders (5, 6), elbows (7, 8), wrists (9, 10), ...
KEYPOINTS_HAND_UP = np.full((17, 3), 0.5, dtype=np.float32)
KEYPOINTS_HAND_UP[5] = (0.40, 0.50, 0.9)  # left shoulder
KEYPOINTS_HAND_UP[9] = (0.40, 0.20, 0.9)  # left wrist straight above: 180 degrees
KEYPOINTS_HAND_UP[6] = (0.60, 0.50, 0.9)  # right shoulder
KEYPOINTS_HAND_UP[10] = (0.60, 0.80, 0.9)  # right wrist below: 0 degrees
KEYPOINTS_HANDS_DOWN = KEYPOINTS_HAND_UP.copy()
KEYPOINTS_HANDS_DOWN[9] = (0.40, 0.80, 0.9)


def _init(name: str, array: NDArray[np.float32] | NDArray[np.int64]) -> onnx.TensorProto:
    return numpy_helper.from_array(array, name)


def build_model(
    *,
    keypoints: NDArray[np.float32] = KEYPOINTS_HAND_UP,
    expression_logits: Sequence[float] = (0.0, 6.0, 0.0, 0.0, 0.0),  # happy
    labels: Sequence[str] | None = None,
    width: int = 8,
    depth: int = 1,
    input_size: tuple[int, int] | None = None,  # (w, h) fixed, or dynamic
    name: str = "tiny-pose-test",
    seed: int = 0,
) -> bytes:
    """Return a serialized ONNX model (opset 17)."""
    rng = np.random.default_rng(seed)
    h: int | str = input_size[1] if input_size else "H"
    w: int | str = input_size[0] if input_size else "W"
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []
    previous, channels = "image", 3
    for i in range(depth):
        out_ch = width * (2 ** min(i, 3))
        weight = rng.normal(0, (2 / (channels * 9)) ** 0.5, (out_ch, channels, 3, 3))
        inits += [
            _init(f"conv{i}_w", weight.astype(np.float32)),
            _init(f"conv{i}_b", np.zeros(out_ch, np.float32)),
        ]
        nodes += [
            helper.make_node(
                "Conv",
                ["image" if i == 0 else f"relu{i - 1}", f"conv{i}_w", f"conv{i}_b"],
                [f"conv{i}"],
                kernel_shape=[3, 3],
                strides=[2, 2] if i < 4 else [1, 1],
                pads=[1, 1, 1, 1],
            ),
            helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"]),
        ]
        previous, channels = f"relu{i}", out_ch
    nodes += [
        helper.make_node("GlobalAveragePool", [previous], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["features"]),
        helper.make_node("GlobalAveragePool", ["image"], ["mean_rgb4"]),
        helper.make_node("Flatten", ["mean_rgb4"], ["mean_rgb"]),
        # person = sigmoid(20 * (red - 0.5) + 0 * features...)
        helper.make_node("Gemm", ["mean_rgb", "person_w", "person_b"], ["person_logit"]),
        helper.make_node("Sigmoid", ["person_logit"], ["person"]),
        helper.make_node("Gemm", ["features", "kp_w", "kp_b"], ["kp_flat"]),
        helper.make_node("Reshape", ["kp_flat", "kp_shape"], ["keypoints"]),
        helper.make_node("Gemm", ["features", "ex_w", "ex_b"], ["expression"]),
    ]
    logits = np.asarray(expression_logits, dtype=np.float32)
    inits += [
        _init("person_w", np.array([[20.0], [0.0], [0.0]], np.float32)),
        _init("person_b", np.array([-10.0], np.float32)),
        _init("kp_w", np.zeros((channels, 51), np.float32)),
        _init("kp_b", np.asarray(keypoints, np.float32).reshape(51)),
        _init("kp_shape", np.array([1, 17, 3], np.int64)),
        _init("ex_w", np.zeros((channels, logits.size), np.float32)),
        _init("ex_b", logits),
    ]
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, h, w])],
        [
            helper.make_tensor_value_info("person", TensorProto.FLOAT, [1, 1]),
            helper.make_tensor_value_info("keypoints", TensorProto.FLOAT, [1, 17, 3]),
            helper.make_tensor_value_info("expression", TensorProto.FLOAT, [1, logits.size]),
        ],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    metadata = {"name": name}
    if labels is not None:
        metadata["expression_labels"] = ",".join(labels)
    helper.set_model_props(model, metadata)
    onnx.checker.check_model(model)
    return model.SerializeToString()


def jpeg(
    color: tuple[int, int, int], size: tuple[int, int] = (640, 480), quality: int = 85
) -> bytes:
    """Return a JPEG of one colour, with some texture, made in memory."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):
        draw.line([(x, 0), (x, size[1])], fill=(color[0], 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


RED = (230, 30, 30)  # the tiny model sees a person
DARK = (10, 10, 10)  # nobody
