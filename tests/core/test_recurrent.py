"""SimpleRNN, LSTM and GRU: Keras' shapes and parameter counts, hand-computed steps, exact BPTT gradients,
and a recurrent network that learns."""

import numpy as np
import pytest

from nnviz.core import GRU, LSTM, Adam, ArchitectureError, Dense, Flatten, Input, Sequential, SimpleRNN, initializers
from tests.core.gradcheck import numeric_grad, rel_error
from tests.core.test_layers import _build, _check_layer_gradients

RECURRENT = [SimpleRNN, LSTM, GRU]


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


@pytest.mark.parametrize("cls, params", [(SimpleRNN, 3 * 4 + 4 * 4 + 4),            # W, U, b
                                         (LSTM, 4 * (3 * 4 + 4 * 4 + 4)),           # four gates
                                         (GRU, 3 * (3 * 4 + 4 * 4) + 2 * 3 * 4)])   # two bias rows
def test_parameter_counts_and_shapes_match_keras(cls, params):
    layer = _build(cls(4), (7, 3))
    assert layer.count_params() == params
    assert layer.output_shape == (None, 4)
    assert _build(cls(4, return_sequences=True), (7, 3)).output_shape == (None, 7, 4)
    gates = {SimpleRNN: 1, LSTM: 4, GRU: 3}[cls]
    assert layer.params["kernel"].shape == (3, gates * 4)
    assert layer.params["recurrent_kernel"].shape == (4, gates * 4)


@pytest.mark.parametrize("cls", RECURRENT)
def test_a_flat_input_is_refused_with_what_the_layer_needs(cls):
    with pytest.raises(ArchitectureError, match=r"layer 2 .*needs a sequence input \(timesteps, features\), got \(64,\)"):
        Sequential([Input((8, 8)), Flatten(), cls(4)])


def test_keras_initial_weights_orthogonal_recurrent_kernel_and_forget_bias_one():
    lstm = _build(LSTM(5), (4, 3))
    u = lstm.params["recurrent_kernel"]                    # (5, 20): orthonormal rows
    assert np.allclose(u @ u.T, np.eye(5), atol=1e-12)
    b = lstm.params["bias"]
    assert np.array_equal(b, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    assert not _build(GRU(5), (4, 3)).params["bias"].any()
    square = initializers.get("orthogonal")((6, 6), np.random.default_rng(0))
    assert np.allclose(square.T @ square, np.eye(6), atol=1e-12)


def test_simple_rnn_by_hand():
    """One unit, linear: h1 = w·x1 + b, h2 = w·x2 + u·h1 + b."""
    layer = _build(SimpleRNN(1, activation="linear", return_sequences=True), (2, 1))
    layer.set_weights([np.array([[2.0]]), np.array([[0.5]]), np.array([1.0])])
    h = layer.forward(np.array([[[3.0], [-1.0]]]))
    assert h[0, :, 0].tolist() == [7.0, 2.0 * -1 + 0.5 * 7 + 1]


def test_lstm_step_by_hand():
    """Two steps of a one-unit LSTM written out gate by gate (i, f, c̃, o in Keras' order)."""
    layer = _build(LSTM(1), (2, 1))
    w = np.array([[0.5, -0.3, 0.8, 0.1]])
    u = np.array([[0.2, 0.4, -0.6, 0.3]])
    b = np.array([0.1, 1.0, 0.0, -0.2])
    layer.set_weights([w, u, b])
    xs = [0.7, -1.2]
    h = c = 0.0
    for x in xs:
        pre = w[0] * x + u[0] * h + b
        i, f, o = _sigmoid(pre[0]), _sigmoid(pre[1]), _sigmoid(pre[3])
        c = f * c + i * np.tanh(pre[2])
        h = o * np.tanh(c)
    out = layer.forward(np.array([[[xs[0]], [xs[1]]]]))
    assert out.shape == (1, 1) and out[0, 0] == pytest.approx(h, abs=1e-14)


def test_gru_step_by_hand():
    """Two steps of a one-unit GRU, Keras 3's reset_after form with input and recurrent biases."""
    layer = _build(GRU(1), (2, 1))
    w = np.array([[0.5, -0.3, 0.8]])
    u = np.array([[0.2, 0.4, -0.6]])
    b = np.array([[0.1, 0.2, -0.1], [0.05, -0.3, 0.4]])
    layer.set_weights([w, u, b])
    h = 0.0
    for x in (0.7, -1.2):
        rec = u[0] * h + b[1]
        z = _sigmoid(w[0, 0] * x + b[0, 0] + rec[0])
        r = _sigmoid(w[0, 1] * x + b[0, 1] + rec[1])
        cand = np.tanh(w[0, 2] * x + b[0, 2] + r * rec[2])
        h = z * h + (1 - z) * cand
    out = layer.forward(np.array([[[0.7], [-1.2]]]))
    assert out[0, 0] == pytest.approx(h, abs=1e-14)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("cls", RECURRENT)
def test_backprop_through_time_matches_finite_differences(cls, return_sequences, seed):
    rng = np.random.default_rng(seed)
    steps, features, units, batch = (int(v) for v in rng.integers(1, 5, size=4))
    layer = _build(cls(units, return_sequences=return_sequences), (steps, features), seed)
    layer.params["bias"][...] = rng.normal(size=layer.params["bias"].shape)
    layer.params["recurrent_kernel"][...] *= 1.5   # a recurrence that matters
    _check_layer_gradients(layer, rng.normal(size=(batch, steps, features)), seed=seed)


@pytest.mark.parametrize("cls, kwargs", [(SimpleRNN, {"activation": "relu", "use_bias": False}),
                                         (LSTM, {"activation": "swish", "recurrent_activation": "tanh"}),
                                         (GRU, {"activation": "elu", "use_bias": False})])
def test_gradients_with_other_activations_and_without_bias(cls, kwargs):
    rng = np.random.default_rng(7)
    layer = _build(cls(3, **kwargs), (4, 2))
    x = rng.normal(size=(3, 4, 2))
    _check_layer_gradients(layer, x)


@pytest.mark.parametrize("cls", RECURRENT)
def test_config_round_trip_rebuilds_the_same_layer(cls):
    model = Sequential([Input((5, 3)), cls(4, return_sequences=True), cls(2), Dense(1)], seed=3)
    clone = Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(2, 5, 3))
    assert np.array_equal(model.predict(x), clone.predict(x))
    assert [type(l) for l in clone.layers] == [cls, cls, Dense]


