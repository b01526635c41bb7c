"""The convolutional front of an unobserved training step (nnviz.core.conv_front): ReLU + max pooling fused and
big batches split between two threads give what the layers run one by one give — bit for bit in one thread,
to float32 rounding split — and train as well."""

from __future__ import annotations

import os
import threading
import warnings

import numpy as np
import pytest

from nnviz.core import (Adam, AveragePooling2D, Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D, Sequential, conv_front,
                        step)
from tests.core.gradcheck import numeric_grad, rel_error


@pytest.fixture
def threads(monkeypatch):
    """Set the batch threads for one test, restored after; the small test networks are split from 32 samples on."""
    monkeypatch.setattr(conv_front, "MIN_SPLIT_MACS", 0)
    old = conv_front.batch_threads()
    yield conv_front.set_batch_threads
    conv_front.set_batch_threads(old)


def cnn(seed=0, size=12, padding="same", act="relu", pool=MaxPooling2D, dtype="float32", classes=3):
    model = Sequential(seed=seed, dtype=dtype, layers=[
        Input((size, size, 1)), Conv2D(4, 3, padding=padding, activation=act), pool(2),
        Conv2D(6, 3, padding=padding, activation=act), pool(2), Flatten(), Dense(classes, activation="softmax")])
    model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def images(n, size=12, seed=0):
    """Bright left half → class 0, bright top half → 1, else 2: learnable by a small CNN."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, size, size, 1), dtype=np.float32) * 0.5
    y = rng.integers(0, 3, n)
    half = size // 2
    x[y == 0, :, :half] += 0.5
    x[y == 1, :half] += 0.5
    return x, y


def steps(model, x, y, batch, observed, count=4):
    """``count`` training steps; ``observed`` passes an observer, so every layer runs as written (the trace's way)."""
    losses = []
    for i in range(count):
        xb, yb = x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
        loss, _ = step.train_step(model, xb, yb, observer=step.StepObserver() if observed else None)
        losses.append(loss)
    return losses, model.get_weights()


@pytest.mark.parametrize("kind", ["same relu max", "same relu max on blank backgrounds (tied windows)",
                                  "valid relu max (odd 10→5 maps)", "same tanh max", "same relu average",
                                  "same linear max"])
def test_one_thread_front_is_bit_equal_to_the_layers_run_one_by_one(kind, threads):
    threads(1)
    padding, act, pool_name = kind.split()[:3]
    pool = MaxPooling2D if pool_name == "max" else AveragePooling2D
    x, y = images(64, size=12)
    if "blank" in kind:   # as in MNIST: z is the bias alone in every window of a blank region, all cells tied
        x[:, :, 6:] = 0
    plain = steps(cnn(padding=padding, act=act, pool=pool), x, y, 16, observed=True)
    front = steps(cnn(padding=padding, act=act, pool=pool), x, y, 16, observed=False)
    assert plain[0] == front[0]
    for a, b in zip(plain[1], front[1]):
        np.testing.assert_array_equal(a, b)


def test_fused_pair_is_used_and_skips_the_full_size_relu(threads):
    threads(1)
    model = cnn()
    x, y = images(16)
    step.train_step(model, x, y)
    twin = model._conv_front.halves[0][0].twin
    z_shape, cells = twin.cache["pool_cells"]
    assert z_shape == (16, 12, 12, 4) and "a" not in twin.cache   # no full-size ReLU output
    assert [c.shape for c in cells] == [(16, 6, 6, 4)] * 4       # the ReLU's mask is a quarter of z's size
    chosen = sum(c.astype(int) for c in cells)
    assert chosen.max() == 1   # at most one cell of a window gets its gradient


def test_split_batch_equals_one_thread_to_float32_rounding(threads):
    x, y = images(256)
    threads(1)
    one = steps(cnn(), x, y, 64, observed=False)
    threads(2)
    split = steps(cnn(), x, y, 64, observed=False)
    np.testing.assert_allclose(split[0], one[0], rtol=1e-5)
    for a, b in zip(one[1], split[1]):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)


def test_split_batch_is_deterministic(threads):
    threads(2)
    x, y = images(256)
    first = steps(cnn(), x, y, 64, observed=False)
    second = steps(cnn(), x, y, 64, observed=False)
    assert first[0] == second[0]
    for a, b in zip(first[1], second[1]):
        np.testing.assert_array_equal(a, b)


