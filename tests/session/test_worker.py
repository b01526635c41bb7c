"""The training worker and controller: commands, snapshots, divergence, shutdown. Waits on signals only."""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest

from nnviz.core import Callback, Dense, Sequential
from nnviz.core.data import catalog
from nnviz.core.training import TrainingConfig, fit
from nnviz.session.training_engine import Series, suggest_learning_rate
from nnviz.session.worker import TrainingController, fresh_model

TIMEOUT = 10_000


@pytest.fixture(scope="module")
def spiral():
    return catalog.load("spiral", n_points=200, noise=5, seed=1)


def spiral_model(seed=3):
    return Sequential([Dense(8, activation="tanh", input_shape=(2,)), Dense(8, activation="tanh"),
                       Dense(1, activation="sigmoid")], seed=seed)


def spiral_config(**kw):
    base = dict(optimizer="adam", learning_rate=0.01, loss="binary_crossentropy", batch_size=10, epochs=0, seed=7)
    base.update(kw)
    return TrainingConfig(**base)


@pytest.fixture
def controller(qtbot):
    c = TrainingController()
    yield c
    c.shutdown()


def test_three_steps_train_three_batches(qtbot, controller, spiral):
    setup_and_wait(qtbot, controller, spiral_model(), spiral, spiral_config())
    for _ in range(3):
        controller.step_batch()
    token = controller.sync()
    with qtbot.waitSignal(controller.synced, timeout=TIMEOUT, check_params_cb=lambda t: t == token):
        pass
    assert controller.latest_snapshot.step == 3 and controller.latest_snapshot.state == "paused"


def wait_ticks(qtbot, controller, n):
    """Let ``n`` redraw ticks of the controller pass (~30 ms each): a wait on signals, not a sleep."""
    for _ in range(n):
        with qtbot.waitSignal(controller.timer.timeout, timeout=TIMEOUT):
            pass


def setup_and_wait(qtbot, controller, model, dataset, config):
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        controller.set_setup(model, dataset, config)
    return controller.latest_snapshot


# ---------------------------------------------------------------------------------------------- basics
def test_train_then_pause_stops_updates(qtbot, controller, spiral):
    setup_and_wait(qtbot, controller, spiral_model(), spiral, spiral_config())
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.state == "running" and s.step > 50):
        controller.train()
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.pause()
    paused = controller.latest_snapshot
    assert paused.state == "paused"
    arrived = []
    controller.snapshot_ready.connect(arrived.append)
    wait_ticks(qtbot, controller, 8)
    assert arrived == []                                   # nothing after the pause was acknowledged
    assert controller.latest_snapshot.version == paused.version
    assert controller.state == "paused"


def test_training_reaches_good_accuracy_and_reports_everything(qtbot, controller, spiral):
    ds = catalog.load("gauss", n_points=200, seed=2)
    setup_and_wait(qtbot, controller, spiral_model(), ds, spiral_config(epochs=15, learning_rate=0.03))
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
        controller.train()
    s = controller.latest_snapshot
    assert s.state == "stopped" and s.epoch == 15
    assert len(s.history["loss"]) == 15 and list(s.history["loss"].x) == list(range(1, 16))
    assert s.history["accuracy"].last() > 0.95
    assert s.test_metric_name == "accuracy" and s.test_metric > 0.9
    assert s.steps_per_epoch == 10 and s.step == 150 and s.samples_seen == 15 * 100
    assert len(s.batch_loss_curve) == 150
    assert s.grad_layer_names == ("dense", "dense_1", "dense_2") and s.grad_norms.shape[1] == 3
    assert [w.shape for w in s.weights] == [(2, 8), (8,), (8, 8), (8,), (8, 1), (1,)]
    assert s.weight_keys[0] == "dense/kernel"
    assert s.progress == 1.0
    for a in (s.weights[0], s.batch_loss_curve.x, s.grad_norms):
        with pytest.raises(ValueError):
            a[0] = 1.0                                     # snapshots are immutable


