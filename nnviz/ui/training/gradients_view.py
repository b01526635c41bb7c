"""The norm of each layer's gradient over time, log-y: vanishing and exploding gradients become visible."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

import numpy as np

from nnviz.ui.training.common import LINE_COLORS, StickyRange, info_label, make_plot_widget, theme_colors
from nnviz.ui.training.curves import peak_decimate

Y_LABEL = "‖∂C/∂W‖"
TIP = "The norm ‖∂C/∂W‖ of each layer's gradient, on a logarithmic axis"
#: a view less tall than this shows its hint as a tool tip
HINT_BELOW = 320


class GradientsView(QWidget):
    """One curve per layer with trainable weights: ‖∂C/∂w‖ of the latest batch, sampled ~100 times a second."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("gradientsView")
        # a label short enough for the plot's height in a 200-px dock ("gradient norm ‖∂C/∂W‖ (log scale)" was
        # cut at both ends); the tool tip and the hint below say the rest
        self.plot_widget = make_plot_widget(left=Y_LABEL, bottom="epoch")
        self.plot_widget.setToolTip(TIP)
        self.plot = self.plot_widget.getPlotItem()
        left = self.plot.getAxis("left")
        left.setLogMode(True)   # the curves hold log10 of the norms (thinned, see curves.py)
        self.range = StickyRange(self.plot, log_y=True)
        self.plot.getViewBox().sigYRangeChanged.connect(self._on_view_y_range_changed)
        self._show_empty_range()
        bg, fg = theme_colors()
        self.plot.addLegend(offset=(-10, 10), labelTextColor=fg, brush=pg.mkBrush(bg))
        self.curves: list[pg.PlotDataItem] = []
        self._names: tuple = ()
        self.hint = info_label("Early layers far below later ones: vanishing gradients. "
                               "Norms growing without bound: exploding gradients (lower the learning rate).")
        self.latest = info_label(" ", "gradientsLatest")
        self.latest.setTextFormat(Qt.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.latest)
        layout.addWidget(self.hint)

    def resizeEvent(self, event) -> None:
        """In a short dock (a 720p screen: some 220 px) the hint's three lines left the plot a 100-px strip and cut
        its axis label: there the hint is the plot's tool tip."""
        super().resizeEvent(event)
        short = self.height() < HINT_BELOW
        self.hint.setVisible(not short)
        self.plot_widget.setToolTip(TIP + ("\n\n" + self.hint.text() if short else ""))

    def restyle(self) -> None:
        bg, _fg = theme_colors()
        self.plot.legend.setBrush(pg.mkBrush(bg))

    def _ensure_curves(self, names: tuple) -> None:
        if names == self._names:
            return
        for item in self.curves:
            self.plot.removeItem(item)
        self.curves = []
        for i, name in enumerate(names):
            color = LINE_COLORS[i % len(LINE_COLORS)]
            item = pg.PlotCurveItem(pen=pg.mkPen(color, width=1), name=name)
            self.plot.addItem(item)
            self.curves.append(item)
        self._names = names

    def clear(self) -> None:
        for item in self.curves:
            item.setData([], [])
        self._show_empty_range()
        self.latest.setText(" ")

    def _show_empty_range(self) -> None:
        """Epochs 0–1 and norms 0.001–1: a new project does not start at the ranges of the one before."""
        self.range.reset()
        self.range.user_moved = False
        self.range.vb.setRange(xRange=(0.0, 1.0), yRange=(-3.0, 0.0), padding=0, disableAutoRange=True)

    def _on_view_y_range_changed(self, _vb, y_range) -> None:
        """Figures at the powers of ten only, the 2 … 9 between them as unlabelled ticks: pyqtgraph labelled every
        one of them on a short axis (0.02 0.03 0.04 … written over each other)."""
        lo, hi = y_range
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > 40:
            return
        decades = range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1)
        major = [(float(v), f"{10.0 ** v:g}") for v in decades]
        minor = [(v + math.log10(k), "") for v in range(math.floor(lo), math.ceil(hi)) for k in range(2, 10)
                 if lo <= v + math.log10(k) <= hi]
        if not major:   # less than a decade in view: the 2 and 5 between get figures
            minor = [(x, f"{10.0 ** x:.2g}" if round(10 ** (x - math.floor(x))) in (2, 5) else "") for x, _ in minor]
        self.plot.getAxis("left").setTicks([major, minor])

    def update_snapshot(self, snap) -> None:
        self._ensure_curves(tuple(snap.grad_layer_names))
        x = snap.grad_x
        norms = snap.grad_norms
        if not len(x):
            self.clear()
            return
        # log axis: zero norms (dead layers) would be -inf; a tiny floor keeps them on the plot
        shown = np.log10(norms.clip(1e-12))
        for j, item in enumerate(self.curves):
            item.setData(*peak_decimate(x, shown[:, j], 1600), skipFiniteCheck=True)
        self.range.fit((0.0, max(float(x[-1]), 1.0)), (10 ** float(shown.min()), 10 ** float(shown.max())))
        last = norms[-1]
        parts = [f"{name} <b>{v:.2g}</b>" if math.isfinite(v) else f"{name} –"
                 for name, v in zip(self._names, last)]
        self.latest.setText("latest: " + " · ".join(parts))
