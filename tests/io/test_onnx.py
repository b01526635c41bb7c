"""ONNX export: every layer type and activation, run in onnxruntime, within 1e-5 of ``model.predict``."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import (GRU, LSTM, Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Embedding,
                        Flatten, Input, MaxPooling2D, Reshape, Sequential, SimpleRNN, UpSampling2D)
from nnviz.core.activations import NAMES as ACTIVATIONS

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from nnviz.io.onnx_export import build_onnx, export_onnx  # noqa: E402


def randomize(model, seed=0):
    """Non-trivial weights everywhere, including BatchNormalization's moving statistics."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for k, v in layer.params.items():
            if k == "moving_variance":
                v[...] = rng.uniform(0.3, 2.0, v.shape)
            elif k in ("gamma",):
                v[...] = rng.uniform(0.5, 1.5, v.shape)
            else:
                v[...] = rng.normal(0, 0.5, v.shape)
    return model


def mlp():
    return randomize(Sequential([
        Input((5,)), Dense(16, activation="relu"), BatchNormalization(), Dropout(0.5),
        Dense(12, activation="leaky_relu"), Dense(10, activation="elu"), Dense(9, activation="softplus"),
        Dense(8, activation="swish"), Dense(7, activation="tanh"), Dense(6, activation="sigmoid"),
        Dense(5), Activation("relu"), Activation("linear"), Dense(4, activation="softmax")], seed=1))


def cnn():
    """Every layer type, with 'same' padding on odd sizes and strides (where TF pads asymmetrically)."""
    return randomize(Sequential([
        Input((13, 11, 3)),
        Conv2D(6, 3, padding="same", activation="relu"),
        BatchNormalization(),
        MaxPooling2D(pool_size=3, strides=2, padding="same"),
        Conv2D(5, (3, 2), strides=(2, 1), padding="same", activation="leaky_relu"),
        AveragePooling2D(pool_size=2, strides=1, padding="same"),
        Dense(7, activation="swish"),          # Dense on a 4-D input: along the channels
        Activation("softmax"),
        Conv2D(4, 2, padding="valid", activation="elu", use_bias=False),
        AveragePooling2D(pool_size=(2, 3), strides=1, padding="valid"),
        UpSampling2D((2, 1)),                  # the decoder's layer: rows repeated
        MaxPooling2D(pool_size=2, strides=1, padding="valid"),
        Reshape((-1, 4)),                      # (h·w, channels): Keras' row-major order
        Flatten(),
        Dropout(0.3),
        Dense(8, activation="softplus"),
        BatchNormalization(),
        Dense(3, activation="softmax"),
    ], seed=2), seed=3)


def rnn():
    """The recurrent layers stacked, with a normalization between them (which ONNX runs channels-first)."""
    model = randomize(Sequential([
        Input((6, 4)),
        SimpleRNN(5, return_sequences=True, activation="relu"),
        BatchNormalization(),
        LSTM(4, return_sequences=True),
        Dropout(0.2),
        GRU(3),
        Dense(2, activation="softmax"),
    ], seed=4), seed=5)
    for layer in model.layers:   # a contracting recurrence: float32 round-off must not grow over the steps
        if "recurrent_kernel" in layer.params:
            layer.params["recurrent_kernel"][...] *= 0.5
    return model


def text_model():
    """Token ids looked up by an Embedding, read by a GRU."""
    return randomize(Sequential([Input((7,)), Embedding(30, 4), GRU(3), Dense(1, activation="sigmoid")], seed=6),
                     seed=7)


def run(model, x, tmp_path, **kw):
    path = tmp_path / "model.onnx"
    export_onnx(model, path, **kw)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["output"], {"input": x.astype(np.float32)})[0], proto, session


@pytest.mark.parametrize("make, shape", [(mlp, (5,)), (cnn, (13, 11, 3)), (rnn, (6, 4))])
def test_onnxruntime_matches_predict(tmp_path, make, shape):
    model = make()
    x = np.random.default_rng(0).normal(size=(7, *shape)).astype(np.float32)
    y, proto, session = run(model, x, tmp_path)
    expected = model.predict(x)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, atol=1e-5, rtol=0)
    # dynamic batch: one sample and a larger batch both run
    np.testing.assert_allclose(session.run(["output"], {"input": x[:1]})[0], expected[:1], atol=1e-5, rtol=0)
    big = np.random.default_rng(1).normal(size=(50, *shape)).astype(np.float32)
    np.testing.assert_allclose(session.run(["output"], {"input": big})[0], model.predict(big), atol=1e-5, rtol=0)


def test_cnn_rnn_and_text_models_cover_every_layer_type_and_the_mlp_every_activation():
    from nnviz.core.layers import LAYER_CLASSES

    assert {l.layer_type for l in cnn().layers + rnn().layers + text_model().layers} == set(LAYER_CLASSES)
    used = {getattr(l, "activation").name for l in mlp().layers if hasattr(l, "activation")}
    assert used == set(ACTIVATIONS)


