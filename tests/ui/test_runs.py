"""Runs you can undo, rewind and compare (issue 16), driven on a real main window with real training."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from nnviz.ui.training.integration import attach_training

TIMEOUT = 20_000


def click(qtbot, window, name):
    action = window.findChild(QAction, name)
    assert action is not None and action.isEnabled(), name
    action.trigger()


def state_of(document) -> dict:
    """What the user would notice: weights, optimizer state, curves, configuration."""
    opt = document.optimizer_state
    return {
        "weights": {k: v.copy() for k, v in document.weights().items()},
        "optimizer": None if opt is None else {k: np.array(v, copy=True) for k, v in opt.items()},
        "history": {k: list(v) for k, v in document.history.items()},
        "test_history": {k: list(v) for k, v in document.test_history.items()},
        "layers": document.layer_configs(),
        "dataset": document.dataset_spec,
    }


def assert_state(document, want: dict, where: str) -> None:
    got = state_of(document)
    assert got["layers"] == want["layers"], where
    assert got["dataset"] == want["dataset"], where
    assert got["weights"].keys() == want["weights"].keys(), where
    for k in want["weights"]:
        np.testing.assert_array_equal(got["weights"][k], want["weights"][k], err_msg=f"{where}: {k}")
    assert (got["optimizer"] is None) == (want["optimizer"] is None), where
    if want["optimizer"] is not None:
        assert got["optimizer"].keys() == want["optimizer"].keys(), where
        for k in want["optimizer"]:
            np.testing.assert_array_equal(got["optimizer"][k], want["optimizer"][k], err_msg=f"{where}: {k}")
    assert got["history"] == want["history"], where
    assert got["test_history"] == want["test_history"], where


@pytest.fixture
def trained_window(qtbot, main_window):
    window = main_window
    controller = attach_training(window, window.document)
    yield window, controller
    window.ask_save_changes = lambda: "discard"
    controller.shutdown()


def train_epochs(qtbot, window, controller, epochs: int) -> None:
    """Train ``epochs`` epochs from where the network is, and wait for the run to end."""
    window.training_ui.panel.epochs_spin.setValue(epochs)
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
        click(qtbot, window, "actionTrain")


def settle(qtbot, controller):
    """Every command sent so far carried out, and the views' set-up done."""
    with qtbot.waitSignal(controller.synced, timeout=TIMEOUT):
        qtbot.wait(0)   # the training docks send their new set-up from the event loop
        controller.sync()


def test_undo_and_redo_walk_a_mixed_sequence_of_training_edits_reset_data_and_a_step(qtbot, trained_window):
    window, controller = trained_window
    d = window.document
    ui = window.training_ui
    stack = d.undo_stack
    states = [state_of(d)]

    # 1. a finished run: one undo entry, weights, optimizer state and curves after it
    train_epochs(qtbot, window, controller, 4)
    qtbot.waitUntil(lambda: stack.count() == 1, timeout=TIMEOUT)
    assert stack.text(0) == "Train 4 epochs"
    assert len(d.history["loss"]) == 4 and d.optimizer_state is not None and d.test_history.get("loss")
    assert len(d.runs) == 1 and d.runs.runs[0].checkpoints[0][0] == 0.0 and d.runs.runs[0].checkpoints[-1][0] == 4.0
    states.append(state_of(d))

    # 2. an edit while training: the run stops and becomes its own entry, with its weights, then the edit
    settle(qtbot, controller)
    ui.panel.epochs_spin.setValue(0)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.state == "running" and s.epoch >= 7):
        click(qtbot, window, "actionTrain")
    seen = controller.latest_snapshot
    d.set_layer_option(0, "activation", "relu")
    assert stack.count() == 3 and stack.text(1).startswith("Train")
    assert len(d.history["loss"]) >= 7 and d.history["loss"][:4] == states[1]["history"]["loss"]
    stack.setIndex(2)   # (look at the trained state inside the entry): where the edit paused the engine
    snap = controller.worker.latest_snapshot
    assert snap.state == "paused" and snap.step >= seen.step
    np.testing.assert_array_equal(d.weights()[snap.weight_keys[0]], snap.weights[0])
    assert int(d.optimizer_state["iterations"]) == snap.step   # Adam's state of those weights, not of older ones
    states.append(state_of(d))
    stack.setIndex(3)
    states.append(state_of(d))
    settle(qtbot, controller)

    # 3. Reset weights (Ctrl+R): no dialog, one entry, fresh weights and no curves
    click(qtbot, window, "actionResetWeights")
    assert stack.count() == 4 and stack.text(3) == "Reset weights"
    assert d.history == {} and d.optimizer_state is None
    states.append(state_of(d))
    settle(qtbot, controller)

    # 4. switching the data set
    d.set_dataset({"name": "spiral", "params": {}})
    assert stack.count() == 5 and d.dataset_spec["name"] == "spiral"
    states.append(state_of(d))

    # 5. the stepper's Apply through the document
    stepped = {k: v + 0.5 for k, v in d.weights().items()}
    d.apply_training_step(stepped, "Apply step")
    assert stack.count() == 6
    states.append(state_of(d))
    settle(qtbot, controller)

    for index in range(6, -1, -1):          # undo everything, one by one ...
        stack.setIndex(index)
        assert_state(d, states[index], f"after undo to {index}")
    for index in range(7):                  # ... and redo it
        stack.setIndex(index)
        assert_state(d, states[index], f"after redo to {index}")


