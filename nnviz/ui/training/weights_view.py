"""Weights of one layer: the kernel as a heatmap (diverging colours, symmetric levels, colour bar), conv
kernels as a grid of filter images, and the distribution of the weights over time as a ridgeline
(TensorBoard's "offset" histograms): one density curve per sampled moment, each on the epoch it was taken at
(the start at the top, behind; now at the bottom, in front), at most ``RIDGES`` of them spread evenly over the run.

A Dense layer fed straight from an image (e.g. the digits flattened to 64 inputs) is also shown as one
small image per unit: the pattern each unit responds to.

A small kernel (the playground's 2×4 or 8×8) is drawn with square-ish cells, one tick per row and column at
the cell centres (the data set's feature names on the inputs of the first layer); a large one fills the plot,
with every n-th row and column labelled so the labels never overlap.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnviz.core.data.images import dataset_image_shape
from nnviz.ui.training.common import (ORANGE, arrange_plots, describe_layer, diverging_cmap, info_label,
                                      make_layout_widget, mosaic, sticky_levels, style_plot,
                                      symmetric_levels, theme_colors)
from nnviz.ui.training.plot_title import fit_title, is_short, set_title
from nnviz.ui.training.ridges import RIDGES, RidgeHistory, epoch_ticks, nice_step, weight_density

MAX_CHANNELS = 16
MAX_FILTERS = 32
#: a kernel up to this many rows and columns is drawn with square-ish cells (width / height within
#: ``CELL_RATIO`` and its inverse); a larger one fills the plot
SMALL_KERNEL = 16
CELL_RATIO = 1.5
#: while training, a kernel's distribution is redrawn every ``histogram_interval`` seconds, longer for a big one (one
#: more interval per this many weights, at most four): a redraw of the 24 ridges costs ~8 ms, and MNIST's first layer
#: (200,704 weights) changes its spread slowly
HIST_WEIGHTS_PER_INTERVAL = 50_000
#: the distribution of a bigger kernel is estimated from an even sample of this many of its weights
DENSITY_SAMPLE = 50_000


#: the gate blocks of a recurrent layer's kernels, in Keras' order
GATES = {"LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h"), "SimpleRNN": ()}

#: the graphics' room for the two plots side by side, and one above the other
SIDE_MIN_WIDTH, STACK_MIN_HEIGHT = 380, 280
HIST_TITLES = {False: "distribution over time (newest in front)", True: "distribution"}
HIST_TIP = ("How the layer's weights are spread, from the start of training (at the top, behind) to now (at the "
            "bottom, in front); the axis says at which epoch each curve was taken")

class WeightsView(QWidget):
    def __init__(self, parent: QWidget | None = None, histogram_interval: float = 0.25):
        super().__init__(parent)
        self.setObjectName("weightsView")
        self.histogram_interval = histogram_interval
        self._layers: list[dict] = []
        self._snapshot = None
        self._ridges = RidgeHistory()
        self._last_hist = -math.inf
        self._last_hist_step = -1
        self._mode = "matrix"
        self._titles = ("kernel", "kernel")

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
        for name in ("left", "bottom"):
            self.kernel_plot.getAxis(name).setStyle(tickLength=-4)   # short ticks at the cell centres
        self.image = pg.ImageItem(axisOrder="row-major")
        self.kernel_plot.addItem(self.image)
        self.kernel_plot.getViewBox().disableAutoRange()
        self.kernel_plot.getViewBox().sigResized.connect(self._on_kernel_view_resized)
        self._extent = None
        self._matrix_key = None
        _bg, fg = theme_colors()
        self.colorbar = pg.ColorBarItem(values=(-1, 1), colorMap=diverging_cmap(), interactive=False, width=12,
                                        colorMapMenu=False)
        self.colorbar.setImageItem(self.image, insert_in=self.kernel_plot)
        axis = self.colorbar.getAxis("right")   # the bar's scale: plain numbers in the theme's text colour
        axis.setPen(pg.mkPen(fg))
        axis.setTextPen(pg.mkPen(fg))
        axis.enableAutoSIPrefix(False)
        axis.setLabel("weight", color=fg.name())
        axis.setStyle(tickLength=3, tickTextOffset=2)
        self.hist_plot = self.graphics.addPlot(row=1, col=0)
        style_plot(self.hist_plot, title=HIST_TITLES[False], bottom="weight value", left="epoch")
        for plot in (self.kernel_plot, self.hist_plot):
            set_title(plot, plot.titleLabel.text)
        self.hist_plot.getAxis("left").setStyle(tickLength=0)
        self.hist_plot.getViewBox().disableAutoRange()
        self._hist_level = None
        self._hist_view = None
        self._level = None
        self._ticks = None
        self._wide = False
        self._arrangement = "stacked"
        self._arranging = False
        self._side_min = 0.0   # learnt: the width below which the plots did not fit side by side
        self._hist_tick_len = 0
        arrange_plots(self.graphics, [self.kernel_plot, self.hist_plot], [3, 2], False)
        self.graphics.ci.layout.setSpacing(0)   # (an empty row or column of the grid would still get spacing)
        self.graphics.installEventFilter(self)
        self.hist_plot.invertY(True)   # time runs down the axis: the start at the top, behind; now at the bottom
        self.hist_curves: list[pg.PlotDataItem] = []
        for i in range(RIDGES):   # item i draws the i-th oldest distribution; the newer in front of the older
            item = pg.PlotDataItem(fillLevel=0.0)
            item.setZValue(i)
            self.hist_plot.addItem(item)
            self.hist_curves.append(item)
        self._ridge_colors = None
        self.restyle()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.info)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_combo_changed)
        self.fields_box.toggled.connect(self._on_layer_combo_changed)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.graphics and event.type() == QEvent.Type.Resize:
            self._arrange()
        return False

    def _arrange(self) -> None:
        """Kernel and distribution one above the other in a tall dock, side by side in a short, wide one (the
        bottom row), the kernel alone when the dock is too small for both (the distribution comes back when
        it is made larger). Side by side only when both plots fit: a plot is never narrower than its axes,
        title and colour bar, and the grid would push the distribution out of the dock."""
        if self._arranging:
            return
        self._arranging = True
        try:
            size = self.graphics.size()
            width, height = size.width(), size.height()
            side_ok = width >= max(SIDE_MIN_WIDTH, self._side_min)
            fallback = "stacked" if height >= STACK_MIN_HEIGHT else "kernel"
            if height >= STACK_MIN_HEIGHT and width < 1.3 * height:
                mode = "stacked"
            else:
                mode = "side" if side_ok else fallback
            self._set_arrangement(mode)
            if mode == "side":
                need = self._side_need()
                if need > width:
                    self._side_min = need
                    mode = fallback
                    self._set_arrangement(mode)
            # the kernel gets about two thirds of the room (the grid's stretch factors alone leave the plots
            # equal, as both ask for the same size)
            big = 1_000_000
            if mode == "side":
                self.hist_plot.setMaximumHeight(big)
                self.hist_plot.setMaximumWidth(max(150, int(0.38 * width)))
            else:
                self.hist_plot.setMaximumWidth(big)
                self.hist_plot.setMaximumHeight(max(70, int(0.36 * height)))
        finally:
            self._arranging = False

    def _side_need(self) -> float:
        """The graphics' width the two plots need side by side, with their titles, axes and tick labels now."""
        left, _top, right, _bottom = self.graphics.ci.layout.getContentsMargins()
        return (self.kernel_plot.effectiveSizeHint(Qt.SizeHint.MinimumSize).width()
                + self.hist_plot.effectiveSizeHint(Qt.SizeHint.MinimumSize).width() + left + right + 2)

    def _set_arrangement(self, mode: str) -> None:
        if mode != self._arrangement:
            self._arrangement = mode
            self._wide = mode != "stacked"
            grid = self.graphics.ci.layout
            if mode == "kernel":
                grid.removeItem(self.hist_plot)
                self.hist_plot.hide()
                arrange_plots(self.graphics, [self.kernel_plot], [1], False)
            else:
                if self.hist_plot.parentLayoutItem() is None or not self.hist_plot.isVisibleTo(self.graphics.ci):
                    grid.addItem(self.hist_plot, 1, 0)   # back from "kernel"
                    self.hist_plot.show()
                arrange_plots(self.graphics, [self.kernel_plot, self.hist_plot], [3, 2], self._wide)
            # the grid keeps its second row and column when they empty: no room for them
            big = 1_000_000
            grid.setRowMaximumHeight(1, big if mode == "stacked" else 0)
            grid.setColumnMaximumWidth(1, big if mode == "side" else 0)
            # room between the plots: the colour bar's label apart from the distribution's axis
            self.hist_plot.setContentsMargins(16 if mode == "side" else 0, 10 if mode == "stacked" else 0, 0, 0)
        self._apply_title()   # (side by side, the distribution's title is a short one)

    @property
    def arrangement(self) -> str:
        """"stacked", "side" (by side) or "kernel" (alone)."""
        return self._arrangement

    def restyle(self) -> None:
        """The distributions' colours follow the theme: the newest in full orange, older ones fading towards the
        background (opaque fills: the one in front hides what is behind it, as in TensorBoard)."""
        self._ridge_colors = None
        self._draw_ridges()

    def _paint_ridges(self, n: int) -> None:
        bg, _fg = theme_colors()
        key = (n, bg.name())
        if key == self._ridge_colors:
            return
        self._ridge_colors = key
        back = bg.getRgb()[:3]
        for i, item in enumerate(self.hist_curves):
            age = (n - 1 - i) / max(RIDGES - 1, 1) if i < n else 0.0
            fill = tuple(int(c + (b - c) * 0.7 * age) for c, b in zip(ORANGE, back))
            edge = tuple(int(c * 0.65) for c in ORANGE)
            item.setPen(pg.mkPen(edge, width=1))
            item.setBrush(pg.mkBrush(*fill))

    # ------------------------------------------------------------------ context
    def set_model(self, model, dataset=None) -> None:
        """Offer the layers of ``model`` that have a kernel; ``dataset`` tells image-shaped inputs apart."""
        self._layers = []
        current = self.layer_combo.currentText()
        if model is not None and model.built:
            keys = model.weight_keys()
            prev_shape = model.input_shape[1:]
            image = dataset_image_shape(dataset)
            for i, layer in enumerate(model.layers):
                key = f"{layer.name}/kernel"
                if key in keys:
                    fields = None
                    if layer.layer_type == "Dense" and i == 0 and image is not None and \
                            image[0] * image[1] == prev_shape[-1]:
                        fields = image   # a flattened image's pixels: each unit's weights drawn as an image
                    names = list(getattr(dataset, "feature_names", None) or []) if i == 0 else []
                    inputs = names if names and len(names) == prev_shape[-1] and \
                        max(len(str(n)) for n in names) <= 10 else None
                    gates = GATES.get(layer.layer_type)
                    self._layers.append({"index": keys.index(key), "name": layer.name,
                                         "type": layer.layer_type, "label": describe_layer(layer),
                                         "shape": tuple(layer.params["kernel"].shape), "fields": fields,
                                         "inputs": inputs, "gates": gates, "weight": "kernel", "rows": "input"})
                    if gates is not None:   # a recurrent layer: its recurrent kernel too, h_(t−1) → gates
                        self._layers.append({**self._layers[-1], "index": keys.index(f"{layer.name}/recurrent_kernel"),
                                             "label": describe_layer(layer) + " · recurrent",
                                             "shape": tuple(layer.params["recurrent_kernel"].shape), "inputs": None,
                                             "weight": "recurrent kernel", "rows": "state h(t−1)"})
                prev_shape = layer.output_shape[1:]
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for entry in self._layers:
            shape = "×".join(str(s) for s in entry["shape"])
            self.layer_combo.addItem(f"{entry['label']}  ({shape})")
        names = [self.layer_combo.itemText(i) for i in range(self.layer_combo.count())]
        if current in names:
            self.layer_combo.setCurrentIndex(names.index(current))
        # an empty list said nothing: say why there are no layers to pick
        self.layer_combo.setPlaceholderText("none: the network cannot train yet" if model is None else
                                            "no layer with weights")
        self.layer_combo.setEnabled(bool(self._layers))
        if self.layer_combo.currentIndex() < 0 and self._layers:   # (with a placeholder Qt selects no first item)
            self.layer_combo.setCurrentIndex(0)
        self.layer_combo.blockSignals(False)
        self._on_layer_combo_changed()

    def clear(self) -> None:
        self.image.clear()
        self._ridges.clear()
        self._last_hist = -math.inf
        self._last_hist_step = -1   # the next snapshot draws a histogram, even the same step's
        self._level = None
        self._hist_level = None
        self._hist_view = None
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
        self._ridges.clear()
        self._last_hist = -math.inf
        self._last_hist_step = -1   # the next snapshot draws a histogram, even the same step's
        self._level = None
        self._ticks = None
        self._extent = None
        self._matrix_key = None
        self._hist_level = None
        self._hist_view = None
        for item in self.hist_curves:
            item.setData([], [])
        self._side_min = 0.0
        if entry is None:   # nothing to show: no title, ticks or numbers of the layer before
            self.image.clear()
            self.info.setText(" ")
            self._titles = ("", "")
            for name in ("left", "bottom"):
                self.kernel_plot.getAxis(name).setTicks([[], []])
            self._arrange()
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
        self._arrange()

    def _set_axes(self, entry) -> None:
        plot = self.kernel_plot
        shape = entry["shape"]
        name = entry["name"]
        if self._mode == "matrix":
            weight, rows, gates = entry.get("weight", "kernel"), entry.get("rows", "input"), entry.get("gates")
            if gates:
                units = shape[1] // len(gates)
                self._titles = (f"{name} {weight}: {shape[0]} × ({len(gates)} gates × {units} units)",
                                f"{name} {weight}")
                plot.setLabel("bottom", "gate (a block of units each)")
            else:
                # the course's w_jk^(l): unit j (column here), input k (row): said on the axes so no one misreads it
                self._titles = (f"{name} {weight}: {shape[0]} {'inputs k' if rows == 'input' else 'states'} × "
                                f"{shape[1]} units j" + (" · cell = w_jk" if rows == "input" else ""),
                                f"{name} {weight}")
                plot.setLabel("bottom", "unit j")
            plot.setLabel("left", "input k" if rows == "input" and not gates else rows)
        elif self._mode == "fields":
            h, w = entry["fields"]
            self._titles = (f"{name}: each unit's {shape[0]} weights as {h}×{w} pixels",
                            f"{name}: units as {h}×{w} images")
            plot.setLabel("bottom", "unit")
            plot.setLabel("left", "")
            plot.setAspectLocked(True)
        else:
            kh, kw, cin, filters = shape
            self._titles = (f"{name}: {filters} filters of {kh}×{kw}" + (f" × {cin} input channels" if cin > 1 else ""),
                            f"{name}: {filters} filters {kh}×{kw}")
            plot.setLabel("bottom", "filter" if cin > 1 else "filter (row start on the left)")
            plot.setLabel("left", "input channel")
            plot.setAspectLocked(True)
        self._apply_title()
        if self._mode == "matrix":
            self._fit_matrix()

    def _apply_title(self) -> None:
        """The kernel plot's full title when it fits, else the short one (a plot is never narrower than its
        title, so a long one would push the distribution out of a narrow dock); in a short dock none (the
        distribution's neither), the title as the kernel's tool tip."""
        room = self.graphics.width() * (0.62 if self._arrangement == "side" else 1.0) - 140   # minus axes, colour bar
        short_dock = is_short(self.height())
        fit_title(self.kernel_plot, *self._titles, room, short_dock)
        hist = "" if short_dock else HIST_TITLES[self._wide]
        if hist != self.hist_plot.titleLabel.text or bool(hist) != self.hist_plot.titleLabel.isVisible():
            set_title(self.hist_plot, hist)
        self.hist_plot.setToolTip(HIST_TIP if self._wide or short_dock else "")

    # ------------------------------------------------------------------ drawing
    def update_snapshot(self, snap, force: bool = False) -> None:
        self._snapshot = snap
        entry = self._entry()
        if entry is None or entry["index"] >= len(snap.weights):
            return
        kernel = snap.weights[entry["index"]]
        if tuple(kernel.shape) != entry["shape"]:
            return
        top = symmetric_levels(kernel)[1]
        self._level = sticky_levels(self._level, top)
        lo, hi = -self._level, self._level
        if self._mode == "matrix":
            self.image.setImage(kernel, autoLevels=False, levels=(lo, hi))
            self.image.setRect(0, 0, kernel.shape[1], kernel.shape[0])
            self._fit_matrix()
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
                self._arrange()   # (new tick labels: the plots may no longer fit side by side)
        if self.colorbar.levels() != (lo, hi):   # three labels, readable on a short bar: -m, 0, m
            self.colorbar.setLevels((lo, hi))
            self.colorbar.getAxis("right").setTicks([[(lo, f"{lo:g}"), (0.0, "0"), (hi, f"{hi:g}")], []])
        shape = self.image.image.shape if self.image.image is not None else None
        if shape is not None and (self._mode, shape) != self._extent:  # fit the view when the picture changes size
            self._extent = (self._mode, shape)
            self.kernel_plot.getViewBox().setRange(xRange=(0, shape[1]), yRange=(0, shape[0]), padding=0.02)
        magnitude = np.abs(kernel)
        mean = float(magnitude.mean()) if kernel.size else 0.0
        if not math.isfinite(mean):
            finite = magnitude[np.isfinite(magnitude)]
            mean = float(finite.mean()) if finite.size else 0.0
        more = ""
        if self._mode == "filters" and (kernel.shape[2] > MAX_CHANNELS or kernel.shape[3] > MAX_FILTERS):
            more = f" · showing {min(kernel.shape[3], MAX_FILTERS)} filters × {min(kernel.shape[2], MAX_CHANNELS)} channels"
        self.info.setText(f"max |w| {top:.3g} · mean |w| {mean:.3g} · "
                          f"epoch {snap.epoch}{more}")   # whole epochs, as the status bar counts them
        self._update_histograms(snap, kernel, force, top)

    def _on_kernel_view_resized(self, *_args) -> None:
        if self._mode == "matrix":
            self._fit_matrix()

    def _fit_matrix(self) -> None:
        """The kernel matrix's cells square-ish when it is small (it fills the plot when large), and one tick
        label per row and column, or every n-th when they would overlap. Only redrawn on a change."""
        entry = self._entry()
        if entry is None or self._mode != "matrix":
            return
        rows, cols = entry["shape"]
        vb = self.kernel_plot.getViewBox()
        rect = vb.boundingRect()
        width, height = max(rect.width(), 1.0), max(rect.height(), 1.0)
        small = max(rows, cols) <= SMALL_KERNEL
        ratio = None
        if small:   # cell width / height that would fill the plot, kept near 1
            fill = (width / cols) / (height / rows)
            ratio = round(min(max(fill, 1 / CELL_RATIO), CELL_RATIO), 2)
        # pixels per cell once the picture sits in the plot (aspect-locked: the tighter direction rules)
        if ratio is None:
            px_x, px_y = width / cols, height / rows
        else:
            scale_y = min(height / rows, width / (cols * ratio))
            px_x, px_y = scale_y * ratio, scale_y
        inputs = entry.get("inputs")
        fm_w = 7.5   # about a digit's width in pixels at the axis font
        label_w = fm_w * max(len(str(cols - 1)), 1) + 8
        step_x = nice_step(cols, int(cols * px_x / label_w))
        step_y = nice_step(rows, int(rows * px_y / 15))
        key = (rows, cols, ratio, step_x, step_y, tuple(inputs) if inputs else None)
        if key == self._matrix_key:
            return
        self._matrix_key = key
        plot = self.kernel_plot
        if ratio is None:
            plot.setAspectLocked(False)
        else:
            plot.setAspectLocked(True, ratio=ratio)
        gates = entry.get("gates")
        if gates:   # one label per gate block, at its middle
            block = cols / len(gates)
            plot.getAxis("bottom").setTicks([[(g * block + block / 2, name) for g, name in enumerate(gates)], []])
        else:
            plot.getAxis("bottom").setTicks([[(j + 0.5, str(j)) for j in range(0, cols, step_x)], []])
        if inputs and step_y == 1:
            left = [(i + 0.5, str(name)) for i, name in enumerate(inputs)]
        else:
            left = [(i + 0.5, str(i)) for i in range(0, rows, step_y)]
        plot.getAxis("left").setTicks([left, []])
        vb.setRange(xRange=(0, cols), yRange=(0, rows), padding=0.02)
        self._arrange()

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
        self._arrange()

    def _update_histograms(self, snap, kernel, force: bool, level: float) -> None:
        now = time.perf_counter()
        changed = snap.step != self._last_hist_step
        interval = self.histogram_interval * min(4.0, max(1.0, kernel.size / HIST_WEIGHTS_PER_INTERVAL))
        if not changed or (not force and now - self._last_hist < interval and snap.state == "running"):
            return
        self._last_hist = now
        self._last_hist_step = snap.step
        values = kernel.ravel()
        if values.size > DENSITY_SAMPLE:   # an even sample draws the same curve in a quarter of the time
            values = values[::-(-values.size // DENSITY_SAMPLE)]
        finite = values[np.isfinite(values)]
        if not finite.size:
            return
        if finite.size < values.size:   # (diverging: the largest finite magnitude spans the curve)
            level = symmetric_levels(finite)[1]
        values = finite
        epoch = snap.fractional_epoch if snap.steps_per_epoch else float(snap.epoch)
        self._ridges.add(epoch, *weight_density(values, level))
        self._draw_ridges()

    def _draw_ridges(self) -> None:
        """Each distribution on the epoch it was taken at (the axis is the epoch, so its labels are true ones),
        rising towards the older ones behind it; as tall as about two of the gaps between them."""
        ridges = self._ridges.ridges
        n = len(ridges)
        if not n:
            return
        first, last = ridges[0][0], ridges[-1][0]
        span = last - first
        # about two gaps tall, but with few curves (a run of 200 epochs in a third of a second gives two) no taller
        # than 60 % of the run: the epoch axis keeps most of the plot
        height = min(2.2 * span / (n - 1), 0.6 * span) if n > 1 and span > 0 else 1.0
        self._paint_ridges(n)
        for i, item in enumerate(self.hist_curves):
            if i < n:
                epoch, x, density = ridges[i]
                item.setData(x, epoch - height * density, fillLevel=epoch)   # one update of the item, not two
            elif item.xData is not None and len(item.xData):
                item.setData([], [])
        level = sticky_levels(self._hist_level, max(float(np.abs(x).max()) for _e, x, _d in ridges))
        top, bottom = first - 1.04 * height, last + 0.02 * height
        view = (level, round(top, 9), round(bottom, 9))
        if view != self._hist_view:   # symmetric about 0 in nice steps; the epochs as far as the run has come
            self._hist_view = view
            self._hist_level = level
            self.hist_plot.setRange(xRange=(-level, level), yRange=(top, bottom), padding=0)
        room = int(self.hist_plot.getViewBox().boundingRect().height() / 28) or 1
        ticks = epoch_ticks(first, last, min(room, 5))
        self.hist_plot.getAxis("left").setTicks([ticks, []])
        widest = max((len(t) for _v, t in ticks), default=0)
        if widest != self._hist_tick_len:   # a wider axis: the plots may no longer fit side by side
            self._hist_tick_len = widest
            self._arrange()

    @property
    def ridge_epochs(self) -> list[float]:
        """The epochs of the distributions drawn, oldest first."""
        return [e for e, _x, _d in self._ridges.ridges]
