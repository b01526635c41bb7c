"""Issue 19 without a screen: the stepper's questions a lesson checks (z, a, δ, ∂C/∂w, the new weight, C_0), the log
of judged answers, the lesson's "predict" getting a step ready, run records as lessons compare them, and a lesson's
classroom items as classroom settings."""

from __future__ import annotations

import pytest

from nnviz.core.lessons import DONE, OPEN, AppState, evaluate, parse_lesson
from nnviz.core.runs import RunRecord
from nnviz.core.trace import BackwardUnit, ForwardUnit
from nnviz.io.classroom import ClassroomSettings
from nnviz.session.lesson_session import lesson_classroom, lesson_runs
from nnviz.session.stepper_session import questions_for


@pytest.fixture
def session(predict_session):
    return predict_session


def test_each_unit_step_asks_what_the_course_computes(session):
    asked = {}
    for step in session.trace:
        for q in questions_for(step):
            asked.setdefault(q.quantity, q)
    assert set(asked) == {"z", "a", "delta", "grad", "weight", "cost"}
    fwd = next(s for s in session.trace if isinstance(s, ForwardUnit))
    z, a = questions_for(fwd)
    assert z.value == pytest.approx(float(fwd.z[0])) and a.value == pytest.approx(float(fwd.a[0]))
    assert z.how.startswith("z_") and "a_" not in z.how.split("=")[0]
    back = next(s for s in session.trace if isinstance(s, BackwardUnit))
    delta, grad = questions_for(back)
    assert delta.symbol.startswith("δ_") and "∂C_0/∂z_" in delta.symbol and "∂w" not in delta.how
    k = int(grad.symbol.split("∂w_")[1][1])
    assert grad.value == pytest.approx(float(back.delta[0] * back.inputs[0, k]))    # ∂C/∂w_jk = δ_j·a_k
    assert grad.symbol in grad.how


def test_judged_answers_are_logged_for_the_lessons_and_nothing_else_is(session):
    session.index = session.ask("z")
    q = session.question()
    session.answer("abc")                                  # not a number: not judged, not logged
    session.answer(str(q.value * 2 + 1))                   # wrong
    session.reveal()                                       # a shown without a guess: not an answer
    assert [(r["quantity"], r["correct"]) for r in session.answer_log] == [("z", False)]
    session.index = session.ask("z")
    session.answer(repr(session.question().value))
    assert [(r["quantity"], r["correct"]) for r in session.answer_log] == [("z", False), ("z", True)]
    record = session.answer_log[-1]
    assert record["symbol"].startswith("z_") and record["step"] == session.index
    session.rebuild()                                      # a new trace forgets the verdicts shown, not the log
    assert len(session.answer_log) == 2 and session.hidden


def test_predict_gets_a_step_ready_to_ask_the_quantity(session):
    at = session.ask("a")                                  # a forward step: its z is revealed, a is asked
    session.index = at
    assert session.question().quantity == "a" and session.hidden
    assert [v.guess for v in session.verdicts()] == [None]
    assert session.ask("a") == at                          # asked and not answered: stays
    at = session.ask("grad")
    session.index = at
    assert isinstance(session.current_step, BackwardUnit) and session.question().quantity == "grad"
    session.answer("0")
    nxt = session.ask("grad")
    assert nxt != at                                       # on to a gradient not asked yet


def test_when_every_step_has_asked_the_first_asks_again(session):
    for _ in range(len(session.trace)):
        at = session.ask("cost")
        session.index = at
        if not session.hidden:
            break
        session.answer("0")
    session.index = session.ask("cost")                    # the one loss step, asked again
    assert session.hidden and session.question().quantity == "cost"


def test_the_stepper_check_reads_the_logged_answers():
    check = parse_lesson("title: T\n\n== S\nText\ncheck: stepper grad 2\nhint: h\n").steps[0].check
    log = [{"quantity": "grad", "correct": True}, {"quantity": "grad", "correct": False},
           {"quantity": "z", "correct": True}]
    result = evaluate(check, AppState(stepper_answers=log))
    assert result.status == OPEN and "1 of 2" in result.message and "1 not quite" in result.message
    assert evaluate(check, AppState(stepper_answers=[*log, log[0]])).status == DONE


def test_predict_actions_are_validated():
    lesson = parse_lesson("title: T\n\n== S\nText\ndo: predict delta\n")
    assert lesson.steps[0].actions[0].args == ("delta",)
    with pytest.raises(ValueError, match="line 5.*unknown quantity 'y'"):
        parse_lesson("title: T\n\n== S\nText\ndo: predict y\n")


def test_runs_are_the_records_the_runs_panel_keeps_with_their_own_epochs():
    first = RunRecord(config={"training": {"learning_rate": 5.0}, "architecture": {"layers": [{"class_name": "Dense"}]}},
                      history={"loss": [3.0, 2.0]})
    second = RunRecord(config={"training": {"learning_rate": 0.001}}, history={"loss": [3.0, 2.0, 1.9, 1.8]},
                       start_epoch=2)                      # went on from the first run's epochs
    runs = lesson_runs([first, second])
    assert runs[0]["training"]["learning_rate"] == 5.0 and runs[0]["layers"] == [{"class_name": "Dense"}]
    assert runs[1]["history"]["loss"] == [1.9, 1.8]


def test_a_lessons_classroom_items_become_classroom_settings():
    base = ClassroomSettings({"noise": "hidden"})
    settings, unknown = lesson_classroom(base, [("lock", "learning_rate"), ("hide", "someWidget"),
                                                ("lock", "regularizationCombo")],
                                         {"regularizationCombo": "regularization"})
    assert unknown == ["someWidget"]
    assert settings.student_view and settings.is_locked("learning_rate") and settings.is_locked("regularization")
    assert settings.is_hidden("noise")
    same, _ = lesson_classroom(base, [])
    assert same == base
