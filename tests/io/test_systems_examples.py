"""Issue 18's examples train as they promise, through ``nnviz train``: the autoencoders beat the mean image and
remove noise, the perceptron converges on AND, OR and the Gaussian clouds and never on XOR."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nnviz.cli import main
from nnviz.core import training
from nnviz.core.autoencoder import mean_baseline_error, per_sample_error
from nnviz.core.data import catalog
from nnviz.io.perceptron_project import is_perceptron, perceptron_of
from nnviz.io.project import load_project

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "examples")


def path(name):
    return os.path.join(EXAMPLES, name + ".nnviz")


def _trained(name):
    project = load_project(path(name))
    model = project.build_model()
    dataset = catalog.load(project.dataset["name"], **project.dataset["params"])
    training.fit(model, dataset, project.training_config())
    return model, dataset


def test_digits_autoencoder_example_halves_the_mean_images_error():
    model, ds = _trained("autoencoder-digits")
    assert ds.reconstructs_input and model.layers[1].name == "code" and model.layers[1].units == 2
    error = per_sample_error(model, ds.x_test, ds.y_test).mean()
    assert error < 0.65 * mean_baseline_error(ds.y_train, ds.y_test)


def test_denoising_example_removes_noise_measurably():
    model, ds = _trained("autoencoder-denoising")
    before = float(np.mean((ds.x_test - ds.y_test) ** 2))
    after = per_sample_error(model, ds.x_test, ds.y_test).mean()
    assert after < 0.5 * before, (after, before)    # measured: about 0.03 against the noise's 0.09


@pytest.mark.parametrize("name, converges", [("perceptron-and", True), ("perceptron-or", True),
                                             ("perceptron-gauss", True), ("perceptron-xor", False)])
def test_perceptron_examples(name, converges):
    project = load_project(path(name))
    assert is_perceptron(project)
    dataset = catalog.load(project.dataset["name"], **project.dataset["params"])
    p = perceptron_of(project, dataset)
    p.fit(dataset.x_train, dataset.y_train, project.training_config().epochs)
    assert p.converged is converges
    assert ("no straight line separates these classes" in p.outcome()) is not converges


def test_nnviz_train_runs_the_perceptron_and_saves_its_line(tmp_path, capsys):
    out = tmp_path / "and.nnviz"
    assert main(["train", path("perceptron-and"), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "mistakes: 0" in text and "converged" in text and "two classes: one unit" in text
    trained = load_project(str(out))
    dataset = catalog.load("logic_gate", gate="and")
    again = perceptron_of(trained, dataset)
    np.testing.assert_array_equal(again.predict(dataset.x_train), dataset.y_train)
    assert trained.history["mistakes"][-1] == 0
    assert main(["train", path("perceptron-xor")]) == 0
    assert "no straight line separates these classes" in capsys.readouterr().out


def test_nnviz_export_writes_the_encoder_and_the_decoder(tmp_path, capsys):
    pytest.importorskip("onnx")
    trained = tmp_path / "ae.nnviz"
    assert main(["train", path("autoencoder-digits"), "--epochs", "2", "--out", str(trained)]) == 0
    assert main(["export", str(trained), "--part", "encoder", "-o", str(tmp_path / "enc.onnx")]) == 0
    assert main(["export", str(trained), "--part", "decoder", "-o", str(tmp_path / "dec.npz")]) == 0
    with np.load(tmp_path / "dec.npz") as f:
        assert sorted(f.files) == ["dense_1/bias", "dense_1/kernel", "dense_2/bias", "dense_2/kernel"]  # after "code"
    assert main(["export", str(trained), "--part", "decoder", "--code-layer", "3", "-o", str(tmp_path / "x.npz")]) == 1
    assert "decoder needs at least one layer" in capsys.readouterr().err
