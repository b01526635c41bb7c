"""Issue 14 in the app: a big CSV is previewed from its head and read whole in a thread with a progress bar
(Cancel changes nothing, an error keeps the dialog open), and pixel columns can be imported as images that a
Conv2D network trains on."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from nnviz.io import csv_fast
from nnviz.ui import csv_import


@pytest.fixture
def panel(app_window):
    """The Data dock of the assembled window (the training docks follow its data set)."""
    window, _controller = app_window
    window.docks["dockData"][0].raise_()
    yield window.data_panel
    if window.data_panel.csv_dialog is not None:
        window.data_panel.csv_dialog.reject()


def pixel_csv(path, rows: int = 60, side: int = 8, classes: int = 3, names: bool = True, bad_row: int | None = None):
    """A Kaggle-format table: label, then side×side pixels 0–255 (a class's images share a bright column)."""
    rng = np.random.default_rng(0)
    lines = ["label," + ",".join(f"pixel{j}" if names else f"c{j}" for j in range(side * side))]
    for i in range(rows):
        c = i % classes
        img = rng.integers(0, 60, (side, side))
        img[:, c * 2] = 250
        cells = [str(c)] + [str(v) for v in img.ravel()]
        if i == bad_row:
            cells[5] = "n/a"
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_pixel_columns_import_as_images_and_a_conv2d_network_trains_on_them(qtbot, panel, tmp_path):
    path = pixel_csv(tmp_path / "digits.csv")
    dialog = panel.import_csv(str(path))
    check = dialog.pixels_check
    assert check.isVisibleTo(dialog) and check.isChecked()          # named pixel0 …: offered, and ticked
    assert "64 pixel columns as 8×8×1 images" in check.text()
    assert "8×8×1 images" in dialog.summary_label.text()
    assert dialog.spec()["params"]["images"] is True
    with qtbot.waitSignal(panel.dataset_applied):
        dialog.ok_button.click()
    doc = panel.document
    assert doc.dataset.x_train.shape[1:] == (8, 8, 1) and tuple(doc.input_shape) == (8, 8, 1)
    assert panel.preview.mode == "images"                            # the data panel shows the digits
    assert "8×8 gray images" in panel.input_label.text()
    assert panel.editors["images"].value() is True                   # and the setting stays with the data set

    doc.remove_layers(list(range(len(doc.layer_configs()))))        # the editor's network: a small CNN
    for i, (cls, cfg) in enumerate([("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu",
                                                "padding": "same"}), ("MaxPooling2D", {"pool_size": 2}),
                                    ("Flatten", {}), ("Dense", {"units": 3, "activation": "softmax"})]):
        doc.add_layer(i, {"class_name": cls, "config": cfg})
    assert doc.is_valid and doc.model.layers[0].output_shape[1:] == (8, 8, 4)
    model = doc.model.clone()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = doc.dataset.x_train / 255.0, doc.dataset.y_train
    first = float(model.train_on_batch(x, y))
    for _ in range(20):
        last = float(model.train_on_batch(x, y))
    assert np.isfinite(first) and last < first


