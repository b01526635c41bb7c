"""Lessons played as a student: what the checks say reads as the window says it, a "look at this view" step is
done only once the student has it in front, and the backprop lesson's stepper asks without giving the answer
away and updates with the course's rule."""

from __future__ import annotations

from PySide6.QtWidgets import QGraphicsSimpleTextItem

from nnviz.core.lessons import DONE, OPEN, AppState
from nnviz.core.lessons.checks import KINDS
from nnviz.core.trace import WeightUpdate, format_number


def at_open_predict(window):
    """Lesson 04 started and at its last step, "Open Predict": ``(lessons UI, Predict dock)``."""
    ui = window.lessons_ui
    ui.open()
    ui.start("04-data-splits")
    ui.next()
    ui.next()
    assert ui.session.step.check.kind == "view"
    return ui, window.docks["predictDock"][0]


def on_screen(dock) -> bool:
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def test_a_views_step_is_done_only_when_the_view_is_in_front_and_says_its_name(app_window, qtbot):
    """Lesson 04's last step, "Open Predict": the Predict dock tabbed behind another counted as open, so the step
    was done before the student did anything, and the message named it 'predictDock'."""
    window, _ = app_window
    ui, predict = at_open_predict(window)
    qtbot.waitUntil(lambda: "Not yet" in ui.panel.status.text())
    assert "Predict is not open" in ui.panel.status.text() and "predictDock" not in ui.panel.status.text()
    predict.show()
    predict.raise_()   # the student clicks its tab
    qtbot.waitUntil(lambda: ui.evaluate() or "✓ Done" in ui.panel.status.text())
    assert "Predict is open" in ui.panel.status.text()
    ui.leave()



def test_show_me_opens_predict_below_the_lesson_and_leaving_puts_it_back(app_window, qtbot):
    """A lesson's "Show me" that opens a view sharing the Lessons dock's tabs puts it below the lesson instead of in
    front of it (lessons 04 and 09: the lesson disappeared behind Predict and its "✓ Done" was seen only after
    clicking back); leaving the lesson puts the view back among the tabs."""
    window, _ = app_window
    ui, predict = at_open_predict(window)
    window.tabifyDockWidget(ui.dock, predict)   # as the default layout has it: a tab beside Lessons
    ui.dock.raise_()
    qtbot.waitUntil(lambda: on_screen(ui.dock) and not on_screen(predict))
    ui.show_me()
    qtbot.waitUntil(lambda: on_screen(predict))
    assert on_screen(ui.dock)                          # the lesson stays in view beside it
    assert ui.dock not in window.tabifiedDockWidgets(predict)
    qtbot.waitUntil(lambda: "✓ Done" in ui.panel.status.text())
    ui.leave()
    assert ui.dock in window.tabifiedDockWidgets(predict)

def test_check_messages_read_numbers_as_the_student_would_write_them():
    """Lesson 08 said "params is 6.877e+04 (wanted == 68770.0)"."""
    fn = KINDS["architecture"][0]
    r = fn(AppState(params=68770), "params", "==", 68770.0)
    assert r.status == DONE and r.message == "params is 68,770 (wanted 68,770)"
    r = KINDS["metric"][0](AppState(history={"accuracy": [0.5, 0.9333]}), "accuracy", ">=", 0.95)
    assert r.status == OPEN and r.message == "accuracy after epoch 2 is 0.9333 (wanted ≥ 0.95)"


def test_a_wrong_prediction_says_how_to_go_on_and_counts_read_as_words():
    fn = KINDS["stepper"][0]
    wrong = [{"quantity": "z", "correct": False}]
    r = fn(AppState(stepper_answers=wrong), "z", 1)
    assert r.status == OPEN and "0 of 1 weighted sum z predicted right" in r.message
    assert "(s)" not in r.message and "step on in the stepper" in r.message
    r = fn(AppState(stepper_answers=wrong + [{"quantity": "z", "correct": True}] * 2), "z", 2)
    assert r.status == DONE and r.message == "2 weighted sums z predicted right"


def test_the_backprop_lesson_updates_with_the_courses_rule_and_hides_the_new_weight(app_window, qtbot):
    """Lesson 07 says the update is w ← w − η·∂C/∂w, but the example trained with Adam (m, v, α in the stepper);
    asked for a weight after the update, the diagram's line said "0.3 → 0.3": the answer."""
    window, _ = app_window
    ui = window.lessons_ui
    ui.open()
    ui.start("07-backprop-by-hand")
    qtbot.waitUntil(lambda: "✓ Done" in ui.panel.status.text())
    stepper = window.stepper_ui.stepper
    assert window.document.training_config.optimizer == "sgd"
    stepper.check_bar.predict_check.setChecked(True)
    at = stepper.session.ask("weight")
    stepper.go_to(at)
    step = stepper.current_step
    assert isinstance(step, WeightUpdate) and stepper.session.question().quantity == "weight"
    labels = [i.text() for i in stepper.diagram.network_scene.items() if isinstance(i, QGraphicsSimpleTextItem)]
    assert f"{format_number(step.old, 3)} → ?" in labels
    assert not any(t.endswith(f"→ {format_number(step.new, 3)}") for t in labels), labels
    stepper.check_bar.reveal_button.click()
    assert "m ←" not in stepper.formula.html() and "η" in stepper.formula.html()
    ui.leave()


def test_presenting_the_backprop_lesson_at_175_percent_keeps_the_window_on_a_1280_projector(app_window, qtbot):
    """The lesson's title box (sized to the longest title) made the Lessons dock 729 px wide at 175 %, the stepper's
    sample row 861 px: the window grew to 1591 px, past the projector. The amber frame stayed a line below the answer
    field once the bar re-folded."""
    from nnviz.ui import zoom
    from tests.ui.test_polish_1280 import _compact

    window, _ = app_window
    try:
        _compact(window, qtbot, 1.75)
        ui = window.lessons_ui
        ui.open()
        ui.start("07-backprop-by-hand")
        ui.next()
        window.resize(1280, 720)
        edit = window.stepper_ui.stepper.check_bar.answer_edit
        frame = ui.highlight
        qtbot.waitUntil(lambda: window.width() <= 1280 and edit.isVisible() and frame.isVisible())
        qtbot.waitUntil(lambda: frame.geometry().contains(edit.mapTo(window, edit.rect().center())))
        progress = ui.panel.progress
        assert progress.width() >= progress.fontMetrics().horizontalAdvance(progress.text())
        ui.leave()
    finally:
        window.set_ui_zoom(1.0, remember=False)
        zoom.set_zoom(1.0)
