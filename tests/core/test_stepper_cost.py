"""Issue 15: the course's cost C₀ = Σ_j (a_j − y_j)², the fused cross-entropies computed from the logits, and
the numeric check of ∂C/∂w against central finite differences."""

import math

import numpy as np
import pytest

from nnviz.core import Dense, Sequential
from nnviz.core import losses
from nnviz.core.step import train_step
from nnviz.core.trace import backprop_trace
from nnviz.core.trace.numeric import gradient_check, layer_check
from nnviz.core.training import TrainingConfig
from nnviz.core.worked_example import worked_example


def _sigmoid(v):
    return 1 / (1 + math.exp(-v))


# ------------------------------------------------------------------ the course's cost on the worked example
def test_worked_example_in_the_course_convention_equals_the_hand_computation():
    ex = worked_example()
    model = ex.model
    TrainingConfig(optimizer="sgd", learning_rate=0.5, loss="sum_squared_error", metrics=[]).compile_model(model)
    trace = backprop_trace(model, ex.x, ex.y, "unit")

    # by hand, x = (1, 0.5), y = (1, 0): hidden z = (1, 0.75), ReLU keeps both; output z = (0, 1)
    a1 = [1.0, 0.75]
    a2 = [0.5, _sigmoid(1.0)]                                  # (0.5, 0.7311)
    c0 = (a2[0] - 1) ** 2 + (a2[1] - 0) ** 2                   # 0.25 + 0.5344 = 0.7844 (Keras' mean: 0.3922)
    assert c0 == pytest.approx(0.78445, abs=1e-5)
    assert trace.loss == pytest.approx(c0, rel=1e-6)
    d_a2 = [2 * (a2[0] - 1), 2 * (a2[1] - 0)]                   # ∂C₀/∂a_j = 2(a_j − y_j) = (−1, 1.4622)
    delta2 = [d_a2[0] * a2[0] * (1 - a2[0]), d_a2[1] * a2[1] * (1 - a2[1])]   # (−0.25, 0.28746)
    assert delta2[0] == pytest.approx(-0.25)
    assert delta2[1] == pytest.approx(0.28746, abs=1e-5)
    # w_jk^(2) = kernel[k, j]: KERNEL_2 = [[0.75, 0.5], [-1.0, 1.0]]
    w2 = {(0, 0): 0.75, (1, 0): 0.5, (0, 1): -1.0, (1, 1): 1.0}
    d_a1 = [sum(w2[(j, k)] * delta2[j] for j in range(2)) for k in range(2)]   # (−0.04377, 0.53746)
    assert d_a1[0] == pytest.approx(0.75 * -0.25 + 0.5 * 0.28746, abs=1e-5)
    delta1 = d_a1                                             # ReLU, z > 0: g′ = 1
    x = [1.0, 0.5]
    grads = dict(zip(trace.weight_keys, trace.gradients))
    k1, k2 = grads["hidden/kernel"], grads["output/kernel"]
    for j in range(2):
        for k in range(2):
            assert k2[k, j] == pytest.approx(delta2[j] * a1[k], rel=1e-5)     # ∂C₀/∂w_jk^(2) = δ_j a_k
            assert k1[k, j] == pytest.approx(delta1[j] * x[k], rel=1e-5)      # ∂C₀/∂w_jk^(1) = δ_j x_k
    assert k2[1, 0] == pytest.approx(-0.1875, rel=1e-6)       # ∂C₀/∂w_01^(2) = −0.25·0.75
    # the update (plain SGD, η = 0.5) and training itself use the same numbers
    new = dict(zip(trace.weight_keys, trace.new_weights))
    np.testing.assert_allclose(new["output/kernel"], model.get_weights()[2] - 0.5 * k2, rtol=1e-6)
    loss = model.train_on_batch(ex.x, ex.y)
    assert loss == pytest.approx(c0, rel=1e-6)


def test_sum_squared_error_is_keras_mean_times_the_outputs():
    rng = np.random.default_rng(3)
    y, p = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    sse, mse = losses.get("sum_squared_error"), losses.get("mse")
    assert sse(y, p) == pytest.approx(3 * mse(y, p))
    np.testing.assert_allclose(sse.gradient(y, p), 3 * mse.gradient(y, p))
    assert losses.get("sse").name == "sum_squared_error"


# ------------------------------------------------------------------ fused cross-entropy from the logits
def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _assert_central_differences(cost, z, grad, h=1e-6):
    for i in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[i] += h
        zm[i] -= h
        assert (cost(zp) - cost(zm)) / (2 * h) == pytest.approx(grad[i], abs=1e-8)


SATURATED = np.array([[40.0, -40.0, 0.0], [-35.0, 30.0, 1.0], [0.3, -0.2, 0.1], [60.0, 59.0, -80.0]])


@pytest.mark.parametrize("name", ["sparse_categorical_crossentropy", "categorical_crossentropy"])
def test_softmax_crossentropy_from_logits_matches_finite_differences_when_saturated(name):
    z = SATURATED.copy()
    labels = np.array([1, 0, 2, 1])
    y = labels if name.startswith("sparse") else np.eye(3)[labels]
    loss = losses.get(name)

    def cost(zz):
        return loss.rows_mean(loss.logit_shares(y, zz, "softmax"))

    value = cost(z)
    # by hand: −log softmax_y = logsumexp(z) − z_y, no clipping: sample 0 costs 80, not −log(1e-7) = 16.1
    lse = np.log(np.exp(z - z.max(1, keepdims=True)).sum(1)) + z.max(1)
    want = (lse - z[np.arange(4), labels]).mean()
    assert value == pytest.approx(want, rel=1e-12)
    assert value > 16.2   # above what the clipped formula can give for any sample
    grad = loss.fused_gradient(y, _softmax(z), "softmax")
    _assert_central_differences(cost, z, grad)


