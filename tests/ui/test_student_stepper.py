"""The stepper as a student following the course meets it: Predict first's bar keeps the control bar to two lines,
the first step does not give its answer away, the questions read in the course's notation, and the folded
"More ▾" menu says which group each choice belongs to."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QWidgetAction

from nnviz.core.trace import ForwardUnit
from nnviz.ui import zoom
from nnviz.ui.stepper import StepperWidget
from tests.ui.test_stepper_175 import bar_lines


@pytest.fixture(autouse=True)
def _back_to_100():
    yield
    zoom.set_zoom(1.0)


@pytest.fixture
def stepper(qtbot):
    w = StepperWidget()
    qtbot.addWidget(w)
    w.resize(1240, 760)   # (the size the stepper floats at the first time on a real screen)
    w.open_worked_example()
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.mark.parametrize("width", [1900, 1240, 1100, 980])
def test_with_predict_first_the_control_bar_keeps_to_two_lines_at_100_percent(stepper, qtbot, width):
    """At 1240 px the bar took three lines without Predict first and four with it; 980 px is the stepper beside the
    Lessons dock on a 1280-wide screen, where lesson 07 asks its questions."""
    bar = stepper.check_bar
    stepper.resize(width, 760)
    qtbot.waitUntil(lambda: bar_lines(stepper) <= 2)
    bar.predict_check.setChecked(True)
    assert bar.prompt.isVisible() and bar.answer_edit.isVisible()
    qtbot.waitUntil(lambda: bar_lines(stepper) <= 2)
    for w in (bar.answer_edit, bar.check_button, bar.reveal_button, stepper.next_button, stepper.prev_button,
              stepper.apply_button, stepper.play_button):
        assert w.isVisible() and w.width() > w.fontMetrics().horizontalAdvance(w.text()), w.objectName()
        assert stepper.rect().contains(w.mapTo(stepper, w.rect().bottomRight())), w.objectName()
    if width >= 1900:
        assert not stepper.controls.folded   # wide enough: everything on the bar
    stepper.next()   # the next question: the bar stays as it is
    qtbot.waitUntil(lambda: bar_lines(stepper) <= 2)


def test_the_fold_is_the_same_whichever_way_the_step_was_reached(stepper, qtbot):
    """The position label's "· Apply at the end" once made the bar fold on the way back and not on the way there."""
    stepper.resize(1000, 760)
    states = []
    for i in (3, 4, 3, 4, 3):
        stepper.go_to(i)
        states.append((i, stepper.controls.fold_level, stepper.position_label.text()))
    assert states[0] == states[2] == states[4] and states[1] == states[3]


def test_predicting_the_first_step_does_not_show_its_answer_in_the_table_or_the_diagram(stepper, qtbot):
    """Step 1 asks z_0^(1) of the worked example (= 1): the table and the diagram showed z = 1 and a = 1 beside
    the question (later steps were masked, the first was not)."""
    stepper.check_bar.predict_check.setChecked(True)
    stepper.go_to(0)
    step = stepper.trace[0]
    assert isinstance(step, ForwardUnit) and stepper.session.question().quantity == "z"
    rows = {(r[0].split(" ")[0], r[1]): r for r in stepper.table.cell_texts()}
    assert rows[("1", "0")][2:4] == ["–", "–"] or all(c in ("", "–") for c in rows[("1", "0")][2:4]), rows
    assert stepper.diagram.nodes[(1, 0)].value is None
    assert "1 ✓" not in stepper.formula.formula.text()
    # typed right, the z is shown, the a still asked
    stepper.check_bar.answer_edit.setText("1")
    stepper.check_bar.check_button.click()
    assert stepper.session.question().quantity == "a"
    assert "z<sub>0</sub><sup>(1)</sup> = 1 ✓" in stepper.formula.formula.text()


