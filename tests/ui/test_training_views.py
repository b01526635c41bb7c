"""The live training views, fed with snapshots of real training (the engine run in this thread)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from PySide6.QtCore import Qt

from nnviz.core import Conv2D, Dense, Flatten, MaxPooling2D, Sequential
from nnviz.core.data import catalog
from nnviz.core.training import TrainingConfig
from nnviz.session.training_engine import Curve, SnapshotAssembler, TrainingEngine
from nnviz.ui.training.activations_view import ActivationsView
from nnviz.ui.training.boundary_view import BoundaryView, node_thumbnails, plane_features, plane_grid
from nnviz.ui.training.common import ProbeModel
from nnviz.ui.training.confusion_view import ConfusionView
from nnviz.ui.training.curves import CurvesView, peak_decimate
from nnviz.ui.training.gradients_view import GradientsView
from nnviz.ui.training.panel import TrainingPanel, loss_choices
from nnviz.ui.training.predict_panel import PredictPanel
from nnviz.ui.training.weights_view import WeightsView


def train_snapshots(model, dataset, config, commands):
    """Run the engine here, synchronously: set up, the commands, quit. Returns the snapshots it published
    and the trained model (a probe with the last weights)."""
    wires = []
    engine = TrainingEngine(lambda event, *args: wires.append(args[0]) if event == "snapshot" else None,
                            publish_interval=0.0)
    engine.send("setup", model.get_config(), model.get_weights(), dataset, config.to_dict(), {})
    for command in commands:
        engine.send(command)
    engine.send("quit")
    engine.run()
    assembler = SnapshotAssembler()
    snaps = [assembler.assemble(w) for w in wires]
    probe = ProbeModel()
    probe.set_model(model)
    probe.sync(snaps[-1])
    return snaps, probe


@pytest.fixture(scope="module")
def spiral_run():
    ds = catalog.load("spiral", n_points=300, noise=0, seed=0,
                      features=["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"])
    model = Sequential([Dense(8, activation="tanh", input_shape=(7,)), Dense(6, activation="tanh"),
                        Dense(1, activation="sigmoid")], seed=0)
    config = TrainingConfig(optimizer="adam", learning_rate=0.03, loss="binary_crossentropy", batch_size=10,
                            epochs=0, validation_split=0.2)
    snaps, probe = train_snapshots(model, ds, config, ["step_batch"] + ["step_epoch"] * 60)
    return ds, snaps, probe


@pytest.fixture(scope="module")
def cnn_run():
    ds = catalog.load("digits")
    model = Sequential([Conv2D(6, 3, activation="relu", padding="same", input_shape=(8, 8, 1)), MaxPooling2D(2),
                        Conv2D(8, 3, activation="relu", padding="same"), MaxPooling2D(2), Flatten(),
                        Dense(10, activation="softmax")], seed=0)
    config = TrainingConfig(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=0)
    snaps, probe = train_snapshots(model, ds, config, ["step_epoch"] * 4)
    return ds, snaps, probe


def at_epoch(snaps, epoch):
    return next(s for s in snaps if s.epoch >= epoch)


def axis_label(plot, name):
    return plot.getAxis(name).labelText


# ---------------------------------------------------------------------------------------------- curves
def shown_curves(qtbot, width: int = 700, height: int = 500) -> CurvesView:
    view = CurvesView()
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    return view


def test_curves_items_persist_and_follow_the_snapshots(qtbot, spiral_run):
    _ds, snaps, _probe = spiral_run
    view = shown_curves(qtbot, 700, 500)
    items = (view.train_loss, view.val_loss, view.batch_raw, view.train_metric)
    view.update_snapshot(at_epoch(snaps, 10))
    n_before = len(view.train_loss.xData)
    view.update_snapshot(dataclasses.replace(snaps[-1], state="paused"))  # (running: figures follow at 10 Hz)
    assert (view.train_loss, view.val_loss, view.batch_raw, view.train_metric) == items   # same objects
    assert view.loss_plot.listDataItems().count(view.train_loss) == 1
    last = snaps[-1]
    assert len(view.train_loss.xData) == len(last.history["loss"]) > n_before
    np.testing.assert_allclose(view.train_loss.yData, last.history["loss"].y)
    np.testing.assert_allclose(view.val_metric.yData, 100 * last.history["val_accuracy"].y)  # in %
    assert axis_label(view.loss_plot, "left") == "loss" and axis_label(view.loss_plot, "bottom") == "epoch"
    assert axis_label(view.metric_plot, "left") == "accuracy"
    assert view.metric_plot.getAxis("left").labelUnits == "%"
    assert "Test loss" in view.figures.text() and "Training loss" in view.figures.text()
    assert f"{last.test_loss:.4g}" in view.figures.text()


def test_curves_log_scale_and_hover_readout(qtbot, spiral_run):
    _ds, snaps, _probe = spiral_run
    view = shown_curves(qtbot, 700, 500)
    view.update_snapshot(snaps[-1])
    qtbot.mouseClick(view.log_box, Qt.LeftButton)
    assert view.loss_plot.getAxis("left").logMode and "log" in axis_label(view.loss_plot, "left")
    np.testing.assert_allclose(10 ** view.train_loss.yData, snaps[-1].history["loss"].y, rtol=1e-6)
    text = view.readout_at(12.0)
    assert "epoch 12" in text and "loss" in text and "val. loss" in text
    # a real hover over the loss plot moves the cursor line and fills the read-out
    qtbot.waitExposed(view)
    vb = view.loss_plot.getViewBox()
    scene_pos = vb.mapViewToScene(vb.viewRect().center())
    view.graphics.scene().sigMouseMoved.emit(scene_pos)
    assert view.cursor_lines[0].isVisible() and "epoch" in view.readout.text()


def test_curves_side_by_side_in_a_short_bottom_dock_of_a_small_screen(qtbot, spiral_run):
    """On a 1280 × 720 screen the curves dock is about 670 × 210: one plot above the other left each of them
    no height (their axis labels overlapped); side by side each has its room, with the legend inside the loss plot."""
    _ds, snaps, _probe = spiral_run
    view = shown_curves(qtbot, 670, 210)
    qtbot.waitExposed(view)
    view.update_snapshot(snaps[-1])
    loss, metric = (p.sceneBoundingRect() for p in (view.loss_plot, view.metric_plot))
    assert loss.right() <= metric.left() + 1           # side by side
    assert min(loss.height(), metric.height()) >= 100 and min(loss.width(), metric.width()) >= 200
    # no legend row and no read-out line taking the plots' height: the legend sits in the loss plot's corner
    assert view.inner_legend.isVisible() and not view.legend.isVisible() and not view.readout.isVisible()
    assert [label.text for _sample, label in view.inner_legend.items] == \
        [label.text for _sample, label in view.legend.items if not label.text.startswith("batch")] != []
    corner = view.inner_legend.sceneBoundingRect()
    assert loss.contains(corner.center()) and corner.center().x() > loss.center().x()
    view.resize(400, 600)                              # a tall side column: one above the other
    qtbot.waitUntil(lambda: view.loss_plot.sceneBoundingRect().bottom() <= view.metric_plot.sceneBoundingRect().top() + 1)
    assert view.legend.isVisible() and not view.inner_legend.isVisible() and view.readout.isVisible()
    assert view.legend.sceneBoundingRect().bottom() <= view.loss_plot.sceneBoundingRect().top() + 1   # its own row


def test_a_flat_curve_gets_readable_ticks(qtbot, spiral_run):
    """An accuracy stuck at 50 % drew tick labels 49.9999999999 / 50.0000000002."""
    _ds, snaps, _probe = spiral_run
    view = shown_curves(qtbot, 700, 300)
    snap = snaps[-1]
    flat = {k: Curve(c.x, np.full_like(c.y, 0.5)) for k, c in snap.history.items()}
    view.update_snapshot(dataclasses.replace(snap, history=flat, test_history={}, state="paused"))
    lo, hi = view.metric_plot.getViewBox().viewRange()[1]
    assert lo < 50 < hi and hi - lo >= 1.0


def test_peak_decimation_keeps_extremes():
    x = np.arange(100_000, dtype=float)
    y = np.sin(x / 1000)
    y[54_321] = 9.0
    xd, yd = peak_decimate(x, y, 1000)
    assert len(xd) <= 1100 and yd.max() == 9.0 and yd.min() == pytest.approx(y.min(), abs=1e-6)


# ---------------------------------------------------------------------------------------------- gradients
def test_gradient_norms_one_curve_per_layer_on_a_log_axis(qtbot, spiral_run):
    _ds, snaps, _probe = spiral_run
    view = GradientsView()
    qtbot.addWidget(view)
    view.update_snapshot(at_epoch(snaps, 5))
    curves = list(view.curves)
    view.update_snapshot(snaps[-1])
    assert view.curves == curves and len(curves) == 3
    assert view.plot.getAxis("left").logMode
    assert "∂C/∂W" in axis_label(view.plot, "left") and axis_label(view.plot, "bottom") == "epoch"
    np.testing.assert_allclose(10 ** curves[0].yData[-1], snaps[-1].grad_norms[-1, 0], rtol=1e-6)
    assert "dense_2" in view.latest.text()


# ---------------------------------------------------------------------------------------------- weights
def test_weights_heatmap_dense_and_conv_filters(qtbot, spiral_run, cnn_run):
    _ds, snaps, probe = spiral_run
    view = WeightsView(histogram_interval=0.0)
    qtbot.addWidget(view)
    view.set_model(probe.model)
    image = view.image
    for s in snaps[-6:]:
        view.update_snapshot(s)
    assert view.image is image
    kernel = snaps[-1].weights[0]
    np.testing.assert_array_equal(image.image, kernel)
    lo, hi = image.levels
    assert lo == -hi and hi >= np.abs(kernel).max()                       # symmetric, zero in the middle
    assert view.colorbar.levels() == (lo, hi)
    assert sum(1 for c in view.hist_curves if c.xData is not None and len(c.xData)) >= 2   # distributions over time
    assert "kernel" in view.kernel_plot.titleLabel.text and axis_label(view.kernel_plot, "left") == "input k"
    assert axis_label(view.hist_plot, "bottom") == "weight value"

    ds, snaps, probe = cnn_run
    view.set_model(probe.model, ds)
    view.update_snapshot(snaps[-1])
    assert view.layer_combo.count() == 3 and view.image is image
    kernel = snaps[-1].weights[0]                         # (3, 3, 1, 6): one input channel, 6 filters
    rows = -(-6 // view._ticks[-1])
    assert image.image.shape == (rows * 4 - 1, view._ticks[-1] * 4 - 1)   # a grid of 3x3 images, 1-pixel gaps
    np.testing.assert_array_equal(image.image[:3, :3], kernel[:, :, 0, 0])
    np.testing.assert_array_equal(image.image[:3, 4:7], kernel[:, :, 0, 1])
    assert np.isnan(image.image[:, 3]).all()
    assert axis_label(view.kernel_plot, "bottom").startswith("filter")
    view.layer_combo.setCurrentIndex(1)                   # 8 filters x 6 input channels: a row per channel
    assert image.image.shape == (6 * 4 - 1, 8 * 4 - 1)
    assert axis_label(view.kernel_plot, "left") == "input channel"


def weights_fed_with(qtbot, probe, snaps, size) -> WeightsView:
    """A shown weights view of ``probe``'s model that has drawn every one of ``snaps``."""
    view = WeightsView(histogram_interval=0.0)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    view.set_model(probe.model)
    for snap in snaps:
        view.update_snapshot(snap, force=True)
    return view


