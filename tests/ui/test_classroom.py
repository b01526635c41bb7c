"""Issue 17, the classroom: the window fits its screen, one UI zoom for every font and plot, presentation mode, one view
filling the window, the themes (high contrast too) on every plot, and classroom settings saved in the project."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget

from nnviz.io.classroom import ClassroomSettings
from nnviz.io.project import load_project, save_project
from nnviz.ui import theme, zoom

TIMEOUT = 10_000


@pytest.fixture(autouse=True)
def _zoom_back_to_100():
    yield
    zoom.set_zoom(1.0)


@pytest.fixture
def full_window(app_window):
    """The assembled window (every dock and plot), shown at 1280 × 720."""
    return app_window[0]


def plot_axes(window) -> list[pg.AxisItem]:
    out = []
    for view in window.findChildren(pg.GraphicsView):
        out += [item for item in view.scene().items() if isinstance(item, pg.AxisItem) and item.isVisible()]
    return out


def axis_sizes(axis: pg.AxisItem) -> tuple[float, float]:
    tick = axis.style["tickFont"].pointSizeF()
    label = float(axis.labelStyle["font-size"].rstrip("pt"))
    return tick, label


# ------------------------------------------------------------------------------------------- the screen
def test_a_saved_geometry_bigger_than_the_screen_is_clamped_to_it(make_main_window, window_settings):
    """A 1080p session's window (1280 × 820 at y = 40 and more) reopened on a smaller screen: all of it on screen."""
    first = make_main_window()
    first.setMinimumSize(0, 0)
    first.setGeometry(QRect(200, 300, 1400, 1000))
    first.save_settings()
    second = make_main_window(settings=window_settings)
    available = second.screen().availableGeometry()
    assert available.width() < 1400 and available.height() < 1000   # (offscreen: an 800 × 800 screen)
    assert available.contains(second.frameGeometry())
    assert second.width() > 0.8 * available.width() and second.height() > 0.8 * available.height()


def test_a_dock_layout_saved_on_another_screen_size_is_not_reused(make_main_window, window_settings):
    first = make_main_window()
    first.docks["dockSummary"][0].hide()
    first.save_settings()
    key = first.state_key()
    assert window_settings.value(key) is not None
    window_settings.setValue("window/state_screen", "1920x1080")   # (as if it was saved on a 1080p screen)
    window_settings.remove(key)
    second = make_main_window(settings=window_settings)
    assert second.saved_state_for_screen() is None
    assert second.docks["dockSummary"][0].isVisible()             # the default layout, not the other screen's


# ------------------------------------------------------------------------------------------- one zoom
def test_the_ui_zoom_changes_the_font_of_every_dock_and_every_plot_axis(full_window, qtbot):
    w = full_window
    docks = [entry[0] for entry in w.docks.values()]
    before_docks = {d.objectName(): d.widget().font().pointSizeF() for d in docks}
    before_app = QApplication.font().pointSizeF()
    axes = plot_axes(w)
    assert len(axes) >= 10
    before_axes = {id(a): axis_sizes(a) for a in axes}
    qtbot.keyClick(w, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)   # Ctrl+=
    assert w.ui_zoom() == pytest.approx(1.1)
    w.set_ui_zoom(1.75)
    assert QApplication.font().pointSizeF() == pytest.approx(before_app * 1.75)
    for d in docks:
        assert d.widget().font().pointSizeF() == pytest.approx(before_docks[d.objectName()] * 1.75), d.objectName()
    for a in plot_axes(w):
        if id(a) in before_axes:
            tick, label = axis_sizes(a)
            assert tick == pytest.approx(before_axes[id(a)][0] * 1.75, rel=0.01)
            assert label == pytest.approx(before_axes[id(a)][1] * 1.75, rel=0.01)
    # fonts a widget sets itself (the predict panel's result, the loss hint) grow as much
    hint = w.findChild(type(w.params_label), "lossHint")
    assert hint.font().pointSizeF() == pytest.approx(before_app * 0.9 * 1.75, rel=0.02)
    assert "17.5pt" in theme.stylesheet("light") or "21pt" in theme.stylesheet("light")   # 12pt titles × 1.75
    assert w.findChild(QAction, "actionUiZoomReset").shortcut().toString() == "Ctrl+0"
    w.findChild(QAction, "actionUiZoomReset").trigger()
    assert QApplication.font().pointSizeF() == pytest.approx(before_app)
    for a in plot_axes(w):
        if id(a) in before_axes:
            assert axis_sizes(a) == pytest.approx(before_axes[id(a)], rel=0.01)
    assert hint.font().pointSizeF() == pytest.approx(before_app * 0.9, rel=0.02)


