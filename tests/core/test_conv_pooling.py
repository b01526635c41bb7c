"""Conv2D, MaxPooling2D and AveragePooling2D: forward against plain-loop references (and torch when
it is importable), gradients against float64 finite differences, shapes, errors, configs, dtypes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nnviz.core.layers.conv import Conv2D, window_geometry
from nnviz.core.layers.pooling import AveragePooling2D, MaxPooling2D
from tests.core.gradcheck import numeric_grad, rel_error

GRAD_TOL = 1e-6


# ----------------------------------------------------------------------------- references
def tf_pads(size: int, k: int, s: int, padding: str) -> tuple[int, int, int]:
    """(out, before, after), written from the TensorFlow documentation's formulas."""
    if padding == "valid":
        return math.floor((size - k) / s) + 1, 0, 0
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2, total - total // 2


def conv_reference(x, kernel, bias, strides, padding):
    """Cross-correlation with a loop over output pixels: z[n, y, x, f] = Σ patch · kernel[..., f] + b."""
    n, h, w, c = x.shape
    kh, kw, _, f = kernel.shape
    sh, sw = strides
    oh, pt, pb = tf_pads(h, kh, sh, padding)
    ow, pl, pr = tf_pads(w, kw, sw, padding)
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    z = np.zeros((n, oh, ow, f))
    for y in range(oh):
        for x_ in range(ow):
            patch = xp[:, y * sh:y * sh + kh, x_ * sw:x_ * sw + kw, :]
            for ff in range(f):
                z[:, y, x_, ff] = (patch * kernel[:, :, :, ff]).sum(axis=(1, 2, 3))
    if bias is not None:
        z += bias
    return z


def pool_reference(x, pool, strides, padding, mode):
    """Max / mean over the *real* cells of each window (padding never takes part)."""
    n, h, w, c = x.shape
    (ph, pw), (sh, sw) = pool, strides
    oh, pt, _ = tf_pads(h, ph, sh, padding)
    ow, pl, _ = tf_pads(w, pw, sw, padding)
    out = np.zeros((n, oh, ow, c))
    for y in range(oh):
        for x_ in range(ow):
            r0, r1 = max(y * sh - pt, 0), min(y * sh - pt + ph, h)
            c0, c1 = max(x_ * sw - pl, 0), min(x_ * sw - pl + pw, w)
            window = x[:, r0:r1, c0:c1, :]
            out[:, y, x_, :] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return out


def built(layer, input_shape, dtype="float64", seed=0):
    layer.build(input_shape, rng=np.random.default_rng(seed), dtype=dtype)
    return layer


def signed_weights(rng, shape):
    """Upstream gradients bounded away from zero, so relative errors stay meaningful."""
    return rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


# ----------------------------------------------------------------------------- geometry
@pytest.mark.parametrize(
    "size, k, s, padding, expected",
    [
        (28, 3, 1, "valid", (26, 0, 0)),
        (13, 2, 2, "valid", (6, 0, 0)),
        (5, 3, 2, "same", (3, 1, 1)),
        (4, 3, 2, "same", (2, 0, 1)),   # the odd pixel of padding goes after (bottom / right)
        (6, 2, 1, "same", (6, 0, 1)),
        (7, 5, 3, "same", (3, 2, 2)),
        (5, 1, 3, "same", (2, 0, 0)),   # negative total padding is clamped to zero
        (20, 3, 1, "same", (20, 1, 1)),
    ],
)
def test_window_geometry_follows_tensorflow(size, k, s, padding, expected):
    assert window_geometry(size, k, s, padding) == expected
    assert tf_pads(size, k, s, padding) == expected


