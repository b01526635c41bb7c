"""Issue 18: on a perceptron project the stepper explains the perceptron rule on one sample with its numbers, and
its Apply is the rule (one undo entry), never the backprop stepper's optimizer step."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt

from nnviz.io.project import load_project

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "examples")


@pytest.fixture
def assembled(app_window):
    """The assembled window at 1280 × 720 (the UI tests' shared fixture)."""
    return app_window[0]


def test_the_stepper_shows_the_rule_on_a_perceptron_project_and_apply_is_one_undo_entry(qtbot, assembled):
    window = assembled
    d = window.document
    d.load_project(load_project(os.path.join(EXAMPLES, "perceptron-and.nnviz")))
    ui = window.stepper_ui
    ui.action.trigger()                               # Ctrl+B
    view = ui.perceptron_step
    assert ui.pages.currentWidget() is view and ui.dock.windowTitle() == "Perceptron rule"
    assert ui.stepper.model is None                   # the backprop stepper never steps the perceptron's Dense
    text = view.formula.text()
    # sample 1 = (0, 0), t = 0, from zero weights: z = 0, ŷ = step(0) = 1, a mistake that moves only b
    assert "z = w₁x₁ + w₂x₂ + b = 0·0 + 0·0 + 0 = 0" in text
    assert "ŷ = step(z) = 1" in text and "t − ŷ = 0 − 1 = −1" in text
    assert "b ← b + η (t − ŷ) = 0 + 1·(−1) = −1" in text
    assert "does not change" in text                  # x = 0: the weights stay
    entries = d.undo_stack.count()
    qtbot.mouseClick(view.apply_button, Qt.LeftButton)
    kernel, bias = d.model.get_weights()
    assert kernel[:, 0].tolist() == [0.0, 0.0] and bias.tolist() == [-1.0]
    assert d.undo_stack.count() == entries + 1 and "Perceptron rule on sample 1" in d.undo_stack.undoText()
    assert view.sample.value() == 2                   # on to the next sample
    # sample 2 = (0, 1), t = 0: z = −1, ŷ = 0 = t: no change, nothing to apply
    assert "ŷ = t: no change" in view.formula.text() and not view.apply_button.isEnabled()
    d.undo()
    assert d.model.get_weights()[1].tolist() == [0.0]
    assert "= 0·0 + 0·1 + 0 = 0" in view.formula.text()      # the explanation follows the weights back


def test_the_stepper_goes_back_to_backprop_for_a_network(qtbot, assembled):
    window = assembled
    d = window.document
    d.load_project(load_project(os.path.join(EXAMPLES, "perceptron-xor.nnviz")))
    ui = window.stepper_ui
    assert ui.pages.currentWidget() is ui.perceptron_step
    d.load_project(load_project(os.path.join(EXAMPLES, "xor.nnviz")))
    assert ui.pages.currentWidget() is ui.stepper and ui.stepper.model is d.model
    assert ui.dock.windowTitle() == "Backprop stepper"


def test_after_a_step_sample_the_stepper_shows_the_next_sample_with_the_new_weights(qtbot, assembled):
    window = assembled
    d = window.document
    d.load_project(load_project(os.path.join(EXAMPLES, "perceptron-and.nnviz")))
    ui = window.stepper_ui
    ui.action.trigger()
    controls = window.training_ui.controls
    qtbot.waitUntil(lambda: not window.training_ui._rebuild_pending and controls.action_step_batch.isEnabled())
    with qtbot.waitSignal(window.training_ui.controller.paused, timeout=20000):
        controls.action_step_batch.trigger()          # Ctrl+Right: the rule on sample 1 (b becomes −1)
    view = ui.perceptron_step
    qtbot.waitUntil(lambda: view.sample.value() == 2, timeout=5000)
    assert "= 0·0 + 0·1 + (−1) = −1" in view.formula.text() and "ŷ = t: no change" in view.formula.text()
