"""Weights of one layer: the kernel as a heatmap (diverging colours, symmetric levels, colour bar), conv
kernels as a grid of filter images, and the distribution of the weights over time as stacked
histograms (TensorBoard's "offset" view: the newest at the front, older ones behind it).

A Dense layer fed straight from an image (e.g. the digits flattened to 64 inputs) is also shown as one
small image per unit: the pattern each unit responds to.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnviz.ui.training.common import (ORANGE, arrange_plots, describe_layer, diverging_cmap, info_label, is_wide,
                                      make_layout_widget, mosaic, sticky_levels, style_plot, symmetric_levels,
                                      theme_colors)

MAX_CHANNELS = 16
MAX_FILTERS = 32
HISTORY = 24          # histograms kept for the distribution view
BINS = 61


class WeightsView(QWidget):
    def __init__(self, parent: QWidget | None = None, histogram_interval: float = 0.25):
        super().__init__(parent)
        self.setObjectName("weightsView")
        self.histogram_interval = histogram_interval
        self._layers: list[dict] = []
        self._snapshot = None
        self._hist: list[tuple[np.ndarray, np.ndarray, float]] = []   # (bin centres, heights, epoch)
        self._last_hist = -math.inf
        self._last_hist_step = -1
        self._mode = "matrix"

        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("weightsLayer")
        self.layer_combo.setToolTip("The layer whose kernel is shown")
        self.fields_box = QCheckBox("Units as images")
        self.fields_box.setToolTip("For a Dense layer fed straight from an image: each unit's weights drawn "
                                   "in the image's shape")
        self.fields_box.setChecked(True)
        self.fields_box.setVisible(False)
        self.info = info_label(" ", "weightsInfo")
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer:"))
        top.addWidget(self.layer_combo, 1)
        top.addWidget(self.fields_box)

        self.graphics = make_layout_widget()
        self.kernel_plot = self.graphics.addPlot(row=0, col=0)
        style_plot(self.kernel_plot, title="kernel", bottom="unit", left="input")
        self.kernel_plot.invertY(True)
        self.kernel_plot.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.kernel_plot.addItem(self.image)
        self.kernel_plot.getViewBox().disableAutoRange()
        self._extent = None
        self.colorbar = pg.ColorBarItem(values=(-1, 1), colorMap=diverging_cmap(), label="weight",
                                        interactive=False, width=14, colorMapMenu=False)
        self.colorbar.setImageItem(self.image, insert_in=self.kernel_plot)
        _bg, fg = theme_colors()
        for name in ("right",):
            axis = self.colorbar.getAxis(name) if hasattr(self.colorbar, "getAxis") else None
            if axis is not None:
                axis.setTextPen(pg.mkPen(fg))
        self.hist_plot = self.graphics.addPlot(row=1, col=0)
        style_plot(self.hist_plot, title="distribution over time (newest in front)", bottom="weight value",
                   left="epoch")
        self.hist_plot.getAxis("left").setStyle(tickLength=0)
        self.hist_plot.getViewBox().disableAutoRange()
        self._hist_level = None
        self._hist_rows = 0
        self._level = None
        self._ticks = None
        self._wide = False
        arrange_plots(self.graphics, [self.kernel_plot, self.hist_plot], [3, 2], False)
        self.hist_curves: list[pg.PlotDataItem] = []
        for i in range(HISTORY):   # slot 0 = newest, at the bottom and in front
            age = i / (HISTORY - 1)
            r, g, b = (int(c + (255 - c) * 0.75 * age) for c in ORANGE)
            item = pg.PlotDataItem(pen=pg.mkPen((r * 0.7, g * 0.7, b * 0.7), width=1),
                                   fillLevel=self._offset(i), brush=pg.mkBrush(r, g, b))  # opaque: no blending
            item.setZValue(HISTORY - i)
            self.hist_plot.addItem(item)
            self.hist_curves.append(item)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.info)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_combo_changed)
        self.fields_box.toggled.connect(self._on_layer_combo_changed)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        wide = is_wide(self, 1.5)
        if wide != self._wide:  # a short, wide dock: kernel and distribution side by side
            self._wide = wide
            arrange_plots(self.graphics, [self.kernel_plot, self.hist_plot], [3, 2], wide)

    @staticmethod
    def _offset(slot: int) -> float:
        return 0.45 * slot

    # ------------------------------------------------------------------ context
    def set_model(self, model, dataset=None) -> None:
        """Offer the layers of ``model`` that have a kernel; ``dataset`` tells image-shaped inputs apart."""
        self._layers = []
        current = self.layer_combo.currentText()
        if model is not None and model.built:
            keys = model.weight_keys()
            prev_shape = model.input_shape[1:]
            image_shape = None
            if dataset is not None and len(getattr(dataset, "input_shape", ())) == 3:
                image_shape = dataset.input_shape
            elif dataset is not None and getattr(dataset, "kind", "") == "images":
                side = int(round(math.sqrt(prev_shape[-1])))
                image_shape = (side, side, 1) if side * side == prev_shape[-1] else None
            for i, layer in enumerate(model.layers):
                key = f"{layer.name}/kernel"
                if key in keys:
                    fields = None
                    if layer.layer_type == "Dense" and i == 0 and image_shape is not None and \
                            int(np.prod(image_shape)) == prev_shape[-1]:
                        fields = image_shape[:2]
                    self._layers.append({"index": keys.index(key), "name": layer.name,
                                         "type": layer.layer_type, "label": describe_layer(layer),
                                         "shape": tuple(layer.params["kernel"].shape), "fields": fields})
                prev_shape = layer.output_shape[1:]
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for entry in self._layers:
            shape = "×".join(str(s) for s in entry["shape"])
            self.layer_combo.addItem(f"{entry['label']}  ({shape})")
        names = [self.layer_combo.itemText(i) for i in range(self.layer_combo.count())]
        if current in names:
            self.layer_combo.setCurrentIndex(names.index(current))
        self.layer_combo.blockSignals(False)
        self._on_layer_combo_changed()

    def clear(self) -> None:
        self.image.clear()
        self._hist = []
        self._last_hist = -math.inf
        self._level = None
        self._hist_level = None
        self._hist_rows = 0
        for item in self.hist_curves:
            item.setData([], [])
        self.info.setText(" ")
        self._snapshot = None

    def _entry(self):
        i = self.layer_combo.currentIndex()
        return self._layers[i] if 0 <= i < len(self._layers) else None

    def _on_layer_combo_changed(self, *_args) -> None:
        entry = self._entry()
        self.fields_box.setVisible(bool(entry and entry["fields"]))
        self._hist = []
        self._last_hist = -math.inf
        self._level = None
        self._ticks = None
        self._extent = None
        self._hist_level = None
        self._hist_rows = 0
        for item in self.hist_curves:
            item.setData([], [])
        if entry is None:
            self.image.clear()
            return
        if entry["type"] == "Conv2D":
            self._mode = "filters"
        elif entry["fields"] and self.fields_box.isChecked():
            self._mode = "fields"
        else:
            self._mode = "matrix"
        self._set_axes(entry)
        if self._snapshot is not None:
            self.update_snapshot(self._snapshot, force=True)

    def _set_axes(self, entry) -> None:
        plot = self.kernel_plot
        shape = entry["shape"]
        left, bottom = plot.getAxis("left"), plot.getAxis("bottom")
        if self._mode == "matrix":
            plot.setTitle(f"{entry['name']} kernel: {shape[0]} inputs × {shape[1]} units")
            plot.setLabel("bottom", "unit (output of the layer)")
            plot.setLabel("left", "input")
            left.setTicks(None)
            bottom.setTicks(None)
            plot.setAspectLocked(False)
        elif self._mode == "fields":
            h, w = entry["fields"]
            plot.setTitle(f"{entry['name']}: each unit's {shape[0]} weights as a {h}×{w} image")
            plot.setLabel("bottom", "unit")
            plot.setLabel("left", "")
            plot.setAspectLocked(True)
        else:
            kh, kw, cin, filters = shape
            plot.setTitle(f"{entry['name']}: {filters} filters of {kh}×{kw}"
                          + (f" × {cin} input channels" if cin > 1 else ""))
            plot.setLabel("bottom", "filter" if cin > 1 else "filter (row start on the left)")
            plot.setLabel("left", "input channel")
            plot.setAspectLocked(True)

    # ------------------------------------------------------------------ drawing
    def update_snapshot(self, snap, force: bool = False) -> None:
        self._snapshot = snap
        entry = self._entry()
        if entry is None or entry["index"] >= len(snap.weights):
            return
        kernel = snap.weights[entry["index"]]
        if tuple(kernel.shape) != entry["shape"]:
            return
        self._level = sticky_levels(self._level, symmetric_levels(kernel)[1])
        lo, hi = -self._level, self._level
        if self._mode == "matrix":
            self.image.setImage(kernel, autoLevels=False, levels=(lo, hi))
            self.image.setRect(0, 0, kernel.shape[1], kernel.shape[0])
        elif self._mode == "fields":
            h, w = entry["fields"]
            units = kernel.shape[1]
            images = kernel.T.reshape(units, h, w)
            tiled, rows, cols = mosaic(images, ncols=min(units, 8), gap=1)
            self.image.setImage(tiled, autoLevels=False, levels=(lo, hi))
            self.image.setRect(0, 0, tiled.shape[1], tiled.shape[0])
            self._grid_ticks(rows, cols, h, w, units)
        else:
            kh, kw, cin, filters = kernel.shape
            c, f = min(cin, MAX_CHANNELS), min(filters, MAX_FILTERS)
            images = kernel[:, :, :c, :f].transpose(2, 3, 0, 1).reshape(c * f, kh, kw)
            # one input channel: the filters in the grid that makes them largest in the plot; several: a row
            # per input channel, a column per filter
            ncols = self._best_columns(f, kh, kw) if c == 1 else f
            tiled, rows, _cols = mosaic(images, ncols=ncols, gap=1)
            self.image.setImage(tiled, autoLevels=False, levels=(lo, hi))
            self.image.setRect(0, 0, tiled.shape[1], tiled.shape[0])
            if self._ticks != ("filters", kh, kw, c, f, ncols):  # setTicks redraws the axis: only on a change
                self._ticks = ("filters", kh, kw, c, f, ncols)
                step_x, step_y = kw + 1, kh + 1
                every = max(1, ncols // 16)
                self.kernel_plot.getAxis("bottom").setTicks(
                    [[(j * step_x + kw / 2, str(j)) for j in range(0, ncols, every)]])
                if c == 1:
                    self.kernel_plot.setLabel("left", "")
                    self.kernel_plot.getAxis("left").setTicks(
                        [[(i * step_y + kh / 2, f"{i * ncols}+") for i in range(rows)]] if rows > 1 else [[]])
                else:
                    self.kernel_plot.setLabel("left", "input channel")
                    self.kernel_plot.getAxis("left").setTicks([[(i * step_y + kh / 2, str(i)) for i in range(c)]])
        self.colorbar.setLevels((lo, hi))
        shape = self.image.image.shape if self.image.image is not None else None
        if shape is not None and (self._mode, shape) != self._extent:  # fit the view when the picture changes size
            self._extent = (self._mode, shape)
            self.kernel_plot.getViewBox().setRange(xRange=(0, shape[1]), yRange=(0, shape[0]), padding=0.02)
        finite = kernel[np.isfinite(kernel)]
        more = ""
        if self._mode == "filters" and (kernel.shape[2] > MAX_CHANNELS or kernel.shape[3] > MAX_FILTERS):
            more = f" · showing {min(kernel.shape[3], MAX_FILTERS)} filters × {min(kernel.shape[2], MAX_CHANNELS)} channels"
        self.info.setText(f"{entry['name']}/kernel {'×'.join(map(str, kernel.shape))} · "
                          f"max |w| {symmetric_levels(kernel)[1]:.3g} · "
                          f"mean |w| {float(np.abs(finite).mean()) if finite.size else 0:.3g} · "
                          f"epoch {snap.fractional_epoch:.2f}{more}")
        self._update_histograms(snap, kernel, force)

    def _best_columns(self, n: int, h: int, w: int) -> int:
        """Columns for ``n`` images of ``h``×``w`` (1-pixel gaps) that make them largest in the plot."""
        rect = self.kernel_plot.getViewBox().boundingRect()
        width, height = max(rect.width(), 1.0), max(rect.height(), 1.0)
        best, best_scale = n, 0.0
        for cols in range(1, n + 1):
            rows = -(-n // cols)
            scale = min(width / (cols * (w + 1)), height / (rows * (h + 1)))
            if scale > best_scale * 1.05:
                best, best_scale = cols, scale
        return best

    def _grid_ticks(self, rows, cols, h, w, units) -> None:
        if self._ticks == ("fields", rows, cols, h, w):
            return
        self._ticks = ("fields", rows, cols, h, w)
        self.kernel_plot.getAxis("bottom").setTicks([[(c * (w + 1) + w / 2, str(c)) for c in range(cols)]])
        self.kernel_plot.getAxis("left").setTicks([[(r * (h + 1) + h / 2, f"{r * cols}+") for r in range(rows)]])

    def _update_histograms(self, snap, kernel, force: bool) -> None:
        now = time.perf_counter()
        changed = snap.step != self._last_hist_step
        if not changed or (not force and now - self._last_hist < self.histogram_interval and snap.state == "running"):
            return
        self._last_hist = now
        self._last_hist_step = snap.step
        values = kernel[np.isfinite(kernel)].ravel()
        if not values.size:
            return
        lo, hi = symmetric_levels(values)
        bins = int(np.clip(2 * np.sqrt(values.size), 9, BINS))  # few weights, few bins: no comb of spikes
        counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
        heights = counts / max(counts.max(), 1)
        centres = (edges[:-1] + edges[1:]) / 2
        self._hist.insert(0, (centres, heights, snap.fractional_epoch))
        del self._hist[HISTORY:]
        ticks = []
        for slot, item in enumerate(self.hist_curves):
            if slot < len(self._hist):
                x, hgt, epoch = self._hist[slot]
                item.setData(x, hgt + self._offset(slot))
                if slot in (0, len(self._hist) - 1):
                    ticks.append((self._offset(slot), f"{epoch:.1f}"))
            elif item.xData is not None and len(item.xData):
                item.setData([], [])
        self.hist_plot.getAxis("left").setTicks([ticks])  # changes with each new histogram (≤ 2 a second)
        m = max(float(np.abs(x).max()) for x, _h, _e in self._hist)
        level = sticky_levels(self._hist_level, m)
        rows = min(len(self._hist), HISTORY)
        if (level, rows) != (self._hist_level, self._hist_rows):  # symmetric about 0, moved in nice steps only
            self._hist_level, self._hist_rows = level, rows
            self.hist_plot.setRange(xRange=(-level, level), yRange=(0.0, self._offset(rows - 1) + 1.1), padding=0)
