"""Explanations registered by class: every built-in layer has one, a reshaping layer needs none, and a
registered explanation is what the trace shows."""

import numpy as np
import pytest

from nnviz.core import layers as L
from nnviz.core.catalog import CATALOG
from nnviz.core.layers import LAYER_CLASSES, Layer
from nnviz.core.model import Sequential
from nnviz.core.trace import (LayerExplanation, LayerForward, LayerBackward, ShapeExplanation, backprop_trace,
                              explains, layer_explanation)
from nnviz.core.trace.explain import _LAYERS


@pytest.mark.parametrize("name", sorted(LAYER_CLASSES))
def test_every_built_in_layer_has_its_own_explanation(name):
    # a reshaping layer (Reshape) may rely on the shape fallback: that is how a new one needs no registration
    assert LAYER_CLASSES[name] in _LAYERS or CATALOG[name].category == "reshaping"


class Shuffle(Layer):
    """A parameter-free reshape written by a user: (4,) -> (2, 2)."""

    def compute_output_shape(self, input_shape):
        if int(np.prod(input_shape)) != 4:
            raise ValueError("needs 4 values")
        return (2, 2)

    def forward(self, x, training=False):
        return x.reshape(len(x), 2, 2)

    def backward(self, d_out):
        return d_out.reshape(len(d_out), 4)


def _model(middle):
    m = Sequential([L.Dense(4, activation="tanh", input_shape=(3,)), middle, L.Flatten(),
                    L.Dense(2, activation="softmax")], seed=0, dtype="float64")
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return m


def test_a_reshaping_layer_is_explained_without_registering():
    m = _model(Shuffle())
    assert layer_explanation(m.layers[1]) is ShapeExplanation
    trace = backprop_trace(m, np.ones((2, 3)), [0, 1], granularity="layer")
    fwd = next(s for s in trace if isinstance(s, LayerForward) and s.layer_type == "Shuffle")
    assert fwd.template == "a^(l) = a^(l−1) rearranged as 2×2 per sample"
    assert "shuffle(a^(1))  (4 → 2×2)" in fwd.to_text()
    back = next(s for s in trace if isinstance(s, LayerBackward) and s.layer_type == "Shuffle")
    assert "rearranged back to 4" in back.to_text()


def test_a_layer_with_weights_and_no_explanation_gets_the_generic_one():
    assert layer_explanation(L.Embedding(5, 2)) is not LayerExplanation   # registered

    class Scale(Layer):
        def _create_params(self, input_shape):
            return {"kernel": np.ones(input_shape)}

    assert layer_explanation(Scale()) is LayerExplanation


def test_a_registered_explanation_is_what_the_trace_shows():
    class Twice(Shuffle):
        pass

    @explains(Twice)
    class TwiceExplanation(ShapeExplanation):
        @classmethod
        def forward_template(cls, layer):
            return "a^(l) = a^(l−1) folded in two"

    try:
        trace = backprop_trace(_model(Twice()), np.ones((1, 3)), [1], granularity="layer")
        assert trace[1].explanation is TwiceExplanation
        assert trace[1].template == "a^(l) = a^(l−1) folded in two"
    finally:
        del _LAYERS[Twice]


def test_a_subclass_is_explained_as_its_base():
    class MyDense(L.Dense):
        pass

    assert layer_explanation(MyDense(3)) is layer_explanation(L.Dense(3))
