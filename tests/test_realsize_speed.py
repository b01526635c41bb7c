"""The speed work of issue 14 changes no result: runs with and without it give the same losses.

The reference implementations live here: a softmax without the floor on its shifted logits (what the
core computed before), checked on raw 0–255 inputs, where the floor is what keeps training fast.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import Adam, Conv2D, Dense, Flatten, Input, MaxPooling2D, Sequential
from nnviz.core.activations import Softmax


def reference_softmax(self, z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def digits_like(n=256, side=8, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    templates = rng.random((4, side * side)) < 0.3
    x = (templates[y] * rng.uniform(150, 255, (n, 1)) + (rng.random((n, side * side)) < 0.05) * 60)
    return np.minimum(x, 255).astype(np.float32), y


def train(x, y, conv=False, epochs=6):
    if conv:
        x = x.reshape(len(x), 8, 8, 1)
        layers = [Input((8, 8, 1)), Conv2D(4, 3, padding="same", activation="relu"), MaxPooling2D(2), Flatten(),
                  Dense(4, activation="softmax")]
    else:
        layers = [Input((64,)), Dense(32, activation="relu"), Dense(16, activation="relu"),
                  Dense(4, activation="softmax")]
    model = Sequential(layers, seed=3)
    model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy")
    return np.array(model.fit(x, y, batch_size=32, epochs=epochs, verbose=0, shuffle=False).history["loss"])


@pytest.mark.parametrize("scale", [1.0, 1 / 255])
@pytest.mark.parametrize("conv", [False, True])
def test_floored_softmax_trains_as_the_reference(monkeypatch, scale, conv):
    x, y = digits_like()
    fast = train(x * np.float32(scale), y, conv)
    monkeypatch.setattr(Softmax, "forward", reference_softmax)
    reference = train(x * np.float32(scale), y, conv)
    assert fast[-1] < fast[0]
    np.testing.assert_allclose(fast, reference, rtol=2e-6, atol=1e-7)


def test_softmax_never_returns_subnormal_probabilities():
    z = np.array([[0.0, -90.0, -200.0, 5.0], [1e4, 0.0, -1e4, 3.0]], dtype=np.float32)
    p = Softmax().forward(z.copy())
    tiny = np.finfo(np.float32).tiny
    assert not np.any((p != 0) & (np.abs(p) < tiny))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(p, reference_softmax(None, z), atol=1e-27)


def reference_adam_update(opt, params, grads):
    """Adam's update as written before the scratch vectors: the bits the fused update must reproduce."""
    m, v = opt.slots["m"], opt.slots["v"]
    alpha = opt.step_size(opt.iterations + 1)
    m += (grads - m) * (1 - opt.beta_1)
    v += (grads * grads - v) * (1 - opt.beta_2)
    params -= (alpha * m) / (np.sqrt(v) + opt.epsilon)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_update_is_bit_identical_to_the_reference(dtype):
    rng = np.random.default_rng(0)
    fast, ref = Adam(0.01), Adam(0.01)
    w_fast = rng.standard_normal(1000).astype(dtype)
    w_ref = w_fast.copy()
    for step in range(30):
        g = (rng.standard_normal(1000) * 10.0 ** rng.integers(-20, 2, 1000)).astype(dtype)
        fast.apply(w_fast, g)
        if not ref.slots:
            ref.build(w_ref.size, w_ref.dtype)
        reference_adam_update(ref, w_ref, g)
        ref.iterations += 1
        if ref.iterations % 50 == 0:
            for s in ref.slots.values():
                s[np.abs(s) < 1e-30] = 0
    np.testing.assert_array_equal(w_fast, w_ref)
    np.testing.assert_array_equal(fast.slots["m"], ref.slots["m"])
    np.testing.assert_array_equal(fast.slots["v"], ref.slots["v"])
    assert fast.copy().state().keys() == {"m", "v", "iterations"}
