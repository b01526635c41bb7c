"""The assembled application (``nnviz.app.assemble`` on a MainWindow, as ``python main.py`` builds it): every dock
in the View menu, the default layout and View ▸ Reset Layout, an example opened from File ▸ Examples and trained
batch by batch with the toolbar's Step button, and closing mid-training."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QRect, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QToolBar, QToolButton

from nnviz.app import assemble
from nnviz.session.document import LAYER_TYPES

TIMEOUT = 10_000
SIZE = (1440, 860)
EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "examples")
#: every dock of the assembled window: objectName -> title in View
DOCKS = {
    "dockPalette": "Layers", "dockInspector": "Inspector", "dockSummary": "Summary", "dockData": "Data",
    "trainingSettingsDock": "Training settings", "predictDock": "Predict", "trainingCurvesDock": "Loss and accuracy",
    "decisionBoundaryDock": "Decision boundary", "weightsDock": "Weights", "confusionDock": "Confusion matrix",
    "gradientsDock": "Gradients", "activationsDock": "Activations", "dockStepper": "Backprop stepper",
    "runsDock": "Runs", "landscapeDock": "Loss landscape",
    "reconstructionDock": "Reconstructions", "codeSpaceDock": "Code space", "perceptronDock": "Perceptron",
    "dockLessons": "Lessons",
}


@pytest.fixture
def app_window(make_main_window, qtbot):
    """The assembled window at 1440 × 860, first launch (no saved layout), with the worker set up."""
    window = make_main_window(show=False)
    controller = assemble(window)
    window.resize(*SIZE)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):   # the worker has the model
        window.show()
        qtbot.waitExposed(window)
    curves = window.docks["trainingCurvesDock"][0]
    qtbot.waitUntil(lambda: curves.width() >= 700, timeout=2000)       # the default sizes are applied
    yield window, controller
    window.ask_save_changes = lambda: "discard"
    controller.shutdown()


def on_screen(dock: QDockWidget) -> bool:
    """Shown and not behind another tab."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def layout_state(window) -> dict:
    """What a user sees of the layout: for every dock its area, whether it floats, is shown, is the front tab of
    its group (and its tab partners), and its geometry when on screen."""
    state = {}
    for name, (dock, _area, _tab) in window.docks.items():
        state[name] = (window.dockWidgetArea(dock), dock.isFloating(), dock.isVisible(), on_screen(dock),
                       sorted(d.objectName() for d in window.tabifiedDockWidgets(dock)),
                       dock.geometry().getRect() if on_screen(dock) else None)
    return state


def settle():
    for _ in range(3):
        QCoreApplication.processEvents()


# ------------------------------------------------------------------------------------------- docks and layout
def test_every_dock_exists_and_has_its_toggle_in_the_view_menu(app_window):
    window, _controller = app_window
    assert set(window.docks) == set(DOCKS)
    view = window.menu("View").actions()
    for name, title in DOCKS.items():
        dock = window.findChild(QDockWidget, name)
        assert dock is window.docks[name][0] and dock.windowTitle() == title
        toggle = dock.toggleViewAction()
        assert toggle in view and toggle.text() == title
    assert window.findChild(QAction, "actionResetLayout") in view
    shown = {name for name, (dock, *_rest) in window.docks.items() if on_screen(dock)}
    assert shown == {"dockPalette", "dockData", "dockInspector", "trainingSettingsDock", "trainingCurvesDock",
                     "decisionBoundaryDock", "weightsDock"}
    assert not window.docks["dockStepper"][0].isVisible()       # it opens with View ▸ Step Through Backprop


