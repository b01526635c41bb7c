"""Loss and accuracy (or MAE) curves: train and validation per epoch, the batch loss raw and smoothed,
the test split's figures (Playground's "Test loss / Training loss"), a log-y toggle and a hover read-out.

Every plot item is created once; each redraw calls ``setData`` on it. The items are ``PlotCurveItem``s fed
with curves this view has already thinned to about two points per pixel column (min and max), so a
long run costs no more per frame than a short one; the log scale is applied here too.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QToolTip, QVBoxLayout, QWidget

from nnviz.ui.training.common import (TEST_COLOR, TRAIN_COLOR, VAL_COLOR, StickyRange, arrange_plots, info_label,
                                      make_layout_widget, style_plot, theme_colors)

#: the narrowest dock that has loss and metric side by side (two plots of some 230 px with their axes)
SIDE_MIN_WIDTH = 480
#: a dock less tall than this has its legend inside the loss plot, not in a row of its own (and so has a dock with
#: the plots side by side: a row above both would span them, its entries far from the plot they name)
LEGEND_INSIDE_BELOW = 300
#: plots at least this tall name the batch curves in their legend too (one entry a line)
ROOMY_FROM = 360
#: the corners a legend inside a plot may take, as (x, y) fractions of the plot, in order of preference: falling
#: loss curves leave the top right free, rising accuracy the bottom right
CORNERS = ((1, 0), (1, 1), (0, 1), (0, 0))


def _curve_samples(item, n: int = 240):
    """Points along a curve item's line (its vertices and ``n`` points between them): what a legend would hide."""
    x, y = getattr(item, "xData", None), getattr(item, "yData", None)
    if x is None or y is None or not len(x) or not item.isVisible():
        return None
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) > 1 and np.all(np.diff(x) >= 0):
        grid = np.linspace(x[0], x[-1], n)
        x, y = np.concatenate([x, grid]), np.concatenate([y, np.interp(grid, x, y)])
    return x, y


def free_corner(plot, legend, taken=(), prefer=CORNERS) -> tuple[int, int]:
    """The corner of ``plot`` where ``legend`` hides the fewest points of the plot's curves (the first of
    ``prefer`` on a tie), leaving out the corners in ``taken``."""
    vb = plot.getViewBox()
    area = vb.sceneBoundingRect()
    size = legend.boundingRect()
    w, h = min(size.width() + 8, area.width()), min(size.height() + 8, area.height())
    samples = [c for c in (_curve_samples(i) for i in vb.addedItems if isinstance(i, (pg.PlotCurveItem,
                                                                                      pg.PlotDataItem)))
               if c is not None]
    best, fewest = None, None
    for corner in prefer:
        if corner in taken:
            continue
        rect = QRectF(area.left() + corner[0] * (area.width() - w), area.top() + corner[1] * (area.height() - h), w, h)
        r = vb.mapSceneToView(rect).boundingRect()
        hidden = sum(int(np.count_nonzero((x >= r.left()) & (x <= r.right()) & (y >= r.top()) & (y <= r.bottom())))
                     for x, y in samples)
        if fewest is None or hidden < fewest:
            best, fewest = corner, hidden
    return best or prefer[0]


def place_legend(legend, corner: tuple[int, int]) -> None:
    """Anchor ``legend`` in ``corner`` of its plot (see :func:`free_corner`), a few pixels in."""
    if getattr(legend, "_nnviz_corner", None) == corner:
        return
    legend._nnviz_corner = corner
    legend.anchor(itemPos=corner, parentPos=corner, offset=(-4 if corner[0] else 4, -4 if corner[1] else 4))


_PERCENT = {"accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy"}
_NAMES = {"mae": "MAE", "mean_absolute_error": "MAE", "mse": "MSE", "mean_squared_error": "MSE"}


def metric_label(name: str) -> tuple[str, float, str]:
    """(axis label, scale, unit) of a metric: accuracy is shown in %, errors in the target's units."""
    if name in _PERCENT:
        return "accuracy", 100.0, "%"
    return _NAMES.get(name, name.replace("_", " ")), 1.0, ""


