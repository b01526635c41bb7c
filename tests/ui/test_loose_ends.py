"""Issue 20: loose ends a user tripped over — stale panels, odd defaults, clipped labels, two seeds, missing
losses. Each test opens the app as a user would (an example, a data set, New) and checks what is on screen."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QDockWidget, QScrollArea

from nnviz.core import losses
from nnviz.core.data import catalog, course
from nnviz.core.training import TrainingConfig

TIMEOUT = 20_000
EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "examples")


def example(name: str) -> str:
    return os.path.join(EXAMPLES, name)


def open_example(window, controller, qtbot, name: str) -> None:
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        assert window.open_example(example(name))
    qtbot.waitUntil(lambda: not window.training_ui._rebuild_pending, timeout=TIMEOUT)


def train(controller, qtbot, epochs: int):
    """Train ``epochs`` epochs from where the worker is; the snapshot at the end."""
    with qtbot.waitSignal(controller.stopped, timeout=60_000):
        controller.train()
    qtbot.waitUntil(lambda: controller.latest_snapshot.epoch >= epochs and
                    controller.latest_snapshot.state != "running", timeout=60_000)
    return controller.latest_snapshot


# ---------------------------------------------------------------------------------------------- predict
def test_predict_forgets_the_digits_answer_when_the_network_no_longer_fits_the_data(app_window, qtbot):
    window, controller = app_window
    open_example(window, controller, qtbot, "digits-cnn.nnviz")
    predict = window.training_ui.predict
    assert predict.result.text().startswith("Predicted:")
    window.document.set_dataset({"name": "clinical_trial", "params": {}})   # a CNN cannot take one age
    qtbot.waitUntil(lambda: predict._mode == "none", timeout=TIMEOUT)
    assert "Predicted" not in predict.result.text()
    assert predict.output is None and predict._bars is None and not predict.plot_widget.isVisible()


def test_the_course_table_predicts_from_inside_its_data_and_its_note_wraps(app_window, qtbot):
    """2-3-2 has no test samples to load: the fields start in the middle of 125–230 lb and 52–72 in, not at
    the fields' minimum (20, 32), and the scaling note wraps instead of scrolling the dock sideways."""
    window, controller = app_window
    open_example(window, controller, qtbot, "course-2-3-2.nnviz")
    predict = window.training_ui.predict
    weight, height = (s.value() for s in predict._spins)
    assert 125 <= weight <= 230 and 52 <= height <= 72
    assert predict.result.text().startswith("Predicted:")
    dock = window.findChild(QDockWidget, "predictDock")
    dock.raise_()
    qtbot.waitUntil(dock.isVisible)
    scroll = dock.findChild(QScrollArea, "predictScroll")
    qtbot.waitUntil(lambda: not scroll.horizontalScrollBar().isVisible(), timeout=2000)


def test_the_whole_vocabulary_note_is_visible(app_window, qtbot):
    window, controller = app_window
    open_example(window, controller, qtbot, "sentiment-gru.nnviz")
    predict = window.training_ui.predict
    dock = window.findChild(QDockWidget, "predictDock")
    dock.raise_()
    qtbot.waitUntil(dock.isVisible)
    predict.text_edit.setText("the movie was zorgle and blibber not frobnicated at all quux")
    note = predict.text_words
    assert "not in the vocabulary" in note.text()
    qtbot.waitUntil(lambda: note.height() >= note.heightForWidth(note.width()), timeout=2000)
    # the stack of input pages gives the note its wrapped lines: it is not cut at the bottom
    page_bottom = predict.inputs.height()
    assert note.geometry().bottom() <= page_bottom


# ---------------------------------------------------------------------------------------------- modified flag
@pytest.mark.parametrize("first, second", [("course-2-3-2.nnviz", "sentiment-gru.nnviz"),
                                           ("digits-cnn.nnviz", "clinical-trial.nnviz"),
                                           ("sentiment-gru.nnviz", "course-2-3-2.nnviz")])
def test_opening_an_example_after_another_leaves_it_unmodified(app_window, qtbot, first, second):
    window, controller = app_window
    open_example(window, controller, qtbot, first)
    assert not window.document.is_modified
    open_example(window, controller, qtbot, second)
    assert not window.document.is_modified and window.document.undo_stack.count() == 0
    assert not window.isWindowModified()