def test_the_default_layout_gives_every_panel_room(app_window):
    window, _controller = app_window
    docks = {name: dock for name, (dock, *_rest) in window.docks.items()}
    width, height = window.width(), window.height()
    # the palette shows every layer type at once: nothing to scroll
    palette = window.palette
    assert palette.count() == len(LAYER_TYPES) == 14 and palette.verticalScrollBar().maximum() == 0
    viewport = palette.viewport().rect()
    assert all(viewport.contains(palette.visualItemRect(palette.item(i))) for i in range(palette.count()))
    # the bottom row of plots takes at most about a third of the height, the canvas keeps real room
    bottom = [docks[n] for n in ("trainingCurvesDock", "decisionBoundaryDock", "weightsDock")]
    row_top = min(d.geometry().top() for d in bottom)
    assert all(d.geometry().top() == row_top for d in bottom)
    assert window.centralWidget().geometry().bottom() < row_top
    assert window.statusBar().geometry().top() - row_top <= 0.36 * height
    central = window.centralWidget().geometry()
    assert central.width() >= 0.45 * width and central.height() >= 0.5 * height
    # the side columns sit next to the canvas, the data panel below the palette with the rest of the column:
    # room for its selector, description and the top of its preview (the palette's twelve tiles take ~240 px)
    assert docks["dockPalette"].geometry().right() < central.left() < central.right() < \
        docks["dockInspector"].geometry().left()
    assert docks["dockData"].geometry().top() > docks["dockPalette"].geometry().bottom()
    assert docks["dockData"].height() >= 200
    # the loss and the accuracy side by side; no training settings scrolled sideways
    ui = window.training_ui
    assert ui.curves.metric_plot.sceneBoundingRect().left() >= ui.curves.loss_plot.sceneBoundingRect().right()
    settings_scroll = docks["trainingSettingsDock"].widget()
    assert not settings_scroll.horizontalScrollBar().isVisible()
    # both toolbars fit in one row at 1440 px: no "»" overflow button
    for toolbar in window.findChildren(QToolBar):
        if toolbar.isVisible():
            extension = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
            assert extension is None or not extension.isVisible(), toolbar.objectName()
    assert window.toolbar.geometry().top() == ui.controls.toolbar.geometry().top()


def test_the_weights_of_a_small_kernel_are_square_cells_with_a_label_each(app_window, qtbot):
    window, controller = app_window
    weights = window.training_ui.weights
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):   # one batch: every view on screen draws
        window.findChild(QAction, "actionStepBatch").trigger()
    image = weights.image
    assert image.image is not None and image.image.shape == (2, 4)        # the default network's first kernel
    settle()
    view = weights.graphics
    rect = view.mapFromScene(image.mapRectToScene(image.boundingRect())).boundingRect()
    cell_w, cell_h = rect.width() / 4, rect.height() / 2
    assert 2 / 3 <= cell_w / cell_h <= 3 / 2 and cell_h >= 20             # readable, square-ish cells
    bottom = weights.kernel_plot.getAxis("bottom")
    left = weights.kernel_plot.getAxis("left")
    assert [label for _v, label in bottom._tickLevels[0]] == ["0", "1", "2", "3"]
    assert [label for _v, label in left._tickLevels[0]] == list(window.document.dataset.feature_names)
    assert [v for v, _label in bottom._tickLevels[0]] == [0.5, 1.5, 2.5, 3.5]   # at the cells' centres


def test_reset_layout_restores_the_default_layout(app_window, qtbot):
    window, _controller = app_window
    default = layout_state(window)
    docks = {name: dock for name, (dock, *_rest) in window.docks.items()}
    # a user rearranges: closes the palette, moves the data panel to the right, shows another tab, resizes
    docks["dockPalette"].toggleViewAction().trigger()
    window.removeDockWidget(docks["dockData"])
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, docks["dockData"])
    docks["dockData"].show()
    docks["gradientsDock"].raise_()
    docks["predictDock"].raise_()
    window.resizeDocks([docks["trainingCurvesDock"]], [420], Qt.Orientation.Vertical)
    window.resizeDocks([docks["dockInspector"]], [520], Qt.Orientation.Horizontal)
    settle()
    assert layout_state(window) != default
    window.findChild(QAction, "actionResetLayout").trigger()
    settle()
    assert layout_state(window) == default
    assert not docks["dockStepper"].isVisible()


# ------------------------------------------------------------------------------------------- an example, trained
def test_open_an_example_train_batches_with_step_and_see_the_curve_and_status(app_window, qtbot):
    window, controller = app_window
    ui = window.training_ui
    examples = window.menu("File/Examples")
    examples.aboutToShow.emit()                                   # the menu fills itself when it opens
    action = window.findChild(QAction, "actionExample_spiral")
    assert action is not None and action in examples.actions()

    def fits_spiral(snap):
        return snap.weights[0].shape == (4, 8)                    # x1, x2, sin x1, sin x2 -> 8 tanh units

    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT, check_params_cb=fits_spiral):
        action.trigger()
    assert window.document.title == "Spiral" and window.document.path == ""
    assert "Opened Spiral" in window.statusBar().currentMessage()
    assert window.training_ui.weights.image.image.shape == (4, 8)
    step_button = ui.controls.toolbar.widgetForAction(window.findChild(QAction, "actionStepBatch"))
    start = controller.latest_snapshot.step
    losses = []
    for i in range(1, 4):
        with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
            qtbot.mouseClick(step_button, Qt.MouseButton.LeftButton)
        snap = controller.latest_snapshot
        assert snap.step == start + i
        losses.append(snap.batch_loss_curve.y[-1])
    # the loss curve shows every batch, the status bar the step and the loss
    assert list(ui.curves.batch_raw.yData[-3:]) == pytest.approx(losses)
    assert ui.controls.step_label.text() == f"Step {start + 3:,}"
    loss = snap.batch_loss_smoothed.last()
    assert math.isfinite(loss) and ui.controls.loss_label.text() == f"Loss {loss:.4g}"
    assert ui.controls.state_label.text() == "paused"


