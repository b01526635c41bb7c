"""The backprop trace against the core it traces: forward caches, compute_gradients, train_on_batch.

Everything in float64. The trace must hold the core's own numbers (not a re-derivation), its update must be
the compiled optimizer's bit for bit, and applying it must leave model and optimizer exactly where
train_on_batch would.
"""

import dataclasses
import math
import re

import numpy as np
import pytest

from nnviz.core import (SGD, Adam, BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D, RMSprop,
                        Sequential, regularizers)
from nnviz.core.state import capture_state
from nnviz.core.step import logit_shares
from nnviz.core.trace import (BackwardUnit, ForwardUnit, LayerBackward, LayerForward, LayerUpdate, LossStep,
                              StaleTraceError, WeightUpdate, backprop_trace, format_number)
from nnviz.core.worked_example import worked_example

ATOL = 1e-12
HIDDEN = ["relu", "sigmoid", "tanh", "linear", "leaky_relu", "elu", "softplus", "swish"]
# (loss, output activation, label kind)
LOSSES = [
    ("mean_squared_error", "linear", "real"),
    ("mean_squared_error", "softmax", "real"),          # softmax without the fused gradient: the Jacobian path
    ("mean_squared_error", "tanh", "real"),
    ("binary_crossentropy", "sigmoid", "binary"),       # fused (a − y)/(N·n)
    ("sparse_categorical_crossentropy", "softmax", "sparse"),   # fused (a − y)/N
    ("categorical_crossentropy", "softmax", "onehot"),  # fused
    ("categorical_crossentropy", "sigmoid", "onehot"),  # not fused
    ("huber", "linear", "real"),
    ("kl_divergence", "softmax", "distribution"),
    ("mean_absolute_error", "sigmoid", "real"),
]
OPTIMIZERS = {
    "sgd": lambda: SGD(0.1),
    "momentum": lambda: SGD(0.05, momentum=0.9),
    "nesterov": lambda: SGD(0.05, momentum=0.8, nesterov=True),
    "adam": lambda: Adam(0.01),
    "rmsprop": lambda: RMSprop(0.01),
    "rmsprop_centered_momentum": lambda: RMSprop(0.01, momentum=0.5, centered=True),
}


def labels(kind, rng, n, units):
    if kind == "real":
        return rng.normal(size=(n, units))
    if kind == "binary":
        return rng.integers(0, 2, size=(n, units)).astype(np.float64)
    if kind == "sparse":
        return rng.integers(0, units, size=n)
    if kind == "onehot":
        return np.eye(units)[rng.integers(0, units, size=n)]
    p = rng.random((n, units)) + 0.1
    return p / p.sum(axis=1, keepdims=True)


def random_dense(seed, optimizer):
    """A random Dense stack (widths 1–5), loss, batch; the optimizer pre-warmed by a few steps."""
    rng = np.random.default_rng(seed)
    loss, out_act, kind = LOSSES[seed % len(LOSSES)]
    n_in = int(rng.integers(1, 6))
    out_units = int(rng.integers(2 if kind in ("sparse", "onehot", "distribution") or out_act == "softmax" else 1, 5))
    layers = []
    for i in range(int(rng.integers(0, 3))):
        reg = [None, regularizers.L2(0.01), regularizers.L1(0.005)][int(rng.integers(0, 3))]
        layers.append(Dense(int(rng.integers(1, 6)), activation=HIDDEN[int(rng.integers(len(HIDDEN)))],
                            kernel_regularizer=reg, use_bias=bool(rng.integers(0, 4)),
                            bias_initializer="random_normal"))
    layers.append(Dense(out_units, activation=out_act, bias_initializer="random_normal"))
    model = Sequential(layers, dtype="float64", seed=seed)
    model.build((n_in,))
    model.compile(optimizer=OPTIMIZERS[optimizer](), loss=loss)
    n = int(rng.integers(1, 5))
    x = rng.normal(size=(n, n_in))
    y = labels(kind, rng, n, out_units)
    for _ in range(int(rng.integers(0, 4))):   # pre-warm the optimizer state
        model.train_on_batch(rng.normal(size=(n, n_in)), labels(kind, rng, n, out_units))
    return model, x, y


def twin(model):
    """A clone with the same weights, optimizer state and random generator state."""
    other = model.clone()
    other.compile(optimizer=model.optimizer.copy(), loss=model.loss)
    other.optimizer.set_state(model.optimizer.state())
    other.rng.bit_generator.state = model.rng.bit_generator.state
    return other