def test_after_an_undo_the_test_curve_and_test_loss_stay(qtbot, trained_window):
    window, controller = trained_window
    d = window.document
    ui = window.training_ui
    train_epochs(qtbot, window, controller, 3)
    settle(qtbot, controller)
    train_epochs(qtbot, window, controller, 3)
    qtbot.waitUntil(lambda: d.undo_stack.count() == 2, timeout=TIMEOUT)
    settle(qtbot, controller)
    d.undo()                                           # back to the end of the first run
    assert len(d.history["loss"]) == 3
    settle(qtbot, controller)
    qtbot.waitUntil(lambda: ui.curves.test_loss.xData is not None and len(ui.curves.test_loss.xData) > 0,
                    timeout=TIMEOUT)
    assert "–" not in ui.curves.figures.text().split("Test loss")[1][:20]   # a number, not a dash
    snap = controller.latest_snapshot
    assert np.isfinite(snap.test_loss)


def test_rewind_to_an_epoch_and_runs_survive_save_and_reopen(qtbot, trained_window, tmp_path):
    from nnviz.io.project import load_project, save_project

    window, controller = trained_window
    d = window.document
    train_epochs(qtbot, window, controller, 6)
    qtbot.waitUntil(lambda: d.undo_stack.count() == 1, timeout=TIMEOUT)
    run = d.runs.runs[0]
    start = run.checkpoints[0][1]
    at = d.rewind(0)                                    # back to the start of the run: undoable
    assert at == 0.0 and d.history == {}
    for k, v in start.items():
        np.testing.assert_array_equal(d.weights()[k], v)
    d.undo()
    assert len(d.history["loss"]) == 6

    path = str(tmp_path / "runs.nnviz")
    save_project(path, d.to_project())
    project = load_project(path)
    assert [r.run_id for r in project.runs] == [run.run_id] and project.warnings == []
    again = project.runs[0]
    assert again.history == run.history and again.settings() == run.settings()
    assert [e for e, _ in again.checkpoints] == [e for e, _ in run.checkpoints]
    for (_, a), (_, b) in zip(again.checkpoints, run.checkpoints):
        for k in b:
            np.testing.assert_array_equal(a[k], b[k])


def test_slow_motion_shows_every_batch_and_lights_up_its_points(qtbot, trained_window):
    window, controller = trained_window
    ui = window.training_ui
    ui.speed.setCurrentIndex(ui.speed.findText("10 batches/s"))
    assert controller.speed == 10.0
    ui.panel.epochs_spin.setValue(0)
    steps = []
    controller.snapshot_ready.connect(lambda s: steps.append(s.step))
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.state == "running" and s.step >= 4):
        click(qtbot, window, "actionTrain")
    assert sorted(set(steps))[:4] == [1, 2, 3, 4] or set(range(2, 5)) <= set(steps)   # one snapshot a batch
    snap = controller.latest_snapshot
    batch = window.document.training_config.batch_size
    qtbot.waitUntil(lambda: len(ui.boundary.batch_points.data) == min(batch, len(window.document.dataset.x_train)),
                    timeout=TIMEOUT)
    assert snap.batch_x is not None
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        click(qtbot, window, "actionTrain")
    ui.speed.setCurrentIndex(0)
    assert controller.speed == 0.0


def test_the_runs_panel_compares_ticked_runs_and_runs_again_with_one_setting_changed(qtbot, trained_window, tmp_path):
    window, controller = trained_window
    d = window.document
    panel = window.runs_panel
    for lr in (0.01, 0.3):
        cfg = d.training_config.to_dict()
        cfg.update(learning_rate=lr, epochs=3)
        from nnviz.core.training import TrainingConfig
        d.set_training_config(TrainingConfig.from_dict(cfg))
        settle(qtbot, controller)
        d.reset_weights()
        settle(qtbot, controller)
        with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
            click(qtbot, window, "actionTrain")
        settle(qtbot, controller)
    assert panel.table.rowCount() == 2
    cols = panel.columns()
    lr_col = cols.index("lr")
    assert panel.table.item(0, lr_col).toolTip() == "differs between the runs"      # highlighted
    assert panel.table.item(0, cols.index("data")).toolTip() == ""
    panel.set_ticked([r.run_id for r in d.runs])
    overlay = window.run_overlay
    assert len(overlay.legend.items) == 2
    assert [label.text for _sample, label in overlay.legend.items] == ["lr 0.01", "lr 0.3"]
    assert "lr 0.01" in panel.summary.text() and "lr 0.3" in panel.summary.text()
    panel.table.sortItems(lr_col, Qt.DescendingOrder)                                 # sortable by number
    assert panel.table.item(0, lr_col).text() == "0.3"
    panel.export_csv(str(tmp_path / "runs.csv"))
    assert (tmp_path / "runs.csv").read_text().count("\n") == 3
    # run again with one setting changed, in one action
    panel.table.selectRow(0)
    first = panel.selected_run()
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
        panel.run_again_requested.emit(first, "learning_rate", 0.1)
    qtbot.waitUntil(lambda: len(d.runs) == 3, timeout=TIMEOUT)
    assert d.runs.runs[-1].settings()["lr"] == 0.1 and d.runs.runs[-1].epochs == 3


def test_the_landscape_is_computed_in_the_background_around_the_runs_path(qtbot, trained_window):
    window, controller = trained_window
    d = window.document
    view = window.landscape_view
    train_epochs(qtbot, window, controller, 5)
    qtbot.waitUntil(lambda: d.undo_stack.count() == 1, timeout=TIMEOUT)
    with qtbot.waitSignal(view.computed, timeout=60_000):
        assert view.compute(d)
        assert view._thread is not None and view._thread.isRunning()   # not on the GUI thread
    land = view.landscape
    assert land.kind == "pca" and land.loss.shape == (33, 33) and np.isfinite(land.loss).all()
    assert len(land.path) == len(d.runs.runs[0].checkpoints)
    assert "principal directions" in view.status.text()
