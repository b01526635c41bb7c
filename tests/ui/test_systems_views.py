"""Issue 18 in the app: the reconstruction and code-space views of an autoencoder, the data panel's task option."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nnviz.core import Dense, Input, Sequential
from nnviz.core.data import catalog
from nnviz.core.optimizers import Adam
from nnviz.ui.training.code_space_view import CodeSpaceView
from nnviz.ui.training.common import ProbeModel
from nnviz.ui.training.reconstruction_view import ReconstructionView, as_images

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "examples")


@pytest.fixture(scope="module")
def autoencoder_run():
    ds = catalog.load("digits", flatten=True, reconstruct=True, input_noise=0.3)
    model = Sequential([Input((64,)), Dense(32, activation="relu"), Dense(2, name="code"), Dense(32, activation="relu"),
                        Dense(64, activation="sigmoid")], seed=1)
    model.compile(optimizer=Adam(learning_rate=0.01), loss="mse")
    model.fit(ds.x_train, ds.y_train, epochs=30, batch_size=32, verbose=0)
    probe = ProbeModel()
    probe.set_model(model)
    return ds, probe


def test_samples_are_drawn_as_pictures():
    assert as_images(np.zeros((3, 64))).shape == (3, 8, 8)
    assert as_images(np.zeros((3, 8, 8, 1))).shape == (3, 8, 8)
    assert as_images(np.zeros((3, 5))).shape == (3, 1, 5)


def test_reconstructions_beside_originals_and_the_worst(qtbot, autoencoder_run):
    ds, probe = autoencoder_run
    view = ReconstructionView()
    qtbot.addWidget(view)
    view.resize(700, 420)
    view.show()
    view.set_context(probe, ds)
    assert view.isEnabled() and view.errors is not None and len(view.errors) == len(ds.x_test)
    assert view.errors[view.worst[0]] == view.errors.max()
    tiles = view.samples_image.image
    assert tiles.shape == (3 * 8 + 2, 6 * 8 + 5)      # input, output and the clean target of 6 samples
    assert "mean squared error" in view.summary.text() and "noisy input" in view.summary.text()
    assert view.row_names == ["input", "output", "clean"]
    assert "Noisy inputs, outputs, clean targets" in view.samples_plot.titleLabel.text
    view.set_context(probe, catalog.load("digits"))    # a classification data set: nothing to reconstruct
    assert not view.isEnabled() and "Reconstruct the input" in view.summary.text()


def test_code_space_coloured_by_class_with_a_walk_through_it(qtbot, autoencoder_run):
    ds, probe = autoencoder_run
    view = CodeSpaceView()
    qtbot.addWidget(view)
    view.resize(700, 380)
    view.show()
    view.set_context(probe, ds)
    assert view.axes == "units" and view.points.shape == (min(len(ds.x_train), 1000), 2)
    assert view.accuracy > 0.3                         # ten classes: chance is 0.1
    assert "layer <b>code</b>, 2 values" in view.summary.text() and "(chance 10 %)" in view.summary.text()
    assert view.grid_image.image.shape == (6 * 8 + 5, 6 * 8 + 5)
    assert view.key.text().count("●") == 10


@pytest.fixture
def assembled(make_main_window, qtbot):
    from nnviz.app import assemble

    window = make_main_window(show=False)
    controller = assemble(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.ask_save_changes = lambda: "discard"
    controller.shutdown()


def test_data_panel_offers_reconstruct_the_input_and_the_views_follow(qtbot, assembled):
    window = assembled
    panel = window.data_panel
    panel.select_dataset("digits")
    editor = panel.editors["reconstruct"]
    assert "reconstruct" in panel.editors and "input_noise" in panel.editors
    editor.set_value(True)
    panel.apply()
    ds = window.document.dataset
    assert ds.reconstructs_input and window.document.dataset_spec["params"]["reconstruct"] is True
    ui = window.training_ui
    qtbot.waitUntil(lambda: ui.reconstruction.dataset is ds)
    editor.set_value(False)
    panel.apply()
    assert not window.document.dataset.reconstructs_input
    panel.select_dataset("sentiment")
    assert "reconstruct" not in panel.editors          # token ids: no such task


def _open_example(window, name):
    from nnviz.io.project import load_project

    window.document.load_project(load_project(os.path.join(EXAMPLES, name + ".nnviz")))


def test_file_export_writes_the_encoder_and_the_decoder(qtbot, assembled, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    window = assembled
    _open_example(window, "autoencoder-digits")
    exports = window.exports
    assert exports.export("encoder_onnx", str(tmp_path / "enc.onnx"))
    assert exports.export("decoder_onnx", str(tmp_path / "dec.onnx"))
    x = window.document.dataset.x_test[:5]
    run = lambda name, v: ort.InferenceSession(str(tmp_path / name), providers=["CPUExecutionProvider"]).run(
        None, {"input": v})[0]
    codes = run("enc.onnx", x)
    assert codes.shape == (5, 2)
    np.testing.assert_allclose(run("dec.onnx", codes), window.document.model.predict(x), atol=1e-5)
