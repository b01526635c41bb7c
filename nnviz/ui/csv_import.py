"""Loading a big CSV file off the GUI thread, with a progress bar, its time left and Cancel.

:class:`CsvLoadJob` reads the file with :func:`nnviz.io.csv_data.load_csv` in a ``QThread`` (a
:class:`CsvLoadWorker` moved to it, as DESIGN.md's threading model has it: no widget is touched from the
thread, results come back through signals). The GUI thread shows a ``QProgressDialog``; Cancel stops the read at
the next block and nothing changes. On success the data set is handed to the next ``catalog.load`` of the same
parameters (:func:`nnviz.io.csv_fast.offer_loaded`), so ``document.set_dataset(spec)`` takes it at once::

    job = CsvLoadJob(dialog, spec["params"])
    job.loaded.connect(lambda ds: document.set_dataset(spec))
    job.failed.connect(show_error)
    job.start()
"""

from __future__ import annotations

import os
import threading
import time

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog

from nnviz.core.data import catalog
from nnviz.io import csv_fast
from nnviz.io.csv_data import CsvError, load_csv, skipped_rows


class LoadCancelled(Exception):
    """The user pressed Cancel: the read stops at the next block."""


def load_args(params: dict) -> dict:
    """The "csv" catalog entry's parameters with their defaults, checked: exactly what ``catalog.load`` passes to
    ``load_csv`` (so the loaded data set is found again by the document's load)."""
    spec = catalog.get_spec("csv")
    args = spec.defaults()
    for p in spec.params:
        if p.name in params:
            args[p.name] = p.check(params[p.name])
    return args


def eta_text(fraction: float, elapsed: float) -> str:
    """"about 3 s left" from the share done and the seconds it took ("" until it can be told)."""
    if fraction <= 0.02 or elapsed < 0.3:
        return ""
    left = elapsed * (1 - fraction) / fraction
    return "less than a second left" if left < 1 else f"about {left:.0f} s left"


class CsvLoadWorker(QObject):
    """Runs in the job's thread: ``load_csv`` with a progress callback that also checks for Cancel."""

    progressed = Signal(float)
    loaded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, args: dict):
        super().__init__()
        self.args = args
        self.cancel_requested = threading.Event()
        self._last = -1.0

    def _progress(self, fraction: float) -> None:
        if self.cancel_requested.is_set():
            raise LoadCancelled
        if fraction - self._last >= 0.01 or fraction >= 1.0:   # at most a hundred updates
            self._last = fraction
            self.progressed.emit(float(fraction))

    @Slot()
    def run(self) -> None:
        try:
            self._progress(0.0)
            ds = load_csv(**self.args, progress=self._progress)
            if self.cancel_requested.is_set():
                raise LoadCancelled
        except LoadCancelled:
            self.cancelled.emit()
        except (CsvError, ValueError, OSError, MemoryError) as e:
            self.failed.emit(str(e) or type(e).__name__)
        else:
            csv_fast.offer_loaded(self.args, ds)
            self.loaded.emit(ds)
        finally:
            app = QCoreApplication.instance()
            if app is not None and self.thread() is not app.thread():
                self.moveToThread(app.thread())   # deleted on the GUI thread once the thread has ended
            QThread.currentThread().quit()   # from here: a GUI thread waiting for the thread gets no queued quit


