"""The Lessons dock (Help ▸ Lessons): the course inside the app, step by step, with checks the app evaluates live.

The dock shows a :class:`nnviz.session.lesson_session.LessonSession` in a
:class:`~nnviz.ui.lessons_widgets.LessonsPanel`. ``LessonsUI`` (from :func:`attach_lessons`) wires it to the window:
it carries out a step's actions (the stepper's Predict first, the Runs panel's comparison among them), draws a frame
around the control the step talks about, sets the lesson's classroom settings through the window's classroom (and
gives the previous ones back when the lesson is left), evaluates the check against the app's state — the document,
the Runs panel's records, the stepper's answers — and keeps progress in QSettings.
"""

from __future__ import annotations

import dataclasses
import html

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget

from nnviz import resources
from nnviz.core.lessons import DONE, UNAVAILABLE, load_lessons
from nnviz.session.lesson_session import LessonSession, app_state, apply_document_action, lesson_classroom
from nnviz.ui.lessons_widgets import (  # noqa: F401 - step_html, find_control: this module's names before the split
    HighlightFrame, LessonsPanel, find_control, step_html,
)

DOCK_NAME = "dockLessons"
SETTINGS_KEY = "lessons/progress"
OFFERED_KEY = "lessons/offered"
HINT_DELAY_MS = 45_000


