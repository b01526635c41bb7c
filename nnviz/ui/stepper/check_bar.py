"""The stepper's check bar: predict-then-reveal and the numeric check of ∂C/∂w.

* **Predict first** hides the current step's numbers until the student has typed each quantity it asks, in
  turn, and pressed Check (or Reveal): a unit's z_j then a_j forward, its δ_j = ∂C/∂z_j then a ∂C/∂w_jk
  backward, a weight after the update, C_0. To 2 significant digits a value turns green; otherwise the value and
  how it was computed are shown. The logic is the session's (``StepperSession.question`` / ``answer``, every
  judged answer in ``answer_log``), so lessons check the same answers without a screen.
* **Numeric check** (on a weight's update step) puts a float64 central finite difference of C beside
  backprop's ∂C/∂w with their relative difference; **Check layer** does it for every weight of the layer.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from nnviz.core.trace import WeightUpdate, format_number
from nnviz.ui import theme
from nnviz.ui.stepper.formula_view import template_html


def _check_text(c) -> str:
    mark = "✓" if c.agrees else "✗"
    return (f"backprop {format_number(c.backprop, 6)} · numeric (central difference, float64) "
            f"{format_number(c.numeric, 6)} · relative difference {c.relative:.1e} {mark}")


class CheckBar(QWidget):
    """Predict-then-reveal and the numeric check under the stepper's control bar (see the module docstring)."""

    answered = Signal(object)   # the Answer to a typed prediction that was judged (lessons re-check on it)

    def __init__(self, stepper):
        super().__init__(stepper)
        self.setObjectName("stepperCheckBar")
        self.stepper = stepper
        self.predict_check = QCheckBox("Predict first", self)
        self.predict_check.setObjectName("predictCheck")
        self.predict_check.setToolTip("Hide each step's result until you have typed your own value: two significant "
                                      "digits count as right")
        self.prompt = QLabel(self)
        self.prompt.setObjectName("predictPrompt")
        self.answer_edit = QLineEdit(self)
        self.answer_edit.setObjectName("predictEdit")
        self.answer_edit.setPlaceholderText("your value")
        self._size_answer_edit()
        self.check_button = QPushButton("Check", self)
        self.check_button.setObjectName("predictCheckButton")
        self.reveal_button = QPushButton("Reveal", self)
        self.reveal_button.setObjectName("predictRevealButton")
        # the verdicts and check results: a row of their own under the control bar (long texts wrap there)
        self.results = QWidget(stepper)
        self.results.setObjectName("stepperCheckResults")
        self.verdict = QLabel(self.results)
        self.verdict.setObjectName("predictVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.numeric_button = QPushButton("Numeric check", self)
        self.numeric_button.setObjectName("numericCheckButton")
        self.numeric_button.setToolTip("Compare backprop's ∂C/∂w with a central finite difference of C in float64")
        self.layer_button = QPushButton("Check layer", self)
        self.layer_button.setObjectName("layerCheckButton")
        self.layer_button.setToolTip("The numeric check for every weight of this layer (two training steps per weight)")
        self.numeric_label = QLabel(self.results)
        self.numeric_label.setObjectName("numericCheckLabel")
        self.numeric_label.setWordWrap(True)
        self.numeric_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        for w in (self.predict_check, self.prompt, self.answer_edit, self.check_button, self.reveal_button,
                  self.numeric_button, self.layer_button):
            lay.addWidget(w)
        rl = QHBoxLayout(self.results)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.setSpacing(12)
        rl.addWidget(self.verdict, 1)
        rl.addWidget(self.numeric_label, 1)

        self.predict_check.toggled.connect(self._on_predict_check_toggled)
        self.check_button.clicked.connect(self._on_check_button_clicked)
        self.answer_edit.returnPressed.connect(self._on_check_button_clicked)
        self.reveal_button.clicked.connect(self._on_reveal_button_clicked)
        self.numeric_button.clicked.connect(self._on_numeric_button_clicked)
        self.layer_button.clicked.connect(self._on_layer_button_clicked)
        self.refresh()

    @property
    def session(self):
        return self.stepper.session

    def _size_answer_edit(self) -> None:
        """Room for "your value" and a number such as −0.02188 at the font's size (a fixed 110 px showed "your v…"
        at 175 %)."""
        fm = self.answer_edit.fontMetrics()
        self.answer_edit.setMaximumWidth(max(fm.horizontalAdvance("your value"), fm.horizontalAdvance("−0.000000"))
                                         + 2 * fm.height())

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:   # (the zoom: once the field has its new font too)
            QTimer.singleShot(0, self, self._size_answer_edit)

    # ------------------------------------------------------------------ showing
    def refresh(self) -> None:
        """After a step is shown: the prompt (and the masked numbers) or the verdicts; the check buttons."""
        s = self.session
        q = s.question() if s.trace is not None else None
        asking = s.predict and q is not None
        for w in (self.prompt, self.answer_edit, self.check_button, self.reveal_button):
            w.setVisible(asking and s.hidden)
        self._size_answer_edit()
        verdicts = s.verdicts() if asking else []
        self.verdict.setVisible(bool(verdicts))
        if verdicts:
            self.verdict.setText("<br>".join(self._verdict_html(v) for v in verdicts))
        if asking and s.hidden:
            # z₀⁽¹⁾ as the formula sets it, not z_0^(1); δ's "= ∂C₀/∂z" in the tool tip (the formula pane says it)
            name = q.symbol.split(" = ")[0]
            if name.endswith(" after the update"):   # the course's "new weight = old weight − …": a shorter bar
                name = "new " + name[:-len(" after the update")]
            self.prompt.setText(f"{template_html(name)} = ?")
            self.prompt.setToolTip(q.symbol)
            self.answer_edit.clear()
            self._mask(q, verdicts)
        step = s.current_step
        self.numeric_button.setEnabled(isinstance(step, WeightUpdate) and not s.hidden)
        self.layer_button.setEnabled(step is not None and step.layer_index is not None and s.model is not None
                                     and bool(s.model.layers[step.layer_index - 1].trainable_names) and not s.hidden)
        self.numeric_label.setText("")
        self._show_results()

    @staticmethod
    def _verdict_html(verdict) -> str:
        c = theme.colors()
        if verdict.guess is None:     # revealed without a guess
            color = c.get("text", "")
        else:
            color = ("#3fb950" if theme.current_name() == "dark" else "#1a7f37") if verdict.correct else c["error"]
        text = template_html(verdict.message).replace("\n", "<br>")
        return f"<span style='color:{color}'>{text}</span>" if color else text

    def _show_results(self) -> None:
        self.numeric_label.setVisible(bool(self.numeric_label.text()))
        self.results.setVisible(self.verdict.isVisibleTo(self.results) or self.numeric_label.isVisibleTo(self.results))

    def _mask(self, q, verdicts=()) -> None:
        """Hide what the step computes: its formula's numbers (but the values already answered), and the table as
        it was before the step."""
        view = self.stepper.step_view
        known = "".join(f"{template_html(v.symbol)} = {html.escape(format_number(v.value))} "
                        f"{'✓' if v.correct else ''}<br>" for v in verdicts)
        view.formula.formula.setText(f"{known}<i>Predict {template_html(q.symbol)}: type your value in the bar above "
                                     f"and press Check (or Reveal).</i>")
        view.formula.note.setVisible(False)
        # the table and the diagram as they were before the step (before the first one too: they showed its z and a)
        rows = self.session.trace.summary_table(self.session.index - 1)
        view.table.set_rows(rows)
        view.diagram.set_values(rows)
        step = self.session.current_step
        if isinstance(step, WeightUpdate) and step.k is not None:   # its line said "0.3 → 0.3": the answer
            view.diagram.highlight(step.highlights.nodes, step.highlights.edges,
                                   {(step.layer_index, step.j, step.k): f"{format_number(step.old, 3)} → ?"})

    # ------------------------------------------------------------------ slots
    def _on_predict_check_toggled(self, on: bool) -> None:
        self.session.predict = bool(on)
        self.stepper.redraw_step()

    def _on_check_button_clicked(self) -> None:
        answer = self.session.answer(self.answer_edit.text())
        if answer is None:
            return
        if answer.guess is None:   # not a number: say so, keep it hidden
            self.verdict.setText(f"<span style='color:{theme.colors()['error']}'>{template_html(answer.message)}</span>")
            self.verdict.setVisible(True)
            self._show_results()
            return
        self.stepper.redraw_step()
        self.answered.emit(answer)

    def _on_reveal_button_clicked(self) -> None:
        self.session.reveal()
        self.stepper.redraw_step()

    def _on_numeric_button_clicked(self) -> None:
        c = self.session.numeric_check()
        if c is None:
            return
        step = self.session.current_step
        name = f"w_{step.j}{step.k}^({step.layer_index})" if step.k is not None else f"b_{step.j}^({step.layer_index})"
        self.numeric_label.setText(f"∂C/∂{name}: {_check_text(c)}")
        self._show_results()

    def _on_layer_button_clicked(self) -> None:
        rows = self.session.layer_numeric_check()
        if not rows:
            return
        worst = max(rows, key=lambda c: c.relative)
        bad = sum(not c.agrees for c in rows)
        l = self.session.current_step.layer_index
        verdict = "all agree to 1e-6 ✓" if not bad else f"{bad} differ by more than 1e-6 ✗ (a kink or a wrong gradient)"
        self.numeric_label.setText(f"Layer {l}: {len(rows)} weights, largest relative difference "
                                   f"{worst.relative:.1e}: {verdict}")
        self.numeric_label.setToolTip("\n".join(f"{c.key}{list(c.index)}: {_check_text(c)}" for c in rows[:60]))
        self._show_results()
