"""The training toolbar, driven with real clicks and keys on a main window wired by ``attach_training``."""

from __future__ import annotations

import random

import numpy as np
import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow

from nnviz.core import Dense, Sequential
from nnviz.core.data import catalog
from nnviz.core.training import TrainingConfig
from nnviz.session.worker import fresh_model
from nnviz.ui.training.integration import attach_training
from nnviz.ui.training.standalone import StandaloneDocument

TIMEOUT = 10_000
OFFSCREEN_NOTICE = "does not support propagateSizeHints"  # the offscreen platform's, on dock layout changes


def qt_problems(qtlog):
    return [r.message for r in qtlog.records
            if r.type_name in ("QtWarningMsg", "QtCriticalMsg", "QtFatalMsg") and OFFSCREEN_NOTICE not in r.message]


@pytest.fixture(scope="module")
def spiral():
    return catalog.load("spiral", n_points=200, noise=5, seed=1)


def spiral_model():
    return Sequential([Dense(8, activation="tanh", input_shape=(2,)), Dense(8, activation="tanh"),
                       Dense(1, activation="sigmoid")], seed=3)


def make_window(qtbot, model, dataset, config):
    document = StandaloneDocument(model, dataset, config)
    window = QMainWindow()
    window.setCentralWidget(QLabel("network editor"))
    window.resize(1400, 900)
    qtbot.addWidget(window)
    controller = attach_training(window, document)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        pass  # the worker has the model
    return window, document, controller


@pytest.fixture
def app(qtbot, spiral):
    config = TrainingConfig(optimizer="adam", learning_rate=0.01, loss="binary_crossentropy", batch_size=10,
                            epochs=0, seed=7)
    window, document, controller = make_window(qtbot, spiral_model(), spiral, config)
    yield window, document, controller
    controller.shutdown()


def click(qtbot, window, action_name):
    ui = window.training_ui
    action = next(a for a in ui.controls.actions if a.objectName() == action_name)
    button = ui.controls.toolbar.widgetForAction(action)
    qtbot.mouseClick(button, Qt.LeftButton)


def wait_ticks(qtbot, controller, n):
    for _ in range(n):
        with qtbot.waitSignal(controller.timer.timeout, timeout=TIMEOUT):
            pass


def test_actions_have_object_names_and_space(app):
    window, _doc, _c = app
    names = {a.objectName() for a in window.training_ui.controls.actions}
    assert names == {"actionTrain", "actionStepBatch", "actionStepEpoch", "actionResetWeights", "actionStop"}
    train = window.findChild(type(window.training_ui.controls.action_train), "actionTrain")
    assert train.shortcut().toString() == "Space"


def test_train_then_pause_by_clicks_stops_updates_and_writes_back(qtbot, app):
    window, document, controller = app
    ui = window.training_ui
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.state == "running" and s.epoch >= 3):
        click(qtbot, window, "actionTrain")
    assert ui.controls.action_train.text() == "Pause"
    assert ui.controls.epoch_label.text().startswith("Epoch ")
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        click(qtbot, window, "actionTrain")
    assert ui.controls.action_train.text() == "Train"
    paused = controller.latest_snapshot
    arrived = []
    controller.snapshot_ready.connect(arrived.append)
    wait_ticks(qtbot, controller, 8)
    assert arrived == [] and controller.latest_snapshot.version == paused.version
    # the trained weights and the epochs are back in the document
    for got, want in zip(document.model.get_weights(), paused.weights):
        np.testing.assert_array_equal(got, want)
    assert len(document.history["loss"]) == paused.epoch
    assert document.history["loss"] == pytest.approx(list(paused.history["loss"].y))


def test_space_toggles_training(qtbot, app):
    window, _doc, controller = app
    with qtbot.waitSignal(controller.started, timeout=TIMEOUT):
        qtbot.keyClick(window, Qt.Key_Space)
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        qtbot.keyClick(window, Qt.Key_Space)
    assert controller.state == "paused"


def test_step_button_advances_exactly_one_batch(qtbot, app):
    window, _doc, controller = app
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        click(qtbot, window, "actionStepBatch")
    s = controller.latest_snapshot
    assert (s.step, s.batch, s.samples_seen) == (1, 1, 10)
    assert window.training_ui.controls.step_label.text() == "Step 1"
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        click(qtbot, window, "actionStepBatch")
    assert controller.latest_snapshot.step == 2
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        click(qtbot, window, "actionStepEpoch")
    s = controller.latest_snapshot
    assert (s.epoch, s.batch, s.step) == (1, 0, s.steps_per_epoch)