# ---------------------------------------------------------------------------------------------- plots
def test_after_new_the_plots_start_from_empty_ranges_and_the_accuracy_axis_is_in_percent(app_window, qtbot):
    window, controller = app_window
    ui = window.training_ui
    open_example(window, controller, qtbot, "clinical-trial.nnviz")
    window.document.set_training_config(TrainingConfig.from_dict({**window.document.training_config.to_dict(),
                                                                  "epochs": 3}))
    train(controller, qtbot, 3)
    x_range = ui.curves.loss_plot.getViewBox().viewRange()[0]
    assert x_range[1] >= 3
    window.ask_save_changes = lambda: "discard"
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        assert window.new_project()
    qtbot.waitUntil(lambda: not ui._rebuild_pending, timeout=TIMEOUT)
    (x0, x1), (y0, y1) = ui.curves.loss_plot.getViewBox().viewRange()
    assert (x0, x1) == pytest.approx((0, 1)) and (y0, y1) == pytest.approx((0, 1))
    # the empty accuracy axis says % and runs 0–100, as its label says
    label = ui.curves.metric_plot.getAxis("left").labelUnits
    assert label == "%"
    assert ui.curves.metric_plot.getViewBox().viewRange()[1] == pytest.approx([0, 100])
    assert ui.gradients.plot.getViewBox().viewRange()[0] == pytest.approx([0, 1])


def test_the_batch_loss_lies_under_the_epoch_curves(app_window):
    window, _controller = app_window
    curves = window.training_ui.curves
    for batch in (curves.batch_raw, curves.batch_smooth):
        for epoch in (curves.train_loss, curves.val_loss, curves.test_loss):
            assert batch.zValue() < epoch.zValue()


def test_the_gradients_label_fits_its_plot(app_window, qtbot):
    window, _controller = app_window
    dock = window.findChild(QDockWidget, "gradientsDock")
    dock.raise_()
    qtbot.waitUntil(dock.isVisible)
    axis = window.training_ui.gradients.plot.getAxis("left")
    qtbot.waitUntil(lambda: axis.label.boundingRect().width() <= axis.boundingRect().height(), timeout=2000)


# ---------------------------------------------------------------------------------------------- seeds
def test_first_train_reset_and_the_command_line_start_from_one_seed(app_window, qtbot):
    """The clinical trial trained two epochs three ways gives one run: after opening, after Reset, and as
    ``nnviz train`` does (the architecture's seed 1 and the training's seed 0 gave two)."""
    from nnviz.cli import _seeded
    from nnviz.core import training
    from nnviz.io.project import load_project

    window, controller = app_window
    open_example(window, controller, qtbot, "clinical-trial.nnviz")
    doc = window.document
    doc.set_training_config(TrainingConfig.from_dict({**doc.training_config.to_dict(), "epochs": 2}))
    first = train(controller, qtbot, 2).history["loss"].y.copy()
    with qtbot.waitSignal(controller.weights_reset, timeout=TIMEOUT):
        controller.reset_weights()
    qtbot.waitUntil(lambda: controller.latest_snapshot.epoch == 0, timeout=TIMEOUT)
    again = train(controller, qtbot, 2).history["loss"].y.copy()

    project = load_project(example("clinical-trial.nnviz"))
    project = _seeded(project, project.training["seed"])
    model = project.build_model()
    cfg = project.training_config()
    dataset = catalog.load(project.dataset["name"], **project.dataset["params"])
    cli = training.fit(model, dataset, cfg, epochs=2).history["loss"]
    assert first == pytest.approx(again, rel=1e-5)
    assert first == pytest.approx(cli, rel=1e-5)


# ---------------------------------------------------------------------------------------------- losses, data
def test_the_loss_menu_offers_every_loss_of_the_core_somewhere():
    from nnviz.core import Dense, Sequential
    from nnviz.ui.training.panel import ALL_LOSSES, loss_choices

    assert sorted(ALL_LOSSES) == sorted(losses.NAMES)
    regression = catalog.load("multi_gauss")
    counts = Sequential([Dense(1, activation="softplus", input_shape=(2,))])
    counts.build()
    allowed, hidden, _ = loss_choices(counts, regression)
    assert "poisson" in allowed or "poisson" in hidden
    linear = Sequential([Dense(1, input_shape=(2,))])
    linear.build()
    allowed, hidden, _ = loss_choices(linear, regression)
    assert "poisson" not in allowed and "cosine_similarity" in hidden   # one output: only its sign
    binary = Sequential([Dense(1, activation="sigmoid", input_shape=(1,))])
    binary.build()
    allowed, _hidden, _ = loss_choices(binary, catalog.load("clinical_trial"))
    assert "poisson" in allowed


