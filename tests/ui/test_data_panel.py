"""The Data panel, driven with qtbot on real widgets against the real ProjectDocument (and the main window)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QStyle, QStyleOptionButton

from nnviz.session.document import ProjectDocument
from nnviz.ui.data_panel import DataPanel


@pytest.fixture
def doc(qapp):
    return ProjectDocument()


@pytest.fixture
def panel(qtbot, doc):
    p = DataPanel(doc)
    qtbot.addWidget(p)
    p.resize(380, 900)
    p.show()
    qtbot.waitExposed(p)
    return p


def choose(qtbot, panel, name):
    """Pick ``name`` in the combo with the keyboard, as a user would (headings are skipped)."""
    combo = panel.combo
    combo.setFocus()
    target = combo.findData(name)
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    for _ in range(combo.count()):
        if combo.currentIndex() == target:
            break
        qtbot.keyClick(combo, key)
    assert combo.currentIndex() == target


def type_value(qtbot, doc, editor, text):
    """Type into a parameter's spin box and press Enter; waits for the document to take it."""
    spin = editor.widget
    spin.setFocus()
    spin.lineEdit().selectAll()
    with qtbot.waitSignal(doc.dataset_changed, timeout=3000):
        qtbot.keyClicks(spin.lineEdit(), text)
        qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def click_box(qtbot, box):
    """Click a check box on its indicator (a check box stretched by its layout only takes clicks on its
    indicator and text)."""
    opt = QStyleOptionButton()
    box.initStyleOption(opt)
    rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, opt, box)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=rect.center())


def scatter_points(panel, part="train"):
    items = [item for (c, p), item in sorted(panel.preview.scatter.items.items()) if p == part]
    return np.concatenate([np.column_stack(item.getData()) for item in items])


# ------------------------------------------------------------------------------------------ the combo
def test_the_combo_is_grouped_by_kind_and_headings_cannot_be_chosen(panel):
    assert panel.combo_groups() == ["Playground 2-D", "Course examples", "Images", "Text", "CSV"]
    names = panel.combo_names()
    assert names[:6] == ["circle", "xor", "gauss", "spiral", "plane", "multi_gauss"]
    assert {"clinical_trial", "weight_height", "digits", "shapes", "csv"} <= set(names)
    model = panel.combo.model()
    for i in range(panel.combo.count()):
        enabled = bool(model.item(i).flags() & Qt.ItemFlag.ItemIsEnabled)
        assert enabled == bool(panel.combo.itemData(i)), panel.combo.itemText(i)
    # the panel starts on the document's data set
    assert panel.combo.currentData() == "circle" and panel.preview.mode == "scatter"


def test_picking_a_data_set_sets_it_on_the_document_and_redraws_the_preview(qtbot, panel, doc):
    before = scatter_points(panel)
    with qtbot.waitSignal(doc.dataset_changed):
        choose(qtbot, panel, "spiral")
    assert doc.dataset_spec["name"] == "spiral" and doc.dataset.name == "spiral"
    assert panel.preview.mode == "scatter"
    after = scatter_points(panel)
    assert len(after) == doc.dataset.n_train == 250
    assert not np.allclose(np.sort(before, axis=0), np.sort(after, axis=0))
    # the scatter shows exactly the document's training points, by class, and the test points apart
    for c in (0, 1):
        item = panel.preview.scatter.items[(c, "train")]
        pts = np.column_stack(item.getData())
        expected = doc.dataset.points_train[doc.dataset.y_train == c]
        np.testing.assert_allclose(np.sort(pts, axis=0), np.sort(expected, axis=0), rtol=1e-6)
    assert len(scatter_points(panel, "test")) == doc.dataset.n_test
    assert "Two interleaved spirals" in panel.description.text()


def test_train_and_test_are_marked_differently_with_a_legend(qtbot, panel):
    scatter = panel.preview.scatter
    train, test = scatter.items[(1, "train")], scatter.items[(1, "test")]
    train_brush = train.opts["brush"].color()
    test_brush = test.opts["brush"].color()
    assert train_brush.blue() > train_brush.red()                 # class 1 filled in its blue
    assert test_brush != train_brush                              # test points are hollow (background fill)
    assert test.opts["pen"].color().blue() > test.opts["pen"].color().red()   # with a blue outline
    assert scatter.legend_labels() == ["class 0", "class 1", "training (filled)", "test (outlined)"]


def test_noise_and_points_change_the_data_set_and_the_preview(qtbot, panel, doc):
    before = doc.dataset.points_train.copy()
    type_value(qtbot, doc, panel.editors["noise"], "30")
    assert doc.dataset_spec["params"]["noise"] == 30.0
    assert panel.editors["noise"].slider.value() == 6             # 0..50 in steps of 5
    assert not np.allclose(before, doc.dataset.points_train)
    type_value(qtbot, doc, panel.editors["n_points"], "200")
    assert doc.dataset.n_train + doc.dataset.n_test == 200
    assert len(scatter_points(panel)) + len(scatter_points(panel, "test")) == 200
    assert "100 training" in panel.split_label.text() and "100 test" in panel.split_label.text()


