"""A project on a CSV file, as a practitioner moves it: the folder moved (or sent) with its CSV opens with the CSV
beside it; a CSV gone for good no longer locks the network, its weights and its history away ("no such file"), but
opens without the data set, says which file to import again, and File ▸ Import CSV… starts from its settings."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from nnviz.io.data_files import csv_settings_text, missing_data_file, relocate_data_file


def write_animals(path, rows: int = 120):
    rng = np.random.default_rng(0)
    lines = ["weight_kg,height_cm,animal"]
    for i in range(rows):
        dog = i % 2
        lines.append(f"{rng.normal(4 + 20 * dog, 2):.2f},{rng.normal(25 + 35 * dog, 5):.1f},{'dog' if dog else 'cat'}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def saved(app_window, tmp_path):
    """(window, project path, csv path, weights): a trained-looking project on animals.csv in tmp/a."""
    window, _controller = app_window
    folder = tmp_path / "a"
    folder.mkdir()
    csv = write_animals(folder / "animals.csv")
    window.document.set_dataset({"name": "csv", "params": {"path": str(csv), "label_column": "animal",
                                                           "scaling": "minmax"}})
    window.document.set_weights([w + 0.5 for w in window.document.model.get_weights()])
    project = folder / "animals.nnviz"
    assert window.save_to(str(project))
    window.ask_save_changes = lambda: "discard"
    errors = []
    window.show_error = lambda title, text: errors.append((title, text))
    window.errors = errors
    return window, project, csv, [w.copy() for w in window.document.model.get_weights()]


def test_a_folder_moved_with_its_csv_opens_with_the_csv_beside_it(saved, tmp_path):
    window, project, csv, weights = saved
    expected = window.document.model.predict(window.document.dataset.x_test)
    moved = tmp_path / "elsewhere"
    shutil.copytree(project.parent, moved)
    shutil.rmtree(project.parent)
    window.document.new()
    assert window.open_file(str(moved / "animals.nnviz"), ask=False) and not window.errors
    doc = window.document
    assert doc.dataset_spec["params"]["path"] == str(moved / "animals.csv")
    assert "animals.csv was read from the project's folder" in window.statusBar().currentMessage()
    np.testing.assert_array_equal(doc.model.predict(doc.dataset.x_test), expected)


def test_a_csv_gone_for_good_opens_the_project_without_its_data(saved, tmp_path):
    window, project, csv, weights = saved
    os.remove(csv)
    window.document.new()
    assert window.open_file(str(project), ask=False)
    doc = window.document
    assert doc.dataset is None and doc.path == str(project)
    for got, want in zip(doc.model.get_weights(), weights):      # the network and its weights are kept
        np.testing.assert_array_equal(got, want)
    (title, text), = window.errors
    assert title == "The data file is missing" and str(csv) in text and "File ▸ Import CSV…" in text
    assert "(it was read with label 'animal'; min-max scaling)" in text
    assert window.exports.export("onnx", str(tmp_path / "m.onnx"))       # says what the file lacks
    assert "without the input scaling it was trained with" in window.statusBar().currentMessage()
    write_animals(tmp_path / "found.csv")
    dialog = window.data_panel.import_csv()                       # starts from the lost data set's settings
    dialog.set_path(str(tmp_path / "found.csv"))
    assert dialog.label_column() == "animal" and dialog.scaling() == "minmax" and dialog.is_valid()
    dialog.reject()


def test_relocating_is_by_relative_path_then_name_and_only_for_a_missing_csv(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("a,b\n1,0\n")
    spec = {"name": "csv", "params": {"path": "data/x.csv", "label_column": "b"}}
    moved, note = relocate_data_file(spec, str(tmp_path / "p.nnviz"))
    assert moved["params"]["path"] == str(tmp_path / "data" / "x.csv") and "x.csv" in note
    assert spec["params"]["path"] == "data/x.csv"                               # the caller's spec is not changed
    gone = {"name": "csv", "params": {"path": "/nowhere/x.csv"}}
    assert relocate_data_file(gone, str(tmp_path / "p.nnviz")) == (gone, "")   # not beside it either
    assert missing_data_file(gone) == "/nowhere/x.csv" and missing_data_file({"name": "spiral"}) is None
    assert relocate_data_file({"name": "spiral", "params": {}}, str(tmp_path / "p.nnviz"))[1] == ""
    assert csv_settings_text({"params": {"label_column": "y", "images": True}}) == "label 'y'; pixels read as images"


def test_a_csv_changed_since_the_save_is_said_when_the_project_opens(saved):
    window, project, csv, _weights = saved
    window.document.new()
    assert window.open_file(str(project), ask=False)
    assert "changed" not in window.statusBar().currentMessage()            # the same file: nothing to say
    with open(csv, "a") as f:
        f.write("30.0,70.0,dog\n")                                         # a row more: another split
    window.document.new()
    assert window.open_file(str(project), ask=False) and not window.errors
    message = window.statusBar().currentMessage()
    assert "animals.csv changed since the project was saved" in message and "split" in message
    assert window.save_to(str(project))                                    # saved again: this file is its file
    window.document.new()
    assert window.open_file(str(project), ask=False) and "changed" not in window.statusBar().currentMessage()
