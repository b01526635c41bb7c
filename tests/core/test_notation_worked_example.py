"""The worked example's explanation as a student reads it (task "notation", no Qt): one notation with the trace's
formulas, Predict first's hidden paragraphs, and what D is where ``/D`` is shown."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nnviz.core.trace import BackwardUnit, backprop_trace, format_number
from nnviz.core.worked_example import EXPLANATION, HIDDEN_NOTE, PARTS, explanation_shown, worked_example


@pytest.fixture(scope="module")
def example():
    ex = worked_example()
    return ex, backprop_trace(ex.model, ex.x, ex.y)


def test_the_explanation_is_written_in_the_traces_notation():
    # before: "w_jk⁽ˡ⁾ … z₀⁽¹⁾ … ∂C₀/∂w₀₁⁽²⁾", half raw, half Unicode; now all raw (z_0^(1)), set by the one formatter
    assert not re.search("[₀-₉⁰-⁹⁽⁾ˡ⁻]", EXPLANATION), "Unicode sub/superscripts beside the trace's z_0^(1)"
    for symbol in ("w_jk^(l)", "z_0^(1)", "a^(2)", "δ^(2)", "∂C_0/∂w_01^(2)", "C_0"):
        assert symbol in EXPLANATION
    assert EXPLANATION.startswith("### Backpropagation by hand")


def test_the_loss_paragraph_says_the_course_sums_and_keras_averages_and_the_numbers_agree(example):
    ex, trace = example
    loss = trace[next(i for i in range(len(trace)) if trace[i].phase == "loss")]
    squared = (ex.model.predict(ex.x)[0] - ex.y[0]) ** 2
    course = float(squared.sum())                  # the course's C_0: the sum of squared errors
    assert float(loss.per_sample[0]) == pytest.approx(course / 2)     # Keras: their mean over n = 2 outputs
    text = dict((key, t) for key, t in PARTS)[("loss", None)]
    for v in (course, course / 2, *(squared / 2)):
        assert format_number(v) in text
    assert "sum of the squared errors" in text and "n = 2, the number of\noutputs" in text


def test_the_d_of_mean_squared_error_is_said_where_it_is_shown(example):
    _, trace = example
    back = next(s for s in trace if isinstance(s, BackwardUnit))
    line = back.to_text().splitlines()[0]
    # before: "∂C_0/∂a_0^(2) = 2·(a_0^(2) − y_0)/D = 2·(0.5 − 1)/2 = -0.5" (D said nowhere on the line)
    assert line == ("∂C_0/∂a_0^(2) = 2·(a_0^(2) − y_0)/D = 2·(0.5 − 1)/2 = -0.5   "
                    "(D = 2, the number of outputs: the loss is their mean)")
    assert "D = 2, the number of outputs" in back.to_html()
    assert back.loss_divisor == 2 and back.d_a[0] == pytest.approx(2 * (0.5 - 1) / 2)


def test_a_batch_and_a_fused_softmax_say_their_d_too():
    from nnviz.core.layers import Dense
    from nnviz.core.model import Sequential
    from nnviz.core.optimizers import SGD
    model = Sequential([Dense(2, input_shape=(2,), activation="sigmoid")], dtype="float64", seed=0)
    model.compile(optimizer=SGD(0.1), loss="mean_squared_error")
    x, y = np.array([[1.0, 0.5], [0.2, 0.1], [0.3, 0.9]]), np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    line = next(s for s in backprop_trace(model, x, y) if isinstance(s, BackwardUnit)).to_text().splitlines()[0]
    assert line.endswith("(D = N·n = 3·2, samples × outputs: the loss is the mean over both)")
    model = Sequential([Dense(3, input_shape=(2,), activation="softmax")], dtype="float64", seed=0)
    model.compile(optimizer=SGD(0.1), loss="categorical_crossentropy")
    step = next(s for s in backprop_trace(model, x[:1], np.array([[0.0, 1.0, 0.0]])) if isinstance(s, BackwardUnit))
    assert step.fused and "/D = " in step.to_text() and "(D = N = 1, the number of samples" in step.to_text()


def test_predict_first_hides_the_paragraphs_not_yet_answered(example):
    _, trace = example
    first = explanation_shown(EXPLANATION, trace, 0, hidden=True)
    # before: the whole explanation, "z_0^(1) = … = 1", "0.7311", "δ^(2) = (−0.125, 0.1437)" … at step 0
    assert "0.7311" not in first and "0.5·1 + 1·0.5" not in first and "−0.9531" not in first
    assert first.count(HIDDEN_NOTE) == 6 and "**Forward, hidden layer.** " + HIDDEN_NOTE in first
    assert "w_jk^(l) connects unit k" in first          # the notation gives nothing away
    forward_2 = next(i for i in range(len(trace)) if trace[i].phase == "forward" and trace[i].layer_index == 2)
    # at the output layer's first unit: the hidden layer's numbers were answered (the table shows them too)
    at = explanation_shown(EXPLANATION, trace, forward_2, hidden=True)
    assert "z_1^(1) = 0.25·1 + 0.5·0.5 + 0.25 = 0.75" in at and "0.7311" not in at
    # at the last output unit, answered: the output layer's paragraph shows; the loss's stays hidden
    last = max(i for i in range(len(trace)) if trace[i].phase == "forward")
    assert "0.7311" not in explanation_shown(EXPLANATION, trace, last, hidden=True)
    answered = explanation_shown(EXPLANATION, trace, last, hidden=False)
    assert "(0.5, 0.7311)" in answered and "0.3922" not in answered
    assert explanation_shown(EXPLANATION, trace, len(trace) - 1, hidden=False) == EXPLANATION
    assert explanation_shown("### Mine\n\nx = 1\n", trace, 0, True) == "### Mine\n\nx = 1\n"   # other text: as is