def snapshot(model):
    return ([w.copy() for w in model.get_weights()], model.optimizer.state(), model.rng.bit_generator.state)


def assert_same_snapshot(a, b):
    assert len(a[0]) == len(b[0]) and all(np.array_equal(u, v) for u, v in zip(a[0], b[0]))
    assert a[1].keys() == b[1].keys() and all(np.array_equal(a[1][k], b[1][k]) for k in a[1])
    assert a[2] == b[2]


def close(a, b, atol=ATOL):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=0, atol=atol)


# ============================================================================ random Dense networks
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("seed", range(10))
def test_random_dense_trace_equals_core(seed, optimizer):
    model, x, y = random_dense(seed * 7 + len(optimizer), optimizer)
    before = snapshot(model)
    trace = backprop_trace(model, x, y)
    assert_same_snapshot(before, snapshot(model))        # tracing changes nothing

    # ---- forward: the layers' own caches (Dense stacks are deterministic, so a rerun reproduces them)
    model._forward(model._check_x(x), training=True)
    for step in trace:
        if isinstance(step, ForwardUnit):
            layer = model.layers[step.layer_index - 1]
            j = step.unit
            assert np.array_equal(step.inputs, layer.cache["x"])
            assert np.array_equal(step.weights, layer.params["kernel"][:, j])
            assert np.array_equal(step.z, layer.cache["z"][:, j])
            assert np.array_equal(step.a, layer.cache["a"][:, j])
            close(step.terms.sum(axis=1) + (step.bias or 0.0), step.z)
            if step.bias is not None:
                assert step.bias == layer.params["bias"][j]
            if step.activation == "softmax":
                assert np.array_equal(step.z_layer, layer.cache["z"])
    y_pred = model.layers[-1].cache["a"]
    assert np.array_equal(trace.y_pred, y_pred)

    # ---- loss
    loss_step = next(s for s in trace if isinstance(s, LossStep))
    shares = logit_shares(model, y, y_pred)   # softmax / sigmoid with cross-entropy: from the logits
    assert loss_step.batch_loss == (model.loss(y, y_pred) if shares is None else model.loss.rows_mean(shares))
    close(loss_step.per_output.sum(axis=1), loss_step.per_sample)
    close(loss_step.per_sample.mean(), loss_step.batch_loss)

    # ---- backward: compute_gradients, and each unit's chain rule
    grads = model.compute_gradients(x, y)
    assert len(grads) == len(trace.gradients)
    for g, t in zip(grads, trace.gradients):
        close(t, g)
    n = len(x)
    for step in trace:
        if not isinstance(step, BackwardUnit):
            continue
        l, j = step.layer_index, step.unit
        layer = model.layers[l - 1]
        close(step.d_w, layer.grads["kernel"][:, j])
        close(step.d_w_terms.sum(axis=0), step.d_w_data)
        close(step.d_w_data + (0 if step.d_w_reg is None else step.d_w_reg), step.d_w)
        if step.d_b is not None:
            close(step.d_b, layer.grads["bias"][j])
            close(step.delta.sum(), step.d_b)
        if step.fused:
            close((step.a * (1 if step.target_sums is None else step.target_sums) - step.targets)
                  / step.fused_divisor, step.delta)
        elif step.softmax_jacobian is not None:
            close((step.d_a_layer * step.softmax_jacobian).sum(axis=1), step.delta)
        else:
            close(step.d_a * step.g_prime, step.delta)
        if step.next_layer is not None:
            close(step.next_delta @ step.next_weights, step.d_a)
        if isinstance(layer.kernel_regularizer, regularizers.Regularizer):
            w = layer.params["kernel"][:, j]
            expected = layer.kernel_regularizer.l1 * np.sign(w) + 2 * layer.kernel_regularizer.l2 * w
            close(step.d_w_reg, expected)
        else:
            assert step.d_w_reg is None
    for step in trace:
        if isinstance(step, LayerBackward) and step.d_input is not None:
            close(step.d_z @ step.weights["kernel"].T, step.d_input)
    assert n == trace.batch_size

    # ---- update: train_on_batch on a twin
    other = twin(model)
    loss = other.train_on_batch(x, y)
    assert trace.loss == loss
    for new, expected in zip(trace.new_weights, other.get_weights()):
        assert np.array_equal(new, expected)
    state = other.optimizer.state()
    other_state = capture_state(other)
    after = trace.optimizer_state_after
    assert after.keys() == state.keys() and all(np.array_equal(after[k], state[k]) for k in state)
    keys = model.weight_keys()
    by_key = dict(zip(keys, trace.new_weights))
    for step in trace:
        if isinstance(step, WeightUpdate):
            layer = model.layers[step.layer_index - 1]
            key = f"{layer.name}/{step.param}"
            assert step.old == layer.params[step.param][step.index]
            assert step.new == by_key[key][step.index]
            assert step.grad == trace.gradients[keys.index(key)][step.index]
            slots = other_state.slots(key)   # the twin's optimizer slots for this weight, shaped like it
            for slot, value in step.state_after.items():
                assert value == slots[slot][step.index]

    # ---- apply == train_on_batch
    assert trace.apply(model) == loss
    assert_same_snapshot(snapshot(model), snapshot(other))