def test_the_zoom_is_clamped_and_remembered_per_screen(make_main_window, window_settings):
    w = make_main_window()
    assert w.set_ui_zoom(9.0) == zoom.MAX_ZOOM
    assert w.set_ui_zoom(0.1) == zoom.MIN_ZOOM
    w.set_ui_zoom(1.25)
    assert float(window_settings.value(zoom.screen_key(w.screen()))) == pytest.approx(1.25)
    zoom.set_zoom(1.0)
    second = make_main_window(settings=window_settings)
    assert second.ui_zoom() == pytest.approx(1.25)


def test_the_stepper_formulas_follow_the_zoom(make_main_window):
    from nnviz.ui.stepper.formula_view import FormulaView

    zoom.set_zoom(2.0)

    class Step:
        def to_html(self, precision, link_numbers):
            return "z = 1"
    assert "font-size:26pt" in FormulaView.formula_html(Step())


# ------------------------------------------------------------------------------------------- presenting
def test_f11_presents_full_screen_at_the_presentation_zoom_and_returns(make_main_window, qtbot):
    w = make_main_window()
    present = w.findChild(QAction, "actionPresent")
    assert present.shortcut().toString() == "F11"
    present.trigger()
    qtbot.waitUntil(w.isFullScreen, timeout=2000)
    assert w.ui_zoom() == pytest.approx(1.5)
    w.step_ui_zoom(+1)                                   # a zoom chosen while presenting is the presentation's
    assert w.ui_zoom() == pytest.approx(1.75)
    present.trigger()
    qtbot.waitUntil(lambda: not w.isFullScreen(), timeout=2000)
    assert w.ui_zoom() == pytest.approx(1.0)
    present.trigger()
    qtbot.waitUntil(w.isFullScreen, timeout=2000)
    assert w.ui_zoom() == pytest.approx(1.75)
    present.trigger()


def test_one_key_makes_the_current_view_fill_the_window_and_the_same_key_brings_the_panels_back(full_window, qtbot):
    w = full_window
    shown_before = {name for name, (d, _a, _t) in w.docks.items() if d.isVisible()}
    curves = w.docks["trainingCurvesDock"][0]
    curves_geometry = curves.geometry()
    curves.widget().setFocus()
    qtbot.waitUntil(lambda: curves.isAncestorOf(QApplication.focusWidget()), timeout=2000)
    key = w.findChild(QAction, "actionMaximizeView")
    assert key.shortcut().toString() == "Ctrl+Shift+F"
    key.trigger()
    assert w.presentation.maximized() == "trainingCurvesDock"
    assert [n for n, (d, _a, _t) in w.docks.items() if d.isVisible()] == ["trainingCurvesDock"]
    assert not w.centralWidget().isVisible()
    qtbot.waitUntil(lambda: curves.width() > 0.9 * w.width() and curves.height() > 0.7 * w.height(), timeout=2000)
    key.trigger()
    assert {n for n, (d, _a, _t) in w.docks.items() if d.isVisible()} == shown_before
    assert w.centralWidget().isVisible()
    qtbot.waitUntil(lambda: curves.geometry() == curves_geometry, timeout=2000)


