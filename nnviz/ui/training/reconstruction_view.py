"""An autoencoder's reconstructions, live: originals beside what the network gives back, and the worst ones.

For a data set whose task is "reconstruct the input" (:func:`nnviz.core.autoencoder.reconstruction`). The top
mosaic shows six samples of the chosen split in columns: the input the network sees (noisy for a denoising
autoencoder), its output, and for a denoising one the clean target. The mosaic beside it shows the four samples with
the largest reconstruction error (target above, output below) with their errors. The line under them gives the
mean squared error per sample against the mean image's (always answering the training set's average input).

Samples are drawn as images: images as they are, 64 values as 8×8 (any square number as a square), other
tables as one strip of values per sample.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnviz.core.autoencoder import mean_baseline_error
from nnviz.ui.training.common import ProbeModel, Throttle, info_label, make_plot_widget, mosaic

SHOWN = 6
WORST = 4
MAX_SAMPLES = 2000


def as_images(values: np.ndarray) -> np.ndarray:
    """Samples as 2-D pictures ``(n, h, w)``: images (first channel / gray), square vectors as squares, others
    as ``(1, k)`` strips."""
    values = np.asarray(values, np.float32)
    n = len(values)
    if values.ndim == 4:
        return values.mean(axis=3) if values.shape[3] != 1 else values[..., 0]
    if values.ndim == 3:
        return values
    flat = values.reshape(n, -1)
    side = math.isqrt(flat.shape[1])
    if side * side == flat.shape[1] and side > 1:
        return flat.reshape(n, side, side)
    return flat.reshape(n, 1, -1)


def gray_map() -> pg.ColorMap:
    return pg.ColorMap([0.0, 1.0], [(255, 255, 255), (0, 0, 0)], name="white-black")


def _image_plot():
    widget = make_plot_widget()
    plot = widget.getPlotItem()
    plot.invertY(True)
    plot.setAspectLocked(True)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.hideAxis("bottom")
    plot.hideAxis("left")                  # the title names the rows (tick labels this close would be dropped)
    image = pg.ImageItem(axisOrder="row-major")
    image.setLookupTable(gray_map().getLookupTable(nPts=256))
    plot.addItem(image)
    return widget, plot, image


class AutoencoderViewBase(QWidget):
    """What the autoencoder's views share: the probe, the data set, the newest snapshot and when to redraw.
    A subclass sets ``self.summary`` (a label) and draws in ``_redraw()``."""

    def __init__(self, parent: QWidget | None, interval: float):
        super().__init__(parent)
        self.probe: ProbeModel | None = None
        self.dataset = None
        self._throttle = Throttle(interval)
        self._snapshot = None

    @property
    def active(self) -> bool:
        return self.dataset is not None and getattr(self.dataset, "reconstructs_input", False)

    def set_context(self, probe: ProbeModel | None, dataset) -> None:
        self.probe = probe
        self.dataset = dataset
        self._clear()
        self.setEnabled(self.active)
        if not self.active:
            self.summary.setText("For an autoencoder: choose the task <b>Reconstruct the input</b> in the Data panel.")
            return
        self.update_snapshot(self._snapshot, force=True)

    def update_snapshot(self, snap, force: bool = False) -> None:
        if snap is not None:
            self._snapshot = snap
        if not self.active:
            return
        if self.probe is None or self.probe.model is None:
            self.summary.setText("No network that fits this data set.")
            return
        if not (force or self._throttle.ready()):
            return
        if snap is not None:
            self.probe.sync(snap)
        self._redraw()

    def _clear(self) -> None:
        raise NotImplementedError

    def _redraw(self) -> None:
        raise NotImplementedError


class ReconstructionView(AutoencoderViewBase):
    def __init__(self, parent: QWidget | None = None, interval: float = 0.25):
        super().__init__(parent, interval)
        self.setObjectName("reconstructionView")
        self.errors: np.ndarray | None = None     # per sample of the split, after the last update
        self.worst: np.ndarray | None = None      # their indices, worst first
        self.baseline = float("nan")
        self.row_names: list[str] = []             # what the rows of the left mosaic are

        self.split_combo = QComboBox()
        self.split_combo.setObjectName("reconstructionSplit")
        self.split_combo.setToolTip("The split whose samples are shown: test (never trained on), validation or "
                                    "training")
        self.split_combo.addItems(["test", "validation", "training"])
        self.summary = info_label(" ", "reconstructionSummary")
        self.summary.setTextFormat(Qt.RichText)
        top = QHBoxLayout()
        top.addWidget(QLabel("Split:"))
        top.addWidget(self.split_combo)
        top.addStretch(1)
        self.samples_widget, self.samples_plot, self.samples_image = _image_plot()
        self.samples_plot.setTitle("Inputs (top), reconstructions (below)", size="9pt")
        self.worst_widget, self.worst_plot, self.worst_image = _image_plot()
        self.worst_plot.setTitle("Worst: target, output", size="9pt")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        plots = QHBoxLayout()      # side by side: a bottom dock is wide and short
        plots.addWidget(self.samples_widget, 3)
        plots.addWidget(self.worst_widget, 2)
        layout.addLayout(plots, 1)
        layout.addWidget(self.summary)
        self.split_combo.currentIndexChanged.connect(self._on_split_combo_changed)

    # ------------------------------------------------------------------ context
    def _clear(self) -> None:
        self.errors = self.worst = None
        self.samples_image.clear()
        self.worst_image.clear()
        if self.active:
            y = self._split()[1]
            self.baseline = mean_baseline_error(self.dataset.y_train, y) if len(y) else math.nan

    def _split(self):
        ds = self.dataset
        part = {"test": "test", "validation": "val", "training": "train"}[self.split_combo.currentText()]
        return getattr(ds, "x_" + part), getattr(ds, "y_" + part), self.split_combo.currentText()

    def _on_split_combo_changed(self, *_args) -> None:
        if self.active:
            x, y, _ = self._split()
            self.baseline = mean_baseline_error(self.dataset.y_train, y) if len(y) else math.nan
            self.update_snapshot(self._snapshot, force=True)

    # ------------------------------------------------------------------ drawing
    def _redraw(self) -> None:
        x, y, name = self._split()
        if not len(x):
            self.summary.setText(f"The {name} split is empty.")
            return
        x, y = x[:MAX_SAMPLES], y[:MAX_SAMPLES]
        try:
            out = np.asarray(self.probe.predict(x))
        except ValueError:
            return
        if out.size != y.size:
            self.summary.setText("The network's output does not have the input's shape.")
            return
        out = out.reshape(y.shape)
        self.errors = np.mean((out.reshape(len(y), -1) - y.reshape(len(y), -1)) ** 2, axis=1)
        self.worst = np.argsort(self.errors)[::-1][:WORST]
        lo, hi = float(np.min(y)), float(np.max(y))
        levels = (lo, hi if hi > lo else lo + 1.0)
        denoising = bool(self.dataset.params.get("input_noise"))
        k = min(SHOWN, len(x))
        rows = [as_images(x[:k]), as_images(out[:k])] + ([as_images(y[:k])] if denoising else [])
        self.row_names = ["input", "output"] + (["clean"] if denoising else [])
        self._draw(self.samples_plot, self.samples_image, rows, levels)
        self.samples_plot.setTitle("Noisy inputs, outputs, clean targets" if denoising else
                                   "Inputs (top), reconstructions (below)", size="9pt")
        w = self.worst
        self._draw(self.worst_plot, self.worst_image, [as_images(y[w]), as_images(out[w])], levels)
        mean = float(self.errors.mean())
        ratio = f" ({self.baseline / mean:.1f}× better)" if mean > 0 and math.isfinite(self.baseline) else ""
        noisy = ""
        if denoising:
            noise = float(np.mean((x.reshape(len(x), -1) - y.reshape(len(y), -1)) ** 2))
            noisy = f" · the noisy input's error {noise:.4f}"
        self.summary.setText(f"{name}: mean squared error per sample <b>{mean:.4f}</b> · the mean image "
                             f"{self.baseline:.4f}{ratio}{noisy} · the worst (left to right): "
                             + ", ".join(f"{self.errors[i]:.3f}" for i in w))

    def _draw(self, plot, image, rows: list[np.ndarray], levels) -> None:
        k, h, w = rows[0].shape
        tiles, _nrows, _ncols = mosaic(np.concatenate(rows), ncols=k)     # one row of the mosaic per kind
        image.setImage(tiles, autoLevels=False, levels=levels)
        plot.setRange(xRange=(0, tiles.shape[1]), yRange=(0, tiles.shape[0]), padding=0.02)