@pytest.mark.parametrize("cls", RECURRENT)
def test_model_gradients_through_stacked_recurrent_layers(cls):
    """compute_gradients of a model with two stacked recurrent layers and a softmax head, float64,
    against finite differences of the compiled loss."""
    rng = np.random.default_rng(1)
    model = Sequential([Input((4, 3)), cls(3, return_sequences=True), cls(2), Dense(3, activation="softmax")],
                       dtype="float64", seed=1)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = rng.normal(size=(5, 4, 3))
    y = rng.integers(0, 3, 5)
    grads = model.compute_gradients(x, y)
    for w, g in zip(model.layers[0].params.values(), grads):
        cost = lambda: model.loss(y, model.predict(x))  # noqa: E731
        assert rel_error(g, numeric_grad(cost, w)) < 1e-6


@pytest.mark.parametrize("cls", RECURRENT)
def test_a_recurrent_network_learns_which_half_of_a_sequence_is_larger(cls):
    """Sequences of 6 numbers; the label says whether the first three sum to more than the last three:
    the network must carry a running sum through its state."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1200, 6, 1))
    y = (x[:, :3, 0].sum(1) > x[:, 3:, 0].sum(1)).astype(float)
    model = Sequential([Input((6, 1)), cls(8), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer=Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x[:1000], y[:1000], batch_size=20, epochs=30, verbose=0)
    assert model.evaluate(x[1000:], y[1000:], return_dict=True)["accuracy"] >= 0.9


def test_backprop_trace_of_a_recurrent_network_equals_the_core():
    """The stepper's trace steps recurrent layers at layer granularity with the core's own numbers; applying
    it is exactly train_on_batch."""
    from nnviz.core.trace import LayerBackward, LayerForward, backprop_trace
    from tests.core.test_trace import assert_same_snapshot, snapshot, twin

    rng = np.random.default_rng(4)
    model = Sequential([Input((5, 3)), GRU(4, return_sequences=True), LSTM(3), Dense(2, activation="softmax")],
                       dtype="float64", seed=4)
    model.compile(optimizer=Adam(0.01), loss="sparse_categorical_crossentropy")
    x, y = rng.normal(size=(3, 5, 3)), rng.integers(0, 2, 3)
    model.train_on_batch(x, y)
    other = twin(model)
    trace = backprop_trace(model, x, y, granularity="unit")
    forward = [s for s in trace if isinstance(s, LayerForward)]
    assert [s.layer_type for s in forward[:2]] == ["GRU", "LSTM"]
    assert "c_t = f⊙c_(t−1) + i⊙c̃" in forward[1].template
    copy = model.clone()
    assert np.array_equal(forward[1].output, copy.layers[1].forward(copy.layers[0].forward(x)))
    assert any(isinstance(s, LayerBackward) and s.layer_type == "LSTM" for s in trace)
    for g, t in zip(model.compute_gradients(x, y), trace.gradients):
        assert np.array_equal(g, t)
    loss = other.train_on_batch(x, y)
    assert trace.apply(model) == loss
    assert_same_snapshot(snapshot(model), snapshot(other))


def test_digits_read_row_by_row_train_an_lstm_to_90_percent():
    """The digits' 'sequence' layout: each image as 8 time steps of 8 pixels, through the training path the
    GUI uses."""
    from nnviz.core.data import catalog
    from nnviz.core.training import TrainingConfig, fit

    data = catalog.load("digits", sequence=True)
    assert data.x_train.shape[1:] == (8, 8) and data.input_shape == (8, 8)
    images = catalog.load("digits")
    assert np.array_equal(data.x_test, images.x_test[..., 0])   # the same images, the same split
    model = Sequential([Input((8, 8)), LSTM(32), Dense(10, activation="softmax")], seed=0)
    config = TrainingConfig(optimizer="adam", learning_rate=0.01, loss="sparse_categorical_crossentropy",
                            metrics=["accuracy"], batch_size=32, epochs=15, seed=0)
    config.compile_model(model)
    fit(model, data, config)
    assert model.evaluate(data.x_test, data.y_test, return_dict=True)["accuracy"] >= 0.9
    with pytest.raises(ValueError, match="either flatten .* or sequence"):
        catalog.load("digits", sequence=True, flatten=True)
