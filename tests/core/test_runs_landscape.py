"""Run records, the checkpoint schedule and the loss landscape, without Qt (issue 16)."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core import Dense, Sequential
from nnviz.core.data import catalog
from nnviz.core.landscape import compute_landscape, loss_at, pca_directions, project, random_directions
from nnviz.core.runs import (Checkpoints, RunHistory, RunRecord, config_differences, describe_difference,
                             difference_summary, max_checkpoints, runs_csv)
from nnviz.core.training import TrainingConfig, fit


def test_checkpoints_keep_start_end_and_a_geometric_spread_within_their_bound():
    cps = Checkpoints(max_count=12)
    w = [np.zeros(3, np.float32)]
    for epoch in range(0, 1001):
        cps.add(epoch, w)
    epochs = cps.epochs
    assert len(epochs) == 12 and epochs[0] == 0 and epochs[-1] == 1000
    gaps = np.diff(np.log1p(epochs))[:-1]               # (the newest end is wherever training is)
    assert gaps.max() < 3 * gaps.min()                  # evenly spread on a log axis: dense early, sparse late
    assert max_checkpoints(10 * 2 ** 20, budget=8 * 2 ** 20) == 2 and max_checkpoints(400) == 40


def test_the_history_bounds_total_memory_by_thinning_the_oldest_runs_first():
    runs = RunHistory(budget_bytes=10 * 800)
    for i in range(3):
        r = RunRecord(checkpoints=[(float(e), {"k": np.zeros(100)}) for e in range(5)])   # 5 × 800 bytes
        runs.put(r)
    assert runs.nbytes <= runs.budget_bytes
    assert len(runs.runs[-1].checkpoints) == 5 and len(runs.runs[0].checkpoints) == 2   # start and end kept
    assert [r.label for r in runs] == ["run 1", "run 2", "run 3"]


def _run(lr, batch=10):
    return RunRecord(config={"dataset": {"name": "spiral", "params": {}}, "architecture": {},
                             "training": TrainingConfig(learning_rate=lr, batch_size=batch).to_dict()},
                     history={"loss": [1.0, 0.5], "accuracy": [0.5, 0.75]}, test={"loss": 0.6}, duration=1.5)


def test_what_differs_between_runs_is_named_and_the_table_exports_as_csv():
    a, b, c = _run(0.01), _run(1.0), _run(0.1)
    assert config_differences([a, b, c]) == ["lr"]
    assert describe_difference(a, [b, c]) == "lr 0.01"
    assert difference_summary([a, b]) == "lr 0.01 vs 1"
    text = runs_csv([a, b])
    header, first, second = text.strip().splitlines()
    assert header.startswith("run,started,data,network,optimizer,lr") and "test_loss" in header
    assert ",0.01," in first and ",1," in second and first.endswith(",1.50,paused")


@pytest.fixture(scope="module")
def trained():
    ds = catalog.load("spiral", n_points=120, noise=5, seed=1)
    model = Sequential([Dense(6, activation="tanh", input_shape=(2,)), Dense(2, activation="softmax")], seed=2)
    cfg = TrainingConfig(optimizer="adam", learning_rate=0.05, loss="sparse_categorical_crossentropy",
                         batch_size=16, seed=2)
    cfg.compile_model(model)
    trajectory, epochs = [model.get_weights()], [0]
    for e in range(6):
        fit(model, ds, cfg, epochs=1, initial_epoch=e)
        trajectory.append(model.get_weights())
        epochs.append(e + 1)
    return model, ds, trajectory, epochs


def test_landscape_values_at_grid_points_are_the_models_loss_at_those_weights(trained):
    model, ds, trajectory, epochs = trained
    before = [w.copy() for w in model.get_weights()]
    x, y = ds.x_train, ds.y_train
    land = compute_landscape(model, x, y, trajectory, epochs, resolution=7)
    assert land.kind == "pca" and land.loss.shape == (7, 7)
    for w, b in zip(model.get_weights(), before):                     # the model's weights are put back
        np.testing.assert_array_equal(w, b)
    probe = Sequential.from_config(model.get_config())    # a model of its own: the loss as anyone would compute it
    probe.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    for i, j in [(0, 0), (3, 3), (6, 1), (2, 5)]:
        probe.set_weights(land.weights_at(i, j, before))
        assert land.loss[j, i] == pytest.approx(loss_at(probe, x, y), rel=1e-6)
    model.set_weights(before)
    # the centre of the plane is the current weights; the path ends there
    assert land.loss[3, 3] == pytest.approx(loss_at(model, x, y), rel=1e-6)
    np.testing.assert_allclose(land.path[-1], [0.0, 0.0], atol=1e-6)


def test_pca_directions_are_orthonormal_and_random_ones_filter_normalised(trained):
    model, _ds, trajectory, _ = trained
    d1, d2, explained = pca_directions(trajectory, trajectory[-1])
    assert abs(d1 @ d2) < 1e-9 and np.linalg.norm(d1) == pytest.approx(1) and explained[0] >= explained[1]
    a, b = project(trajectory[-1], trajectory[-1], d1, d2)
    assert (a, b) == pytest.approx((0.0, 0.0), abs=1e-9)
    weights = model.get_weights()
    r1, _r2 = random_directions(weights, seed=0)
    kernel = weights[0]
    part = r1[:kernel.size].reshape(kernel.shape)
    np.testing.assert_allclose(np.linalg.norm(part, axis=0), np.linalg.norm(kernel, axis=0), rtol=1e-6)
    assert pca_directions(trajectory[:1], trajectory[0]) is None