def test_the_training_share_slider_moves_points_from_test_to_training(qtbot, panel, doc):
    slider = panel.editors["train_ratio"].slider
    spin = panel.editors["train_ratio"].widget
    assert spin.suffix() == " %" and (spin.minimum(), spin.maximum()) == (10, 90)
    slider.setFocus()
    with qtbot.waitSignal(doc.dataset_changed, timeout=3000):
        qtbot.keyClick(slider, Qt.Key.Key_Right)
        qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert doc.dataset_spec["params"]["train_ratio"] == 70.0 and spin.value() == 70
    assert (doc.dataset.n_train, doc.dataset.n_test) == (350, 150)


def test_parameters_have_ranges_units_and_tooltips(qtbot, panel, doc):
    noise = panel.editors["noise"]
    assert (noise.widget.minimum(), noise.widget.maximum(), noise.widget.suffix()) == (0, 50, " %")
    assert "0 to 50 %" in noise.toolTip() and "label" in noise.toolTip()
    choose(qtbot, panel, "digits")
    test = panel.editors["test_ratio"]          # a share of one, shown in percent
    assert (test.widget.minimum(), test.widget.maximum(), test.widget.suffix()) == (0, 50, " %")
    assert test.widget.value() == 20 and test.value() == pytest.approx(0.2)
    type_value(qtbot, doc, test, "30")
    assert doc.dataset_spec["params"]["test_ratio"] == pytest.approx(0.3)
    assert doc.dataset.n_test == 539


def test_feature_checkboxes_set_the_networks_input_shape(qtbot, panel, doc):
    assert doc.input_shape == (2,)
    click_box(qtbot, panel.feature_boxes["x1^2"])
    click_box(qtbot, panel.feature_boxes["x2^2"])
    assert doc.dataset.feature_names == ["x₁", "x₂", "x₁²", "x₂²"]
    assert doc.input_shape == (4,)
    assert doc.model.layers[0].params["kernel"].shape == (4, 4)
    assert "(4,)" in panel.input_label.text() and "x₁²" in panel.input_label.text()
    click_box(qtbot, panel.feature_boxes["x1"])
    assert doc.input_shape == (3,) and doc.dataset.feature_names == ["x₂", "x₁²", "x₂²"]
    # the preview still shows the plane, whatever the features
    assert panel.preview.mode == "scatter" and len(scatter_points(panel)) == doc.dataset.n_train


def test_the_last_feature_cannot_be_unchecked(qtbot, panel, doc):
    click_box(qtbot, panel.feature_boxes["x1"])
    assert doc.input_shape == (1,)
    click_box(qtbot, panel.feature_boxes["x2"])
    assert panel.feature_boxes["x2"].isChecked()
    assert doc.input_shape == (1,) and doc.dataset.feature_names == ["x₂"]
    assert panel.error_label.isVisible() and "at least one input feature" in panel.error_label.text()


def test_regenerate_draws_new_points(qtbot, panel, doc):
    seed = doc.dataset.params["seed"]
    assert panel.editors["seed"].value() == seed
    before = scatter_points(panel)
    with qtbot.waitSignal(doc.dataset_changed):
        qtbot.mouseClick(panel.regenerate_button, Qt.MouseButton.LeftButton)
    new_seed = doc.dataset_spec["params"]["seed"]
    assert new_seed != seed and panel.editors["seed"].value() == new_seed
    assert not np.allclose(np.sort(before, axis=0), np.sort(scatter_points(panel), axis=0))


def test_moving_between_playground_sets_keeps_noise_and_features(qtbot, panel, doc):
    type_value(qtbot, doc, panel.editors["noise"], "20")
    click_box(qtbot, panel.feature_boxes["x1*x2"])
    choose(qtbot, panel, "xor")
    params = doc.dataset_spec["params"]
    assert doc.dataset.name == "xor" and params["noise"] == 20.0
    assert params["features"] == ["x1", "x2", "x1*x2"] and doc.input_shape == (3,)


def test_the_panel_follows_the_document(qtbot, panel, doc):
    doc.set_dataset({"name": "gauss", "params": {"noise": 15, "features": ["x1", "sin(x2)"]}})
    assert panel.combo.currentData() == "gauss"
    assert panel.editors["noise"].widget.value() == 15
    assert [k for k, b in panel.feature_boxes.items() if b.isChecked()] == ["x1", "sin(x2)"]
    doc.new()
    assert panel.combo.currentData() == "circle" and panel.editors["noise"].widget.value() == 0


