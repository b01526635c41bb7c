"""Keras' Reshape: the target shape with one inferred −1, clear refusals, the gradient reshaped back, and the
layer between convolutions and recurrent layers in every export."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import LSTM, Conv2D, Dense, Input, Reshape, Sequential
from nnviz.core.catalog import CATALOG
from nnviz.core.trace import backprop_trace
from tests.core.gradcheck import numeric_grad, rel_error


def test_target_shape_with_an_inferred_entry_as_keras():
    m = Sequential([Input((12,)), Reshape((3, -1)), Reshape([2, 2, 3]), Reshape((-1,))])
    assert [l.output_shape for l in m.layers] == [(None, 3, 4), (None, 2, 2, 3), (None, 12)]
    x = np.arange(24, dtype=np.float32).reshape(2, 12)
    np.testing.assert_array_equal(m.layers[0].forward(x), x.reshape(2, 3, 4))     # row-major, as Keras
    assert Reshape((3, -1)).get_config()["target_shape"] == [3, -1]
    assert Reshape.from_config({"target_shape": [4, 3], "name": "r"}).target_shape == (4, 3)


@pytest.mark.parametrize("bad", [(), (0, 3), (-1, -1), (2.5,), ("3",), (True, 2), (-2, 6)])
def test_a_target_shape_keras_refuses_is_refused(bad):
    with pytest.raises(ValueError, match="target_shape must be a tuple of positive integers, one of which may be -1"):
        Reshape(bad)


@pytest.mark.parametrize("target, message", [((5,), r"12 values .* as \(5,\) \(5 values\)"),
                                             ((5, -1), r"12 is not a multiple of 5")])
def test_a_shape_that_does_not_fit_the_input_names_the_layer(target, message):
    from nnviz.core import ArchitectureError

    with pytest.raises(ArchitectureError, match=message) as excinfo:
        Sequential([Input((3, 4)), Reshape(target)])
    assert excinfo.value.layer_index == 0


def test_gradient_goes_back_through_the_reshape():
    rng = np.random.default_rng(0)
    m = Sequential([Input((4, 4, 1)), Conv2D(2, 3, padding="same", activation="tanh"), Reshape((4, -1)),
                    LSTM(3), Dense(2)], dtype="float64", seed=1)
    m.compile(optimizer="sgd", loss="mse")
    x, y = rng.normal(size=(3, 4, 4, 1)), rng.normal(size=(3, 2))
    grads = m.compute_gradients(x, y)

    def cost():
        return float(m.loss(y, m(x, training=True)))

    kernel = m.layers[0].params["kernel"]
    assert rel_error(grads[0], numeric_grad(cost, kernel)) < 1e-6


def image_to_sequence():
    m = Sequential([Input((5, 4, 2)), Conv2D(3, 2, padding="same", activation="relu"), Reshape((5, -1)),
                    LSTM(4, return_sequences=True), Reshape((-1,)), Dense(3, activation="softmax")], seed=3)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return m


def test_exports_of_a_reshape_between_a_convolution_and_a_recurrent_layer(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from nnviz.io.keras_export import keras_config
    from nnviz.io.onnx_export import build_onnx

    m = image_to_sequence()
    x = np.random.default_rng(2).normal(size=(6, 5, 4, 2)).astype(np.float32)
    expected = m.predict(x)
    session = ort.InferenceSession(build_onnx(m).SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(["output"], {"input": x})[0], expected, atol=1e-5, rtol=0)
    layers = keras_config(m)["config"]["layers"]
    assert layers[2]["class_name"] == "Reshape" and layers[2]["config"]["target_shape"] == [5, -1]
    torch = pytest.importorskip("torch")
    from nnviz.io.pytorch_export import export_pytorch
    from tests.io.test_pytorch_export import load_script

    export_pytorch(m, tmp_path / "net.py")
    with torch.no_grad():
        got = load_script(tmp_path / "net.py").build_model()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)


def test_the_trace_treats_reshape_like_flatten():
    m = Sequential([Input((6,)), Dense(6, activation="tanh"), Reshape((2, 3)), Reshape((-1,)), Dense(2)], seed=0)
    m.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((1, 6)), np.zeros((1, 2))
    trace = backprop_trace(m, x, y, granularity="layer")
    backward = [s for s in trace.steps if s.phase == "backward" and s.layer_index == 3]
    assert backward and "rearranged back" in backward[0].template   # the trace's fallback for shape-only layers
    # the reshaped copy of layer 1's units is not listed again in the stepper's table
    assert {r.layer for r in trace.summary_table()} == {0, 1, 4}
    assert CATALOG["Reshape"].describe({"target_shape": [2, -1]}) == "Reshape → (2, -1)"
