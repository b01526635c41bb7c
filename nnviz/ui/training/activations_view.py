"""Activations for one chosen sample: every layer's output as bars (few units), a heat strip (many units),
for convolution and pooling layers the feature maps as a grid of images, and for sequences (the input of a
recurrent layer, a recurrent layer returning every step) one row per time step.

Rows are built when the architecture changes; each redraw only calls ``setOpts`` / ``setImage``.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSpinBox, QVBoxLayout,
                               QWidget)

from nnviz.core.data.text import PAD, decode, words
from nnviz.ui.training.common import (BLUE, ORANGE, ProbeModel, StickyRange, Throttle, describe_layer, diverging_cmap,
                                      info_label, make_layout_widget, mosaic, sequential_cmap, sticky_levels,
                                      style_plot, theme_colors)

MAX_BARS = 64
MAX_MAPS = 32
ROW_HEIGHT = 150
SKIPPED = ("Flatten", "Dropout")


class _Row:
    """One layer's plot: bars, a heat strip or an image grid."""

    def __init__(self, plot: pg.PlotItem, kind: str, shape: tuple, title: str, class_names=None, unit="unit"):
        self.plot = plot
        self.kind = kind
        self.shape = shape
        plot.setTitle(title, size="9pt", color=theme_colors()[1].name())
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        self.range = StickyRange(plot) if kind == "bars" else None
        self.height = ROW_HEIGHT
        self.level = None
        self.ticks = None
        self.extent = None
        if kind == "bars":
            n = shape[-1]
            plot.setXRange(-0.6, n - 0.4, padding=0)
            x = np.arange(n)
            self.pos = pg.BarGraphItem(x=x, height=np.zeros(n), width=0.8, brush=pg.mkBrush(*BLUE), pen=None)
            self.neg = pg.BarGraphItem(x=x, height=np.zeros(n), width=0.8, brush=pg.mkBrush(*ORANGE), pen=None)
            plot.addItem(self.pos)
            plot.addItem(self.neg)
            plot.setLabel("left", "a")
            if class_names and len(class_names) == n:
                plot.getAxis("bottom").setTicks([list(enumerate(class_names))])
                plot.setLabel("bottom", "class")
            else:
                plot.setLabel("bottom", "unit")
                if n <= 16:
                    plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(n)]])
        else:
            self.image = pg.ImageItem(axisOrder="row-major")
            plot.addItem(self.image)
            plot.getViewBox().disableAutoRange()
            plot.invertY(True)
            plot.setAspectLocked(kind == "maps")
            if kind == "sequence":   # (time steps, units): y is the time step, x the unit (or input feature)
                steps = shape[0]
                every = -(-steps // 4)   # four labels at most: the row is short
                plot.getAxis("left").setTicks([[(t + 0.5, str(t + 1)) for t in range(0, steps, every)]])
                plot.setLabel("left", "time step")
                plot.setLabel("bottom", unit)
            else:
                plot.getAxis("left").setTicks([[]])
                plot.setLabel("bottom", unit if kind == "strip" else "feature map (channel)")
            self.bar, self.scale = _colour_bar(plot), None

    def label_steps(self, words) -> None:
        """Name the time steps of a sequence row by the words read at them (padding left unnamed)."""
        if self.kind != "sequence" or self.shape[0] != len(words) or self.ticks == tuple(words):
            return
        self.ticks = tuple(words)
        self.plot.getAxis("left").setTicks([[(t + 0.5, w) for t, w in enumerate(words) if w != PAD]])
        self.plot.setLabel("left", "word")

    def update(self, a: np.ndarray) -> None:
        if self.kind == "bars":
            v = a.reshape(-1)
            self.pos.setOpts(height=np.maximum(v, 0))
            self.neg.setOpts(height=np.minimum(v, 0))
            self.range.fit(None, (float(min(v.min(), 0)), float(max(v.max(), 0))))
            return
        if self.kind == "strip":
            tiled = a.reshape(1, -1)
        elif self.kind == "sequence":
            tiled = a
        else:  # (h, w, c): one image per channel
            h, w, c = a.shape
            c = min(c, MAX_MAPS)
            tiled, rows, cols = mosaic(a[:, :, :c].transpose(2, 0, 1), ncols=min(c, 8), gap=1)
            if self.ticks != (rows, cols):  # an axis redraws itself on every setTicks: only when they change
                self.ticks = (rows, cols)
                self.plot.getAxis("bottom").setTicks([[(j * (w + 1) + w / 2, str(j)) for j in range(cols)]])
                self.plot.getAxis("left").setTicks([[(r * (h + 1) + h / 2, f"{r * cols}+") for r in range(rows)]]
                                                   if rows > 1 else [[]])
        if self.extent != tiled.shape:  # fit the view to the image when its size changes, not every frame
            self.extent = tiled.shape
            self.plot.getViewBox().setRange(xRange=(0, tiled.shape[1]), yRange=(0, tiled.shape[0]), padding=0.02)
        finite = tiled[np.isfinite(tiled)]
        signed = not (finite.size and finite.min() >= 0)
        top = float(np.abs(finite).max()) if finite.size else 1.0
        # values within 0–1 on the 0–1 scale of the data panel's pixels (a "1" is navy there and here)
        self.level = 1.0 if not signed and top <= 1.0 else sticky_levels(self.level, top)
        lo = -self.level if signed else 0.0
        self.image.setLookupTable(_DIV_LUT if signed else _SEQ_LUT)
        self.image.setImage(tiled, autoLevels=False, levels=(lo, self.level))
        if self.scale != (lo, self.level):   # (the bar's axis redraws only when the scale changes)
            self.scale = (lo, self.level)
            _set_scale(self.bar, lo, self.level)


def _colour_bar(plot: pg.PlotItem) -> pg.ColorBarItem:
    """The scale of an image row, on its right: what colour is which activation (issue 17's colour bar)."""
    bar = pg.ColorBarItem(values=(0, 1), colorMap=sequential_cmap(), interactive=False, width=10,
                          colorMapMenu=False)
    plot.layout.addItem(bar, 2, 5)          # (where pyqtgraph's insert_in puts it: after the right axis)
    plot.layout.setColumnFixedWidth(4, 5)
    _bg, fg = theme_colors()
    axis = bar.getAxis("right")
    axis.setPen(pg.mkPen(fg))
    axis.setTextPen(pg.mkPen(fg))
    axis.enableAutoSIPrefix(False)
    axis.setStyle(tickLength=3, tickTextOffset=2)
    return bar


def _set_scale(bar: pg.ColorBarItem, lo: float, hi: float) -> None:
    """The bar in the images' colours (ink for values ≥ 0, orange–white–blue for signed ones) with three labels."""
    bar.setColorMap(diverging_cmap() if lo < 0 else sequential_cmap())
    bar.setLevels((lo, hi))
    mid = (lo + hi) / 2
    bar.getAxis("right").setTicks([[(lo, f"{lo:g}"), (mid, f"{mid:g}"), (hi, f"{hi:g}")], []])


_SEQ_LUT = sequential_cmap().getLookupTable(nPts=256)
_DIV_LUT = diverging_cmap().getLookupTable(nPts=256)


class ActivationsView(QWidget):
    def __init__(self, parent: QWidget | None = None, interval: float = 0.1):
        super().__init__(parent)
        self.setObjectName("activationsView")
        self.probe: ProbeModel | None = None
        self.dataset = None
        self._rows: list[tuple[int, _Row]] = []
        self._input_row: _Row | None = None
        self._words: list[str] | None = None   # a text data set's vocabulary
        self._throttle = Throttle(interval)
        self._snapshot = None
        self._rng = np.random.default_rng(0)

        self.split_combo = QComboBox()
        self.split_combo.addItems(["test", "validation", "training"])
        self.split_combo.setObjectName("activationsSplit")
        self.split_combo.setToolTip("The split the sample comes from: training, validation or test")
        self.sample_spin = QSpinBox()
        self.sample_spin.setObjectName("activationsSample")
        self.sample_spin.setToolTip("Index of the sample in the chosen split")
        self.random_button = QPushButton("Random")
        self.random_button.setToolTip("A random sample of this split")
        self.result = info_label(" ", "activationsResult")
        top = QHBoxLayout()
        top.addWidget(QLabel("Sample:"))
        top.addWidget(self.split_combo)
        top.addWidget(self.sample_spin)
        top.addWidget(self.random_button)
        top.addStretch(1)

        self.graphics = make_layout_widget()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.graphics)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        # the verdict on a line of its own: beside the controls a narrow dock left it no width, and its wrapped
        # lines made the row of controls as tall as a third of the dock
        layout.addWidget(self.result)
        layout.addWidget(self.scroll, 1)
        self.split_combo.currentIndexChanged.connect(self._on_split_combo_changed)
        self.sample_spin.valueChanged.connect(self._on_sample_spin_changed)
        self.random_button.clicked.connect(self._on_random_button_clicked)

    # ------------------------------------------------------------------ context
    def _split(self):
        ds = self.dataset
        if ds is None:
            return None, None
        part = {"test": "test", "validation": "val", "training": "train"}[self.split_combo.currentText()]
        x, y = getattr(ds, "x_" + part), getattr(ds, "y_" + part)
        if not len(x):
            x, y = ds.x_train, ds.y_train
        return x, y

    def set_context(self, probe: ProbeModel | None, dataset) -> None:
        self.probe = probe
        self.dataset = dataset
        self.graphics.clear()
        self._rows = []
        self._input_row = None
        model = probe.model if probe is not None else None
        if model is None or dataset is None:
            self.result.setText("No model or data set.")
            return
        x, _y = self._split()
        self.sample_spin.setRange(0, max(len(x) - 1, 0))
        class_names = getattr(dataset, "class_names", None)
        row = 0
        in_shape = tuple(model.input_shape[1:])
        self._words = getattr(dataset, "vocabulary", None) if len(in_shape) == 1 else None
        if not self._words:   # token ids get no picture: their words label the time steps of the rows below
            self._input_row = self._make_row(row, in_shape, "input " + "×".join(map(str, in_shape)), None, "feature")
            row += 1
        last = len(model.layers) - 1
        for i, layer in enumerate(model.layers):
            if layer.layer_type in SKIPPED:
                continue
            shape = tuple(layer.output_shape[1:])
            title = f"{describe_layer(layer)} → {'×'.join(map(str, shape))}"
            names = class_names if i == last and dataset.task != "regression" else None
            self._rows.append((i, self._make_row(row, shape, title, names)))
            row += 1
        rows = [r for _i, r in self._rows] + ([self._input_row] if self._input_row is not None else [])
        self.graphics.setMinimumHeight(sum(r.height for r in rows))
        self.update_snapshot(self._snapshot, force=True)

    def _make_row(self, row: int, shape: tuple, title: str, class_names, unit: str = "unit") -> _Row:
        plot = self.graphics.addPlot(row=row, col=0)
        style_plot(plot)
        plot.showGrid(x=False, y=False)
        if len(shape) == 3:
            kind = "maps"
        elif len(shape) == 2:
            kind = "sequence"
        elif len(shape) == 1 and shape[0] <= MAX_BARS:
            kind = "bars"
        else:
            kind = "strip"
        out = _Row(plot, kind, shape, title, class_names, unit)
        if kind == "sequence" and self._words:   # a readable word per time step
            out.height = max(ROW_HEIGHT, 16 * shape[0] + 70)
        plot.setMinimumHeight(out.height)
        return out

    # ------------------------------------------------------------------ drawing
    def _on_split_combo_changed(self, *_args) -> None:
        x, _y = self._split()
        if x is not None:
            self.sample_spin.setRange(0, max(len(x) - 1, 0))
        self.update_snapshot(self._snapshot, force=True)

    def _on_sample_spin_changed(self, *_args) -> None:
        self.update_snapshot(self._snapshot, force=True)

    def _on_random_button_clicked(self) -> None:
        x, _y = self._split()
        if x is not None and len(x):
            self.sample_spin.setValue(int(self._rng.integers(len(x))))

    def update_snapshot(self, snap, force: bool = False) -> None:
        if snap is not None:
            self._snapshot = snap
        probe = self.probe
        if probe is None or probe.model is None or not (self._rows or self._input_row):
            return
        if not (force or self._throttle.ready()):
            return
        if snap is not None:
            probe.sync(snap)
        x, y = self._split()
        i = self.sample_spin.value()
        if x is None or not len(x) or i >= len(x):
            return
        sample = x[i:i + 1]
        try:
            outs = probe.forward_all(sample)
        except ValueError:
            return
        if self._input_row is not None:
            self._input_row.update(sample[0])
        else:
            step_words = words(sample[0], self._words)
            for _index, row in self._rows:
                row.label_steps(step_words)
        for index, row in self._rows:
            row.update(outs[index][0])
        ds = self.dataset
        out = outs[-1][0]
        if ds.task == "regression":
            self.result.setText(f"target {np.round(y[i], 3).tolist()} · output {np.round(out, 3).tolist()}")
        elif out.ndim != 1 or out.shape[-1] not in (1, len(ds.class_names)):   # not yet a classifier's output
            self.result.setText(f"the output {'×'.join(map(str, out.shape))} is not one score per class "
                                f"({len(ds.class_names)} classes)")
        else:
            names = ds.class_names
            pred = int(out[0] > 0.5) if out.shape[-1] == 1 else int(out.argmax())
            p = float(out[0] if pred else 1 - out[0]) if out.shape[-1] == 1 else float(out[pred])
            mark = "✓" if pred == int(y[i]) else "✗"
            said = f"“{html.escape(decode(sample[0], self._words))}” · " if self._words else ""
            self.result.setText(f"{said}true: <b>{names[int(y[i])]}</b> · predicted: <b>{names[pred]}</b> "
                                f"({100 * p:.0f} %) {mark}")

    def clear(self) -> None:
        self.result.setText(" ")