def test_regression_sets_are_coloured_by_target_with_a_colour_bar(qtbot, panel, doc):
    choose(qtbot, panel, "multi_gauss")
    assert doc.dataset.task == "regression" and panel.preview.mode == "regression"
    reg = panel.preview.regression
    lo, hi = reg.levels
    assert lo < 0 < hi and lo == -hi
    assert reg.counts["train"] == doc.dataset.n_train
    brushes = {b.color().name() for b in reg.items["train"].data["brush"]}
    assert len(brushes) > 10                      # one colour per target value, not one per class
    assert reg.legend_labels() == ["training (filled)", "test (outlined)"]
    assert "regression: use Dense(1)" in panel.hint_label.text()
    assert "Target" in panel.balance_label.text()


def test_the_output_hint_follows_the_task(qtbot, panel, doc):
    assert "2 classes: use Dense(1, sigmoid) with binary_crossentropy" in panel.hint_label.text()
    choose(qtbot, panel, "digits")
    assert "10 classes: use Dense(10, softmax) with sparse_categorical_crossentropy" in panel.hint_label.text()
    choose(qtbot, panel, "shapes")
    assert "3 classes: use Dense(3, softmax)" in panel.hint_label.text()


def test_digits_show_a_grid_of_labelled_images_and_set_an_image_input(qtbot, panel, doc):
    with qtbot.waitSignal(doc.dataset_changed):
        choose(qtbot, panel, "digits")
    assert doc.input_shape == (8, 8, 1)
    assert panel.preview.mode == "images" and panel.preview.currentWidget() is panel.preview.images
    grid = panel.preview.images
    rects = grid.tile_rects()
    assert len(rects) >= 10 and len(rects) % 10 == 0           # whole rows of 0–4 and 5–9
    assert grid.visible_captions()[:10] == [str(d) for d in range(10)]
    assert all(r.width() >= 30 and r.right() <= grid.width() and r.bottom() <= grid.height() for r in rects)
    # every caption is the label of the image above it
    ds = doc.dataset
    for img, caption in zip(grid.images[:10], grid.captions[:10]):
        matches = np.flatnonzero(np.all(ds.x_train[..., 0] == img, axis=(1, 2)))
        assert len(matches) and ds.class_names[ds.y_train[matches[0]]] == caption
    assert "1,258 training" in panel.split_label.text()
    assert "10 (0 … 9); balanced, 9.6–10.3 % each" in panel.balance_label.text()
    assert "<td>8</td><td align=right>" in panel.balance_label.toolTip()     # counts per class and split
    assert "8×8 gray images" in panel.input_label.text()
    # flattened: the network takes 64 inputs, the preview still shows images
    click_box(qtbot, panel.editors["flatten"].widget)
    assert doc.input_shape == (64,) and panel.preview.mode == "images"
    assert "flattened to 64" in panel.input_label.text()


def test_shapes_show_their_class_names(qtbot, panel, doc):
    choose(qtbot, panel, "shapes")
    grid = panel.preview.images
    assert grid.visible_captions()[:6] == ["circle", "square", "triangle"] * 2
    assert doc.input_shape == (16, 16, 1)
    type_value(qtbot, doc, panel.editors["size"], "24")
    assert doc.input_shape == (24, 24, 1) and grid.images[0].shape == (24, 24)


def test_the_course_examples_have_fitting_previews(qtbot, panel, doc):
    choose(qtbot, panel, "clinical_trial")
    assert panel.preview.mode == "histogram" and doc.input_shape == (1,)
    assert panel.preview.histogram.legend_labels() == ["no side effects", "side effects"]
    choose(qtbot, panel, "weight_height")
    assert panel.preview.mode == "scatter" and doc.input_shape == (2,)
    assert panel.preview.scatter.plot.getAxis("bottom").labelText == "weight"
    assert not panel.regenerate_button.isVisible()           # nothing random to redraw


def test_a_failing_load_shows_the_message_and_keeps_the_data(qtbot, panel, doc, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(40)))
    doc.set_dataset({"name": "csv", "params": {"path": str(path), "label_column": "y"}})
    assert panel.combo.currentText() == "CSV: t.csv" and panel.preview.mode == "table"
    path.unlink()
    panel.editors["seed"].widget.setValue(5)                 # an edit that makes the document reload the file
    qtbot.waitUntil(lambda: panel.error_label.isVisible(), timeout=3000)
    assert "no such file" in panel.error_label.text()
    assert doc.dataset.name == "t" and panel.editors["seed"].value() == 0   # editors show the data still loaded