def test_split_gradients_match_finite_differences(threads):
    threads(2)
    model = cnn(dtype="float64", size=8)
    x, y = images(conv_front.MIN_BATCH + 8, size=8, seed=3)
    x = x.astype(np.float64)
    grads = model.compute_gradients(x, y)   # aligned with get_weights(): conv 1 kernel, bias, conv 2 kernel, bias…
    for index, (layer, name) in enumerate([(0, "kernel"), (0, "bias"), (2, "kernel"), (2, "bias")]):
        param = model.layers[layer].params[name]
        numeric = numeric_grad(lambda: float(model.loss(y, model.predict(x, batch_size=len(x)))), param)
        assert rel_error(grads[index], numeric) < 1e-5, (layer, name)


def test_split_training_learns_and_keeps_frozen_layers(threads):
    threads(2)
    x, y = images(640, seed=1)
    model = cnn(seed=2)
    model.layers[0].trainable = False
    frozen = model.layers[0].params["kernel"].copy()
    history = model.fit(x[:512], y[:512], batch_size=64, epochs=8, verbose=0)
    assert conv_front.front_length(model.layers) == 5
    np.testing.assert_array_equal(model.layers[0].params["kernel"], frozen)
    _, accuracy = model.evaluate(x[512:], y[512:], verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert accuracy >= 0.9


def test_front_follows_weights_set_between_steps(threads):
    threads(2)
    x, y = images(64)
    model, twin = cnn(), cnn()
    step.train_step(model, x, y)
    twin.set_weights(model.get_weights())
    model.set_weights([w * 0.5 for w in model.get_weights()])   # in place, as the app's edits do
    twin.set_weights([w * 0.5 for w in twin.get_weights()])
    threads(1)
    expected, _ = step.train_step(twin, x, y, observer=step.StepObserver())
    threads(2)
    loss, _ = step.train_step(model, x, y)
    assert loss == pytest.approx(expected, rel=1e-6)


def test_an_error_in_the_worker_half_reaches_the_caller_and_the_next_step_works(threads, monkeypatch):
    threads(2)
    x, y = images(64)
    model = cnn()
    forward = conv_front._forward

    def failing_in_the_worker(twins, xs, training):
        if threading.current_thread() is not threading.main_thread():
            raise FloatingPointError("half-batch failure")
        return forward(twins, xs, training)

    monkeypatch.setattr(conv_front, "_forward", failing_in_the_worker)
    with pytest.raises(FloatingPointError, match="half-batch failure"):
        step.train_step(model, x, y)
    monkeypatch.undo()
    loss, _ = step.train_step(model, x, y)
    assert np.isfinite(loss)


def test_which_layers_make_the_front():
    dense = Sequential([Input((4,)), Dense(3, activation="relu"), Dense(2, activation="softmax")])
    assert conv_front.front_length(dense.layers) == 0
    only_conv = Sequential([Input((6, 6, 1)), Conv2D(2, 3), Flatten()])
    assert conv_front.front_length(only_conv.layers) == 1   # never the last layer: the loss needs all of it
    dropout_first = Sequential([Input((6, 6, 1)), Dropout(0.2), Conv2D(2, 3), Flatten(), Dense(2)])
    assert conv_front.front_length(dropout_first.layers) == 0   # random masks differ with the split: not taken


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_starts_its_own_worker(threads):
    threads(2)
    x, y = images(64)
    model = cnn()
    step.train_step(model, x, y)   # the parent's worker is running
    with warnings.catch_warnings():   # Python 3.12+ warns that forking a threaded process may deadlock
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:   # the child: no worker thread was copied; a split step must not wait for one forever
        try:
            loss, _ = step.train_step(model, x, y)
            os._exit(0 if np.isfinite(loss) else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_only_batches_with_enough_work_are_split(threads, monkeypatch):
    threads(2)
    x, y = images(64)
    model = cnn()
    per_sample = 12 * 12 * 9 * 1 * 4 + 6 * 6 * 9 * 4 * 6   # the two convolutions' multiply-adds
    monkeypatch.setattr(conv_front, "MIN_SPLIT_MACS", 64 * per_sample + 1)
    step.train_step(model, x, y)
    assert model._conv_front.macs_per_sample() == per_sample
    assert not model._conv_front.halves[1][0].own["cache"]    # one thread did it all
    monkeypatch.setattr(conv_front, "MIN_SPLIT_MACS", 64 * per_sample)
    step.train_step(model, x, y)
    assert len(model._conv_front.halves[1][0].own["cache"]["x"]) == 32
