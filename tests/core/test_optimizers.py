"""Each optimizer against its Keras 3 update rule, written out here step by step."""

import numpy as np
import pytest

from nnviz.core import SGD, Adagrad, Adam, RMSprop, optimizers

W0 = np.array([0.5, -1.0, 2.0, 0.0])
GRADS = [np.array([0.1, -0.2, 0.3, 0.0]), np.array([-0.4, 0.1, 0.2, 1e-3]), np.array([0.3, 0.3, -0.1, 0.5])]


def _run(opt):
    w = W0.copy()
    for g in GRADS:
        opt.apply(w, g.copy())
    return w


def test_sgd_plain_momentum_and_nesterov():
    w = W0.copy()
    for g in GRADS:
        w = w - 0.1 * g
    assert np.allclose(_run(SGD(0.1)), w, rtol=0, atol=1e-15)

    w, v = W0.copy(), np.zeros(4)
    for g in GRADS:
        v = 0.9 * v - 0.1 * g
        w = w + v
    assert np.allclose(_run(SGD(0.1, momentum=0.9)), w, rtol=0, atol=1e-15)

    w, v = W0.copy(), np.zeros(4)
    for g in GRADS:
        v = 0.9 * v - 0.1 * g
        w = w + 0.9 * v - 0.1 * g
    assert np.allclose(_run(SGD(0.1, momentum=0.9, nesterov=True)), w, rtol=0, atol=1e-15)


def test_adam_matches_keras_rule_and_first_step_is_lr_times_sign():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    w, m, v = W0.copy(), np.zeros(4), np.zeros(4)
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w = w - alpha * m / (np.sqrt(v) + eps)
    assert np.allclose(_run(Adam(lr)), w, rtol=0, atol=1e-13)
    first = W0.copy()
    Adam(lr).apply(first, GRADS[0].copy())
    assert np.allclose((W0 - first)[:3], lr * np.sign(GRADS[0][:3]), rtol=1e-4)
    assert first[3] == 0.0  # zero gradient, no move


def test_adam_step_size_is_computed_in_float32_for_float32_weights():
    # Keras casts β₁, β₂ and the step to the variable's dtype before α = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ);
    # float32(0.999) = 0.99900001287, so 1 − β₂ is 1.3e-5 (relative) short of 0.001 and α 6.4e-6 short
    f = np.float32
    opt = Adam()
    opt.build(3, np.float32)
    alpha = f(0.001) * np.sqrt(f(1) - f(0.999) ** f(1)) / (f(1) - f(0.9) ** f(1))
    assert opt.step_size(1) == alpha
    assert abs(opt.step_size(1) / (0.001 * np.sqrt(1 - 0.999) / (1 - 0.9)) - 1) > 5e-6
    # the update uses it, bit for bit: w ← w − α·m/(√v + ε) with m = (1 − β₁)·g, v = (1 − β₂)·g²
    w = np.array([1.0, -2.0, 0.5], np.float32)
    g = np.array([0.3, -0.1, 2.0], np.float32)
    m, v = g * f(1 - 0.9), g * g * f(1 - 0.999)
    expected = w - alpha * m / (np.sqrt(v) + f(1e-7))
    opt.apply(w, g)
    np.testing.assert_array_equal(w, expected)
    # float64 weights keep float64 arithmetic
    opt64 = Adam()
    opt64.build(3, np.float64)
    assert opt64.step_size(4) == pytest.approx(0.001 * np.sqrt(1 - 0.999 ** 4) / (1 - 0.9 ** 4), rel=1e-15)


def test_rmsprop_and_adagrad_match_keras_rules():
    w, s = W0.copy(), np.zeros(4)
    for g in GRADS:
        s = 0.9 * s + 0.1 * g * g
        w = w - 0.01 * g / np.sqrt(s + 1e-7)
    assert np.allclose(_run(RMSprop(0.01)), w, rtol=0, atol=1e-13)

    w, acc = W0.copy(), np.full(4, 0.1)
    for g in GRADS:
        acc = acc + g * g
        w = w - 0.01 * g / np.sqrt(acc + 1e-7)
    assert np.allclose(_run(Adagrad(0.01)), w, rtol=0, atol=1e-13)


def test_rmsprop_velocity_groups_the_square_like_keras():
    # Keras: velocity ← ρ·velocity + (1 − ρ)·g²; ((1 − ρ)·g)·g rounds differently in float32 for these g
    f = np.float32
    g = np.array([0.104900114, -0.5356694, 0.36159506], np.float32)
    assert np.all(f(1 - 0.9) * g * g != f(1 - 0.9) * (g * g))
    opt = RMSprop()
    w = np.zeros(3, np.float32)
    opt.apply(w, g)
    np.testing.assert_array_equal(opt.slots["velocity"], f(1 - 0.9) * (g * g))
    np.testing.assert_array_equal(w, -(f(0.001) * g) / np.sqrt(f(1 - 0.9) * (g * g) + f(1e-7)))


def test_keras_defaults_and_names():
    assert SGD().learning_rate == 0.01 and SGD().momentum == 0.0
    assert Adam().learning_rate == 0.001 and Adam().epsilon == 1e-7
    assert RMSprop().rho == 0.9 and Adagrad().initial_accumulator_value == 0.1
    assert isinstance(optimizers.get("Adam"), Adam)
    assert optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5}}).learning_rate == 0.5
    with pytest.raises(ValueError, match="valid optimizers are: adagrad, adam, rmsprop, sgd"):
        optimizers.get("adamw")


def test_state_copy_previews_an_update_without_touching_the_original():
    opt = Adam(0.01)
    w = W0.copy()
    opt.apply(w, GRADS[0].copy())
    preview = opt.copy()
    w2 = w.copy()
    preview.apply(w2, GRADS[1].copy())
    w3 = w.copy()
    opt.apply(w3, GRADS[1].copy())
    assert np.array_equal(w2, w3) and opt.iterations == 2


def test_subnormal_adam_state_is_flushed():
    opt = Adam(0.001)
    w = np.zeros(3, dtype=np.float32)
    opt.apply(w, np.array([1e-20, 1.0, 0.0], dtype=np.float32))
    for _ in range(60):
        opt.apply(w, np.zeros(3, dtype=np.float32))
    tiny = np.finfo(np.float32).tiny
    for s in opt.slots.values():
        assert not np.any((s != 0) & (np.abs(s) < tiny)), "subnormal numbers left in the optimizer state"
