"""In the bottom row of a 1280×720 window the decision boundary's plane gets the room: the title and the note
(whose text becomes the plot's tooltip) give way below a height, and come back when the view fills the window."""

from __future__ import annotations

from tests.ui.test_loose_ends import open_example


def _plane_height(view) -> float:
    return view.plot.getViewBox().sceneBoundingRect().height()


def test_the_plane_takes_the_title_and_note_room_in_a_short_dock(app_window, qtbot):
    window, controller = app_window
    open_example(window, controller, qtbot, "course-2-3-2.nnviz")
    view = window.training_ui.boundary
    window.training_ui.docks["boundary"].raise_()
    qtbot.waitUntil(lambda: view.isVisible())
    assert view.height() < view.SHORT_HEIGHT
    qtbot.waitUntil(lambda: not view.note.isVisible())
    assert not view.plot.titleLabel.isVisible()
    assert "training points" in view.plot_widget.toolTip()
    short_plane = _plane_height(view)
    assert short_plane >= 110                               # 51 px with the title and the note above and below it

    window.presentation.maximize(window.training_ui.docks["boundary"])
    qtbot.waitUntil(lambda: view.height() >= view.SHORT_HEIGHT)
    qtbot.waitUntil(lambda: view.note.isVisible())
    assert view.plot.titleLabel.isVisible() and view.plot_widget.toolTip() == ""
    assert _plane_height(view) > short_plane