def test_optimizer_formulas_show_the_state_they_use():
    model, x, y = random_dense(3, "adam")
    t0 = model.optimizer.iterations
    trace = backprop_trace(model, x, y)
    step = next(s for s in trace if isinstance(s, WeightUpdate))
    assert step.iteration == t0 + 1
    assert step.step_size == model.optimizer.step_size(t0 + 1)
    b1 = model.optimizer.beta_1
    close(step.state_after["m"], step.state_before["m"] + (step.grad - step.state_before["m"]) * (1 - b1))
    close(step.new, step.old - step.step_size * step.state_after["m"]
          / (math.sqrt(step.state_after["v"]) + model.optimizer.epsilon))
    text = step.to_text()
    assert "m ← m + (∂C" in text and "α_^t=" not in text and "β_1" in text
    model, x, y = random_dense(4, "momentum")
    step = next(s for s in backprop_trace(model, x, y) if isinstance(s, WeightUpdate))
    close(step.state_after["momentum"], 0.9 * step.state_before["momentum"] - 0.05 * step.grad)
    close(step.new, step.old + step.state_after["momentum"])
    assert "v ← μ·v − η·∂C" in step.to_text()


# ============================================================================ a CNN, layer by layer
def small_cnn(seed=0, dropout=0.5):
    model = Sequential([
        Conv2D(3, 3, input_shape=(6, 6, 2), activation="relu", padding="same", kernel_regularizer="l2"),
        MaxPooling2D(2),
        BatchNormalization(),
        Dropout(dropout),
        Flatten(),
        Dense(3, activation="softmax"),
    ], dtype="float64", seed=seed)
    model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(seed)
    for _ in range(2):
        model.train_on_batch(rng.normal(size=(4, 6, 6, 2)), rng.integers(0, 3, 4))
    return model, rng.normal(size=(4, 6, 6, 2)), rng.integers(0, 3, 4)


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_cnn_layer_steps_equal_compute_gradients_and_train_on_batch(dropout):
    model, x, y = small_cnn(dropout=dropout)
    before = snapshot(model)
    trace = backprop_trace(model, x, y, granularity="layer")
    assert_same_snapshot(before, snapshot(model))          # BN statistics, rng, weights, optimizer untouched
    other = twin(model)
    assert [s.phase for s in trace] == ["forward"] * 6 + ["loss"] + ["backward"] * 6 + ["update"] * 3
    assert all(not isinstance(s, (ForwardUnit, BackwardUnit, WeightUpdate)) for s in trace)

    grads = model.compute_gradients(x, y)                   # same rng state, so the same dropout mask
    keys = model.weight_keys()
    for step in trace:
        if isinstance(step, LayerBackward):
            layer = model.layers[step.layer_index - 1]
            for name, g in step.grads.items():
                close(g, grads[keys.index(f"{layer.name}/{name}")])
    for g, t in zip(grads, trace.gradients):
        close(t, g)

    fwd = {s.layer_index: s for s in trace if isinstance(s, LayerForward)}
    bwd = {s.layer_index: s for s in trace if isinstance(s, LayerBackward)}
    for l in range(2, 7):
        assert np.array_equal(fwd[l].input, fwd[l - 1].output)   # the layers chain
        assert np.array_equal(bwd[l].d_input, bwd[l - 1].d_out)  # what is sent back is what arrives
    assert bwd[1].d_input is None   # nobody needs dC/dx of the data: the first layer skips that work
    drop = fwd[4]
    if dropout:
        assert np.array_equal(drop.output, drop.input * drop.extras["mask"])
        assert np.array_equal(bwd[4].d_input, bwd[4].d_out * drop.extras["mask"])
        assert set(np.unique(drop.extras["mask"])) == {0.0, 2.0}
    else:
        assert "mask" not in drop.extras and np.array_equal(drop.output, drop.input)
    bn = fwd[3].extras
    axes = (0, 1, 2)
    assert np.array_equal(bn["batch_mean"], fwd[3].input.mean(axis=axes))
    close(bn["moving_mean_after"], bn["moving_mean_before"] * 0.99 + bn["batch_mean"] * 0.01)
    assert np.array_equal(bn["moving_mean_before"], model.layers[2].params["moving_mean"])
    assert "kernel" in bwd[1].grads_reg
    close(bwd[1].grads_reg["kernel"], 2 * 0.01 * model.layers[0].params["kernel"])

    loss = other.train_on_batch(x, y)
    for new, expected in zip(trace.new_weights, other.get_weights()):
        assert np.array_equal(new, expected)
    assert trace.apply(model) == loss
    assert_same_snapshot(snapshot(model), snapshot(other))