def test_weight_distribution_over_time_spans_the_whole_run_on_an_epoch_axis(qtbot, spiral_run):
    """The ridgeline of the Weights dock: it kept the last 24 histograms 0.45 apart whatever their epochs were, so a
    fast run showed its last half second, labelled only with its first and last epoch, and the newest histogram
    hid the rest. Now: at most RIDGES curves from the start of training to now, each on its epoch, on an epoch axis
    with round labels (the start at the top, now at the bottom in front)."""
    from nnviz.ui.training.weights_view import RIDGES

    _ds, snaps, probe = spiral_run
    view = weights_fed_with(qtbot, probe, snaps, (420, 600))
    epochs = view.ridge_epochs
    assert 8 <= len(epochs) <= RIDGES and epochs == sorted(epochs)
    assert epochs[0] == 0.0 and epochs[-1] >= snaps[-1].epoch - 1          # the whole run, not its end only
    gaps = np.diff(epochs[1:])
    assert gaps.max() <= 2.5 * gaps.min()                                   # spread evenly
    drawn = [c for c in view.hist_curves if c.xData is not None and len(c.xData)]
    assert len(drawn) == len(epochs)
    for curve, epoch in zip(drawn, epochs):                                 # each rises from its own epoch
        assert curve.opts["fillLevel"] == epoch and curve.yData.min() < curve.yData.max() <= epoch
    assert [c.zValue() for c in drawn] == sorted(c.zValue() for c in drawn)  # the newer in front of the older
    assert view.hist_plot.getViewBox().yInverted() and axis_label(view.hist_plot, "left") == "epoch"
    ticks = view.hist_plot.getAxis("left")._tickLevels[0]
    values = [v for v, _t in ticks]
    assert values[0] == 0 and all(float(t) == v and v == int(v) for v, t in ticks) and len(ticks) >= 3
    assert max(values) <= epochs[-1]


