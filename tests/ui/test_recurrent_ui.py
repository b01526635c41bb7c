"""Recurrent layers in the app: the palette and inspector, and what the training views show of a network that
reads the digits row by row."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox

from nnviz.core import GRU, LSTM, Dense, Embedding, Input, Sequential
from nnviz.core.data import catalog, text
from nnviz.core.training import TrainingConfig
from nnviz.ui.data_integration import attach_data_panel
from nnviz.ui.training.activations_view import ActivationsView
from nnviz.ui.training.predict_panel import PredictPanel
from nnviz.ui.training.weights_view import WeightsView
from tests.ui.test_data_panel import choose, click_box, doc, panel  # noqa: F401 — fixtures too
from tests.ui.test_editor import classes, click_block, drop_from_palette, undo
from tests.ui.test_training_views import axis_label, train_snapshots


def fed(qtbot, view, probe, dataset, snapshot):
    """A training view on ``dataset`` showing the trained network's ``snapshot``."""
    qtbot.addWidget(view)
    view.set_context(probe, dataset)
    view.update_snapshot(snapshot, force=True)
    return view


@pytest.fixture(scope="module")
def lstm_run():
    ds = catalog.load("digits", sequence=True)
    model = Sequential([Input((8, 8)), LSTM(6, return_sequences=True), LSTM(5), Dense(10, activation="softmax")],
                       seed=0)
    config = TrainingConfig(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=0)
    snaps, probe = train_snapshots(model, ds, config, ["step_epoch"] * 2)
    return ds, snaps, probe


def test_an_lstm_from_the_palette_reads_the_digits_row_by_row_and_its_settings_are_undoable(main_window, qtbot):
    w = main_window
    w.document.set_dataset({"name": "digits", "params": {"sequence": True}})
    assert w.layer_view.block_item(-1).subtitle.startswith("(None, 8, 8)")
    # the default Dense stack works along the last axis: put an LSTM first, it takes the 8 steps of 8 pixels
    drop_from_palette(w, "LSTM", w.layer_view.gap_point(0))
    assert classes(w)[0] == "LSTM"
    assert w.layer_view.block_item(0).title == "LSTM 16"
    assert w.document.model.layers[0].output_shape == (None, 16)
    assert w.document.model.layers[0].count_params() == 4 * (8 * 16 + 16 * 16 + 16)
    click_block(qtbot, w, 0)
    editors = w.inspector.editors
    assert {"units", "activation", "recurrent_activation", "return_sequences", "use_bias"} <= set(editors)
    box = editors["return_sequences"]
    assert isinstance(box, QCheckBox) and not box.isChecked() and box.toolTip()
    click_box(qtbot, box)
    assert w.document.model.layers[0].output_shape == (None, 8, 16)
    assert w.layer_view.block_item(0).title == "LSTM 16 · all steps"
    assert "(None, 8, 16)" in w.layer_view.block_item(0).subtitle
    undo(qtbot, w)
    assert w.document.model.layers[0].output_shape == (None, 16) and not box.isChecked()
    assert w.document.is_valid


def test_a_recurrent_layer_on_flat_input_is_drawn_in_red_with_the_cores_message(main_window, qtbot):
    w = main_window     # the circle's (None, 2): no time axis for a GRU
    assert w.actionTrain.isEnabled()
    drop_from_palette(w, "GRU", w.layer_view.gap_point(0))
    message = str(w.document.error)
    assert "GRU needs a sequence input (timesteps, features), got (2,)" in message
    block = w.layer_view.block_item(0)
    assert block.error == message and w.banner.label.text() == message
    assert not w.actionTrain.isEnabled()


def test_weights_view_shows_both_kernels_of_an_lstm_with_its_gates(qtbot, lstm_run):
    ds, snaps, probe = lstm_run
    view = WeightsView(histogram_interval=0.0)
    qtbot.addWidget(view)
    view.set_model(probe.model, ds)
    labels = [view.layer_combo.itemText(i) for i in range(view.layer_combo.count())]
    assert labels[:2] == ["lstm · LSTM 6 · all steps  (8×24)", "lstm · LSTM 6 · all steps · recurrent  (6×24)"]
    view.layer_combo.setCurrentIndex(1)
    for s in snaps[-3:]:
        view.update_snapshot(s)
    np.testing.assert_array_equal(view.image.image, snaps[-1].weights[1])   # kernel, recurrent_kernel, bias
    ticks = [label for _pos, label in view.kernel_plot.getAxis("bottom")._tickLevels[0]]
    assert ticks == ["i", "f", "c", "o"]
    assert axis_label(view.kernel_plot, "left") == "state h(t−1)"
    # picked after training ended: the distribution still shows the current weights
    view.layer_combo.setCurrentIndex(0)
    view.update_snapshot(snaps[-1])
    assert any(c.xData is not None and len(c.xData) for c in view.hist_curves)


def test_activations_show_each_time_step_as_a_row(qtbot, lstm_run):
    ds, snaps, probe = lstm_run
    view = fed(qtbot, ActivationsView(), probe, ds, snaps[-1])
    sample = ds.x_test[0]
    assert view._input_row.kind == "sequence"
    np.testing.assert_array_equal(view._input_row.image.image, sample)      # the digit, a row per time step
    assert axis_label(view._input_row.plot, "left") == "time step"
    (_, first), (_, second), _ = view._rows
    assert first.kind == "sequence" and first.image.image.shape == (8, 6)   # return_sequences: (steps, units)
    assert second.kind == "bars"


