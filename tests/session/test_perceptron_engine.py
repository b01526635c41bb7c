"""Issue 18: the training engine trains a perceptron project with the perceptron rule (never the optimizer's
step), one sample a step, and says how the run ended in the snapshot's message."""

from __future__ import annotations

import os

import pytest

from nnviz.core import step as core_step
from nnviz.core.data import catalog
from nnviz.io.perceptron_project import training_system
from nnviz.io.project import load_project
from nnviz.session.worker import TrainingController

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "examples")
TIMEOUT = 20000


def _example(name):
    project = load_project(os.path.join(EXAMPLES, name + ".nnviz"))
    return project, project.build_model(), catalog.load(project.dataset["name"], **project.dataset["params"])


@pytest.fixture
def controller(qtbot, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the optimizer's training step ran on a perceptron")
    monkeypatch.setattr(core_step, "train_step", refuse)     # the thread backend trains in this process
    c = TrainingController(backend="thread")
    yield c
    c.shutdown()


def _setup(qtbot, c, name):
    project, model, ds = _example(name)
    c.set_setup(model, ds, project.training_config(), system=training_system(project))
    token = c.sync()
    with qtbot.waitSignal(c.synced, timeout=TIMEOUT, check_params_cb=lambda t: t == token):
        pass
    return project, model


def test_the_engine_runs_the_rule_to_convergence_on_and(qtbot, controller):
    _setup(qtbot, controller, "perceptron-and")
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
        controller.train()
    snap = controller.latest_snapshot
    assert snap.message.startswith("converged: epoch 6 had no mistake")
    assert list(snap.history["mistakes"].y) == [2, 3, 3, 2, 1, 0]
    assert "loss" not in snap.history
    kernel, bias = snap.weights
    assert kernel[:, 0].tolist() == [2.0, 1.0] and bias.tolist() == [-3.0]
    assert snap.step == 24 and snap.batch_size == 1 and snap.steps_per_epoch == 4    # one sample a step


def test_the_engine_names_xor_not_separable_and_steps_one_sample(qtbot, controller):
    _setup(qtbot, controller, "perceptron-xor")
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.step_batch()
    assert controller.latest_snapshot.step == 1
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
        controller.train()
    snap = controller.latest_snapshot
    assert snap.message.startswith("no straight line separates these classes")
    assert snap.epoch < 10 and snap.history["mistakes"].y.min() > 0


def test_a_network_still_trains_with_its_fit(qtbot):
    from nnviz.core import Dense, Input, Sequential

    c = TrainingController(backend="thread")
    try:
        project, _model, ds = _example("perceptron-and")
        model = Sequential([Input((2,)), Dense(1, activation="sigmoid")], seed=0)
        config = project.training_config()
        config.loss, config.epochs = "binary_crossentropy", 2
        config.compile_model(model)
        c.set_setup(model, ds, config)
        with qtbot.waitSignal(c.stopped, timeout=TIMEOUT):
            c.train()
        assert "loss" in c.latest_snapshot.history and c.latest_snapshot.message == ""
    finally:
        c.shutdown()
