"""The main window after its split by job (task "split"): the pieces still meet in one window."""

from __future__ import annotations

from nnviz.io.examples import list_examples
from nnviz.ui.banners import ErrorBanner, NoticeBanner
from nnviz.ui.dock_layout import DockLayoutMixin
from nnviz.ui.window_files import ProjectFilesMixin


def test_file_examples_lists_io_examples_with_their_descriptions(main_window):
    w = main_window
    assert isinstance(w, DockLayoutMixin) and isinstance(w, ProjectFilesMixin)
    menu = w.menu("File/Examples")
    menu.aboutToShow.emit()
    actions = [a for a in menu.actions() if a.objectName().startswith("actionExample_")]
    examples = list_examples()
    assert [a.text() for a in actions] == [e.title for e in examples]
    assert [a.toolTip() for a in actions] == [e.description for e in examples] and menu.toolTipsVisible()
    course = next(a for a in actions if a.objectName() == "actionExample_course-2-3-2")
    course.trigger()
    assert w.document.title == next(e.title for e in examples if e.name == "course-2-3-2")
    assert w.document.path == ""                  # an untitled copy


def test_banners_show_the_documents_error_and_hide_when_fixed(main_window):
    w = main_window
    assert isinstance(w.banner, ErrorBanner) and isinstance(w.notice, NoticeBanner)
    w.document.add_layer(0, {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": [3, 3]}})
    assert w.banner.isVisible() and "conv2d" in w.banner.label.text()
    w.document.undo_stack.undo()
    assert not w.banner.isVisible()