def test_the_canvas_can_fill_the_window_too(make_main_window):
    w = make_main_window()
    w.presentation.toggle_maximize(None)
    assert w.presentation.maximized() == "canvas"
    assert not any(d.isVisible() for d, _a, _t in w.docks.values())
    w.presentation.toggle_maximize()
    assert w.docks["dockPalette"][0].isVisible()


# ------------------------------------------------------------------------------------------- themes
@pytest.mark.parametrize("name", ["dark", "high-contrast"])
def test_every_plot_follows_the_theme(full_window, name):
    w = full_window
    w.set_theme(name)
    c = theme.colors(name)
    for view in w.findChildren(pg.GraphicsView):
        assert view.backgroundBrush().color().name() == QColor(c["base"]).name()
    for axis in plot_axes(w):
        assert axis.textPen().color().name() == QColor(c["text"]).name()
    assert w.theme_actions[name].isChecked()
    w.set_theme("light")


def test_toggling_the_theme_twice_leaves_the_toolbars_where_they_were(full_window, qtbot):
    w = full_window
    toolbars = {tb.objectName(): tb for tb in w.findChildren(type(w.toolbar))}
    before = {name: tb.geometry() for name, tb in toolbars.items()}
    w.actionDarkTheme.trigger()
    w.actionDarkTheme.trigger()
    qtbot.wait(0)
    assert {name: tb.geometry() for name, tb in toolbars.items()} == before


