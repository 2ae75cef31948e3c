"""dlib's face-recognition ResNet, read from the file ``face_recognition_models`` ships and written
as an ONNX model, so that ONNX Runtime computes the same 128-d descriptors in batches (and on a GPU
where one is present).

The conversion is plain data handling: dlib's serialisation format (``dlib/serialize.h``,
``dlib/dnn/core.h`` and ``layers.h``) is read layer by layer; each convolution's affine layer (a
batch-norm frozen at training) is folded into the convolution; the graph is rebuilt with ONNX's
standard operators. Nothing is downloaded: the weights are the installed package's. The result is
checked against dlib itself on real face chips before it is used (tests/biometrics/test_face_model.py,
and :func:`check_against_dlib` at conversion time).

The network, from dlib's ``dnn_face_recognition_ex.cpp``::

    input 150×150 RGB − mean, ÷256 → con 32 7×7/2 → affine → relu → max_pool 3×3/2
    → 3 × residual(32) → 4 × residual(64, first down) → 3 × residual(128, first down)
    → 3 × residual(256, first down) → 1 × residual(256, down) → mean over space → fc 128 (no bias)

A residual is ``relu(x + affine(con(relu(affine(con(x))))))``; a "down" one strides its first
convolution by 2 and adds a 2×2 average pool of ``x``. dlib's ``add_prev`` adds tensors of
different sizes by treating what one lacks as zeros at the end, which the graph does with ``Pad``.
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tuaton.biometrics.faces import CHIP_SIZE

#: The input layer's per-channel means (``input_rgb_image_sized``'s defaults, stored in the file).
MEAN_RGB = (122.782, 117.001, 104.298)
#: Residual blocks per level, from the input: (filters, blocks, the first one strides down).
LEVELS = ((32, 3, False), (64, 4, True), (128, 3, True), (256, 3, True), (256, 1, True))
#: Largest descriptor distance from dlib's own that a conversion may show (its decisions are at 0.6).
AGREEMENT = 1e-3
#: Bump when the graph built from the same weights changes, so a cached model is rebuilt.
GRAPH_VERSION = 1


class FaceModelError(Exception):
    """The dlib file is not the network this module knows how to convert."""


@dataclass
class Layer:
    kind: str                                   # con, affine, relu, max_pool, avg_pool, add_prev, fc
    params: np.ndarray | None = None
    shape: dict[str, int] = field(default_factory=dict)


class _Reader:
    """dlib's binary serialisation: integers as a control byte (size | 0x80 if negative) and
    little-endian bytes; strings as their length and bytes; bools as '1' or '0'; tensors as a
    version, four dimensions and little-endian float32s."""

    def __init__(self, data: bytes, at: int = 0) -> None:
        self.data, self.at = data, at

    def int(self) -> int:
        if self.at >= len(self.data):
            raise FaceModelError("the file ends before the network does")
        control = self.data[self.at]
        size, negative = control & 0x0F, control & 0x80
        if control & 0x70 or size > 8:
            raise FaceModelError(f"not a dlib integer at byte {self.at}")
        value = int.from_bytes(self.data[self.at + 1:self.at + 1 + size], "little")
        self.at += 1 + size
        return -value if negative else value

    def string(self) -> str:
        length = self.int()
        text = self.data[self.at:self.at + length].decode("ascii")
        self.at += length
        return text

    def bool(self) -> bool:
        char = self.data[self.at:self.at + 1]
        if char not in (b"0", b"1"):
            raise FaceModelError(f"not a dlib bool at byte {self.at}")
        self.at += 1
        return char == b"1"

    def float(self) -> float:
        mantissa, exponent = self.int(), self.int()
        return mantissa * 2.0 ** exponent

    def tensor(self) -> np.ndarray:
        if self.int() != 2:
            raise FaceModelError(f"unknown tensor version at byte {self.at}")
        dims = [self.int() for _ in range(4)]
        count = math.prod(dims)                     # exact: numpy's product would wrap around
        if min(dims) < 0 or self.at + 4 * count > len(self.data):
            raise FaceModelError(f"a tensor of {dims} does not fit in the file at byte {self.at}")
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.at).astype(np.float32)
        self.at += 4 * count
        return values.reshape(dims)

    def alias(self) -> tuple[int, ...]:
        if self.int() != 1:
            raise FaceModelError(f"unknown alias-tensor version at byte {self.at}")
        return tuple(self.int() for _ in range(4))


def read_layers(data: bytes) -> list[Layer]:
    """The computational layers of a dlib network file, from the input to the output."""
    try:
        return _read_layers(data)
    except (IndexError, ValueError, UnicodeDecodeError, OverflowError) as error:
        raise FaceModelError(f"not a dlib network file ({type(error).__name__})") from error


def _read_layers(data: bytes) -> list[Layer]:
    start = data.find(b"\x15input_rgb_image_sized")
    if start < 1:
        raise FaceModelError("no input_rgb_image_sized layer: not dlib's face ResNet")
    if data[start - 3:start - 1] not in (b"\x01\x02", b"\x01\x03"):
        raise FaceModelError("unknown version of the network's first layer")
    first_layer_version = data[start - 2]
    reader = _Reader(data, start - 1)
    reader.string()
    means = tuple(reader.float() for _ in range(3))
    if not np.allclose(means, MEAN_RGB, atol=1e-3) or (reader.int(), reader.int()) != (CHIP_SIZE, CHIP_SIZE):
        raise FaceModelError("the input layer is not dlib's 150×150 RGB with the face ResNet's means")
    layers = []
    while True:
        version = reader.string()
        if version.startswith("loss_") or version in ("tag", "skip"):
            raise FaceModelError(f"unexpected {version!r} before the final layer")
        layers.append(_read_details(reader, version))
        for _ in range(3):                                              # set up, stale, disabled
            reader.bool()
        for _ in range(3):                                              # gradients and cached output
            reader.tensor()
        if len(layers) == 1 and first_layer_version == 3:
            reader.int()                                                # sample expansion factor
        if layers[-1].kind == "fc":
            break
    return layers


def _read_details(reader: _Reader, version: str) -> Layer:
    if version in ("con_4", "con_5", "con_6"):
        params = reader.tensor()
        shape = {"filters": reader.int(), "nr": reader.int(), "nc": reader.int(), "stride_y": reader.int(),
                 "stride_x": reader.int(), "padding_y": reader.int(), "padding_x": reader.int()}
        reader.alias(), reader.alias()
        for _ in range(4):
            reader.float()
        if version in ("con_5", "con_6") and not reader.bool():
            raise FaceModelError("a convolution without bias is not expected here")
        if version == "con_6":
            reader.bool()
        return Layer("con", params.ravel(), shape)
    if version in ("affine_", "affine_2"):
        params = reader.tensor()
        reader.alias(), reader.alias()
        reader.int()
        if version == "affine_2" and reader.bool():
            raise FaceModelError("a disabled affine layer is not expected here")
        return Layer("affine", params.ravel())
    if version in ("relu_", "relu_2"):
        if version == "relu_2" and reader.bool():
            raise FaceModelError("a disabled relu is not expected here")
        return Layer("relu")
    if version in ("max_pool_2", "avg_pool_2"):
        shape = {k: reader.int() for k in ("nr", "nc", "stride_y", "stride_x", "padding_y", "padding_x")}
        return Layer(version[:-2], shape=shape)
    if version == "add_prev_":
        return Layer("add_prev")
    if version in ("fc_2", "fc_3"):
        outputs, inputs = reader.int(), reader.int()
        params = reader.tensor()
        reader.alias(), reader.alias()
        reader.int()
        for _ in range(4):
            reader.float()
        if version == "fc_3":
            reader.bool()
        return Layer("fc", params.ravel(), {"outputs": outputs, "inputs": inputs})
    raise FaceModelError(f"unexpected layer {version!r}")


@dataclass(frozen=True)
class Convolution:
    weight: np.ndarray      # (filters, channels, nr, nc), the affine layer folded in
    bias: np.ndarray        # (filters,)
    stride: int
    padding: int


def folded_network(layers: list[Layer]) -> tuple[list[Convolution], np.ndarray]:
    """Every convolution with its affine layer folded in (``gamma·(w∗x + b) + beta``), in order,
    and the final projection (256 → 128), after checking the layers are the network above."""
    expected = ["con", "affine", "relu", "max_pool"]
    for _, blocks, down in LEVELS:
        for b in range(blocks):
            expected += ["con", "affine", "relu", "con", "affine"]
            expected += ["avg_pool", "add_prev", "relu"] if down and b == 0 else ["add_prev", "relu"]
    expected += ["avg_pool", "fc"]                       # avg_pool_everything, then fc_no_bias
    kinds = [layer.kind for layer in layers]
    if kinds != expected:
        raise FaceModelError("the layers are not dlib's face ResNet (dlib_face_recognition_resnet_model_v1)")
    convolutions, channels = [], 3
    for i, layer in enumerate(layers):
        if layer.kind != "con":
            continue
        affine, s = layers[i + 1].params, layer.shape
        if s["stride_y"] != s["stride_x"] or s["padding_y"] != s["padding_x"] or s["nr"] != s["nc"]:
            raise FaceModelError("a non-square convolution is not expected here")
        filters, size = s["filters"], s["nr"]
        weights = layer.params[:-filters].reshape(filters, channels, size, size)
        gamma, beta = affine[:filters], affine[filters:]
        if len(affine) != 2 * filters:
            raise FaceModelError("an affine layer does not match its convolution")
        convolutions.append(Convolution((weights * gamma[:, None, None, None]).astype(np.float32),
                                        (layer.params[-filters:] * gamma + beta).astype(np.float32),
                                        s["stride_y"], s["padding_y"]))
        channels = filters
    fc = layers[-1]
    projection = fc.params.reshape(fc.shape["inputs"], fc.shape["outputs"]).astype(np.float32)
    return convolutions, projection


def build_onnx(convolutions: list[Convolution], projection: np.ndarray):
    """The ONNX graph: input ``chips`` (N, 150, 150, 3) uint8 RGB, output ``descriptors`` (N, 128)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, initializers = [], []
    counter = iter(range(10_000))

    def constant(value: np.ndarray, name: str) -> str:
        initializers.append(numpy_helper.from_array(np.asarray(value), f"{name}_{next(counter)}"))
        return initializers[-1].name

    def node(op: str, inputs: list[str], **attrs) -> str:
        out = f"{op.lower()}_{next(counter)}"
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    x = node("Cast", ["chips"], to=TensorProto.FLOAT)
    x = node("Transpose", [x], perm=[0, 3, 1, 2])
    x = node("Sub", [x, constant(np.array(MEAN_RGB, np.float32).reshape(1, 3, 1, 1), "mean")])
    x = node("Mul", [x, constant(np.array(1 / 256, np.float32), "scale")])
    size = CHIP_SIZE
    convs = iter(convolutions)

    def conv(x: str, size: int) -> tuple[str, int]:
        c = next(convs)
        k = c.weight.shape[2]
        out = node("Conv", [x, constant(c.weight, "w"), constant(c.bias, "b")], kernel_shape=[k, k],
                   strides=[c.stride, c.stride], pads=[c.padding] * 4)
        return out, (size + 2 * c.padding - k) // c.stride + 1

    x, size = conv(x, size)
    x = node("Relu", [x])
    x = node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])
    size = (size - 3) // 2 + 1
    channels = 32
    for filters, blocks, down in LEVELS:
        for b in range(blocks):
            y, y_size = conv(x, size)
            y = node("Relu", [y])
            y, y_size = conv(y, y_size)
            if down and b == 0:
                skip = node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
                skip_size = (size - 2) // 2 + 1
            else:
                skip, skip_size = x, size
            # dlib's add_prev: the smaller tensor counts as zeros where it ends.
            out_size = max(y_size, skip_size)
            if y_size < out_size:
                y = _pad(node, constant, y, 0, out_size - y_size)
            if skip_size < out_size or channels < filters:
                skip = _pad(node, constant, skip, filters - channels, out_size - skip_size)
            x = node("Relu", [node("Add", [skip, y])])
            size, channels = out_size, filters
    x = node("Flatten", [node("GlobalAveragePool", [x])])
    nodes.append(helper.make_node("MatMul", [x, constant(projection, "fc")], ["descriptors"]))
    graph = helper.make_graph(
        nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chips", TensorProto.UINT8, ["n", CHIP_SIZE, CHIP_SIZE, 3])],
        [helper.make_tensor_value_info("descriptors", TensorProto.FLOAT, ["n", 128])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="tuaton.biometrics.face_model")
    model.ir_version = 8
    return model


def _pad(node, constant, x: str, channels: int, spatial: int) -> str:
    pads = np.array([0, 0, 0, 0, 0, channels, spatial, spatial], np.int64)     # begins, then ends (N, C, H, W)
    return node("Pad", [x, constant(pads, "pads")], mode="constant")


def source_file() -> Path:
    import face_recognition_models

    return Path(face_recognition_models.face_recognition_model_location())


def model_path(cache_dir: Path | None = None) -> Path:
    """Where the converted model is kept, named after the source file's digest and the graph
    version (a changed package or converter makes a new one): ``cache_dir``, else
    ``TUATON_MODEL_DIR``, else the environment's ``share/tuaton`` (written by ``make install`` and
    in the container image), else a per-user cache where that is not writable."""
    digest = hashlib.sha256(source_file().read_bytes()).hexdigest()[:16]
    name = f"dlib_face_resnet_{digest}_g{GRAPH_VERSION}.onnx"
    if cache_dir or os.environ.get("TUATON_MODEL_DIR"):
        return Path(cache_dir or os.environ["TUATON_MODEL_DIR"]) / name
    shared = Path(sys.prefix) / "share" / "tuaton"
    if (shared / name).exists() or os.access(shared if shared.exists() else Path(sys.prefix), os.W_OK):
        return shared / name
    return Path.home() / ".cache" / "tuaton" / name


def convert(target: Path | None = None) -> Path:
    """Convert the installed dlib model to ONNX (if not already there) and return its path.
    Written to a temporary name and renamed, so a concurrent reader never sees half a file."""
    target = target or model_path()
    if target.exists():
        return target
    convolutions, projection = folded_network(read_layers(source_file().read_bytes()))
    model = build_onnx(convolutions, projection)
    import onnx

    onnx.checker.check_model(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(model.SerializeToString())
    try:
        distance = check_against_dlib(partial, sample_chips())
        if distance > AGREEMENT:
            raise FaceModelError(f"the converted network is {distance:.2g} from dlib's (allowed {AGREEMENT})")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def sample_chips(count: int = 4) -> np.ndarray:
    """Aligned chips of the two real faces the packages ship (biometrics/synthetic.py)."""
    from tuaton.biometrics import synthetic
    from tuaton.biometrics.faces import FaceFinder

    finder = FaceFinder()
    chips = [face.chip for i in range(count)
             for face in finder.find(synthetic.registry_photo(f"1{i:012d}"))[:1]]
    return np.stack(chips)


def check_against_dlib(path: Path, chips: np.ndarray) -> float:
    """The largest Euclidean distance between dlib's descriptors and the ONNX model's for the same
    chips (N, 150, 150, 3) uint8: how far the converted network is from the one it came from."""
    import dlib
    import onnxruntime

    encoder = dlib.face_recognition_model_v1(str(source_file()))
    reference = np.array([np.array(encoder.compute_face_descriptor(np.ascontiguousarray(chip))) for chip in chips])
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    ours = session.run(None, {"chips": chips})[0]
    return float(np.linalg.norm(ours - reference, axis=1).max())