# ----------------------------------------------------------------------------- Conv2D forward
CONV_CASES = [
    # (H, W, C, filters, kernel, strides, padding)
    (6, 6, 1, 2, (1, 1), (1, 1), "valid"),
    (7, 6, 3, 4, (3, 3), (1, 1), "valid"),
    (7, 6, 3, 4, (3, 3), (1, 1), "same"),
    (8, 8, 2, 3, (3, 3), (2, 2), "same"),
    (9, 7, 2, 3, (3, 3), (2, 2), "valid"),
    (9, 9, 1, 2, (5, 5), (1, 1), "same"),
    (10, 9, 2, 2, (5, 5), (2, 2), "same"),
    (8, 7, 2, 3, (2, 3), (2, 1), "same"),
    (7, 8, 3, 2, (2, 3), (1, 2), "valid"),
    (5, 5, 4, 2, (1, 1), (2, 2), "same"),
]


@pytest.mark.parametrize("h, w, c, f, k, s, padding", CONV_CASES)
def test_conv_forward_matches_loop_reference(h, w, c, f, k, s, padding):
    rng = np.random.default_rng(1)
    layer = built(Conv2D(f, k, strides=s, padding=padding), (h, w, c))
    layer.params["bias"][...] = rng.standard_normal(f)
    x = rng.standard_normal((3, h, w, c))
    z = layer.forward(x)
    ref = conv_reference(x, layer.params["kernel"], layer.params["bias"], layer.strides, padding)
    assert z.shape == (3,) + layer.compute_output_shape((h, w, c))
    np.testing.assert_allclose(z, ref, rtol=1e-12, atol=1e-12)