def test_reset_button_restores_fresh_weights(qtbot, app):
    window, document, controller = app
    architecture = document.model.get_config()
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT, check_params_cb=lambda s: s.epoch >= 2):
        click(qtbot, window, "actionTrain")
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
        click(qtbot, window, "actionResetWeights")
    expected = fresh_model(architecture, document.training_config).get_weights()
    for got, want in zip(controller.latest_snapshot.weights, expected):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(document.model.get_weights(), expected):
        np.testing.assert_array_equal(got, want)
    assert document.history == {}
    assert controller.latest_snapshot.step == 0


def test_xor_at_sgd_10_pauses_with_a_learning_rate_to_try(qtbot, qtlog):
    """The issue's case: XOR at SGD 10 warned and ran to the end; the core's divergence policy pauses it."""
    ds = catalog.load("xor", n_points=500, noise=0.0, train_ratio=50.0, seed=0)
    model = Sequential([Dense(8, activation="tanh", input_shape=(2,)), Dense(1, activation="sigmoid")], seed=1)
    config = TrainingConfig(optimizer="sgd", learning_rate=10.0, loss="binary_crossentropy", batch_size=10,
                            epochs=40)
    window, document, controller = make_window(qtbot, model, ds, config)
    try:
        with qtbot.waitSignal(controller.diverged, timeout=TIMEOUT):
            click(qtbot, window, "actionTrain")
        message = window.training_ui.message
        assert message.isVisible()
        assert "Training diverged: the loss rose to" in message.text() and "Training was paused" in message.text()
        assert "Try a lower learning rate, e.g. 1 instead of 10" in message.text()
        assert controller.state == "diverged" and controller.latest_snapshot.epoch < 40   # not run to the end
        assert window.training_ui.controls.action_train.text() == "Train"
        assert all(np.isfinite(w).all() for w in document.model.get_weights())
        assert qt_problems(qtlog) == []
    finally:
        assert controller.shutdown() is True


def test_nan_learning_rate_shows_the_divergence_message(qtbot):
    ds = catalog.load("plane", n_points=200, seed=0, features=["x1", "x2", "x1^2", "x2^2"])
    model = Sequential([Dense(16, activation="relu", input_shape=(4,)), Dense(1)], seed=0)
    config = TrainingConfig(optimizer="sgd", learning_rate=0.01, loss="mean_squared_error", metrics=["mae"],
                            batch_size=10, epochs=0)
    window, document, controller = make_window(qtbot, model, ds, config)
    try:
        panel = window.training_ui.panel
        panel.lr_spin.lineEdit().selectAll()
        qtbot.keyClicks(panel.lr_spin.lineEdit(), "10")
        qtbot.keyClick(panel.lr_spin.lineEdit(), Qt.Key_Return)
        assert document.training_config.learning_rate == 10.0
        with qtbot.waitSignal(controller.diverged, timeout=TIMEOUT):
            click(qtbot, window, "actionTrain")
        message = window.training_ui.message
        assert message.isVisible()
        assert "diverged" in message.text() and "Try a lower learning rate, e.g. 1 instead of 10" in message.text()
        assert all(np.isfinite(w).all() for w in document.model.get_weights())
        assert window.training_ui.controls.action_train.text() == "Train"
    finally:
        controller.shutdown()


def test_hammering_the_toolbar_500_times(qtbot, app, qtlog):
    window, _doc, controller = app
    rng = random.Random(1)
    names = ["actionTrain", "actionStepBatch", "actionStepEpoch", "actionResetWeights", "actionStop", "space"]
    for _ in range(500):
        name = rng.choice(names)
        if name == "space":
            qtbot.keyClick(window, Qt.Key_Space)
        else:
            click(qtbot, window, name)
    click(qtbot, window, "actionStop")
    token = controller.sync()
    with qtbot.waitSignal(controller.synced, timeout=30_000, check_params_cb=lambda t: t == token):
        pass  # every click above has been carried out
    assert controller.state == "stopped" and window.training_ui.controls.action_train.text() == "Train"
    step = controller.latest_snapshot.step
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        click(qtbot, window, "actionStepBatch")
    assert controller.latest_snapshot.step == step + 1
    assert qt_problems(qtlog) == []


def test_closing_the_window_mid_training_exits_within_a_second(qtbot, spiral, qtlog):
    config = TrainingConfig(optimizer="adam", learning_rate=0.01, loss="binary_crossentropy", batch_size=10,
                            epochs=0)
    window, _doc, controller = make_window(qtbot, spiral_model(), spiral, config)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT, check_params_cb=lambda s: s.epoch >= 2):
        click(qtbot, window, "actionTrain")
    window.close()
    assert controller.shutdown() is True                 # closing shut the worker down: its thread has ended
    assert not controller.thread.isRunning()
    assert controller.worker._proc.poll() is not None
    assert qt_problems(qtlog) == []