def test_closing_while_training_stops_the_worker_promptly(app_window, qtbot):
    window, controller = app_window
    window.training_ui.panel.epochs_spin.setValue(0)   # until paused: a fast machine must not finish the run first
    train = window.findChild(QAction, "actionTrain")
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.state == "running" and s.step >= 20):
        train.trigger()
    assert controller.is_running
    window.ask_save_changes = lambda: "discard"
    assert window.close()
    assert controller.shutdown() is True                 # closing shut the worker down: its thread has ended
    assert not controller.thread.isRunning()
    assert not window.isVisible()


def test_the_first_launch_fills_the_screen(make_main_window):
    window = make_main_window(show=False)
    assert not window.has_saved_layout()
    window.fit_to_screen()
    available = window.screen().availableGeometry()
    assert QRect(window.geometry()) == available and window.isMaximized()


def test_a_view_behind_a_tab_shows_the_trained_network_when_its_tab_is_opened(app_window, qtbot):
    """The confusion matrix sits behind the decision boundary and is skipped while hidden; opening its tab
    after training has ended must show the final network, not the one from before training."""
    from PySide6.QtWidgets import QTabBar

    window, controller = app_window
    ui = window.training_ui
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda snap: snap.weights[0].shape == (64, 32)):
        window.open_file(EXAMPLES + "/digits-mlp.nnviz", ask=False)
    ui.panel.epochs_spin.setValue(3)
    confusion = window.docks["confusionDock"][0]
    tabs = next(bar for bar in window.findChildren(QTabBar)
                if "Confusion matrix" in [bar.tabText(i) for i in range(bar.count())])
    names = [tabs.tabText(i) for i in range(tabs.count())]
    # (the digits bring the confusion matrix to the front; the user looks at the decision boundary's tab instead)
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(names.index("Decision boundary")).center())
    qtbot.waitUntil(lambda: not on_screen(confusion), timeout=2000)
    with qtbot.waitSignal(controller.stopped, timeout=TIMEOUT):   # the run's three epochs end
        window.findChild(QAction, "actionTrain").trigger()
    accuracy = controller.latest_snapshot.test_history["accuracy"].y[-1]
    assert accuracy > 0.6
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(names.index("Confusion matrix")).center())
    qtbot.waitUntil(lambda: on_screen(confusion), timeout=2000)
    assert f"accuracy <b>{100 * accuracy:.1f} %</b>" in ui.confusion.summary.text()


def test_an_output_layer_that_does_not_fit_the_data_blocks_training_and_offers_the_fix(app_window, qtbot):
    """Appending Dense(16) after the softmax output builds, but no loss fits 16 outputs for 2 classes: training
    must not start on a meaningless loss (it used to, at loss 8), the views must not crash on the odd output,
    and the amber strip above the canvas says what is wrong with a button that fixes it in one undo step."""
    window, controller = app_window
    ui = window.training_ui
    doc = window.document
    assert not window.notice.isVisible()
    window.palette.layer_activated.emit("Dense")        # what a double-click on the palette does
    qtbot.waitUntil(lambda: window.notice.isVisible(), timeout=TIMEOUT)
    text = window.notice.label.text()
    assert "16 units" in text and "2 classes" in text
    assert not ui.controls.action_train.isEnabled() and "16 units" in ui.controls.action_train.toolTip()
    assert ui.controls.state_label.text() == "cannot train"
    qtbot.waitUntil(lambda: ui.confusion.matrix is None and ui.boundary.output_values() is None,
                    timeout=TIMEOUT)   # no picture of a network that cannot fit this data
    button = window.notice.button
    assert button.isVisible() and button.text() == "Make the last layer Dense(2, softmax)"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    last = doc.layer_options(doc.layer_count() - 1)
    assert (last["units"], last["activation"]) == (2, "softmax")
    qtbot.waitUntil(lambda: not window.notice.isVisible() and ui.controls.action_train.isEnabled(), timeout=TIMEOUT)
    doc.undo_stack.undo()                                # one step back: the misfit again
    qtbot.waitUntil(lambda: window.notice.isVisible(), timeout=TIMEOUT)
    assert doc.layer_options(doc.layer_count() - 1)["units"] == 16