class CsvLoadJob(QObject):
    """One load of a CSV file in a thread, with a modal progress dialog over ``parent``.

    Signals (on the GUI thread): ``loaded(dataset)``, ``failed(message)``, ``cancelled()``; then ``finished()``.
    """

    loaded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, parent, params: dict, title: str = "Importing CSV"):
        super().__init__(parent)
        self.args = load_args(params)
        self.name = os.path.basename(str(self.args.get("path") or "")) or "the file"
        self.fraction = 0.0
        self._t0 = 0.0
        self.reading = f"Reading {self.name}"   # the label, before its time left (a caller may say more)
        self.progress = QProgressDialog(f"{self.reading}…", "Cancel", 0, 1000, parent)
        self.progress.setObjectName("csvImportProgress")
        self.progress.setWindowTitle(title)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.setMinimumWidth(360)
        self.progress.canceled.connect(self.cancel)
        self._thread = QThread()
        self._thread.setObjectName("csvLoadThread")
        self.worker = CsvLoadWorker(self.args)
        self.worker.moveToThread(self._thread)
        self._thread.started.connect(self.worker.run)
        self.worker.progressed.connect(self._on_worker_progressed)
        self.worker.loaded.connect(self._on_worker_loaded)
        self.worker.failed.connect(self._on_worker_failed)
        self.worker.cancelled.connect(self._on_worker_cancelled)
        self._thread.finished.connect(self._on_thread_finished)
        self._stop_with_parent = None
        if parent is not None:   # a window closed mid-read takes the job along: the thread must have ended first
            worker, thread = self.worker, self._thread
            self._stop_with_parent = lambda *_: (worker.cancel_requested.set(), thread.wait(10_000))
            parent.destroyed.connect(self._stop_with_parent)
        self._outcome = None

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def start(self) -> None:
        self._t0 = time.perf_counter()
        self.progress.setLabelText(f"{self.reading}…")
        self.progress.setValue(0)
        self.progress.show()
        self._thread.start()

    def cancel(self) -> None:
        """Stop reading at the next block; ``cancelled`` follows (nothing is changed)."""
        self.worker.cancel_requested.set()
        self.progress.setLabelText(f"Cancelling the import of {self.name}…")

    def wait(self, ms: int = 10_000) -> bool:
        """Block until the thread has ended (used when the dialog closes mid-import)."""
        self.worker.cancel_requested.set()
        return self._thread.wait(ms)

    def _on_worker_progressed(self, fraction: float) -> None:
        self.fraction = fraction
        if self.worker.cancel_requested.is_set():
            return
        self.progress.setValue(int(round(fraction * 1000)))
        eta = eta_text(fraction, time.perf_counter() - self._t0)
        self.progress.setLabelText(self.reading + (f" · {eta}" if eta else "…"))

    def _on_worker_loaded(self, ds) -> None:
        self._outcome = ("loaded", ds)

    def _on_worker_failed(self, message: str) -> None:
        self._outcome = ("failed", message)

    def _on_worker_cancelled(self) -> None:
        self._outcome = ("cancelled",)

    def _on_thread_finished(self) -> None:
        """The outcome is told once the thread has ended, so a listener may delete the job."""
        self.progress.hide()
        self.progress.deleteLater()
        hook, self._stop_with_parent = self._stop_with_parent, None
        if hook is not None and self.parent() is not None:   # ended: the job (and its thread) may go before it
            self.parent().destroyed.disconnect(hook)
        outcome, self._outcome = self._outcome, None
        if outcome is None or outcome[0] == "cancelled":
            csv_fast.forget_loaded()
            self.cancelled.emit()
        elif outcome[0] == "loaded":
            self.loaded.emit(outcome[1])
        else:
            self.failed.emit(outcome[1])
        self.finished.emit()