# ============================================================================ apply, then keep training
@pytest.mark.parametrize("make", [lambda: small_cnn(dropout=0.5), lambda: random_dense(11, "adam")])
def test_apply_then_train_equals_two_train_on_batch_calls(make):
    model, x, y = make()
    rng = np.random.default_rng(99)
    x2, y2 = x + rng.normal(size=x.shape) * 0.1, y
    other = twin(model)
    trace = backprop_trace(model, x, y, granularity="unit")
    for _ in trace:   # stepping through is read-only
        pass
    trace.apply(model)
    l1 = model.train_on_batch(x2, y2)
    other.train_on_batch(x, y)
    l2 = other.train_on_batch(x2, y2)
    assert l1 == l2
    assert_same_snapshot(snapshot(model), snapshot(other))
    with pytest.raises(StaleTraceError):
        trace.apply(model)   # the model moved on: the trace is stale


def test_discarded_trace_leaves_training_unchanged():
    model, x, y = small_cnn(dropout=0.5)
    other = twin(model)
    backprop_trace(model, x, y)
    assert model.train_on_batch(x, y) == other.train_on_batch(x, y)
    assert_same_snapshot(snapshot(model), snapshot(other))


def test_apply_refuses_a_model_that_changed_or_another_model():
    ex = worked_example()
    trace = backprop_trace(ex.model, ex.x, ex.y)
    with pytest.raises(ValueError):
        trace.apply(worked_example().model)
    ex.model.train_on_batch(ex.x, ex.y)
    with pytest.raises(StaleTraceError):
        trace.apply(ex.model)


