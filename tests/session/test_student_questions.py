"""Predict first on the bundled worked example, as a student meets it: every quantity asked can be got wrong and
right, and a gradient question is more than its δ copied (an input of 1 made every ∂C/∂w asked equal δ)."""

from __future__ import annotations

from nnviz.core.trace import format_number
from nnviz.core.worked_example import worked_example
from nnviz.session.stepper_questions import judge
from nnviz.session.stepper_session import StepperSession


def test_on_the_worked_example_every_question_fails_wrong_and_passes_right_and_gradients_are_not_deltas():
    s = StepperSession()
    s.enter_example(worked_example())
    assert s.rebuild() == ""
    s.predict = True
    asked = []
    for i in range(len(s.trace)):
        s.index = i
        seen = set()
        while s.hidden and s.question() is not None and s.question().symbol not in seen:
            q = s.question()
            seen.add(q.symbol)
            asked.append(q)
            assert not judge(q, format_number(q.value * 1.3 + 0.2)).correct, q.symbol
            assert judge(q, format_number(q.value)).correct and judge(q, f"{q.value:.2g}").correct, q.symbol
            s.answer(format_number(q.value))
    kinds = {q.quantity for q in asked}
    assert kinds == {"z", "a", "cost", "delta", "grad", "weight"}
    deltas = [q for q in asked if q.quantity == "delta"]
    grads = [q for q in asked if q.quantity == "grad"]
    assert len(grads) == len(deltas) == 4
    for d, g in zip(deltas, grads):
        assert format_number(g.value) != format_number(d.value), (d.symbol, g.symbol)
    # the first is the explanation's own example: ∂C₀/∂w₀₁⁽²⁾ = −0.125 · 0.75 = −0.09375
    assert grads[0].symbol == "∂C_0/∂w_01^(2)" and format_number(grads[0].value) == "-0.09375"
