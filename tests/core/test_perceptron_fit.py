"""Issue 18: the perceptron rule as the training loop of a perceptron project (what the app's engine runs), and the
one-sample explanation the stepper shows — both the same rule as ``Perceptron``."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nnviz.core import step as core_step
from nnviz.core.callbacks import Callback
from nnviz.core.data import catalog
from nnviz.core.perceptron import Perceptron, convergence_bound
from nnviz.core.perceptron_fit import evaluate_perceptron, fit_function, fit_perceptron
from nnviz.core.perceptron_trace import decision_line, trace_sample
from nnviz.core.training import fit as network_fit
from nnviz.io.perceptron_project import new_project, training_system
from nnviz.io.project import load_project

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "examples")


def _example(name):
    project = load_project(os.path.join(EXAMPLES, name + ".nnviz"))
    return project, project.build_model(), catalog.load(project.dataset["name"], **project.dataset["params"])


@pytest.fixture
def no_sgd(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the optimizer's training step ran on a perceptron")
    monkeypatch.setattr(core_step, "train_step", refuse)


# ------------------------------------------------------------------ the explanation
def test_the_explanation_is_the_rule_applied_by_hand_on_a_worked_sample():
    # w = (0.5, −1), b = 0.25, x = (2, 1), t = 0, η = 0.1:
    # z = 0.5·2 + (−1)·1 + 0.25 = 0.25 ≥ 0, so ŷ = 1; t − ŷ = −1
    # w₁ ← 0.5 + 0.1·(−1)·2 = 0.3, w₂ ← −1 + 0.1·(−1)·1 = −1.1, b ← 0.25 + 0.1·(−1) = 0.15
    t = trace_sample([[0.5], [-1.0]], [0.25], [2.0, 1.0], 0, 0.1, index=2)
    assert t.z[0] == pytest.approx(0.25) and t.y_hat[0] == 1 and t.error[0] == -1 and t.mistake
    np.testing.assert_allclose(t.kernel_after[:, 0], [0.3, -1.1])
    assert t.bias_after[0] == pytest.approx(0.15)
    text = "\n".join(t.lines())
    assert "x = (2, 1),  t = 0" in text
    assert "z = w₁x₁ + w₂x₂ + b = 0.5·2 + (−1)·1 + 0.25 = 0.25" in text
    assert "ŷ = step(z) = 1   (z ≥ 0)" in text and "t − ŷ = 0 − 1 = −1" in text
    assert "w₁ ← w₁ + η (t − ŷ) x₁ = 0.5 + 0.1·(−1)·2 = 0.3" in text
    assert "w₂ ← w₂ + η (t − ŷ) x₂ = −1 + 0.1·(−1)·1 = −1.1" in text
    assert "b ← b + η (t − ŷ) = 0.25 + 0.1·(−1) = 0.15" in text
    assert t.summary() == "sample 3: ŷ = 1, t = 0: a mistake: the weights move"


def test_a_right_answer_changes_nothing_and_says_so():
    t = trace_sample([[0.5], [-1.0]], [0.25], [2.0, 1.0], 1, 0.1)
    assert not t.mistake and t.lines()[-1] == "ŷ = t: no change"
    np.testing.assert_array_equal(t.kernel_after, t.kernel)
    np.testing.assert_array_equal(t.bias_after, t.bias)


@pytest.mark.parametrize("classes", [2, 3])
def test_the_explanation_computes_what_the_rule_does(classes):
    rng = np.random.default_rng(classes)
    x = rng.normal(size=(40, 3))
    y = rng.integers(0, classes, size=40)
    p = Perceptron(learning_rate=0.3)
    p.prepare(x, y)
    for i in range(len(x)):
        t = trace_sample(p.kernel, p.bias, x[i], int(y[i]), p.learning_rate, i)
        step = p.learn(x[i], int(y[i]), 0, i)
        assert t.mistake == step.mistake and t.predicted == step.predicted
        np.testing.assert_allclose(t.kernel_after, p.kernel)
        np.testing.assert_allclose(t.bias_after, p.bias)
    lines = trace_sample(p.kernel, p.bias, x[0], 1, 0.3).lines()
    assert sum(line.startswith("unit ") for line in lines) == (classes if classes > 2 else 0)   # one-vs-rest: unit by unit


def test_the_decision_line_lies_on_w_x_plus_b_equals_zero():
    xs, ys = decision_line([2.0, 1.0], -3.0, ((-1, -1), (2, 2)))
    np.testing.assert_allclose(2 * xs + ys - 3, 0)
    xs, ys = decision_line([-1.0, 0.0], 0.5, ((-1, -1), (2, 2)))      # vertical: x₁ = 0.5
    np.testing.assert_allclose(xs, 0.5)
    assert decision_line([0.0, 0.0], 1.0, ((0, 0), (1, 1)))[0].size == 0


# ------------------------------------------------------------------ the training loop
@pytest.mark.parametrize("name", ["perceptron-and", "perceptron-or", "perceptron-gauss", "perceptron-xor"])
def test_fit_perceptron_is_the_rule_and_never_the_optimizer(name, no_sgd):
    project, model, ds = _example(name)
    history = fit_perceptron(model, ds, project.training_config())
    p = Perceptron(learning_rate=project.training_config().learning_rate)
    p.fit(ds.x_train, ds.y_train, epochs=project.training_config().epochs)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel, p.kernel, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(bias, p.bias, rtol=1e-6, atol=1e-6)
    assert history.history["mistakes"] == p.history.history["mistakes"]
    assert history.converged == p.converged and history.outcome == p.outcome()
    assert "loss" not in history.history


def test_and_converges_and_xor_is_named_not_separable(no_sgd):
    project, model, ds = _example("perceptron-and")
    history = fit_perceptron(model, ds, project.training_config())
    assert history.converged and history.history["mistakes"][-1] == 0
    assert history.headline == "Converged: epoch 6 had no mistake"
    project, model, ds = _example("perceptron-xor")
    history = fit_perceptron(model, ds, project.training_config())
    assert not history.converged and len(history.history["mistakes"]) < project.training_config().epochs
    assert history.headline == "No straight line separates these classes"
    assert "no straight line separates these classes" in history.outcome


def test_separable_sets_converge_within_the_theorems_bound(no_sgd):
    from types import SimpleNamespace

    rng = np.random.default_rng(7)
    for trial in range(5):
        w, b = rng.normal(size=2), rng.normal() * 0.3
        x = rng.uniform(-1, 1, size=(60, 2))
        z = x @ w + b
        keep = np.abs(z) > 0.15                         # a margin
        x, y = x[keep], (z[keep] > 0).astype(np.int64)
        ds = SimpleNamespace(x_train=x, y_train=y)           # all the loop reads of a data set
        project = new_project({"name": "separable", "params": {}}, 2, epochs=500)
        model = project.build_model()
        history = fit_perceptron(model, ds, project.training_config())
        _, _, bound = convergence_bound(x, y, w, b)
        assert history.converged, trial
        assert sum(history.history["mistakes"]) <= bound


def test_the_loop_speaks_keras_callbacks_one_sample_a_batch_and_stops_when_asked(no_sgd):
    project, model, ds = _example("perceptron-xor")
    seen = []

    class Spy(Callback):
        def set_params(self, params):
            seen.append(("params", params["batch_size"], params["steps"]))

        def on_train_batch_end(self, batch, logs=None):
            seen.append(("batch", batch, self.model.last_batch_loss))
            if len([s for s in seen if s[0] == "batch"]) == 6:
                self.model.stop_training = True

    history = fit_perceptron(model, ds, project.training_config(), epochs=1000, callbacks=[Spy()], initial_epoch=3)
    assert seen[0] == ("params", 1, 4)
    batches = [s for s in seen if s[0] == "batch"]
    assert len(batches) == 6 and all(loss in (0.0, 1.0) for *_, loss in batches)
    assert len(history.history["mistakes"]) == 1           # the second epoch was cut short: no logs for it
    assert history.epoch == [3]


def test_evaluate_measures_the_step_and_fit_function_picks_the_loop():
    project, model, ds = _example("perceptron-and")
    model.set_weights([np.array([[2.0], [1.0]], dtype=model.dtype), np.array([-3.0], dtype=model.dtype)])
    # (1, 1): z = 0, step(0) = 1 — a hinge threshold would call it class 0
    assert evaluate_perceptron(model, ds.x_train, ds.y_train) == {"accuracy": 1.0, "mistakes": 0.0}
    assert fit_function(None) is network_fit
    assert fit_function(training_system(project)).func is fit_perceptron
    assert training_system(project) == {"system": "perceptron", "shuffle": False}
