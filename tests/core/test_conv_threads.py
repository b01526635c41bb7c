"""A training batch split between two threads (nnviz.core.parallel) gives the numbers of one thread.

Conv2D's forward (padding, receptive fields, GEMM) and its backward (ReLU dZ, dW/db, dX) and the 2×2 pooling
fast path can run half a batch in the calling thread and half in a worker: the forward and dX equal one thread's
bit for bit, dW/db (each half summed on its own, then added) to float32 rounding, and two runs agree exactly.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from nnviz.core import Conv2D, MaxPooling2D, parallel
from nnviz.core.layers.pooling import AveragePooling2D

CASES = [  # (input shape, filters, kernel, strides, padding, activation, use_bias)
    ((28, 28, 1), 4, 3, 1, "same", "relu", True),
    ((14, 14, 3), 5, 3, 1, "same", "relu", True),
    ((9, 11, 2), 3, (2, 3), 1, "valid", "linear", False),
    ((13, 13, 3), 4, 3, 2, "same", "sigmoid", True),
    ((10, 10, 1), 2, 5, 1, "same", "relu", False),
]


@pytest.fixture
def threads(monkeypatch):
    """Set the split to ``n`` threads for the test (any batch of 2 or more split), restored afterwards."""
    monkeypatch.setattr(parallel, "MIN_BATCH", 2)
    old = parallel.batch_threads()
    yield parallel.set_batch_threads
    parallel.set_batch_threads(old)


def conv_step(case, x, d_out, seed=0):
    shape, filters, kernel, strides, padding, activation, use_bias = case
    layer = Conv2D(filters, kernel, strides=strides, padding=padding, activation=activation, use_bias=use_bias)
    layer.build(shape, rng=np.random.default_rng(seed))
    out = layer.forward(x, training=True)
    d_x = layer.backward(d_out(out))
    return out, d_x, {k: v.copy() for k, v in layer.grads.items()}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("batch", [2, 7, 16])
def test_conv_two_threads_match_one(threads, case, batch):
    rng = np.random.default_rng(batch)
    x = rng.standard_normal((batch, *case[0])).astype(np.float32)
    gen = np.random.default_rng(1)
    d_outs = {}

    def d_out(out):   # the same upstream gradient in both runs
        return d_outs.setdefault(out.shape, gen.standard_normal(out.shape).astype(np.float32))

    threads(1)
    out1, dx1, grads1 = conv_step(case, x, d_out)
    threads(2)
    assert len(parallel.batch_parts(batch)) > 1
    out2, dx2, grads2 = conv_step(case, x, d_out)
    np.testing.assert_array_equal(out2, out1)
    np.testing.assert_array_equal(dx2, dx1)
    for name, g in grads1.items():
        np.testing.assert_allclose(grads2[name], g, rtol=2e-5, atol=2e-5 * np.abs(g).max())
    # deterministic: a second threaded run sums in the same order
    out3, dx3, grads3 = conv_step(case, x, d_out)
    for name, g in grads2.items():
        np.testing.assert_array_equal(grads3[name], g)


def test_conv_steps_reuse_workspaces_correctly_across_batch_sizes(threads):
    """A threaded step after a step of another batch size (workspaces reallocated) still matches one thread."""
    case = CASES[1]
    rng = np.random.default_rng(3)
    for batch in (8, 5, 8):
        x = rng.standard_normal((batch, *case[0])).astype(np.float32)
        ones = np.ones_like
        threads(1)
        want = conv_step(case, x, ones)
        threads(2)
        got = conv_step(case, x, ones)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("layer_type", [MaxPooling2D, AveragePooling2D])
@pytest.mark.parametrize("shape", [(8, 8, 3), (7, 9, 2)])
def test_pooling_two_threads_match_one(threads, layer_type, shape):
    rng = np.random.default_rng(0)
    x = np.maximum(rng.standard_normal((6, *shape)), 0).astype(np.float32)   # ties (zeros) in many windows
    results = []
    for n in (1, 2):
        threads(n)
        layer = layer_type(2)
        layer.build(shape)
        out = layer.forward(x, training=True)
        results.append((out, layer.backward(np.arange(out.size, dtype=np.float32).reshape(out.shape))))
    for a, b in zip(*results):
        np.testing.assert_array_equal(b, a)


def test_small_batches_and_inference_stay_in_one_thread(monkeypatch):
    old = parallel.set_batch_threads(2)
    try:
        assert parallel.batch_parts(parallel.MIN_BATCH - 1) == [slice(0, parallel.MIN_BATCH - 1)]
        assert len(parallel.batch_parts(parallel.MIN_BATCH)) == parallel.PARTS
        parallel.set_batch_threads(1)
        assert parallel.batch_parts(1000) == [slice(0, 1000)]
    finally:
        parallel.set_batch_threads(old)


def test_environment_switch_turns_the_split_off(monkeypatch):
    old = parallel.batch_threads()
    try:
        monkeypatch.setenv("NNVIZ_BATCH_THREADS", "1")
        importlib.reload(parallel)
        assert parallel.batch_threads() == 1
        monkeypatch.setenv("NNVIZ_BATCH_THREADS", "2")
        importlib.reload(parallel)
        assert parallel.batch_threads() == min(2, __import__("os").cpu_count() or 1)
    finally:
        monkeypatch.undo()
        importlib.reload(parallel)
        parallel.set_batch_threads(old)


def test_a_failing_part_raises_in_the_caller(threads):
    threads(2)

    def fail(i, part):
        if i == 1:
            raise ValueError("second half")

    with pytest.raises(ValueError, match="second half"):
        parallel.run_parts(fail, parallel.batch_parts(8))
