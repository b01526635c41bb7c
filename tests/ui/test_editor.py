"""The layer editor driven like a user: palette drops, clicks, Del, drags, the inspector, Ctrl+Z / Ctrl+Shift+Z."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QSpinBox

from nnviz.core.activations import NAMES as ACTIVATIONS
from nnviz.ui import theme
from nnviz.ui.layer_view import LAYER_MIME
from nnviz.ui.main_window import EXAMPLES_DIR

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def classes(window):
    return [e["class_name"] for e in window.document.layer_configs()]


def undo(qtbot, window):
    qtbot.keyClick(window.layer_view.viewport(), Qt.Key.Key_Z, CTRL)


def redo(qtbot, window):
    qtbot.keyClick(window.layer_view.viewport(), Qt.Key.Key_Z, CTRL_SHIFT)


def drop_from_palette(window, layer_type: str, pos: QPoint) -> None:
    """What a drag from the palette delivers to the canvas: enter, move, drop with the palette's own mime data."""
    palette = window.palette
    mime = palette.mimeData([palette.item_for(layer_type)])
    viewport = window.layer_view.viewport()
    actions = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(pos), actions, mime, buttons, mods)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(QPoint(pos), actions, mime, buttons, mods)
    QApplication.sendEvent(viewport, move)
    assert move.isAccepted()
    drop = QDropEvent(QPointF(pos), actions, mime, buttons, mods)
    QApplication.sendEvent(viewport, drop)
    assert drop.isAccepted()


def click_block(qtbot, window, index: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.mouseClick(window.layer_view.viewport(), Qt.MouseButton.LeftButton, modifier,
                     window.layer_view.block_center(index))


def drag_block(qtbot, window, index: int, to: QPoint) -> None:
    view = window.layer_view
    vp = view.viewport()
    start = view.block_center(index)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    steps = 6
    for k in range(1, steps + 1):
        p = start + (to - start) * (k / steps)
        qtbot.mouseMove(vp, p)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=to)


# ------------------------------------------------------------------------------------------- adding
def test_dropping_a_palette_item_between_two_blocks_inserts_it_there(main_window, qtbot):
    w = main_window
    assert classes(w) == ["Dense", "Dense", "Dense"]
    drop_from_palette(w, "Dropout", w.layer_view.gap_point(1))     # between dense and dense_1
    assert classes(w) == ["Dense", "Dropout", "Dense", "Dense"]
    assert w.layer_view.selected_indices() == [1]
    assert w.inspector.title_label.text() == "Dropout 0.2"
    undo(qtbot, w)
    assert classes(w) == ["Dense", "Dense", "Dense"]
    redo(qtbot, w)
    assert classes(w) == ["Dense", "Dropout", "Dense", "Dense"]
    drop_from_palette(w, "BatchNormalization", w.layer_view.block_center(-1) + QPoint(0, -60))  # above the input
    assert classes(w)[0] == "BatchNormalization"
    last = w.layer_view.block_center(w.document.layer_count() - 1)
    drop_from_palette(w, "Activation", last + QPoint(0, 80))         # below the last block: appended
    assert classes(w)[-1] == "Activation"
    assert w.layer_view.block_item(w.document.layer_count() - 1).title == "Activation · relu"


