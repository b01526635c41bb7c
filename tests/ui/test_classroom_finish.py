"""Issue 17's loose ends, found by using the classroom features: the diagram's text follows the theme, the status bar
fits at a large zoom, presenting fits the canvas to the screen, a locked architecture cannot be edited on the canvas or
in the inspector, and the activations carry a colour bar."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QGraphicsTextItem, QGraphicsView, QLabel

from nnviz.io.classroom import ClassroomSettings
from nnviz.ui import theme, zoom
from nnviz.ui.classroom import ARCHITECTURE_LOCKED
from nnviz.ui.layer_view import STEP
from nnviz.ui.network_scene import Column, NetworkScene
from nnviz.ui.stepper.diagram import STEPPER_STYLE


@pytest.fixture(autouse=True)
def _light_at_100(qapp):
    yield
    zoom.set_zoom(1.0)
    theme.apply_theme(qapp, "light")


def _text_color(item) -> str:
    return (item.defaultTextColor() if isinstance(item, QGraphicsTextItem) else item.brush().color()).name()


# ------------------------------------------------------------------------------------------- 1. diagram text
@pytest.mark.parametrize("style", [None, STEPPER_STYLE], ids=["neuron-view", "stepper"])
@pytest.mark.parametrize("name", ["dark", "high-contrast"])
def test_the_diagrams_titles_and_unit_labels_take_the_new_themes_colours(qapp, qtbot, style, name):
    """Built in the light theme, then the theme changes: every title, subtitle, unit label and "+N more" marker is
    drawn in the new theme's text or muted colour (in the dark theme the light theme's were nearly invisible)."""
    theme.apply_theme(qapp, "light")
    scene = NetworkScene(style)
    view = QGraphicsView(scene)
    qtbot.addWidget(view)
    scene.build([Column(0, "Input", "2 values", units=2, names=["x₁", "x₂"]),
                 Column(1, "Layer 1 · dense", "Dense, tanh", units=12, weighted=True)])
    texts = scene.text_items()
    roles = {role for _item, role in texts}
    assert roles == {"text", "muted"} and len(texts) >= 6   # two titles, two subtitles, labels, "+4 more"
    light = theme.colors("light")
    assert all(_text_color(item) == QColor(light[role]).name() for item, role in texts)

    theme.apply_theme(qapp, name)
    scene.restyle()
    new = theme.colors(name)
    assert all(_text_color(item) == QColor(new[role]).name() for item, role in texts)
    assert all(item.scene() is scene and item.isVisible() for item, _role in texts)   # (none dropped)
    titles = [item.text() for item, role in texts if role == "text" and not isinstance(item, QGraphicsTextItem)]
    assert "Input" in titles and "Layer 1 · dense" in titles


def test_the_diagrams_text_grows_with_the_ui_zoom_and_stays_clear_of_the_units(qapp, qtbot):
    """At 175 % the stepper's titles and labels were 100 % text in a diagram fitted to a smaller share of the window:
    their fonts follow the UI zoom, and the titles still sit above the units."""
    scene = NetworkScene(STEPPER_STYLE)
    view = QGraphicsView(scene)
    qtbot.addWidget(view)
    scene.build([Column(0, "Input", "2 values", units=2), Column(1, "Layer 1", "Dense, tanh", units=3, weighted=True)])
    sizes = [item.font().pointSizeF() for item, _role in scene.text_items()]
    zoom.set_zoom(1.75)
    scene.restyle()
    assert [item.font().pointSizeF() for item, _role in scene.text_items()] == pytest.approx([s * 1.75 for s in sizes])
    top_unit = min(node.sceneBoundingRect().top() for node in scene.nodes.values())
    title, subtitle = [item for item, _role in scene.text_items()][-2:]
    assert title.sceneBoundingRect().bottom() <= subtitle.sceneBoundingRect().top() + 1
    assert subtitle.sceneBoundingRect().bottom() <= top_unit
    assert scene.sceneRect().contains(scene.itemsBoundingRect())


# ------------------------------------------------------------------------------------------- 4. locked architecture
def _classes(window) -> list[str]:
    return [e["class_name"] for e in window.document.layer_configs()]


def _drag_block(qtbot, window, index: int, to) -> None:
    view = window.layer_view
    start = view.block_center(index)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 7):
        qtbot.mouseMove(view.viewport(), start + (to - start) * (k / 6))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=to)


def _drag_enter_from_palette(window, layer_type: str) -> bool:
    """What a drag from the palette delivers when it enters the canvas; whether the canvas takes it."""
    mime = window.palette.mimeData([window.palette.item_for(layer_type)])
    enter = QDragEnterEvent(window.layer_view.gap_point(1), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window.layer_view.viewport(), enter)
    return enter.isAccepted()


def test_with_the_palette_locked_the_canvas_and_the_inspector_refuse_edits_and_say_why(main_window, qtbot):
    w = main_window
    w.classroom.set_settings(ClassroomSettings().with_control("palette", "locked").with_student_view(True))
    before, entries = _classes(w), w.document.undo_stack.count()
    view = w.layer_view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.block_center(1))
    assert view.selected_indices() == [1]   # selecting (and reading the inspector) still works
    assert w.inspector.title_label.text()

    qtbot.keyClick(view.viewport(), Qt.Key.Key_Delete)   # Del
    assert not w.actionDelete.isEnabled()
    w.delete_selection()                                  # (Edit ▸ Delete, however reached)
    assert ARCHITECTURE_LOCKED in w.statusBar().currentMessage()
    w.statusBar().clearMessage()
    _drag_block(qtbot, w, 1, view.gap_point(0))           # drag to reorder
    assert ARCHITECTURE_LOCKED in w.statusBar().currentMessage()
    assert view.block_item(1).y() == pytest.approx(view.block_item(0).y() + STEP)
    assert not _drag_enter_from_palette(w, "Dropout")     # a drop from the palette
    assert ARCHITECTURE_LOCKED in view.block_item(1).toolTip()

    units = w.inspector.editors["units"]
    assert not units.isEnabled() and w.inspector.lock_label.isVisible()
    assert ARCHITECTURE_LOCKED in w.inspector.lock_label.text()
    value = units.value()
    qtbot.keyClicks(units, "9")
    qtbot.keyClick(units, Qt.Key.Key_Return)
    assert units.value() == value
    assert _classes(w) == before and w.document.undo_stack.count() == entries

    w.classroom.set_student_view(False)                   # the teacher's view: everything editable again
    assert units.isEnabled() and not w.inspector.lock_label.isVisible()
    assert ARCHITECTURE_LOCKED not in view.block_item(1).toolTip()
    assert _drag_enter_from_palette(w, "Dropout")
    _drag_block(qtbot, w, 1, view.gap_point(0))
    assert _classes(w) == [before[1], before[0], *before[2:]]
    qtbot.keyClick(view.viewport(), Qt.Key.Key_Delete)
    assert len(_classes(w)) == len(before) - 1


def test_a_hidden_palette_locks_the_architecture_too_and_other_locks_do_not(main_window):
    w = main_window
    w.classroom.set_settings(ClassroomSettings().with_control("palette", "hidden").with_student_view(True))
    assert w.layer_view.locked() == ARCHITECTURE_LOCKED and w.inspector.locked == ARCHITECTURE_LOCKED
    w.classroom.set_settings(ClassroomSettings().with_control("learning_rate", "locked").with_student_view(True))
    assert w.layer_view.locked() == "" and w.inspector.locked == ""


# ------------------------------------------------------------------------------------------- 2. the status bar
def _status_fields(window) -> list[QLabel]:
    bar = window.statusBar()
    return [w for w in bar.findChildren(QLabel) if w.parentWidget() is bar and w.isVisible()]


def _all_whole(window) -> bool:
    return all(w.width() >= w.sizeHint().width() for w in _status_fields(window))


@pytest.mark.parametrize("factor", [1.75, 2.5])
def test_at_a_large_zoom_status_fields_give_way_whole_instead_of_being_cut(app_window, qtbot, factor):
    """1280 × 720 at 175 % and 250 %: every field still shown shows all its text; the least important went first,
    the epoch and the loss stayed; back at 100 % they all return."""
    window, _controller = app_window
    bar = window.statusBar()
    bar.clearMessage()
    qtbot.waitUntil(lambda: _all_whole(window) and not window.status_fitter.dropped())   # 100 %: room for all
    everything = {w.objectName() for w in _status_fields(window)}
    assert {"statusZoom", "statusEpoch", "statusLoss", "statusSpeed"} <= everything

    window.set_ui_zoom(factor, remember=False)
    window.resize(1280, 720)
    bar.clearMessage()
    qtbot.waitUntil(lambda: _all_whole(window) and bool(window.status_fitter.dropped()))
    shown = {w.objectName() for w in _status_fields(window)}
    assert {"statusEpoch", "statusLoss"} <= shown and "statusZoom" not in shown
    assert sum(w.width() for w in _status_fields(window)) <= bar.width()

    window.set_ui_zoom(1.0, remember=False)
    bar.clearMessage()
    qtbot.waitUntil(lambda: {w.objectName() for w in _status_fields(window)} == everything)


# ------------------------------------------------------------------------------------------- 3. presenting fits
def _diagram_fills_canvas(view) -> bool:
    """The blocks are all in view and fill its height or width (or the diagram is at its largest zoom)."""
    rect = QRectF()
    for b in view.layer_scene.blocks:
        rect = rect.united(b.sceneBoundingRect())
    shown = view.mapFromScene(rect).boundingRect()
    vp = view.viewport().rect()
    at_cap = view.zoom() == pytest.approx(1.1 * zoom.factor())
    return vp.contains(shown) and (at_cap or shown.height() > 0.8 * vp.height() or shown.width() > 0.8 * vp.width())


def test_presenting_fits_the_diagram_to_the_canvas_as_it_changes_size_and_keeps_a_users_zoom(main_window, qtbot):
    w = main_window
    view = w.layer_view
    view.set_zoom(0.4)                                    # the user's zoom outside presenting
    w.resize(900, 700)
    assert view.zoom() == pytest.approx(0.4)              # a resize keeps it
    w.presentation.set_presenting(True)
    qtbot.waitUntil(lambda: _diagram_fills_canvas(view))
    w.presentation.maximize(None)                         # the canvas grows (the panels go): the diagram with it
    qtbot.waitUntil(lambda: _diagram_fills_canvas(view) and view.width() > 0.9 * w.width())
    w.presentation.restore_all()                          # and shrinks back
    qtbot.waitUntil(lambda: _diagram_fills_canvas(view) and view.width() < 0.9 * w.width())

    wheel = QWheelEvent(QPointF(view.viewport().rect().center()), QPointF(), QPoint(), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(view.viewport(), wheel)        # Ctrl+wheel: the user's zoom from now on
    mine = view.zoom()
    w.presentation.maximize(None)
    qtbot.waitUntil(lambda: view.width() > 0.9 * w.width())
    assert view.zoom() == pytest.approx(mine)
    w.presentation.restore_all()
    w.presentation.set_presenting(False)
    assert not view.fit_on_resize


# ------------------------------------------------------------------------------------------- 5. activations' scale
def test_activation_images_carry_a_colour_bar_in_the_one_image_style(qtbot):
    """The input digit on the data panel's 0–1 scale in its ink (a "1" navy in both, not the pale blue of a 0–2
    scale), signed feature maps orange–white–blue; each image row has a colour bar saying so; bar rows need none."""
    from nnviz.core.data import catalog
    from nnviz.core.layers import Conv2D, Dense, Flatten
    from nnviz.core.model import Sequential
    from nnviz.ui import image_style
    from nnviz.ui.training.activations_view import ActivationsView
    from nnviz.ui.training.common import ProbeModel

    ds = catalog.load("digits")
    model = Sequential([Conv2D(4, 3, activation="tanh", padding="same", input_shape=(8, 8, 1)), Flatten(),
                        Dense(10, activation="softmax")], seed=0)
    probe = ProbeModel()
    probe.set_model(model)
    view = ActivationsView()
    qtbot.addWidget(view)
    view.set_context(probe, ds)
    view.update_snapshot(None, force=True)

    pixels = view._input_row
    assert float(pixels.image.image.max()) == pytest.approx(1.0) and float(pixels.image.image.min()) == 0.0
    assert tuple(pixels.image.levels) == (0.0, 1.0) and pixels.bar.levels() == (0.0, 1.0)
    assert np.array_equal(pixels.image.lut, image_style.ink_cmap().getLookupTable(0.0, 1.0, 256, alpha=False))
    assert pixels.bar.colorMap().name == image_style.ink_cmap().name

    maps = view._rows[0][1]
    lo, hi = maps.bar.levels()
    assert lo == -hi and hi >= float(np.nanmax(np.abs(maps.image.image))) and tuple(maps.image.levels) == (lo, hi)
    assert maps.bar.colorMap().name == image_style.diverging_cmap().name
    ticks = [t for t, _label in maps.bar.getAxis("right")._tickLevels[0]]
    assert ticks == [lo, 0.0, hi]
    assert not hasattr(view._rows[-1][1], "bar")   # (the output's bars have their own axis)


def test_at_a_large_ui_zoom_the_diagrams_column_titles_do_not_run_together(qapp, qtbot):
    """Built at 100 %, zoomed to 175 % while open (Ctrl+= with the stepper showing): the columns are laid out again,
    wide enough for their titles, with the same values and highlights."""
    from types import SimpleNamespace

    scene = NetworkScene(STEPPER_STYLE)
    view = QGraphicsView(scene)
    qtbot.addWidget(view)
    scene.build([Column(l, f"Layer {l} · dense_{l}", "Dense, softmax", units=2, weighted=l > 0) for l in range(4)])
    scene.set_values([SimpleNamespace(layer=1, unit=0, a=0.25, delta=-0.5)])
    scene.highlight([(1, 0, "current")], [(1, 0, 1, "input")])
    zoom.set_zoom(1.75)
    scene.restyle()
    titles = sorted((item.sceneBoundingRect() for item, role in scene.text_items() if role == "text"),
                    key=lambda r: r.left())
    assert len(titles) == 4
    assert all(a.right() + 8 <= b.left() for a, b in zip(titles, titles[1:]))
    assert (scene.nodes[(1, 0)].value, scene.nodes[(1, 0)].delta) == (0.25, -0.5)
    assert scene.highlighted() == (frozenset({((1, 0), "current")}), frozenset({((1, 0, 1), "input")}))
    assert scene.nodes[(1, 0)].role == "current" and scene.edges[(1, 0, 1)].role == "input"


def test_at_175_percent_dock_tabs_show_whole_names_and_scroll(app_window, qtbot):
    """Eight tabs in one group at 175 % read "W…", "Gr…": the tab bars scroll instead of eliding (the autoencoder's
    and the perceptron's tabs are hidden on the default project)."""
    from PySide6.QtWidgets import QTabBar

    window, _controller = app_window
    window.set_ui_zoom(1.75, remember=False)
    window.compact_layout()
    qtbot.waitUntil(lambda: any(b.isVisible() and b.count() > 6 for b in window.findChildren(QTabBar)))
    bar = next(b for b in window.findChildren(QTabBar) if b.isVisible() and b.count() > 6)
    assert bar.elideMode() == Qt.TextElideMode.ElideNone and bar.usesScrollButtons()
    for i in range(bar.count()):
        assert bar.tabRect(i).width() > bar.fontMetrics().horizontalAdvance(bar.tabText(i))