def test_conv_without_bias_and_with_activation():
    rng = np.random.default_rng(2)
    layer = built(Conv2D(3, 3, padding="same", use_bias=False, activation="relu"), (5, 6, 2))
    assert list(layer.params) == ["kernel"] and layer.count_params() == 3 * 3 * 2 * 3
    x = rng.standard_normal((2, 5, 6, 2))
    ref = np.maximum(conv_reference(x, layer.params["kernel"], None, (1, 1), "same"), 0)
    np.testing.assert_allclose(layer.forward(x), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("h, w, c, f, k, s, padding", CONV_CASES[1::2] + [(28, 28, 1, 4, (3, 3), (1, 1), "same")])
def test_conv_matches_torch_forward_and_gradients(h, w, c, f, k, s, padding):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    rng = np.random.default_rng(3)
    layer = built(Conv2D(f, k, strides=s, padding=padding, activation="tanh"), (h, w, c))
    layer.params["bias"][...] = rng.standard_normal(f)
    x = rng.standard_normal((2, h, w, c))
    a = layer.forward(x, training=True)
    d_a = rng.standard_normal(a.shape)
    d_x = layer.backward(d_a)

    # torch is NCHW with kernel (F, C, kh, kw) and pads symmetrically, so pad explicitly as TF does
    (kh, kw), (sh, sw) = layer.kernel_size, layer.strides
    _, pt, pb = tf_pads(h, kh, sh, padding)
    _, pl, pr = tf_pads(w, kw, sw, padding)
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    wt = torch.tensor(layer.params["kernel"].transpose(3, 2, 0, 1).copy(), requires_grad=True)
    bt = torch.tensor(layer.params["bias"].copy(), requires_grad=True)
    at = torch.tanh(F.conv2d(F.pad(xt, (pl, pr, pt, pb)), wt, bt, stride=(sh, sw)))
    at.backward(torch.tensor(d_a.transpose(0, 3, 1, 2)))

    np.testing.assert_allclose(a, at.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d_x, xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads["kernel"], wt.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads["bias"], bt.grad.numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- Conv2D gradients
GRAD_CASES = [
    # (H, W, C, filters, kernel, strides, padding)
    (5, 6, 2, 3, (3, 3), (1, 1), "same"),    # stride 1: the flat col2im path
    (5, 5, 2, 2, (3, 3), (1, 1), "valid"),   # small valid image: the per-offset col2im path
    (7, 6, 2, 2, (3, 3), (2, 2), "same"),    # asymmetric 'same' padding, stride 2
    (7, 7, 1, 3, (3, 2), (2, 2), "valid"),   # one channel (transposed im2col), stride 2, 3×2 kernel
    (6, 5, 3, 2, (2, 3), (1, 2), "same"),
]


@pytest.mark.parametrize("h, w, c, f, k, s, padding", GRAD_CASES)
def test_conv_gradients_match_finite_differences(h, w, c, f, k, s, padding):
    rng = np.random.default_rng(4)
    layer = built(Conv2D(f, k, strides=s, padding=padding, activation="tanh"), (h, w, c), seed=5)
    layer.params["bias"][...] = 0.1 * rng.standard_normal(f)
    x = rng.standard_normal((2, h, w, c))
    r = signed_weights(rng, (2,) + layer.compute_output_shape((h, w, c)))

    def loss():
        return float((layer.forward(x, training=True) * r).sum())

    loss()
    d_x = layer.backward(r).copy()
    d_kernel = layer.grads["kernel"].copy()
    d_bias = layer.grads["bias"].copy()

    assert rel_error(d_kernel, numeric_grad(loss, layer.params["kernel"])) < GRAD_TOL
    assert rel_error(d_bias, numeric_grad(loss, layer.params["bias"])) < GRAD_TOL
    assert rel_error(d_x, numeric_grad(loss, x)) < GRAD_TOL


def test_both_input_gradient_paths_agree():
    """Stride 1 uses a full correlation with the flipped kernel, other strides add offset by offset; both give dX."""
    rng = np.random.default_rng(6)
    for padding, (h, w), pads in (("same", (9, 8), (1, 1, 0, 1)), ("valid", (7, 7), (0, 0, 0, 0))):
        layer = built(Conv2D(4, (3, 2), padding=padding), (9, 8, 3))
        x = rng.standard_normal((3, 9, 8, 3))
        z = layer.forward(x, training=True)
        d_z = rng.standard_normal(z.shape)
        padded = (3, 9 + pads[0] + pads[1], 8 + pads[2] + pads[3], 3)  # 'same' with 3×2 pads 1+1 rows, 0+1 columns
        by_offsets = layer._input_gradient_by_offsets(d_z.reshape(-1, 4), padded, h, w)
        by_offsets = by_offsets[:, pads[0]:pads[0] + 9, pads[2]:pads[2] + 8]
        full = layer._input_gradient_full(d_z, x.shape, pads)
        np.testing.assert_allclose(full, by_offsets, rtol=1e-12, atol=1e-12)
        layer.full_scratch_bytes = 1  # one image at a time: chunks must not change the result
        np.testing.assert_allclose(layer._input_gradient_full(d_z, x.shape, pads), full, rtol=1e-12, atol=1e-12)


def test_conv_backward_after_inference_forward_and_without_input_gradient():
    rng = np.random.default_rng(7)
    layer = built(Conv2D(3, 3, activation="tanh"), (6, 6, 2))
    x = rng.standard_normal((2, 6, 6, 2))
    d_a = rng.standard_normal((2, 4, 4, 3))
    layer.forward(x, training=True)
    d_x = layer.backward(d_a)
    grads = {k: v.copy() for k, v in layer.grads.items()}

    layer.forward(x, training=False)  # no patch matrix kept: backward rebuilds it
    np.testing.assert_allclose(layer.backward(d_a), d_x, rtol=1e-13)
    for k in grads:
        np.testing.assert_allclose(layer.grads[k], grads[k], rtol=1e-13)

    layer.needs_input_grad = False  # e.g. a model's first layer
    layer.forward(x, training=True)
    assert layer.backward(d_a) is None
    for k in grads:
        np.testing.assert_allclose(layer.grads[k], grads[k], rtol=1e-13)


def test_conv_writes_gradients_in_place_into_a_models_flat_buffers():
    rng = np.random.default_rng(8)
    layer = built(Conv2D(3, 3, padding="same"), (5, 5, 2))
    sizes = [v.size for v in layer.params.values()]
    flat_params = np.concatenate([v.ravel() for v in layer.params.values()])
    flat_grads = np.zeros_like(flat_params)
    offset = 0
    for k, size in zip(list(layer.params), sizes):
        shape = layer.params[k].shape
        layer.params[k] = flat_params[offset:offset + size].reshape(shape)
        layer.grads.bind(k, flat_grads[offset:offset + size].reshape(shape))   # as the model binds them
        offset += size
    x = rng.standard_normal((2, 5, 5, 2))
    layer.forward(x, training=True)
    layer.backward(np.ones((2, 5, 5, 3)))
    expected_bias = np.full(3, 2 * 5 * 5.0)  # db = Σ dZ
    np.testing.assert_allclose(flat_grads[-3:], expected_bias)
    assert np.abs(flat_grads[:-3]).sum() > 0
    flat_params[-3:] = 1.0  # the layer reads its weights from the buffer at use time
    assert np.allclose(layer.forward(x) - conv_reference(x, layer.params["kernel"], None, (1, 1), "same"), 1.0)


# ----------------------------------------------------------------------------- pooling
POOL_CASES = [
    # (H, W, pool, strides, padding)
    ((6, 6), (2, 2), None, "valid"),
    ((7, 5), (2, 2), None, "valid"),     # odd sizes: the last row / column is dropped
    ((7, 5), (2, 2), None, "same"),      # ... or padded after
    ((7, 7), (3, 3), (2, 2), "same"),    # overlapping windows
    ((8, 7), (3, 2), (1, 2), "valid"),   # overlapping rows, stride differs per axis
    ((8, 8), (2, 2), (3, 3), "valid"),   # gaps between windows
    ((6, 7), (3, 3), (3, 2), "same"),
    ((5, 5), (1, 1), (2, 2), "valid"),
]


def tie_free(rng, shape):
    """Distinct values at least 0.01 apart, so no finite-difference step can swap a maximum."""
    return (rng.permutation(math.prod(shape)).reshape(shape) - math.prod(shape) / 2) * 0.01


@pytest.mark.parametrize("cls, mode", [(MaxPooling2D, "max"), (AveragePooling2D, "mean")])
@pytest.mark.parametrize("size, pool, strides, padding", POOL_CASES)
def test_pooling_forward_matches_reference(cls, mode, size, pool, strides, padding):
    rng = np.random.default_rng(9)
    layer = built(cls(pool, strides=strides, padding=padding), size + (3,))
    x = rng.standard_normal((2,) + size + (3,))
    out = layer.forward(x)
    assert out.shape == (2,) + layer.compute_output_shape(size + (3,))
    ref = pool_reference(x, layer.pool_size, layer.strides, padding, mode)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cls", [MaxPooling2D, AveragePooling2D])
@pytest.mark.parametrize("size, pool, strides, padding", POOL_CASES)
def test_pooling_gradients_match_finite_differences(cls, size, pool, strides, padding):
    rng = np.random.default_rng(10)
    layer = built(cls(pool, strides=strides, padding=padding), size + (2,))
    x = tie_free(rng, (2,) + size + (2,))
    r = signed_weights(rng, (2,) + layer.compute_output_shape(size + (2,)))

    def loss():
        return float((layer.forward(x, training=True) * r).sum())

    loss()
    d_x = layer.backward(r)
    assert d_x.shape == x.shape
    assert rel_error(d_x, numeric_grad(loss, x)) < GRAD_TOL


def test_max_pooling_sends_a_tied_maximum_to_one_cell_only():
    # after ReLU whole windows are often 0: the gradient must not be counted once per tied cell
    layer = built(MaxPooling2D(2), (4, 4, 1))
    x = np.zeros((1, 4, 4, 1))
    x[0, 0:2, 2:4, 0] = [[0.0, 5.0], [5.0, 1.0]]  # top-right window: 5 twice
    layer.forward(x, training=True)
    d_x = layer.backward(np.ones((1, 2, 2, 1)))
    assert d_x.sum() == 4.0
    for window in (d_x[0, 0:2, 0:2, 0], d_x[0, 0:2, 2:4, 0], d_x[0, 2:4, 0:2, 0], d_x[0, 2:4, 2:4, 0]):
        assert np.count_nonzero(window) == 1
    # ties go to the first maximal cell in row-major order, as in TensorFlow and torch: the top row
    # first, then the left
    assert d_x[0, 0, 0, 0] == 1.0
    assert d_x[0, 0, 3, 0] == 1.0 and d_x[0, 1, 2, 0] == 0.0


def max_pool_gradient_reference(x, d_out, pool, strides, padding):
    """dC/dx of max pooling, window by window: all of d_out to the window's first maximal cell in
    row-major order (np.argmax of the row-major flattened window), padded cells never winning."""
    from nnviz.core.layers.conv import window_geometry_2d
    n, h, w, c = x.shape
    out_h, out_w, (pt, _, pl, _) = window_geometry_2d(h, w, pool, strides, padding)
    d_x = np.zeros_like(x)
    for b in range(n):
        for ch in range(c):
            for y in range(out_h):
                for xo in range(out_w):
                    r0, c0 = y * strides[0] - pt, xo * strides[1] - pl
                    rows = range(max(r0, 0), min(r0 + pool[0], h))
                    cols = range(max(c0, 0), min(c0 + pool[1], w))
                    window = x[b, rows.start:rows.stop, cols.start:cols.stop, ch]
                    i, j = np.unravel_index(np.argmax(window), window.shape)
                    d_x[b, rows.start + i, cols.start + j, ch] += d_out[b, y, xo, ch]
    return d_x


@pytest.mark.parametrize("size, pool, strides, padding", POOL_CASES + [((7, 9), (4, 3), (2, 1), "same"),
                                                                    ((6, 6), (2, 4), (1, 3), "valid")])
def test_max_pooling_breaks_ties_in_row_major_order(size, pool, strides, padding):
    # inputs of 0, 1 and 2 only: most windows hold their maximum more than once
    rng = np.random.default_rng(15)
    layer = built(MaxPooling2D(pool, strides=strides, padding=padding), size + (2,))
    x = rng.integers(0, 3, (3,) + size + (2,)).astype(np.float64)
    d_out = rng.standard_normal((3,) + layer.compute_output_shape(size + (2,)))
    layer.forward(x, training=True)
    expected = max_pool_gradient_reference(x, d_out, layer.pool_size, layer.strides, padding)
    np.testing.assert_allclose(layer.backward(d_out), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cls", [MaxPooling2D, AveragePooling2D])
def test_pooling_backward_after_an_inference_forward(cls):
    rng = np.random.default_rng(14)
    layer = built(cls(3, strides=2, padding="same"), (7, 6, 2))
    x = tie_free(rng, (2, 7, 6, 2))
    d_out = rng.standard_normal((2, 4, 3, 2))
    out = layer.forward(x, training=True)
    d_x = layer.backward(d_out)
    np.testing.assert_array_equal(layer.forward(x, training=False), out)
    np.testing.assert_array_equal(layer.backward(d_out), d_x)


def test_same_average_pooling_divides_by_real_cells_only():
    layer = built(AveragePooling2D(2, padding="same"), (3, 3, 1))
    out = layer.forward(np.ones((1, 3, 3, 1)))
    np.testing.assert_allclose(out, np.ones((1, 2, 2, 1)))  # padded zeros would give 0.5 / 0.25 at the edges


# ----------------------------------------------------------------------------- shapes, counts, errors
def test_course_cnn_shapes_and_parameter_counts():
    conv1 = built(Conv2D(32, (3, 3), padding="same", activation="relu"), (20, 20, 16))
    assert conv1.output_shape == (None, 20, 20, 32)
    assert conv1.count_params() == 4640
    pool = built(MaxPooling2D(2, strides=2), (20, 20, 32))
    assert pool.output_shape == (None, 10, 10, 32)
    assert pool.count_params() == 0
    conv2 = built(Conv2D(64, (5, 5), padding="same", activation="relu"), (10, 10, 32))
    assert conv2.output_shape == (None, 10, 10, 64)
    assert conv2.count_params() == 51264
    assert conv2.params["kernel"].shape == (5, 5, 32, 64) and conv2.params["bias"].shape == (64,)


@pytest.mark.parametrize(
    "layer, input_shape, expected",
    [
        (Conv2D(16, 3), (28, 28, 1), (26, 26, 16)),
        (MaxPooling2D(), (26, 26, 16), (13, 13, 16)),
        (Conv2D(32, 3), (13, 13, 16), (11, 11, 32)),
        (MaxPooling2D((2, 2)), (11, 11, 32), (5, 5, 32)),
        (Conv2D(4, 3, strides=2, padding="same"), (7, 7, 3), (4, 4, 4)),
        (Conv2D(4, (5, 5), padding="same"), (3, 3, 1), (3, 3, 4)),  # 'same' may use a kernel larger than the image
        (AveragePooling2D(3, strides=1, padding="same"), (5, 4, 2), (5, 4, 2)),
    ],
)
def test_output_shapes(layer, input_shape, expected):
    assert layer.compute_output_shape(input_shape) == expected


@pytest.mark.parametrize("layer", [Conv2D(8, 3), MaxPooling2D(), AveragePooling2D()], ids=lambda l: type(l).__name__)
def test_flat_input_is_a_clear_error(layer):
    name = type(layer).__name__
    with pytest.raises(ValueError, match=rf"{name} needs a 3-D input \(height, width, channels\), got \(6400,\)"):
        layer.build((6400,))
    with pytest.raises(ValueError, match=r"got \(2, 28, 28, 1\)"):
        layer.compute_output_shape((2, 28, 28, 1))


@pytest.mark.parametrize("layer", [Conv2D(8, 3), MaxPooling2D(), AveragePooling2D()], ids=lambda l: type(l).__name__)
def test_forward_on_a_single_image_without_batch_axis_is_a_clear_error(layer):
    built(layer, (6, 6, 1))
    with pytest.raises(ValueError, match=r"expects a batch of images \(batch, height, width, channels\), "
                                         r"got an array of shape \(6, 6, 1\)"):
        layer.forward(np.zeros((6, 6, 1)))


def test_kernel_or_pool_larger_than_a_valid_input_is_a_clear_error():
    with pytest.raises(ValueError, match=r"kernel 5×5 is larger than its 4×4 input with padding='valid'"):
        Conv2D(8, 5).build((4, 4, 3))
    with pytest.raises(ValueError, match=r"pool 3×3 is larger than its 2×2 input"):
        MaxPooling2D(3).build((2, 2, 3))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Conv2D(0, 3), r"Conv2D\(filters=0\): filters must be a positive integer"),
        (lambda: Conv2D(8, (3, 3, 3)), "kernel_size"),
        (lambda: Conv2D(8, 3, strides=0), "strides"),
        (lambda: Conv2D(8, 3, padding="full"), "'valid' or 'same'"),
        (lambda: MaxPooling2D(padding="causal"), "'valid' or 'same'"),
        (lambda: AveragePooling2D(pool_size=(2, 0)), "pool_size"),
        (lambda: Conv2D(8, 3, activation="nope"), "unknown activation"),
    ],
)
def test_bad_arguments_are_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# ----------------------------------------------------------------------------- init, config, dtype
def test_glorot_uniform_kernel_and_zero_bias():
    layer = built(Conv2D(64, (5, 5)), (10, 10, 32), seed=11)
    limit = math.sqrt(6 / (5 * 5 * 32 + 5 * 5 * 64))
    kernel = layer.params["kernel"]
    assert np.abs(kernel).max() <= limit
    assert abs(kernel.std() - limit / math.sqrt(3)) < 0.02 * limit  # uniform(-L, L) has std L/√3
    assert not layer.params["bias"].any()
    again = built(Conv2D(64, (5, 5)), (10, 10, 32), seed=11)
    np.testing.assert_array_equal(again.params["kernel"], kernel)


