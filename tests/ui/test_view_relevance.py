"""Views that say nothing about the open project stay out of the tab bars: an autoencoder's reconstructions and
code space appear for a reconstruction task only (their tabs squeezed the others' titles to "Dec…", "Con…")."""

from __future__ import annotations

from tests.ui.test_loose_ends import open_example


def _tab_shown(window, object_name: str) -> bool:
    dock = window.training_ui.docks[object_name]
    return not dock.isHidden()


def test_autoencoder_views_come_with_a_reconstruction_task_and_go_with_it(app_window, qtbot):
    window, controller = app_window
    open_example(window, controller, qtbot, "course-2-3-2.nnviz")
    assert not _tab_shown(window, "reconstruction") and not _tab_shown(window, "code_space")
    assert _tab_shown(window, "boundary") and _tab_shown(window, "confusion")

    open_example(window, controller, qtbot, "autoencoder-digits.nnviz")
    assert _tab_shown(window, "reconstruction") and _tab_shown(window, "code_space")
    assert window.training_ui.docks["reconstruction"].visibleRegion().isEmpty() is False   # in front

    open_example(window, controller, qtbot, "digits-mlp.nnviz")
    assert not _tab_shown(window, "reconstruction") and not _tab_shown(window, "code_space")


def test_the_view_menu_still_opens_an_autoencoder_view_on_another_project(app_window, qtbot):
    window, controller = app_window
    open_example(window, controller, qtbot, "course-2-3-2.nnviz")
    dock = window.training_ui.docks["code_space"]
    dock.toggleViewAction().trigger()
    qtbot.waitUntil(lambda: dock.isVisible())


def test_the_perceptron_tab_comes_with_a_perceptron_project_and_goes_with_it(app_window, qtbot):
    window, controller = app_window
    dock = window.perceptron_dock
    assert dock.isHidden()                                   # the default project is a Dense network
    open_example(window, controller, qtbot, "perceptron-and.nnviz")
    assert not dock.isHidden()
    open_example(window, controller, qtbot, "course-2-3-2.nnviz")
    assert dock.isHidden()
    dock.toggleViewAction().trigger()                        # asked for from View: it stays
    window.document.dataset_changed.emit()
    assert not dock.isHidden()