def test_two_distributions_far_apart_leave_the_epoch_axis_its_room(qtbot, spiral_run):
    """A run of 200 epochs in a third of a second gives two distributions, at 0 and 200: each was drawn 2.2 gaps
    tall, and the axis squeezed 0, 50, 100, 150, 200 into its lowest fifth."""
    _ds, snaps, probe = spiral_run
    view = weights_fed_with(qtbot, probe, (snaps[0], snaps[-1]), (614, 300))
    first, last = view.ridge_epochs
    top, bottom = view.hist_plot.getViewBox().viewRange()[1]
    assert (last - first) / (bottom - top) >= 0.6          # the epochs take most of the height


def test_dense_on_flattened_digits_shows_each_unit_as_an_image(qtbot):
    ds = catalog.load("digits", flatten=True)
    model = Sequential([Dense(16, activation="relu", input_shape=(64,)), Dense(10, activation="softmax")], seed=0)
    snaps, probe = train_snapshots(model, ds, TrainingConfig(batch_size=32, epochs=0), ["step_epoch"])
    view = WeightsView()
    qtbot.addWidget(view)
    view.set_model(probe.model, ds)
    view.update_snapshot(snaps[-1])
    assert view.fields_box.isVisibleTo(view) and view.image.image.shape == (2 * 9 - 1, 8 * 9 - 1)
    np.testing.assert_array_equal(view.image.image[:8, :8], snaps[-1].weights[0][:, 0].reshape(8, 8))


