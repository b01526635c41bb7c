"""The lesson format (errors name their line), the check registry (unavailable features never pass) and the
curve pattern detectors, without Qt."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnviz.core.lessons import DONE, OPEN, UNAVAILABLE, AppState, Check, LessonError, evaluate, parse_lesson
from nnviz.core.lessons import patterns
from nnviz.core.lessons.checks import validate

GOOD = """# a comment
title: My lesson
order: 2
summary: short

== First step
Some text with a formula $z = w·x + b$.

A second paragraph.
do: open_example xor
do: set learning_rate 0.5
highlight: learningRateSpin
check: metric accuracy >= 0.9
hint: train it
show: train
"""


def test_a_good_lesson_parses_into_steps_with_actions_and_a_check():
    lesson = parse_lesson(GOOD, "mine.lesson", known_examples={"xor"})
    assert (lesson.id, lesson.title, lesson.order, lesson.summary) == ("mine", "My lesson", 2, "short")
    step = lesson.steps[0]
    assert step.text == "Some text with a formula $z = w·x + b$.\n\nA second paragraph."
    assert [str(a) for a in step.actions] == ["open_example xor", "set learning_rate 0.5"]
    assert step.actions[1].args == ("learning_rate", 0.5)
    assert step.check == Check("metric", ("accuracy", ">=", 0.9), 13)
    assert step.highlight == "learningRateSpin" and step.hint == "train it" and str(step.show_me[0]) == "train"


@pytest.mark.parametrize("broken, line, words", [
    (GOOD.replace("title: My lesson", "titel: My lesson"), 2, "header"),
    (GOOD.replace("do: set learning_rate 0.5", "do: set learning_rate fast"), 11, "not a float"),
    (GOOD.replace("do: set learning_rate 0.5", "do: set speed 0.5"), 11, "unknown training setting"),
    (GOOD.replace("do: open_example xor", "do: open_example nothere"), 10, "no example"),
    (GOOD.replace("do: open_example xor", "do: fly away"), 10, "unknown action"),
    (GOOD.replace("check: metric accuracy >= 0.9", "check: metric accuracy ~ 0.9"), 13, "OP"),
    (GOOD.replace("check: metric accuracy >= 0.9", "check: guess"), 13, "unknown check"),
    (GOOD.replace("check: metric accuracy >= 0.9", "check: pattern wobbles"), 13, "oscillates"),
    (GOOD.replace("check: metric accuracy >= 0.9", "check: architecture weight == 3"), 13, "unknown property"),
    (GOOD.replace("hint: train it\n", ""), 13, "hint"),
    (GOOD.replace("highlight: learningRateSpin", "highlight: a b"), 12, "object name"),
    (GOOD.replace("== First step", "=="), 6, "title"),
    (GOOD + "check: view stepper\n", 16, "two"),
    (GOOD.replace("title: My lesson\n", ""), 1, "title"),
])
def test_a_mistake_names_its_line(broken, line, words):
    with pytest.raises(LessonError) as info:
        parse_lesson(broken, "mine.lesson", known_examples={"xor"})
    assert info.value.line == line, str(info.value)
    assert f"mine.lesson, line {line}:" in str(info.value)
    assert words.lower() in str(info.value).lower()


def test_requires_lets_a_lesson_name_an_example_this_build_lacks():
    text = GOOD.replace("summary: short", "summary: short\nrequires: example:autoencoder").replace(
        "open_example xor", "open_example autoencoder")
    lesson = parse_lesson(text, "a.lesson", known_examples={"xor"})
    assert lesson.missing({"xor"}) == ["autoencoder"] and lesson.missing({"autoencoder"}) == []


def check(text):
    kind, *args = text.split()
    return Check(kind, tuple(validate(kind, args)))


LAYERS = ({"class_name": "Dense", "config": {"units": 3, "activation": "relu"}},
          {"class_name": "Dense", "config": {"units": 2, "activation": "softmax"}})


@pytest.mark.parametrize("text, done_state, open_state", [
    ("metric val_loss < 0.3", AppState(history={"val_loss": [0.9, 0.2]}), AppState(history={"val_loss": [0.2, 0.4]})),
    ("metric accuracy >= 0.9", AppState(history={"accuracy": [0.95]}), AppState(history={"accuracy": [math.nan]})),
    ("architecture params == 17", AppState(layers=LAYERS, params=17), AppState(layers=LAYERS, params=22)),
    ("architecture hidden_units == 3", AppState(layers=LAYERS), AppState(layers=LAYERS[1:])),
    ("architecture activation:1 == relu", AppState(layers=LAYERS), AppState(layers=LAYERS[1:])),
    ("architecture count:Dense >= 2", AppState(layers=LAYERS), AppState(layers=LAYERS[:1])),
    ("training learning_rate > 1", AppState(training={"learning_rate": 5.0}), AppState(training={"learning_rate": 0.1})),
    ("training regularization == l2", AppState(training={"regularization": "L2"}), AppState(training={"regularization": "none"})),
    ("dataset name == circle", AppState(dataset={"name": "circle"}), AppState(dataset={"name": "xor"})),
    ("dataset param:noise >= 20", AppState(dataset={"name": "xor", "params": {"noise": 30.0}}), AppState(dataset=None)),
    ("view stepper", AppState(open_views=frozenset({"stepper"})), AppState()),
    ("selected 2", AppState(selected_layers=(2,)), AppState(selected_layers=(1,))),
    ("runs count >= 2", AppState(runs=[{}, {}]), AppState(runs=[{}])),
    ("stepper delta 2", AppState(stepper_answers=[{"quantity": "delta", "correct": True}] * 2),
     AppState(stepper_answers=[{"quantity": "delta", "correct": True}, {"quantity": "delta", "correct": False}])),
])
def test_each_check_passes_when_done_and_stays_open_when_not(text, done_state, open_state):
    assert evaluate(check(text), done_state).status == DONE
    result = evaluate(check(text), open_state)
    assert result.status == OPEN and result.message


@pytest.mark.parametrize("text", ["runs count >= 1", "runs lr-oscillates-vs-crawls", "runs fix-beats-overfit",
                                  "stepper z", "stepper any 3"])
def test_a_feature_missing_from_this_build_is_unavailable_never_passed(text):
    result = evaluate(check(text), AppState(history={"loss": [1.0] * 20}))
    assert result.status == UNAVAILABLE and "not in this build" in result.message


def wobbly(n=20):
    return list(1.0 + 0.5 * (np.arange(n) % 2))


def falling(n=20, to=0.05):
    return list(np.geomspace(1.0, to, n))


def test_patterns_read_the_curves_the_course_describes():
    assert patterns.oscillates(wobbly()) and not patterns.oscillates(falling())
    assert patterns.oscillates([1.0] * 10 + [math.inf])
    assert not patterns.oscillates(wobbly(5))            # too few epochs to say
    assert patterns.crawls(falling(20, 0.9)) and not patterns.crawls(falling(20, 0.1))
    assert not patterns.crawls(wobbly())
    val_up = list(np.r_[np.geomspace(1.0, 0.3, 10), np.linspace(0.3, 0.8, 20)])
    assert patterns.overfits(falling(30, 0.01), val_up)
    assert not patterns.overfits(falling(30, 0.01), falling(30, 0.2))
    assert not patterns.overfits(falling(30, 0.01), [])    # no validation split: says so
    assert patterns.at_chance([0.5, 0.52, 0.48] * 4, 0.5) and not patterns.at_chance(falling(12, 0.99)[::-1], 0.5)


def test_run_comparisons_need_both_runs():
    wild = {"training": {"learning_rate": 5.0}, "history": {"loss": wobbly()}}
    slow = {"training": {"learning_rate": 0.001}, "history": {"loss": falling(20, 0.9)}}
    assert evaluate(check("runs lr-oscillates-vs-crawls"), AppState(runs=[wild, slow])).status == DONE
    assert evaluate(check("runs lr-oscillates-vs-crawls"), AppState(runs=[wild])).status == OPEN
    swapped = [{**wild, "training": {"learning_rate": 0.0001}}, slow]   # the wild run had the smaller rate
    assert evaluate(check("runs lr-oscillates-vs-crawls"), AppState(runs=swapped)).status == OPEN
    bad = {"history": {"loss": falling(30, 0.01), "val_loss": list(np.r_[np.geomspace(1, .3, 10), np.linspace(.3, .8, 20)])}}
    good = {"history": {"loss": falling(30, 0.2), "val_loss": falling(30, 0.25)}}
    assert evaluate(check("runs fix-beats-overfit"), AppState(runs=[bad, good])).status == DONE
    assert evaluate(check("runs fix-beats-overfit"), AppState(runs=[good, bad])).status == OPEN


def test_a_loss_the_app_pauses_as_diverged_counts_as_oscillating():
    assert patterns.oscillates([0.7, 1.2, 2.0, 2.3, 2.5])        # 3 epochs above 1.5 × the start
    assert not patterns.oscillates([0.7, 0.6, 1.2, 0.9, 0.5])    # one spike, and too few epochs to say more


def test_a_loss_that_stays_far_above_guessing_overshoots():
    # what the app saw at learning rate 5 before its divergence policy paused: 3 epochs, all above 1.5 × ln 2
    loss = [2.66, 2.56, 2.34]
    assert not patterns.oscillates(loss) and patterns.oscillates(loss, guess=math.log(2))
    binary = {"loss": "binary_crossentropy", "learning_rate": 5.0}
    state = AppState(history={"loss": loss}, training=binary, num_classes=2)
    assert evaluate(check("pattern oscillates"), state).status == DONE
    assert evaluate(check("pattern oscillates"), AppState(history={"loss": [0.6, 0.5, 0.4]}, training=binary,
                                                          num_classes=2)).status == OPEN