# ============================================================================ the worked example, by hand
def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_worked_example_matches_hand_computation():
    ex = worked_example()
    x0, x1 = 1.0, 0.5
    y0, y1 = 1.0, 0.0
    # forward, hidden layer (ReLU)
    z1_0 = 0.5 * x0 + 1.0 * x1 + 0.0
    z1_1 = 0.25 * x0 + 0.5 * x1 + 0.25
    a1_0, a1_1 = max(z1_0, 0), max(z1_1, 0)
    # output layer (sigmoid)
    z2_0 = 0.75 * a1_0 + -1.0 * a1_1 + 0.0
    z2_1 = 0.5 * a1_0 + 1.0 * a1_1 + -0.25
    a2_0, a2_1 = sigmoid(z2_0), sigmoid(z2_1)
    assert (z1_0, z1_1, z2_0, z2_1, a2_0) == (1.0, 0.75, 0.0, 1.0, 0.5)
    # loss: Keras' MSE is the mean over the two outputs
    C0 = ((a2_0 - y0) ** 2 + (a2_1 - y1) ** 2) / 2
    # backward, output layer
    dC_da2_0 = (a2_0 - y0)               # (2/n)(a − y) with n = 2
    dC_da2_1 = (a2_1 - y1)
    d2_0 = dC_da2_0 * a2_0 * (1 - a2_0)
    d2_1 = dC_da2_1 * a2_1 * (1 - a2_1)
    dW2 = [[d2_0 * a1_0, d2_1 * a1_0], [d2_0 * a1_1, d2_1 * a1_1]]   # Keras layout: [k][j]
    # error sent back, hidden layer
    dC_da1_0 = 0.75 * d2_0 + 0.5 * d2_1
    dC_da1_1 = -1.0 * d2_0 + 1.0 * d2_1
    d1_0, d1_1 = dC_da1_0 * 1.0, dC_da1_1 * 1.0   # ReLU' = 1 for z > 0
    dW1 = [[d1_0 * x0, d1_1 * x0], [d1_0 * x1, d1_1 * x1]]
    # update: w − η·∂C/∂w with η = 0.5
    new_w2_01 = -1.0 - 0.5 * (d2_0 * a1_1)
    new_b2_1 = -0.25 - 0.5 * d2_1
    new_w1_10 = 0.25 - 0.5 * (d1_1 * x0)

    trace = backprop_trace(ex.model, ex.x, ex.y)
    fu = {(s.layer_index, s.unit): s for s in trace if isinstance(s, ForwardUnit)}
    for (l, j), (z, a) in {(1, 0): (z1_0, a1_0), (1, 1): (z1_1, a1_1), (2, 0): (z2_0, a2_0),
                           (2, 1): (z2_1, a2_1)}.items():
        assert fu[l, j].z[0] == pytest.approx(z, abs=1e-15) and fu[l, j].a[0] == pytest.approx(a, abs=1e-15)
    loss = next(s for s in trace if isinstance(s, LossStep))
    assert loss.per_sample[0] == pytest.approx(C0, abs=1e-15) and trace.loss == pytest.approx(C0, abs=1e-15)
    close(loss.per_output[0], [(a2_0 - y0) ** 2 / 2, (a2_1 - y1) ** 2 / 2], 1e-15)
    bu = {(s.layer_index, s.unit): s for s in trace if isinstance(s, BackwardUnit)}
    for (l, j), (da, delta) in {(2, 0): (dC_da2_0, d2_0), (2, 1): (dC_da2_1, d2_1), (1, 0): (dC_da1_0, d1_0),
                                (1, 1): (dC_da1_1, d1_1)}.items():
        close(bu[l, j].d_a, [da], 1e-15)
        close(bu[l, j].delta, [delta], 1e-15)
    close(trace.gradients[2], dW2, 1e-15)
    close(trace.gradients[0], dW1, 1e-15)
    close(trace.gradients[3], [d2_0, d2_1], 1e-15)
    wu = {(s.layer_index, s.param, s.index): s for s in trace if isinstance(s, WeightUpdate)}
    assert wu[2, "kernel", (1, 0)].new == pytest.approx(new_w2_01, abs=1e-15)     # w_01^(2) = kernel[1, 0]
    assert wu[2, "bias", (1,)].new == pytest.approx(new_b2_1, abs=1e-15)
    assert wu[1, "kernel", (0, 1)].new == pytest.approx(new_w1_10, abs=1e-15)     # w_10^(1) = kernel[0, 1]
    # the explanation quotes the numbers the trace shows
    for v in (a2_1, C0, d2_1, dC_da1_0, dC_da1_1, d2_0 * a1_1, new_w2_01):
        assert format_number(v).replace("-", "−") in ex.explanation
    # and the very first step reads like the course, with the numbers substituted
    assert trace[0].to_html() == (
        "z<sub>0</sub><sup>(1)</sup> = w<sub>00</sub><sup>(1)</sup>·a<sub>0</sub><sup>(0)</sup> + "
        "w<sub>01</sub><sup>(1)</sup>·a<sub>1</sub><sup>(0)</sup> + b<sub>0</sub><sup>(1)</sup> = 0.5·1 + 1·0.5 + 0 = 1"
        "<br>a<sub>0</sub><sup>(1)</sup> = g<sup>(1)</sup>(z<sub>0</sub><sup>(1)</sup>) = relu(1) = 1")
    back = next(s for s in trace if isinstance(s, BackwardUnit))
    assert back.to_text().splitlines()[:2] == [
        "∂C_0/∂a_0^(2) = 2·(a_0^(2) − y_0)/D = 2·(0.5 − 1)/2 = -0.5   (D = 2, the number of outputs: the loss is their "
        "mean)",
        "δ_0^(2) = ∂C_0/∂z_0^(2) = ∂C_0/∂a_0^(2) · g′^(2)(z_0^(2)) = -0.5 · 0.25 = -0.125"]
    assert trace[0].formula.startswith("z_0^(1) = w_00^(1)·a_0^(0) + w_01^(1)·a_1^(0) + b_0^(1)")


