"""Export a model as an ONNX graph (``onnx`` is imported only when this runs).

The graph has one input named ``input`` and one output named ``output``, both channels-last like the
model (``(batch, height, width, channels)`` for images) with a dynamic batch dimension ``batch``.
The arithmetic is float32 (a float64 model is exported with its weights rounded to float32).

How each layer becomes ONNX operators:

* Dense — ``MatMul`` + ``Add`` (on inputs with more than two axes too: ``MatMul`` broadcasts over the
  leading axes exactly as Keras' Dense does), then the activation;
* Conv2D — ``Conv`` on NCHW data with the kernel transposed to (filters, channels, kh, kw); TF's
  ``"same"`` padding becomes explicit ``pads`` (the odd pixel after, bottom/right, as TF does);
* MaxPooling2D / AveragePooling2D — ``MaxPool`` / ``AveragePool`` with explicit pads; average pooling
  uses ``count_include_pad=0`` so padded cells are not counted, as in TF;
* layout — data enters and leaves channels-last; a ``Transpose`` to NCHW is inserted before the first
  of a run of Conv / pooling / BatchNormalization layers and one back before anything that needs the
  channels last (Dense, Flatten, softmax, the output). Flatten therefore flattens in Keras' (h, w, c)
  order;
* Embedding — ``Cast`` of the (float) token ids to int64, then ``Gather`` from the embeddings table;
* Flatten — ``Flatten(axis=1)``; Reshape — ``Reshape`` to (batch, *output shape); Dropout — ``Identity``
  (inference); BatchNormalization — the ONNX ``BatchNormalization`` operator with the moving statistics
  (inference mode);
* SimpleRNN / LSTM / GRU — ONNX's ``RNN`` / ``LSTM`` / ``GRU`` operators on time-major data (a
  ``Transpose`` in, and out again for ``return_sequences``), the kernels transposed to ONNX's
  (gates·units, inputs) with the gates reordered (Keras' LSTM i, f, c, o is ONNX's i, o, f, c; the GRU's
  z, r, h are the same) and the bias as [input bias, recurrent bias]; Keras 3's GRU is
  ``linear_before_reset=1``. The last step's state ``Y_h`` is the output unless the layer returns sequences;
* activations — ``Relu``, ``Sigmoid``, ``Tanh``, ``Softmax(axis=-1)``, ``LeakyRelu(alpha=0.2)``,
  ``Elu(alpha=1)``, ``Softplus``, swish as ``x * Sigmoid(x)``, linear as nothing.
"""

from __future__ import annotations

import os

import numpy as np

from nnviz.core.catalog import exporter_for as catalog_exporter_for
from nnviz.core.layers import (GRU, LSTM, Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout,
                               Embedding, Flatten, MaxPooling2D, Reshape, SimpleRNN, UpSampling2D)
from nnviz.io.atomic import atomic_write
from nnviz.io.scaling import METADATA_KEY, checked_scaling

DEFAULT_OPSET = 17
MIN_OPSET = 13


def _require_onnx():
    try:
        import onnx
    except ImportError:  # pragma: no cover - depends on the installation
        raise RuntimeError("ONNX export needs the onnx package: pip install onnx") from None
    return onnx


