"""What a teacher at a 1280 × 720 projector still tripped on (issues 17 and 19): the stepper's fields and formula at
175 %, a window taller than the screen at 250 %, a Runs table of one row, one legend spanning both plots, and a
bottom row left tall after the backprop lesson."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QPointF
from PySide6.QtGui import QAction

from nnviz.ui import zoom
from tests.ui.test_loose_ends import TIMEOUT
from tests.ui.test_training_views import shown_curves, spiral_run  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def _back_to_100():
    yield
    zoom.set_zoom(1.0)


def _compact(window, qtbot, factor: float) -> None:
    """What presenting (F11) gives on a 1280-wide projector at ``factor``."""
    window.set_ui_zoom(factor, remember=False)
    window.resize(1280, 720)
    window.compact_layout()
    window.resize(1280, 720)   # (the screen's size: the zoom may have grown the window first)
    qtbot.wait(0)


def test_at_175_percent_the_steppers_fields_show_whole_numbers_and_the_formula_has_room(app_window, qtbot):
    """At 175 % the x fields were 76 px and showed "4.865" of 4.8653; the formula pane got half of a 390 px column
    (some 120 px after its read-out line), its rule cut after one line."""
    window, _controller = app_window
    _compact(window, qtbot, 1.75)
    window.findChild(QAction, "actionStepper").trigger()
    dock = window.docks["dockStepper"][0]
    qtbot.waitUntil(dock.isVisible)
    window.presentation.maximize(dock)
    window.resize(1280, 720)
    stepper = window.stepper_ui.stepper
    qtbot.waitUntil(lambda: stepper.sample_fields.input_edits and stepper.formula.height() > 100)
    for edit in stepper.sample_fields.input_edits:
        room = edit.contentsRect().width() - edit.textMargins().left() - edit.textMargins().right() - 4
        assert edit.fontMetrics().horizontalAdvance(edit.text()) <= room, edit.text()
        assert edit.fontMetrics().horizontalAdvance("−0.12345") <= room
    view = stepper.step_view
    qtbot.waitUntil(lambda: view.right_splitter.sizes()[0] >= 0.6 * sum(view.right_splitter.sizes()))
    assert stepper.formula.height() >= 230
    assert view.table_box.isVisible() and view.table.height() >= 80   # the table stays, its rows scroll
    window.presentation.restore_all()


def test_at_250_percent_the_window_fits_a_720_pixel_screen(app_window, qtbot):
    """The Runs panel's minimum (two rows of buttons, the table, two lines of text: 320 px at 250 %) held the
    window at 800 px; the panel scrolls instead."""
    window, _controller = app_window
    _compact(window, qtbot, 2.5)
    assert window.minimumSizeHint().height() <= 720
    assert window.height() <= 720
    window.docks["runsDock"][0].raise_()
    qtbot.waitUntil(lambda: window.runs_panel.table.isVisible())
    assert window.runs_panel.table.height() >= 3 * window.runs_panel.table.verticalHeader().defaultSectionSize()


def _train(qtbot, window, controller, lr: float) -> None:
    from nnviz.core.training import TrainingConfig
    d = window.document
    d.set_training_config(TrainingConfig.from_dict({**d.training_config.to_dict(), "learning_rate": lr}))
    window.training_ui.panel.epochs_spin.setValue(1)
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):
        window.findChild(QAction, "actionTrain").trigger()


def test_at_1280_by_720_the_runs_table_shows_several_runs(app_window, qtbot):
    """The buttons sat in two rows above the table and rows were 30 px: the default layout showed about one run."""
    window, controller = app_window
    for lr in (0.01, 0.1, 1.0):
        _train(qtbot, window, controller, lr)
    panel = window.runs_panel
    qtbot.waitUntil(lambda: panel.table.rowCount() == 3)
    window.docks["runsDock"][0].raise_()
    window.apply_default_sizes()
    qtbot.waitUntil(panel.table.isVisible)
    table = panel.table
    viewport = table.viewport().rect()
    for row in range(3):   # every run whole in view
        rect = table.visualRect(table.model().index(row, 0))
        assert viewport.contains(rect), row
    assert viewport.height() >= 4 * table.verticalHeader().defaultSectionSize()
    assert table.verticalHeader().defaultSectionSize() <= table.fontMetrics().height() + 8
    buttons = panel.again_button.geometry()
    assert buttons.left() >= table.geometry().right()   # beside the table, not above it


def _scene_points(plot, item) -> list[QPointF]:
    vb = plot.getViewBox()
    return [vb.mapViewToScene(QPointF(float(x), float(y))) for x, y in zip(item.xData, item.yData)]


def test_filling_the_window_each_plot_has_its_legend_inside_clear_of_its_curves(qtbot, spiral_run):  # noqa: F811
    """Side by side in a wide, tall view the legend was one row above both plots, spanning them."""
    _ds, snaps, _probe = spiral_run
    view = shown_curves(qtbot, 1280, 600)
    qtbot.waitExposed(view)
    view.update_snapshot(snaps[-1])
    qtbot.waitUntil(lambda: view.metric_legend.isVisible())
    loss, metric = (p.sceneBoundingRect() for p in (view.loss_plot, view.metric_plot))
    assert loss.right() <= metric.left() + 1 and not view.legend.isVisible()
    inner, own = view.inner_legend.sceneBoundingRect(), view.metric_legend.sceneBoundingRect()
    assert loss.contains(inner) and metric.contains(own)
    assert [label.text for _s, label in view.metric_legend.items] == ["training", "validation", "test"]
    assert "batch loss" in [label.text for _s, label in view.inner_legend.items]   # room to name them all
    for legend, plot, items in ((inner, view.loss_plot, (view.train_loss, view.val_loss)),
                                (own, view.metric_plot, (view.train_metric, view.val_metric))):
        for item in items:
            assert not any(legend.contains(p) for p in _scene_points(plot, item))
    # a curve running along the top of the plot sends the legend to the bottom
    x0, x1 = view.metric_plot.getViewBox().viewRange()[0]
    view.train_metric.setData(np.linspace(x0, x1, 50), np.full(50, 98.0))
    view.place_legends()
    assert view.metric_legend._nnviz_corner[1] == 1
    own = view.metric_legend.sceneBoundingRect()
    assert not any(own.contains(p) for p in _scene_points(view.metric_plot, view.train_metric))


def test_leaving_the_backprop_lesson_gives_back_the_bottom_rows_height(app_window, qtbot):
    """Lesson 07 opens the stepper, which takes 60 % of the window's height; leaving the lesson put the panels back
    as they were with the stepper open: a bottom row of 430 px instead of 240."""
    window, _controller = app_window
    curves = window.docks["trainingCurvesDock"][0]
    before = curves.height()
    stepper_dock = window.docks["dockStepper"][0]
    assert not stepper_dock.isVisible()
    ui = window.lessons_ui
    ui.start("07-backprop-by-hand")
    qtbot.waitUntil(lambda: window.presentation.maximized() == "dockStepper")
    QCoreApplication.processEvents()
    ui.leave()
    qtbot.waitUntil(lambda: curves.isVisible())
    QCoreApplication.processEvents()
    qtbot.waitUntil(lambda: abs(curves.height() - before) <= 4)
    assert window.width() == 1280                # (restoring the whole saved state grew it to 1363 px)
    assert not stepper_dock.isVisible()          # closed again, as before the lesson
    assert np.isfinite(curves.height())


def test_docked_at_175_percent_the_diagram_gives_the_formula_the_width_it_cannot_use(app_window, qtbot):
    """Docked under the canvas at 175 % the stepper's views are some 100 px tall: the network, drawn to that height,
    kept a third of the width, and the formula's title wrapped a word a line."""
    from nnviz.ui.stepper.step_view import DIAGRAM_ASPECT
    window, _controller = app_window
    _compact(window, qtbot, 1.75)
    window.stepper_ui._docked_too_small = lambda: False   # (it fills the window there now: docked all the same)
    window.findChild(QAction, "actionStepper").trigger()
    view = window.stepper_ui.stepper.step_view
    qtbot.waitUntil(lambda: view.isVisible() and view.height() > 50)
    view.size_parts()
    assert view.orientation().name == "Horizontal"
    diagram = view.sizes()[0]
    assert diagram <= max(view.diagram_panel.minimumSizeHint().width(), DIAGRAM_ASPECT * view.height()) + 2
    assert view.sizes()[1] >= 2 * diagram