def test_named_input_output_and_dynamic_batch(tmp_path):
    _, proto, session = run(cnn(), np.zeros((2, 13, 11, 3)), tmp_path)
    (inp,), (out,) = proto.graph.input, proto.graph.output
    assert inp.name == "input" and out.name == "output"
    dims = inp.type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [13, 11, 3]
    assert out.type.tensor_type.shape.dim[0].dim_param == "batch"
    assert session.get_inputs()[0].shape == ["batch", 13, 11, 3]


def test_operators_used(tmp_path):
    ops = [n.op_type for n in build_onnx(cnn()).graph.node]
    for op in ("Conv", "MaxPool", "AveragePool", "BatchNormalization", "Flatten", "MatMul", "Add", "Softmax",
               "Transpose", "Identity", "LeakyRelu", "Elu", "Softplus", "Sigmoid", "Mul"):
        assert op in ops, op
    pools = [n for n in build_onnx(cnn()).graph.node if n.op_type == "AveragePool"]
    assert all(a.i == 0 for n in pools for a in n.attribute if a.name == "count_include_pad")


def test_same_padding_is_tf_asymmetric(tmp_path):
    """Even kernel, stride 2 on an even size: TF puts the single padding pixel after (bottom/right)."""
    model = randomize(Sequential([Input((6, 6, 1)), Conv2D(2, 2, strides=2, padding="same"),
                                  Conv2D(2, 4, strides=1, padding="same"),
                                  MaxPooling2D(pool_size=2, strides=2, padding="same")], seed=5))
    conv = [n for n in build_onnx(model).graph.node if n.op_type == "Conv"]
    pads = [list(next(a.ints for a in n.attribute if a.name == "pads")) for n in conv]
    assert pads == [[0, 0, 0, 0], [1, 1, 2, 2]]  # (top, left, bottom, right)
    x = np.random.default_rng(2).normal(size=(3, 6, 6, 1)).astype(np.float32)
    np.testing.assert_allclose(run(model, x, tmp_path)[0], model.predict(x), atol=1e-5, rtol=0)


def test_image_output_stays_channels_last(tmp_path):
    model = randomize(Sequential([Input((5, 4, 2)), Conv2D(3, 3, padding="same", activation="tanh"),
                                  AveragePooling2D(2, padding="same")], seed=6))
    x = np.random.default_rng(3).normal(size=(2, 5, 4, 2)).astype(np.float32)
    y, _, _ = run(model, x, tmp_path)
    assert y.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(y, model.predict(x), atol=1e-5, rtol=0)


def test_float64_model_and_opsets(tmp_path):
    model = randomize(Sequential([Input((3,)), Dense(4, activation="swish"), Dense(2, activation="softmax")],
                                 dtype="float64", seed=7))
    x = np.random.default_rng(4).normal(size=(5, 3))
    for opset in (13, 17, 21):
        y, proto, _ = run(model, x, tmp_path, opset=opset)
        assert proto.opset_import[0].version == opset
        np.testing.assert_allclose(y, model.predict(x), atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="opset 13"):
        export_onnx(model, tmp_path / "m.onnx", opset=9)
    newest = onnx.defs.onnx_opset_version()
    with pytest.raises(ValueError, match=f"opsets up to {newest}, the newest the installed onnx"):
        export_onnx(model, tmp_path / "m.onnx", opset=newest + 1)


def test_export_method_and_errors(tmp_path):
    model = mlp()
    model.export(tmp_path / "m.onnx")  # format="onnx" is the default
    assert onnx.load(str(tmp_path / "m.onnx")).graph.output[0].name == "output"
    with pytest.raises(ValueError, match=r"\.onnx"):
        model.export(tmp_path / "m.bin")
    with pytest.raises(ValueError, match="unknown export format"):
        model.export(tmp_path / "m.onnx", format="tflite")
    with pytest.raises(ValueError, match="not built"):
        export_onnx(Sequential([Dense(2)]), tmp_path / "x.onnx")


def test_recurrent_layers_become_onnx_recurrent_operators():
    graph = build_onnx(rnn()).graph
    ops = {n.op_type: n for n in graph.node}
    assert {"RNN", "LSTM", "GRU"} <= set(ops)
    attrs = {n: {a.name: onnx.helper.get_attribute_value(a) for a in ops[n].attribute} for n in ("RNN", "LSTM", "GRU")}
    assert attrs["RNN"]["activations"] == [b"Relu"]
    assert attrs["LSTM"]["activations"] == [b"Sigmoid", b"Tanh", b"Tanh"]
    assert attrs["GRU"]["linear_before_reset"] == 1 and attrs["GRU"]["hidden_size"] == 3


def test_a_recurrent_activation_onnx_lacks_is_refused_by_name():
    model = Sequential([Input((3, 2)), LSTM(2, activation="swish")])
    with pytest.raises(ValueError, match=r"layer 'lstm' \(LSTM\) uses the activation 'swish'.*relu, sigmoid"):
        build_onnx(model)


def test_token_ids_go_through_cast_and_gather(tmp_path):
    model = text_model()
    x = np.random.default_rng(1).integers(0, 30, (5, 7)).astype(np.float32)
    y, proto, _ = run(model, x, tmp_path)
    np.testing.assert_allclose(y, model.predict(x), atol=1e-6, rtol=0)
    ops = [n.op_type for n in proto.graph.node]
    assert ops[:2] == ["Cast", "Gather"]
