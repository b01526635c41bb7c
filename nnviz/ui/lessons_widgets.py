"""The Lessons dock's widgets: the panel a lesson is read in, and the frame pointing at the control a step talks about.

``LessonsPanel`` shows a lesson picker with each lesson's progress, the step's title and text (formulas between
``$`` set like the stepper's), the live check's state ("done", not yet, or not available in this build), a hint
that appears after a while, and Back / Show me / Next. ``HighlightFrame`` is drawn over the control a step names
(``find_control``). ``nnviz.ui.lessons_panel.LessonsUI`` wires them to the window.
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox, QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QTextBrowser, QToolBar, QVBoxLayout, QWidget,
)

from nnviz.core.lessons import DONE, UNAVAILABLE
from nnviz.ui.stepper.formula_view import FORMULA_FONT, template_html

_FORMULA = re.compile(r"\$([^$]+)\$")


def step_html(text: str) -> str:
    """A step's text as rich text: paragraphs, ``**bold**``, and ``$formula$`` in the stepper's formula style."""
    parts = []
    for paragraph in text.split("\n\n"):
        chunks = _FORMULA.split(paragraph)
        out = []
        for i, chunk in enumerate(chunks):
            if i % 2:
                out.append(f"<span style=\"font-family: {FORMULA_FONT}; font-size: 112%\">"
                           f"{template_html(chunk)}</span>")
            else:
                out.append(re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(chunk)))
        parts.append("<p>" + "".join(out) + "</p>")
    return "".join(parts)


class LessonsPanel(QWidget):
    """The lesson picker, the current step and its check; emits what the user asks for."""

    lesson_chosen = Signal(str)
    lesson_left = Signal()              # "Choose a lesson…" picked while a lesson is open
    next_requested = Signal()
    back_requested = Signal()
    show_me_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lessonsPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.lesson_combo = QComboBox()
        self.lesson_combo.setObjectName("lessonCombo")
        # as narrow as the dock needs (its popup shows the whole titles): sized to its longest title, at 175 % it
        # made the Lessons dock 729 px wide and pushed the window past a 1280-wide projector
        self.lesson_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.lesson_combo.setMinimumContentsLength(12)
        self.lesson_combo.activated.connect(self._on_lesson_combo_activated)
        self.progress = QProgressBar()
        self.progress.setObjectName("lessonProgress")
        self.progress.setTextVisible(True)
        self.progress.setMinimumWidth(116)
        self.step_title = QLabel()
        self.step_title.setObjectName("lessonStepTitle")
        self.step_title.setWordWrap(True)
        font = self.step_title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.step_title.setFont(font)
        self.text = QTextBrowser()
        self.text.setObjectName("lessonText")
        self.text.setOpenExternalLinks(False)
        self.status = QLabel()
        self.status.setObjectName("lessonStatus")
        self.status.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setObjectName("lessonHint")
        self.hint.setWordWrap(True)
        self.hint.hide()
        buttons = QHBoxLayout()
        self.back_button = QPushButton("◀ Back")
        self.back_button.setObjectName("lessonBack")
        self.show_me_button = QPushButton("Show me")
        self.show_me_button.setObjectName("lessonShowMe")
        self.show_me_button.setToolTip("Do this step for me")
        self.next_button = QPushButton("Next ▶")
        self.next_button.setObjectName("lessonNext")
        self.back_button.clicked.connect(self.back_requested)
        self.show_me_button.clicked.connect(self.show_me_requested)
        self.next_button.clicked.connect(self.next_requested)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.show_me_button)
        buttons.addWidget(self.next_button)
        top = QHBoxLayout()   # the lesson and how far along, on one row: at 1280×720 the step's text needs the height
        top.addWidget(self.lesson_combo, 3)
        top.addWidget(self.progress, 1)
        layout.addLayout(top)
        layout.addWidget(self.step_title)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)

    def _on_lesson_combo_activated(self, index: int) -> None:
        lesson_id = self.lesson_combo.itemData(index)
        if lesson_id:
            self.lesson_chosen.emit(lesson_id)
        else:
            self.lesson_left.emit()

    def set_lessons(self, entries: list[tuple[str, str, bool]]) -> None:
        """``(id, label, enabled)`` per lesson."""
        current = self.lesson_combo.currentData()
        self.lesson_combo.clear()
        self.lesson_combo.addItem("Choose a lesson…", "")
        for lesson_id, label, enabled in entries:
            self.lesson_combo.addItem(label, lesson_id)
            if not enabled:
                item = self.lesson_combo.model().item(self.lesson_combo.count() - 1)
                item.setEnabled(False)
        i = self.lesson_combo.findData(current)
        self.lesson_combo.setCurrentIndex(max(i, 0))

    def show_overview(self, html_text: str) -> None:
        self.step_title.setText("Lessons")
        self.text.setHtml(html_text)
        self.progress.hide()
        self.status.clear()
        self.hint.hide()
        for b in (self.back_button, self.show_me_button, self.next_button):
            b.setEnabled(False)

    def show_step(self, lesson_id: str, index: int, count: int, title: str, text: str, has_show_me: bool,
                  is_last: bool) -> None:
        self.lesson_combo.setCurrentIndex(max(self.lesson_combo.findData(lesson_id), 0))
        self.progress.show()
        self.progress.setRange(0, count)
        self.progress.setValue(index + 1)
        self.progress.setFormat(f"Step {index + 1} of {count}")
        fm = self.progress.fontMetrics()   # (at 175 % a fixed 116 px broke "Step 2 of 5" over two lines)
        self.progress.setMinimumWidth(max(116, fm.horizontalAdvance(f"Step {count} of {count}") + 2 * fm.height()))
        self.step_title.setText(title)
        self.text.setHtml(step_html(text))
        self.hint.hide()
        self.back_button.setEnabled(index > 0)
        self.show_me_button.setEnabled(has_show_me)
        self.next_button.setText("Finish ✓" if is_last else "Next ▶")
        self.next_button.setEnabled(True)

    def show_result(self, status: str | None, message: str) -> None:
        if status is None:
            self.status.clear()
            return
        if status == DONE:
            self.status.setText(f"<b style='color:#16a34a'>✓ Done</b> — {html.escape(message)}")
        elif status == UNAVAILABLE:
            self.status.setText(f"<b style='color:#b45309'>Not available in this build</b> — {html.escape(message)}")
        else:
            self.status.setText(f"<b>Not yet</b> — {html.escape(message)}")

    def show_hint(self, text: str) -> None:
        if text:
            self.hint.setText(f"<b>Hint:</b> <i>{html.escape(text)}</i>")
            self.hint.show()


class HighlightFrame(QFrame):
    """An amber frame drawn over the control a step talks about; it lets clicks through."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setObjectName("lessonHighlight")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("#lessonHighlight { border: 3px solid #f59e0b; border-radius: 5px; background: transparent; }")
        self.target: QWidget | None = None
        self._watched: list[QWidget] = []
        self.hide()

    def follow(self, target: QWidget | None) -> None:
        """Frame ``target`` and keep framing it when it or a panel around it moves (the stepper's bar re-folds as a
        question changes: the frame stayed a line below the answer field)."""
        for w in self._watched:
            try:
                w.removeEventFilter(self)
            except RuntimeError:   # (deleted with its project's panels)
                pass
        self._watched = []
        self.target = target
        w = target
        while w is not None and w is not self.parentWidget():
            w.installEventFilter(self)
            self._watched.append(w)
            w = w.parentWidget()
        self.place()

    def eventFilter(self, obj, event) -> bool:
        if event.type() in (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide):
            QTimer.singleShot(0, self, self.place)   # (once the layout has moved everything)
        return False

    def place(self) -> None:
        t = self.target
        window = self.parentWidget()
        if t is None or not t.isVisible() or t.window() is not window:
            self.hide()
            return
        top_left = t.mapTo(window, t.rect().topLeft())
        self.setGeometry(top_left.x() - 3, top_left.y() - 3, t.width() + 6, t.height() + 6)
        self.show()
        self.raise_()


def find_control(window: QWidget, name: str) -> QWidget | None:
    """The widget named ``name`` (object name), or the tool button of the action so named."""
    widget = window.findChild(QWidget, name)
    if widget is not None:
        return widget
    action = window.findChild(QAction, name)
    if action is not None:
        for bar in window.findChildren(QToolBar):
            button = bar.widgetForAction(action)
            if button is not None:
                return button
    return None