def test_the_question_and_the_verdict_read_in_the_courses_notation(stepper):
    bar = stepper.check_bar
    bar.predict_check.setChecked(True)
    stepper.go_to(0)
    assert bar.prompt.text() == "z<sub>0</sub><sup>(1)</sup> = ?"   # z₀⁽¹⁾, not "z_0^(1)"
    bar.answer_edit.setText("1.5")
    bar.check_button.click()
    text = bar.verdict.text()
    assert "Not quite" in text and "z<sub>0</sub><sup>(1)</sup>" in text and "z_0^(1)" not in text


def test_the_more_menu_shows_a_heading_over_each_group(stepper, qtbot):
    """QMenu's sections are not drawn by Fusion: the eleven choices read as one list. Each group now has a bold
    label over it, which the keyboard passes over."""
    zoom.set_zoom(1.75)
    stepper.resize(1000, 700)
    c = stepper.controls
    qtbot.waitUntil(lambda: c.folded)
    c.more_menu.aboutToShow.emit()
    actions = c.more_menu.actions()
    headings = [a for a in actions if isinstance(a, QWidgetAction)]
    assert [a.text() for a in headings][:2] == ["Steps", "Check"] and headings[-1].text() == "Playing speed"
    for a in headings:
        label = a.defaultWidget()
        assert isinstance(label, QLabel) and label.text() == a.text() and label.font().bold()
    order = [a.text() for a in actions if not a.isSeparator()]
    assert order.index("Steps") < order.index("Unit by unit") < order.index("Check") < order.index("Numeric check") \
        < order.index("Playing speed") < order.index("2 steps/s")
    assert all(a.isVisible() for a in headings)


def test_folded_to_the_last_level_the_phases_are_in_the_more_menu(stepper, qtbot):
    stepper.resize(800, 700)
    stepper.check_bar.predict_check.setChecked(True)
    c = stepper.controls
    qtbot.waitUntil(lambda: c.fold_level >= 3)
    assert not c.jump_group.isVisible()
    c.more_menu.aboutToShow.emit()
    jump = {a.text(): a for a in c.more_menu.actions()}
    assert "Jump to" in jump
    jump["Backward"].trigger()
    assert stepper.current_step.phase == "backward"


def test_zoomed_in_the_answer_field_shows_its_placeholder_whole(stepper, qtbot):
    """At 175 % a fixed 110 px field read "your v…" in front of the class."""
    bar = stepper.check_bar
    bar.predict_check.setChecked(True)
    zoom.set_zoom(1.75)
    stepper.resize(1280, 700)
    edit = bar.answer_edit
    qtbot.waitUntil(lambda: edit.font().pointSizeF() > 0 and edit.isVisible()
                    and edit.width() >= edit.fontMetrics().horizontalAdvance("your value") + 8)


def test_a_weights_question_reads_new_w_as_the_course_says_it(stepper):
    """"w_01^(2) after the update = ?" took a line of its own on a projector; the course says "new weight"."""
    bar = stepper.check_bar
    bar.predict_check.setChecked(True)
    stepper.go_to(stepper.session.ask("weight"))
    q = stepper.session.question()
    assert q.quantity == "weight" and bar.prompt.text().startswith("new w<sub>") and bar.prompt.text().endswith("= ?")
    assert bar.prompt.toolTip() == q.symbol


def test_question_after_question_the_bar_does_not_rearrange_back_and_forth(stepper, qtbot):
    """A long question folded the bar further, the next short one unfolded it: Apply and the phases jumped between
    lines at every Next. While Predict first asks, at one width, the bar only folds further; turned off, it unfolds."""
    stepper.resize(985, 760)   # beside the Lessons dock at 1280 px
    bar = stepper.check_bar
    bar.predict_check.setChecked(True)
    levels = []
    for i in range(len(stepper.trace)):
        stepper.go_to(i)
        levels.append(stepper.controls.fold_level)
        assert bar_lines(stepper) <= 3
    assert levels == sorted(levels), levels
    bar.predict_check.setChecked(False)
    qtbot.waitUntil(lambda: stepper.controls.fold_level < levels[-1] or levels[-1] <= 2)
