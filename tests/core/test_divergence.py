"""Divergence in the core: DivergenceGuard (the app's and the CLI's policy), Keras' TerminateOnNaN, and what
``fit`` says by default. No Qt."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

from nnviz.core import Dense, Sequential
from nnviz.core.callbacks import DivergenceGuard, LambdaCallback, TerminateOnNaN, suggest_learning_rate
from nnviz.core.data import catalog
from nnviz.core.optimizers import SGD
from nnviz.core.training import TrainingConfig, fit
from nnviz.io.project import load_project

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "resources", "examples")


@pytest.fixture(scope="module")
def xor():
    return catalog.load("xor", n_points=500, seed=0)


def exploding(lr=1e6, seed=0):
    """A regression network that SGD at ``lr`` blows up to infinity and NaN within a few steps."""
    model = Sequential([Dense(8, activation="relu", input_shape=(2,)), Dense(1)], seed=seed)
    model.compile(optimizer=SGD(lr), loss="mean_squared_error")
    return model


def xor_example(optimizer, lr):
    project = load_project(os.path.join(EXAMPLES, "xor.nnviz"))
    config = dataclasses.replace(project.training_config(), optimizer=optimizer, learning_rate=lr)
    model = project.build_model()
    config.compile_model(model)
    return model, config


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's overflow warnings on the way to infinity
def test_the_guard_stops_at_a_nan_loss_with_the_last_finite_state_and_a_learning_rate_to_try(xor, capsys):
    model = exploding()
    seen = []   # after every batch: (finite?, weights, optimizer steps), taken before the guard looks

    def record(batch, logs):
        weights = model.get_weights()
        seen.append((all(np.isfinite(w).all() for w in weights) and np.isfinite(logs["loss"]), weights,
                     model.optimizer.iterations))

    guard = DivergenceGuard()
    history = model.fit(xor.x_train, xor.y_train, batch_size=10, epochs=5, verbose=0,
                        callbacks=[LambdaCallback(on_train_batch_end=record), guard])
    assert len(history.history["loss"]) == 1 and model.stop_training       # stopped in the first epoch
    assert not seen[-1][0]                                                   # ... at the batch that broke
    last_good = [s for s in seen if s[0]][-1]
    for got, want in zip(model.get_weights(), last_good[1]):
        np.testing.assert_array_equal(got, want)                              # the last finite weights, exactly
    assert model.optimizer.iterations == last_good[2]
    d = guard.divergence
    assert d.kind == "nan" and d.restored and d.epoch == 1 and d.suggested_learning_rate == 1e5
    message = d.message()
    assert message.startswith("Training diverged: the loss became ")
    assert "weights were restored to the last finite values" in message
    assert "Try a lower learning rate, e.g. 1e+05 instead of 1e+06." in message
    assert message in capsys.readouterr().out                                 # verbose: said on the console
    # and training from the restored state at a sane rate works
    model.optimizer.learning_rate = 1e-4
    model.fit(xor.x_train, xor.y_train, batch_size=10, epochs=1, verbose=0, callbacks=[DivergenceGuard(verbose=0)])
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_weights_that_turn_infinite_while_the_loss_stays_finite_are_caught(xor):
    """A saturating tanh and a clipped cross-entropy keep the loss finite with an infinite weight."""
    model = Sequential([Dense(8, activation="tanh", input_shape=(2,)), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    before = []

    def poke(batch, logs):
        if batch == 4:
            before.extend(model.get_weights())
        if batch == 5:
            model.layers[0].params["kernel"][0, 0] = np.inf

    guard = DivergenceGuard(verbose=0)
    model.fit(xor.x_train, xor.y_train, batch_size=10, epochs=3, verbose=0,
              callbacks=[LambdaCallback(on_train_batch_end=poke), guard])
    d = guard.divergence
    assert d.kind == "nan" and d.restored and "the weights became infinite or NaN at epoch 1, step 6" in d.message()
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_a_loss_exploding_without_overflow_stops_xor_at_sgd_10(xor):
    """The issue's case: XOR at SGD 10 swings between 0.5 and 3.8 (the clipped cross-entropy never overflows)."""
    model, config = xor_example("sgd", 10.0)
    ds = catalog.load("xor", n_points=500, noise=0.0, train_ratio=50.0, seed=0)
    guard = DivergenceGuard(reference=(ds.x_train, ds.y_train), verbose=0)
    history = fit(model, ds, config, epochs=40, callbacks=[guard])
    losses = history.history["loss"]
    assert len(losses) == 3                                                   # three epochs in a row far above
    d = guard.divergence
    assert d.kind == "rising" and not d.restored and d.epoch == 3
    assert all(loss > 1.5 * guard.start_loss for loss in losses)
    assert f"against {guard.start_loss:.3g} when training started" in d.message()
    assert "Try a lower learning rate, e.g. 1 instead of 10." in d.message()
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_an_oscillating_loss_is_caught_though_never_three_epochs_in_a_row():
    model = exploding(lr=0.1)
    model.build()
    guard = DivergenceGuard(verbose=0)
    guard.set_model(model)
    guard.on_train_begin()
    guard.start_loss = 1.0
    for epoch, loss in enumerate([2.0, 2.0, 0.5, 2.0, 0.4, 2.0, 2.0, 0.5, 2.0]):
        guard.on_epoch_begin(epoch)
        guard.on_epoch_end(epoch, {"loss": loss})
        if guard.divergence:
            break
    assert guard.divergence is not None and epoch == 8                      # the sixth epoch above 1.5 of 10
    assert "in 6 of the last 9 epochs" in guard.divergence.message()
    assert "e.g. 0.01 instead of 0.1" in guard.divergence.message()


