"""Issue 15: the optimizer state travels with the weights — out of the training process, into the document,
the project file and the stepper — so what you step is what trains, and a reopened project continues exactly
where it stopped."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nnviz.core import Dense, Sequential
from nnviz.core.data import catalog
from nnviz.core.state import capture_state, optimizer_state, set_optimizer_state
from nnviz.core.trace import backprop_trace
from nnviz.core.training import TrainingConfig, fit
from nnviz.io.project import Project, load_project, save_project
from nnviz.session.snapshot import SnapshotAssembler
from nnviz.session.training_engine import TrainingEngine

CONFIGS = {
    "sgd": dict(optimizer="sgd", learning_rate=0.1),
    "momentum": dict(optimizer="sgd", learning_rate=0.05, momentum=0.9),
    "nesterov": dict(optimizer="sgd", learning_rate=0.05, momentum=0.9, nesterov=True),
    "adam": dict(optimizer="adam", learning_rate=0.01),
    "rmsprop": dict(optimizer="rmsprop", learning_rate=0.01),
    "adagrad": dict(optimizer="adagrad", learning_rate=0.1),
}


def _dataset():
    ds = catalog.load("xor")
    ds.x_train, ds.y_train = ds.x_train[:60], ds.y_train[:60]
    return ds


def _model(config: TrainingConfig, ds) -> Sequential:
    model = Sequential([Dense(4, activation="tanh", input_shape=tuple(ds.input_shape)),
                        Dense(ds.num_classes, activation="softmax")], seed=3)
    model.build()
    config.compile_model(model)
    return model


def _config(name, **extra) -> TrainingConfig:
    return TrainingConfig(**CONFIGS[name], loss="sparse_categorical_crossentropy", batch_size=8, seed=3, **extra)


def _same_state(a: dict, b: dict) -> None:
    assert set(a) == set(b)
    for k in a:
        assert np.array_equal(np.asarray(a[k]), np.asarray(b[k])), k


@pytest.mark.parametrize("name", list(CONFIGS))
def test_save_reopen_continue_equals_an_uninterrupted_run(tmp_path, name):
    ds = _dataset()
    config = _config(name)
    straight = _model(config, ds)
    fit(straight, ds, config, epochs=5)

    stopped = _model(config, ds)
    fit(stopped, ds, config, epochs=3)
    path = tmp_path / "run.nnviz"
    save_project(path, Project.from_model(stopped, config.to_dict(), {"name": "xor", "params": {}}))
    reopened = load_project(path).build_model()
    assert reopened.optimizer.iterations == stopped.optimizer.iterations > 0
    fit(reopened, ds, config, epochs=2, initial_epoch=3)

    assert all(np.array_equal(a, b) for a, b in zip(straight.get_weights(), reopened.get_weights()))
    _same_state(optimizer_state(straight), optimizer_state(reopened))


def test_an_optimizer_state_that_does_not_fit_is_dropped(tmp_path):
    ds = _dataset()
    adam = _model(_config("adam"), ds)
    fit(adam, ds, _config("adam"), epochs=1)
    state = optimizer_state(adam)
    sgd = _model(_config("momentum"), ds)
    assert not set_optimizer_state(sgd, state)                    # Adam's m and v are no momentum buffers
    assert sgd.optimizer.iterations == 0
    small = Sequential([Dense(2, activation="softmax", input_shape=(2,))], seed=0)
    small.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert not set_optimizer_state(small, state)                  # another number of weights


def _engine_after(config: TrainingConfig, ds, steps: int):
    """Train through the app's own training path (the engine, in its own thread as the worker runs it) for
    ``steps`` batches; the engine and the snapshot published once they are done."""
    events = []
    done = threading.Event()

    def emit(*event):
        events.append(event)
        if event[0] == "pong":
            done.set()

    engine = TrainingEngine(emit)
    thread = threading.Thread(target=engine.run, daemon=True)
    thread.start()
    model = _model(config, ds)
    engine.send("setup", model.get_config(), model.get_weights(), ds, config.to_dict(), {}, optimizer_state(model))
    for _ in range(steps):
        engine.send("step_batch")
    engine.send("ping", 1)
    assert done.wait(120), "the engine did not answer"
    engine.send("quit")
    thread.join(60)
    assembler = SnapshotAssembler()
    snap = None
    for event in events:
        if event[0] == "snapshot":
            snap = assembler.assemble(event[1])
    return engine, snap


@pytest.mark.parametrize("name", list(CONFIGS))
def test_the_steppers_update_equals_the_next_training_step_bit_for_bit(name):
    ds = _dataset()
    config = _config(name)
    engine, snap = _engine_after(config, ds, steps=7)
    assert snap.step == 7 and snap.optimizer_state is not None
    assert int(snap.optimizer_state["iterations"]) == 7

    # the document's copy: the weights and the optimizer state the snapshot carried out of the training process
    stepped = _model(config, ds)
    assert set_optimizer_state(stepped, snap.optimizer_state)
    stepped.set_weights(list(snap.weights))
    x, y = ds.x_train[:1], ds.y_train[:1]
    trace = backprop_trace(stepped, x, y, "unit")
    update = next(s for s in trace if s.phase == "update" and getattr(s, "iteration", None) is not None)
    assert update.iteration == 8                                  # t continues, not a fresh optimizer's 1
    trace.apply(stepped)

    trained = engine.model
    loss = trained.train_on_batch(x, y, return_dict=True)["loss"]    # compiled with accuracy
    assert loss == trace.loss
    assert all(np.array_equal(a, b) for a, b in zip(trained.get_weights(), stepped.get_weights()))
    a, b = optimizer_state(trained), optimizer_state(stepped)
    a.pop("rng"), b.pop("rng")        # the stepper's model never shuffled an epoch
    _same_state(a, b)
    assert trained.optimizer.iterations == stepped.optimizer.iterations == 8


def test_the_engine_continues_from_the_state_it_is_given():
    ds = _dataset()
    config = _config("adam")
    engine, snap = _engine_after(config, ds, steps=4)
    model = _model(config, ds)
    model.set_weights(list(snap.weights))
    set_optimizer_state(model, snap.optimizer_state)
    again = TrainingEngine(lambda *event: None)
    again.send("setup", model.get_config(), model.get_weights(), ds, config.to_dict(), {},
                   {"optimizer": optimizer_state(model)})
    again.send("quit")
    again.run()
    assert again.model.optimizer.iterations == 4
    before = capture_state(again.model)
    reference = engine.model     # the run that was not interrupted
    x, y = ds.x_train[:8], ds.y_train[:8]
    assert again.model.train_on_batch(x, y, return_dict=True) == reference.train_on_batch(x, y, return_dict=True)
    assert all(np.array_equal(a, b) for a, b in zip(again.model.get_weights(), reference.get_weights()))
    assert before.iterations == 4


def test_the_document_keeps_the_state_across_a_new_learning_rate_and_its_project_file(qapp, tmp_path):
    from dataclasses import replace

    from nnviz.session.document import ProjectDocument

    doc = ProjectDocument()
    ds = doc.dataset
    for start in range(0, 40, 10):
        doc.model.train_on_batch(ds.x_train[start:start + 10], ds.y_train[start:start + 10])
    state = optimizer_state(doc.model)
    assert int(state["iterations"]) == 4
    assert doc.set_optimizer_state(state)   # what the write-back does with a run's state
    doc.set_training_config(replace(doc.training_config, learning_rate=0.002))   # same optimizer: state kept
    _same_state(state, doc.optimizer_state)
    path = tmp_path / "doc.nnviz"
    save_project(path, doc.to_project())
    other = ProjectDocument()
    other.load_project(load_project(path), str(path))
    _same_state(state, other.optimizer_state)
    other.set_training_config(replace(other.training_config, optimizer="sgd"))    # another optimizer: afresh
    assert other.optimizer_state is None
