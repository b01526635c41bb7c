"""The one training step: train_on_batch, fit, compute_gradients and the backprop trace all go through
nnviz.core.step.train_step; the trace observes it and its apply() restores the state the step left."""

import numpy as np
import pytest

from nnviz.core import layers as L
from nnviz.core.model import Sequential
from nnviz.core.optimizers import SGD, Adagrad, Adam, RMSprop
from nnviz.core.state import capture_state
from nnviz.core.step import StepObserver
from nnviz.core.trace import backprop_trace

OPTIMIZERS = {"sgd": lambda: SGD(0.1), "momentum": lambda: SGD(0.05, momentum=0.9),
              "nesterov": lambda: SGD(0.05, momentum=0.8, nesterov=True), "adam": lambda: Adam(0.01),
              "rmsprop": lambda: RMSprop(0.01, momentum=0.3, centered=True), "adagrad": lambda: Adagrad(0.1)}
NETWORKS = {
    "dense": lambda: [L.Dense(4, activation="relu", input_shape=(3,)), L.Dense(2, activation="softmax")],
    "bn_dropout": lambda: [L.Dense(4, input_shape=(3,)), L.BatchNormalization(), L.Activation("tanh"),
                           L.Dropout(0.5), L.Dense(2, activation="softmax")],
}


def _pair(net, opt, dtype):
    """Two identical compiled models, each one step into training."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(5, 3)), rng.integers(0, 2, 5)
    models = []
    for _ in range(2):
        m = Sequential(NETWORKS[net](), seed=4, dtype=dtype)
        m.compile(optimizer=OPTIMIZERS[opt](), loss="sparse_categorical_crossentropy")
        m.train_on_batch(x, y)
        models.append(m)
    return models, rng.normal(size=(5, 3)), rng.integers(0, 2, 5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("net", list(NETWORKS))
@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_trace_apply_is_train_on_batch_bit_for_bit(opt, net, dtype):
    (a, b), x, y = _pair(net, opt, dtype)
    before = capture_state(a)
    trace = backprop_trace(a, x, y)
    assert capture_state(a).equals(before)              # tracing leaves the model as it was
    loss_a = trace.apply(a)
    loss_b = b.train_on_batch(x, y)
    after_a, after_b = capture_state(a), capture_state(b)
    assert after_a.equals(after_b)                      # weights, moving stats, grads, slots, count, rng
    assert after_a.iterations == 2
    assert loss_a == loss_b
    # and the next step goes on identically (the dropout generator advanced the same way)
    assert a.train_on_batch(x, y) == b.train_on_batch(x, y)


class _Log(StepObserver):
    def __init__(self):
        self.calls = []

    def forward_begin(self, i, layer, x):
        self.calls.append(("forward_begin", i))

    def forward_end(self, i, layer, x, out):
        self.calls.append(("forward_end", i))

    def loss_computed(self, y, y_pred, loss):
        self.calls.append(("loss",))

    def backward_end(self, i, layer, d_out, d_in, fused_d_z):
        self.calls.append(("backward", i, fused_d_z is not None))

    def gradients_computed(self):
        self.calls.append(("gradients",))

    def regularized(self, penalty):
        self.calls.append(("regularized",))

    def updated(self):
        self.calls.append(("updated",))


def test_observer_sees_the_phases_in_order_and_apply_false_skips_the_update():
    (a, b), x, y = _pair("dense", "adam", "float64")
    log = _Log()
    loss, _ = a.train_step(x, y, observer=log)
    assert log.calls == [("forward_begin", 0), ("forward_end", 0), ("forward_begin", 1), ("forward_end", 1),
                         ("loss",), ("backward", 1, True), ("backward", 0, False), ("gradients",), ("updated",)]
    assert loss == b.train_on_batch(x, y)
    assert capture_state(a).equals(capture_state(b))
    log = _Log()
    w = a.get_weights()
    a.train_step(x, y, observer=log, apply=False)
    assert ("updated",) not in log.calls
    assert all(np.array_equal(u, v) for u, v in zip(w, a.get_weights()))


def test_compute_gradients_changes_nothing_but_the_gradient_buffers():
    (a, b), x, y = _pair("bn_dropout", "adam", "float64")
    before = capture_state(a)
    grads = a.compute_gradients(x, y)
    after = capture_state(a)
    assert after.weights and all(np.array_equal(u, v) for u, v in zip(after.weights, before.weights))
    assert after.rng_states == before.rng_states and after.iterations == before.iterations
    trace = backprop_trace(b, x, y)                      # the same step, observed
    assert all(np.array_equal(g, t) for g, t in zip(grads, trace.gradients))


def test_activated_layers_keep_dz_and_batchnorm_its_batch_statistics():
    (a, _), x, y = _pair("bn_dropout", "sgd", "float64")
    a.train_on_batch(x, y)
    dense, bn = a.layers[0], a.layers[1]
    assert dense.cache["d_z"].shape == (5, 4)
    np.testing.assert_array_equal(bn.cache["mean"], dense.cache["a"].mean(axis=0))
    np.testing.assert_array_equal(bn.cache["variance"], dense.cache["a"].var(axis=0))


class _RebindingDense(L.Dense):
    """Dense written in the natural but wrong style: it rebinds its gradients instead of writing them."""

    def backward_from_z(self, d_z):
        self.grads["kernel"] = self.cache["x"].T @ d_z
        self.grads["bias"] = d_z.sum(axis=0)
        return d_z @ self.params["kernel"].T


def test_a_layer_rebinding_its_gradients_fails_loudly():
    m = Sequential([_RebindingDense(2, input_shape=(3,))], seed=0)
    m.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match=r"grads\['kernel'\] cannot be rebound: write the gradient into"):
        m.train_on_batch(np.ones((2, 3)), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="cannot be rebound"):
        m.compute_gradients(np.ones((2, 3)), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="cannot be deleted"):
        del m.layers[0].grads["bias"]
    assert dict(m.layers[0].grads).keys() == {"kernel", "bias"}   # still a readable mapping