def test_the_clinical_trial_description_gives_the_generators_counts():
    data = course.clinical_trial()
    ages, labels = course.clinical_trial_ages()
    young = ages < 65
    young_exc = int((labels[young] == 1).sum())
    old_exc = int((labels[~young] == 0).sum())
    text = data.description
    assert f"{int(young.sum()) - young_exc:,} had no side effects and {young_exc:,} had" in text
    assert f"{int((~young).sum()) - old_exc:,} had side effects and {old_exc:,} had none" in text
    assert "50 + 1000" not in (course.clinical_trial_ages.__doc__ or "")


def test_the_confusion_matrix_shows_a_split_with_samples(app_window, qtbot):
    """The course's six people are all for training: the matrix shows them, not an empty test split; data
    with a test split shows the test split again."""
    window, controller = app_window
    confusion = window.training_ui.confusion
    open_example(window, controller, qtbot, "course-2-3-2.nnviz")
    assert confusion.split_combo.currentText() == "training"
    assert confusion.matrix is not None and confusion.matrix.sum() == 6
    open_example(window, controller, qtbot, "clinical-trial.nnviz")
    assert confusion.split_combo.currentText() == "test"
    confusion.split_combo.setCurrentText("validation")
    window.document.set_dataset({"name": "clinical_trial", "params": {"seed": 3}})
    qtbot.waitUntil(lambda: not window.training_ui._rebuild_pending, timeout=TIMEOUT)
    assert confusion.split_combo.currentText() == "validation"   # the user's choice stays


# ---------------------------------------------------------------------------------------------- data list
def test_the_csv_entry_selects_that_file_again_and_csv_file_stays(qtbot, tmp_path):
    from nnviz.session.document import ProjectDocument
    from nnviz.ui.data_panel import DataPanel

    path = tmp_path / "good.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(40)))
    doc = ProjectDocument()
    panel = DataPanel(doc)
    qtbot.addWidget(panel)
    panel.show()
    doc.set_dataset({"name": "csv", "params": {"path": str(path), "label_column": "y"}})
    combo = panel.combo
    assert combo.currentText() == "CSV: good.csv"
    assert combo.findText("CSV file…") >= 0                      # importing another file is still offered
    panel.select_dataset("xor")
    assert doc.dataset_spec["name"] == "xor"
    combo.activated.emit(combo.findText("CSV: good.csv"))        # as a click on the entry does
    assert panel.csv_dialog is None                              # no empty import dialog
    assert doc.dataset_spec["name"] == "csv" and doc.dataset_spec["params"]["path"] == str(path)
    assert combo.currentText() == "CSV: good.csv" and combo.findText("CSV file…") >= 0


def test_choosing_data_that_changes_the_input_says_so_in_the_status_bar(app_window, qtbot):
    """Circle (2 inputs, 17 parameters in the first layer …) to the clinical trial (1 input): the status bar
    says the input and the parameter count changed."""
    window, _controller = app_window
    doc = window.document
    params_before = doc.model.count_params()
    window.data_panel.select_dataset("clinical_trial")
    assert doc.input_shape == (1,)
    message = window.statusBar().currentMessage()
    assert "the input is now (1,) (was (2,))" in message
    assert f"{doc.model.count_params():,} parameters (was {params_before:,})" in message


# ---------------------------------------------------------------------------------------------- names, folders
def test_default_export_names_are_plain_and_dialogs_start_next_to_the_project(app_window, qtbot, tmp_path):
    window, controller = app_window
    open_example(window, controller, qtbot, "digits-cnn.nnviz")
    exports = window.exports
    assert os.path.basename(exports.default_path("npz")) == "digits-convolutional-network.npz"
    from nnviz.ui.image_export import slug_file_name
    assert slug_file_name("Course: 2 → 3 → 2") == "course-2-3-2"
    project = tmp_path / "work" / "mine.nnviz"
    project.parent.mkdir()
    assert window.save_to(str(project))
    assert os.path.dirname(exports.default_path("onnx")) == str(project.parent)
    assert os.path.basename(exports.default_path("onnx")) == "mine.onnx"