def test_predict_panel_lets_you_draw_a_digit_for_a_recurrent_network(qtbot, lstm_run):
    ds, snaps, probe = lstm_run
    panel = fed(qtbot, PredictPanel(), probe, ds, snaps[-1])
    canvas = panel.canvas
    assert canvas.isVisibleTo(panel) and canvas.image.shape == (8, 8)
    panel.show()
    qtbot.waitExposed(panel)
    cell = canvas.width() / 8
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(cell * 3.5), int(cell * 2.5)))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(cell * 3.5), int(cell * 2.5)))
    assert canvas.image.sum() > 0


def test_data_panel_offers_the_digits_as_sequences_of_rows(qtbot, panel, doc):
    choose(qtbot, panel, "digits")
    box = panel.editors["sequence"].widget
    assert "SimpleRNN, LSTM or GRU" in box.toolTip()
    click_box(qtbot, box)
    assert doc.input_shape == (8, 8) and panel.preview.mode == "images"
    assert "8×8 images read row by row: 8 time steps of 8 pixels" in panel.input_label.text()
    click_box(qtbot, panel.editors["flatten"].widget)        # both at once cannot be: said, and nothing lost
    assert doc.input_shape == (8, 8)
    assert panel.error_label.isVisible() and "either flatten" in panel.error_label.text()
    assert not panel.editors["flatten"].widget.isChecked()     # the editors show what the document holds


# ------------------------------------------------------------------------------------------------- text
@pytest.fixture(scope="module")
def reviews_run():
    ds = catalog.load("sentiment", n_samples=1200)
    model = Sequential([Input((text.LENGTH,)), Embedding(len(ds.vocabulary), 8), GRU(12),
                        Dense(1, activation="sigmoid")], seed=0)
    config = TrainingConfig(optimizer="adam", learning_rate=0.01, loss="binary_crossentropy", batch_size=32,
                            epochs=0)
    snaps, probe = train_snapshots(model, ds, config, ["step_epoch"] * 10)
    return ds, snaps, probe


def test_the_reviews_show_as_text_and_an_embedding_takes_their_vocabulary(main_window, qtbot):
    w = main_window
    panel = getattr(w, "data_panel", None) or attach_data_panel(w, w.document)
    choose(qtbot, panel, "sentiment")
    ds = w.document.dataset
    assert ds.name == "sentiment" and w.document.input_shape == (text.LENGTH,)
    table = panel.preview.table
    assert panel.preview.mode == "table" and table.model.headers == ["class", "text"]
    assert table.model.rows[0] == [ds.class_names[ds.y_train[0]], text.decode(ds.x_train[0], ds.vocabulary)]
    cell = table.model.index(0, 1)   # a review cut short by the column reads in full on hover
    assert table.model.data(cell, Qt.ItemDataRole.ToolTipRole) == table.model.rows[0][1]
    assert "start with an Embedding" in panel.input_label.text()
    assert w.layer_view.block_item(-1).subtitle.endswith(f"{text.LENGTH} token ids of {len(ds.vocabulary)} words")
    drop_from_palette(w, "Embedding", w.layer_view.gap_point(0))
    layer = w.document.model.layers[0]
    assert (layer.input_dim, layer.output_dim) == (len(ds.vocabulary), 8)
    assert w.layer_view.block_item(0).title == f"Embedding {len(ds.vocabulary)} → 8"
    click_block(qtbot, w, 0)
    assert {"input_dim", "output_dim"} <= set(w.inspector.editors)


def test_predict_panel_reads_a_typed_review(qtbot, reviews_run):
    ds, snaps, probe = reviews_run
    panel = fed(qtbot, PredictPanel(), probe, ds, snaps[-1])
    panel.show()
    qtbot.waitExposed(panel)
    edit = panel.text_edit
    assert panel.inputs.currentWidget() is panel.text_page
    assert edit.text() == text.decode(ds.x_test[0], ds.vocabulary)        # the test sample, in words
    edit.clear()
    qtbot.keyClicks(edit, "the plot was not good")
    assert "Predicted: <b>negative</b>" in panel.result.text()
    edit.clear()
    qtbot.keyClicks(edit, "the plot was not bad but i loved it")
    assert "Predicted: <b>positive</b>" in panel.result.text()
    qtbot.keyClicks(edit, " zebra")
    assert "not in the vocabulary (read as <unk>): zebra" in panel.text_words.text()


def test_activations_name_each_time_step_by_its_word(qtbot, reviews_run):
    ds, snaps, probe = reviews_run
    view = fed(qtbot, ActivationsView(), probe, ds, snaps[-1])
    sentence = text.decode(ds.x_test[0], ds.vocabulary)
    assert f"“{sentence}”" in view.result.text()
    (_, embedding), _gru, _dense = view._rows
    labels = [w for _pos, w in embedding.plot.getAxis("left")._tickLevels[0]]
    assert labels == sentence.split() and embedding.image.image.shape == (text.LENGTH, 8)
