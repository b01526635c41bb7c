"""ProjectDocument: every edit is one undo command, the model is rebuilt (or the error kept) after each,
weights survive edits that do not touch them, and projects round-trip."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.io.project import load_project, save_project
from nnviz.session.document import ProjectDocument, layer_entry


@pytest.fixture
def doc(qapp):
    d = ProjectDocument()
    yield d
    d.deleteLater()


def classes(d):
    return [e["class_name"] for e in d.layer_configs()]


def cnn_doc(d):
    d.set_input_shape((8, 8, 1))
    d.undo_stack.clear()
    d.remove_layers(range(d.layer_count()))
    for cls, opts in (("Conv2D", {"filters": 4}), ("MaxPooling2D", {}), ("Flatten", {}),
                      ("Dense", {"units": 10, "activation": "softmax"})):
        d.add_layer(d.layer_count(), layer_entry(cls, **opts))
    d.undo_stack.clear()
    return d


def test_default_project_is_the_circle_set_with_a_small_dense_network(doc):
    assert doc.dataset.name == "circle"
    assert doc.input_shape == (2,)
    assert classes(doc) == ["Dense", "Dense", "Dense"]
    assert doc.is_valid and doc.model is not None and doc.error is None
    assert doc.model.output_shape == (None, 2)
    assert not doc.is_modified


def test_add_remove_move_undo_redo(doc, qtbot):
    with qtbot.waitSignal(doc.architecture_changed):
        doc.add_layer(1, "Dropout")
    assert classes(doc) == ["Dense", "Dropout", "Dense", "Dense"]
    assert doc.is_modified
    doc.move_layer(1, 3)
    assert classes(doc) == ["Dense", "Dense", "Dense", "Dropout"]
    doc.remove_layers([0, 3])
    assert classes(doc) == ["Dense", "Dense"]
    assert doc.undo_stack.count() == 3
    doc.undo_stack.undo()
    assert classes(doc) == ["Dense", "Dense", "Dense", "Dropout"]
    doc.undo_stack.undo()
    assert classes(doc) == ["Dense", "Dropout", "Dense", "Dense"]
    doc.undo_stack.undo()
    assert classes(doc) == ["Dense", "Dense", "Dense"]
    assert not doc.is_modified
    for _ in range(3):
        doc.undo_stack.redo()
    assert classes(doc) == ["Dense", "Dense"]


def test_added_layers_get_unique_keras_style_names(doc):
    doc.add_layer(3, "Dense")
    doc.add_layer(4, "Dense")
    names = [e["config"]["name"] for e in doc.layer_configs()]
    assert names == ["dense", "dense_1", "dense_2", "dense_3", "dense_4"]
    doc.add_layer(0, {"class_name": "Dense", "config": {"name": "dense", "units": 3}})
    assert len({e["config"]["name"] for e in doc.layer_configs()}) == 6


def test_consecutive_moves_of_one_layer_merge_into_one_command(doc):
    doc.add_layer(3, "Dropout")
    n = doc.undo_stack.count()
    doc.move_layer(3, 2)
    doc.move_layer(2, 1)
    doc.move_layer(1, 0)
    assert classes(doc)[0] == "Dropout"
    assert doc.undo_stack.count() == n + 1
    doc.undo_stack.undo()
    assert classes(doc)[3] == "Dropout"


def test_a_move_back_to_the_start_leaves_no_command(doc):
    n = doc.undo_stack.count()
    doc.move_layer(0, 2)
    doc.move_layer(2, 0)
    assert doc.undo_stack.count() == n


def test_set_option_and_input_shape_are_undoable(doc):
    doc.set_layer_option(0, "units", 7)
    assert doc.model.layers[0].units == 7
    assert doc.model.layers[1].params["kernel"].shape == (7, 4)
    doc.set_input_shape((5,))
    assert doc.model.layers[0].params["kernel"].shape == (5, 7)
    doc.undo_stack.undo()
    assert doc.input_shape == (2,)
    doc.undo_stack.undo()
    assert doc.model.layers[0].units == 4
    doc.undo_stack.redo()
    doc.undo_stack.redo()
    assert doc.input_shape == (5,) and doc.model.layers[0].units == 7


def test_setting_an_option_to_its_current_value_is_no_command(doc):
    n = doc.undo_stack.count()
    doc.set_layer_option(0, "units", 4)
    doc.set_layer_option(0, "activation", "tanh")
    assert doc.undo_stack.count() == n


def test_invalid_architecture_keeps_the_cores_message_and_emits_validity(doc, qtbot):
    cnn_doc(doc)
    with qtbot.waitSignal(doc.validity_changed) as sig:
        doc.add_layer(3, "Conv2D")  # after Flatten
    assert sig.args == [False]
    assert not doc.is_valid and doc.model is None
    assert doc.error.layer_index == 3
    assert "Conv2D needs a 3-D input" in str(doc.error)
    info = doc.layer_info()
    assert info[3]["error"] == str(doc.error)
    assert info[2]["output_shape"] == (None, 64)       # the valid prefix still has shapes
    assert info[4]["output_shape"] is None
    with qtbot.waitSignal(doc.validity_changed) as sig:
        doc.undo_stack.undo()
    assert sig.args == [True] and doc.is_valid


def test_an_empty_network_is_not_trainable(doc):
    doc.remove_layers([0, 1, 2])
    assert not doc.is_valid
    assert "no layers" in str(doc.error)


def test_weights_survive_unrelated_edits_and_come_back_with_undo(doc):
    rng = np.random.default_rng(1)
    trained = [rng.normal(size=w.shape).astype(np.float32) for w in doc.model.get_weights()]
    doc.set_weights(trained)
    doc.set_layer_option(1, "activation", "relu")         # shapes unchanged: all weights kept
    for a, b in zip(doc.model.get_weights(), trained):
        np.testing.assert_array_equal(a, b)
    doc.set_layer_option(1, "units", 9)                   # dense_1 and dense_2 change shape
    np.testing.assert_array_equal(doc.weights()["dense/kernel"], trained[0])
    doc.undo_stack.undo()
    for a, b in zip(doc.model.get_weights(), trained):
        np.testing.assert_array_equal(a, b)
    doc.remove_layers([1])
    doc.undo_stack.undo()
    for a, b in zip(doc.model.get_weights(), trained):
        np.testing.assert_array_equal(a, b)


def test_set_weights_is_checked_by_the_model(doc):
    with pytest.raises(ValueError, match="expected"):
        doc.set_weights([np.zeros((3, 3))])


def test_modified_follows_the_undo_stack_and_saving(doc, qtbot):
    with qtbot.waitSignal(doc.modified_changed) as sig:
        doc.add_layer(0, "Dropout")
    assert sig.args == [True]
    with qtbot.waitSignal(doc.modified_changed) as sig:
        doc.undo_stack.undo()
    assert sig.args == [False]
    doc.append_history({"loss": 0.5})
    assert doc.is_modified
    doc.mark_saved("/tmp/x.nnviz")
    assert not doc.is_modified and doc.path == "/tmp/x.nnviz"


def test_activation_settings_survive_opening_and_saving_in_the_app(doc, tmp_path):
    from nnviz.core import Dense, Input, Sequential
    from nnviz.core.activations import ELU
    from nnviz.io.project import Project

    model = Sequential([Input((2,)), Dense(3, activation=ELU(alpha=0.3)), Dense(2, activation="softmax")])
    save_project(tmp_path / "p.nnviz", Project.from_model(model, doc.training_config, None))
    doc.load_project(load_project(tmp_path / "p.nnviz"), str(tmp_path / "p.nnviz"))
    assert doc.model.layers[0].activation.alpha == 0.3
    save_project(tmp_path / "again.nnviz", doc.to_project())
    assert load_project(tmp_path / "again.nnviz").build_model().layers[0].activation.alpha == 0.3


def test_project_round_trip_is_identical(doc, tmp_path):
    cnn_doc(doc)
    doc.set_dataset({"name": "digits", "params": {"seed": 3}})
    assert doc.input_shape == (8, 8, 1)
    rng = np.random.default_rng(0)
    doc.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in doc.model.get_weights()])
    cfg = doc.training_config
    cfg.learning_rate = 0.05
    doc.set_training_config(cfg)
    doc.append_history({"loss": 1.0, "accuracy": 0.5})
    doc.meta["title"] = "round trip"
    path = tmp_path / "p.nnviz"
    save_project(path, doc.to_project())

    other = ProjectDocument()
    other.load_project(load_project(path), str(path))
    assert other.architecture_config() == doc.architecture_config()
    assert other.training_config.to_dict() == doc.training_config.to_dict()
    assert other.dataset_spec == doc.dataset_spec and other.dataset.name == "digits"
    assert other.history == doc.history
    assert other.title == "round trip" and other.path == str(path) and not other.is_modified
    assert list(other.weights()) == list(doc.weights())
    for k, v in doc.weights().items():
        np.testing.assert_array_equal(other.weights()[k], v)
    other.deleteLater()


def test_failed_load_leaves_the_document_unchanged(doc):
    from nnviz.io.project import Project
    before = doc.architecture_config()
    weights = doc.weights()
    bad = Project(architecture=before, training=doc.training_config.to_dict(),
                  dataset={"name": "no-such-data-set", "params": {}})
    with pytest.raises(ValueError):
        doc.load_project(bad, "/tmp/bad.nnviz")
    assert doc.architecture_config() == before
    assert doc.path == ""
    for k, v in weights.items():
        np.testing.assert_array_equal(doc.weights()[k], v)


def test_dataset_change_sets_the_input_shape(doc):
    doc.set_dataset({"name": "circle", "params": {"features": ["x1", "x2", "x1^2"]}})
    assert doc.input_shape == (3,)
    assert doc.feature_names() == ["x₁", "x₂", "x₁²"]
    assert doc.model.layers[0].params["kernel"].shape == (3, 4)


def test_session_modules_import_no_widgets():
    import subprocess
    import sys
    code = ("import sys; import nnviz.session.document, nnviz.session.autosave; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6.QtWidgets', 'pyqtgraph'))]; "
            "print(bad); raise SystemExit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_autosave_writes_while_modified_and_orphans_are_found(doc, tmp_path, qtbot):
    import json
    import os
    import shutil

    from nnviz.session.autosave import AutosaveManager

    manager = AutosaveManager(doc, str(tmp_path), interval_ms=20)
    assert not manager.autosave_now()                 # nothing to save while unmodified
    doc.add_layer(3, "Dropout")
    manager.start()
    with qtbot.waitSignal(manager.autosaved, timeout=3000):
        pass
    manager.stop()
    assert os.path.exists(manager.project_file)
    assert manager.orphans() == []                    # our own process is alive: not an orphan
    # a process that died: its files are offered back
    dead = 2 ** 22 + 12345
    shutil.copy(manager.project_file, tmp_path / f"autosave-{dead}.nnviz")
    with open(manager.meta_file) as f:
        meta = json.load(f)
    with open(tmp_path / f"autosave-{dead}.json", "w") as f:
        json.dump(meta, f)
    entries = manager.orphans()
    assert [os.path.basename(e.project_path) for e in entries] == [f"autosave-{dead}.nnviz"]
    assert [e["class_name"] for e in load_project(entries[0].project_path).architecture["layers"]][-1] == "Dropout"
    doc.mark_saved(str(tmp_path / "saved.nnviz"))      # saved: our autosave goes away
    assert not os.path.exists(manager.project_file)
    AutosaveManager.discard(entries[0])
    assert manager.orphans() == []
    manager.deleteLater()


def test_a_deep_network_opens_in_one_pass_with_the_same_weights(doc, monkeypatch):
    """Opening (and every edit, which rebuilds) builds each layer once and packs the weights once: a
    1,000-layer project opens in a blink instead of seconds. The weights are those of the same model
    built by the core."""
    from nnviz.core import Dense, Input, Sequential
    from nnviz.core.training import TrainingConfig
    from nnviz.io.project import Project

    model = Sequential([Input((2,))] + [Dense(3, activation="tanh") for _ in range(300)], seed=5)
    project = Project.from_model(model, TrainingConfig(), {"name": "circle", "params": {}})
    packs = []
    original = Sequential._pack
    monkeypatch.setattr(Sequential, "_pack", lambda self: (packs.append(1), original(self))[1])
    doc.load_project(project, "")
    assert doc.is_valid and len(doc.model.layers) == 300 and len(packs) == 1
    assert all(np.array_equal(a, b) for a, b in zip(doc.model.get_weights(), model.get_weights()))
    doc.set_layer_option(150, "units", 4)
    assert doc.is_valid and doc.model.layers[150].units == 4 and len(packs) == 2
    # an impossible layer deep inside: the error names it, the layers before it keep their shapes
    doc.add_layer(200, "Flatten")
    doc.add_layer(201, "Conv2D")
    assert not doc.is_valid and doc.error.layer_index == 201 and len(packs) <= 4