def test_step_advances_exactly_one_batch(qtbot, controller, spiral):
    model, config = spiral_model(), spiral_config()
    before = setup_and_wait(qtbot, controller, model, spiral, config)
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.step_batch()
    s = controller.latest_snapshot
    assert (s.step, s.batch, s.samples_seen, s.state) == (before.step + 1, 1, 10, "paused")
    # the same single batch, trained directly with the core
    ref = Sequential.from_config(model.get_config())
    ref.set_weights(model.get_weights())
    config.compile_model(ref)

    class OneBatch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = True

    fit(ref, spiral, config, epochs=1, callbacks=[OneBatch()])
    for got, want in zip(s.weights, ref.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.step_batch()
    assert controller.latest_snapshot.step == before.step + 2


def test_step_epoch_finishes_the_epoch(qtbot, controller, spiral):
    setup_and_wait(qtbot, controller, spiral_model(), spiral, spiral_config())
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.step_batch()
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.step_epoch()
    s = controller.latest_snapshot
    assert (s.epoch, s.batch, s.step) == (1, 0, s.steps_per_epoch)
    assert len(s.history["loss"]) == 1


def test_reset_restores_fresh_weights(qtbot, controller, spiral):
    model, config = spiral_model(), spiral_config(seed=11)
    setup_and_wait(qtbot, controller, model, spiral, config)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT, check_params_cb=lambda s: s.step > 20):
        controller.train()
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
        controller.reset_weights()
    s = controller.latest_snapshot
    expected = fresh_model(model, config).get_weights()
    assert (s.state, s.step, s.epoch, len(s.batch_loss_curve)) == ("stopped", 0, 0, 0)
    for got, want in zip(s.weights, expected):
        np.testing.assert_array_equal(got, want)
    assert "seed 11" in s.message


def test_learning_rate_and_regularization_apply_mid_training(qtbot, controller, spiral):
    setup_and_wait(qtbot, controller, spiral_model(), spiral, spiral_config())
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT, check_params_cb=lambda s: s.step > 5):
        controller.train()
    controller.set_learning_rate(0.002)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.learning_rate == pytest.approx(0.002)):
        pass
    assert controller.latest_snapshot.state == "running"   # no restart: the next step used it
    controller.set_regularization("l2", 0.5)               # a big penalty pulls the weights in
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.pause()
    norm_before = sum(float(np.sum(w ** 2)) for w in controller.latest_snapshot.weights[::2])
    controller.set_learning_rate(0.05)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT, check_params_cb=lambda s: s.epoch >= 20):
        controller.train()
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.pause()                                 # (a pause's snapshot always carries the weights)
    norm_after = sum(float(np.sum(w ** 2)) for w in controller.latest_snapshot.weights[::2])
    assert norm_after < norm_before


def test_epochs_zero_trains_until_paused_and_epochs_n_stop(qtbot, controller, spiral):
    setup_and_wait(qtbot, controller, spiral_model(), spiral, spiral_config(epochs=0))
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT, check_params_cb=lambda s: s.epoch >= 12):
        controller.train()
    assert controller.latest_snapshot.epochs_target is None and controller.latest_snapshot.eta is None
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.pause()
    # a new run of 3 epochs from here
    e0 = controller.latest_snapshot.epoch
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
        controller.stop()
    controller.set_config(spiral_config(epochs=3))
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
        controller.train()
    s = controller.latest_snapshot
    assert s.epoch == e0 + 3 and s.run_start_epoch == e0 and s.epochs_target == 3


def test_new_batch_size_restarts_the_epoch_and_keeps_running(qtbot, controller, spiral):
    setup_and_wait(qtbot, controller, spiral_model(), spiral, spiral_config())
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT, check_params_cb=lambda s: s.step > 5):
        controller.train()
    controller.set_config(spiral_config(batch_size=25))
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.batch_size == 25 and s.steps_per_epoch == 4):
        pass
    assert controller.latest_snapshot.state == "running"