def test_a_project_without_data_says_so_and_shows_no_numbers_of_the_project_before(app_window, qtbot):
    """Opening the course's 8-6-6-4 network (no data set) after training another: the strip says there is no data,
    and the status bar, progress and weights no longer show the earlier run's epoch, step and loss."""
    window, controller = app_window
    ui = window.training_ui
    with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
        controller.step_epoch()
    qtbot.waitUntil(lambda: ui.controls.epoch_label.text().startswith("Epoch 1"), timeout=TIMEOUT)
    window.open_file(EXAMPLES + "/course-8-6-6-4.nnviz", ask=False)
    qtbot.waitUntil(lambda: window.notice.isVisible(), timeout=TIMEOUT)
    assert window.notice.label.text().startswith("No data set to train on")
    assert not window.notice.button.isVisible()
    qtbot.waitUntil(lambda: ui.controls.epoch_label.text() == "Epoch –", timeout=TIMEOUT)
    assert ui.controls.loss_label.text() == "Loss –" and ui.controls.progress.format() == "not started"
    assert ui.weights.info.text().strip() == "" and ui.weights.kernel_plot.titleLabel.text == ""
    assert ui.weights.kernel_plot.getAxis("left")._tickLevels == [[], []]   # no x₁, x₂ of the network before


def test_view_dark_theme_repaints_every_plot(app_window, qtbot):
    """View ▸ Dark Theme while the app runs: the training plots were left white with dark axes (and the decision
    boundary's colour bar labels white on white); every plot takes the new theme's background and text colour."""
    import pyqtgraph as pg
    from PySide6.QtGui import QColor

    from nnviz.ui import theme

    window, _controller = app_window
    ui = window.training_ui

    def colours():
        out = set()
        for view in ui.views:
            for graphics in view.findChildren(pg.GraphicsView):
                out.add(("background", graphics.backgroundBrush().color().name()))
                for item in graphics.scene().items():
                    if isinstance(item, pg.AxisItem) and item.isVisible():
                        out.add(("axis", item.textPen().color().name()))
        return out

    def expected(name):
        c = theme.colors(name)
        return {("background", QColor(c["base"]).name()), ("axis", QColor(c["text"]).name())}

    assert colours() == expected("light")
    window.actionDarkTheme.trigger()
    assert theme.current_name() == "dark" and colours() == expected("dark")
    window.actionDarkTheme.trigger()
    assert colours() == expected("light")


def test_the_decision_boundary_follows_the_kind_of_data(app_window, qtbot):
    """The course's 2-3-2 network learns weight and height: two inputs, so a decision boundary over weight and height
    in their own units (it said 'drawn for 2-D data sets' and stayed empty). The digits are 8×8 images: the boundary
    says why it draws nothing, and the confusion matrix comes to the front of that tab group."""
    window, controller = app_window
    ui = window.training_ui
    boundary, confusion = (window.docks[n][0] for n in ("decisionBoundaryDock", "confusionDock"))
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        window.open_file(EXAMPLES + "/course-2-3-2.nnviz", ask=False)
    qtbot.waitUntil(lambda: ui.boundary.output_values() is not None, timeout=TIMEOUT)
    assert "Test" not in ui.curves.figures.text()     # six people, all for training: no test loss to wait for
    plot = ui.boundary.plot
    assert (plot.getAxis("bottom").labelText, plot.getAxis("left").labelText) == ("weight", "height")
    assert ui.boundary.plot_widget.isVisible() and not ui.boundary.placeholder.isVisible() and on_screen(boundary)
    x0, x1 = plot.getViewBox().viewRange()[0]
    weights = ui.boundary.plane.train[:, 0]
    assert x0 < weights.min() and weights.max() < x1 and x1 - x0 < 3 * np.ptp(weights)   # the data's own range
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        window.open_file(EXAMPLES + "/digits-mlp.nnviz", ask=False)
    qtbot.waitUntil(lambda: on_screen(confusion), timeout=TIMEOUT)
    assert not ui.boundary.plot_widget.isVisible()
    assert "8×8 images" in ui.boundary.placeholder.text() and "Confusion matrix" in ui.boundary.placeholder.text()


