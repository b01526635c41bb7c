"""Random networks of every layer type, exported to ONNX and to PyTorch, give ``model.predict``'s numbers.

Hypothesis draws the architectures (odd and even sizes, non-square kernels and strides, strides larger
than the window, 'same' padding where TF pads asymmetrically, one-channel images, every activation,
BatchNormalization with non-trivial moving statistics, Dense on images and sequences, SimpleRNN, LSTM
and GRU on sequences, Flatten after channels-last convolutions) and the weights; both exports must agree with the core to float32 precision
for a batch of 1 and of 7.
"""

from __future__ import annotations

import importlib.util
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nnviz.core import (GRU, LSTM, Activation, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten,
                        Input, MaxPooling2D, Sequential, SimpleRNN)
from nnviz.core.activations import NAMES as ACTIVATIONS

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")

from nnviz.io.onnx_export import build_onnx  # noqa: E402
from nnviz.io.pytorch_export import pytorch_script  # noqa: E402

activations = st.sampled_from(sorted(ACTIVATIONS))
windows = st.tuples(st.integers(1, 4), st.integers(1, 4))
strides = st.tuples(st.integers(1, 3), st.integers(1, 3))
paddings = st.sampled_from(["same", "valid"])
batch_norm = st.builds(lambda center, scale: BatchNormalization(center=center, scale=scale), st.booleans(), st.booleans())
elementwise = st.one_of(batch_norm, st.builds(Activation, activations), st.builds(Dropout, st.floats(0, 0.9)))
image_layers = st.one_of(
    st.builds(lambda f, k, s, p, a, b: Conv2D(f, k, strides=s, padding=p, activation=a, use_bias=b),
              st.integers(1, 4), windows, strides, paddings, activations, st.booleans()),
    st.builds(lambda k, s, p: MaxPooling2D(k, strides=s, padding=p), windows, st.none() | strides, paddings),
    st.builds(lambda k, s, p: AveragePooling2D(k, strides=s, padding=p), windows, st.none() | strides, paddings),
    st.builds(lambda u, a: Dense(u, activation=a), st.integers(1, 4), activations),
    elementwise)
# with the activations both ONNX's operators and PyTorch's modules offer (the exports refuse others)
recurrent_layers = st.builds(lambda cls, units, act, bias, sequences: cls(units, use_bias=bias, return_sequences=sequences,
                                                                       **({"activation": act} if cls is SimpleRNN else {})),
                             st.sampled_from([SimpleRNN, LSTM, GRU]), st.integers(1, 4), st.sampled_from(["tanh", "relu"]),
                             st.booleans(), st.booleans())
flat_layers = st.one_of(
    st.builds(lambda u, a, b: Dense(u, activation=a, use_bias=b), st.integers(1, 6), activations, st.booleans()),
    elementwise)


@st.composite
def networks(draw):
    kind = draw(st.sampled_from(["image", "vector", "sequence"]))
    if kind == "image":
        shape = (draw(st.integers(1, 9)), draw(st.integers(1, 9)), draw(st.sampled_from([1, 1, 2, 3])))  # grayscale often
        layers = draw(st.lists(image_layers, min_size=1, max_size=4))
    elif kind == "sequence":
        shape = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
        layers = draw(st.lists(flat_layers | recurrent_layers, min_size=1, max_size=3))
    else:
        shape = (draw(st.integers(1, 6)),)
        layers = draw(st.lists(flat_layers, min_size=1, max_size=4))
    if kind != "vector" and draw(st.booleans()):
        layers += [Flatten(), *draw(st.lists(flat_layers, max_size=2))]
    try:
        model = Sequential([Input(shape), *layers], seed=0)
    except ValueError:  # a 'valid' window larger than its input, and the like
        assume(False)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    for layer in model.layers:
        for key, value in layer.params.items():
            value[...] = rng.uniform(0.3, 2.0, value.shape) if key == "moving_variance" else rng.normal(0, 0.5, value.shape)
    return model, rng


_count = itertools.count()


def pytorch_network(model, folder):
    name = f"equivalence_{next(_count)}"
    path = folder / f"{name}.py"
    path.write_text(pytorch_script(model), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_model()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(networks())
def test_onnx_and_pytorch_exports_compute_what_the_model_does(tmp_path_factory, drawn):
    model, rng = drawn
    session = ort.InferenceSession(build_onnx(model).SerializeToString(), providers=["CPUExecutionProvider"])
    net = pytorch_network(model, tmp_path_factory.mktemp("net"))
    for batch in (1, 7):
        x = rng.normal(size=(batch, *model.input_shape[1:])).astype(np.float32)
        expected = model.predict(x)
        tolerance = 1e-5 * max(1.0, float(np.abs(expected).max()))  # float32 precision of the largest output
        from_onnx = session.run(["output"], {"input": x})[0]
        with torch.no_grad():
            from_torch = net(torch.from_numpy(x)).numpy()
        assert from_onnx.shape == from_torch.shape == expected.shape
        np.testing.assert_allclose(from_onnx, expected, atol=tolerance, rtol=0, err_msg="ONNX")
        np.testing.assert_allclose(from_torch, expected, atol=tolerance, rtol=0, err_msg="PyTorch")
