"""The stepper's session without a screen: samples, granularity, position, Apply and the worked example's
round trip (its saved setup is a dataclass now, not an 8-tuple patched by index)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from nnviz.core import SGD, Dense, Sequential
from nnviz.core.data import catalog
from nnviz.core.trace import StaleTraceError
from nnviz.core.worked_example import worked_example
from nnviz.session.stepper_session import SavedSetup, StepperSession, model_target


def course_model(seed: int = 3):
    model = Sequential([Dense(3, activation="relu", input_shape=(2,)), Dense(2, activation="softmax")],
                       dtype="float64", seed=seed)
    model.compile(optimizer=SGD(0.1), loss="sparse_categorical_crossentropy")
    return model


@pytest.fixture
def session():
    s = StepperSession()
    s.set_model(course_model(), catalog.load("circle"))
    s.rebuild()
    return s


def test_the_session_needs_no_qt():
    code = ("import sys, nnviz.session.stepper_session as m; s = m.StepperSession(); "
            "print(any(k.startswith('PySide6') for k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_samples_come_from_the_splits_or_are_typed_in(session):
    ds = session.dataset
    assert session.sources() == ["train", "test", "typed"] and session.source == "train"
    session.choose_sample("test", 10 ** 9)                      # clamped to the last sample
    assert session.sample_index == len(ds.x_test) - 1
    np.testing.assert_array_equal(session.x, ds.x_test[-1:])
    np.testing.assert_array_equal(session.y, model_target(session.model, ds.y_test[-1]))
    session.set_sample([0.5, -1.0], 1)
    assert session.source == "typed" and session.x.shape == (1, 2) and session.y.tolist() == [1]


def test_without_a_sample_the_session_says_what_to_do():
    s = StepperSession()
    assert s.rebuild() == "No network to step through." and s.trace is None and s.current_step is None
    s.model = course_model()
    assert "type the inputs" in s.rebuild()


def test_position_is_clamped_and_survives_a_change_of_granularity(session):
    n = session.step_count
    assert session.clamp(-5) == 0 and session.clamp(n + 5) == n - 1
    session.index = session.phase_start("backward") + 1
    step = session.current_step
    session.set_granularity("layer")
    covering = session.current_step
    assert covering.phase == step.phase == "backward" and covering.layer_index == step.layer_index
    with pytest.raises(ValueError):
        session.set_granularity("weight")


def test_a_wide_network_defaults_to_layer_steps_unless_the_user_chose_units():
    wide = Sequential([Dense(32, activation="relu", input_shape=(64,)), Dense(10, activation="softmax")],
                      dtype="float64", seed=0)
    wide.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    s = StepperSession()
    s.set_model(wide)
    s.rebuild()
    assert s.granularity == "layer" and s.unit_allowed and s.unit_count > 600
    s.granularity_chosen = True
    s.set_granularity("unit")
    s.rebuild()
    assert s.granularity == "unit" and s.step_count == s.unit_count


def test_apply_is_train_on_batch_and_refuses_a_stale_trace(session):
    model = session.model
    twin = model.clone()
    twin.compile(optimizer=SGD(0.1), loss="sparse_categorical_crossentropy")
    x, y = session.x.copy(), session.y.copy()
    update = session.apply()
    loss = twin.train_on_batch(x, y)
    assert update.loss == pytest.approx(float(loss), rel=1e-12) and session.applied_count == 1
    for got, want in zip(update.weights, twin.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert session.is_stale()                         # the trace is of the weights before the step
    with pytest.raises(StaleTraceError):
        session.apply()
    session.rebuild()
    assert not session.is_stale()


def test_the_worked_example_keeps_the_users_setup_and_gives_it_back(session):
    session.choose_sample("test", 4)
    model, ds, x = session.model, session.dataset, session.x.copy()
    session.enter_example(worked_example())
    assert session.mode == "example" and session.sources() == ["example", "typed"] and session.can_go_back
    assert session.saved == SavedSetup(model, ds, list(ds.feature_names) if ds.feature_names else None,
                                       list(ds.class_names) if ds.class_names else None, "test", 4,
                                       session.saved.x, session.saved.y)
    np.testing.assert_array_equal(session.saved.x, x)
    assert session.restore()
    assert (session.mode, session.model, session.source, session.sample_index) == ("model", model, "test", 4)
    np.testing.assert_array_equal(session.x, x)


def test_a_network_edited_during_the_worked_example_is_the_one_to_go_back_to(session):
    session.set_sample([0.1, 0.2], 0)                  # a typed-in sample of the old network
    session.enter_example(worked_example())
    other = course_model(seed=9)
    session.remember_user_model(other, session.saved.dataset)
    saved = session.saved
    assert saved.model is other and saved.x is None and saved.y is None and saved.source == "train"
    assert session.restore() and session.model is other
    session.choose_sample(session.source, session.sample_index)
    assert session.x is not None and session.rebuild() == ""
