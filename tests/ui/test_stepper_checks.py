"""Issue 15 in the stepper widget: predict-then-reveal hides the step's number until a value is typed, and the
numeric check sits beside ∂C/∂w."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from nnviz.core.trace import ForwardUnit, WeightUpdate
from nnviz.ui.stepper import StepperWidget


@pytest.fixture
def stepper(qtbot):
    w = StepperWidget()
    qtbot.addWidget(w)
    w.resize(1200, 700)
    w.open_worked_example()
    w.show()
    return w


def _go(w, kind, unit=None, layer=None):
    for i, s in enumerate(w.trace):
        if isinstance(s, kind) and (unit is None or s.unit == unit) and (layer is None or s.layer_index == layer):
            w.go_to(i)
            return s
    raise AssertionError(kind)


def test_predict_first_hides_the_number_until_a_right_value_is_typed(stepper, qtbot):
    bar = stepper.check_bar
    bar.predict_check.setChecked(True)
    step = _go(stepper, ForwardUnit, unit=1, layer=2)           # z_1^(2) = 1, a_1^(2) = σ(1) = 0.7311
    assert bar.prompt.isVisible() and bar.prompt.text() == "z<sub>1</sub><sup>(2)</sup> = ?"   # z₁⁽²⁾, set as the formula is
    assert "Predict" in stepper.formula.formula.text() and "0.7311" not in stepper.formula.formula.text()
    assert not bar.numeric_button.isEnabled()
    qtbot.keyClicks(bar.answer_edit, "1")
    with qtbot.waitSignal(bar.answered):
        qtbot.mouseClick(bar.check_button, Qt.MouseButton.LeftButton)
    assert bar.prompt.isVisible() and bar.prompt.text() == "a<sub>1</sub><sup>(2)</sup> = ?"            # then the activation
    assert "z<sub>1</sub><sup>(2)</sup> = 1 ✓" in stepper.formula.formula.text() and "0.7311" not in stepper.formula.formula.text()
    assert bar.answer_edit.text() == ""
    qtbot.keyClicks(bar.answer_edit, "0.73")
    qtbot.mouseClick(bar.check_button, Qt.MouseButton.LeftButton)
    assert "Right" in bar.verdict.text() and "#1a7f37" in bar.verdict.text()     # green
    assert "0.7311" in stepper.formula.formula.text()                            # revealed
    assert not bar.prompt.isVisible()
    assert step.a[0] == pytest.approx(0.7310586)


def test_a_wrong_value_shows_the_right_one_and_how_it_was_computed(stepper, qtbot):
    bar = stepper.check_bar
    bar.predict_check.setChecked(True)
    _go(stepper, ForwardUnit, unit=0, layer=2)                  # z_0^(2) = 0, a_0^(2) = σ(0) = 0.5
    qtbot.keyClicks(bar.answer_edit, "0")
    qtbot.keyClick(bar.answer_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(bar.answer_edit, "0.6")
    qtbot.keyClick(bar.answer_edit, Qt.Key.Key_Return)
    text = bar.verdict.text()
    assert "Not quite" in text and "0.5" in text and "z<sub>0</sub><sup>(2)</sup>" in text
    bar.predict_check.setChecked(False)
    _go(stepper, ForwardUnit, unit=1, layer=1)
    assert not bar.prompt.isVisible() and not bar.verdict.isVisible()


def test_the_numeric_check_beside_a_weight_and_its_layer(stepper, qtbot):
    bar = stepper.check_bar
    _go(stepper, WeightUpdate, layer=2)
    assert bar.numeric_button.isEnabled()
    qtbot.mouseClick(bar.numeric_button, Qt.MouseButton.LeftButton)
    assert "relative difference" in bar.numeric_label.text() and "✓" in bar.numeric_label.text()
    qtbot.mouseClick(bar.layer_button, Qt.MouseButton.LeftButton)
    assert "Layer 2: 6 weights" in bar.numeric_label.text() and "all agree" in bar.numeric_label.text()


def test_the_stepper_continues_the_optimizer_state_training_left(make_main_window, qtbot):
    """Issue 15: after training, the stepper showed t = 1 and m = v = 0 (a fresh optimizer); its state now
    comes out of the training process with the weights, and an applied step goes back into it."""
    from nnviz.ui.stepper.integration import attach_stepper
    from nnviz.ui.training.integration import attach_training

    w = make_main_window()
    doc = w.document
    controller = attach_training(w, doc, backend="thread")
    try:
        ui = attach_stepper(w, doc, controller)
        with qtbot.waitSignal(controller.snapshot_ready, timeout=30_000):
            pass   # the worker has the model
        for _ in range(5):
            with qtbot.waitSignal(controller.paused, timeout=30_000):
                controller.step_batch()
        qtbot.waitUntil(lambda: doc.model.optimizer.iterations == 5, timeout=10_000)
        ui.open()
        stepper = ui.stepper
        stepper.set_granularity("unit")
        stepper.last()
        update = next(s for s in stepper.trace if isinstance(s, WeightUpdate))
        assert update.iteration == 6 and any(v != 0 for v in update.state_before.values())   # t, m, v continue
        with qtbot.waitSignal(doc.weights_changed):
            qtbot.mouseClick(stepper.apply_button, Qt.MouseButton.LeftButton)
        assert doc.model.optimizer.iterations == 6
        token = controller.sync()
        with qtbot.waitSignal(controller.synced, timeout=30_000, check_params_cb=lambda t: t == token):
            pass
        with qtbot.waitSignal(controller.paused, timeout=30_000):
            controller.step_batch()
        qtbot.waitUntil(lambda: controller.latest_snapshot is not None
                        and controller.latest_snapshot.optimizer_state is not None
                        and int(controller.latest_snapshot.optimizer_state["iterations"]) == 7, timeout=10_000)
    finally:
        controller.shutdown()


def test_the_main_canvas_follows_the_stepper_in_its_neuron_view(make_main_window, qtbot):
    from nnviz.ui.stepper.integration import attach_stepper

    w = make_main_window()
    ui = attach_stepper(w, w.document)
    assert w.view_mode() == "layers"
    ui.open()
    qtbot.waitUntil(ui.dock.isVisible)
    assert w.view_mode() == "neurons"                           # the units the stepper is on, on the canvas
    ui.stepper.jump_to_phase("backward")
    step = ui.stepper.current_step
    want = {(n.layer, n.unit) for n in step.highlights.nodes if n.unit is not None}
    assert want and all(w.neuron_view.node_item(n).highlighted for n in want)
    ui.dock.hide()
    assert w.view_mode() == "layers"                            # back to what it was