def test_every_control_explains_itself_and_every_training_command_has_a_shortcut(app_window, qtbot):
    """A tool tip on every button, box, slider and spin box a user can see (the optimizer, Nesterov, validation
    split, regularization, the split combos, Random, Use test sample ... had none); the training commands all have
    shortcuts (Reset weights and Stop had none) that stay in their tool tips after they were disabled and enabled
    again, and the shortcut list names them and the stepper's arrow keys."""
    from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QComboBox, QMainWindow, QSlider,
                                   QTableWidget)

    window, controller = app_window
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        window.open_file(EXAMPLES + "/spiral.nnviz", ask=False)

    def tip(widget):   # a widget without a tool tip shows its parent's
        while widget is not None and not isinstance(widget, (QDockWidget, QMainWindow)):
            if widget.toolTip():
                return widget.toolTip()
            widget = widget.parentWidget()
        return ""

    silent = []
    for name in DOCKS:
        dock = window.docks[name][0]
        if not dock.isVisible():
            continue
        dock.raise_()
        for cls in (QAbstractButton, QComboBox, QAbstractSpinBox, QSlider):
            for w in dock.findChildren(cls):
                if w.isVisible() and not w.objectName().startswith("qt_") and not tip(w):
                    silent.append(f"{name}: {type(w).__name__} {getattr(w, 'text', lambda: '')()!r} {w.objectName()}")
    assert silent == []
    ui = window.training_ui
    for a in ui.controls.actions:
        keys = a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        assert keys and a.toolTip().endswith(f"({keys})"), a.text()
    ui.controls.set_enabled(False, "no data")
    ui.controls.set_enabled(True)
    assert all(a.toolTip().endswith(f"({a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")
               for a in ui.controls.actions)
    dialog = window.show_shortcuts()
    table = dialog.findChild(QTableWidget)
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["Reset weights"] == "Ctrl+R" and rows["Stop"] == "Ctrl+." and "→ / ←" in rows.values()
    dialog.close()


def test_the_neuron_view_drops_the_pictures_of_the_data_set_before(app_window, qtbot):
    """After the spiral, the digits network's nodes in the neuron view still showed the spiral's unit pictures
    (decision regions on pixel inputs): the pictures are only for data of two inputs."""
    window, controller = app_window
    view = window.neuron_view
    window.set_view_mode("neurons")
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        window.open_file(EXAMPLES + "/spiral.nnviz", ask=False)
    qtbot.waitUntil(lambda: any(n.thumbnail is not None for n in view.neuron_scene.nodes.values()), timeout=TIMEOUT)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        window.open_file(EXAMPLES + "/digits-mlp.nnviz", ask=False)
    qtbot.waitUntil(lambda: all(n.thumbnail is None for n in view.neuron_scene.nodes.values()), timeout=TIMEOUT)


def test_a_view_the_user_put_in_front_stays_there_when_the_data_changes(app_window, qtbot):
    """The confusion matrix comes forward for the digits only in place of the decision boundary: the filters the
    user moved into that tab group and looks at stay in front."""
    window, controller = app_window
    ui = window.training_ui
    d = ui.docks
    window.tabifyDockWidget(d["boundary"], d["weights"])
    d["weights"].raise_()
    qtbot.waitUntil(lambda: on_screen(d["weights"]) and not on_screen(d["boundary"]), timeout=2000)
    with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT):
        window.open_file(EXAMPLES + "/digits-cnn.nnviz", ask=False)
    qtbot.waitUntil(lambda: ui.boundary.placeholder.text() != "", timeout=TIMEOUT)
    assert on_screen(d["weights"]) and not on_screen(d["confusion"])


def test_on_a_short_screen_palette_and_data_take_turns_in_the_left_column(app_window, qtbot):
    """At 1280 × 720 the palette's tiles would leave the data panel about 100 px: they share the column as
    tabs instead, each with its whole height; Reset Layout on a taller window stacks them again."""
    from PySide6.QtWidgets import QTabBar

    window, _controller = app_window
    palette, data = window.docks["dockPalette"][0], window.docks["dockData"][0]
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.height() == 720, timeout=2000)
    window.reset_layout()
    qtbot.waitUntil(lambda: data in window.tabifiedDockWidgets(palette), timeout=2000)
    assert on_screen(palette) and not on_screen(data)
    def data_tabs():
        return next((b for b in window.findChildren(QTabBar)
                     if b.isVisible() and "Data" in [b.tabText(i) for i in range(b.count())]), None)

    qtbot.waitUntil(lambda: data_tabs() is not None, timeout=2000)
    tabs = data_tabs()
    index = [tabs.tabText(i) for i in range(tabs.count())].index("Data")
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(index).center())
    qtbot.waitUntil(lambda: on_screen(data), timeout=2000)
    assert data.height() >= 300 and window.data_panel.combo.isVisible()
    window.resize(*SIZE)
    qtbot.waitUntil(lambda: window.height() == SIZE[1], timeout=2000)
    window.reset_layout()
    qtbot.waitUntil(lambda: on_screen(data) and on_screen(palette), timeout=2000)
    assert data.geometry().top() > palette.geometry().bottom()
