"""Issue 15: predict-then-reveal and the numeric check, in the stepper's Qt-free session."""

import pytest

from nnviz.core.trace import BackwardUnit, ForwardUnit, LossStep, WeightUpdate
from nnviz.session.stepper_session import close_enough, parse_number


@pytest.fixture
def session(predict_session):
    return predict_session


def _go(s, kind, unit=None, layer=None):
    for i, step in enumerate(s.trace):
        if isinstance(step, kind) and (unit is None or getattr(step, "unit", None) == unit) \
                and (layer is None or step.layer_index == layer):
            s.index = i
            return step
    raise AssertionError(kind)


@pytest.mark.parametrize("guess,value,ok", [
    ("0.73", 0.7310585786300049, True), ("0.731", 0.7310585786300049, True), ("0.7", 0.7310585786300049, False),
    ("0.74", 0.7310585786300049, False), ("−0.13", -0.125, True), ("-0.12", -0.125, True), ("0.125", -0.125, False),
    ("0,39", 0.3922, True), ("0.4", 0.3922, False), ("0", 0.0, True), ("0.01", 0.0, False),
    ("2.7e-2", 0.0268, True), ("1200", 1234.0, True), ("1300", 1234.0, False),
])
def test_close_enough_is_two_significant_digits(guess, value, ok):
    assert close_enough(parse_number(guess), value) is ok


def test_the_hidden_quantity_is_revealed_by_a_right_prediction(session):
    step = _go(session, ForwardUnit, unit=1, layer=2)          # z_1^(2) = 1, a_1^(2) = σ(1) = 0.7311
    q = session.question()
    assert q.symbol == "z_1^(2)" and q.quantity == "z" and q.value == pytest.approx(1.0)
    assert session.answer("1").correct
    assert session.hidden                                       # a is still to predict
    q = session.question()
    assert q.symbol == "a_1^(2)" and q.value == pytest.approx(0.7310586)
    answer = session.answer("0.73")
    assert answer.correct and "Right" in answer.message
    assert not session.hidden
    assert step.a[0] == pytest.approx(answer.value)


def test_a_wrong_prediction_shows_the_value_and_how_it_was_computed(session):
    _go(session, BackwardUnit, unit=0, layer=2)                 # δ_0^(2) = (0.5 − 1)·0.5·0.5 = −0.125
    answer = session.answer("0.125")                            # the sign forgotten
    assert not answer.correct and answer.value == pytest.approx(-0.125)
    assert "-0.125" in answer.message and answer.how in answer.message and "δ" in answer.how
    assert "∂w" not in answer.how                               # the gradient still to predict is not given away
    assert session.question().quantity == "grad"
    session.reveal()
    assert not session.hidden                                   # revealed


def test_nonsense_is_not_judged_and_keeps_the_quantity_hidden(session):
    _go(session, LossStep)
    answer = session.answer("abc")
    assert not answer.correct and answer.guess is None and "not a number" in answer.message
    assert session.hidden
    assert session.answer("0.39").correct                       # C_0 = ½(0.25 + 0.5344) = 0.3922 (Keras' mean)


def test_weight_updates_ask_for_the_new_weight_and_layer_steps_ask_nothing(session):
    step = _go(session, WeightUpdate)
    assert session.question().value == step.new and "after the update" in session.question().symbol
    assert session.question().quantity == "weight"
    session.granularity = "layer"
    session.set_granularity("phase")
    session.index = 0
    assert session.question() is None and not session.hidden
    session.predict = False
    session.set_granularity("unit")
    session.index = 0
    assert not session.hidden                                   # predict mode off: nothing hidden


def test_answers_are_forgotten_with_a_new_trace(session):
    _go(session, ForwardUnit, unit=0, layer=1)
    session.answer("1")
    session.answer("1")
    assert not session.hidden
    session.rebuild()
    assert session.hidden


def test_the_numeric_check_beside_a_weight_and_a_whole_layer(session):
    step = _go(session, WeightUpdate, layer=1)
    check = session.numeric_check()
    assert check.key == f"{step.layer_name}/{step.param}" and check.agrees
    assert check.backprop == pytest.approx(step.grad, rel=1e-6)     # the float32 trace's ∂C/∂w, in float64
    rows = session.layer_numeric_check()
    assert len(rows) == 6 and all(r.agrees for r in rows)
    _go(session, ForwardUnit)
    assert session.numeric_check() is None