# ---------------------------------------------------------------------------------------------- decision boundary
def test_boundary_image_points_test_toggle_and_discretize(qtbot, spiral_run):
    ds, snaps, probe = spiral_run
    view = BoundaryView(resolution=40)
    qtbot.addWidget(view)
    view.show()
    view.set_context(probe, ds)
    view.update_snapshot(snaps[-1], force=True)
    values = view.output_values()
    points, _axis = plane_grid(40)
    expected = probe.predict(plane_features(ds, points))[:, 0].reshape(40, 40)
    np.testing.assert_allclose(values, expected, rtol=1e-5)
    assert view.image.image.shape == (40, 40)
    rect = view.image.mapRectToParent(view.image.boundingRect())
    assert (rect.left(), rect.top(), rect.width()) == pytest.approx((-6, -6, 12))
    assert len(view.train_points.data) == len(ds.points_train) and not view.test_points.isVisible()
    qtbot.mouseClick(view.test_box, Qt.LeftButton)
    assert view.test_points.isVisible() and len(view.test_points.data) == len(ds.points_test)
    qtbot.mouseClick(view.discrete_box, Qt.LeftButton)
    assert set(np.unique(view.image.image)) <= {0.0, 1.0}
    assert axis_label(view.plot, "bottom") == "x₁" and axis_label(view.plot, "left") == "x₂"
    # a trained spiral model gets most training points right on the picture
    idx = np.clip(((ds.points_train + 6) / 12 * 40).astype(int), 0, 39)
    predicted = values[idx[:, 1], idx[:, 0]] > 0.5
    assert np.mean(predicted == ds.y_train.astype(bool)) > 0.8


