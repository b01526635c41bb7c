"""Exports of the course's two systems beyond a plain network: an autoencoder's halves and the perceptron.

* :func:`export_model_file` writes any ``Sequential`` in one of the CLI's formats (npz / h5 / json weights,
  onnx, keras, pytorch), chosen by name; :func:`export_autoencoder_part` cuts the autoencoder at its code layer
  (:func:`nnviz.core.autoencoder.split_autoencoder`) and writes the encoder or the decoder in that format. Each
  part keeps the layer names, so its weight keys are the whole model's.
* :func:`export_perceptron` writes a :class:`~nnviz.core.perceptron.Perceptron`'s weights (npz: ``kernel``,
  ``bias``; json with its settings) or an ONNX graph that gives its class: ``MatMul``, ``Add``, then for two
  classes ``GreaterOrEqual(z, 0)`` cast to int64 (the step), for more an ``ArgMax`` over the units.
"""

from __future__ import annotations

import json
import os

import numpy as np

from nnviz.io.atomic import atomic_write

FORMATS = ("npz", "h5", "json", "onnx", "keras", "pytorch")


def export_model_file(model, path, fmt: str, opset: int | None = None) -> None:
    """Write ``model`` to ``path`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt in ("npz", "h5", "json"):
        from nnviz.io.weights import save_weights
        save_weights(model, path)
    elif fmt == "onnx":
        from nnviz.io.onnx_export import DEFAULT_OPSET, export_onnx
        export_onnx(model, path, opset or DEFAULT_OPSET)
    elif fmt == "keras":
        from nnviz.io.keras_export import export_keras
        export_keras(model, path)
    elif fmt == "pytorch":
        from nnviz.io.pytorch_export import export_pytorch
        export_pytorch(model, path)
    else:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def export_autoencoder_part(model, part: str, path, fmt: str, at: int | None = None, opset: int | None = None):
    """Write the ``"encoder"`` or ``"decoder"`` of ``model`` (cut after layer ``at``, by default its
    bottleneck) to ``path``; returns the part (a ``Sequential``)."""
    from nnviz.core.autoencoder import split_autoencoder

    if part not in ("encoder", "decoder"):
        raise ValueError(f"part must be 'encoder' or 'decoder', got {part!r}")
    encoder, decoder = split_autoencoder(model, at)
    chosen = encoder if part == "encoder" else decoder
    export_model_file(chosen, path, fmt, opset)
    return chosen


# ============================================================================================ perceptron
def export_perceptron(perceptron, path, fmt: str | None = None, opset: int = 17) -> None:
    """Write a trained perceptron: ``npz`` / ``json`` weights or an ``onnx`` classifier (by name by default)."""
    name = os.fspath(path).lower()
    fmt = fmt or next((f for f in ("npz", "json", "onnx") if name.endswith("." + f)), None)
    kernel, bias = perceptron.get_weights()
    if fmt == "npz":
        with atomic_write(path, "wb") as f:
            np.savez(f, kernel=kernel, bias=bias)
    elif fmt == "json":
        doc = {"format": "nnviz-perceptron", "config": perceptron.get_config(), "classes": perceptron.num_classes,
               "kernel": kernel.tolist(), "bias": bias.tolist(), "history": perceptron.history.history,
               "rule": "w <- w + learning_rate * (t - y_hat) * x, one sample at a time",
               "predict": "step(x . kernel + bias) for 2 classes (1 if >= 0), argmax over the units for more"}
        with atomic_write(path, "w") as f:
            json.dump(doc, f, indent=1)
    elif fmt == "onnx":
        data = perceptron_onnx(perceptron, opset).SerializeToString()
        with atomic_write(path, "wb") as f:
            f.write(data)
    else:
        raise ValueError(f"a perceptron exports to npz, json or onnx; cannot tell which from {os.fspath(path)!r}")


def perceptron_onnx(perceptron, opset: int = 17):
    """The ONNX graph: input ``input`` (N, features) float32 -> output ``output`` (N,) int64 class."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    kernel, bias = (w.astype(np.float32) for w in perceptron.get_weights())
    inits = [numpy_helper.from_array(kernel, "kernel"), numpy_helper.from_array(bias, "bias")]
    nodes = [helper.make_node("MatMul", ["input", "kernel"], ["xw"]), helper.make_node("Add", ["xw", "bias"], ["z"])]
    if kernel.shape[1] == 1:
        inits += [numpy_helper.from_array(np.zeros(1, np.float32), "zero"),
                  numpy_helper.from_array(np.array([1], np.int64), "unit_axis")]
        nodes += [helper.make_node("GreaterOrEqual", ["z", "zero"], ["fired"]),
                  helper.make_node("Cast", ["fired"], ["fired_int"], to=TensorProto.INT64),
                  helper.make_node("Squeeze", ["fired_int", "unit_axis"], ["output"])]
    else:
        nodes.append(helper.make_node("ArgMax", ["z"], ["output"], axis=1, keepdims=0))
    graph = helper.make_graph(
        nodes, perceptron.name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", kernel.shape[0]])],
        [helper.make_tensor_value_info("output", TensorProto.INT64, ["N"])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", int(opset))], producer_name="nnviz")
    model.ir_version = helper.find_min_ir_version_for(model.opset_import)
    onnx.checker.check_model(model)
    return model
