"""Losses: Keras' numbers on fixed inputs, exact gradients, fused gradients, names, extreme inputs.

Expected values are either Keras' documented examples or the formula written out plainly here,
independently of ``nnviz.core.losses``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnviz.core import losses
from tests.core.gradcheck import numeric_grad, rel_error

EPS = 1e-7
ALL = sorted(losses.NAMES)


# ====================================================================== Keras' documented examples
Y2 = [[0.0, 1.0], [0.0, 0.0]]
P2 = [[0.6, 0.4], [0.4, 0.6]]


@pytest.mark.parametrize("name, y, p, per_sample, mean", [
    # keras.losses docstrings
    ("mean_squared_error", Y2, [[1.0, 1.0], [1.0, 0.0]], [0.5, 0.5], 0.5),
    ("mean_absolute_error", Y2, [[1.0, 1.0], [1.0, 0.0]], [0.5, 0.5], 0.5),
    ("hinge", Y2, P2, [1.1, 1.5], 1.3),
    ("squared_hinge", Y2, P2, [1.46, 2.26], 1.86),
    ("categorical_hinge", Y2, P2, [1.2, 1.6], 1.4),
    ("huber", Y2, P2, [0.18, 0.13], 0.155),
    ("log_cosh", Y2, [[1.0, 1.0], [0.0, 0.0]], [np.log(np.cosh(1.0)) / 2, 0.0], 0.1084452),
    ("poisson", Y2, [[1.0, 1.0], [0.0, 0.0]], [1.0 - np.log(1 + EPS) / 2, 0.0], 0.5),
    ("binary_crossentropy", Y2, P2, [0.9162905, 0.7135582], 0.8149244),
    ("kl_divergence", Y2, P2, [0.9162891, -3.0809e-6], 0.4581430),
    ("mean_squared_logarithmic_error", Y2, [[1.0, 1.0], [1.0, 0.0]], [0.2402265, 0.2402265], 0.2402265),
    ("cosine_similarity", [[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]],
     [0.0, -1.0, 1.0], 0.0),
    ("categorical_crossentropy", [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]],
     [0.0512933, 2.3025851], 1.1769392),
    ("sparse_categorical_crossentropy", [1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]],
     [0.0512933, 2.3025851], 1.1769392),
])
def test_keras_documented_values(name, y, p, per_sample, mean):
    loss = losses.get(name)
    np.testing.assert_allclose(loss.per_sample(y, np.array(p)), per_sample, rtol=1e-5, atol=1e-6)
    assert loss(y, np.array(p)) == pytest.approx(mean, rel=1e-5, abs=1e-6)
    assert isinstance(loss(y, np.array(p)), float)


# ====================================================================== the easy-to-get-wrong details
def test_categorical_crossentropy_renormalizes_then_clips():
    cce = losses.get("categorical_crossentropy")
    # unnormalized predictions: 6 / (2 + 6 + 2) = 0.6
    assert cce([[0, 1, 0]], np.array([[2.0, 6.0, 2.0]])) == pytest.approx(-np.log(0.6))
    # an exact 0 for the true class is clipped to ε, not log(0)
    assert cce([[1, 0, 0]], np.array([[0.0, 1.0, 0.0]])) == pytest.approx(-np.log(EPS))
    # a perfect prediction is clipped to 1 − ε: a tiny positive loss, not 0
    assert cce([[0, 1, 0]], np.array([[0.0, 1.0, 0.0]])) == pytest.approx(-np.log(1 - EPS))
    # soft labels: −Σ y log q
    y, p = np.array([[0.2, 0.8]]), np.array([[0.5, 1.5]])
    assert cce(y, p) == pytest.approx(-(0.2 * np.log(0.25) + 0.8 * np.log(0.75)))


def test_sparse_matches_categorical_and_accepts_label_shapes():
    rng = np.random.default_rng(1)
    p = rng.uniform(0.05, 1.0, (6, 4))  # unnormalized on purpose
    labels = np.array([0, 3, 1, 2, 2, 0])
    expected = losses.get("categorical_crossentropy").per_sample(np.eye(4)[labels], p)
    sparse = losses.get("sparse_categorical_crossentropy")
    for y in (labels, labels[:, None], labels.astype(np.float32), labels[:, None].astype(np.float64)):
        np.testing.assert_allclose(sparse.per_sample(y, p), expected, rtol=1e-12)
    assert sparse([0], np.array([[0.0, 1.0]])) == pytest.approx(-np.log(EPS))


@pytest.mark.parametrize("bad, match", [
    ([0, 4], "0..3"), ([-1, 0], "0..3"), ([0.5, 1.0], "integer"), ([[0, 1, 0, 0]] * 2, "shape"),
])
def test_sparse_rejects_bad_labels(bad, match):
    with pytest.raises(ValueError, match=match):
        losses.get("sparse_categorical_crossentropy")(bad, np.full((2, 4), 0.25))


def test_binary_crossentropy_clips_and_means_over_last_axis():
    bce = losses.get("binary_crossentropy")
    y, p = np.array([[1.0, 0.0, 1.0]]), np.array([[0.0, 1.0, 0.5]])
    expected = (-np.log(EPS) - np.log(1 - (1 - EPS)) - np.log(0.5)) / 3
    assert bce(y, p) == pytest.approx(expected, rel=1e-6)
    # labels of shape (batch,) against a one-unit output
    np.testing.assert_allclose(bce.per_sample([1.0, 0.0], np.array([[0.8], [0.3]])), [-np.log(0.8), -np.log(0.7)])


def test_hinge_maps_binary_labels_to_plus_minus_one_only_when_all_are_binary():
    p = np.array([[0.3, -0.6], [1.5, 0.2]])
    for name, f in (("hinge", lambda m: m), ("squared_hinge", np.square)):
        loss = losses.get(name)
        pm = np.array([[-1.0, 1.0], [1.0, -1.0]])
        expected = f(np.maximum(1 - pm * p, 0)).mean(axis=-1)
        np.testing.assert_allclose(loss.per_sample([[0, 1], [1, 0]], p), expected)
        np.testing.assert_allclose(loss.per_sample(pm, p), expected)
    # a label of 2 means the labels are not 0/1 ones: no conversion (0 stays 0)
    y = np.array([[0.0, 2.0]])
    assert losses.get("hinge")(y, np.array([[0.5, 0.25]])) == pytest.approx((1.0 + 0.5) / 2)


def test_categorical_hinge_uses_largest_wrong_prediction():
    y = np.array([[0, 0, 1], [1, 0, 0]])
    p = np.array([[0.3, 0.5, 0.2], [3.0, 0.1, 0.2]])
    # row 0: neg = 0.5, pos = 0.2 -> 1.3; row 1: neg = 0.2, pos = 3.0 -> max(−1.8, 0) = 0
    np.testing.assert_allclose(losses.get("categorical_hinge").per_sample(y, p), [1.3, 0.0])


def test_categorical_hinge_splits_a_tied_largest_wrong_prediction_evenly():
    # the gradient of max() shares itself evenly among tied maxima in TensorFlow and torch alike
    loss = losses.get("categorical_hinge")
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    p = np.array([[0.5, 0.2, 0.5], [0.3, 0.3, 0.3]])
    # row 0: neg = 0.5 at units 0 and 2, pos = 0.2 -> 1.3; row 1: neg = 0.3 at units 1 and 2, pos = 0.3 -> 1
    # ∂row/∂p = −y + (1 − y)·w, w = ½ on each tied unit; the batch mean divides by 2 rows
    np.testing.assert_allclose(loss.gradient(y, p), [[0.25, -0.5, 0.25], [-0.5, 0.25, 0.25]])
    # the per-output split gives each tied unit half of neg: −y·p + neg/2 on the tied ones + 1/3 margin
    np.testing.assert_allclose(loss.per_output(y, p), [[0.25 + 1 / 3, -0.2 + 1 / 3, 0.25 + 1 / 3],
                                                       [-0.3 + 1 / 3, 0.15 + 1 / 3, 0.15 + 1 / 3]])
    np.testing.assert_allclose(loss.per_output(y, p).sum(-1), loss.per_sample(y, p))


def test_kl_divergence_clips_both_sides_and_sums():
    kld = losses.get("kld")
    # sum over the last axis: log 2, not log 2 / 2; y = 0 is clipped to ε
    expected = EPS * np.log(EPS / 0.5) + np.log(1 / 0.5)
    assert kld([[0.0, 1.0]], np.array([[0.5, 0.5]])) == pytest.approx(expected, rel=1e-12)
    # predictions above 1 are clipped to 1
    assert kld([[0.0, 1.0]], np.array([[0.5, 3.0]])) == pytest.approx(EPS * np.log(EPS / 0.5), rel=1e-12)


def test_mape_with_zero_targets_divides_by_epsilon():
    mape = losses.get("mape")
    assert mape([[0.0, 2.0]], np.array([[1.0, 1.0]])) == pytest.approx(100 * (1 / EPS + 0.5) / 2)
    assert mape([[4.0, -2.0]], np.array([[5.0, -1.0]])) == pytest.approx(100 * (0.25 + 0.5) / 2)


def test_msle_treats_non_positive_values_as_epsilon():
    msle = losses.get("msle")
    expected = ((np.log(EPS + 1) - np.log(3.0)) ** 2 + (np.log(2.0) - np.log(EPS + 1)) ** 2) / 2
    assert msle([[2.0, -1.0]], np.array([[-5.0, 1.0]])) == pytest.approx(expected)


def test_cosine_similarity_sign_and_zero_vector():
    cos = losses.get("cosine_similarity")
    assert cos([[1.0, 2.0, 3.0]], np.array([[2.0, 4.0, 6.0]])) == pytest.approx(-1.0)
    assert cos([[1.0, 2.0, 3.0]], np.array([[-1.0, -2.0, -3.0]])) == pytest.approx(1.0)
    assert cos([[1.0, 0.0]], np.array([[0.0, 5.0]])) == pytest.approx(0.0)
    assert cos([[1.0, 2.0]], np.array([[0.0, 0.0]])) == 0.0


def test_cosine_similarity_floors_the_norm_at_epsilon_like_keras_3():
    # Keras 3 normalizes x · min(1/‖x‖, 1/ε), ε = 1e-7 (TF 2's l2_normalize floored Σx² at 1e-12 instead)
    cos = losses.get("cosine_similarity")
    y = np.array([[0.6, 0.8]])
    # ‖p‖ = 5e-7 > ε: p̂ is the unit vector (0.6, 0.8) -> −1 (a Σx² ≥ 1e-12 floor gives −0.5)
    assert cos(y, np.array([[3e-7, 4e-7]])) == pytest.approx(-1.0, rel=1e-12)
    # ‖p‖ = 5e-8 < ε: p̂ = p / ε = (0.3, 0.4) -> −(0.18 + 0.32)
    assert cos(y, np.array([[3e-8, 4e-8]])) == pytest.approx(-0.5, rel=1e-12)
    # below the floor the scale is a constant: ∂/∂p = −ŷ / ε
    np.testing.assert_allclose(cos.gradient(y, np.array([[3e-8, 4e-8]])), -y / EPS, rtol=1e-12)
    # above it, ∂(ŷ·p̂)/∂p = (ŷ − (ŷ·p̂)p̂)/‖p‖ vanishes for p̂ = ŷ
    np.testing.assert_allclose(cos.gradient(y, np.array([[3e-7, 4e-7]])), [[0.0, 0.0]], atol=1e-6)


def test_huber_switches_to_linear_beyond_delta():
    x = np.array([[0.5, -2.0, 3.0]])
    assert losses.get("huber")(np.zeros((1, 3)), x) == pytest.approx((0.125 + 1.5 + 2.5) / 3)
    h2 = losses.get({"class_name": "Huber", "config": {"delta": 2.0}})
    assert h2(np.zeros((1, 3)), x) == pytest.approx((0.125 + 2.0 + (6.0 - 2.0)) / 3)


def test_log_cosh_is_overflow_free():
    lc = losses.get("logcosh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lc([[0.0, 0.0]], np.array([[1e4, -1e4]])) == pytest.approx(1e4 - np.log(2))


def test_poisson_formula():
    y, p = np.array([[1.0, 3.0]]), np.array([[2.0, 0.5]])
    expected = ((2.0 - np.log(2.0 + EPS)) + (0.5 - 3.0 * np.log(0.5 + EPS))) / 2
    assert losses.get("poisson")(y, p) == pytest.approx(expected)


def test_batch_mean_and_middle_axes():
    """sum_over_batch_size: per-element losses over (batch, t) are averaged; per_sample averages t."""
    rng = np.random.default_rng(2)
    y, p = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4))
    mse = losses.get("mse")
    per_elem = np.square(y - p).mean(axis=-1)  # (2, 3)
    np.testing.assert_allclose(mse.per_sample(y, p), per_elem.mean(axis=1))
    assert mse(y, p) == pytest.approx(per_elem.mean())
    assert mse.per_output(y, p).shape == (2, 4)
    np.testing.assert_allclose(mse.per_output(y, p).sum(-1), mse.per_sample(y, p))
    g = mse.gradient(y, p)
    assert rel_error(g, numeric_grad(lambda: mse(y, p), p)) < 1e-6


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        losses.get("mse")(np.zeros((2, 2)), np.zeros((2, 3)))


# ====================================================================== per_output
@pytest.mark.parametrize("name", ALL)
def test_per_output_sums_to_per_sample(name):
    y, p = _inputs(name, np.random.default_rng(3), 4, 3)
    loss = losses.get(name)
    shares = loss.per_output(y, p)
    assert shares.shape == (4, 3)
    np.testing.assert_allclose(shares.sum(axis=-1), loss.per_sample(y, p), rtol=1e-10, atol=1e-12)


def test_per_output_shares_are_each_units_term():
    y, p = np.array([[0.0, 1.0], [1.0, 3.0]]), np.array([[1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(losses.get("mse").per_output(y, p), [[0.5, 0.0], [0.0, 2.0]])
    shares = losses.get("sparse_categorical_crossentropy").per_output([1, 0], np.array([[0.2, 0.8], [0.4, 0.6]]))
    np.testing.assert_allclose(shares, [[0.0, -np.log(0.8)], [-np.log(0.4), 0.0]])


# ====================================================================== gradients
def _away_from(x, points, gap):
    """Push entries of x at least ``gap`` away from each of ``points``."""
    for c in points:
        close = np.abs(x - c) < gap
        x = np.where(close, c + np.where(x >= c, gap, -gap), x)
    return x


def _inputs(name, rng, n, k):
    """(y_true, y_pred) in float64, away from clipping boundaries and kinks."""
    u = lambda lo, hi: rng.uniform(lo, hi, (n, k))  # noqa: E731
    onehot = np.eye(k)[rng.integers(0, k, n)]
    if name in ("mean_squared_error", "sum_squared_error", "log_cosh", "cosine_similarity"):
        y, p = rng.normal(size=(n, k)), rng.normal(size=(n, k))
        if name == "cosine_similarity":
            p = _away_from(p, [0.0], 0.2)
        return y, p
    if name == "mean_absolute_error":
        y = rng.normal(size=(n, k))
        return y, y + _away_from(rng.normal(size=(n, k)), [0.0], 0.05)
    if name == "huber":
        y = rng.normal(size=(n, k))
        return y, y + _away_from(rng.normal(scale=2.0, size=(n, k)), [-1.0, 0.0, 1.0], 0.05)
    if name == "mean_absolute_percentage_error":
        y = _away_from(rng.normal(size=(n, k)), [0.0], 0.3)
        return y, y + _away_from(rng.normal(size=(n, k)), [0.0], 0.05)
    if name == "mean_squared_logarithmic_error":
        return u(0.1, 3.0), u(0.1, 3.0)
    if name in ("hinge", "squared_hinge"):
        y = rng.integers(0, 2, (n, k)).astype(float)  # 0/1 labels: exercises the ±1 mapping
        return y, _away_from(rng.normal(scale=1.5, size=(n, k)), [-1.0, 1.0], 0.05)
    if name == "categorical_hinge":
        for _ in range(1000):
            p = rng.normal(size=(n, k))
            t = np.sort((1 - onehot) * p, axis=-1)
            margin = t[:, -1] - (onehot * p).sum(-1) + 1
            gap = t[:, -1] - t[:, -2] if k > 1 else np.ones(n)
            if np.all(np.abs(margin) > 0.05) and np.all(gap > 0.05):
                return onehot, p
        raise AssertionError("no input away from the kinks")
    if name == "categorical_crossentropy":
        soft = u(0.0, 1.0)
        y = onehot if rng.random() < 0.5 else soft / soft.sum(-1, keepdims=True)
        return y, u(0.2, 1.0)  # unnormalized: exercises the renormalization's derivative
    if name == "sparse_categorical_crossentropy":
        return rng.integers(0, k, n), u(0.2, 1.0)
    if name == "binary_crossentropy":
        return u(0.0, 1.0), u(0.05, 0.95)
    if name == "kl_divergence":
        return u(0.05, 0.95), u(0.05, 0.95)
    if name == "poisson":
        return u(0.0, 3.0), u(0.1, 3.0)
    raise AssertionError(f"no inputs for {name}")


def _assert_grad_matches(analytic, numeric):
    """Relative error < 1e-6 on every entry that is not zero on both sides (up to rounding)."""
    assert analytic.shape == numeric.shape
    big = np.maximum(np.abs(analytic), np.abs(numeric)) > 1e-6
    assert rel_error(analytic[big], numeric[big]) < 1e-6, (analytic, numeric)
    assert np.all(np.abs(analytic[~big] - numeric[~big]) < 1e-9), (analytic, numeric)


SHAPES = [(1, 1), (1, 3), (2, 2), (3, 1), (4, 4), (5, 3)]


@pytest.mark.parametrize("name", ALL)
def test_gradient_matches_finite_differences(name):
    rng = np.random.default_rng(100 + ALL.index(name))
    loss = losses.get(name)
    for n, k in SHAPES:
        y, p = _inputs(name, rng, n, k)
        analytic = loss.gradient(y, p)
        assert analytic.shape == p.shape and analytic.dtype == np.float64
        _assert_grad_matches(analytic, numeric_grad(lambda: loss(y, p), p))


def test_gradient_is_zero_where_clipping_is_active():
    # BCE: p beyond [ε, 1 − ε] is clipped; KLD: p > 1 is clipped
    g = losses.get("binary_crossentropy").gradient([[1.0, 0.0]], np.array([[1.5, -0.5]]))
    np.testing.assert_array_equal(g, [[0.0, 0.0]])
    g = losses.get("kl_divergence").gradient([[0.5, 0.5]], np.array([[2.0, 0.5]]))
    assert g[0, 0] == 0.0 and g[0, 1] == pytest.approx(-0.5 / 0.5)


def test_gradient_passes_at_the_clip_bounds_themselves():
    # TensorFlow's clip_by_value and torch's clamp are flat only strictly outside [ε, 1 − ε]: at a bound
    # the gradient passes, so a float32 sigmoid saturated at exactly float32(1 − ε) still learns in Keras
    for dtype in (np.float32, np.float64):
        p = np.array([[1 - EPS], [EPS]], dtype=dtype)
        y = np.array([[0.0], [1.0]], dtype=dtype)
        c = p.astype(np.float64)
        expected = (c - y) / (c * (1 - c)) / 2          # ∂/∂p of −mean(y log c + (1 − y) log(1 − c)), 2 elements
        g = losses.get("binary_crossentropy").gradient(y, p)
        assert np.all(g != 0)
        np.testing.assert_allclose(g, expected, rtol=1e-6)
    # KL divergence clips p to [ε, 1]: a softmax output of exactly 1 keeps ∂/∂p = −y / p = −y
    g = losses.get("kl_divergence").gradient([[0.25, 0.75]], np.array([[0.0, 1.0]]))
    np.testing.assert_allclose(g, [[0.0, -0.75]])
    # categorical cross-entropy at q = 1 − ε exactly (Σp = 1): row = −log q_1, ∂/∂p_j = −(δ_1j − q_1) / q_1
    q1 = 1 - EPS
    g = losses.get("categorical_crossentropy").gradient([[0.0, 1.0]], np.array([[EPS, q1]]))
    np.testing.assert_allclose(g, [[q1 / q1, -(1 - q1) / q1]], rtol=1e-6)


# ====================================================================== fused gradients
def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.mark.parametrize("name, activation, act, labels", [
    ("categorical_crossentropy", "softmax", _softmax, "onehot"),
    ("categorical_crossentropy", "softmax", _softmax, "soft"),
    ("categorical_crossentropy", "softmax", _softmax, "multihot"),  # labels not summing to 1
    ("sparse_categorical_crossentropy", "softmax", _softmax, "sparse"),
    ("binary_crossentropy", "sigmoid", _sigmoid, "soft"),
])
def test_fused_gradient_matches_finite_differences_through_activation(name, activation, act, labels):
    rng = np.random.default_rng(4)
    loss = losses.get(name)
    for n, k in [(1, 2), (3, 3), (5, 4), (2, 1)]:
        if k == 1 and activation == "softmax":
            continue
        z = rng.normal(size=(n, k))
        if labels == "onehot":
            y = np.eye(k)[rng.integers(0, k, n)]
        elif labels == "multihot":
            y = (rng.uniform(size=(n, k)) < 0.5) * 1.0
        elif labels == "sparse":
            y = rng.integers(0, k, n)
        else:
            y = rng.uniform(0, 1, (n, k))
            if activation == "softmax":
                y /= y.sum(-1, keepdims=True)
        fused = loss.fused_gradient(y, act(z), activation)
        assert fused.shape == z.shape
        _assert_grad_matches(fused, numeric_grad(lambda: loss(y, act(z)), z))


def test_fused_gradient_is_none_for_other_pairs():
    p = np.full((2, 2), 0.5)
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert losses.get("mse").fused_gradient(y, p, "softmax") is None
    assert losses.get("categorical_crossentropy").fused_gradient(y, p, "sigmoid") is None
    assert losses.get("categorical_crossentropy").fused_gradient(y, p, "linear") is None
    assert losses.get("binary_crossentropy").fused_gradient(y, p, "softmax") is None
    assert losses.get("sparse_categorical_crossentropy").fused_gradient([0, 1], p, "relu") is None
    assert losses.get("binary_crossentropy").fused_gradient(y, p, None) is None


# ====================================================================== names and configs
@pytest.mark.parametrize("identifier, name", [
    ("mse", "mean_squared_error"), ("MSE", "mean_squared_error"), ("MeanSquaredError", "mean_squared_error"),
    ("mae", "mean_absolute_error"), ("MeanAbsoluteError", "mean_absolute_error"),
    ("mape", "mean_absolute_percentage_error"), ("MeanAbsolutePercentageError", "mean_absolute_percentage_error"),
    ("msle", "mean_squared_logarithmic_error"), ("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error"),
    ("SquaredHinge", "squared_hinge"), ("Hinge", "hinge"), ("CategoricalHinge", "categorical_hinge"),
    ("logcosh", "log_cosh"), ("LogCosh", "log_cosh"),
    ("CategoricalCrossentropy", "categorical_crossentropy"),
    ("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy"),
    ("BinaryCrossentropy", "binary_crossentropy"),
    ("kld", "kl_divergence"), ("kullback_leibler_divergence", "kl_divergence"), ("KLDivergence", "kl_divergence"),
    ("Poisson", "poisson"), ("cosine_proximity", "cosine_similarity"), ("CosineSimilarity", "cosine_similarity"),
    ("Huber", "huber"), ("huber_loss", "huber"),
])
def test_aliases_and_keras_class_names_resolve(identifier, name):
    assert losses.get(identifier).name == name


def test_every_canonical_name_resolves_to_itself():
    assert len(ALL) == 16   # Keras' 15 and the course's sum of squared errors
    for name in ALL:
        loss = losses.get(name)
        assert loss.name == name and loss.get_config()["name"] == name


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="mean_squared_error") as info:
        losses.get("mean_sqared_error")
    assert "binary_crossentropy" in str(info.value)


def test_configs_round_trip_and_instances_pass_through():
    h = losses.get({"name": "huber", "delta": 2.5})
    assert h.get_config() == {"name": "huber", "delta": 2.5}
    assert losses.get(h.get_config()) == h and losses.get(h) is h
    assert losses.get("binary_crossentropy").get_config() == {"name": "binary_crossentropy"}
    keras_cfg = {"class_name": "Huber", "config": {"name": "huber_loss", "reduction": "sum_over_batch_size",
                                                   "delta": 0.5, "dtype": None}}
    assert losses.get(keras_cfg).delta == 0.5
    with pytest.raises(ValueError, match="from_logits"):
        losses.get({"class_name": "BinaryCrossentropy", "config": {"from_logits": True}})


# ====================================================================== dtypes and extreme inputs
@pytest.mark.parametrize("name", ALL)
def test_float32_in_float32_out(name):
    y, p = _inputs(name, np.random.default_rng(5), 3, 3)
    loss = losses.get(name)
    p32 = p.astype(np.float32)
    assert loss.per_sample(y, p32).dtype == np.float32
    assert loss.gradient(y, p32).dtype == np.float32
    assert loss.per_output(y, p32).dtype == np.float32
    np.testing.assert_allclose(loss.per_sample(y, p32), loss.per_sample(y, p), rtol=1e-4, atol=1e-5)


def _extreme_inputs(name, dtype):
    p = np.array([[1e4, -1e4, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], dtype=dtype)
    if name == "sparse_categorical_crossentropy":
        return np.array([0, 2, 1, 0]), p
    if name == "poisson":
        p = np.abs(p)  # log of a negative rate is undefined (tested separately)
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype=dtype)
    return y, p


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ALL)
def test_extreme_inputs_give_finite_values_and_no_warnings(name, dtype):
    y, p = _extreme_inputs(name, dtype)
    loss = losses.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = [np.array(loss(y, p)), loss.per_sample(y, p), loss.gradient(y, p), loss.per_output(y, p)]
        for act in ("softmax", "sigmoid"):
            fused = loss.fused_gradient(y, p, act)
            if fused is not None:
                values.append(fused)
    for v in values:
        assert np.all(np.isfinite(v)), (name, v)


def test_poisson_negative_rate_is_nan_like_keras_but_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(losses.get("poisson")([[1.0]], np.array([[-1.0]])))