def test_dragging_a_palette_tile_starts_a_drag_that_inserts_the_layer(main_window, qtbot, monkeypatch):
    """Press on a tile and move with the button held: a drag with the layer type starts (a QListView with Static
    movement turns dragging off, so the palette must turn it back on); dropped in a gap, the layer goes there."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QMouseEvent

    import nnviz.ui.palette as palette_module

    started = []

    class RecordingDrag:   # QDrag.exec would run a platform drag loop; record what the drag carries instead
        def __init__(self, source):
            self.source = source

        def setMimeData(self, mime):
            self.mime = mime

        def setPixmap(self, pixmap):
            self.pixmap = pixmap

        def setHotSpot(self, point):
            pass

        def exec(self, action):
            started.append(self)
            return action

    monkeypatch.setattr(palette_module, "QDrag", RecordingDrag)
    w = main_window
    palette = w.palette
    vp = palette.viewport()
    start = QPointF(palette.visualItemRect(palette.item_for("Flatten")).center())

    def send(kind, pos, button):
        QApplication.sendEvent(vp, QMouseEvent(kind, pos, vp.mapToGlobal(pos), button, Qt.MouseButton.LeftButton,
                                               Qt.KeyboardModifier.NoModifier))

    send(QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    for k in range(1, 6):
        send(QEvent.Type.MouseMove, start + QPointF(6 * k, 6 * k), Qt.MouseButton.NoButton)
    assert len(started) == 1, "pressing a tile and moving did not start a drag"
    drag = started[0]
    assert bytes(drag.mime.data(LAYER_MIME)).decode() == "Flatten"
    assert not drag.pixmap.isNull()   # the tile follows the pointer
    viewport = w.layer_view.viewport()
    pos = w.layer_view.gap_point(1)
    for event in (QDragEnterEvent(pos, Qt.DropAction.CopyAction, drag.mime, Qt.MouseButton.LeftButton,
                                  Qt.KeyboardModifier.NoModifier),
                  QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, drag.mime, Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier)):
        QApplication.sendEvent(viewport, event)
    assert classes(w) == ["Dense", "Flatten", "Dense", "Dense"]


def test_double_clicking_a_palette_item_appends_the_layer(main_window, qtbot):
    w = main_window
    palette = w.palette
    pos = palette.visualItemRect(palette.item_for("Dense")).center()
    # what a window system delivers for a double-click: a click, then a second press that is a double-click
    qtbot.mouseClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert classes(w) == ["Dense"] * 4
    assert w.layer_view.block_item(3).title == "Dense 16 · relu"
    assert w.layer_view.selected_indices() == [3]


def test_palette_items_have_icons_and_explanatory_tooltips(main_window):
    palette = main_window.palette
    types = [palette.item(i).data(Qt.ItemDataRole.UserRole) for i in range(palette.count())]
    assert types == ["Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D", "UpSampling2D", "Flatten", "Reshape",
                     "Dropout", "Activation", "BatchNormalization", "Embedding", "SimpleRNN", "LSTM", "GRU"]
    for i in range(palette.count()):
        item = palette.item(i)
        assert not item.icon().isNull()
        assert len(item.toolTip()) > 80
    assert "filters" in palette.item_for("Conv2D").toolTip()


# ------------------------------------------------------------------------------------------- removing
def test_del_removes_the_selection_and_ctrl_z_brings_it_back(main_window, qtbot):
    w = main_window
    click_block(qtbot, w, 1)
    assert w.layer_view.selected_indices() == [1]
    assert w.actionDelete.isEnabled()
    qtbot.keyClick(w.layer_view.viewport(), Qt.Key.Key_Delete)
    assert [e["config"]["name"] for e in w.document.layer_configs()] == ["dense", "dense_2"]
    undo(qtbot, w)
    assert [e["config"]["name"] for e in w.document.layer_configs()] == ["dense", "dense_1", "dense_2"]
    redo(qtbot, w)
    assert w.document.layer_count() == 2


def test_ctrl_click_selects_several_and_del_removes_them_all(main_window, qtbot):
    w = main_window
    click_block(qtbot, w, 0)
    click_block(qtbot, w, 2, Qt.KeyboardModifier.ControlModifier)
    assert w.layer_view.selected_indices() == [0, 2]
    qtbot.keyClick(w.layer_view.viewport(), Qt.Key.Key_Delete)
    assert [e["config"]["name"] for e in w.document.layer_configs()] == ["dense_1"]
    undo(qtbot, w)
    assert w.document.layer_count() == 3


def test_the_input_block_cannot_be_deleted(main_window, qtbot):
    w = main_window
    click_block(qtbot, w, -1)
    assert w.layer_view.selected_indices() == [-1]
    assert not w.actionDelete.isEnabled()
    qtbot.keyClick(w.layer_view.viewport(), Qt.Key.Key_Delete)
    assert w.document.layer_count() == 3


# ------------------------------------------------------------------------------------------- moving
def test_dragging_a_block_reorders_as_one_undo_command(main_window, qtbot):
    w = main_window
    w.document.add_layer(3, "Dropout")
    n = w.document.undo_stack.count()
    target = w.layer_view.gap_point(0)                 # above the first layer, below the input
    drag_block(qtbot, w, 3, target)
    assert classes(w) == ["Dropout", "Dense", "Dense", "Dense"]
    assert w.document.undo_stack.count() == n + 1
    assert w.layer_view.selected_indices() == [0]      # the moved block stays selected
    undo(qtbot, w)
    assert classes(w) == ["Dense", "Dense", "Dense", "Dropout"]
    redo(qtbot, w)
    assert classes(w)[0] == "Dropout"


def test_a_drag_released_where_it_started_changes_nothing(main_window, qtbot):
    w = main_window
    n = w.document.undo_stack.count()
    drag_block(qtbot, w, 1, w.layer_view.block_center(1) + QPoint(0, 12))
    assert w.document.undo_stack.count() == n
    assert w.layer_view.block_item(1).y() == pytest.approx(w.layer_view.block_item(0).y() + 96)


# ------------------------------------------------------------------------------------------- settings
def test_inspector_edits_are_undo_commands_with_valid_choices_only(main_window, qtbot):
    w = main_window
    click_block(qtbot, w, 0)
    units = w.inspector.editors["units"]
    activation = w.inspector.editors["activation"]
    assert isinstance(units, QSpinBox) and isinstance(activation, QComboBox)
    assert [activation.itemText(i) for i in range(activation.count())] == list(ACTIVATIONS)
    # type a new value and press Enter: one command
    units.lineEdit().selectAll()
    qtbot.keyClicks(units.lineEdit(), "32")
    qtbot.keyClick(units.lineEdit(), Qt.Key.Key_Return)
    assert w.document.model.layers[0].units == 32
    assert w.layer_view.block_item(0).title == "Dense 32 · tanh"
    assert w.summary.cell_text(0, 2) == "96"
    n = w.document.undo_stack.count()
    # a combo choice: one command
    activation.setFocus()
    qtbot.keyClick(activation, Qt.Key.Key_Up)
    assert w.document.model.layers[0].activation.name == ACTIVATIONS[ACTIVATIONS.index("tanh") - 1]
    assert w.document.undo_stack.count() == n + 1
    undo(qtbot, w)
    assert w.document.model.layers[0].activation.name == "tanh"
    assert activation.currentText() == "tanh"
    undo(qtbot, w)
    assert w.document.model.layers[0].units == 4
    assert units.value() == 4
    redo(qtbot, w)
    assert w.document.model.layers[0].units == 32


def test_conv_settings_use_pairs_and_the_cores_paddings(make_main_window, qtbot):
    w = make_main_window()
    assert w.open_example(f"{EXAMPLES_DIR}/course-cnn.nnviz")
    conv = next(i for i, e in enumerate(w.document.layer_configs()) if e["class_name"] == "Conv2D")
    click_block(qtbot, w, conv)
    padding = w.inspector.editors["padding"]
    assert [padding.itemText(i) for i in range(padding.count())] == ["valid", "same"]
    kernel = w.inspector.editors["kernel_size"]
    kernel.a.setFocus()
    qtbot.keyClick(kernel.a, Qt.Key.Key_Up)
    assert w.document.layer_options(conv)["kernel_size"] == [4, 3]
    undo(qtbot, w)
    assert w.document.layer_options(conv)["kernel_size"] == [3, 3]


def test_the_input_shape_is_editable_and_undoable(main_window, qtbot):
    w = main_window
    click_block(qtbot, w, -1)
    features = w.inspector.editors["dim0"]
    features.lineEdit().selectAll()
    qtbot.keyClicks(features.lineEdit(), "5")
    qtbot.keyClick(features.lineEdit(), Qt.Key.Key_Return)
    assert w.document.input_shape == (5,)
    assert w.document.model.layers[0].params["kernel"].shape == (5, 4)
    assert "(None, 5)" in w.layer_view.block_item(-1).subtitle
    undo(qtbot, w)
    assert w.document.input_shape == (2,)
    assert features.value() == 2
    redo(qtbot, w)
    assert w.document.input_shape == (5,)


# ------------------------------------------------------------------------------------------- validity
def test_conv2d_after_flatten_shows_the_cores_message_and_disables_training(make_main_window, qtbot):
    w = make_main_window()
    assert w.open_example(f"{EXAMPLES_DIR}/course-cnn.nnviz")
    flatten = classes(w).index("Flatten")
    assert w.actionTrain.isEnabled() and not w.banner.isVisible()
    drop_from_palette(w, "Conv2D", w.layer_view.gap_point(flatten + 1))
    assert classes(w)[flatten + 1] == "Conv2D"
    message = str(w.document.error)
    assert "Conv2D needs a 3-D input" in message and "Flatten" in message
    assert w.banner.isVisible() and w.banner.label.text() == message     # the banner
    block = w.layer_view.block_item(flatten + 1)
    assert block.error == message and message in block.toolTip()         # the red block and its tooltip
    assert all(not a.isEnabled() for a in w.training_actions)            # training is off
    assert not w.actionTrain.isEnabled()
    assert "invalid" in w.validity_label.text()
    # the banner's button selects the failing layer; the inspector repeats the message
    qtbot.mouseClick(w.banner.button, Qt.MouseButton.LeftButton)
    assert w.layer_view.selected_indices() == [flatten + 1]
    assert w.inspector.error_label.isVisible() and w.inspector.error_label.text() == message
    undo(qtbot, w)
    assert w.document.is_valid and w.actionTrain.isEnabled() and not w.banner.isVisible()


def test_actions_registered_later_follow_validity(main_window, qtbot):
    from PySide6.QtGui import QAction
    w = main_window
    step = QAction("Step", w)
    w.register_training_action(step)
    assert step.isEnabled()
    w.document.remove_layers([0, 1, 2])
    assert not step.isEnabled() and w.banner.isVisible()
    undo(qtbot, w)
    assert step.isEnabled()


# ------------------------------------------------------------------------------------------- view
def test_ctrl_wheel_zooms_and_fit_to_view_frames_the_network(main_window, qtbot):
    w = main_window
    view = w.layer_view
    z0 = view.zoom()
    pos = QPointF(view.viewport().rect().center())
    ev = QWheelEvent(pos, view.viewport().mapToGlobal(pos), QPoint(0, 0), QPoint(0, 240), Qt.MouseButton.NoButton,
                     CTRL, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), ev)
    assert view.zoom() == pytest.approx(z0 * 1.15 ** 2)
    assert w.zoom_label.text() == f"Zoom {view.zoom() * 100:.0f} %"
    qtbot.keyClick(view.viewport(), Qt.Key.Key_0, CTRL)         # Fit to view
    rect = view.viewport().rect()
    for i in range(-1, w.document.layer_count()):
        assert rect.contains(view.block_center(i))


def test_middle_button_drag_pans(main_window, qtbot):
    w = main_window
    view = w.layer_view
    before = view.block_center(0)
    vp = view.viewport()
    start = vp.rect().center()
    qtbot.mousePress(vp, Qt.MouseButton.MiddleButton, pos=start)
    qtbot.mouseMove(vp, start + QPoint(40, 30))
    qtbot.mouseRelease(vp, Qt.MouseButton.MiddleButton, pos=start + QPoint(40, 30))
    after = view.block_center(0)
    assert (after - before) == QPoint(40, 30)


def test_block_titles_show_key_settings_shapes_and_params(make_main_window):
    w = make_main_window()
    assert w.open_example(f"{EXAMPLES_DIR}/course-cnn.nnviz")
    titles = [b.title for b in w.layer_view.layer_scene.blocks]
    assert titles[0] == "Input"
    assert "Conv2D 32 3×3 same · relu" in titles
    assert "Conv2D 64 5×5 same · relu" in titles
    conv = titles.index("Conv2D 32 3×3 same · relu") - 1
    assert w.layer_view.block_item(conv).subtitle == "(None, 20, 20, 32) · 4,640 params"


def test_summary_table_follows_the_document_live(main_window, qtbot):
    w = main_window
    s = w.summary
    assert s.table.rowCount() == 3
    assert [s.cell_text(r, 0) for r in range(3)] == ["dense (Dense)", "dense_1 (Dense)", "dense_2 (Dense)"]
    assert "Total params: 42" in s.totals_text()
    drop_from_palette(w, "Dense", w.layer_view.gap_point(3))
    assert s.table.rowCount() == 4
    assert s.cell_text(3, 1) == "(None, 16)" and s.cell_text(3, 2) == "48"
    assert "Total params: 90" in s.totals_text() and "Non-trainable params: 0" in s.totals_text()
    drop_from_palette(w, "BatchNormalization", w.layer_view.gap_point(4))
    assert "Non-trainable params: 32" in s.totals_text()


# ------------------------------------------------------------------------------------------- neuron view
def test_neuron_view_draws_units_and_signed_weighted_edges(main_window, qtbot):
    w = main_window
    qtbot.keyClick(w.layer_view.viewport(), Qt.Key.Key_2, CTRL)
    assert w.view_mode() == "neurons" and w.neuron_view.isVisible()
    nv = w.neuron_view
    assert [c["units"] for c in nv.columns()] == [2, 4, 4, 2]
    assert nv.node_item((0, 0)).label == "x₁" and nv.node_item((0, 1)).label == "x₂"
    assert len(nv.edge_ids()) == 2 * 4 + 4 * 4 + 4 * 2
    weights = w.document.model.get_weights()
    weights[0][:] = 0.1
    weights[0][0, 0] = 2.0
    weights[0][1, 0] = -1.0
    w.document.set_weights(weights)                     # the view follows weights_changed
    pos_edge, neg_edge, small = nv.edge_item((1, 0, 0)), nv.edge_item((1, 0, 1)), nv.edge_item((1, 1, 0))
    colors = theme.colors()
    assert pos_edge.pen().color().rgb() == QColor(colors["positive"]).rgb()
    assert neg_edge.pen().color().rgb() == QColor(colors["negative"]).rgb()
    assert pos_edge.pen().widthF() > neg_edge.pen().widthF() > small.pen().widthF()
    assert "= 2</b>" in pos_edge.toolTip() and "x₁" in pos_edge.toolTip()
    assert "= -1</b>" in neg_edge.toolTip()
    assert "w<sub>00</sub><sup>(1)</sup>" in pos_edge.toolTip()      # the stepper's name: w_jk^(l)
    assert "bias" in nv.node_item((1, 0)).toolTip()
    assert "positive" in nv.legend.text() and "negative" in nv.legend.text()
    # the live hook for training snapshots recolours without touching the document
    snapshot = [np.negative(a) for a in weights]
    nv.set_weights(snapshot)
    assert nv.edge_item((1, 0, 0)).pen().color().rgb() == QColor(colors["negative"]).rgb()
    assert w.document.model.get_weights()[0][0, 0] == 2.0


def test_neuron_view_shows_the_first_units_and_plus_n_more(make_main_window, qtbot):
    w = make_main_window()
    assert w.open_example(f"{EXAMPLES_DIR}/digits-mlp.nnviz")
    w.set_view_mode("neurons")
    nv = w.neuron_view
    first = nv.columns()[0]
    assert first["units"] == 64 and first["shown"] == 8
    more = [i for i in nv.neuron_scene.items() if getattr(i, "more", 0)]
    assert any(i.more == 56 for i in more)
    assert all(k < 8 and j < 8 for (_, j, k) in nv.edge_ids())


def test_neuron_view_hooks_highlight_and_thumbnails(main_window):
    from PySide6.QtGui import QImage
    nv = main_window.neuron_view
    nv.highlight(nodes=[(1, 1)], edges=[(1, 1, 0)])
    assert nv.node_item((1, 1)).opacity() == 1.0 and nv.node_item((1, 0)).opacity() < 1.0
    assert nv.edge_item((1, 1, 0)).opacity() == 1.0 and nv.edge_item((1, 1, 1)).opacity() < 0.5
    nv.clear_highlight()
    assert nv.node_item((1, 0)).opacity() == 1.0
    img = QImage(8, 8, QImage.Format.Format_RGB32)
    img.fill(QColor("red"))
    nv.set_node_thumbnails({(1, 2): img})
    assert nv.node_item((1, 2)).thumbnail is img and nv.node_item((1, 1)).thumbnail is None
    # the decision-boundary view's form: one (units, r, r) array per column, row 0 at the bottom
    plane = np.zeros((2, 6, 6))
    plane[0, 0, :] = -1.0          # input x1: negative along the bottom row
    plane[0, 5, :] = 1.0           # positive along the top row
    columns = [plane] + [np.ones((c["units"], 6, 6)) for c in nv.columns()[1:]]
    nv.set_node_thumbnails(columns)
    thumb = nv.node_item((0, 0)).thumbnail
    c = theme.colors()
    assert thumb.pixelColor(0, 0).rgb() == QColor(c["positive"]).rgb()    # top of the image = top of the plane
    assert thumb.pixelColor(0, 5).rgb() == QColor(c["negative"]).rgb()
    assert nv.node_item((3, 1)).thumbnail is not None
    nv.set_node_thumbnails(None)
    assert nv.node_item((0, 0)).thumbnail is None


def test_neuron_view_of_a_cnn_shows_its_dense_tail(make_main_window):
    w = make_main_window()
    assert w.open_example(f"{EXAMPLES_DIR}/course-cnn.nnviz")
    cols = w.neuron_view.columns()
    assert cols[0]["title"] == "flatten" and cols[0]["units"] == 6400
    assert cols[-1]["units"] == 2


def test_an_activation_with_its_own_slope_reads_as_one_and_keeps_it(main_window, qtbot):
    w = main_window
    w.document.set_layer_option(0, "activation", {"class_name": "leaky_relu", "config": {"negative_slope": 0.05}})
    assert w.layer_view.block_item(0).title == "Dense 4 · leaky_relu (negative_slope 0.05)"
    click_block(qtbot, w, 0)
    combo = w.inspector.editors["activation"]
    assert combo.currentText() == "leaky_relu (negative_slope 0.05)"
    assert w.document.model.layers[0].activation.negative_slope == 0.05
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)             # a plain choice from the list
    assert w.document.model.layers[0].activation.name == ACTIVATIONS[0]
    undo(qtbot, w)
    assert w.document.model.layers[0].activation.negative_slope == 0.05