class _Graph:
    """Collects nodes and initializers and tracks the current tensor and its layout."""

    def __init__(self, onnx, input_rank: int):
        self.onnx = onnx
        self.helper = onnx.helper
        self.nodes = []
        self.initializers = []
        self.names: set[str] = set()
        self.tensor = "input"
        self.rank = input_rank
        self.channels_first = False

    def unique(self, base: str) -> str:
        name, i = base, 1
        while name in self.names:
            name = f"{base}_{i}"
            i += 1
        self.names.add(name)
        return name

    def const(self, name: str, array: np.ndarray) -> str:
        name = self.unique(name)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], name: str, **attrs) -> str:
        out = self.unique(name)
        self.nodes.append(self.helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def apply(self, op: str, name: str, **attrs) -> None:
        self.tensor = self.node(op, [self.tensor], name, **attrs)

    # ---- layout
    def to_channels_first(self, prefix: str) -> None:
        if not self.channels_first:
            perm = [0, self.rank - 1, *range(1, self.rank - 1)]
            self.apply("Transpose", f"{prefix}/to_channels_first", perm=perm)
            self.channels_first = True

    def to_channels_last(self, prefix: str) -> None:
        if self.channels_first:
            perm = [0, *range(2, self.rank), 1]
            self.apply("Transpose", f"{prefix}/to_channels_last", perm=perm)
            self.channels_first = False


def _activation(g: _Graph, act, prefix: str) -> None:
    name = act.name
    if name == "linear":
        return
    if name == "relu":
        g.apply("Relu", f"{prefix}/relu")
    elif name == "sigmoid":
        g.apply("Sigmoid", f"{prefix}/sigmoid")
    elif name == "tanh":
        g.apply("Tanh", f"{prefix}/tanh")
    elif name == "softmax":
        g.to_channels_last(prefix)
        g.apply("Softmax", f"{prefix}/softmax", axis=-1)
    elif name == "leaky_relu":
        g.apply("LeakyRelu", f"{prefix}/leaky_relu", alpha=float(getattr(act, "negative_slope", 0.2)))
    elif name == "elu":
        g.apply("Elu", f"{prefix}/elu", alpha=float(getattr(act, "alpha", 1.0)))
    elif name == "softplus":
        g.apply("Softplus", f"{prefix}/softplus")
    elif name == "swish":
        s = g.node("Sigmoid", [g.tensor], f"{prefix}/swish_sigmoid")
        g.tensor = g.node("Mul", [g.tensor, s], f"{prefix}/swish")
    else:
        raise ValueError(f"activation {name!r} has no ONNX export")


#: the activations ONNX's recurrent operators take without parameters, by their ONNX names (those with an
#: alpha — LeakyRelu, Elu, Affine for linear — are left out: runtimes differ in how they read the alphas)
_RECURRENT_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu", "softplus": "Softplus"}


def _recurrent_activations(layer) -> list[str]:
    """The ``activations`` attribute: ONNX's f (gates), g (candidate) and, for the LSTM, h (output)."""
    acts = [layer.activation] if layer.layer_type == "SimpleRNN" else (
        [layer.recurrent_activation, layer.activation] + ([layer.activation] if layer.layer_type == "LSTM" else []))
    for act in acts:
        if act.name not in _RECURRENT_ACTIVATIONS:
            raise ValueError(f"layer '{layer.name}' ({layer.layer_type}) uses the activation {act.name!r}, which "
                             f"the ONNX export of recurrent layers does not offer; use one of "
                             f"{', '.join(sorted(_RECURRENT_ACTIVATIONS))}")
    return [_RECURRENT_ACTIVATIONS[act.name] for act in acts]


def _gate_order(layer, array: np.ndarray) -> np.ndarray:
    """Reorder the gate blocks of the last axis from Keras' order to ONNX's (LSTM: i f c o -> i o f c)."""
    if layer.layer_type != "LSTM":
        return array
    i, f, c, o = np.split(array, 4, axis=-1)
    return np.concatenate([i, o, f, c], axis=-1)


def _recurrent(g: _Graph, layer, prefix: str) -> None:
    f32 = np.float32
    kind = layer.layer_type
    params = layer.params
    width = layer.gates * layer.units
    w = g.const(f"{prefix}/W", _gate_order(layer, params["kernel"].astype(f32)).T[None])
    r = g.const(f"{prefix}/R", _gate_order(layer, params["recurrent_kernel"].astype(f32)).T[None])
    if not layer.use_bias:
        bias = np.zeros((2, width), f32)
    elif kind == "GRU":
        bias = params["bias"].astype(f32)                         # [input bias; recurrent bias]
    else:
        bias = np.stack([params["bias"].astype(f32), np.zeros(width, f32)])
    b = g.const(f"{prefix}/B", _gate_order(layer, bias).reshape(1, 2 * width))
    g.to_channels_last(prefix)
    g.apply("Transpose", f"{prefix}/time_major", perm=[1, 0, 2])   # (batch, T, F) -> (T, batch, F)
    attrs = dict(hidden_size=layer.units, activations=_recurrent_activations(layer))
    if kind == "GRU":
        attrs["linear_before_reset"] = 1
    op = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}[kind]
    y, y_h = g.unique(f"{prefix}/Y"), g.unique(f"{prefix}/Y_h")
    g.nodes.append(g.helper.make_node(op, [g.tensor, w, r, b], [y, y_h], name=g.unique(f"{prefix}/{op.lower()}"),
                                      **attrs))
    if layer.return_sequences:                                    # Y: (T, 1, batch, units)
        axes = g.const(f"{prefix}/direction_axis", np.array([1], np.int64))
        g.tensor = g.node("Squeeze", [y, axes], f"{prefix}/squeeze")
        g.apply("Transpose", f"{prefix}/batch_major", perm=[1, 0, 2])
    else:                                                         # Y_h: (1, batch, units)
        axes = g.const(f"{prefix}/direction_axis", np.array([0], np.int64))
        g.tensor = g.node("Squeeze", [y_h, axes], f"{prefix}/squeeze")
        g.rank = 2