def test_sigmoid_binary_crossentropy_from_logits_matches_finite_differences_when_saturated():
    z = np.array([[40.0, -3.0], [-50.0, 0.5], [20.0, 25.0]])
    y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    loss = losses.get("binary_crossentropy")

    def cost(zz):
        return loss.rows_mean(loss.logit_shares(y, zz, "sigmoid"))

    # softplus form by hand: sample 0 output 0 costs 40 (+ e^-40), sample 1 output 0 costs 50
    assert loss.logit_shares(y, z, "sigmoid")[0, 0] * 2 == pytest.approx(40.0)
    assert loss.logit_shares(y, z, "sigmoid")[1, 0] * 2 == pytest.approx(50.0)
    grad = loss.fused_gradient(y, 1 / (1 + np.exp(-z)), "sigmoid")
    _assert_central_differences(cost, z, grad)


def test_training_reports_the_loss_from_the_logits_that_goes_with_its_gradient():
    model = Sequential([Dense(2, activation="softmax", input_shape=(1,))], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.set_weights([np.array([[30.0, -30.0]], np.float32), np.zeros(2, np.float32)])
    x, y = np.array([[1.0]], np.float32), np.array([1])
    # z = (30, −30): the network is sure of the wrong class. Keras on TensorFlow: 60, not the clipped 16.12
    assert model.evaluate(x, y) == pytest.approx(60.0, rel=1e-6)
    trace = backprop_trace(model, x, y)
    assert trace.loss == pytest.approx(60.0, rel=1e-6)
    assert trace[trace.phase_start("loss")].per_output[0, 1] == pytest.approx(60.0, rel=1e-6)
    loss = model.train_on_batch(x, y)
    assert loss == pytest.approx(60.0, rel=1e-6)


# ------------------------------------------------------------------ the numeric check
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("loss,out_act", [("sum_squared_error", "sigmoid"), ("mse", "linear"),
                                          ("sparse_categorical_crossentropy", "softmax"),
                                          ("binary_crossentropy", "sigmoid")])
def test_numeric_check_agrees_with_backprop_on_random_networks(seed, loss, out_act):
    rng = np.random.default_rng(seed)
    n_in, hidden = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    out = 1 if loss == "binary_crossentropy" else int(rng.integers(2, 4))
    model = Sequential([Dense(hidden, activation=["tanh", "sigmoid", "elu"][seed % 3], input_shape=(n_in,)),
                        Dense(out, activation=out_act)], seed=seed, dtype="float64")
    model.compile(optimizer="adam", loss=loss)
    batch = int(rng.integers(1, 4))
    x = rng.normal(size=(batch, n_in))
    if loss == "sparse_categorical_crossentropy":
        y = rng.integers(0, out, batch)
    elif loss == "binary_crossentropy":
        y = rng.integers(0, 2, (batch, 1)).astype(float)
    else:
        y = rng.normal(size=(batch, out))
    before = model.get_weights()
    for l in (1, 2):
        checks = layer_check(model, x, y, l)
        assert len(checks) == sum(w.size for w in model.layers[l - 1].params.values())
        bad = [c for c in checks if not c.relative <= 1e-6 and max(abs(c.numeric), abs(c.backprop)) > 1e-10]
        assert not bad, bad[:3]
    one = gradient_check(model, x, y, model.layers[0].name + "/kernel", (0, 1))
    assert one.agrees and one.backprop == pytest.approx(model.compute_gradients(x, y)[0][0, 1], rel=1e-12)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))   # the model is untouched


def test_numeric_check_sees_a_wrong_gradient():
    model = Sequential([Dense(2, activation="tanh", input_shape=(2,)), Dense(1)], seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.array([[0.5, -1.0]]), np.array([[0.3]])
    good = gradient_check(model, x, y, "dense/kernel", (1, 0))
    assert good.agrees
    from nnviz.core.trace import numeric
    cost = numeric._Cost(model, x, y)
    cost.grads["dense/kernel"][1, 0] *= 1.01     # a 1 % error in backprop is caught
    assert not cost.check("dense/kernel", (1, 0)).agrees


def test_kernel_gradients_are_printed_in_w_jk_orientation():
    """Issue 15: ∂C/∂W printed inputs × units made entry [0][1] read 0.2687 where ∂C₀/∂w_01^(1) = −0.01094."""
    ex = worked_example()
    trace = backprop_trace(ex.model, ex.x, ex.y, "layer")
    layer1 = next(s for s in trace if s.phase == "backward" and s.layer_index == 1)
    line = next(t for t in layer1.to_text().splitlines() if t.startswith("∂C_0/∂W^(1)"))
    assert line.startswith("∂C_0/∂W^(1) = [[-0.02188, -0.01094], [0.2687, 0.1344]]")
    assert "row j = unit, column k = input" in line
    grads = dict(zip(trace.weight_keys, trace.gradients))
    assert grads["hidden/kernel"][1, 0] == pytest.approx(-0.01094, abs=1e-5)    # kernel[k, j] = w_jk: w_01
