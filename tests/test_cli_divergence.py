"""``nnviz train`` and divergence: the app's policy (stop, name a learning rate, exit 1), never a NaN file."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import zipfile

import numpy as np
import pytest

from nnviz import cli
from nnviz.io.project import load_project, save_project

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "resources", "examples")


def xor_project(tmp_path, name, layers=None, **training):
    project = load_project(os.path.join(EXAMPLES, "xor.nnviz"))
    arch = copy.deepcopy(project.architecture)
    for i, activation in (layers or {}).items():
        arch["layers"][i]["config"]["activation"] = activation
    path = tmp_path / f"{name}.nnviz"
    save_project(path, dataclasses.replace(project, architecture=arch, training={**project.training, **training}))
    return path


@pytest.fixture
def exploding(tmp_path):
    """XOR as a ReLU regression at SGD 3: the squared error reaches infinity in the first epoch."""
    return xor_project(tmp_path, "exploding", layers={1: "relu", 2: "linear"}, optimizer="sgd", learning_rate=3.0,
                       loss="mean_squared_error")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_nan_loss_stops_training_with_exit_1_and_writes_nothing(exploding, tmp_path, capsys):
    out = tmp_path / "trained.nnviz"
    assert cli.main(["train", str(exploding), "--out", str(out), "--history-csv", str(tmp_path / "h.csv")]) == 1
    assert not out.exists() and not (tmp_path / "h.csv").exists()
    captured = capsys.readouterr()
    assert captured.err.startswith("nnviz: error: Training diverged: the loss became ")
    assert "Try a lower learning rate, e.g. 0.3 instead of 3. Nothing was saved." in captured.err
    assert "Epoch 2/" not in captured.out and "Warning:" not in captured.out   # stopped in epoch 1, said once


def test_xor_at_sgd_10_stops_as_the_loss_explodes_without_overflow(tmp_path, capsys):
    project = xor_project(tmp_path, "sgd10", optimizer="sgd", learning_rate=10.0)
    out = tmp_path / "trained.nnviz"
    assert cli.main(["train", str(project), "--out", str(out)]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "Training diverged: the loss rose to" in err and "for 3 epochs in a row" in err
    assert "e.g. 1 instead of 10" in err


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_keep_diverging_trains_on_but_never_saves_non_finite_weights(exploding, tmp_path, capsys):
    out = tmp_path / "trained.nnviz"
    assert cli.main(["train", str(exploding), "--epochs", "2", "--out", str(out), "--keep-diverging"]) == 1
    assert not out.exists()
    captured = capsys.readouterr()
    assert "Epoch 2/2" in captured.out                                          # it did train on
    assert "the weights are not finite" in captured.err and "was not written" in captured.err


def test_a_healthy_run_still_saves_finite_weights(tmp_path, capsys):
    project = xor_project(tmp_path, "healthy")
    out = tmp_path / "trained.nnviz"
    assert cli.main(["train", str(project), "--epochs", "5", "--out", str(out)]) == 0
    assert all(np.isfinite(w).all() for w in load_project(out).weights.values())


def test_a_learning_rate_out_of_range_names_the_real_limits(tmp_path, capsys):
    path = tmp_path / "wild.nnviz"   # written by hand: a careful save may refuse what would not open
    with zipfile.ZipFile(os.path.join(EXAMPLES, "xor.nnviz")) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "project.json":
                doc = json.loads(data)
                doc["training"]["learning_rate"] = 1e6
                data = json.dumps(doc).encode()
            dst.writestr(item, data)
    assert cli.main(["train", str(path)]) == 1
    assert "learning rate must be greater than 0 and at most 100, got 1000000.0" in capsys.readouterr().err
