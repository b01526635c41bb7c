"""Issue 14, the next day: reopening a project whose data set is a big CSV reads that file in a thread under a
progress dialog (the window's event loop keeps running), then the document takes the data set already read;
Cancel keeps the current project, a file that cannot be read is said like any project that cannot be opened,
and a small file opens at once as before."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QPushButton

from nnviz.io import csv_fast
from nnviz.ui import csv_import
from tests.ui.test_real_size_app import pixel_csv


@pytest.fixture
def big(monkeypatch, tmp_path):
    """Files above 2 kB count as big here."""
    monkeypatch.setattr(csv_fast, "HEAD_BYTES", 2048)
    return tmp_path


def csv_spec(path) -> dict:
    return {"name": "csv", "params": {"path": str(path), "label_column": "label", "images": True}}


def saved_project(window, directory, rows: int = 600, bad_row: int | None = None) -> str:
    """A project on a pixel CSV saved to ``directory``; the window then holds a new, unrelated project."""
    path = pixel_csv(directory / "mnist.csv", rows=rows, bad_row=bad_row)
    good = pixel_csv(directory / "good.csv", rows=rows) if bad_row is not None else path
    window.document.set_dataset(csv_spec(good))
    project = str(directory / "mnist.nnviz")
    assert window.save_to(project)
    if bad_row is not None:   # the data file went bad after the project was saved
        path.replace(good)
    window.document.new()
    window.document.set_dataset({"name": "spiral", "params": {}})
    return project


class GatedRead:
    """``csv_import.load_csv`` held until :meth:`release`: the worker thread waits, the GUI thread must not."""

    def __init__(self, monkeypatch):
        self.gate = threading.Event()
        self.reads: list[dict] = []
        self.loaded = []
        real = csv_import.load_csv

        def read(**kw):
            self.reads.append(kw)
            self.gate.wait(10)
            ds = real(**kw)
            self.loaded.append(ds)
            return ds

        monkeypatch.setattr(csv_import, "load_csv", read)

    def release(self) -> None:
        self.gate.set()


def while_reading(window, act) -> QTimer:
    """A timer ticking through the open: ``act(job, ticks)`` is called on each tick while the project's data set
    is being read (it returns True when it is done acting)."""
    timer = QTimer(window)
    timer.setInterval(5)
    timer.ticks = 0
    timer.reading_ticks = 0

    def tick():
        timer.ticks += 1
        job = window.open_job
        if job is not None and job.running:
            timer.reading_ticks += 1
            if act(job, timer.reading_ticks):
                timer.stop()

    timer.timeout.connect(tick)
    timer.start()
    return timer


def cancel_while_reading(qtbot, window, monkeypatch) -> None:
    """The next read of a big CSV under the window's progress dialog is cancelled with its Cancel button."""
    gated = GatedRead(monkeypatch)

    def act(job, _ticks):
        qtbot.mouseClick(job.progress.findChild(QPushButton), Qt.MouseButton.LeftButton)   # its Cancel
        gated.release()
        return True

    while_reading(window, act)


def test_reopening_reads_the_big_csv_in_a_thread_with_progress_then_the_document_takes_it(
        qtbot, make_main_window, big, monkeypatch):
    window = make_main_window()
    project = saved_project(window, big)
    gated = GatedRead(monkeypatch)
    seen = []

    def act(job, ticks):
        seen.append((job.progress.isVisible(), job.progress.windowTitle(), job.progress.labelText()))
        if ticks >= 3:        # the event loop ran three times while the thread was held: the window is free
            gated.release()
            return True
        return False

    timer = while_reading(window, act)
    assert window.open_file(project, ask=False)
    timer.stop()
    assert timer.reading_ticks >= 3 and len(gated.reads) == 1 and callable(gated.reads[0]["progress"])
    visible, title, label = seen[0]
    assert visible and title == "Opening mnist.nnviz" and "Opening mnist.nnviz: reading its data, mnist.csv" in label
    doc = window.document
    assert doc.dataset is gated.loaded[0]                             # taken from the thread, not read again
    assert doc.dataset.n_train + doc.dataset.n_test == 600 and tuple(doc.input_shape) == (8, 8, 1)
    assert doc.path.endswith("mnist.nnviz") and doc.dataset_spec["params"]["images"] is True
    assert window.open_job is None and not csv_fast._preloaded


def test_cancel_keeps_the_current_project(qtbot, make_main_window, big, monkeypatch):
    window = make_main_window()
    project = saved_project(window, big)
    doc = window.document
    before, spec, path = doc.dataset, doc.dataset_spec, doc.path
    cancel_while_reading(qtbot, window, monkeypatch)
    assert not window.open_file(project, ask=False)
    assert doc.dataset is before and doc.dataset_spec == spec and doc.path == path
    assert "cancelled" in window.statusBar().currentMessage() and not csv_fast._preloaded
    assert window.open_job is None


def test_a_data_file_that_cannot_be_read_is_said_and_the_project_stays(qtbot, make_main_window, big):
    window = make_main_window()
    project = saved_project(window, big, bad_row=400)
    doc = window.document
    before = doc.dataset
    assert not window.open_file(project, ask=False)
    assert doc.dataset is before and not doc.path
    assert window.last_error.startswith("mnist.nnviz cannot be opened:\n\n")
    assert "row 402, column 'pixel4': 'n/a' is not a number" in window.last_error


def test_a_missing_small_data_file_is_said_too(qtbot, make_main_window, tmp_path):
    window = make_main_window()
    project = saved_project(window, tmp_path, rows=30)
    (tmp_path / "mnist.csv").unlink()
    assert window.open_file(project, ask=False)      # it used to raise out of open_file, then refused the project
    assert window.document.dataset is None           # opened without it: tests/ui/test_practitioner_project.py
    assert "mnist.nnviz opened without its data set" in window.last_error and "mnist.csv is gone" in window.last_error


def test_a_small_csv_opens_at_once_as_before(qtbot, make_main_window, tmp_path, monkeypatch):
    window = make_main_window()
    project = saved_project(window, tmp_path, rows=30)
    jobs = []
    real = csv_import.big_csv_job
    monkeypatch.setattr(csv_import, "big_csv_job", lambda *a: jobs.append(real(*a)) or jobs[-1])
    assert window.open_file(project, ask=False)
    assert jobs == [None] and window.document.dataset.n_train + window.document.dataset.n_test == 30


def test_recovering_an_autosave_on_a_big_csv_reads_it_in_the_thread_too(
        qtbot, make_main_window, big, monkeypatch, tmp_path):
    autosave_dir = str(tmp_path / "autosave")
    window = make_main_window(autosave_dir=autosave_dir)
    window.document.set_dataset(csv_spec(pixel_csv(big / "mnist.csv", rows=600)))
    window.document.mark_modified()
    assert window.autosave.autosave_now()
    dead = 2 ** 22 + 4321   # the process that wrote it died: its files stay behind under its pid
    for own, ext in ((window.autosave.project_file, "nnviz"), (window.autosave.meta_file, "json")):
        shutil.copy(own, os.path.join(autosave_dir, f"autosave-{dead}.{ext}"))
    window.document.new()
    window.ask_recover = lambda entry: "recover"
    gated = GatedRead(monkeypatch)
    timer = while_reading(window, lambda job, ticks: ticks >= 3 and (gated.release() or True))
    assert window.offer_recovery()
    assert timer.reading_ticks >= 3 and window.document.dataset is gated.loaded[0]
    assert window.document.is_modified and tuple(window.document.dataset.input_shape) == (8, 8, 1)
