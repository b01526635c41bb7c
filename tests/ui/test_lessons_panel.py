"""The Lessons dock in the assembled window: Help ▸ Lessons, steps that open examples and point at controls, live
checks with a visible "done", a hint after a while, "show me", progress remembered, a broken lesson file named
with its line, and training started by a lesson that the check then reads."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from nnviz.core.trace import format_number
from nnviz.io.classroom import LOCKED, ClassroomSettings
from nnviz.ui.lessons_panel import LessonsUI, step_html
from nnviz.ui.stepper.formula_view import template_html
from tests.ui.test_loose_ends import TIMEOUT


def test_help_lessons_opens_the_dock_with_every_lesson(app_window, qtbot):
    window, _ = app_window
    ui = window.lessons_ui
    assert not ui.dock.isVisible()
    action = window.findChild(QAction, "actionLessons")
    assert action in window.menu("Help").actions()
    action.trigger()
    qtbot.waitUntil(ui.dock.isVisible)
    combo = ui.panel.lesson_combo
    assert combo.count() == len(ui.lessons) + 1 >= 13
    autoencoder = combo.findData("12-autoencoder")
    assert combo.itemText(autoencoder) == "12. The autoencoder"              # its example ships: open to start
    assert combo.model().item(autoencoder).isEnabled()
    assert "A neuron and a layer" in ui.panel.text.toPlainText()


def test_a_lesson_opens_its_example_checks_live_and_shows_me(app_window, qtbot):
    window, _ = app_window
    ui = window.lessons_ui
    ui.open()
    ui.start("01-neuron-and-layer")
    qtbot.waitUntil(lambda: window.document.model is not None and window.document.model.count_params() == 17)
    assert ui.highlight.isVisible() and ui.highlight.target is window.findChild(type(ui.highlight.target), "canvasStack")
    ui.panel.next_button.click()                                      # step 2: 17 parameters — done already
    qtbot.waitUntil(lambda: "✓ Done" in ui.panel.status.text())
    assert "17" in ui.panel.status.text()
    ui.panel.next_button.click()                                      # step 3: select the hidden layer
    assert "Not yet" in ui.panel.status.text()
    assert ui.panel.progress.text() == "Step 3 of 4"
    ui.panel.show_me_button.click()
    qtbot.waitUntil(lambda: "✓ Done" in ui.panel.status.text())
    assert window.layer_view.selected_indices() == [0]
    ui.panel.next_button.click()                                      # step 4: 4 units → 22 parameters
    assert "Not yet" in ui.panel.status.text()
    window.document.set_layer_option(0, "units", 4)                   # the student does it in the inspector
    qtbot.waitUntil(lambda: "✓ Done" in ui.panel.status.text())
    assert ui.session.fraction("01-neuron-and-layer") == 1.0          # step 1 by Next, steps 2-4 by their checks
    assert ui.panel.next_button.text() == "Finish ✓"
    ui.panel.next_button.click()
    assert ui.session.lesson is None
    assert "(100 %)" in ui.panel.lesson_combo.itemText(ui.panel.lesson_combo.findData("01-neuron-and-layer"))


def test_a_hint_appears_after_a_while_and_progress_is_remembered(app_window, qtbot, window_settings):
    window, _ = app_window
    ui = window.lessons_ui
    ui.open()
    ui.hint_timer.setInterval(50)
    ui.start("01-neuron-and-layer")
    ui.next()
    ui.next()                                                         # step 3, not done
    qtbot.waitUntil(ui.panel.hint.isVisible)
    assert "Click the first Dense block" in ui.panel.hint.text()
    again = LessonsUI(window, window.document)                        # a later start, the same user settings
    again.start("01-neuron-and-layer")
    assert again.session.index == 2 and again.session.is_done(1)


def test_the_backprop_lesson_reads_the_students_predictions_in_the_stepper(app_window, qtbot):
    window, _ = app_window
    ui = window.lessons_ui
    ui.start("07-backprop-by-hand")
    qtbot.waitUntil(lambda: "✓ Done" in ui.panel.status.text())     # the stepper opened: view stepper is done
    stepper = window.stepper_ui.stepper
    bar = stepper.check_bar
    ui.next()                                                       # predict z: Predict first is on, z is asked
    assert bar.predict_check.isChecked() and bar.prompt.isVisible() and bar.prompt.text().startswith("z<sub>")
    assert "Not yet" in ui.panel.status.text() and not ui.session.is_done(1)
    q = stepper.session.question()
    bar.answer_edit.setText(format_number(q.value * 3 + 1))       # a wrong value: still open
    with qtbot.waitSignal(bar.answered):
        bar.check_button.click()
    qtbot.waitUntil(lambda: "not quite" in ui.panel.status.text())
    assert not ui.session.is_done(1)
    ui.panel.show_me_button.click()                                 # on to a z not asked yet
    q = stepper.session.question()
    assert q.quantity == "z" and bar.prompt.text() == f"{template_html(q.symbol)} = ?"
    bar.answer_edit.setText(format_number(q.value))
    with qtbot.waitSignal(bar.answered):
        bar.check_button.click()
    qtbot.waitUntil(lambda: "✓ Done" in ui.panel.status.text())
    assert ui.session.is_done(1)
    assert bar.prompt.text().startswith("a<sub>")                       # the same neuron asks its activation next
    ui.next()                                                       # predict a: the bar already asks it
    assert "Not yet" in ui.panel.status.text()
    bar.answer_edit.setText(format_number(stepper.session.question().value))
    bar.check_button.click()
    qtbot.waitUntil(lambda: "✓ Done" in ui.panel.status.text())
    ui.next()                                                       # predict δ: the stepper goes backward
    q = stepper.session.question()
    assert q.quantity == "delta" and bar.prompt.text().startswith("δ<sub>")
    assert window.presentation.maximized() == "dockStepper" and ui.dock.isVisible()   # room to read, the lesson beside
    ui.leave()                                                      # the panels go back
    assert window.presentation.maximized() == ""
    assert not bar.predict_check.isChecked()                        # Predict first off again, as it was
    QCoreApplication.processEvents()                                # (the layout's deferred tidy-up, before closing)


def test_answers_given_before_the_lesson_do_not_count(app_window, qtbot):
    window, _ = app_window
    stepper = window.stepper_ui.stepper
    stepper.session.answer_log.append({"quantity": "z", "correct": True})
    ui = window.lessons_ui
    ui.start("07-backprop-by-hand")
    ui.next()
    assert "Not yet" in ui.panel.status.text()


def test_a_broken_lesson_file_is_named_with_its_line(app_window, tmp_path):
    window, _ = app_window
    (tmp_path / "bad.lesson").write_text("title: Bad\n\n== Step\nText\ncheck: metric loss ~ 1\nhint: h\n")
    ui = LessonsUI(window, window.document, lessons_dir=str(tmp_path))
    assert ui.lessons == []
    assert "bad.lesson, line 5" in ui.panel.text.toPlainText()


def test_formulas_are_set_like_the_steppers():
    out = step_html("Sum: $z_j^(l) = Σ_k w_jk^(l)·a_k^(l−1)$ and **bold**.")
    assert "z<sub>j</sub><sup>(l)</sup>" in out and "<b>bold</b>" in out and "DejaVu Serif" in out


def test_first_start_offers_the_lessons_once(app_window, qtbot):
    window, _ = app_window
    ui = window.lessons_ui
    assert ui.offer() and ui.dock.isVisible()
    ui.dock.hide()
    assert not ui.offer() and not ui.dock.isVisible()


def test_a_lesson_trains_and_its_pattern_check_reads_the_curves(app_window, qtbot):
    window, controller = app_window
    ui = window.lessons_ui
    ui.start("06-underfitting")
    qtbot.waitUntil(lambda: window.document.model is not None and window.document.model.count_params() == 3,
                    timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.training_ui._rebuild_pending, timeout=TIMEOUT)
    ui.next()
    assert "Not yet" in ui.panel.status.text()                        # no training yet
    with qtbot.waitSignal(controller.stopped, timeout=60_000):
        ui.panel.show_me_button.click()                               # Train
    qtbot.waitUntil(lambda: len(window.document.history.get("accuracy", [])) >= 40, timeout=60_000)
    qtbot.waitUntil(lambda: "✓ Done" in ui.panel.status.text(), timeout=TIMEOUT)
    assert "chance" in ui.panel.status.text()


def test_show_me_with_two_runs_waits_for_the_first_and_the_runs_compare(app_window, qtbot):
    window, controller = app_window
    ui = window.lessons_ui
    ui.start("03-learning-rate")
    qtbot.waitUntil(lambda: window.document.training_config.optimizer == "sgd", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.training_ui._rebuild_pending, timeout=TIMEOUT)
    ui.session.go(3)
    ui._enter_step(run_actions=True)
    assert "Not yet" in ui.panel.status.text()
    ui.panel.show_me_button.click()          # lr 5: train (it oscillates or diverges); then lr 0.001: train
    qtbot.waitUntil(lambda: "✓ Done" in ui.panel.status.text(), timeout=120_000)
    runs = list(window.document.runs)                                # what the Runs panel lists
    assert [r.config["training"]["learning_rate"] for r in runs][-2:] == [5.0, 0.001]
    assert "oscillates" in ui.panel.status.text() and "crawls" in ui.panel.status.text()
    panel = window.runs_panel
    qtbot.waitUntil(lambda: [r.run_id for r in panel.ticked_runs()] == [r.run_id for r in runs[-2:]])   # compared
    window.ask_save_changes = lambda: "discard"
    with qtbot.waitSignal(panel.ticked_changed) as ticked:
        ui.start("01-neuron-and-layer")                                # another example: its own runs (none)
    assert ticked.args == [[]] and panel.ticked_runs() == []          # the overlay of the old runs is gone


def test_a_lesson_sets_classroom_controls_and_gives_them_back(app_window, qtbot):
    window, _ = app_window
    ui = window.lessons_ui
    classroom = window.classroom
    ui.start("03-learning-rate")              # classroom: lock regularization (after opening its example)
    settings = classroom.settings()
    assert settings.student_view and settings.state("regularization") == LOCKED
    combo = window.findChild(QWidget, "regularizationCombo")
    assert combo.graphicsEffect() is not None                         # dimmed: locked by the classroom
    window.ask_save_changes = lambda: "discard"   # the lesson changed the settings: opening another example asks
    ui.start("01-neuron-and-layer")                                   # another lesson: its own example, no locks
    assert not classroom.settings().student_view
    ui.start("03-learning-rate")
    assert classroom.settings().is_locked("regularization")
    ui.panel.lesson_combo.setCurrentIndex(0)
    ui.panel.lesson_combo.activated.emit(0)                           # "Choose a lesson…": the lesson is left
    assert ui.session.lesson is None
    assert not classroom.settings().student_view and not classroom.settings().is_locked("regularization")
    assert combo.graphicsEffect() is None


def test_leaving_a_lesson_gives_back_the_projects_own_classroom_settings(app_window, qtbot):
    window, _ = app_window
    ui = window.lessons_ui
    classroom = window.classroom
    teacher = ClassroomSettings({"noise": "hidden"})                  # the project's own settings, student view off
    classroom.set_settings(teacher)
    ui.session.start("03-learning-rate")                              # (its steps' actions not run: no example)
    ui._enter_step(run_actions=False)
    settings = classroom.settings()
    assert settings.is_locked("regularization") and settings.state("noise") == "hidden"
    ui.leave()
    assert classroom.settings() == teacher