def test_training_is_disabled_while_the_document_is_invalid(qtbot, app, spiral):
    window, document, controller = app
    actions = window.training_ui.controls.actions
    assert all(a.isEnabled() for a in actions)
    document.set_model(Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(1, activation="sigmoid")]))
    assert not any(a.isEnabled() for a in actions)
    assert "inputs of shape (3,)" in actions[0].toolTip() and "(2,)" in actions[0].toolTip()
    document.set_model(None)
    assert not any(a.isEnabled() for a in actions)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        document.set_model(spiral_model())
    assert all(a.isEnabled() for a in actions)
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        click(qtbot, window, "actionStepBatch")


def test_learning_rate_edited_while_running_applies_at_once(qtbot, app):
    window, document, controller = app
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT, check_params_cb=lambda s: s.step > 10):
        click(qtbot, window, "actionTrain")
    panel = window.training_ui.panel
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.learning_rate == pytest.approx(0.03)):
        qtbot.keyClick(panel.lr_spin, Qt.Key_Up)  # the ladder's next value after 0.01
    assert document.training_config.learning_rate == pytest.approx(0.03)
    assert panel.lr_slider.value() == panel._lr_to_slider(0.03)
    assert controller.latest_snapshot.state == "running"


def test_progress_bar_and_eta_for_a_run_of_known_length(qtbot, spiral):
    config = TrainingConfig(optimizer="adam", learning_rate=0.01, loss="binary_crossentropy", batch_size=5,
                            epochs=1000)
    window, _doc, controller = make_window(qtbot, spiral_model(), spiral, config)
    try:
        progress = window.training_ui.controls.progress
        frames = []   # what the bar showed after each redraw; connected after the controls, so it sees their update
        controller.timer.timeout.connect(lambda: frames.append((progress.value(), progress.format())))
        with qtbot.waitSignal(controller.stopped, timeout=60_000):
            click(qtbot, window, "actionTrain")
        wait_ticks(qtbot, controller, 2)
        assert progress.value() == 1000 and controller.latest_snapshot.epoch == 1000
        values = [v for v, _ in frames]
        assert values == sorted(values), "the bar never moves backwards"
        midway = [text for v, text in frames if 0 < v < 1000]
        assert midway, f"no redraw caught the run in progress: {frames}"
        assert any("ETA" in text for text in midway)
    finally:
        controller.shutdown()


# ---------------------------------------------------------------------------------------------- the real main window
def test_in_the_main_window_training_feeds_the_document_and_the_neuron_view(qtbot, main_window):
    from PySide6.QtGui import QAction

    window = main_window
    controller = attach_training(window, window.document)
    try:
        ui = window.training_ui
        train = window.findChild(QAction, "actionTrain")
        assert train is ui.controls.action_train and window.actionTrain is train   # the placeholder is gone
        assert window.findChild(QAction, "actionTrainPlaceholder") is None or \
            window.findChild(QAction, "actionTrainPlaceholder") not in window.toolbar.actions()
        assert all(a in window.menu("Training").actions() for a in ui.controls.actions)
        assert all(window.docks.get(name) for name in ("trainingSettingsDock", "trainingCurvesDock",
                                                        "decisionBoundaryDock", "weightsDock"))
        window.set_view_mode("neurons")
        ui.panel.epochs_spin.setValue(0)                                       # until paused
        assert window.document.training_config.epochs == 0
        with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT,
                              check_params_cb=lambda s: s.state == "running" and s.epoch >= 3):
            click(qtbot, window, "actionTrain")
        with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
            click(qtbot, window, "actionTrain")
        snap = controller.latest_snapshot
        document = window.document
        assert len(document.history["loss"]) == snap.epoch
        for got, want in zip(document.model.get_weights(), snap.weights):
            np.testing.assert_array_equal(got, want)
        view = window.neuron_view
        key = snap.weight_keys[0]
        np.testing.assert_array_equal(view._weights[key], snap.weights[0])      # the edges follow training
        thumbs = [n.thumbnail for n in view.neuron_scene.nodes.values()]
        assert thumbs and all(t is not None for t in thumbs)                      # Playground's node pictures
        # an impossible architecture disables training at once
        window.document.remove_layers(list(range(window.document.layer_count())))
        assert not any(a.isEnabled() for a in ui.controls.actions)
        window.document.undo_stack.undo()
        with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
            pass
        assert all(a.isEnabled() for a in ui.controls.actions)
    finally:
        window.ask_save_changes = lambda: "discard"
        window.close()
        assert controller.shutdown() is True and not controller.thread.isRunning()
