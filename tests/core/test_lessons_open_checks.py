"""Issue 19, played as a student: a pattern check on too few epochs (often an earlier run's curves) says plainly what
is missing, and "does not overfit" never passes on curves without a validation loss."""

from nnviz.core.lessons import DONE, OPEN, AppState, evaluate, parse_lesson


def _check(text):
    return parse_lesson(f"title: T\n\n== S\nText\ncheck: {text}\nhint: h\n").steps[0].check


def test_too_few_epochs_is_said_in_the_students_terms():
    result = evaluate(_check("pattern crawls"), AppState(history={"loss": [2.4, 2.3, 2.5]}))
    assert result.status == OPEN and result.message.startswith("the curves show 3 epochs, too few to tell (8 needed)")


def test_not_overfitting_needs_a_validation_curve_to_read():
    falling = [1.0 / (i + 1) for i in range(20)]
    assert evaluate(_check("pattern not overfits"), AppState(history={"loss": falling})).status == OPEN
    assert evaluate(_check("pattern not overfits"),
                    AppState(history={"loss": falling, "val_loss": [v + 0.1 for v in falling]})).status == DONE
