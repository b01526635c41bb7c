"""What a student sees of the worked example's notation in the stepper (task "notation"): the explanation, the
titles and notes set like the formulas, the explanation's answers hidden while Predict first asks, D said."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from nnviz.core.trace import BackwardUnit, ForwardUnit, WeightUpdate
from nnviz.ui.stepper import StepperWidget


@pytest.fixture
def stepper(qtbot):
    w = StepperWidget()
    qtbot.addWidget(w)
    w.resize(1280, 700)
    w.open_worked_example()
    w.show()
    return w


def _go(w, kind, unit=None, layer=None, last=False):
    found = [i for i, s in enumerate(w.trace) if isinstance(s, kind) and (unit is None or s.unit == unit)
             and (layer is None or s.layer_index == layer)]
    w.go_to(found[-1] if last else found[0])
    return w.trace[w.index]


def _answer(w, qtbot, text):
    bar = w.check_bar
    qtbot.keyClicks(bar.answer_edit, text)
    with qtbot.waitSignal(bar.answered):
        qtbot.mouseClick(bar.check_button, Qt.MouseButton.LeftButton)


def test_the_explanation_reads_like_the_formulas(stepper):
    text, html = stepper.explanation.toPlainText(), stepper.explanation.toHtml()
    # before: "w_jk⁽ˡ⁾ connects unit k …" and "z₀⁽¹⁾ = …": raw underscores beside Unicode superscripts
    assert "_" not in text and "^" not in text and "⁽" not in text and "₀" not in text
    assert "vertical-align:sub" in html and "vertical-align:super" in html
    assert "wjk(l) connects unit k of layer l−1" in text           # w_jk^(l), sub- and superscript flattened
    assert "z0(1) = 0.5·1 + 1·0.5 + 0 = 1" in text
    assert text.startswith("Backpropagation by hand")


def test_titles_and_notes_are_set_like_the_formulas(stepper):
    step = _go(stepper, WeightUpdate, layer=2)
    # before: the title said "weight w00" while the rule under it said w₀₀⁽²⁾
    assert step.title.endswith("weight w_00^(2)")
    assert stepper.formula.title.text().endswith("weight w<sub>00</sub><sup>(2)</sup>")
    # before: the rule said η·∂C/∂w while its numbers' line (one sample) said η·∂C₀/∂w
    assert step.template == "w_00^(2) ← w_00^(2) − η·∂C_0/∂w_00^(2)" and "∂C_0/∂w_00^(2) = " in step.to_text()
    _go(stepper, BackwardUnit, layer=2)
    note = stepper.formula.note.text()
    assert "a<sub>j</sub>" in note and "a_j" not in note           # before: "∂C/∂a_j = 2·(a_j − y_j)/D"


def test_the_d_rule_says_what_d_is(stepper):
    _go(stepper, BackwardUnit, unit=0, layer=2)
    # before: "∂C0/∂a0(2) = 2·(a0(2) − y0)/D = 2·(0.5 − 1)/2 = −0.5" and D said only in the note
    assert "= −0.5  (D = 2, the number of outputs: the loss is their mean)" in stepper.formula.plain_text()
    assert "(D = 2, the number of outputs: the loss is their mean)</span>" in stepper.formula.html()


def test_predict_first_hides_the_explanations_answers_until_answered(stepper, qtbot):
    shown = stepper.explanation.toPlainText
    assert "0.7311" in shown() and "0.3922" in shown()    # not predicting: every number
    stepper.check_bar.predict_check.setChecked(True)
    stepper.go_to(0)
    # before: the explanation beside the question "z0(1) = ?" gave z0(1) = 1, a(2) = (0.5, 0.7311), every δ …
    assert "0.5·1 + 1·0.5" not in shown() and "0.7311" not in shown() and "0.1437" not in shown()
    assert "Forward, hidden layer. (shown once you have predicted or revealed these steps)" in shown()
    assert "wjk(l) connects unit k" in shown()
    _answer(stepper, qtbot, "1")           # z_0^(1)
    _answer(stepper, qtbot, "1")           # a_0^(1)
    assert "0.5·1 + 1·0.5" not in shown()  # z_1^(1) is still to come: the paragraph gives it away
    _go(stepper, ForwardUnit, unit=1, layer=1)
    _answer(stepper, qtbot, "0.75")
    assert "0.5·1 + 1·0.5" not in shown()
    _answer(stepper, qtbot, "0.75")        # the hidden layer answered: its paragraph shows, the output's does not
    assert "z1(1) = 0.25·1 + 0.5·0.5 + 0.25 = 0.75" in shown() and "0.7311" not in shown()
    _go(stepper, ForwardUnit, unit=1, layer=2)
    stepper.check_bar.reveal_button.click()   # Reveal counts as shown, as in the table
    assert "(0.5, 0.7311)" in shown() and "0.3922" not in shown()
    stepper.check_bar.predict_check.setChecked(False)
    assert "0.3922" in shown() and "(shown once you have" not in shown()