class LessonsUI(QObject):
    """The Lessons dock on a window: actions, highlight, live checks, progress in QSettings."""

    def __init__(self, window, document, lessons_dir: str | None = None):
        super().__init__(window)
        self.window, self.document = window, document
        from nnviz.io.examples import list_examples
        self.examples = {e.name for e in list_examples()}
        self.lessons, self.errors = load_lessons(lessons_dir or str(resources.path("lessons")), self.examples)
        self.settings = getattr(window, "settings", None)
        progress = LessonSession.progress_from_json(self.settings.value(SETTINGS_KEY, "{}") if self.settings else "{}")
        self.session = LessonSession(self.lessons, progress)
        training_ui = getattr(window, "training_ui", None)
        self.controller = getattr(training_ui, "controller", None)
        self._queue: list = []           # show-me actions waiting for a training run to end
        self._epochs_at_train = 0
        if self.controller is not None:
            self.controller.state_changed.connect(self._on_controller_state_changed)
        # the lesson's classroom settings go through the window's classroom (one undo step each); what was set
        # before the lesson, and what the lesson set, so leaving it puts the settings back
        self.classroom = getattr(window, "classroom", None)
        self._classroom_before = None
        self._classroom_set = None
        self._answers_from = 0               # the stepper's answers a lesson counts: those since it started
        self._stepper_roomed = False         # the stepper fills the window beside the lesson (see _give_stepper_room)
        self._layout_before = None           # the docks before the lesson opened the stepper (given back on leaving)
        self._moved_beside = []              # docks the lesson took out of the Lessons dock's tabs (put back on leaving)
        self._comparing = 0                  # the step compares the last N runs in the Runs panel
        self._predict_turned_on = False      # the lesson switched the stepper's Predict first on
        self.panel = LessonsPanel()
        self.highlight = HighlightFrame(window)
        self.hint_timer = QTimer(self)
        self.hint_timer.setSingleShot(True)
        self.hint_timer.setInterval(HINT_DELAY_MS)
        self.hint_timer.timeout.connect(self._on_hint_timer_timeout)
        self.check_timer = QTimer(self)      # the app's state changes in many places: a light poll of the check
        self.check_timer.setInterval(500)
        self.check_timer.timeout.connect(self.evaluate)
        add = getattr(window, "add_dock", None)
        if add is not None:    # in the right column, a tab beside the Summary; hidden until asked for or offered
            self.dock = add(self.panel, "Lessons", Qt.DockWidgetArea.RightDockWidgetArea, DOCK_NAME,
                            tabify_with="dockSummary", visible=False)
        else:
            self.dock = QDockWidget("Lessons", window)
            self.dock.setObjectName(DOCK_NAME)
            self.dock.setWidget(self.panel)
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.action = QAction("&Lessons", window)
        self.action.setObjectName("actionLessons")
        self.action.setStatusTip("Lessons: the course inside the app, with exercises it checks")
        self.action.triggered.connect(self.open)
        help_menu = window.menu("Help") if hasattr(window, "menu") else None
        if help_menu is not None:
            first_action = help_menu.actions()[0] if help_menu.actions() else None
            help_menu.insertAction(first_action, self.action)
        self.panel.lesson_chosen.connect(self.start)
        self.panel.next_requested.connect(self.next)
        self.panel.back_requested.connect(self.back)
        self.panel.show_me_requested.connect(self.show_me)
        self.panel.lesson_left.connect(self.leave)
        bar = self._check_bar()
        if bar is not None and hasattr(bar, "answered"):
            bar.answered.connect(self.evaluate)
        self.dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        document.history_changed.connect(self._on_document_history_changed)
        for signal in (document.architecture_changed, document.dataset_changed, document.training_config_changed,
                       document.runs_changed):
            signal.connect(self.evaluate)
        document.runs_changed.connect(self._tick_runs)
        self._refresh_list()
        self._show_overview()

    # ------------------------------------------------------------------ the lesson list
    def _refresh_list(self) -> None:
        entries = []
        for lesson in self.lessons:
            missing = lesson.missing(self.examples)
            done = round(100 * self.session.fraction(lesson.id))
            label = f"{lesson.order}. {lesson.title}" + (f"  ({done} %)" if done else "")
            if missing:
                label += "  — needs " + ", ".join(missing)
            entries.append((lesson.id, label, not missing))
        self.panel.set_lessons(entries)

    def _show_overview(self) -> None:
        rows = "".join(
            f"<li><b>{html.escape(l.title)}</b> — {html.escape(l.summary)}"
            f"{' <i>(' + str(round(100 * self.session.fraction(l.id))) + ' % done)</i>' if self.session.fraction(l.id) else ''}"
            f"</li>" for l in self.lessons)
        errors = "".join(f"<li>{html.escape(str(e))}</li>" for e in self.errors)
        text = ("<p>Each lesson walks you through a part of the course in the app: it opens examples, points at "
                "the control it talks about and checks your exercise live.</p>"
                f"<ul>{rows}</ul>" + (f"<p><b>Lesson files with mistakes:</b></p><ul>{errors}</ul>" if errors else ""))
        self.panel.show_overview(text)

    def offer(self) -> bool:
        """On the first start (per user): show the Lessons dock once. True when it was offered now."""
        if self.settings is None or self.settings.value(OFFERED_KEY, False, type=bool):
            return False
        self.settings.setValue(OFFERED_KEY, True)
        self.open()
        return True

    # ------------------------------------------------------------------ steps
    def open(self) -> None:
        self.dock.show()
        self.dock.raise_()
        QTimer.singleShot(0, self, self._give_room)   # once it is laid out

    def _give_room(self) -> None:
        """The step's text needs height: in the right column (under the Inspector at 1280×720 it had three lines)
        the Lessons dock takes most of the column, the docks above it keep their minimum."""
        w = self.window
        if self.dock.isFloating() or not self.dock.isVisible() or not hasattr(w, "resizeDocks"):
            return
        if w.dockWidgetArea(self.dock) in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea):
            w.resizeDocks([self.dock], [max(int(w.height() * 0.55), 360)], Qt.Orientation.Vertical)

    def start(self, lesson_id: str) -> None:
        self._restore_classroom()
        self._restore_stepper()
        self.session.start(lesson_id)
        if self.dock.isVisible():
            QTimer.singleShot(0, self, self._give_room)
        self._answers_from = len(self._stepper_answers() or ())
        self._enter_step(run_actions=True)

    def next(self) -> None:
        if self.session.lesson is None:
            return
        if not self.session.next():      # the last step: back to the overview
            self._save()
            self._leave()
            return
        self._enter_step(run_actions=True)

    def back(self) -> None:
        if self.session.back():
            self._enter_step(run_actions=False)

    def show_me(self) -> None:
        step = self.session.step
        if step is not None:
            self._run(step.show_me)
            self.evaluate()

    def leave(self) -> None:
        """Leave the lesson being played (its progress stays): the classroom settings go back."""
        if self.session.lesson is not None:
            self._save()
            self._leave()

    def _leave(self) -> None:
        self._restore_classroom()
        self._restore_stepper()
        self.session.lesson = None
        self.highlight.follow(None)
        self.check_timer.stop()
        self.hint_timer.stop()
        self._refresh_list()
        self._show_overview()

    def _enter_step(self, run_actions: bool) -> None:
        s = self.session
        step = s.step
        self.panel.show_step(s.lesson.id, s.index, len(s.lesson.steps), step.title, step.text, bool(step.show_me),
                             s.index == len(s.lesson.steps) - 1)
        self._comparing = 0
        if run_actions:
            self._run(step.actions)
        self._apply_classroom()
        self.highlight.follow(find_control(self.window, step.highlight) if step.highlight else None)
        self.hint_timer.start()
        if step.check is not None:
            self.check_timer.start()
        else:
            self.check_timer.stop()
        self.evaluate()
        self._save()

    def _run(self, actions) -> None:
        """Carry out ``actions`` in order; after a ``train`` the rest waits until that run has ended."""
        queue = list(actions)
        self._queue = []
        while queue:
            action = queue.pop(0)
            try:
                self.run_action(action)
            except (ValueError, KeyError, OSError) as exc:
                self.panel.show_result(UNAVAILABLE, f"could not {action}: {exc}")
                return
            if action.name == "open_example":   # a new project brings its own classroom settings
                self._apply_classroom()
            if action.name == "train" and queue and self.controller is not None:
                self._queue = queue
                self._epochs_at_train = len(self.document.history.get("loss", []))
                return

    def _on_controller_state_changed(self, _state: str = "") -> None:
        self._continue_queue()

    def _continue_queue(self) -> None:
        """Go on with waiting show-me actions once the run has ended (stopped, paused, diverged) and its epochs
        have reached the document (snapshots arrive after the state)."""
        if (self._queue and self.controller is not None and not self.controller.is_running
                and len(self.document.history.get("loss", [])) > self._epochs_at_train):
            queue, self._queue = self._queue, []
            QTimer.singleShot(0, lambda: self._run(queue))

    def run_action(self, action) -> None:
        """Carry out one lesson action in the window (document actions through the document)."""
        window, name, args = self.window, action.name, action.args
        if name == "open_example" and hasattr(window, "open_example"):
            import os

            from nnviz.io.examples import EXAMPLES_DIR
            window.open_example(os.path.join(EXAMPLES_DIR, args[0] + ".nnviz"))   # asks before unsaved work goes
            return
        if apply_document_action(self.document, action, read_data=getattr(window, "read_big_dataset", None)):
            return
        if name == "open":
            if args[0] == "stepper" and getattr(window, "stepper_ui", None) is not None:
                self._remember_layout()
                window.stepper_ui.open()
                self._give_stepper_room()
                return
            dock = window.findChild(QDockWidget, args[0])
            if dock is None:
                raise ValueError(f"there is no view {args[0]!r}")
            dock.show()
            dock.raise_()
            self._beside_lesson(dock)
        elif name == "predict":
            self._predict(args[0])
        elif name == "compare":
            if getattr(window, "runs_panel", None) is None:
                raise ValueError("there is no Runs panel in this window")
            self._comparing = int(args[0]) if args else 2
            self._tick_runs()
        elif name == "select":
            if hasattr(window, "set_view_mode"):
                window.set_view_mode("layers")
            window.layer_view.select_indices([int(args[0]) - 1])
        elif name in ("train", "reset"):
            a = window.findChild(QAction, "actionTrain" if name == "train" else "actionResetWeights")
            if a is None or not a.isEnabled():
                raise ValueError(f"{name} is not possible now")
            a.trigger()

    def _tick_runs(self) -> None:
        """The last runs ticked in the Runs panel (their curves over the training curves), again as runs end while
        the step that asked for it is open."""
        panel = getattr(self.window, "runs_panel", None)
        if self._comparing and panel is not None:
            runs = list(self.document.runs)[-self._comparing:]
            if {r.run_id for r in runs} != {r.run_id for r in panel.ticked_runs()}:
                panel.set_ticked([r.run_id for r in runs])

    def _stepper(self):
        ui = getattr(self.window, "stepper_ui", None)
        return getattr(ui, "stepper", None) if ui is not None else None

    def _check_bar(self):
        return getattr(self._stepper(), "check_bar", None)

    def _stepper_answers(self) -> list | None:
        stepper = self._stepper()
        return None if stepper is None else stepper.session.answer_log

    def _predict(self, quantity: str) -> None:
        """Open the stepper with Predict first on, at the next step that asks ``quantity`` (from where it is)."""
        ui, stepper = getattr(self.window, "stepper_ui", None), self._stepper()
        if ui is None or stepper is None:
            raise ValueError("there is no backprop stepper in this window")
        self._remember_layout()
        ui.open()
        self._give_stepper_room()
        if not stepper.check_bar.predict_check.isChecked():
            self._predict_turned_on = True       # turned off again when the lesson is left
            stepper.check_bar.predict_check.setChecked(True)
        s = stepper.session
        if s.trace is None:
            raise ValueError("the stepper has no steps for this network")
        at = s.ask(quantity)
        if at is None:
            raise ValueError(f"no step of this network asks for {quantity}")
        stepper.go_to(at)
        stepper.redraw_step()

    def _give_stepper_room(self) -> None:
        """Docked at 1280×720 the stepper shares the bottom row and its numbers are hard to read: while a lesson steps
        with it, it fills the window beside the Lessons dock (as View ▸ Fill Window does; leaving the lesson, or the
        same key, puts the panels back)."""
        presentation = getattr(self.window, "presentation", None)
        dock = getattr(getattr(self.window, "stepper_ui", None), "dock", None)
        if presentation is None or dock is None or dock.isFloating():
            return
        if presentation.maximized() != dock.objectName():
            presentation.maximize(dock)
            self._stepper_roomed = True
            if hasattr(self.window, "splitDockWidget") and not self.dock.isFloating():   # the lesson on its right
                self.window.removeDockWidget(self.dock)   # out of its tab group; restoring the layout puts it back
                self.window.addDockWidget(self.window.dockWidgetArea(dock), self.dock, Qt.Orientation.Horizontal)
                self.window.resizeDocks([self.dock], [min(380, self.window.width() // 3)], Qt.Orientation.Horizontal)
        self.dock.show()
        self.dock.raise_()
        QTimer.singleShot(0, self.highlight.place)   # once the docks are laid out

    def _beside_lesson(self, dock) -> None:
        """A view the lesson opens that shares the Lessons dock's tabs would hide the lesson when raised (lessons 04
        and 09: "Open Predict", and the student saw "✓ Done" only after clicking back): it goes below the lesson."""
        window = self.window
        if dock is self.dock or self.dock not in window.tabifiedDockWidgets(dock):
            return
        area = window.dockWidgetArea(self.dock)
        window.removeDockWidget(dock)   # (splitting a tabbed dock would only add another tab)
        window.addDockWidget(area, dock, Qt.Orientation.Vertical)
        dock.show()
        self.dock.raise_()
        self._moved_beside.append(dock)

    def _restore_stepper(self) -> None:
        """Leaving a lesson: the stepper's Predict first as it was, the panels as they were."""
        bar = self._check_bar()
        if self._predict_turned_on and bar is not None:
            bar.predict_check.setChecked(False)
        self._predict_turned_on = False
        moved, self._moved_beside = self._moved_beside, []
        for dock in moved:   # back among the Lessons dock's tabs, where it was
            self.window.tabifyDockWidget(self.dock, dock)
        self._restore_room()

    def _remember_layout(self) -> None:
        """The bottom row's docks and sizes before the lesson opens the stepper (once per lesson): opening it gives
        it 60 % of the window's height, and that tall bottom row stayed after the lesson."""
        w = self.window
        presentation = getattr(w, "presentation", None)
        stepper = getattr(getattr(w, "stepper_ui", None), "dock", None)
        if self._layout_before is not None or stepper is None or not hasattr(w, "resizeDocks") or \
                (presentation is not None and presentation.maximized()):
            return
        row = [d for d in w.findChildren(QDockWidget) if d.isVisible() and not d.isFloating() and d is not stepper
               and w.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea and not d.visibleRegion().isEmpty()]
        self._layout_before = (stepper.isVisible(), [(d, d.width(), d.height()) for d in row])

    def _restore_room(self) -> None:
        presentation = getattr(self.window, "presentation", None)
        dock = getattr(getattr(self.window, "stepper_ui", None), "dock", None)
        if self._stepper_roomed and presentation is not None and dock is not None \
                and presentation.maximized() == dock.objectName():
            presentation.restore_all()
        self._stepper_roomed = False
        before, self._layout_before = self._layout_before, None
        if before is None or (presentation is not None and presentation.maximized()):
            return
        stepper_shown, row = before
        if not stepper_shown and dock is not None:
            dock.hide()                     # the lesson opened it: leaving closes it

        def sizes():                        # once the restored layout is laid out
            shown = [(d, width, height) for d, width, height in row if d.isVisible()]
            if shown:
                tallest = max(shown, key=lambda e: e[2])   # (a tab group's dock is its tab bar less tall)
                self.window.resizeDocks([tallest[0]], [tallest[2]], Qt.Orientation.Vertical)
                self.window.resizeDocks([d for d, _w, _h in shown], [w for _d, w, _h in shown],
                                        Qt.Orientation.Horizontal)
        QTimer.singleShot(0, self, sizes)

    # ------------------------------------------------------------------ classroom settings
    def _classroom_items(self) -> list:
        s = self.session
        if s.lesson is None:
            return []
        return [*s.lesson.classroom, *(s.step.classroom if s.step is not None else [])]

    def _apply_classroom(self) -> None:
        """The lesson's and the step's ``classroom:`` items through the window's classroom settings (one undo step
        when they change); a project opened meanwhile brings settings of its own, which become what leaving the
        lesson puts back."""
        c = self.classroom
        if c is None or self.session.lesson is None:
            return
        current = c.settings()
        if self._classroom_before is None or current != self._classroom_set:
            self._classroom_before = current
        target, unknown = lesson_classroom(self._classroom_before, self._classroom_items(), classroom_aliases())
        if unknown:
            self.panel.show_result(UNAVAILABLE, "no classroom control named " + ", ".join(unknown))
        if target != current:
            c.set_settings(target, f"Lesson: {self.session.lesson.title}")
        self._classroom_set = target

    def _restore_classroom(self) -> None:
        """Leaving a lesson: the classroom settings it found (unless they were changed since it set its own)."""
        c, before, ours = self.classroom, self._classroom_before, self._classroom_set
        self._classroom_before = self._classroom_set = None
        if c is not None and before is not None and c.settings() == ours and ours != before:
            c.set_settings(before, "Lesson left: classroom settings back")

    # ------------------------------------------------------------------ checks
    def state(self):
        window = self.window
        docks = window.findChildren(QDockWidget)
        # open = in front: a dock tabbed behind another is "visible" to Qt but shows nothing (lesson 04's "Open
        # Predict" was done before the student did anything)
        views = {d.objectName() for d in docks if d.isVisible() and (d.isFloating() or not d.visibleRegion().isEmpty())}
        titles = {d.objectName(): d.windowTitle() for d in docks if d.windowTitle()}
        if "dockStepper" in views:
            views.add("stepper")
        titles["stepper"] = "The backprop stepper"
        selected = ()
        if hasattr(window, "layer_view"):
            selected = tuple(i + 1 for i in window.layer_view.selected_indices())
        answers = self._stepper_answers()
        classroom = self.classroom.settings().to_dict() if self.classroom is not None else None
        state = app_state(self.document, stepper_answers=None if answers is None else answers[self._answers_from:],
                          classroom=classroom, open_views=views, selected_layers=selected)
        return dataclasses.replace(state, view_titles=titles)

    def evaluate(self) -> None:
        step = self.session.step
        if step is None:
            return
        self.highlight.place()
        was_done = self.session.is_done(self.session.index)
        result = self.session.evaluate(self.state())
        if result is None:
            self.panel.show_result(None, "")
            return
        self.panel.show_result(result.status, result.message)
        if result.status == DONE and not was_done:
            self._save()
            self._refresh_list()

    def _on_hint_timer_timeout(self) -> None:
        step = self.session.step
        if step is not None and not self.session.is_done(self.session.index):
            self.panel.show_hint(step.hint)

    def _on_document_history_changed(self) -> None:
        self.evaluate()
        self._continue_queue()

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if not visible:
            self.highlight.hide()
            self.check_timer.stop()
        elif self.session.step is not None:
            self.highlight.place()
            if self.session.step.check is not None:
                self.check_timer.start()

    def _save(self) -> None:
        if self.settings is not None:
            self.settings.setValue(SETTINGS_KEY, self.session.to_json())


def classroom_aliases() -> dict:
    """A control's widget, dock or action object name -> its classroom key (``learningRateSpin`` ->
    ``learning_rate``), so a lesson may name either."""
    from nnviz.ui.classroom import CONTROL_WIDGETS
    return {spec[1]: key for key, specs in CONTROL_WIDGETS.items() for spec in specs
            if spec[0] in ("widget", "dock", "action")}


def attach_lessons(window, document) -> LessonsUI:
    """Add the Lessons dock and Help ▸ Lessons to ``window``; also at ``window.lessons_ui``."""
    ui = LessonsUI(window, document)
    window.lessons_ui = ui
    return ui
