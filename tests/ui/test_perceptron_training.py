"""Issue 18's perceptron in the app's training path: the main Train / Step / Reset run Rosenblatt's rule in the
training engine (never SGD), the Perceptron dock draws it, a run is one undo entry."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nnviz.io.project import load_project

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "examples")


@pytest.fixture
def assembled(app_window):
    """The assembled window at 1280 × 720 (the UI tests' shared fixture)."""
    return app_window[0]


def _open(window, qtbot, name):
    window.document.load_project(load_project(os.path.join(EXAMPLES, name + ".nnviz")))
    ui = window.training_ui
    qtbot.waitUntil(lambda: not ui._rebuild_pending and ui.controls.action_train.isEnabled())
    return ui


def _kernel_bias(window):
    kernel, bias = window.document.model.get_weights()
    return kernel[:, 0].tolist(), float(bias[0])


def test_train_button_on_and_converges_with_the_rule_and_is_one_undo_entry(qtbot, assembled):
    window = assembled
    ui = _open(window, qtbot, "perceptron-and")
    view = window.perceptron_view
    assert view.active and view.train_button.isEnabled() and window.perceptron_dock.isVisible()
    entries = window.document.undo_stack.count()
    with qtbot.waitSignal(ui.controller.stopped, timeout=20000):
        view.train_button.click()                 # the dock's Train is the toolbar's action
    qtbot.waitUntil(lambda: bool(window.document.history.get("mistakes")), timeout=5000)
    history = window.document.history
    # the rule from zero weights, samples in order: 2, 3, 3, 2, 1 mistakes, then an epoch without one
    assert history["mistakes"] == [2, 3, 3, 2, 1, 0]
    assert "loss" not in history                  # no optimizer's loss: the perceptron minimises none
    assert _kernel_bias(window) == ([2.0, 1.0], -3.0)
    assert "Converged" in view.outcome.text() and "epoch 6 had no mistake" in view.outcome.text()
    assert list(view.bars.opts["height"]) == [2, 3, 3, 2, 1, 0]
    xs, ys = view.lines[0].getData()
    np.testing.assert_allclose(2 * xs + 1 * ys - 3, 0, atol=1e-9)       # the line drawn is w·x + b = 0
    assert window.document.undo_stack.count() == entries + 1
    assert window.document.undo_stack.undoText().startswith("Train")
    window.document.undo()
    assert _kernel_bias(window) == ([0.0, 0.0], 0.0) and not window.document.history.get("mistakes")
    assert view.bars.opts["height"].size == 0


def test_train_on_xor_stops_and_says_no_straight_line_separates_the_classes(qtbot, assembled):
    window = assembled
    ui = _open(window, qtbot, "perceptron-xor")
    with qtbot.waitSignal(ui.controller.stopped, timeout=20000):
        ui.controls.action_train.trigger()        # Space / the toolbar
    view = window.perceptron_view
    assert "No straight line separates these classes" in view.outcome.text()
    assert "came back to where an earlier epoch began" in view.outcome.toolTip()
    assert ui.controller.latest_snapshot.epoch < 10          # it stops by itself, long before the 50 epochs
    mistakes = window.document.history["mistakes"]
    assert all(m > 0 for m in mistakes)


def test_step_sample_is_one_sample_of_the_rule(qtbot, assembled):
    window = assembled
    ui = _open(window, qtbot, "perceptron-and")
    view = window.perceptron_view
    with qtbot.waitSignal(ui.controller.paused, timeout=20000):
        view.step_button.click()
    snap = ui.controller.latest_snapshot
    assert snap.step == 1 and snap.batch == 1
    # w = 0: at (0, 0) z = 0, ŷ = step(0) = 1 but t = 0: b ← 0 + 1·(0 − 1) = −1, w unchanged
    qtbot.waitUntil(lambda: _kernel_bias(window) == ([0.0, 0.0], -1.0), timeout=5000)
    assert "sample 1 of 4" in view.outcome.text()
    with qtbot.waitSignal(ui.controller.paused, timeout=20000):
        view.epoch_button.click()                 # the rest of the epoch: (1, 1) is the second mistake
    qtbot.waitUntil(lambda: _kernel_bias(window) == ([1.0, 1.0], 0.0), timeout=5000)
    assert window.document.history["mistakes"] == [2]


def test_perceptron_dock_waits_for_a_perceptron_project(qtbot, assembled):
    view = assembled.perceptron_view
    assert not view.active and not view.train_button.isEnabled() and not view.step_button.isEnabled()
    assert "Perceptron: AND" in view.status.text()