def test_a_small_boundary_dock_keeps_its_title_and_colour_bar_legible(qtbot, spiral_run):
    """At 1280 x 720 the boundary dock is about 270 x 150: the title was cut ('...over the input plar') and the colour
    bar's automatic labels overlapped ('1.0 0.8 0.6 0.4 0.2' in 60 pixels)."""
    ds, snaps, probe = spiral_run
    view = BoundaryView(resolution=40)
    qtbot.addWidget(view)
    view.resize(270, 200)
    view.show()
    qtbot.waitExposed(view)
    view.set_context(probe, ds)
    assert not view.plot.titleLabel.isVisible()            # 200 px tall: the plane takes the title's room
    labels = [t for _v, t in view.colorbar.getAxis("right")._tickLevels[0]]
    assert labels == ["0", "1"]
    view.resize(270, 320)
    qtbot.waitUntil(lambda: view.plot.titleLabel.isVisible())
    assert view.plot.titleLabel.text == "model output"
    view.resize(700, 400)
    qtbot.waitUntil(lambda: view.plot.titleLabel.text == "model output over the input plane")


def test_node_thumbnails_for_the_neuron_view(spiral_run):
    ds, snaps, probe = spiral_run
    thumbs = node_thumbnails(probe.model, ds, weights=snaps[-1].weights, resolution=24)
    assert [t.shape for t in thumbs] == [(7, 24, 24), (8, 24, 24), (6, 24, 24), (1, 24, 24)]
    x1_image = thumbs[0][0]                                 # the feature x1 over the plane: a left-right ramp
    assert x1_image[0, 0] < x1_image[0, -1] and x1_image[0, 0] == pytest.approx(x1_image[-1, 0])
    assert np.abs(thumbs[1]).max() <= 1.0                   # tanh units
    assert node_thumbnails(probe.model, catalog.load("digits")) == []


# ---------------------------------------------------------------------------------------------- activations
def test_activations_feature_maps_and_bars(qtbot, cnn_run):
    ds, snaps, probe = cnn_run
    view = ActivationsView()
    qtbot.addWidget(view)
    view.set_context(probe, ds)
    view.update_snapshot(snaps[-1], force=True)
    kinds = [row.kind for _i, row in view._rows]
    assert view._input_row.kind == "maps" and kinds == ["maps", "maps", "maps", "maps", "bars"]
    conv_row = view._rows[0][1]
    assert conv_row.image.image.shape == (8, 6 * 9 - 1)            # 6 maps of 8x8 in a row, 1-pixel gaps
    out_row = view._rows[-1][1]
    outs = probe.forward_all(ds.x_test[:1])
    np.testing.assert_allclose(out_row.pos.opts["height"], outs[-1][0], rtol=1e-5)
    assert "true:" in view.result.text() and "predicted:" in view.result.text()
    before = out_row.pos
    view.sample_spin.setValue(5)
    assert out_row.pos is before
    np.testing.assert_allclose(out_row.pos.opts["height"], probe.forward_all(ds.x_test[5:6])[-1][0], rtol=1e-5)


# ---------------------------------------------------------------------------------------------- confusion
def test_confusion_matrix_counts(qtbot, cnn_run):
    ds, snaps, probe = cnn_run
    view = ConfusionView()
    qtbot.addWidget(view)
    view.set_context(probe, ds)
    view.update_snapshot(snaps[-1], force=True)
    m = view.matrix
    assert m.shape == (10, 10) and m.sum() == len(ds.x_test)
    predicted = probe.predict(ds.x_test).argmax(1)
    assert np.trace(m) == np.sum(predicted == ds.y_test)
    np.testing.assert_array_equal(m.sum(axis=1), np.bincount(ds.y_test, minlength=10))
    assert axis_label(view.plot, "bottom") == "predicted class" and axis_label(view.plot, "left") == "true class"
    assert f"{100 * np.trace(m) / m.sum():.1f} %" in view.summary.text()
    texts = list(view._texts)
    view.split_combo.setCurrentText("validation")
    assert view.matrix.sum() == len(ds.x_val) and view._texts == texts


def test_confusion_accuracy_line_stays_one_line_in_a_narrow_dock(qtbot, cnn_run):
    """In the bottom row of a 1280×720 window "test: 359 samples, accuracy 6.7 %" wrapped to four lines over the
    matrix: narrow, it reads "test accuracy 6.7 %" with the full line as its tool tip."""
    ds, snaps, probe = cnn_run
    view = ConfusionView()
    qtbot.addWidget(view)
    view.resize(800, 300)
    view.show()
    qtbot.waitExposed(view)
    view.set_context(probe, ds)
    view.update_snapshot(snaps[-1], force=True)
    assert "samples" in view.summary.text() and view.summary.toolTip() == ""
    view.resize(240, 220)
    qtbot.waitUntil(lambda: "samples" not in view.summary.text())
    assert view.summary.text().startswith("test accuracy") and "samples, accuracy" in view.summary.toolTip()
    labels = [t for _v, t in view.colorbar.getAxis("right")._tickLevels[0]]
    assert labels == ["0", "50", "100"]


