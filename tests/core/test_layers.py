"""Dense, Activation, Flatten, Dropout and BatchNormalization: shapes, modes and exact gradients."""

import numpy as np
import pytest

from nnviz.core import Activation, BatchNormalization, Dense, Dropout, Flatten
from tests.core.gradcheck import numeric_grad, rel_error


def _build(layer, shape, seed=0):
    layer.build(shape, rng=np.random.default_rng(seed), dtype="float64")
    return layer


def _check_layer_gradients(layer, x, training=True, seed=0):
    """Every trainable parameter's gradient and the input gradient against finite differences of
    the scalar C = Σ output · R for a fixed random R."""
    rng = np.random.default_rng(seed + 100)
    out = layer.forward(x, training=training)
    r = rng.normal(size=out.shape)
    d_x = layer.backward(r)
    grads = {k: g.copy() for k, g in layer.grads.items()}
    saved = {k: v.copy() for k, v in layer.params.items()}

    def cost():
        for k in layer.non_trainable_names:  # batch statistics must not drift while we probe
            if k in layer.params:
                layer.params[k][...] = saved[k]
        return float((layer.forward(x, training=training) * r).sum())

    for k, g in grads.items():
        assert rel_error(g, numeric_grad(cost, layer.params[k])) < 1e-6, f"d_{k}"
    assert rel_error(d_x, numeric_grad(cost, x)) < 1e-6, "d_input"


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid", "softmax", "swish"])
def test_dense_gradients(seed, activation):
    rng = np.random.default_rng(seed)
    n_in, units, batch = (int(v) for v in rng.integers(1, 6, size=3))
    layer = _build(Dense(units, activation=activation), (n_in,), seed)
    layer.params["bias"][...] = rng.normal(size=units)
    _check_layer_gradients(layer, rng.normal(size=(batch, n_in)), seed=seed)


def test_dense_on_images_acts_on_last_axis_like_keras():
    layer = _build(Dense(16), (20, 20, 3))
    assert layer.output_shape == (None, 20, 20, 16)
    assert layer.count_params() == 64  # the course's CNN: 3·16 + 16
    rng = np.random.default_rng(0)
    _check_layer_gradients(_build(Dense(2, activation="relu"), (3, 2, 2)), rng.normal(size=(2, 3, 2, 2)) + 0.1)


def test_dense_defaults_glorot_uniform_kernel_and_zero_bias():
    layer = _build(Dense(200), (300,))
    limit = np.sqrt(6 / (300 + 200))
    k = layer.params["kernel"]
    assert k.shape == (300, 200) and np.abs(k).max() <= limit and np.abs(k).max() > 0.95 * limit
    assert abs(k.std() - limit / np.sqrt(3)) < 0.01 * limit
    assert not layer.params["bias"].any()


@pytest.mark.parametrize("activation", ["relu", "elu", "leaky_relu", "softplus"])
def test_activation_layer_gradients(activation):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4))
    x[np.abs(x) < 1e-2] = 0.3
    _check_layer_gradients(_build(Activation(activation), (4,)), x)


def test_flatten_is_row_major_and_reversible():
    layer = _build(Flatten(), (2, 3, 4))
    assert layer.output_shape == (None, 24)
    x = np.arange(48.0).reshape(2, 2, 3, 4)
    assert np.array_equal(layer.forward(x)[1], np.arange(24.0, 48.0))
    _check_layer_gradients(layer, np.random.default_rng(0).normal(size=(2, 2, 3, 4)))


def test_dropout_is_active_only_in_training_and_keeps_the_expectation():
    layer = _build(Dropout(0.25), (1000,))
    x = np.ones((20, 1000))
    assert np.array_equal(layer.forward(x, training=False), x)
    y = layer.forward(x, training=True)
    zeros = np.mean(y == 0)
    assert 0.22 < zeros < 0.28
    assert np.allclose(y[y != 0], 1 / 0.75)
    assert abs(y.mean() - 1.0) < 0.02
    d = layer.backward(np.ones_like(y))
    assert np.array_equal(d == 0, y == 0)
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.0)


@pytest.mark.parametrize("shape", [(5,), (3, 3, 2)])
def test_batchnorm_training_gradients(shape):
    rng = np.random.default_rng(2)
    layer = _build(BatchNormalization(), shape)
    layer.params["gamma"][...] = rng.normal(size=shape[-1:])
    layer.params["beta"][...] = rng.normal(size=shape[-1:])
    _check_layer_gradients(layer, rng.normal(2.0, 3.0, size=(6,) + shape), training=True)


def test_batchnorm_inference_gradients_and_moving_statistics():
    rng = np.random.default_rng(3)
    layer = _build(BatchNormalization(momentum=0.9), (4,))
    x = rng.normal(5.0, 2.0, size=(64, 4))
    y = layer.forward(x, training=True)
    assert np.allclose(y.mean(0), 0, atol=1e-9) and np.allclose(y.std(0), np.sqrt(x.var(0) / (x.var(0) + 1e-3)))
    assert np.allclose(layer.params["moving_mean"], 0.1 * x.mean(0))
    assert np.allclose(layer.params["moving_variance"], 0.9 + 0.1 * x.var(0))
    assert layer.count_params() == 16 and layer.count_trainable_params() == 8
    assert sorted(layer.grads) == ["beta", "gamma"]
    _check_layer_gradients(layer, x[:5], training=False)


def test_frozen_batchnorm_uses_its_moving_statistics_while_training():
    # Keras 3: BatchNormalization with trainable=False normalises with the moving statistics even in
    # training mode, and does not update them
    rng = np.random.default_rng(4)
    layer = _build(BatchNormalization(trainable=False), (3,))
    mean, var = np.array([1.0, -2.0, 0.5]), np.array([4.0, 0.25, 1.0])
    gamma, beta = np.array([2.0, 0.5, -1.0]), np.array([0.1, 0.2, 0.3])
    layer.params["moving_mean"][...], layer.params["moving_variance"][...] = mean, var
    layer.params["gamma"][...], layer.params["beta"][...] = gamma, beta
    x = rng.normal(3.0, 2.0, size=(8, 3))
    y = layer.forward(x, training=True)
    np.testing.assert_allclose(y, gamma * (x - mean) / np.sqrt(var + 1e-3) + beta, rtol=1e-12)
    np.testing.assert_array_equal(layer.params["moving_mean"], mean)
    np.testing.assert_array_equal(layer.params["moving_variance"], var)
    # the statistics are constants, so dC/dx = dC/dy · gamma / sqrt(var + eps)
    d_out = rng.normal(size=y.shape)
    np.testing.assert_allclose(layer.backward(d_out), d_out * gamma / np.sqrt(var + 1e-3), rtol=1e-12)
    # unfrozen again, training mode uses the batch: its output has mean beta
    layer.trainable = True
    np.testing.assert_allclose(layer.forward(x, training=True).mean(0), beta, atol=1e-12)