@pytest.mark.parametrize("name", ["xor", "spiral", "circle", "digits-mlp"])
def test_healthy_examples_never_trip_the_guard(name):
    project = load_project(os.path.join(EXAMPLES, f"{name}.nnviz"))
    ds = catalog.load(project.dataset["name"], **project.dataset["params"])
    config = project.training_config()
    model = project.build_model()
    guard = DivergenceGuard(reference=(ds.x_train, ds.y_train), verbose=0)
    fit(model, ds, config, epochs=min(config.epochs, 20 if name == "digits-mlp" else 40), callbacks=[guard])
    assert guard.divergence is None


def test_a_new_reference_follows_a_new_meaning_of_the_loss(xor):
    model, _ = xor_example("adam", 0.03)
    guard = DivergenceGuard(reference=(xor.x_train, xor.y_train), verbose=0)
    guard.set_model(model)
    guard.on_train_begin()
    start = guard.start_loss
    model.layers[0].kernel_regularizer = None
    from nnviz.core.training import apply_regularization
    apply_regularization(model, "l2", 5.0)                                     # a big penalty: a bigger loss
    guard.new_reference()
    assert guard.start_loss > 1.5 * start


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_stops_as_keras_does(xor, capsys):
    model = exploding()
    model.fit(xor.x_train, xor.y_train, batch_size=10, epochs=5, verbose=0, callbacks=[TerminateOnNaN()])
    assert model.stop_training and len(model.history.history["loss"]) == 1
    assert "Invalid loss, terminating training" in capsys.readouterr().out


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_plain_fit_trains_on_as_keras_does_and_says_so_once_when_verbose(xor, capsys):
    model = exploding()
    history = model.fit(xor.x_train, xor.y_train, batch_size=10, epochs=3, verbose=2)
    assert len(history.history["loss"]) == 3                                  # not stopped: Keras' default
    out = capsys.readouterr().out
    assert out.count("Warning: the loss is ") == 1
    assert "(try e.g. 1e+05 instead of 1e+06)" in out and "DivergenceGuard()" in out
    exploding().fit(xor.x_train, xor.y_train, batch_size=10, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""                                      # verbose=0 is quiet, as in Keras


def test_learning_rate_limits_in_the_message_are_the_real_ones():
    with pytest.raises(ValueError, match="greater than 0 and at most 100, got 1000000.0"):
        TrainingConfig(learning_rate=1e6)
    with pytest.raises(ValueError, match="greater than 0 and at most 100, got 0"):
        TrainingConfig(learning_rate=0)
    assert TrainingConfig(learning_rate=100).learning_rate == 100


def test_suggested_learning_rate_is_a_tenth_rounded():
    assert suggest_learning_rate(10) == 1 and suggest_learning_rate(0.03) == pytest.approx(0.003)
    assert suggest_learning_rate(1e6) == 1e5 and suggest_learning_rate(0.0047) == pytest.approx(0.0005)


def test_training_on_from_well_trained_weights_is_measured_against_guessing_the_average(xor):
    """A trained XOR's loss is ~0.01: Adam's wobbles took it 5 times that for 3 epochs and the CLI stopped a healthy
    run. The line is never below 1.5 times the loss of always guessing the average; a wild rate still crosses it."""
    model, config = xor_example("adam", 0.03)
    ds = catalog.load("xor", n_points=500, noise=0.0, train_ratio=50.0, seed=0)
    fit(model, ds, config, epochs=60)
    for _ in range(2):
        guard = DivergenceGuard(reference=(ds.x_train, ds.y_train), verbose=0)
        fit(model, ds, config, epochs=60, callbacks=[guard])
        assert guard.divergence is None and guard.start_loss < 0.1
        assert guard.average_loss == pytest.approx(np.log(2), abs=0.01)      # balanced classes: ln 2
    model.optimizer = SGD(10.0)
    guard = DivergenceGuard(reference=(ds.x_train, ds.y_train), verbose=0)
    fit(model, ds, dataclasses.replace(config, optimizer="sgd", learning_rate=10.0), epochs=40, callbacks=[guard])
    assert guard.divergence is not None and guard.divergence.kind == "rising"
    assert "for always guessing the average" in guard.divergence.message()


def test_the_average_guess_loss_per_kind_of_loss():
    from nnviz.core.callbacks import average_guess_loss

    rng = np.random.default_rng(0)
    y = rng.normal(3.0, 2.0, size=(400, 1)).astype(np.float32)
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mean_squared_error")
    assert average_guess_loss(model, y) == pytest.approx(float(y.var()), rel=1e-4)
    labels = np.repeat(np.arange(4), 50)
    model = Sequential([Dense(4, activation="softmax", input_shape=(2,))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert average_guess_loss(model, labels) == pytest.approx(np.log(4), rel=1e-4)
    assert np.isnan(average_guess_loss(model, np.zeros((3, 7))))              # labels it cannot read: no floor
