"""The speed paths of Conv2D and the pooling layers give the numbers of plain references.

Conv2D keeps its training scratch (padded input, receptive-field rows, z, the ReLU dZ) in workspaces between
steps and computes dX image by image; 2×2 stride-2 pooling has its own path.  Here: against a plain
einsum / window-loop reference written in this file (forward, every gradient, odd sizes, strides, 'valid' and
'same', ties), against the general pooling passes bit for bit, no aliasing between steps of what a layer
returns, and a fixed-seed fit whose losses match a model built from the reference layers.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from nnviz.core import Adam, Conv2D, Dense, Flatten, Input, MaxPooling2D, Sequential
from nnviz.core.layers.conv import window_geometry_2d
from nnviz.core.layers.pooling import AveragePooling2D


# ----------------------------------------------------------------------------- references
def padded(x, kernel_size, strides, padding):
    n, h, w, c = x.shape
    out_h, out_w, (pt, pb, pl, pr) = window_geometry_2d(h, w, kernel_size, strides, padding)
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0))), out_h, out_w, (pt, pl)


def receptive_fields(xp, kernel_size, strides, out_h, out_w):
    """(N, Ho, Wo, C, kh, kw): the window of every output pixel."""
    (sh, sw) = strides
    return sliding_window_view(xp, kernel_size, axis=(1, 2))[:, ::sh, ::sw][:, :out_h, :out_w]


def conv_forward_ref(x, kernel, bias, strides, padding):
    xp, out_h, out_w, _ = padded(x, kernel.shape[:2], strides, padding)
    z = np.einsum("nyxcij,ijcf->nyxf", receptive_fields(xp, kernel.shape[:2], strides, out_h, out_w), kernel)
    return z if bias is None else z + bias


def conv_backward_ref(x, kernel, d_z, strides, padding):
    """(dX, dW, db) of z = x ⋆ W + b, summing each kernel offset's share back onto the pixels it read."""
    kh, kw = kernel.shape[:2]
    (sh, sw) = strides
    xp, out_h, out_w, (pt, pl) = padded(x, (kh, kw), strides, padding)
    d_kernel = np.einsum("nyxcij,nyxf->ijcf", receptive_fields(xp, (kh, kw), strides, out_h, out_w), d_z)
    d_xp = np.zeros_like(xp)
    for i in range(kh):
        for j in range(kw):
            d_xp[:, i:i + sh * (out_h - 1) + 1:sh, j:j + sw * (out_w - 1) + 1:sw] += d_z @ kernel[i, j].T
    h, w = x.shape[1:3]
    return d_xp[:, pt:pt + h, pl:pl + w], d_kernel, d_z.sum(axis=(0, 1, 2))