# ---------------------------------------------------------------------------------------------- sizes, words
def test_the_weights_layer_list_says_why_it_is_empty_while_the_network_is_invalid(app_window, qtbot):
    window, _controller = app_window
    weights = window.training_ui.weights
    assert weights.layer_combo.count() > 0 and weights.layer_combo.isEnabled()
    # a Conv2D first, on the circle's 2 inputs: the network cannot be built
    window.document.add_layer(0, {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": [3, 3]}})
    qtbot.waitUntil(lambda: not window.training_ui._rebuild_pending, timeout=TIMEOUT)
    assert not window.document.is_valid
    combo = weights.layer_combo
    assert combo.count() == 0 and not combo.isEnabled()
    assert combo.placeholderText() == "none: the network cannot train yet"


def test_keyboard_shortcuts_rows_are_not_cut(app_window, qtbot):
    from PySide6.QtWidgets import QTableWidget

    window, _controller = app_window
    dialog = window.show_shortcuts()
    qtbot.waitExposed(dialog)
    table = dialog.findChild(QTableWidget)
    for column in (0, 1):
        assert table.columnWidth(column) >= table.sizeHintForColumn(column)
    dialog.close()


def test_a_status_message_gets_the_room_of_the_fields_that_can_wait(app_window, qtbot):
    from PySide6.QtWidgets import QLabel

    window, _controller = app_window
    bar = window.statusBar()
    text = "New data: the input is now (8, 8, 1) (was (2,)); the network no longer fits it"
    window.status_message(text)
    fields = [w for w in bar.findChildren(QLabel) if w.isVisible() and w.objectName().startswith("status")]
    room = bar.width() - sum(w.width() for w in fields)
    assert room > bar.fontMetrics().horizontalAdvance(text)
    bar.clearMessage()
    assert bar.findChild(QLabel, "statusZoom").isVisible()


def test_the_inspector_shows_the_parameters_of_a_layer_at_1080p(app_window, qtbot):
    from PySide6.QtWidgets import QLabel

    window, controller = app_window
    window.resize(1920, 1080)
    window.apply_default_sizes()
    open_example(window, controller, qtbot, "clinical-trial.nnviz")
    window.layer_view.select_indices([1])
    label = window.findChild(QLabel, "inspectorInfo")
    qtbot.waitUntil(lambda: "Parameters: 544" in label.text(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not label.visibleRegion().isEmpty(), timeout=2000)
    assert label.visibleRegion().boundingRect().height() >= label.height() - 1   # the whole label is in view


def test_confusion_counts_are_shown_only_where_they_fit(app_window, qtbot):
    window, controller = app_window
    confusion = window.training_ui.confusion
    dock = window.findChild(QDockWidget, "confusionDock")
    open_example(window, controller, qtbot, "digits-lstm.nnviz")
    dock.raise_()
    qtbot.waitUntil(lambda: confusion.matrix is not None and confusion.isVisible(), timeout=TIMEOUT)
    vb = confusion.plot.getViewBox()
    if vb.width() / 10 < confusion.fontMetrics().horizontalAdvance("88"):   # ten classes in a 720p dock
        assert not any(t.isVisible() for t in confusion._texts)
    window.resize(2600, 1800)
    window.apply_default_sizes()
    qtbot.waitUntil(lambda: all(t.isVisible() for t in confusion._texts), timeout=TIMEOUT)


def test_the_activations_verdict_has_a_line_of_its_own(app_window, qtbot):
    window, controller = app_window
    view = window.training_ui.activations
    dock = window.findChild(QDockWidget, "activationsDock")
    dock.raise_()
    qtbot.waitUntil(view.isVisible)
    qtbot.waitUntil(lambda: "predicted" in view.result.text(), timeout=TIMEOUT)
    assert view.result.width() >= view.width() - 16                      # the dock's width, not what is left
    assert view.result.geometry().top() >= view.split_combo.geometry().bottom()
    assert view.split_combo.geometry().top() < 2 * view.split_combo.height()   # no tall row of controls


def test_the_summary_totals_take_one_line_where_there_is_room(app_window, qtbot):
    window, controller = app_window
    summary = window.summary
    dock = window.findChild(QDockWidget, "dockSummary")
    dock.raise_()
    qtbot.waitUntil(summary.isVisible)
    assert summary.totals_text() == "Total params: 42 · Trainable params: 42 · Non-trainable params: 0"
    line = summary.totals.fontMetrics().lineSpacing()
    assert summary.totals.height() < 3 * line                     # was three lines: the room of two layers
    assert summary.table.item(0, 0).toolTip() == summary.cell_text(0, 0)   # the whole name where it is elided


def test_the_digits_prediction_and_its_class_labels_fit_a_720p_dock(app_window, qtbot):
    window, controller = app_window
    open_example(window, controller, qtbot, "digits-cnn.nnviz")
    dock = window.findChild(QDockWidget, "predictDock")
    dock.raise_()
    predict = window.training_ui.predict
    qtbot.waitUntil(predict.isVisible)
    scroll = dock.findChild(QScrollArea, "predictScroll")
    viewport = scroll.viewport()
    qtbot.waitUntil(lambda: predict.height() <= viewport.height(), timeout=2000)   # nothing below the fold
    assert not scroll.verticalScrollBar().isVisible()
    assert predict.clear_button.isVisible()
    axis = predict.plot.getAxis("left")
    assert axis.label.boundingRect().width() <= axis.boundingRect().height()     # the y label is not cut
