"""Runs in the .nnviz file: saved and read back, and a damaged run history drops runs, never the project."""

from __future__ import annotations

import zipfile

import numpy as np

from nnviz.core import Dense, Sequential
from nnviz.core.runs import RunRecord
from nnviz.io.project import Project, load_project, save_project


def _project(n_runs=2):
    model = Sequential([Dense(3, activation="tanh", input_shape=(2,)), Dense(1, activation="sigmoid")], seed=1)
    keys = model.weight_keys()
    runs = []
    for i in range(n_runs):
        weights = {k: w + i for k, w in zip(keys, model.get_weights())}
        runs.append(RunRecord(label=f"run {i + 1}", config={"training": {"learning_rate": 0.1 * (i + 1)}},
                              history={"loss": [0.7, float("nan")]}, test={"loss": 0.5},
                              test_history={"loss": [(2.0, 0.5)]}, checkpoints=[(0.0, weights), (2.0, weights)]))
    return Project.from_model(model, {"loss": "binary_crossentropy"}, {"name": "xor", "params": {}}), runs


def _damage(path, member, data=b"not an npz"):
    with zipfile.ZipFile(path) as zf:
        items = {n: zf.read(n) for n in zf.namelist()}
    items[member] = data
    with zipfile.ZipFile(path, "w") as zf:
        for n, b in items.items():
            zf.writestr(n, b)


def test_runs_are_saved_and_read_back(tmp_path):
    project, runs = _project()
    project.runs = runs
    path = tmp_path / "p.nnviz"
    save_project(path, project)
    back = load_project(path)
    assert back.warnings == [] and [r.label for r in back.runs] == ["run 1", "run 2"]
    r = back.runs[1]
    assert r.history["loss"][0] == 0.7 and np.isnan(r.history["loss"][1])     # a diverged loss survives as NaN
    assert r.test_history == {"loss": [(2.0, 0.5)]} and r.settings()["lr"] == 0.2
    for (e1, w1), (e2, w2) in zip(r.checkpoints, runs[1].checkpoints):
        assert e1 == e2 and w1.keys() == w2.keys()
        for k in w1:
            np.testing.assert_array_equal(w1[k], w2[k])


def test_a_damaged_run_is_dropped_by_name_and_the_project_still_opens(tmp_path):
    project, runs = _project()
    project.runs = runs
    path = tmp_path / "p.nnviz"
    save_project(path, project)
    _damage(path, f"runs/{runs[0].run_id}.npz")
    back = load_project(path)
    assert back.build_model().count_params() == 13                            # the model opens
    assert [r.label for r in back.runs] == ["run 2"]
    assert "1 of 2 runs were dropped" in back.warnings[0] and back.warnings[1].startswith("run 1 was dropped")


def test_an_unreadable_run_index_drops_every_run_with_one_message(tmp_path):
    project, runs = _project()
    project.runs = runs
    path = tmp_path / "p.nnviz"
    save_project(path, project)
    _damage(path, "runs/index.json", b"{not json")
    back = load_project(path)
    assert back.runs is None and len(back.warnings) == 1 and "every run was dropped" in back.warnings[0]
    assert back.weights is not None
