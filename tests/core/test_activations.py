import warnings

import numpy as np
import pytest

from nnviz.core import activations
from tests.core.gradcheck import numeric_grad, rel_error

NAMES = ["linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "softplus", "swish"]


def test_every_named_activation_resolves():
    assert sorted(NAMES) == sorted(activations.NAMES)
    assert activations.get(None).name == "linear"
    assert activations.get("SiLU").name == "swish"
    with pytest.raises(ValueError, match="valid activations are: .*relu.*"):
        activations.get("relux")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backward_matches_finite_differences(name, seed):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 4)), int(rng.integers(2, 6)))
    z = rng.normal(0, 2, size=shape)
    z[np.abs(z) < 1e-3] = 0.5  # keep away from the kinks of relu / leaky_relu / elu
    upstream = rng.normal(size=shape)
    act = activations.get(name)
    a = act.forward(z)
    analytic = act.backward(z, a, upstream)
    numeric = numeric_grad(lambda: float((act.forward(z) * upstream).sum()), z)
    assert rel_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("name", [n for n in NAMES if n != "softmax"])
def test_derivative_is_elementwise_gprime(name):
    rng = np.random.default_rng(3)
    z = rng.normal(0, 2, size=(4, 3))
    z[np.abs(z) < 1e-3] = 0.5
    act = activations.get(name)
    numeric = numeric_grad(lambda: float(act.forward(z).sum()), z)
    assert rel_error(act.derivative(z, act.forward(z)), numeric) < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_extreme_inputs_give_finite_values_without_warnings(name, dtype):
    z = np.array([[-1e4, -80.0, 0.0, 80.0, 1e4]], dtype=dtype)
    act = activations.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act.forward(z)
        d = act.backward(z, a, np.ones_like(z))
    assert np.isfinite(a).all() and np.isfinite(d).all()
    assert a.dtype == dtype


def test_known_values():
    z = np.array([[-2.0, 0.0, 3.0]])
    assert np.allclose(activations.get("relu").forward(z), [[0, 0, 3]])
    assert np.allclose(activations.get("sigmoid").forward(z), 1 / (1 + np.exp(-z)))
    assert np.allclose(activations.get("leaky_relu").forward(z), [[-0.4, 0, 3]])  # Keras' default slope 0.2
    assert np.allclose(activations.get("elu").forward(z), [[np.exp(-2) - 1, 0, 3]])
    assert np.allclose(activations.get("softplus").forward(z), np.log1p(np.exp(z)))
    assert np.allclose(activations.get("swish").forward(z), z / (1 + np.exp(-z)))
    p = activations.get("softmax").forward(np.array([[1.3, 2.2, 0.1]]))
    assert np.allclose(p.sum(), 1.0) and np.allclose(p, np.exp([1.3, 2.2, 0.1]) / np.exp([1.3, 2.2, 0.1]).sum())


def test_activation_settings_survive_get_config_and_from_config():
    """LeakyReLU(negative_slope=0.05) used to come back from a config (and so from a project file) as 0.2."""
    from nnviz.core import GRU, Activation, Dense, Input, Sequential

    model = Sequential([Input((3,)), Dense(4, activation=activations.LeakyReLU(negative_slope=0.05)),
                        Activation(activations.ELU(alpha=0.5)), Dense(2, activation="leaky_relu")], seed=0)
    config = model.get_config()
    dense, act, plain = (entry["config"] for entry in config["layers"][1:])
    assert dense["activation"] == {"class_name": "leaky_relu", "config": {"negative_slope": 0.05}}
    assert act["activation"] == {"class_name": "elu", "config": {"alpha": 0.5}}
    assert plain["activation"] == "leaky_relu"  # default settings stay a plain name, as Keras writes them
    clone = model.clone()
    assert clone.layers[0].activation.negative_slope == 0.05 and clone.layers[1].activation.alpha == 0.5
    x = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_array_equal(clone.predict(x), model.predict(x))
    gru = GRU(2, recurrent_activation={"class_name": "LeakyReLU", "config": {"negative_slope": 0.1}})
    assert GRU.from_config(gru.get_config()).recurrent_activation.negative_slope == 0.1
    assert activations.LeakyReLU(0.05) != activations.LeakyReLU() and activations.get("elu") == activations.ELU()
