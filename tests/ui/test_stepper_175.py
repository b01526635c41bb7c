"""Issue 17: the backprop stepper docked at 175 % on a 1280 × 720 projector (the compact layout F11 gives) had its
control bar on four lines and some 100 px for its diagram and formula. There it fills the window, and the same
key (Ctrl+B, Esc or Ctrl+Shift+F) gives the layout back; its bar, zoomed in and narrow, folds the less-used
controls into "More ▾" and keeps to two lines. At 100 % in the window's own layout nothing changes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from nnviz.ui import zoom
from tests.ui.test_polish_1280 import _compact


@pytest.fixture(autouse=True)
def _back_to_100():
    yield
    zoom.set_zoom(1.0)


def bar_lines(stepper) -> int:
    """How many lines the stepper's control bar takes (its groups' distinct rows)."""
    c = stepper.controls
    groups = (c.sample_group, c.fields_group, c.steps_group, c.more_button, c.nav_group, c.play_group, c.jump_group,
              c.apply_group, stepper.check_bar)
    centres = sorted(g.geometry().center().y() for g in groups if g.isVisible())
    return 1 + sum(1 for a, b in zip(centres, centres[1:]) if b - a > 8)


def _open(window, qtbot):
    window.findChild(QAction, "actionStepper").trigger()
    dock = window.docks["dockStepper"][0]
    qtbot.waitUntil(dock.isVisible)
    return dock


def _room(stepper) -> int:
    return stepper.step_view.height()


def _visible_docks(window) -> set:
    return {name for name, entry in window.docks.items() if entry[0].isVisible()}


@pytest.mark.parametrize("key", ["action", "escape", "maximize"])
def test_at_175_percent_compact_the_stepper_fills_the_window_and_the_same_key_gives_the_layout_back(
        app_window, qtbot, key):
    window, _controller = app_window
    _compact(window, qtbot, 1.75)
    before = _visible_docks(window)
    central = window.centralWidget()
    dock = _open(window, qtbot)
    stepper = window.stepper_ui.stepper
    assert window.presentation.maximized() == "dockStepper"
    assert _visible_docks(window) == {"dockStepper"} and not central.isVisible()
    qtbot.waitUntil(lambda: _room(stepper) >= 300 and bar_lines(stepper) <= 2)   # (was 102 px, four lines)
    assert stepper.formula.height() >= 230
    assert stepper.controls.folded and stepper.controls.more_button.isVisible()
    if key == "action":
        window.findChild(QAction, "actionStepper").trigger()
    elif key == "escape":
        stepper.setFocus()
        qtbot.keyClick(stepper, Qt.Key.Key_Escape)
    else:
        window.presentation.toggle_maximize()
    qtbot.waitUntil(lambda: not dock.isVisible())
    assert window.presentation.maximized() == ""
    assert central.isVisible() and _visible_docks(window) == before
    assert not window.stepper_ui._filled


def test_closing_the_stepper_that_filled_the_window_brings_the_panels_back(app_window, qtbot):
    window, _controller = app_window
    _compact(window, qtbot, 1.75)
    before = _visible_docks(window)
    dock = _open(window, qtbot)
    dock.close()
    qtbot.waitUntil(lambda: window.presentation.maximized() == "")
    assert window.centralWidget().isVisible() and _visible_docks(window) == before


def test_at_100_percent_the_stepper_docks_as_before(app_window, qtbot):
    window, _controller = app_window
    dock = _open(window, qtbot)
    assert window.presentation.maximized() == ""
    assert window.centralWidget().isVisible() and len(_visible_docks(window)) > 1
    assert not dock.isFloating() and not window.stepper_ui._filled
    # (docked 683 px wide its bar folds as much as keeps it to two lines: it took four; tests/ui/test_student_stepper.py)
    qtbot.waitUntil(lambda: bar_lines(window.stepper_ui.stepper) <= 2)
    window.findChild(QAction, "actionStepper").trigger()   # Ctrl+B again: it stays, in front
    assert dock.isVisible() and window.centralWidget().isVisible()


def test_the_more_menu_does_what_the_folded_controls_did(app_window, qtbot):
    window, _controller = app_window
    _compact(window, qtbot, 1.75)
    _open(window, qtbot)
    stepper = window.stepper_ui.stepper
    c = stepper.controls
    qtbot.waitUntil(lambda: c.folded and stepper.trace is not None)
    assert not stepper.speed_slider.isVisible() and not stepper.check_bar.numeric_button.isVisible()
    assert "Apply at the end" not in c.position_label.text()
    c.more_menu.aboutToShow.emit()
    actions = {a.text(): a for a in c.more_menu.actions()}
    assert actions["Numeric check"].isEnabled() == stepper.check_bar.numeric_button.isEnabled()
    actions["Layer by layer"].trigger()
    assert stepper.granularity == "layer"
    actions["5 steps/s"].trigger()
    assert stepper.speed == 5
    c.more_menu.aboutToShow.emit()
    assert {a.text(): a for a in c.more_menu.actions()}["Layer by layer"].isChecked()
    window.stepper_ui.give_layout_back()
    window.set_ui_zoom(1.0, remember=False)   # Ctrl+0
    stepper.resize(1900, 600)   # (at 100 % it unfolds where two lines hold it all: 1280 px need "More ▾")
    qtbot.waitUntil(lambda: stepper._sync_fold() or not c.folded)
    assert not c.folded and c.steps_group.isVisibleTo(stepper) and c.prev_button.text() == "◀  Previous"


def test_a_lesson_opening_the_stepper_places_it_itself(app_window, qtbot):
    """A lesson fills the window with the stepper beside the lesson (``_give_stepper_room``): open() from code does
    not fill it first."""
    window, _controller = app_window
    _compact(window, qtbot, 1.75)
    window.stepper_ui.open()
    assert window.presentation.maximized() == "" and not window.stepper_ui._filled