# ---------------------------------------------------------------------------------------------- predict
def test_drawing_on_the_canvas_updates_the_prediction(qtbot, cnn_run):
    ds, _snaps, probe = cnn_run
    panel = PredictPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_context(probe, ds)
    # a test sample: the same output as model.predict
    np.testing.assert_allclose(panel.output, probe.predict(ds.x_test[:1])[0], rtol=1e-5)
    qtbot.mouseClick(panel.clear_button, Qt.LeftButton)
    canvas = panel.canvas
    assert canvas.image.sum() == 0
    seen = []
    panel.prediction_changed.connect(lambda out: seen.append(out.copy()))
    qtbot.mousePress(canvas, Qt.LeftButton, pos=canvas.cell_center(1, 4).toPoint())
    for row in range(2, 7):                               # a vertical stroke, drawn like a "1"
        qtbot.mouseMove(canvas, canvas.cell_center(row, 4).toPoint())
    qtbot.mouseRelease(canvas, Qt.LeftButton, pos=canvas.cell_center(6, 4).toPoint())
    assert len(seen) >= 5                                 # the prediction followed the stroke
    assert canvas.image[1:7, 4].min() == 1.0 and canvas.image[:, 0].max() == 0.0
    np.testing.assert_allclose(seen[-1], probe.predict(canvas.image.reshape(1, 8, 8, 1))[0], rtol=1e-5)
    assert "Predicted:" in panel.result.text()
    assert panel._bars.opts["height"].sum() == pytest.approx(100, abs=0.1)