def _pads(layer, h: int, w: int) -> list[int]:
    _, _, (pt, pb, pl, pr) = layer._geometry(h, w)
    return [int(pt), int(pl), int(pb), int(pr)]


# ---------------------------------------------------------------------------- one function per layer class
# each takes the graph, the layer and its name prefix, and appends the layer's operators after g.tensor


def _dense(g: _Graph, layer, p: str) -> None:
    g.to_channels_last(p)
    kernel = g.const(f"{p}/kernel", layer.params["kernel"].astype(np.float32))
    g.tensor = g.node("MatMul", [g.tensor, kernel], f"{p}/matmul")
    if layer.use_bias:
        bias = g.const(f"{p}/bias", layer.params["bias"].astype(np.float32))
        g.tensor = g.node("Add", [g.tensor, bias], f"{p}/add")
    _activation(g, layer.activation, p)


def _conv2d(g: _Graph, layer, p: str) -> None:
    g.to_channels_first(p)
    h, w, _ = layer.input_shape
    kernel = g.const(f"{p}/kernel", layer.params["kernel"].astype(np.float32).transpose(3, 2, 0, 1))
    inputs = [g.tensor, kernel]
    if layer.use_bias:
        inputs.append(g.const(f"{p}/bias", layer.params["bias"].astype(np.float32)))
    g.tensor = g.node("Conv", inputs, f"{p}/conv", kernel_shape=list(layer.kernel_size),
                      strides=list(layer.strides), pads=_pads(layer, h, w), dilations=[1, 1], group=1)
    _activation(g, layer.activation, p)


def _pooling(op: str, **extra):
    def export(g: _Graph, layer, p: str) -> None:
        g.to_channels_first(p)
        h, w, _ = layer.input_shape
        g.apply(op, f"{p}/{'max_pool' if op == 'MaxPool' else 'average_pool'}", kernel_shape=list(layer.pool_size),
                strides=list(layer.strides), pads=_pads(layer, h, w), **extra)
    return export


def _batch_normalization(g: _Graph, layer, p: str) -> None:
    f32, params = np.float32, layer.params
    if g.rank > 2:
        g.to_channels_first(p)
    c = layer.input_shape[-1]
    gamma = params["gamma"] if layer.scale else np.ones(c)
    beta = params["beta"] if layer.center else np.zeros(c)
    inputs = [g.tensor, g.const(f"{p}/gamma", np.asarray(gamma, f32)), g.const(f"{p}/beta", np.asarray(beta, f32)),
              g.const(f"{p}/moving_mean", params["moving_mean"].astype(f32)),
              g.const(f"{p}/moving_variance", params["moving_variance"].astype(f32))]
    g.tensor = g.node("BatchNormalization", inputs, f"{p}/batch_norm", epsilon=float(layer.epsilon))


def _flatten(g: _Graph, layer, p: str) -> None:
    g.to_channels_last(p)
    g.apply("Flatten", f"{p}/flatten", axis=1)
    g.rank = 2


def _reshape(g: _Graph, layer, p: str) -> None:
    """Keras' Reshape: ONNX's, to the batch (0: kept) and the layer's output shape, on channels-last data."""
    g.to_channels_last(p)
    out = layer.output_shape[1:]
    shape = g.const(f"{p}/shape", np.array([0, *out], np.int64))
    g.tensor = g.node("Reshape", [g.tensor, shape], f"{p}/reshape")
    g.rank = 1 + len(out)


def _upsampling(g: _Graph, layer, p: str) -> None:
    """UpSampling2D: ONNX's nearest ``Resize`` by whole factors (floor of asymmetric coordinates: repeats)."""
    g.to_channels_first(p)
    scales = g.const(f"{p}/scales", np.array([1, 1, *layer.size], np.float32))
    g.tensor = g.node("Resize", [g.tensor, "", scales], f"{p}/resize", mode="nearest",
                      coordinate_transformation_mode="asymmetric", nearest_mode="floor")


def _dropout(g: _Graph, layer, p: str) -> None:
    g.apply("Identity", f"{p}/identity")


def _activation_layer(g: _Graph, layer, p: str) -> None:
    _activation(g, layer.activation, p)