# ============================================================================ granularities
def test_granularities_are_consistent_regroupings():
    model = Sequential([Dense(3, input_shape=(2,), activation="tanh"), Dropout(0.0), Dense(4, activation="relu"),
                        Dense(2, activation="softmax")], dtype="float64", seed=2)
    model.compile(optimizer=SGD(0.1), loss="categorical_crossentropy")
    x = np.array([[0.3, -0.7], [1.1, 0.2]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    unit = backprop_trace(model, x, y, "unit")
    layer = unit.with_granularity("layer")
    phase = unit.with_granularity("phase")
    assert [s.phase for s in phase] == ["forward", "loss", "backward", "update"]
    assert [s.level for s in phase] == ["phase"] * 4
    n_layers = len(model.layers)
    assert sum(s.phase == "forward" for s in layer) == n_layers
    assert sum(s.phase == "backward" for s in layer) == n_layers
    assert sum(s.phase == "update" for s in layer) == 3            # Dropout has no weights
    # unit steps: one per Dense unit forward and backward, one per weight and bias in the update
    dense = [m for m in model.layers if isinstance(m, Dense)]
    assert sum(isinstance(s, ForwardUnit) for s in unit) == sum(d.units for d in dense)
    assert sum(isinstance(s, BackwardUnit) for s in unit) == sum(d.units for d in dense)
    assert sum(isinstance(s, WeightUpdate) for s in unit) == model.count_params()
    # every layer-level step of the unit view is the very same object in the layer view
    layer_ids = {id(s) for s in layer}
    assert all(id(s) in layer_ids for s in unit if s.level == "layer" or s.phase == "loss")
    # layer steps hold their unit steps, phase steps their layer steps
    for s in layer:
        if isinstance(s, LayerForward) and s.units:
            assert np.array_equal(np.stack([u.z for u in s.units], axis=1), s.z)
            assert all(u in unit.steps for u in s.units)
        if isinstance(s, LayerBackward) and s.units:
            assert np.array_equal(np.stack([u.d_w for u in s.units], axis=1), s.grads["kernel"])
            assert np.array_equal(np.stack([u.delta for u in s.units], axis=1), s.d_z)
        if isinstance(s, LayerUpdate):
            for u in s.units:
                assert u.new == s.new[u.param][u.index] and u.old == s.old[u.param][u.index]
    assert phase[0].layers == tuple(s for s in layer if s.phase == "forward")
    assert phase[2].layers == tuple(s for s in layer if s.phase == "backward")
    assert phase[3].layers == tuple(s for s in layer if s.phase == "update")
    # the same table at the end, whichever way one got there
    full = unit.summary_table()
    assert full == layer.summary_table() == phase.summary_table()
    assert all(r.a is not None for r in full)
    assert all(r.delta is not None for r in full if r.layer in (1, 3, 4))
    # before anything: only the input is known; knowledge only grows
    start = unit.summary_table(-1)
    assert all(r.z is None and r.a is None for r in start if r.layer > 0)
    assert [r.a for r in start if r.layer == 0] == [0.3, -0.7]
    known = [sum(v is not None for r in unit.summary_table(i) for v in (r.z, r.a, r.d_a, r.delta))
             for i in range(len(unit))]
    assert known == sorted(known) and known[-1] > known[0]
    first_z = unit.summary_table(0)
    assert first_z[2].z == unit[0].z[0] and first_z[3].z is None
    assert unit.summary_table(0, sample=1)[2].a == unit[0].a[1]
    assert unit.phase_start("loss") == sum(isinstance(s, ForwardUnit) for s in unit) + 1   # + Dropout
    assert unit[unit.phase_start("backward")].phase == "backward"


def test_steps_are_immutable_and_highlight_the_network():
    ex = worked_example()
    trace = backprop_trace(ex.model, ex.x[0], ex.y[0])    # one sample, without the batch axis
    assert trace.batch_size == 1
    step = trace[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.z = None
    with pytest.raises(ValueError):
        step.z[0] = 1.0
    fwd = next(s for s in trace if isinstance(s, ForwardUnit) and s.layer_index == 2 and s.unit == 1)
    assert ((2, 1, "current") in fwd.highlights.nodes and (1, 0, "input") in fwd.highlights.nodes
            and (1, 1, "input") in fwd.highlights.nodes)
    assert set(fwd.highlights.edges) == {(2, 1, 0, "input"), (2, 1, 1, "input")}
    back = next(s for s in trace if isinstance(s, BackwardUnit) and s.layer_index == 1 and s.unit == 0)
    assert back.highlights.with_role("error").edges == ((2, 0, 0, "error"), (2, 1, 0, "error"))
    assert (1, 0, "current") in back.highlights.nodes
    sent = next(s for s in trace if isinstance(s, LayerBackward) and s.layer_index == 2)
    assert {n.role for n in sent.highlights.nodes if n.layer == 1} == {"current"}
    upd = next(s for s in trace if isinstance(s, WeightUpdate) and s.param == "kernel")
    assert upd.highlights.edges == ((upd.layer_index, upd.j, upd.k, "current"),)
    roles = {"input", "current", "error"}
    assert all(h.role in roles for s in trace for h in s.highlights.nodes + s.highlights.edges)


# ============================================================================ rendering
def significant_digits(text):
    digits = text.replace(".", "").lstrip("0")
    return len(digits)


@pytest.mark.parametrize("granularity", ["unit", "layer", "phase"])
def test_html_has_sub_sup_and_four_significant_digits(granularity):
    model, x, y = small_cnn(dropout=0.5)
    traces = [backprop_trace(model, x, y, granularity)]
    ex = worked_example()
    traces.append(backprop_trace(ex.model, ex.x, ex.y, granularity))
    dense, dx, dy = random_dense(8, "adam")
    traces.append(backprop_trace(dense, dx, dy, granularity))
    for trace in traces:
        for step in trace:
            html = step.to_html()
            assert "<sub>" in html or "<sup>" in html, step.title
            assert step.formula and step.template and step.title
            numbers = [t.value for eq in step.equations() for side in eq.sides for t in side if t.kind == "num"]
            assert numbers, step.title
            for v in numbers:
                shown = format_number(v, html=True)
                assert shown in html
                mantissa = shown.split("×")[0].lstrip("−")
                assert significant_digits(mantissa) <= 4, (shown, step.title)
    sig = next(s for s in traces[1].with_granularity("unit") if isinstance(s, ForwardUnit) and s.layer_index == 2 and s.unit == 1)
    assert sig.to_html().endswith("= sigmoid(1) = 0.7311")
    assert sig.to_html(precision=6).endswith("= sigmoid(1) = 0.731059")
    assert sig.to_html(full_precision=True).endswith(f"= {repr(float(sig.a[0]))}")
    linked = sig.to_html(link_numbers=True)
    assert linked.endswith(f'<a href="num:{float(sig.a[0])!r}" style="color: inherit; text-decoration: none">0.7311</a>')
    assert float(re.findall(r'href="num:([^"]+)"', linked)[-1]) == sig.a[0]


def test_format_number():
    assert format_number(0.37750000000000006) == "0.3775"
    assert format_number(-0.125) == "-0.125" and format_number(-0.125, html=True) == "−0.125"
    assert format_number(1.23456e-5, html=True) == "1.235×10<sup>−5</sup>"
    assert format_number(123456.0) == "1.235e+05"
    assert format_number(0.1 + 0.2, full=True) == "0.30000000000000004"
    assert format_number(0.0) == "0" and format_number(float("nan")) == "NaN"


def test_batches_show_sums_over_samples_and_one_sample_at_a_time():
    ex = worked_example()
    x = np.array([[1.0, 0.5], [0.2, -0.4], [0.0, 1.0]])
    y = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    trace = backprop_trace(ex.model, x, y)
    back = next(s for s in trace if isinstance(s, BackwardUnit))
    text = back.to_text(sample=2)
    assert "∂C/∂w_00^(2) = Σ_n δ_0^(2)·a_0^(1)" in text and "C_0" not in text
    close(back.d_w, (back.delta[:, None] * back.inputs).sum(axis=0))
    loss = next(s for s in trace if isinstance(s, LossStep))
    assert "C = (1/N)·Σ_n C_0" in loss.to_text(sample=1)
    assert trace[0].to_text(sample=1).endswith(format_number(trace[0].a[1]))
    with pytest.raises(IndexError):
        trace[0].to_html(sample=3)


def test_frozen_layer_and_regularizer_follow_the_core():
    model = Sequential([Dense(3, input_shape=(2,), activation="tanh", kernel_regularizer=regularizers.L1L2(0.01, 0.02),
                              trainable=False),
                        Dense(1, activation="sigmoid", kernel_regularizer="l2")], dtype="float64", seed=4)
    model.compile(optimizer=SGD(0.1, momentum=0.9), loss="binary_crossentropy")
    x, y = np.array([[0.5, -0.2], [0.1, 0.9]]), np.array([[1.0], [0.0]])
    model.train_on_batch(x, y)
    trace = backprop_trace(model, x, y)
    for g, t in zip(model.compute_gradients(x, y), trace.gradients):
        close(t, g)
    loss = next(s for s in trace if isinstance(s, LossStep))
    assert loss.regularization > 0 and loss.total == trace.loss == loss.batch_loss + loss.regularization
    frozen = next(s for s in trace if isinstance(s, BackwardUnit) and s.layer_index == 1)
    assert np.all(frozen.d_w_data == 0) and np.any(frozen.d_w_reg != 0)   # zeroed, then the penalty added
    other = twin(model)
    other.train_on_batch(x, y)
    trace.apply(model)
    assert_same_snapshot(snapshot(model), snapshot(other))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fresh_unbuilt_model_is_built_traced_and_applied_like_train_on_batch(dtype):
    def make():
        model = Sequential([Dense(4, activation="relu"), BatchNormalization(), Dense(3, activation="softmax")],
                           dtype=dtype, seed=7)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")   # no slots yet: not built
        return model
    x = np.random.default_rng(1).normal(size=(5, 3))
    y = np.array([0, 1, 2, 1, 0])
    a, b = make(), make()
    trace = backprop_trace(a, x, y)
    assert trace.optimizer_state_before["iterations"] == 0 and trace[0].inputs.dtype == np.dtype(dtype)
    assert trace.apply(a) == b.train_on_batch(x, y)
    assert_same_snapshot(snapshot(a), snapshot(b))
    assert a.train_on_batch(x, y) == b.train_on_batch(x, y)


def test_a_frozen_batch_normalization_is_explained_with_its_moving_statistics():
    model, x, y = small_cnn(dropout=0.0)
    bn = model.layers[2]
    bn.trainable = False
    trace = backprop_trace(model, x, y, granularity="layer")
    step = next(s for s in trace if isinstance(s, LayerForward) and s.layer_type == "BatchNormalization")
    assert "moving mean" in step.template and "Frozen" in step.note
    assert np.array_equal(step.extras["moving_mean_after"], step.extras["moving_mean_before"])
    expected = (step.input - bn.params["moving_mean"]) / np.sqrt(bn.params["moving_variance"] + bn.epsilon)
    close(step.output, expected * bn.params["gamma"] + bn.params["beta"])
    bn.trainable = True
    step = next(s for s in backprop_trace(model, x, y, granularity="layer")
                if isinstance(s, LayerForward) and s.layer_type == "BatchNormalization")
    assert "μ_B" in step.template and step.note.startswith("Training mode")


def test_the_output_layers_dC_da_is_kerass_renormalised_cross_entropy_derivative():
    """With softmax + cross-entropy the core fuses δ = (a − y)/D, and the table's ∂C/∂a shows the loss's own
    derivative, which for Keras' renormalising cross-entropy is 1/Σa − y_j/a_j (not −y_j/a_j); the note says so."""
    model = Sequential([Dense(2, input_shape=(2,), activation="softmax")], dtype="float64", seed=0)
    model.compile(optimizer=SGD(0.1), loss="sparse_categorical_crossentropy")
    x, y = np.array([[0.3, -0.8]]), np.array([1])
    trace = backprop_trace(model, x, y, granularity="unit")
    units = [s for s in trace if isinstance(s, BackwardUnit)]
    a = model.predict(x)[0]
    onehot = np.array([0.0, 1.0])
    for j, step in enumerate(units):
        assert step.d_a[0] == pytest.approx(1 / a.sum() - onehot[j] / a[j], abs=1e-12)
        assert step.delta[0] == pytest.approx(a[j] - onehot[j], abs=1e-12)
        assert "/D" in step.template and "1/Σ_i a_i − y_j/a_j" in step.note