# ---------------------------------------------------------------------------------------------- divergence
def test_nan_inducing_learning_rate_triggers_divergence(qtbot, controller):
    ds = catalog.load("plane", n_points=200, seed=0, features=["x1", "x2", "x1^2", "x2^2"])
    model = Sequential([Dense(16, activation="relu", input_shape=(4,)), Dense(1)], seed=0)
    config = TrainingConfig(optimizer="sgd", learning_rate=10.0, loss="mean_squared_error", metrics=["mae"],
                            batch_size=10, epochs=0)
    setup_and_wait(qtbot, controller, model, ds, config)
    with qtbot.waitSignal(controller.diverged, timeout=TIMEOUT) as blocker:
        controller.train()
    message = blocker.args[0]
    assert "diverged" in message and ("NaN" in message or "infinite" in message)
    assert "lower learning rate, e.g. 1 instead of 10" in message
    s = controller.latest_snapshot
    assert s.state == "diverged" and controller.state == "diverged" and not controller.is_running
    assert all(np.isfinite(w).all() for w in s.weights)
    # a sane learning rate trains on from the restored weights
    controller.set_learning_rate(0.001)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.state == "running" and s.step > s.steps_per_epoch * 3):
        controller.train()
    assert math.isfinite(controller.latest_snapshot.batch_loss)


def test_a_loss_that_rises_far_above_its_start_pauses_training_once_per_learning_rate(qtbot, controller):
    """SGD at a learning rate of 10 on the spiral never reaches NaN (the sigmoid's cross-entropy is clipped): the loss
    jumps to about 3.5 from 0.69 and stays there, the accuracy at chance. The core's divergence policy pauses it
    with the learning rate to try; Train goes on from there without a second pause at the same learning rate."""
    ds = catalog.load("spiral", n_points=300, seed=0, features=["x1", "x2", "sin(x1)", "sin(x2)"])
    model = Sequential([Dense(8, activation="tanh", input_shape=(4,)), Dense(8, activation="tanh"),
                        Dense(1, activation="sigmoid")], seed=0)
    setup_and_wait(qtbot, controller, model, ds, spiral_config(optimizer="sgd", learning_rate=10.0))
    messages = []
    controller.diverged.connect(messages.append)
    with qtbot.waitSignal(controller.diverged, timeout=TIMEOUT):
        controller.train()
    message = messages[0]
    assert message.startswith("Training diverged: the loss rose to") and "Training was paused" in message
    assert "Try a lower learning rate, e.g. 1 instead of 10." in message
    now, start = (float(v) for v in re.search(r"rose to ([\d.]+) after epoch \d+, against ([\d.]+) when training "
                                              r"started", message).groups())
    assert start < 1.0 < 1.5 * start < now               # where it started: near ln 2, a coin toss
    s = controller.latest_snapshot
    assert s.state == "diverged" and not controller.is_running and s.epoch == 3   # three epochs in a row above
    assert all(np.isfinite(w).all() for w in s.weights)
    epoch = s.epoch
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT, check_params_cb=lambda s: s.epoch >= epoch + 8):
        controller.train()                               # the user's choice: no second pause at this rate
    assert controller.is_running and len(messages) == 1
    controller.pause()


def test_a_healthy_run_gives_no_warning(qtbot, controller, spiral):
    warnings = []
    controller.warned.connect(warnings.append)
    setup_and_wait(qtbot, controller, spiral_model(), spiral, spiral_config(epochs=15))
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
        controller.train()
    assert controller.latest_snapshot.epoch == 15 and warnings == []


def test_the_smoothed_batch_loss_averages_over_about_an_epoch(qtbot, controller):
    """The course's six people train in one batch an epoch: the 20-batch moving average lagged 20 epochs behind, a
    second, slower 'training loss' on the plot. With one batch an epoch there is nothing to smooth."""
    ds = catalog.load("weight_height", scaling="minmax")
    model = Sequential([Dense(3, activation="relu", input_shape=(2,)), Dense(2, activation="softmax")], seed=0)
    config = TrainingConfig(optimizer="adam", learning_rate=0.05, loss="sparse_categorical_crossentropy",
                            batch_size=6, epochs=30)
    setup_and_wait(qtbot, controller, model, ds, config)
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
        controller.train()
    s = controller.latest_snapshot
    assert s.steps_per_epoch == 1 and len(s.batch_loss_curve) == 30
    np.testing.assert_allclose(s.batch_loss_smoothed.y, s.batch_loss_curve.y)


def test_suggested_learning_rate():
    assert suggest_learning_rate(0.03) == pytest.approx(0.003)
    assert suggest_learning_rate(10) == 1
    assert suggest_learning_rate(0.005) == pytest.approx(0.0005)


