"""The loss landscape dock: the loss over a plane through the current weights, with the optimizer's path on it.

The plane is spanned by the top two principal directions of the newest run's checkpoints (filter-normalised random
directions before there is a trajectory; :mod:`nnviz.core.landscape`). Drawn as a heatmap of log10(loss) with
contour lines, the path from the run's start (green) to its end (red), and the current weights at the centre.

The grid is computed in a worker thread (never the GUI thread) on a copy of the model, with a sample of the
training data chosen so a 33 × 33 grid takes a few seconds; "Compute" starts it, and it recomputes by itself when a
run ends while the dock is on screen.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from nnviz.core.landscape import compute_landscape, sample, samples_for_budget
from nnviz.ui.training.common import info_label, make_layout_widget, style_plot

RESOLUTION = 33
BUDGET_SECONDS = 3.5


class LandscapeWorker(QObject):
    """Computes one landscape in its thread; ``finished(object)`` gets the Landscape (None when cancelled)."""

    finished = Signal(object, dict)
    failed = Signal(str)

    def __init__(self, job: dict):
        super().__init__()
        self.job = job
        self.cancel = False

    @Slot()
    def run(self) -> None:
        job = self.job
        try:
            from nnviz.core.model import Sequential
            from nnviz.core.training import TrainingConfig
            model = Sequential.from_config(job["architecture"])
            model.set_weights(job["weights"])
            TrainingConfig.from_dict(job["training"]).compile_model(model)
            t0 = time.perf_counter()
            x, y = sample(job["x"], job["y"])
            n = samples_for_budget(model, x, y, job["resolution"] ** 2, BUDGET_SECONDS)
            x, y = x[:n], y[:n]
            land = compute_landscape(model, x, y, job["trajectory"], job["epochs"], resolution=job["resolution"],
                                     cancelled=lambda: self.cancel)
            self.finished.emit(land, {"samples": n, "seconds": time.perf_counter() - t0})
        except Exception as exc:  # noqa: BLE001 - a network the landscape cannot evaluate: say so
            self.failed.emit(f"The landscape could not be computed: {exc}")


class LandscapeView(QWidget):
    """Heatmap + contours + path. ``compute(document)`` starts a background computation."""

    computed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("landscapeView")
        self.landscape = None
        self._thread: QThread | None = None
        self._worker: LandscapeWorker | None = None
        self._pending = None
        self.document = None
        self.button = QPushButton("Compute")
        self.button.setObjectName("landscapeCompute")
        self.button.setToolTip("Compute the loss over the plane through the current weights")
        self.status = info_label("The loss over a plane through the weights: press Compute.", "landscapeStatus")
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.button)
        self.graphics = make_layout_widget()
        self.plot = self.graphics.addPlot()
        style_plot(self.plot, bottom="direction 1", left="direction 2")
        self.plot.setAspectLocked(False)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), label="log10 loss", interactive=False)
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.contours: list[pg.IsocurveItem] = []
        self.path = pg.PlotDataItem(pen=pg.mkPen((255, 255, 255), width=2), symbol="o", symbolSize=5,
                                    symbolBrush=(255, 255, 255), symbolPen=None)
        self.start = pg.ScatterPlotItem(size=12, brush=pg.mkBrush(0, 200, 80), pen=pg.mkPen("k"))
        self.end = pg.ScatterPlotItem(size=12, brush=pg.mkBrush(230, 40, 40), pen=pg.mkPen("k"), symbol="s")
        self.centre = pg.ScatterPlotItem(size=14, brush=None, pen=pg.mkPen((255, 255, 255), width=2), symbol="+")
        for item in (self.path, self.start, self.end, self.centre):
            item.setZValue(10)
            self.plot.addItem(item)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        self.button.clicked.connect(self._on_button_clicked)

    # ------------------------------------------------------------------ computing
    def set_document(self, document) -> None:
        self.document = document

    def _on_button_clicked(self) -> None:
        if self.document is not None:
            self.compute(self.document)

    def job_for(self, document) -> dict | None:
        """What the worker needs: a copy of the network, its training settings, the training data and the newest
        run's checkpoints that fit the network (the trajectory)."""
        model, ds = document.model, document.dataset
        if model is None or ds is None or not len(getattr(ds, "x_train", ())):
            return None
        keys = model.weight_keys()
        shapes = [w.shape for w in model.get_weights()]
        trajectory, epochs, label = [], [], ""
        for run in reversed(list(document.runs)):
            fits = [(e, w) for e, w in run.checkpoints
                    if set(w) == set(keys) and [np.shape(w[k]) for k in keys] == shapes]
            if len(fits) >= 2:
                trajectory = [[w[k] for k in keys] for _, w in fits]
                epochs = [e for e, _ in fits]
                label = run.label
                break
        return {"architecture": model.get_config(), "weights": model.get_weights(),
                "training": document.training_config.to_dict(), "x": ds.x_train, "y": ds.y_train,
                "trajectory": trajectory, "epochs": epochs, "run": label, "resolution": RESOLUTION}

    def compute(self, document) -> bool:
        """Start computing (after the computation in progress, if any). False when there is nothing to compute."""
        job = self.job_for(document)
        if job is None:
            self.status.setText("No network or no training data to compute a landscape for.")
            return False
        if self._thread is not None:
            self._pending = job
            self._worker.cancel = True
            return True
        self._start(job)
        return True

    def _start(self, job: dict) -> None:
        self._job = job
        self.status.setText("Computing the loss over the plane…")
        self.button.setEnabled(False)
        self._thread = QThread()
        self._thread.setObjectName("nnviz-landscape")
        self._worker = LandscapeWorker(job)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.failed.connect(self._on_worker_failed)
        self._thread.start()

    def _end_thread(self) -> None:
        thread, self._thread, self._worker = self._thread, None, None
        if thread is not None:
            thread.quit()
            thread.wait()
        self.button.setEnabled(True)
        if self._pending is not None:
            job, self._pending = self._pending, None
            self._start(job)

    def _on_worker_failed(self, message: str) -> None:
        self.status.setText(message)
        self._end_thread()

    def _on_worker_finished(self, land, info: dict) -> None:
        job = self._job
        if land is not None:
            self.show_landscape(land, job.get("run", ""), info)
        self._end_thread()
        if land is not None:
            self.computed.emit()

    def shutdown(self) -> None:
        if self._worker is not None:
            self._worker.cancel = True
        self._pending = None
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(5000)
            self._thread = self._worker = None

    # ------------------------------------------------------------------ drawing
    def show_landscape(self, land, run_label: str = "", info: dict | None = None) -> None:
        self.landscape = land
        z = np.log10(np.maximum(land.loss, 1e-12))
        finite = z[np.isfinite(z)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if hi - lo < 1e-9:
            hi = lo + 1e-9
        z = np.where(np.isfinite(z), z, hi)
        a, b = land.alphas, land.betas
        da = (a[-1] - a[0]) / max(len(a) - 1, 1)
        db = (b[-1] - b[0]) / max(len(b) - 1, 1)
        self.image.setImage(z.T, levels=(lo, hi))   # ImageItem: first axis is x
        self.image.setRect(a[0] - da / 2, b[0] - db / 2, da * len(a), db * len(b))
        self.bar.setLevels((lo, hi))
        for c in self.contours:
            self.plot.removeItem(c)
        self.contours = []
        for level in np.linspace(lo, hi, 9)[1:-1]:
            iso = pg.IsocurveItem(data=z.T, level=float(level), pen=pg.mkPen(255, 255, 255, 110, width=1))
            iso.setParentItem(self.image)
            iso.setZValue(5)
            self.contours.append(iso)
        if len(land.path):
            self.path.setData(land.path[:, 0], land.path[:, 1])
            self.start.setData([land.path[0, 0]], [land.path[0, 1]])
            self.end.setData([land.path[-1, 0]], [land.path[-1, 1]])
        else:
            for item in (self.path, self.start, self.end):
                item.setData([], [])
        self.centre.setData([0.0], [0.0])
        self.plot.setRange(xRange=(a[0], a[-1]), yRange=(b[0], b[-1]), padding=0)
        if land.kind == "pca":
            share = " + ".join(f"{100 * v:.0f} %" for v in land.explained)
            what = f"The plane of {run_label or 'the run'}'s path: its top two principal directions ({share} of its " \
                   f"movement); green start, red end, + the current weights"
        else:
            what = "Two random filter-normalised directions through the current weights (no run to follow yet)"
        extra = ""
        if info:
            extra = f" · {len(a)}×{len(b)} losses on {info['samples']} samples in {info['seconds']:.1f} s"
        finite_loss = land.loss[np.isfinite(land.loss)]
        low = f" · loss {finite_loss.min():.3g} to {finite_loss.max():.3g}" if finite_loss.size else ""
        self.status.setText(what + low + extra)
        self.plot.setLabel("bottom", "direction 1" if land.kind == "pca" else "random direction 1")
        self.plot.setLabel("left", "direction 2" if land.kind == "pca" else "random direction 2")

    def value_at(self, i: int, j: int) -> float:
        return float(self.landscape.loss[j, i]) if self.landscape is not None else math.nan