def test_conv_config_roundtrip():
    layer = Conv2D(8, (2, 3), strides=2, padding="SAME", activation="relu", use_bias=False,
                   kernel_initializer="he_normal", kernel_regularizer="l2", name="conv2d_1",
                   input_shape=(9, 9, 3))
    config = layer.get_config()
    assert config["kernel_size"] == [2, 3] and config["strides"] == [2, 2] and config["padding"] == "same"
    assert config["activation"] == "relu" and config["use_bias"] is False
    assert config["kernel_regularizer"]["config"]["l2"] == pytest.approx(0.01)
    json.dumps(config)
    clone = Conv2D.from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config
    assert clone.kernel_regularizer is not None

    rng = np.random.default_rng(12)
    built(layer, (9, 9, 3), seed=1)
    built(clone, (9, 9, 3), seed=2)
    clone.set_weights(layer.get_weights())
    x = rng.standard_normal((2, 9, 9, 3))
    np.testing.assert_array_equal(clone.forward(x), layer.forward(x))


@pytest.mark.parametrize("cls", [MaxPooling2D, AveragePooling2D])
def test_pooling_config_roundtrip(cls):
    default = cls().get_config()
    assert default["pool_size"] == [2, 2] and default["strides"] == [2, 2] and default["padding"] == "valid"
    layer = cls(pool_size=3, strides=(1, 2), padding="same", name="pool")
    config = layer.get_config()
    assert config["pool_size"] == [3, 3] and config["strides"] == [1, 2]
    clone = cls.from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config
    assert clone.compute_output_shape((7, 7, 2)) == layer.compute_output_shape((7, 7, 2)) == (7, 4, 2)


