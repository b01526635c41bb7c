"""Every bundled lesson played headless: the document is driven by the lesson's own actions, training runs through
the core's one training path and is kept as a run record (what the Runs panel compares), the backprop stepper's
session is stepped for real, and each check must stay open before its step is done and pass once the step's
"show me" has done it (a check that cannot fail is a defect). A prediction in the stepper stays open when it is
wrong and passes when the student types the right value."""

from __future__ import annotations

import pytest

from nnviz import resources
from nnviz.core import training
from nnviz.core.lessons import DONE, OPEN, AppState, evaluate, load_lessons
from nnviz.core.runs import RunRecord
from nnviz.core.trace import format_number
from nnviz.io.classroom import CONTROLS
from nnviz.io.examples import list_examples
from nnviz.session.document import ProjectDocument
from nnviz.session.lesson_session import LessonSession, app_state, apply_document_action
from nnviz.session.stepper_session import StepperSession

EXAMPLES = {e.name for e in list_examples()}
LESSONS, ERRORS = load_lessons(str(resources.path("lessons")), EXAMPLES)


class Player:
    """Plays lesson actions on a document the way the window does (train = the core's fit, kept as a run record;
    the stepper = its Qt-free session on the document's model)."""

    def __init__(self, qapp):
        self.document = ProjectDocument()
        self.stepper = StepperSession()
        self.views: set[str] = set()
        self.selected: tuple = ()

    def do(self, action) -> None:
        if apply_document_action(self.document, action):
            if action.name == "open_example":
                self.selected = ()
            return
        doc = self.document
        if action.name == "open":
            self.views.add(action.args[0])
            if action.args[0] == "stepper":
                self.open_stepper()
        elif action.name == "predict":
            self.open_stepper()
            self.stepper.predict = True
            at = self.stepper.ask(action.args[0])
            assert at is not None, f"no step asks for {action.args[0]}"
            self.stepper.index = at
        elif action.name == "compare":
            assert len(doc.runs) >= (int(action.args[0]) if action.args else 2), "nothing to compare"
        elif action.name == "select":
            self.selected = (action.args[0],)
        elif action.name == "reset":
            doc.reinitialize_weights()
            doc.reset_history()
        elif action.name == "train":
            config = doc.training_config
            model = doc.model
            config.compile_model(model)
            start = len(doc.history.get("loss", []))
            history = training.fit(model, doc.dataset, config).history
            for epoch in range(len(history["loss"])):
                doc.append_history({k: v[epoch] for k, v in history.items()})
            doc.add_run(RunRecord(config={"dataset": doc.dataset_spec, "architecture": doc.architecture_config(),
                                          "training": config.to_dict()},
                                  history={k: list(v) for k, v in doc.history.items()}, start_epoch=start,
                                  ended_as="finished"))
        else:
            raise AssertionError(f"unplayable action {action}")

    def open_stepper(self) -> None:
        if "stepper" not in self.views or self.stepper.model is not self.document.model:
            self.views.add("stepper")
            self.stepper.set_model(self.document.model, self.document.dataset)
            assert self.stepper.rebuild() == ""

    def predict(self, right: bool):
        """Type a prediction of the question the stepper asks: its value, or a value that is clearly off."""
        q = self.stepper.question()
        assert q is not None and self.stepper.hidden
        value = q.value if right else q.value * 3 + 1
        return self.stepper.answer(format_number(value, 6))

    def state(self) -> AppState:
        return app_state(self.document, stepper_answers=self.stepper.answer_log, open_views=self.views,
                         selected_layers=self.selected)


def test_every_bundled_lesson_validates():
    assert not ERRORS, [str(e) for e in ERRORS]
    assert len(LESSONS) >= 12
    for lesson in LESSONS:
        assert lesson.title and lesson.steps and lesson.summary, lesson.id


def test_the_lessons_the_issue_asks_for_are_there():
    ids = " ".join(l.id for l in LESSONS)
    for topic in ("neuron", "activations", "learning-rate", "data-splits", "overfitting", "underfitting",
                  "backprop", "cnn", "rnn", "playground", "perceptron", "autoencoder"):
        assert topic in ids, topic


@pytest.mark.parametrize("lesson", LESSONS, ids=[l.id for l in LESSONS])
def test_lesson_plays_headless(qapp, lesson):
    missing = lesson.missing(EXAMPLES)
    assert not missing, f"{lesson.id} needs {missing}"   # every bundled lesson's example ships
    player = Player(qapp)
    fresh = Player(qapp).state()
    session = LessonSession([lesson])
    session.start(lesson.id)
    for index, step in enumerate(lesson.steps):
        assert session.index == index
        for action in step.actions:
            player.do(action)
        if step.check is not None:
            before = evaluate(step.check, player.state())
            on_fresh = evaluate(step.check, fresh)
            assert OPEN in (before.status, on_fresh.status), f"{lesson.id} step {index + 1}: {step.check} cannot fail"
            if step.check.kind == "stepper":   # the student predicts: a wrong value leaves the check open
                assert before.status == OPEN, f"{lesson.id} step {index + 1}: {before.message}"
                wrong = player.predict(right=False)
                assert not wrong.correct and wrong.quantity == step.check.args[0]
                after_wrong = evaluate(step.check, player.state())
                assert after_wrong.status == OPEN and "not quite" in after_wrong.message, after_wrong.message
            for action in step.show_me:
                player.do(action)
            if step.check.kind == "stepper":   # shown the way to a fresh question, the student gets it right
                assert player.predict(right=True).correct
            result = session.evaluate(player.state())
            assert result.status == DONE, f"{lesson.id} step {index + 1} ({step.check}): {result.message}"
            assert session.is_done(index)
        session.next()
    assert session.fraction(lesson.id) == 1.0


@pytest.mark.parametrize("lesson", LESSONS, ids=[l.id for l in LESSONS])
def test_a_lessons_classroom_names_are_classroom_controls(lesson):
    from nnviz.session.lesson_session import lesson_classroom
    from nnviz.io.classroom import ClassroomSettings
    items = [*lesson.classroom, *(i for s in lesson.steps for i in s.classroom)]
    settings, unknown = lesson_classroom(ClassroomSettings(), items)
    assert not unknown, f"{lesson.id}: {unknown} are not among {', '.join(CONTROLS)}"
    if items:
        assert settings.student_view and settings.restricted
