"""The CSV import dialog: good files give the expected data set and spec; every kind of bad file shows the core's
message in the red label and keeps Import disabled."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from nnviz.core.data import catalog
from nnviz.ui.csv_dialog import CsvImportDialog, csv_spec_params


@pytest.fixture
def make_dialog(qtbot):
    def make(path=None, **kwargs):
        d = CsvImportDialog(None, path=str(path) if path else "", **kwargs)
        qtbot.addWidget(d)
        d.show()
        qtbot.waitExposed(d)
        return d
    return make


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def patients(n=200, bad_line=None):
    """age, weight, height, side_effects (text labels); optionally 'n/a' in the age at file line ``bad_line``."""
    rng = np.random.default_rng(3)
    lines = ["age,weight,height,side_effects"]
    for i in range(n):
        age = int(rng.integers(13, 101))
        label = "yes" if (age >= 65) != (i % 20 == 0) else "no"
        cell = "n/a" if bad_line is not None and len(lines) + 1 == bad_line else str(age)
        lines.append(f"{cell},{60 + i % 40}.5,{150 + i % 45},{label}")
    return "\n".join(lines) + "\n"


def assert_invalid(d, message):
    assert d.error_label.isVisible(), "no error shown"
    assert message in d.error_label.text()
    assert not d.ok_button.isEnabled() and d.dataset is None and not d.is_valid()
    c = d.error_label.styleSheet()
    assert "color" in c and "background" in c          # the red box


# --------------------------------------------------------------------------------------- good files
def test_a_good_file_gives_the_expected_data_set_and_spec(make_dialog, tmp_path, qtbot):
    path = write(tmp_path, "patients.csv", patients())
    d = make_dialog(path)
    assert d.header_check.isChecked() and d.header_note.text() == "(detected)"
    assert "200 rows × 4 columns" in d.file_info.text() and "comma" in d.file_info.text()
    # preview: the file's first rows, the label column marked
    m = d.preview.model
    assert m.headers == ["age", "weight", "height", "side_effects"] and m.rowCount() == 100
    assert m.headerData(3, Qt.Orientation.Horizontal) == "side_effects (label)"
    # defaults: the last column is the label, the other (numeric) columns are the features
    assert d.label_column() == "side_effects" and d.feature_columns() == ["age", "weight", "height"]
    assert d.task_combo.itemText(0) == "Auto-detect (binary, 2 classes)"
    assert not d.error_label.isVisible() and d.ok_button.isEnabled()
    ds = d.dataset
    assert ds.task == "binary" and ds.class_names == ["no", "yes"]
    assert (ds.n_train, ds.n_val, ds.n_test) == (160, 0, 40)
    assert ds.input_shape == (3,) and ds.feature_names == ["age", "weight", "height"]
    assert "160 training / 0 validation / 40 test" in d.summary_label.text()
    spec = d.spec()
    assert spec == {"name": "csv", "params": {"path": str(path), "label_column": "side_effects",
                                              "feature_columns": ["age", "weight", "height"], "task": "auto",
                                              "scaling": "none", "test_ratio": 0.2, "val_ratio": 0.0, "seed": 0}}
    # the spec rebuilds the same data set through the catalog (what a saved project does)
    again = catalog.load(spec["name"], **spec["params"])
    np.testing.assert_array_equal(again.x_train, ds.x_train)
    np.testing.assert_array_equal(again.y_test, ds.y_test)
    with qtbot.waitSignal(d.accepted):
        qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)
    assert d.result() == QDialog.DialogCode.Accepted


def test_choosing_label_features_task_scaling_and_splits(make_dialog, tmp_path):
    d = make_dialog(write(tmp_path, "patients.csv", patients()))
    # the weight becomes the label: a regression, and it leaves the feature list
    d.label_combo.setCurrentText("weight")
    assert d.dataset.task == "regression" and d.task_combo.itemText(0) == "Auto-detect (regression)"
    assert "weight" not in d.feature_columns()
    assert d.preview.model.headerData(1, Qt.Orientation.Horizontal) == "weight (label)"
    assert 3 in d.preview.model.muted                        # the text column is not used: shown grey
    # back to side_effects; drop the height
    d.label_combo.setCurrentText("side_effects")
    assert d.feature_columns() == ["age", "weight", "height"]
    d.set_feature_checked("height", False)
    assert d.dataset.feature_names == ["age", "weight"]
    # task override
    d.task_combo.setCurrentIndex(d.task_combo.findData("multiclass"))
    assert d.dataset.task == "multiclass" and d.dataset.num_classes == 2
    # min-max scaling fitted on the training split only
    d.scaling_combo.setCurrentIndex(d.scaling_combo.findData("minmax"))
    ds = d.dataset
    np.testing.assert_allclose(ds.x_train.min(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(ds.x_train.max(axis=0), 1.0, atol=1e-6)
    raw_train = ds.scaler.inverse_transform(ds.x_train)
    np.testing.assert_allclose(ds.scaler.offset, raw_train.min(axis=0), rtol=1e-5)
    d.scaling_combo.setCurrentIndex(d.scaling_combo.findData("standardize"))
    np.testing.assert_allclose(d.dataset.x_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(d.dataset.x_train.std(axis=0), 1.0, atol=1e-4)
    assert abs(float(d.dataset.x_test.mean())) > 1e-4          # the test split is not fitted
    # splits
    d.test_spin.setValue(30)
    d.val_spin.setValue(10)
    ds = d.dataset
    assert (ds.n_train, ds.n_val, ds.n_test) == (120, 20, 60)
    params = d.spec()["params"]
    assert params["test_ratio"] == 0.3 and params["val_ratio"] == 0.1 and params["scaling"] == "standardize"
    assert params["task"] == "multiclass" and params["feature_columns"] == ["age", "weight"]


def test_a_file_without_header_is_detected_and_the_detection_can_be_overridden(make_dialog, tmp_path):
    rows = "".join(f"{i % 9},{i * 0.5},{'a' if i % 2 else 'b'}\n" for i in range(30))
    d = make_dialog(write(tmp_path, "raw.csv", rows))
    assert not d.header_check.isChecked() and d.header_note.text() == "(detected)"
    assert d.table.columns == ["column 1", "column 2", "column 3"] and d.table.n_rows == 30
    assert d.dataset is not None and d.dataset.class_names == ["a", "b"]
    d.header_check.setChecked(True)
    assert d.table.has_header and d.table.n_rows == 29
    assert "overridden" in d.header_note.text()
    if "header" in csv_spec_params():
        assert d.spec()["params"]["header"] is True and d.ok_button.isEnabled()
    else:   # the catalog cannot store the override yet: importing would not reload the same data
        assert_invalid(d, "cannot store")
    d.header_check.setChecked(False)
    assert d.ok_button.isEnabled() and "header" not in d.spec()["params"]


def test_string_labels_and_three_classes(make_dialog, tmp_path):
    text = "x1;x2;species\n" + "".join(f"{i % 7};{i % 5};{['setosa', 'virginica', 'versicolor'][i % 3]}\n"
                                       for i in range(60))
    d = make_dialog(write(tmp_path, "iris.csv", text))
    assert "semicolon" in d.file_info.text()
    ds = d.dataset
    assert ds.task == "multiclass" and ds.class_names == ["setosa", "versicolor", "virginica"]
    d.task_combo.setCurrentIndex(d.task_combo.findData("binary"))
    assert_invalid(d, "task 'binary' needs exactly 2 classes, but the label column 'species' has 3")


def test_prefilled_parameters_are_used(make_dialog, tmp_path):
    path = write(tmp_path, "patients.csv", patients())
    d = make_dialog(path, params={"label_column": "age", "feature_columns": ["weight"], "task": "regression",
                                  "scaling": "minmax", "test_ratio": 0.25, "val_ratio": 0.05, "seed": 7})
    assert d.label_column() == "age" and d.feature_columns() == ["weight"]
    assert d.task() == "regression" and d.scaling() == "minmax" and d.seed_spin.value() == 7
    assert (d.dataset.n_train, d.dataset.n_val, d.dataset.n_test) == (140, 10, 50)


# ---------------------------------------------------------------------------------------- bad files
def test_every_control_of_the_dialog_has_a_tool_tip(make_dialog, tmp_path):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit

    d = make_dialog(write(tmp_path, "patients.csv", patients()))
    silent = [f"{type(w).__name__} {w.objectName()}" for cls in (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit)
              for w in d.findChildren(cls)
              if w.isVisible() and not w.objectName().startswith("qt_") and not w.toolTip()
              and not (w.parentWidget() is not None and w.parentWidget().toolTip())
              and getattr(w, "text", lambda: "")() != "Cancel"]
    assert silent == []


def test_no_file_yet_means_no_import(make_dialog):
    d = make_dialog()
    assert not d.ok_button.isEnabled() and not d.error_label.isVisible() and not d.label_combo.isEnabled()


def test_a_missing_file(make_dialog, tmp_path):
    d = make_dialog(tmp_path / "nope.csv")
    assert_invalid(d, "no such file")


def test_an_empty_file(make_dialog, tmp_path):
    d = make_dialog(write(tmp_path, "empty.csv", "\n  \n"))
    assert_invalid(d, "the file is empty")
    assert d.preview.model.rowCount() == 0 and not d.label_combo.isEnabled()


def test_a_ragged_row(make_dialog, tmp_path):
    d = make_dialog(write(tmp_path, "ragged.csv", "a,b,c\n1,2,0\n3,4,1\n5,6\n7,8,1\n"))
    assert_invalid(d, "row 4 has 2 fields, expected 3")
    # the preview was empty: now the file's own lines, numbered, with line 4 marked
    m = d.preview.model
    assert [r[0] for r in m.rows] == ["a,b,c", "1,2,0", "3,4,1", "5,6", "7,8,1"]
    assert m.headerData(3, Qt.Orientation.Vertical) == "4" and m.marked == (3, 0)
    assert "line 4" in d.preview.caption.text()


def test_a_cell_that_is_not_a_number(make_dialog, tmp_path):
    d = make_dialog(write(tmp_path, "patients.csv", patients(900, bad_line=812)))
    assert d.feature_columns() == ["age", "weight", "height"]    # the column is mostly numbers: still offered
    assert_invalid(d, "row 812, column 'age': 'n/a' is not a number")
    # the preview's rows carry the file's line numbers (the message's "row 812"), and the bad cell is shown marked
    # although it is far below the first 100 rows
    m = d.preview.model
    assert m.headerData(0, Qt.Orientation.Vertical) == "2"            # line 1 is the header
    r, c = m.marked
    assert m.headerData(r, Qt.Orientation.Vertical) == "812" and m.headers[c] == "age" and m.rows[r][c] == "n/a"
    assert m.data(m.index(r, c), Qt.ItemDataRole.ToolTipRole) == d.error     # the message (the label adds a hint)
    # leaving the column out fixes it
    d.set_feature_checked("age", False)
    assert d.ok_button.isEnabled() and not d.error_label.isVisible()
    assert d.dataset.feature_names == ["weight", "height"]


def test_a_label_with_one_class_only(make_dialog, tmp_path):
    d = make_dialog(write(tmp_path, "one.csv", "x,y\n" + "".join(f"{i},same\n" for i in range(20))))
    assert_invalid(d, "the label column 'y' has only one class ('same'); a classifier needs at least two")


def test_fewer_training_rows_than_the_batch_size(make_dialog, tmp_path):
    d = make_dialog(write(tmp_path, "tiny.csv", "x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(10))),
                    batch_size=32)
    assert_invalid(d, "only 8 training rows (of 10 rows) but the batch size is 32")
    d.test_spin.setValue(0)
    assert_invalid(d, "only 10 training rows")


def test_no_feature_column(make_dialog, tmp_path):
    d = make_dialog(write(tmp_path, "patients.csv", patients()))
    d.none_button.click()
    assert_invalid(d, "choose at least one feature column")
    d.all_button.click()
    assert d.ok_button.isEnabled() and d.feature_columns() == ["age", "weight", "height"]


def test_a_binary_file_is_named(make_dialog, tmp_path):
    p = tmp_path / "sheet.csv"
    p.write_bytes(b"PK\x03\x04\x00\x00binary")
    d = make_dialog(p)
    assert_invalid(d, "not a text file")


def test_a_bad_file_then_a_good_one(make_dialog, tmp_path):
    d = make_dialog(write(tmp_path, "empty.csv", ""))
    assert_invalid(d, "the file is empty")
    good = write(tmp_path, "good.csv", patients())
    d.path_edit.setText(str(good))
    d.path_edit.editingFinished.emit()
    assert d.ok_button.isEnabled() and not d.error_label.isVisible() and d.label_combo.isEnabled()
    assert d.spec()["params"]["path"] == str(good)