@pytest.mark.parametrize("with_bias", [True, False])
def test_float32_model_stays_float32(with_bias):
    rng = np.random.default_rng(13)
    conv = built(Conv2D(4, 3, activation="relu", use_bias=with_bias), (8, 8, 1), dtype="float32")
    conv2 = built(Conv2D(4, 3, strides=2, padding="same"), (3, 3, 4), dtype="float32")
    pools = [built(MaxPooling2D(2), (6, 6, 4), dtype="float32"),
             built(AveragePooling2D(2, padding="same"), (3, 3, 4), dtype="float32")]
    h = conv.forward(rng.standard_normal((2, 8, 8, 1)), training=True)  # float64 data is cast, not kept
    assert h.dtype == np.float32
    for pool in pools:
        h = pool.forward(h, training=True)
        assert h.dtype == np.float32
    h = conv2.forward(h, training=True)
    assert h.dtype == np.float32
    d = np.ones_like(h)
    for layer in (conv2, *reversed(pools), conv):
        d = layer.backward(d)
        assert d.dtype == np.float32
    for layer in (conv, conv2):
        assert all(g.dtype == np.float32 for g in layer.grads.values())


def test_a_flat_input_to_an_image_layer_says_how_to_make_it_an_image():
    from nnviz.core import Conv2D, Dense, Flatten, Input, Sequential

    with pytest.raises(Exception, match=r"got \(784,\).*before Flatten.*Reshape \(28, 28, 1\).*as images"):
        Sequential([Input((784,)), Conv2D(4, 3), Flatten(), Dense(2)]).build()
    with pytest.raises(Exception, match=r"got \(10,\).*Reshape \(height, width, channels\) before it$"):
        Sequential([Input((10,)), Conv2D(4, 3), Flatten(), Dense(2)]).build()