def peak_decimate(x: np.ndarray, y: np.ndarray, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """At most ~``max_points`` points keeping each bucket's minimum and maximum (what a pixel column shows).

    pyqtgraph's own downsampling does this too, but only after taking and scanning the whole array on every
    ``setData``; a long run's 65,000-point batch curve then costs milliseconds per frame.
    """
    n = len(x)
    if n <= max_points:
        return x, y
    k = -(-n // (max_points // 2))
    m = n // k
    ys = y[:m * k].reshape(m, k)
    xo = np.repeat(x[:m * k:k], 2)
    yo = np.empty(2 * m)
    yo[0::2] = ys.min(axis=1)
    yo[1::2] = ys.max(axis=1)
    return np.concatenate([xo, x[m * k:]]), np.concatenate([yo, y[m * k:]])


def _extent(ys) -> tuple[float, float]:
    """(lowest, highest) value of some curves' y arrays, NaNs left out."""
    return min(float(np.nanmin(y)) for y in ys), max(float(np.nanmax(y)) for y in ys)


def _index_at(xs: np.ndarray, x: float) -> int:
    """The index of the first point at or after ``x`` (the last point past the end)."""
    return int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))


def _fmt(v: float, unit: str = "") -> str:
    if v is None or not math.isfinite(v):
        return "–"
    if unit == "%":
        return f"{v:.1f} %"
    return f"{v:.4g}"


def _figures_html(figures: list[tuple[str, str]]) -> str:
    """"Name <b>value</b>" pairs joined by " · ": each pair kept on one line ("99.2" never apart from its "%"),
    the dot kept after its figure, so a narrow dock wraps the line only between figures."""
    return "&nbsp;&nbsp;·&nbsp; ".join(f"<span style='white-space:nowrap'>{name} <b>{value}</b></span>"
                                 for name, value in figures)