def max_pool_ref(x, d_out):
    """2×2 stride-2 max pooling and its gradient, window by window: the gradient goes to the window's
    first maximal cell in row-major order (np.argmax of the flattened window, as TF and torch)."""
    n, h, w, c = x.shape
    out = np.empty((n, h // 2, w // 2, c), x.dtype)
    d_x = np.zeros_like(x)
    for y in range(h // 2):
        for xo in range(w // 2):
            window = x[:, 2 * y:2 * y + 2, 2 * xo:2 * xo + 2, :].reshape(n, 4, c)
            first = window.argmax(axis=1)                       # (n, c)
            out[:, y, xo] = window.max(axis=1)
            for k in range(4):
                d_x[:, 2 * y + k // 2, 2 * xo + k % 2] = np.where(first == k, d_out[:, y, xo], 0)
    return out, d_x


def general_path(layer):
    """The same pooling layer with the 2×2 fast path switched off (the general row / column passes)."""
    layer._halving = lambda shape: False
    return layer


def built(layer, input_shape, dtype, seed=0):
    layer.build(input_shape, rng=np.random.default_rng(seed), dtype=dtype)
    return layer


# ----------------------------------------------------------------------------- pooling
# (H, W, padding): even sizes, odd sizes whose last row / column 'valid' drops, 'same' on even sizes
HALVING_CASES = [((28, 28), "valid"), ((7, 9), "valid"), ((6, 8), "same"), ((2, 5), "valid"), ((2, 2), "same")]


@pytest.mark.parametrize("size, padding", HALVING_CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ties", [False, True])
def test_halving_max_pool_matches_the_window_reference_and_the_general_path(size, padding, dtype, ties):
    rng = np.random.default_rng(1)
    shape = (3,) + size + (5,)
    # with ties: values 0, 1, 2 only (and zeros after ReLU), so most windows hold their maximum twice or more
    x = (rng.integers(0, 3, shape) if ties else rng.standard_normal(shape)).astype(dtype)
    fast = built(MaxPooling2D(2, padding=padding), shape[1:], dtype)
    slow = general_path(built(MaxPooling2D(2, padding=padding), shape[1:], dtype))
    assert fast._halving(shape) and not slow._halving(shape)
    d_out = rng.standard_normal((3,) + fast.compute_output_shape(shape[1:])).astype(dtype)

    out = fast.forward(x, training=True)
    d_x = fast.backward(d_out)
    ref_out, ref_d_x = max_pool_ref(x, d_out)
    assert out.dtype == d_x.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, ref_out)
    np.testing.assert_array_equal(d_x, ref_d_x)
    np.testing.assert_array_equal(out, slow.forward(x, training=True))
    np.testing.assert_array_equal(d_x, slow.backward(d_out))
    # inference skips the indices; a backward after it finds them again
    np.testing.assert_array_equal(fast.forward(x), out)
    np.testing.assert_array_equal(fast.backward(d_out), d_x)


@pytest.mark.parametrize("size, padding", HALVING_CASES)
def test_halving_average_pool_matches_the_general_path_bit_for_bit(size, padding):
    rng = np.random.default_rng(2)
    shape = (2,) + size + (3,)
    x = rng.standard_normal(shape).astype(np.float32)
    fast = built(AveragePooling2D(2, padding=padding), shape[1:], "float32")
    slow = general_path(built(AveragePooling2D(2, padding=padding), shape[1:], "float32"))
    d_out = rng.standard_normal((2,) + fast.compute_output_shape(shape[1:])).astype(np.float32)
    out = fast.forward(x, training=True)
    np.testing.assert_array_equal(out, slow.forward(x, training=True))
    np.testing.assert_array_equal(fast.backward(d_out), slow.backward(d_out))
    h2, w2 = size[0] // 2 * 2, size[1] // 2 * 2
    np.testing.assert_allclose(out, x[:, :h2, :w2].reshape(2, h2 // 2, 2, w2 // 2, 2, 3).mean(axis=(2, 4)),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("pool, strides, padding, size", [((2, 2), (1, 1), "valid", (6, 6)),   # overlapping
                                                          ((2, 2), (2, 2), "same", (7, 5)),    # padded
                                                          ((3, 3), (3, 3), "valid", (9, 9)),
                                                          ((2, 2), (3, 3), "valid", (8, 8))])  # gaps
def test_other_windows_take_the_general_path(pool, strides, padding, size):
    layer = MaxPooling2D(pool, strides=strides, padding=padding)
    assert not layer._halving((1,) + size + (1,))


# ----------------------------------------------------------------------------- Conv2D
CONV_CASES = [
    # (H, W, C, filters, kernel, strides, padding, activation, use_bias)
    (28, 28, 1, 16, 3, 1, "same", "relu", True),      # the course CNN's first layer: the one-channel path
    (14, 14, 16, 32, 3, 1, "same", "relu", True),     # and its second
    (9, 7, 3, 4, 3, 1, "same", "relu", False),
    (9, 7, 3, 4, (2, 3), 2, "same", "tanh", True),    # strides: the by-offsets input gradient
    (8, 8, 2, 3, 3, 1, "valid", "linear", True),      # z is the output: never a workspace
    (10, 6, 1, 2, 5, (2, 1), "valid", "relu", True),
    (5, 5, 4, 6, 4, 1, "same", "relu", True),         # even kernel: the odd padding pixel goes after
]


@pytest.mark.parametrize("h, w, c, f, k, s, padding, activation, use_bias", CONV_CASES)
def test_conv_matches_the_einsum_reference(h, w, c, f, k, s, padding, activation, use_bias):
    rng = np.random.default_rng(3)
    layer = built(Conv2D(f, k, strides=s, padding=padding, activation=activation, use_bias=use_bias),
                  (h, w, c), "float32")
    kernel = layer.params["kernel"].astype(np.float64)
    bias = layer.params["bias"].astype(np.float64) if use_bias else None
    for step in range(2):   # the second step runs in the first's workspaces
        x = rng.standard_normal((4, h, w, c)).astype(np.float32)
        a = layer.forward(x, training=True)
        z_ref = conv_forward_ref(x.astype(np.float64), kernel, bias, layer.strides, padding)
        np.testing.assert_allclose(layer.cache["z"], z_ref, rtol=1e-4, atol=1e-5)
        d_a = rng.standard_normal(a.shape).astype(np.float32)
        d_x = layer.backward(d_a)
        d_z = layer.activation.backward(z_ref, layer.activation.forward(z_ref), d_a.astype(np.float64))
        ref_d_x, ref_d_kernel, ref_d_bias = conv_backward_ref(x.astype(np.float64), kernel, d_z, layer.strides,
                                                              padding)
        assert a.dtype == d_x.dtype == layer.grads["kernel"].dtype == np.float32
        np.testing.assert_allclose(layer.cache["d_z"], d_z, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(d_x, ref_d_x, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(layer.grads["kernel"], ref_d_kernel, rtol=1e-4, atol=1e-4)
        if use_bias:
            np.testing.assert_allclose(layer.grads["bias"], ref_d_bias, rtol=1e-4, atol=1e-4)


def test_what_a_conv_returns_is_never_overwritten_by_its_next_step():
    rng = np.random.default_rng(4)
    layer = built(Conv2D(8, 3, padding="same", activation="relu"), (10, 10, 3), "float32")
    x1, x2 = (rng.standard_normal((5, 10, 10, 3)).astype(np.float32) for _ in range(2))
    a1 = layer.forward(x1, training=True)
    d_x1 = layer.backward(rng.standard_normal(a1.shape).astype(np.float32))
    kept = a1.copy(), d_x1.copy()
    a2 = layer.forward(x2, training=True)
    d_x2 = layer.backward(rng.standard_normal(a2.shape).astype(np.float32))
    np.testing.assert_array_equal(a1, kept[0])
    np.testing.assert_array_equal(d_x1, kept[1])
    assert not np.shares_memory(a1, a2) and not np.shares_memory(d_x1, d_x2)


def test_an_inference_pass_between_forward_and_backward_of_another_batch_size():
    # a view's inference pass (any batch size, not kept) between a step's forward and backward: the backward
    # is the one of the cached (last) forward, as without workspaces
    rng = np.random.default_rng(5)
    layer = built(Conv2D(4, 3, padding="same", activation="relu"), (6, 6, 2), "float32")
    twin = built(Conv2D(4, 3, padding="same", activation="relu"), (6, 6, 2), "float32")
    x = rng.standard_normal((3, 6, 6, 2)).astype(np.float32)
    d_a = rng.standard_normal((3, 6, 6, 4)).astype(np.float32)
    layer.forward(x, training=True)
    layer.forward(rng.standard_normal((7, 6, 6, 2)).astype(np.float32), training=False)
    layer.forward(x, training=False)
    twin.forward(x, training=True)
    np.testing.assert_array_equal(layer.backward(d_a), twin.backward(d_a))
    np.testing.assert_array_equal(layer.grads["kernel"], twin.grads["kernel"])


def test_the_input_gradient_does_not_depend_on_the_chunking():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((6, 9, 9, 3)).astype(np.float32)
    d_a = rng.standard_normal((6, 9, 9, 5)).astype(np.float32)
    results = []
    for scratch in (1, 10**9):   # image by image, the whole batch at once
        layer = built(Conv2D(5, 3, padding="same", activation="relu"), (9, 9, 3), "float32")
        layer.full_scratch_bytes = scratch
        layer.forward(x, training=True)
        results.append(layer.backward(d_a))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6, atol=1e-7)   # BLAS may block its sums per size


# ----------------------------------------------------------------------------- a whole fit
class ReferenceConv2D(Conv2D):
    """Conv2D computed by the einsum reference, in the layer's dtype, with fresh arrays every step."""

    def forward(self, x, training=False):
        x = np.asarray(x, dtype=self.dtype)
        self.cache["x"] = x
        bias = self.params["bias"] if self.use_bias else None
        z = conv_forward_ref(x, self.params["kernel"], bias, self.strides, self.padding).astype(self.dtype)
        return self._activate(z)

    def backward(self, d_out):
        d_z = self.activation.backward(self.cache["z"], self.cache["a"], d_out)
        d_x, d_kernel, d_bias = conv_backward_ref(self.cache["x"], self.params["kernel"], d_z, self.strides,
                                                  self.padding)
        self.grads["kernel"][...] = d_kernel
        if self.use_bias:
            self.grads["bias"][...] = d_bias
        return d_x.astype(self.dtype)


def course_cnn(conv_cls, pool):
    model = Sequential([Input((12, 12, 1)), conv_cls(6, 3, padding="same", activation="relu"), pool(),
                        conv_cls(8, 3, padding="same", activation="relu"), pool(), Flatten(),
                        Dense(3, activation="softmax")], seed=7)
    model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_a_fixed_seed_fit_gives_the_reference_layers_losses_to_float32_rounding():
    rng = np.random.default_rng(8)
    x = rng.random((96, 12, 12, 1), dtype=np.float32)
    y = (x[:, :6].mean(axis=(1, 2, 3)) > x[:, 6:].mean(axis=(1, 2, 3))).astype(int) + (x[:, :, :6].mean(
        axis=(1, 2, 3)) > 0.5)
    fast = course_cnn(Conv2D, lambda: MaxPooling2D(2))
    reference = course_cnn(ReferenceConv2D, lambda: general_path(MaxPooling2D(2)))
    for a, b in zip(fast.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    h_fast = fast.fit(x, y, batch_size=16, epochs=4, verbose=0, shuffle=False).history["loss"]
    h_ref = reference.fit(x, y, batch_size=16, epochs=4, verbose=0, shuffle=False).history["loss"]
    assert h_fast[-1] < h_fast[0]   # it trains
    np.testing.assert_allclose(h_fast, h_ref, rtol=2e-5)
    for a, b in zip(fast.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_a_non_contiguous_input_gives_the_contiguous_results(padding):
    rng = np.random.default_rng(9)
    base = rng.standard_normal((4, 3, 9, 8)).astype(np.float32)
    strided = base.transpose(0, 2, 3, 1)[:, ::-1]                  # (4, 9, 8, 3), no axis contiguous
    layer = built(Conv2D(5, 3, padding=padding, activation="relu"), (9, 8, 3), "float32")
    d_a = rng.standard_normal((4,) + layer.compute_output_shape((9, 8, 3))).astype(np.float32)
    a = layer.forward(strided, training=True)
    d_x = layer.backward(d_a)
    d_kernel = layer.grads["kernel"].copy()
    np.testing.assert_array_equal(layer.forward(np.ascontiguousarray(strided), training=True), a)
    np.testing.assert_array_equal(layer.backward(d_a), d_x)
    np.testing.assert_array_equal(layer.grads["kernel"], d_kernel)
