"""What the user reads about the input scaling: File ▸ Export ▸ Keras model… says the file takes raw inputs,
and File ▸ Import Weights… of a ``.keras`` file says when the file's network expects inputs scaled otherwise
than the project's data set scales them (the scaling read from the file's leading Rescaling layer)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("h5py")

from nnviz.io.keras_export import export_keras  # noqa: E402
from nnviz.io.scaling import InputScaling  # noqa: E402
from nnviz.ui.export_menu import attach_exports  # noqa: E402


@pytest.fixture
def window(main_window, monkeypatch):
    attach_exports(main_window)
    return main_window


def import_file(window, qtbot, monkeypatch, path) -> str:
    monkeypatch.setattr(window.exports, "ask_open_path", lambda *args: str(path))
    with qtbot.waitSignal(window.exports.imported):
        window.actionImportWeights.trigger()
    return window.statusBar().currentMessage()


def test_importing_a_keras_file_names_a_scaling_the_data_set_does_not_give(window, qtbot, monkeypatch, tmp_path):
    doc = window.document                              # the circle data set: not scaled
    model = doc.model.clone()
    model.set_weights([w + np.float32(0.5) for w in model.get_weights()])
    export_keras(model, tmp_path / "pixels.keras", input_scaling=InputScaling(0.0, 255.0))
    message = import_file(window, qtbot, monkeypatch, tmp_path / "pixels.keras")
    assert "expects inputs scaled as x / 255" in message and "predictions will differ" in message
    for got, want in zip(doc.model.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)        # the weights are taken all the same
    export_keras(model, tmp_path / "plain.keras")
    assert "scaled" not in import_file(window, qtbot, monkeypatch, tmp_path / "plain.keras")


def test_the_keras_export_says_it_takes_raw_inputs(window, qtbot, monkeypatch, tmp_path):
    window.document.set_dataset({"name": "clinical_trial", "params": {}})   # ages scaled (x - 13) / 87
    monkeypatch.setattr(window.exports, "ask_save_path", lambda *args: str(tmp_path / "trial.keras"))
    with qtbot.waitSignal(window.exports.exported):
        window.actionExportKeras.trigger()
    assert "takes raw inputs, computing (x - 13) / 87 first" in window.statusBar().currentMessage()