@pytest.mark.parametrize("size, side_by_side", [((460, 306), True), ((340, 620), False)])
def test_the_prediction_and_its_bars_fit_the_predict_dock(qtbot, cnn_run, size, side_by_side):
    """In the right column (about 460 x 306 at 1920 x 1080) the drawing filled the dock and the prediction and its
    bars were below the fold, behind a scroll bar: a user drew a digit and saw no answer. The answer now sits
    under the sample row; drawing and bars share the dock without scrolling (stacked in a narrow, tall one)."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QScrollArea

    ds, _snaps, probe = cnn_run
    scroll = QScrollArea()                                 # as the Predict dock holds it
    scroll.setWidgetResizable(True)
    panel = PredictPanel()
    scroll.setWidget(panel)
    qtbot.addWidget(scroll)
    scroll.resize(*size)
    scroll.show()
    qtbot.waitExposed(scroll)
    panel.set_context(probe, ds)
    viewport = scroll.viewport()
    qtbot.waitUntil(lambda: panel.height() <= viewport.height() and not scroll.verticalScrollBar().isVisible())

    def shown(widget):
        top_left = widget.mapTo(viewport, widget.rect().topLeft())
        return viewport.rect().contains(top_left) and viewport.rect().contains(
            widget.mapTo(viewport, widget.rect().bottomRight()))

    assert shown(panel.result) and "Predicted:" in panel.result.text()
    assert shown(panel.canvas) and shown(panel.plot_widget) and shown(panel.clear_button)
    canvas, bars = (QRect(w.mapTo(panel, QPoint(0, 0)), w.size()) for w in (panel.canvas, panel.plot_widget))
    assert (canvas.right() < bars.left() and canvas.bottom() > bars.top()) == side_by_side   # side by side
    assert (canvas.bottom() < bars.top()) == (not side_by_side)                               # or stacked


def test_typed_point_is_featurized_for_a_playground_set(qtbot, spiral_run):
    ds, _snaps, probe = spiral_run
    panel = PredictPanel()
    qtbot.addWidget(panel)
    panel.set_context(probe, ds)
    panel._spins[0].setValue(1.5)
    panel._spins[1].setValue(-2.0)
    expected = probe.predict(plane_features(ds, np.array([[1.5, -2.0]])))[0]
    np.testing.assert_allclose(panel.output, expected, rtol=1e-5)


# ---------------------------------------------------------------------------------------------- settings panel
def test_losses_are_limited_to_those_that_fit(qtbot):
    digits = catalog.load("digits", flatten=True)
    softmax = Sequential([Dense(10, activation="softmax", input_shape=(64,))])
    allowed, hidden, suggested = loss_choices(softmax, digits)
    assert allowed == ["sparse_categorical_crossentropy"] and suggested == allowed[0]
    assert "one-hot" in hidden["categorical_crossentropy"]
    spiral = catalog.load("spiral", n_points=50)
    assert loss_choices(Sequential([Dense(1, activation="sigmoid", input_shape=(2,))]), spiral)[0][0] == \
        "binary_crossentropy"
    tanh_allowed, tanh_hidden, _ = loss_choices(Sequential([Dense(1, activation="tanh", input_shape=(2,))]), spiral)
    assert "hinge" in tanh_allowed and "sigmoid" in tanh_hidden["binary_crossentropy"]
    wrong = loss_choices(Sequential([Dense(3, activation="softmax", input_shape=(64,))]), digits)
    assert wrong[0] == [] and "10 classes" in wrong[1]["sparse_categorical_crossentropy"]
    plane = catalog.load("plane", n_points=50)
    assert loss_choices(Sequential([Dense(1, input_shape=(2,))]), plane)[2] == "mean_squared_error"

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_config(TrainingConfig(loss="binary_crossentropy"))
    with qtbot.waitSignal(panel.config_changed) as blocker:
        panel.set_context(softmax, digits)
    assert blocker.args[0].loss == "sparse_categorical_crossentropy"
    assert [panel.loss_combo.itemText(i) for i in range(panel.loss_combo.count())] == allowed
    assert "one-hot" in panel.loss_hint.text() + panel.loss_hint.toolTip()
    assert not panel.val_spin.isEnabled()                 # digits has its own validation split


def test_the_loss_hint_is_one_short_line_with_the_reasons_on_hover(qtbot):
    """Under the loss combo: how many losses are left out, not a wall of loss names; why, in the tool tips of the
    hint and of the combo itself. When nothing fits, the one reason (without the list of every loss)."""
    digits = catalog.load("digits", flatten=True)
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_context(Sequential([Dense(10, activation="softmax", input_shape=(64,))]), digits)
    hidden = len(loss_choices(panel._model, digits)[1])
    assert panel.loss_hint.text() == f"{hidden} other losses do not fit this output layer and data: hover for why."
    for tip in (panel.loss_hint.toolTip(), panel.loss_combo.toolTip()):
        assert "one-hot" in tip and "categorical_hinge" in tip
    panel.set_context(Sequential([Dense(3, activation="softmax", input_shape=(64,))]), digits)
    text = panel.loss_hint.text()
    assert text.startswith("No loss fits: the output layer has 3 units but the data has 10 classes")
    assert "mean_squared_error" not in text and not panel.loss_combo.isEnabled()


def test_panel_learning_rate_slider_epochs_and_sgd_options(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.show()
    got = []
    panel.config_changed.connect(got.append)
    panel.lr_slider.setValue(panel._lr_to_slider(0.3))
    assert got[-1].learning_rate == pytest.approx(0.3) and panel.lr_spin.text() == "0.3"
    panel.lr_spin.setValue(1e-5)
    assert panel.lr_slider.value() == 0 and panel.lr_spin.text() == "1e-05"
    panel.epochs_spin.setValue(0)
    assert panel.epochs_spin.text() == "until paused" and got[-1].epochs == 0
    assert not panel.momentum_spin.isEnabled()
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("sgd"))
    assert panel.momentum_spin.isEnabled() and got[-1].optimizer == "sgd"
    panel.momentum_spin.setValue(0.9)
    qtbot.mouseClick(panel.nesterov_box, Qt.LeftButton)
    assert got[-1].momentum == pytest.approx(0.9) and got[-1].nesterov is True
    panel.reg_combo.setCurrentIndex(panel.reg_combo.findData("l2"))
    assert got[-1].regularization == "l2" and panel.reg_spin.isEnabled()
    n = len(got)
    panel.set_config(got[-1])                             # showing a config is not an edit
    assert len(got) == n