def test_unticked_the_pixels_stay_a_flat_vector_and_other_tables_get_no_offer(qtbot, panel, tmp_path):
    dialog = panel.import_csv(str(pixel_csv(tmp_path / "digits.csv")))
    dialog.pixels_check.setChecked(False)
    assert "images" not in dialog.spec()["params"] and "64 features" in dialog.summary_label.text()
    with qtbot.waitSignal(panel.dataset_applied):
        dialog.ok_button.click()
    assert tuple(panel.document.input_shape) == (64,)

    plain = tmp_path / "plain.csv"
    plain.write_text("a,b,y\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(40)))
    dialog = panel.import_csv(str(plain))
    assert not dialog.pixels_check.isVisibleTo(dialog) and "images" not in dialog.spec()["params"]


def test_a_square_count_without_pixel_names_is_offered_but_not_ticked(qtbot, panel, tmp_path):
    dialog = panel.import_csv(str(pixel_csv(tmp_path / "c.csv", names=False)))
    assert dialog.pixels_check.isVisibleTo(dialog) and not dialog.pixels_check.isChecked()
    dialog.pixels_check.setChecked(True)
    assert dialog.dataset.x_train.shape[1:] == (8, 8, 1)


@pytest.fixture
def big(monkeypatch, tmp_path):
    """Files above 2 kB count as big here; their preview is their first 50 rows."""
    monkeypatch.setattr(csv_fast, "HEAD_BYTES", 2048)
    monkeypatch.setattr(csv_fast, "HEAD_ROWS", 50)
    return tmp_path


def test_a_big_file_is_previewed_from_its_head_and_read_whole_on_import(qtbot, panel, big, monkeypatch):
    path = pixel_csv(big / "mnist.csv", rows=600)
    dialog = panel.import_csv(str(path))
    assert dialog.head_only and dialog.table.n_rows == 50
    assert "600 rows × 65 columns · previewing the first 50" in dialog.file_info.text()
    assert "600 rows" in dialog.summary_label.text() and "about 480 training" in dialog.summary_label.text()
    reads = []
    real = csv_import.load_csv
    monkeypatch.setattr(csv_import, "load_csv", lambda **kw: reads.append(kw) or real(**kw))
    with qtbot.waitSignal(panel.dataset_applied, timeout=10_000):
        dialog.ok_button.click()
        assert dialog.load_job is not None and dialog.load_job.progress.isVisible()
    assert len(reads) == 1 and callable(reads[0]["progress"])        # read once, in the thread, with progress
    ds = panel.document.dataset
    assert ds.n_train + ds.n_test == 600 and ds.x_train.shape[1:] == (8, 8, 1)
    assert not csv_fast._preloaded                                   # the document took it; nothing held


def test_cancel_leaves_everything_as_it_was(qtbot, panel, big, monkeypatch):
    doc = panel.document
    doc.set_dataset({"name": "spiral", "params": {}})
    before = doc.dataset
    release = threading.Event()
    real = csv_import.load_csv

    def slow(**kw):
        release.wait(10)
        return real(**kw)

    monkeypatch.setattr(csv_import, "load_csv", slow)
    dialog = panel.import_csv(str(pixel_csv(big / "mnist.csv", rows=600)))
    dialog.ok_button.click()
    job = dialog.load_job
    with qtbot.waitSignal(job.cancelled, timeout=10_000):
        qtbot.mouseClick(job.progress.findChild(QPushButton), Qt.MouseButton.LeftButton)   # its Cancel
        release.set()
    assert doc.dataset is before and dialog.isVisible() and dialog.result() == 0
    qtbot.waitUntil(lambda: dialog.load_job is None)
    assert dialog.ok_button.isEnabled() and not csv_fast._preloaded  # Import can be pressed again


def test_a_bad_cell_after_the_preview_is_reported_and_the_dialog_stays(qtbot, panel, big):
    doc = panel.document
    before = doc.dataset
    dialog = panel.import_csv(str(pixel_csv(big / "mnist.csv", rows=600, bad_row=400)))
    assert dialog.ok_button.isEnabled()                              # the first 50 rows are fine
    job_failed = []
    dialog.ok_button.click()
    dialog.load_job.failed.connect(job_failed.append)
    qtbot.waitUntil(lambda: dialog.load_job is None, timeout=10_000)
    assert dialog.isVisible() and doc.dataset is before
    assert "row 402, column 'pixel4': 'n/a' is not a number" in dialog.error_label.text()
    assert job_failed and not dialog.ok_button.isEnabled()


def test_eta_text():
    assert csv_import.eta_text(0.01, 5.0) == ""
    assert csv_import.eta_text(0.5, 2.0) == "about 2 s left"
    assert csv_import.eta_text(0.9, 2.0) == "less than a second left"


def test_a_big_csv_changed_in_the_data_panel_is_read_in_a_thread(qtbot, panel, big, monkeypatch):
    path = pixel_csv(big / "mnist.csv", rows=600)
    dialog = panel.import_csv(str(path))
    with qtbot.waitSignal(panel.dataset_applied, timeout=10_000):
        dialog.ok_button.click()
    assert tuple(panel.document.input_shape) == (8, 8, 1)
    reads = []
    real = csv_import.load_csv
    monkeypatch.setattr(csv_import, "load_csv", lambda **kw: reads.append(kw) or real(**kw))
    with qtbot.waitSignal(panel.dataset_applied, timeout=10_000):
        panel.editors["images"].set_value(False)
        panel.apply()                                                 # what the panel's checkbox does
        assert panel._csv_job is not None and panel.document.dataset.x_train.ndim == 4   # not yet: reading
    assert len(reads) == 1 and tuple(panel.document.input_shape) == (64,)
    assert not csv_fast._preloaded
    panel.document.undo_stack.undo()                                  # the images again, from the undo entry
    assert tuple(panel.document.input_shape) == (8, 8, 1) and len(reads) == 1


def test_the_panel_offers_pixels_as_images_only_for_pixel_tables(qtbot, panel, tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b,y\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(40)))
    panel.document.set_dataset({"name": "csv", "params": {"path": str(plain), "label_column": "y"}})
    assert not panel.editors["images"].isVisibleTo(panel)
    panel.document.set_dataset({"name": "csv", "params": {"path": str(pixel_csv(tmp_path / "p.csv")),
                                                          "label_column": "label"}})
    assert panel.editors["images"].isVisibleTo(panel) and panel.editors["images"].value() is False


def test_closing_the_dialog_mid_import_stops_the_read_and_imports_nothing(qtbot, panel, big, monkeypatch):
    doc = panel.document
    before = doc.dataset
    real = csv_import.load_csv

    def slow(**kw):
        dialog.load_job.worker.cancel_requested.wait(10)   # reading until the dialog closes
        kw["progress"](0.5)                                 # the next block: the read stops here
        return real(**kw)

    monkeypatch.setattr(csv_import, "load_csv", slow)
    dialog = panel.import_csv(str(pixel_csv(big / "mnist.csv", rows=600)))
    dialog.ok_button.click()
    job = dialog.load_job
    assert job.running
    dialog.reject()                                         # Escape, or the window's close button
    assert not job.running and not dialog.isVisible() and doc.dataset is before
    assert not csv_fast._preloaded


def test_a_window_deleted_mid_read_waits_for_the_thread(qtbot, big, monkeypatch):
    from PySide6.QtWidgets import QWidget

    real = csv_import.load_csv
    started = threading.Event()

    def slow(**kw):
        started.set()
        job.worker.cancel_requested.wait(10)
        kw["progress"](0.5)
        return real(**kw)

    monkeypatch.setattr(csv_import, "load_csv", slow)
    parent = QWidget()
    job = csv_import.CsvLoadJob(parent, {"path": str(pixel_csv(big / "m.csv", rows=600)), "label_column": "label"})
    thread = job._thread
    job.start()
    assert started.wait(10)
    parent.deleteLater()
    qtbot.waitUntil(lambda: not thread.isRunning(), timeout=10_000)    # no "destroyed while running" abort
