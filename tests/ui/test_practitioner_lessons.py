"""A lesson that brings a big CSV file — its ``dataset csv path=…`` action, or ``open_example`` of a project on such
a file — has the file read in a thread under the progress dialog File ▸ Open uses (the window's event loop keeps
running), then the document takes the data set already read; Cancel or a file that cannot be read leaves the
project as it was and says why."""

from __future__ import annotations

import shutil

import pytest
from nnviz.core.lessons.lesson_format import Action
from nnviz.io import csv_fast
from nnviz.session.lesson_session import apply_document_action
from tests.ui.test_open_big_csv import (GatedRead, big, cancel_while_reading, saved_project,  # noqa: F401 (a fixture)
                                        while_reading)
from tests.ui.test_real_size_app import pixel_csv


def dataset_action(path) -> Action:
    return Action("dataset", ("csv", f"path={path}", "label_column=label", "images=true"))


def test_a_lessons_big_csv_data_set_is_read_in_a_thread_then_taken(qtbot, app_window, big, monkeypatch):
    window, _controller = app_window
    path = pixel_csv(big / "mnist.csv", rows=600)
    doc = window.document
    undo_before = doc.undo_stack.count()
    gated = GatedRead(monkeypatch)
    seen = []

    def act(job, ticks):
        seen.append(job.progress.isVisible())
        if ticks >= 3:        # the event loop ran three times while the thread was held: the window is free
            gated.release()
            return True
        return False

    timer = while_reading(window, act)
    window.lessons_ui.run_action(dataset_action(path))
    timer.stop()
    assert timer.reading_ticks >= 3 and seen[0] and len(gated.reads) == 1
    assert doc.dataset is gated.loaded[0]                          # taken from the thread, not read again
    assert tuple(doc.input_shape) == (8, 8, 1) and doc.dataset_spec["params"]["path"] == str(path)
    assert doc.undo_stack.count() == undo_before + 1 and not csv_fast._preloaded and window.open_job is None


@pytest.mark.parametrize("how", ["cancel", "bad file"])
def test_cancel_or_a_bad_file_leaves_the_data_set_and_says_why(qtbot, app_window, big, monkeypatch, how):
    window, _controller = app_window
    path = pixel_csv(big / "mnist.csv", rows=600, bad_row=400 if how == "bad file" else None)
    doc = window.document
    before, spec = doc.dataset, doc.dataset_spec
    if how == "cancel":
        cancel_while_reading(qtbot, window, monkeypatch)
    with pytest.raises(ValueError) as err:
        window.lessons_ui.run_action(dataset_action(path))
    if how == "cancel":
        assert "reading the lesson's data set was cancelled" in str(err.value)
    else:
        assert "the lesson's data set cannot be read" in str(err.value) and "row 402" in str(err.value)
    assert doc.dataset is before and doc.dataset_spec == spec and not csv_fast._preloaded


def test_open_example_of_a_project_on_a_big_csv_reads_it_in_a_thread(qtbot, make_main_window, big, monkeypatch):
    window = make_main_window()
    project = saved_project(window, big)
    examples = big / "examples"
    examples.mkdir()
    shutil.copy(project, examples / "course-mnist.nnviz")
    gated = GatedRead(monkeypatch)

    def act(_job, ticks):
        if ticks >= 3:
            gated.release()
            return True
        return False

    timer = while_reading(window, act)
    assert apply_document_action(window.document, Action("open_example", ("course-mnist",)), str(examples),
                                 read_data=window.read_big_dataset)
    timer.stop()
    assert timer.reading_ticks >= 3 and window.document.dataset is gated.loaded[0]
    assert tuple(window.document.input_shape) == (8, 8, 1) and window.document.path == ""
    assert not csv_fast._preloaded