def _embedding(g: _Graph, layer, p: str) -> None:
    """Token ids arrive as floats (like Keras' default Input): cast, then look up."""
    ids = g.node("Cast", [g.tensor], f"{p}/ids", to=g.onnx.TensorProto.INT64)
    table = g.const(f"{p}/embeddings", layer.params["embeddings"].astype(np.float32))
    g.tensor = g.node("Gather", [table, ids], f"{p}/gather", axis=0)
    g.rank += 1


#: layer class -> the function that appends its ONNX operators
EXPORTERS = {
    Dense: _dense, Conv2D: _conv2d, MaxPooling2D: _pooling("MaxPool"),
    AveragePooling2D: _pooling("AveragePool", count_include_pad=0), BatchNormalization: _batch_normalization,
    Flatten: _flatten, Reshape: _reshape, Dropout: _dropout, Activation: _activation_layer, Embedding: _embedding,
    SimpleRNN: _recurrent, LSTM: _recurrent, GRU: _recurrent, UpSampling2D: _upsampling,
}


def exporter_for(layer):
    """The ONNX exporter of ``layer``'s class (or of the nearest base class that has one)."""
    return catalog_exporter_for(EXPORTERS, layer, "ONNX")


def build_onnx(model, opset: int = DEFAULT_OPSET, input_scaling=None):
    """The ``onnx.ModelProto`` for ``model`` (checked with ``onnx.checker``). ``input_scaling`` (an
    :class:`~nnviz.io.scaling.InputScaling` or the ``Dataset`` it was trained on) becomes the graph's
    first nodes, ``(input - offset) / scale``, so raw data predicts right, and the model's metadata."""
    onnx = _require_onnx()
    helper = onnx.helper
    if not model.built:
        raise ValueError("the model is not built yet (it has no input shape), so it cannot be exported")
    opset = int(opset)
    if opset < MIN_OPSET:
        raise ValueError(f"ONNX export needs opset {MIN_OPSET} or newer, got {opset}")
    newest = onnx.defs.onnx_opset_version()
    if opset > newest:
        raise ValueError(f"ONNX export supports opsets up to {newest}, the newest the installed onnx "
                         f"{onnx.__version__} knows; got {opset}")
    input_shape = tuple(model.input_shape[1:])
    for layer in model.layers:
        exporter_for(layer)   # a layer ONNX cannot express fails before any work
    g = _Graph(onnx, len(input_shape) + 1)
    g.names.update({"input", "output"})
    scaling = checked_scaling(model, input_scaling)
    if scaling is not None:
        offset, scale = scaling.shaped(input_shape)
        offset = g.const("input_scaling/offset", offset.astype(np.float32))
        scale = g.const("input_scaling/scale", scale.astype(np.float32))
        g.tensor = g.node("Sub", [g.tensor, offset], "input_scaling/sub")
        g.tensor = g.node("Div", [g.tensor, scale], "input_scaling/div")
    for layer in model.layers:
        exporter_for(layer)(g, layer, layer.name)
    g.to_channels_last("output")
    if g.nodes and g.nodes[-1].output[0] == g.tensor:
        g.nodes[-1].output[0] = "output"
    else:
        g.nodes.append(helper.make_node("Identity", [g.tensor], ["output"], name="output"))

    elem = onnx.TensorProto.FLOAT
    graph = helper.make_graph(
        g.nodes, model.name or "nnviz",
        [helper.make_tensor_value_info("input", elem, ["batch", *input_shape])],
        [helper.make_tensor_value_info("output", elem, ["batch", *model.output_shape[1:]])],
        initializer=g.initializers)
    opsets = [helper.make_opsetid("", opset)]
    from nnviz import __version__
    proto = helper.make_model(graph, opset_imports=opsets, producer_name="nnviz", producer_version=__version__,
                              doc_string=f"exported from nnviz model '{model.name}'")
    proto.ir_version = helper.find_min_ir_version_for(opsets)
    if scaling is not None:
        helper.set_model_props(proto, {METADATA_KEY: scaling.to_json()})
    onnx.checker.check_model(proto, full_check=True)
    return proto


def export_onnx(model, path, opset: int = DEFAULT_OPSET, input_scaling=None) -> None:
    """Write ``model`` as an ONNX file (atomically); input ``input``, output ``output``, dynamic batch;
    ``input_scaling`` as in :func:`build_onnx`."""
    if not os.fspath(path).lower().endswith(".onnx"):
        raise ValueError(f"ONNX files end in '.onnx', got {os.fspath(path)!r}")
    data = build_onnx(model, opset, input_scaling).SerializeToString()
    with atomic_write(path, "wb") as f:
        f.write(data)