# ====================================================================================== the dialog's big-file part
class BigFileMixin:
    """The part of :class:`~nnviz.ui.csv_dialog.CsvImportDialog` for real-size files: a file above
    :data:`~nnviz.io.csv_fast.HEAD_BYTES` is previewed (and its settings checked) from its first
    :data:`~nnviz.io.csv_fast.HEAD_ROWS` rows; Import reads it whole in a :class:`CsvLoadJob`. Pixel columns
    (``pixel0`` …, or a square count such as 784) are offered as images (the checkbox ``pixels_check``)."""

    head_only = False      # the table is the file's first rows (a big file)
    total_rows = 0         # the file's data rows (counted) when head_only
    load_job = None        # the CsvLoadJob while Import reads the file

    def _make_pixels_check(self):
        from PySide6.QtWidgets import QCheckBox
        check = QCheckBox()
        check.setObjectName("csvPixelsAsImages")
        check.setToolTip("The feature columns are the pixels of square gray images, row by row (Kaggle's MNIST: "
                         "pixel0 … pixel783). As images the network's input is H×W×1, so Conv2D and MaxPooling2D "
                         "work on it; flat, it is a vector for Dense layers.")
        check.setVisible(False)
        check.toggled.connect(self._on_pixels_check_toggled)
        self._pixel_shape = None
        self._pixels_default = None   # decided once per file: ticked when the columns are named as pixels
        return check

    def _on_pixels_check_toggled(self, _checked: bool) -> None:
        if not self._building:
            self._validate()

    def _read_table(self, header, skip: bool):
        """The file's table (its head for a big file, with ``total_rows`` counted)."""
        from nnviz.io.csv_data import read_csv
        size = os.path.getsize(self._path) if os.path.isfile(self._path) else 0
        self.head_only = size > csv_fast.HEAD_BYTES
        if not self.head_only:
            return read_csv(self._path, header=header, skip_bad_rows=skip)
        table = read_csv(csv_fast.head_text(self._path), header=header, skip_bad_rows=skip)
        table.source = self._path
        self.total_rows = max(csv_fast.count_lines(self._path) - (1 if table.has_header else 0), table.n_rows)
        return table

    def _file_info_text(self, table) -> str:
        rows = self.total_rows if self.head_only else table.n_rows
        text = f"{rows:,} rows × {table.n_columns} columns"
        if self.head_only:
            text += f" · previewing the first {table.n_rows:,}"
        if getattr(table, "decimal_comma", False):
            text += " · decimal comma"
        return text

    def _update_pixels_check(self, features: list[str]):
        """Show the pixel option when the features are square pixels; the image shape, or None."""
        from nnviz.core.data import pixels
        table = self.table
        shape = None
        if table is not None and features:
            shape = pixels.image_shape(features if table.has_header else None, len(features))
        self._pixel_shape = shape
        check = self.pixels_check
        with self._building_widgets():
            if shape is None:
                check.setChecked(False)
            else:
                check.setText(f"Read the {len(features):,} pixel columns as {shape[0]}×{shape[1]}×1 images "
                              f"(for Conv2D)")
                if self._pixels_default is None:
                    named = table.has_header and pixels.named_as_pixels(features)
                    wanted = self._params.get("images") if "images" in self._params else named
                    self._pixels_default = bool(wanted)
                    check.setChecked(self._pixels_default)
        check.setVisible(shape is not None)
        return shape

    def _as_images(self, ds):
        from nnviz.core.data import pixels
        if self._pixel_shape is None or not self.pixels_check.isChecked():
            return ds
        return pixels.dataset_as_images(ds, self._pixel_shape)

    def _summary(self, ds) -> str:
        shape = tuple(ds.input_shape)
        parts = [self._summary_rows(ds),
                 f"{len(ds.feature_names)} feature{'s' if len(ds.feature_names) != 1 else ''}" if len(shape) == 1
                 else f"{shape[0]}×{shape[1]}×{shape[2]} images"]
        if ds.task == "regression":
            y = ds.y_train[:, 0]
            parts.append(f"regression target from {float(y.min()):.4g} to {float(y.max()):.4g}")
        else:
            counts = ds.class_counts("train")
            shown = ", ".join(f"{name} ({int(k):,})" for name, k in list(zip(ds.class_names, counts))[:8])
            more = f", … ({len(ds.class_names) - 8} more)" if len(ds.class_names) > 8 else ""
            where = "in the first rows" if self.head_only else "in training"
            parts.append(f"{ds.num_classes} classes {where}: {shown}{more}")
        skipped = skipped_rows(ds)
        if skipped:
            parts.append(f"<b>{skipped:,} bad row{'s' if skipped != 1 else ''} skipped</b>")
        return " · ".join(parts)

    def _summary_rows(self, ds) -> str:
        """"60,000 rows → 48,000 training / …", scaled up from the head for a big file."""
        n = ds.n_train + ds.n_val + ds.n_test
        if not self.head_only or not n:
            return f"<b>{n:,} rows</b> → {ds.n_train:,} training / {ds.n_val:,} validation / {ds.n_test:,} test"
        total = self.total_rows
        test = round(total * self.test_spin.value() / 100)
        val = round(total * self.val_spin.value() / 100)
        return (f"<b>{total:,} rows</b> → about {total - test - val:,} training / {val:,} validation / {test:,} test "
                f"(checked on the first {n:,}; Import reads them all)")

    # ------------------------------------------------------------------ import
    def _start_load(self) -> None:
        """Read the whole file in a thread; the dialog closes when it is in, and stays as it was on Cancel."""
        if self.load_job is not None:
            return
        job = CsvLoadJob(self, self.params())
        self.load_job = job
        self.ok_button.setEnabled(False)
        job.loaded.connect(self._on_load_job_loaded)
        job.failed.connect(self._on_load_job_failed)
        job.finished.connect(self._on_load_job_finished)
        job.start()

    def _on_load_job_loaded(self, ds) -> None:
        self.dataset = ds
        self._accept_loaded()

    def _on_load_job_failed(self, message: str) -> None:
        self.summary_label.setText("")
        self._set_error(message)

    def _on_load_job_finished(self) -> None:
        job, self.load_job = self.load_job, None
        if job is not None:
            job.deleteLater()
        if not self.error and self.dataset is not None and self.isVisible():
            self.ok_button.setEnabled(True)

    def _stop_load(self) -> None:
        """The dialog closes while reading: stop the thread and wait for it (nothing is imported)."""
        job = self.load_job
        if job is not None and job.running:
            job.loaded.disconnect(self._on_load_job_loaded)
            job.wait()
            csv_fast.forget_loaded()


def big_csv_job(parent, spec: dict, current: dict | None) -> CsvLoadJob | None:
    """A job (not started) reading the big CSV file of data set ``spec`` off the GUI thread, or None when ``spec``
    loads at once: not a CSV, a small file, the data set already held (``current``) or already read."""
    if not isinstance(spec, dict) or spec.get("name") != "csv" or spec == current:
        return None
    task = {p.name for p in catalog.RECONSTRUCTION_PARAMS}
    params = {k: v for k, v in (spec.get("params") or {}).items() if k not in task}
    try:
        if os.path.getsize(params.get("path")) <= csv_fast.HEAD_BYTES or csv_fast.holds_loaded(load_args(params)):
            return None
    except (OSError, TypeError, ValueError):
        return None
    job = CsvLoadJob(parent, params, title="Loading the data set")
    job.finished.connect(job.deleteLater)
    return job