def test_the_high_contrast_theme_is_legible():
    c = theme.colors("high-contrast")

    def lum(color):
        q = QColor(color)
        ch = [(v / 255) / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4
              for v in (q.red(), q.green(), q.blue())]
        return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2]

    def contrast(a, b):
        hi, lo = sorted((lum(a), lum(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)
    assert contrast(c["text"], c["base"]) >= 15
    assert contrast(c["muted"], c["base"]) >= 10      # no pale greys on a projector
    assert contrast(c["accent"], c["base"]) >= 7
    assert set(c) == set(theme.LIGHT)


# ------------------------------------------------------------------------------------------- classroom
def _restricted_project(tmp_path, student_view=True):
    from nnviz.session.document import ProjectDocument
    doc = ProjectDocument()
    project = doc.to_project()
    ClassroomSettings().with_controls({"noise": "hidden", "learning_rate": "locked", "palette": "hidden",
                                       "exports": "hidden", "optimizer": "hidden"}) \
        .with_student_view(student_view).to_meta(project.meta)
    path = str(tmp_path / "lesson.nnviz")
    save_project(path, project)
    return path


def test_a_project_with_hidden_and_locked_controls_opens_that_way(full_window, qtbot, tmp_path):
    w = full_window
    path = _restricted_project(tmp_path)
    assert load_project(path).meta["classroom"]["controls"]["noise"] == "hidden"
    noise = w.findChild(type(w.palette), "param_noise") or w.findChildren(object, "param_noise")[0]
    assert noise.isVisible()
    with qtbot.waitSignal(w.classroom.applied, timeout=TIMEOUT):
        w.open_file(path, ask=False)
    qtbot.waitUntil(lambda: not w.findChildren(object, "param_noise")[0].isVisible(), timeout=2000)
    assert not w.docks["dockPalette"][0].isVisible()
    assert not w.findChild(QAction, "actionToggleDockPalette").isVisible()   # not even in View
    assert not w.menu("File/Export").menuAction().isVisible()
    assert not w.findChild(object, "optimizerCombo").isVisible()
    assert not w.findChild(object, "momentumSpin").isVisible()
    # locked: the learning rate shows, but a click or a key does not change it
    spin = w.findChild(object, "learningRateSpin")
    assert spin.isVisible()
    value = spin.value()
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    qtbot.mouseClick(w.findChild(object, "learningRateSlider"), Qt.MouseButton.LeftButton)
    assert spin.value() == value
    assert w.findChild(QAction, "actionStudentView").isChecked()
    # the teacher turns the student view off: everything is back, and it is one undo step
    w.findChild(QAction, "actionStudentView").trigger()
    assert w.findChildren(object, "param_noise")[0].isVisible()
    assert w.docks["dockPalette"][0].isVisible()
    assert w.menu("File/Export").menuAction().isVisible()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert spin.value() != value
    assert w.document.is_modified
    w.document.undo_stack.undo()                     # (the learning rate edit is not a document undo step)
    while w.document.undo_stack.canUndo() and not w.classroom.settings().student_view:
        w.document.undo_stack.undo()
    assert w.classroom.settings().student_view
    assert not w.docks["dockPalette"][0].isVisible()


def test_the_classroom_dialog_edits_the_settings_saved_with_the_project(full_window, qtbot, tmp_path):
    w = full_window
    dlg = w.classroom.show_dialog()
    assert dlg.objectName() == "classroomDialog"
    dlg.set_state("batch_size", "locked")
    dlg.set_state("stepper", "hidden")
    dlg.student_box.setChecked(True)
    dlg.note.setText("Lesson 2")
    with qtbot.waitSignal(w.classroom.settings_changed, timeout=2000):
        dlg.accept()
    cs = w.classroom.settings()
    assert cs.state("batch_size") == "locked" and cs.state("stepper") == "hidden" and cs.note == "Lesson 2"
    assert not w.findChild(QAction, "actionStepper").isVisible()
    path = str(tmp_path / "saved.nnviz")
    assert w.save_to(path)
    assert ClassroomSettings.from_meta(load_project(path).meta) == cs


def test_every_classroom_control_reaches_something_in_the_window(full_window, qtbot):
    """A key the dialog offers that hides nothing would be a broken promise."""
    from nnviz.io.classroom import CONTROLS
    from nnviz.ui.classroom import CONTROL_WIDGETS

    w = full_window
    assert set(CONTROL_WIDGETS) == set(CONTROLS)
    for key in CONTROLS:
        targets = [t for spec in CONTROL_WIDGETS[key] for t in w.classroom._targets(spec)]
        assert targets, key


def test_locked_docks_and_hidden_docks(full_window, qtbot):
    w = full_window
    cs = ClassroomSettings().with_controls({"inspector": "locked", "training_views": "hidden"}).with_student_view(True)
    w.classroom.set_settings(cs)
    inspector = w.docks["dockInspector"][0]
    assert inspector.isVisible() and inspector.widget().graphicsEffect() is not None
    assert not w.docks["weightsDock"][0].isVisible()
    assert isinstance(w.docks["weightsDock"][0], QDockWidget)
    w.classroom.set_settings(cs.with_student_view(False))
    assert inspector.widget().graphicsEffect() is None
    assert w.docks["weightsDock"][0].isVisible()


# ------------------------------------------------------------------------------------------- one image style
def test_one_digit_is_drawn_the_same_way_in_the_data_panel_predict_and_the_activations(qtbot):
    """It was white on black in the data panel, black on white in Predict and pale blue in the activations."""
    import numpy as np

    from nnviz.ui import image_style
    from nnviz.ui.data_preview import ImageGridWidget
    from nnviz.ui.training import activations_view
    from nnviz.ui.training.predict_panel import DrawingCanvas

    image = np.zeros((8, 8), dtype=np.float32)
    image[2:6, 3] = 1.0                                    # a "1"
    grid = ImageGridWidget()
    qtbot.addWidget(grid)
    grid.set_images([image], ["1"], columns=1)
    data_img = grid._qimages[0]
    pad = DrawingCanvas(8, 8)
    qtbot.addWidget(pad)
    pad.resize(80, 80)
    pad.set_image(image)
    pad_img = pad.grab().toImage()

    def pad_pixel(r, c):
        cell = min(pad.width(), pad.height()) / 8
        ox, oy = (pad.width() - 8 * cell) / 2, (pad.height() - 8 * cell) / 2
        return pad_img.pixelColor(int(ox + (c + 0.5) * cell), int(oy + (r + 0.5) * cell)).rgb()

    ink, paper = image_style.ink_color(1.0).rgb(), image_style.ink_color(0.0).rgb()
    assert QColor(paper).lightness() > 230 and QColor(ink).lightness() < 100   # dark ink on white paper
    assert data_img.pixelColor(3, 3).rgb() == ink and data_img.pixelColor(0, 0).rgb() == paper
    assert pad_pixel(3, 3) == ink and pad_pixel(0, 0) == paper
    lut = activations_view._SEQ_LUT                        # non-negative activations: the same map
    assert QColor(*lut[-1][:3]).rgb() == ink and QColor(*lut[0][:3]).rgb() == paper
    div = activations_view._DIV_LUT                        # signed values: white at zero, blue positive
    assert QColor(*div[len(div) // 2][:3]).lightness() > 230


def test_presenting_and_back_leaves_the_panels_and_no_stray_tab_bar(full_window, qtbot):
    """Presenting on a narrow screen tabs every dock area; back, the layout is the one before, and no tab bar of a
    group that no longer exists is left drawn over the docks (Qt leaves them after restoreState)."""
    from PySide6.QtWidgets import QTabBar

    w = full_window
    before = {n: (d.isVisible(), w.dockWidgetArea(d)) for n, (d, _a, _t) in w.docks.items()}
    titles = {n: d.font().pointSizeF() for n, (d, _a, _t) in w.docks.items()}
    w.presentation.set_presenting(True)
    qtbot.waitUntil(w.isFullScreen, timeout=2000)
    bottom = [d for d, _a, _t in w.docks.values() if w.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea
              and d.isVisible()]
    assert len(bottom) > 2 and set(bottom) <= {bottom[0], *w.tabifiedDockWidgets(bottom[0])}   # one tab group
    w.presentation.set_presenting(False)
    qtbot.waitUntil(lambda: not w.isFullScreen(), timeout=2000)
    assert {n: (d.isVisible(), w.dockWidgetArea(d)) for n, (d, _a, _t) in w.docks.items()} == before
    assert {n: d.font().pointSizeF() for n, (d, _a, _t) in w.docks.items()} == titles   # titles back at 100 %

    def stray():
        taken = [d.geometry() for d, _a, _t in w.docks.values() if d.isVisible()] + [w.centralWidget().geometry()]
        return [b for b in w.findChildren(QTabBar) if b.parent() is w and b.isVisible()
                and any(b.geometry().intersected(r).height() > 2 and b.geometry().intersected(r).width() > 2
                        for r in taken)]
    qtbot.waitUntil(lambda: not stray(), timeout=2000)


def test_a_hidden_data_parameter_stays_hidden_when_the_data_set_rebuilds_its_editors(full_window, qtbot):
    w = full_window
    w.classroom.set_settings(ClassroomSettings().with_control("noise", "hidden").with_student_view(True))

    def editors(name):
        return [e for e in w.findChildren(QWidget, name) if e.parent() is not None]
    assert all(e.isHidden() for e in editors("param_noise"))
    with qtbot.waitSignal(w.classroom.applied, timeout=2000):
        w.document.set_dataset({"name": "spiral", "params": {}})     # a new set: new parameter editors
    assert editors("param_noise") and all(e.isHidden() for e in editors("param_noise"))
    others = [e for e in w.findChildren(QWidget) if e.objectName().startswith("param_")
              and e.objectName() != "param_noise"]
    assert others and not [e.objectName() for e in others if e.isHidden()]   # the other parameters still show
    w.classroom.set_student_view(False)
    assert not any(e.isHidden() for e in editors("param_noise"))