def test_class_balance_is_shown_when_it_is_not_even(qtbot, panel, doc, tmp_path):
    path = tmp_path / "skewed.csv"
    path.write_text("x,y\n" + "".join(f"{i},{'rare' if i % 5 == 0 else 'common'}\n" for i in range(100)))
    doc.set_dataset({"name": "csv", "params": {"path": str(path), "label_column": "y"}})
    assert panel.balance_label.text() == "<b>Classes</b> (training): common 80 % · rare 20 %"


def test_the_preview_follows_the_theme(qtbot, qapp, panel):
    from nnviz.ui import theme
    app = qapp
    light = panel.preview.scatter.backgroundBrush().color().name()
    try:
        theme.apply_theme(app, "dark")
        dark = panel.preview.scatter.backgroundBrush().color().name()
        assert dark != light and panel.preview.scatter.backgroundBrush().color().lightness() < 80
        assert theme.colors()["error_bg"] in panel.error_label.styleSheet()
    finally:
        theme.apply_theme(app, "light")


# ------------------------------------------------------------------------------------------- CSV
def test_csv_through_the_panel(qtbot, panel, doc, tmp_path):
    path = tmp_path / "patients.csv"
    rows = [f"{20 + i % 60},{150 + i % 40},{'yes' if i % 3 == 0 else 'no'}" for i in range(120)]
    path.write_text("age,height,side_effects\n" + "\n".join(rows) + "\n")
    choose(qtbot, panel, "csv")
    dialog = panel.csv_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.path_edit.setText(str(path))
    dialog.path_edit.editingFinished.emit()
    assert dialog.label_column() == "side_effects" and dialog.feature_columns() == ["age", "height"]
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(doc.dataset_changed):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    spec = doc.dataset_spec
    assert spec["name"] == "csv" and spec["params"]["path"] == str(path)
    assert spec["params"]["label_column"] == "side_effects"
    assert doc.dataset.class_names == ["no", "yes"] and doc.input_shape == (2,)
    assert panel.preview.mode == "table"
    table = panel.preview.table
    assert table.model.headers == ["age", "height", "side_effects"]
    assert table.model.rowCount() == 100 and table.model.rows[0] == ["20", "150", "yes"]
    assert table.model.headerData(2, Qt.Orientation.Horizontal) == "side_effects (label)"
    assert panel.combo.currentText() == "CSV: patients.csv"
    # the split and scaling settings are editable in the panel too
    scaling = panel.editors["scaling"].widget
    with qtbot.waitSignal(doc.dataset_changed):
        scaling.setCurrentIndex(scaling.findData("minmax"))
    assert doc.dataset.scaler is not None and doc.dataset.x_train.min() == 0.0
    assert doc.dataset_spec["params"]["label_column"] == "side_effects"


def test_cancelling_the_csv_dialog_keeps_the_data(qtbot, panel, doc):
    choose(qtbot, panel, "sentiment")           # the arrow keys load every set on the way, as in any combo
    choose(qtbot, panel, "csv")
    dialog = panel.csv_dialog
    assert panel.combo.currentData() == "csv"
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert doc.dataset.name == "sentiment" and panel.combo.currentData() == "sentiment"


# ------------------------------------------------------------------------------------ main window
@pytest.fixture
def window(make_main_window):
    from nnviz.ui.data_integration import attach_data_panel
    w = make_main_window(show=False)
    attach_data_panel(w, w.document)
    w.show()
    return w


def test_the_editor_shows_the_input_shape_the_panel_sets(qtbot, window):
    w = window
    panel = w.data_panel
    assert w.docks["dockData"][0].widget() is panel
    click_box(qtbot, panel.feature_boxes["x1*x2"])
    click_box(qtbot, panel.feature_boxes["sin(x1)"])
    assert w.document.input_shape == (4,)
    subtitle = w.layer_view.block_item(-1).subtitle
    assert "(None, 4)" in subtitle and "x₁x₂" in subtitle and "sin x₁" in subtitle
    assert "input (None, 4)" in w.summary.title.text()
    assert w.summary.cell_text(0, 2) == "20"                     # 4 inputs × 4 units + 4 biases
    choose(qtbot, panel, "digits")
    assert "(None, 8, 8, 1)" in w.layer_view.block_item(-1).subtitle
    assert "input (None, 8, 8, 1)" in w.summary.title.text()


def test_file_menu_has_import_csv(qtbot, window):
    w = window
    action = w.findChild(type(w.actionNew), "actionImportCsv")
    assert action is not None and action in w.menu("File").actions()
    texts = [a.text().replace("&", "") for a in w.menu("File").actions() if not a.isSeparator()]
    assert texts.index("Import CSV…") == texts.index("Examples") + 1
    action.trigger()
    dialog = w.data_panel.csv_dialog
    assert dialog is not None and dialog.isVisible() and dialog.windowTitle() == "Import CSV"
    dialog.reject()