# ---------------------------------------------------------------------------------------------- robustness
def test_hammering_commands_500_times_ends_cleanly(qtbot, controller, spiral, qtlog):
    setup_and_wait(qtbot, controller, spiral_model(), spiral, spiral_config())
    rng = random.Random(5)
    commands = [controller.train, controller.pause, controller.toggle, controller.step_batch,
                controller.step_epoch, controller.reset_weights, controller.stop]
    for i in range(500):
        rng.choice(commands)()
        if i % 25 == 0:
            qtbot.wait(1)  # let the event loop run now and then, as a user's clicks would
    controller.stop()
    token = controller.sync()
    with qtbot.waitSignal(controller.synced, timeout=30_000, check_params_cb=lambda t: t == token):
        pass  # every command above has been carried out
    assert controller.state == "stopped" and controller.latest_snapshot.state == "stopped"
    # the worker still answers, and exactly
    step = controller.latest_snapshot.step
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.step_batch()
    assert controller.latest_snapshot.step == step + 1
    assert [r for r in qtlog.records if r.type_name in ("QtWarningMsg", "QtCriticalMsg", "QtFatalMsg")] == []


def test_shutdown_mid_training_within_one_second(qtbot, spiral, qtlog):
    c = TrainingController()
    setup_and_wait(qtbot, c, spiral_model(), spiral, spiral_config())
    with qtbot.waitSignal(c.snapshot_ready, timeout=TIMEOUT, check_params_cb=lambda s: s.state == "running"):
        c.train()
    assert c.shutdown() is True                          # the worker ended within shutdown's one-second bound
    assert not c.thread.isRunning()
    assert c.worker._proc.poll() is not None           # the training process has ended
    assert [r for r in qtlog.records if r.type_name in ("QtWarningMsg", "QtCriticalMsg", "QtFatalMsg")] == []


def test_training_that_cannot_run_is_reported_not_fatal(qtbot, controller, spiral):
    wrong = Sequential([Dense(3, activation="sigmoid", input_shape=(5,))], seed=0)   # spiral has 2 inputs
    setup_and_wait(qtbot, controller, wrong, spiral, spiral_config())
    with qtbot.waitSignal(controller.failed, timeout=TIMEOUT) as blocker:
        controller.train()
    assert "Training failed" in blocker.args[0] and "(None, 5)" in blocker.args[0]
    assert controller.latest_snapshot.state == "stopped" and not controller.is_running
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        controller.set_setup(spiral_model(), spiral, spiral_config())
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.step_batch()                          # the worker survived and trains the next setup
    assert controller.latest_snapshot.step == 1


def test_thread_backend_trains_and_pauses(qtbot, spiral):
    c = TrainingController(backend="thread")
    try:
        setup_and_wait(qtbot, c, spiral_model(), spiral, spiral_config())
        with qtbot.waitSignal(c.paused, timeout=TIMEOUT):
            c.step_batch()
        assert c.latest_snapshot.step == 1
        with qtbot.waitSignal(c.snapshot_ready, timeout=TIMEOUT, check_params_cb=lambda s: s.step > 30):
            c.train()
        with qtbot.waitSignal(c.paused, timeout=TIMEOUT):
            c.pause()
    finally:
        assert c.shutdown()


def test_history_from_the_document_continues_the_epoch_count(qtbot, controller, spiral):
    history = {"loss": [0.7, 0.6], "accuracy": [0.5, 0.6]}
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        controller.set_setup(spiral_model(), spiral, spiral_config(), history=history)
    s = controller.latest_snapshot
    assert s.epoch == 2 and list(s.history["loss"].y) == [0.7, 0.6]
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.step_epoch()
    assert list(controller.latest_snapshot.history["loss"].x) == [1, 2, 3]


# ---------------------------------------------------------------------------------------------- curves
def test_series_is_append_only_and_halves_when_full():
    s = Series(2, capacity=8, initial=2)
    views = []
    for i in range(8):
        s.append((i, 10 * i))
        views.append(s.view().copy())
    kept = s.view()
    s.append((8, 80))                         # full: halves into a new buffer
    assert len(s) == 5 and s.stride == 2
    np.testing.assert_array_equal(kept[:, 0], np.arange(8))       # the handed-out view is untouched
    np.testing.assert_allclose(s.view()[:4, 0], [0.5, 2.5, 4.5, 6.5])
    s.extend(np.array([[9, 90], [10, 100]]))
    assert len(s) == 6 and s.view()[-1, 0] == 9.5