class CurvesView(QWidget):
    """Loss on top, the metric below, x in epochs (batches at fractional epochs)."""

    #: points kept of each per-epoch curve: 2-pixel lines are stroked, which costs per point
    epoch_points = 500
    #: points kept of the batch curves (1-pixel lines, drawn fast)
    batch_points = 1600

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("curvesView")
        self._metric = ""
        self._metric_scale = 100.0
        self._metric_unit = "%"
        self._snapshot = None
        self.has_test = True
        self._log = False

        self.figures = info_label("Test loss – · Training loss –", "curvesFigures")
        font = self.figures.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.figures.setFont(font)
        self.figures.setTextFormat(Qt.RichText)
        self.batch_box = QCheckBox("Batch loss")
        self.batch_box.setToolTip("The loss of every batch (faint) and its moving average, between the epoch points")
        self.batch_box.setChecked(True)
        self.log_box = QCheckBox("Log scale")
        self.log_box.setObjectName("curvesLogScale")
        self.log_box.setToolTip("Logarithmic loss axis: late, slow progress stays visible")
        self.readout = info_label(" ", "curvesReadout")
        self.readout.setTextFormat(Qt.RichText)

        top = QHBoxLayout()
        top.addWidget(self.figures, 1)
        top.addWidget(self.batch_box)
        top.addWidget(self.log_box)

        self.graphics = make_layout_widget()
        _bg, fg = theme_colors()
        self.legend = pg.LegendItem(labelTextColor=fg, colCount=5, horSpacing=10)
        self.graphics.addItem(self.legend, row=0, col=0)   # one legend, above both plots: it hides no data
        self.loss_plot = self.graphics.addPlot(row=1, col=0)
        self.metric_plot = self.graphics.addPlot(row=2, col=0)
        style_plot(self.loss_plot, left="loss", bottom="epoch")
        # the same entries inside the loss plot, for a dock too short for a legend row (see _place_legend)
        self.inner_legend = pg.LegendItem(labelTextColor=fg, colCount=3, horSpacing=8, verSpacing=-6)
        self.inner_legend.setParentItem(self.loss_plot.getViewBox())
        self.inner_legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-4, 2))
        self.inner_legend.setVisible(False)
        # the metric plot's own legend, beside it (shown with the inner one)
        self.metric_legend = pg.LegendItem(labelTextColor=fg, colCount=1, verSpacing=-6)
        self.metric_legend.setParentItem(self.metric_plot.getViewBox())
        self.metric_legend.setVisible(False)
        #: more legends inside these plots ((legend, plot), e.g. the overlaid runs'): placed in a corner left free
        self.extra_legends: list = []
        self._legend_inside = False
        self._roomy = False
        style_plot(self.metric_plot, left="accuracy", left_units="%", bottom="epoch")
        self.metric_plot.setXLink(self.loss_plot)
        self.loss_range = StickyRange(self.loss_plot, y_min=0.0)
        self.metric_range = StickyRange(self.metric_plot, y_min=0.0, y_max=100.0)
        self._show_empty_ranges()

        # pens: 1 px lines for the long batch curves (wider lines are stroked, several times slower), solid
        # lines throughout (dashes are stroked too); the per-epoch curves 2 px
        self.batch_raw = self._curve(self.loss_plot, pg.mkPen(TRAIN_COLOR, width=1))
        self.batch_smooth = self._curve(self.loss_plot, pg.mkPen(TRAIN_COLOR, width=1))
        # the batch loss under the epoch curves: its band (0.1 … 0.8 on the clinical trial) buried them
        self.batch_raw.setZValue(-20)
        self.batch_smooth.setZValue(-10)
        self.train_loss = self._curve(self.loss_plot, pg.mkPen(TRAIN_COLOR, width=2))
        self.val_loss = self._curve(self.loss_plot, pg.mkPen(VAL_COLOR, width=2))
        self.test_loss = self._curve(self.loss_plot, pg.mkPen(TEST_COLOR, width=2))
        self.train_metric = self._curve(self.metric_plot, pg.mkPen(TRAIN_COLOR, width=2))
        self.val_metric = self._curve(self.metric_plot, pg.mkPen(VAL_COLOR, width=2))
        self.test_metric = self._curve(self.metric_plot, pg.mkPen(TEST_COLOR, width=2))
        self._legend_entries = [(self.train_loss, "training"), (self.val_loss, "validation"),
                                (self.test_loss, "test"), (self.batch_raw, "batch loss"),
                                (self.batch_smooth, "batch loss, smoothed")]
        self._in_legend: tuple = ()
        self._epoch_items = [self.train_loss, self.val_loss, self.test_loss, self.train_metric, self.val_metric,
                             self.test_metric]
        # markers on the epoch points while there are few of them (one scatter per curve, created once)
        self._markers = {}
        for item in self._epoch_items:
            plot = self.loss_plot if item in (self.train_loss, self.val_loss, self.test_loss) else self.metric_plot
            color = item.opts["pen"].color()
            marker = pg.ScatterPlotItem(size=6, pen=pg.mkPen(color), brush=pg.mkBrush(color))
            plot.addItem(marker)
            self._markers[item] = marker
        self._last_figures = 0.0
        self._last_placed = 0.0
        self.cursor_lines = []
        self._wide = False
        arrange_plots(self.graphics, [self.loss_plot, self.metric_plot], [3, 2], False, header=self.legend)
        for plot in (self.loss_plot, self.metric_plot):
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(fg, width=1, style=Qt.DotLine))
            line.setVisible(False)
            line.setZValue(-5)
            plot.addItem(line, ignoreBounds=True)
            self.cursor_lines.append(line)
        self.graphics.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self.restyle()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.readout)
        self.batch_box.toggled.connect(self._on_batch_box_toggled)
        self.log_box.toggled.connect(self._on_log_box_toggled)

    def restyle(self) -> None:
        """The theme-dependent pens: the raw batch loss faint (mixed towards the background), its moving average
        set off from the training curve (mixed towards the text colour: darker on light, lighter on dark)."""
        bg, fg = theme_colors()

        def mix(towards, share):
            return tuple(int(c + (t - c) * share) for c, t in zip(TRAIN_COLOR, towards.getRgb()[:3]))

        self.batch_raw.setPen(pg.mkPen(mix(bg, 0.8), width=1))   # faint: a 0.1–0.8 band must not bury the epochs
        self.batch_smooth.setPen(pg.mkPen(mix(fg, 0.45), width=1))
        for line in self.cursor_lines:
            line.setPen(pg.mkPen(fg, width=1, style=Qt.DotLine))
        for legend in (self.inner_legend, self.metric_legend):   # readable where a curve passes under it
            legend.setBrush(pg.mkBrush(bg.red(), bg.green(), bg.blue(), 220))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_legend()
        # side by side in a short, wide dock; the legend inside the loss plot (its top right corner, where falling
        # loss curves leave room) in a dock too short for a legend row: on a 1280 × 720 screen the row took a third
        # of the plots' height
        wide, short = self.side_by_side(), self.height() < LEGEND_INSIDE_BELOW
        inside = short or wide
        roomy = inside and self.height() >= ROOMY_FROM + 120
        if roomy != self._roomy:   # a tall plot: its legend a column, the batch curves named too
            self._roomy = roomy
            self.inner_legend.setColumnCount(1 if roomy else 3)
            self._in_legend = None
            self._update_legend()
        self.readout.setVisible(not short)
        if (wide, inside) != (self._wide, self._legend_inside):
            self._wide, self._legend_inside = wide, inside
            if inside:
                grid = self.graphics.ci.layout
                if any(grid.itemAt(i) is self.legend for i in range(grid.count())):
                    grid.removeItem(self.legend)
            self.legend.setVisible(not inside)
            self.inner_legend.setVisible(inside)
            self.metric_legend.setVisible(inside)
            arrange_plots(self.graphics, [self.loss_plot, self.metric_plot], [3, 2] if not wide else [1, 1], wide,
                          header=None if inside else self.legend)
        self.place_legends()

    def place_legends(self) -> None:
        """Each legend inside a plot in the corner where it hides the least of the curves (two in one plot in
        different corners)."""
        taken = {id(self.loss_plot): [], id(self.metric_plot): []}
        # a plot too short for two legends keeps the one that says more (the runs compared: the colours of the
        # current run's curves are the loss plot's legend's)
        others = [legend.boundingRect().height() for legend, plot in self.extra_legends
                  if legend.isVisible() and plot is self.metric_plot]
        self.metric_legend.setVisible(self._legend_inside and (not others or self.metric_plot.getViewBox().height()
                                      >= self.metric_legend.boundingRect().height() + sum(others) + 16))
        for legend, plot in ((self.inner_legend, self.loss_plot), (self.metric_legend, self.metric_plot),
                             *self.extra_legends):
            if not legend.isVisible() or id(plot) not in taken:
                continue
            corner = free_corner(plot, legend, taken[id(plot)])
            place_legend(legend, corner)
            taken[id(plot)].append(corner)
        mine = self.metric_legend.sceneBoundingRect()   # (and two that still meet)
        if self.metric_legend.isVisible() and any(
                legend.isVisible() and plot is self.metric_plot and legend.sceneBoundingRect().intersects(mine)
                for legend, plot in self.extra_legends):
            self.metric_legend.setVisible(False)

    def side_by_side(self) -> bool:
        """Loss and metric side by side in a dock wider than tall (the bottom row, also on a 1280 × 720 screen where
        it is some 670 px wide and 200 tall: one above the other, each plot got no height at all); one above the
        other in a tall one (a side column)."""
        return self.width() >= max(1.3 * self.height(), SIDE_MIN_WIDTH)

    def _fit_legend(self) -> None:
        """As many legend columns as fit the plots' width (all five in a wide dock, more rows of entries in a
        narrow one): no entry is ever cut off at the right edge."""
        n = len(self.legend.items)
        if not n:
            return
        outer = self.graphics.ci.layout.getContentsMargins()
        room = self.graphics.width() - outer[0] - outer[2] - 16   # (and the grid's own spacing)
        grid = self.legend.layout
        before = self.legend.columnCount
        columns = n
        self.legend.setColumnCount(columns)
        while columns > 1 and grid.effectiveSizeHint(Qt.PreferredSize).width() > room:
            columns -= 1   # the legend's own grid says how wide it is (its widest entry per column, spacing)
            self.legend.setColumnCount(columns)
        self.legend.updateGeometry()   # the plots' grid re-reads the legend's size ...
        if columns != before:          # ... and is laid out again (the view fitted it to the old legend)
            self.graphics.ci.setGeometry(QRectF(self.graphics.rect()))

    # ------------------------------------------------------------------ updates
    def clear(self) -> None:
        for item in (self.batch_raw, self.batch_smooth, *self._epoch_items):
            item.setData([], [])
        for marker in self._markers.values():
            marker.setData([], [])
        self._snapshot = None
        self._in_legend = ()
        for legend in (self.legend, self.inner_legend, self.metric_legend):
            legend.clear()
        self._show_empty_ranges()
        self.figures.setText(self._empty_figures())
        self.readout.setText(" ")

    def set_metric(self, name: str) -> None:
        if name == self._metric:
            return
        self._metric = name
        label, self._metric_scale, self._metric_unit = metric_label(name) if name else ("metric", 1.0, "")
        self.metric_plot.setLabel("left", label, units=self._metric_unit or None)
        percent = self._metric_unit == "%"
        self.metric_range.y_min = 0.0 if percent or "error" in name or name in _NAMES else None
        self.metric_range.y_max = 100.0 if percent else None
        self.metric_range.reset()
        if self._snapshot is None:
            self._show_empty_ranges()

    def _show_empty_ranges(self) -> None:
        """The axes of no data: epochs 0–1, loss 0–1 and the metric in its own units (0–100 for accuracy in %,
        as its label says). A new project starts here, not at the ranges of the one before."""
        y_hi = self.metric_range.y_max if self.metric_range.y_max is not None else 1.0
        for sticky, y in ((self.loss_range, (0.0, 1.0)), (self.metric_range, (0.0, y_hi))):
            sticky.reset()
            sticky.user_moved = False
            if self._log and sticky is self.loss_range:
                y = (-3.0, 0.0)
            sticky.vb.setRange(xRange=(0.0, 1.0), yRange=y, padding=0, disableAutoRange=True)

    def update_snapshot(self, snap) -> None:
        self._snapshot = snap
        if snap.metric_name or snap.test_metric_name:
            self.set_metric(snap.metric_name or snap.test_metric_name)
        h = snap.history
        show_batches = self.batch_box.isChecked()
        if show_batches:
            self._set(self.batch_raw, snap.batch_loss_curve, log=self._log, points=self.batch_points)
            self._set(self.batch_smooth, snap.batch_loss_smoothed, log=self._log, points=self.batch_points)
        m, scale = self._metric, self._metric_scale
        th = snap.test_history
        for item, curve, s in ((self.train_loss, h.get("loss"), None), (self.val_loss, h.get("val_loss"), None),
                               (self.test_loss, th.get("loss"), None), (self.train_metric, h.get(m), scale),
                               (self.val_metric, h.get("val_" + m), scale),
                               (self.test_metric, th.get(snap.test_metric_name), scale)):
            self._set(item, curve, scale=s or 1.0, log=self._log and s is None, points=self.epoch_points)
            marker = self._markers[item]
            if item.xData is not None and 0 < len(item.xData) <= 40:
                marker.setData(item.xData, item.yData)
            elif len(marker.data):
                marker.setData([], [])
        self._fit_ranges(snap, show_batches)
        self._update_legend()
        now = time.perf_counter()
        if snap.state != "running" or now - self._last_placed >= 0.5:   # (the curves move slowly; twice a second)
            self._last_placed = now
            self.place_legends()
        if snap.state != "running" or now - self._last_figures >= 0.1:  # readable numbers: 10 times a second
            self._last_figures = now
            self._update_figures(snap)

    def _update_legend(self) -> None:
        """The legend lists the curves that have data (no "validation" without a validation split)."""
        shown = tuple(name for item, name in self._legend_entries
                      if item.isVisible() and item.xData is not None and len(item.xData)) + \
            tuple(i for i, item in enumerate((self.train_metric, self.val_metric, self.test_metric))
                  if item.xData is not None and len(item.xData))
        if shown == self._in_legend:
            return
        self._in_legend = shown
        for legend in (self.legend, self.inner_legend):
            legend.clear()
            for item, name in self._legend_entries:
                # the legend inside the plot names the epoch curves only: with the two batch entries it spanned
                # the plot's width and hid the first epochs (the "Batch loss" box names those)
                short = legend is self.inner_legend and not self._roomy
                if name in shown and not (short and name.startswith("batch")):
                    legend.addItem(item, name)
        self.metric_legend.clear()
        for item, name in ((self.train_metric, "training"), (self.val_metric, "validation"),
                           (self.test_metric, "test")):
            if item.xData is not None and len(item.xData):
                self.metric_legend.addItem(item, name)
        self._fit_legend()

    def _fit_ranges(self, snap, show_batches: bool) -> None:
        h, th, m = snap.history, snap.test_history, self._metric
        loss_curves = [h.get("loss"), h.get("val_loss"), th.get("loss")]
        if show_batches:
            loss_curves.append(snap.batch_loss_smoothed)
        x_hi = max([float(c.x[-1]) for c in loss_curves + [snap.batch_loss_curve] if c is not None and len(c)],
                   default=float("nan"))
        ys = [c.y for c in loss_curves if c is not None and len(c)]
        if ys:
            self.loss_range.fit((0.0, max(x_hi, 1.0)), _extent(ys))
        ms = [c.y for c in (h.get(m), h.get("val_" + m), th.get(snap.test_metric_name)) if c is not None and len(c)]
        if ms:
            lo, hi = _extent(ms)
            self.metric_range.fit(None, (lo * self._metric_scale, hi * self._metric_scale))

    @staticmethod
    def _curve(plot, pen) -> pg.PlotCurveItem:
        item = pg.PlotCurveItem(pen=pen)
        plot.addItem(item)
        return item

    @staticmethod
    def _set(item, curve, scale: float = 1.0, log: bool = False, points: int = 1200) -> None:
        if curve is None or not len(curve):
            if item.xData is not None and len(item.xData):
                item.setData([], [])
            return
        y = curve.y if scale == 1.0 else curve.y * scale
        if log:
            y = np.log10(np.maximum(y, 1e-12))  # the log axis shows 10^y
        item.setData(*peak_decimate(curve.x, y, points), skipFiniteCheck=True)

    def set_has_test(self, has_test: bool) -> None:
        """Whether the data set has a test split: without one (the course's six people) there is no test loss to
        wait for, and the figures say nothing of it."""
        self.has_test = bool(has_test)
        if self._snapshot is None:
            self.figures.setText(self._empty_figures())

    def _empty_figures(self) -> str:
        return "Test loss – · Training loss –" if self.has_test else "Training loss –"

    def _update_figures(self, snap) -> None:
        h = snap.history
        train_loss = h["loss"].last() if "loss" in h and len(h["loss"]) else snap.batch_loss_smoothed.last()
        figures = [("Test loss", _fmt(snap.test_loss))] if self.has_test else []
        figures.append(("Training loss", _fmt(train_loss)))
        metric = snap.test_metric_name or snap.metric_name
        if metric:
            label, scale, unit = metric_label(metric)
            train_m = h[metric].last() if metric in h and len(h[metric]) else float("nan")
            if self.has_test:
                figures.append((f"Test {label}", _fmt(snap.test_metric * scale, unit)))
            figures.append((f"Training {label}", _fmt(train_m * scale, unit)))
        self.figures.setText(_figures_html(figures))

    # ------------------------------------------------------------------ options
    def _on_batch_box_toggled(self, on: bool) -> None:
        self.batch_raw.setVisible(on)
        self.batch_smooth.setVisible(on)
        self._update_legend()
        if on and self._snapshot is not None:
            self.update_snapshot(self._snapshot)

    def _on_log_box_toggled(self, on: bool) -> None:
        self._log = on
        self.loss_plot.getAxis("left").setLogMode(on)
        self.loss_range.set_log_y(on)
        if self._snapshot is not None:
            self.update_snapshot(self._snapshot)
        self.loss_plot.setLabel("left", "loss (log scale)" if on else "loss")

    # ------------------------------------------------------------------ hover read-out
    def _on_scene_mouse_moved(self, pos) -> None:
        snap = self._snapshot
        plot = next((p for p in (self.loss_plot, self.metric_plot) if p.sceneBoundingRect().contains(pos)), None)
        if plot is None or snap is None:
            for line in self.cursor_lines:
                line.setVisible(False)
            return
        x = plot.vb.mapSceneToView(pos).x()
        text = self.readout_at(x)
        self.readout.setText(text)
        if not self.readout.isVisible() and text.strip():   # a short dock has no line for it: a tool tip instead
            QToolTip.showText(QCursor.pos(), text, self.graphics)
        for line in self.cursor_lines:
            line.setPos(x)
            line.setVisible(True)

    def readout_at(self, x: float) -> str:
        """The values nearest to epoch ``x``: the epoch's losses and metrics, and the batch loss there."""
        snap = self._snapshot
        if snap is None:
            return " "
        h = snap.history
        parts = []
        loss = h.get("loss")
        if loss is not None and len(loss):
            i = _index_at(loss.x, x - 0.5)
            epoch = loss.x[i]
            parts.append(f"<b>epoch {epoch:g}</b>")
            _label, scale, unit = metric_label(self._metric) if self._metric else ("", 1.0, "")
            for key, name in (("loss", "loss"), ("val_loss", "val. loss"), (self._metric, self._metric),
                              ("val_" + self._metric, "val. " + self._metric)):
                curve = h.get(key)
                if curve is None or not len(curve):
                    continue
                j = _index_at(curve.x, epoch)
                s = scale if key.endswith(self._metric) and self._metric else 1.0
                parts.append(f"{name} {_fmt(curve.y[j] * s, unit if s != 1.0 else '')}")
        batch = snap.batch_loss_smoothed
        if len(batch):
            j = _index_at(batch.x, x)
            parts.append(f"batch loss at epoch {batch.x[j]:.2f}: {_fmt(batch.y[j])} (smoothed)")
        return " &nbsp;·&nbsp; ".join(parts) if parts else " "
