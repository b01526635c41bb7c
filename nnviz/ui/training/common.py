"""What the training views share: colours, colour maps, plot styling and image mosaics.

The views never run the worker's model: a :class:`~nnviz.core.probe.ProbeModel` (re-exported here) is a GUI-thread
copy of the architecture that takes the newest snapshot's weights and runs the forward passes the views draw
(decision boundary, activations, confusion matrix, predictions).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from nnviz.core.probe import ProbeModel  # noqa: F401  (the views' copy of the model; imported from here)
from nnviz.ui import image_style, zoom
from nnviz.ui.layer_view import describe_layer as block_title

# TensorFlow Playground's colours: orange for negative / class 0, blue for positive / class 1
ORANGE = (245, 147, 34)
BLUE = (8, 119, 189)
WHITE = (247, 247, 247)
#: distinguishable line colours (Okabe–Ito), for train / validation / test and per-layer curves
LINE_COLORS = [(0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167), (230, 159, 0), (86, 180, 233),
               (120, 120, 120), (240, 228, 66), (0, 0, 0)]
TRAIN_COLOR, VAL_COLOR, TEST_COLOR = LINE_COLORS[0], LINE_COLORS[1], LINE_COLORS[2]


def diverging_cmap() -> pg.ColorMap:
    """Orange (negative) – white (zero) – blue (positive), as the Playground draws weights and outputs."""
    return image_style.diverging_cmap()


def sequential_cmap() -> pg.ColorMap:
    """White to dark blue, for counts and non-negative activations: the ink of every image view
    (:mod:`nnviz.ui.image_style`)."""
    return image_style.ink_cmap()


def class_color(index: int, n_classes: int) -> tuple[int, int, int]:
    if n_classes <= 2:
        return (ORANGE, BLUE)[int(index) % 2]
    return LINE_COLORS[int(index) % len(LINE_COLORS)]


def symmetric_levels(values, floor: float = 1e-6) -> tuple[float, float]:
    """``(-m, m)`` with ``m`` the largest finite magnitude (so zero sits on the colour map's middle)."""
    a = np.asarray(values)
    m = float(np.nanmax(np.abs(a))) if a.size else 0.0
    if not math.isfinite(m) or m < floor:
        m = floor if not math.isfinite(m) or m == 0 else max(m, floor)
    return -m, m


def theme_colors() -> tuple[QColor, QColor]:
    """(background, foreground) from the application palette, so plots follow light and dark themes."""
    app = QApplication.instance()
    pal = app.palette() if app is not None else QPalette()
    return pal.color(QPalette.Base), pal.color(QPalette.Text)


def style_plot(plot: pg.PlotItem, title: str | None = None, bottom: str | None = None, left: str | None = None,
               bottom_units: str | None = None, left_units: str | None = None) -> pg.PlotItem:
    """Labelled axes in the theme's text colour, a light grid, no SI prefixes on plain numbers."""
    _bg, fg = theme_colors()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(fg))
        axis.setTextPen(pg.mkPen(fg))
        axis.enableAutoSIPrefix(False)
    if title:
        plot.setTitle(title, color=fg.name(), size=zoom.pt(10))
    if bottom:
        plot.setLabel("bottom", bottom, units=bottom_units, color=fg.name())
    if left:
        plot.setLabel("left", left, units=left_units, color=fg.name())
    plot.setMenuEnabled(False)  # no grid: pyqtgraph redraws grid lines with every axis change, ~8 ms a frame
    for name in ("left", "bottom"):
        zoom.style_axis(plot.getAxis(name))   # fonts and pens at the UI zoom
    return plot


def restyle_graphics(root) -> None:
    """Every pyqtgraph view inside the widget ``root`` in the current theme's colours: background, axes and their
    labels (colour bars' too), plot titles and legends. Plot items are kept; only their colours change."""
    bg, fg = theme_colors()
    views = [root] if isinstance(root, pg.GraphicsView) else []
    for view in views + root.findChildren(pg.GraphicsView):
        view.setBackground(bg)
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                item.setPen(pg.mkPen(fg))
                item.setTextPen(pg.mkPen(fg))
                item.labelStyle["color"] = fg.name()
                if item.label.isVisible():
                    item._updateLabel()   # (its public setLabel would reset the units and prefix)
            elif isinstance(item, pg.LabelItem) and item.text:
                item.setText(item.text, color=fg.name())
            elif isinstance(item, pg.LegendItem):
                item.setLabelTextColor(fg)
    zoom.style_graphics(root)   # and at the UI zoom


def make_plot_widget(**kwargs) -> pg.PlotWidget:
    bg, _fg = theme_colors()
    widget = pg.PlotWidget(background=bg)
    style_plot(widget.getPlotItem(), **kwargs)
    return widget


def make_layout_widget() -> pg.GraphicsLayoutWidget:
    bg, _fg = theme_colors()
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground(bg)
    return widget


def nice_ceil(v: float, fine: bool = False) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k (``fine``: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8) that is >= ``v`` > 0."""
    if not math.isfinite(v) or v <= 0:
        return 1.0
    exp = math.floor(math.log10(v))
    for m in ((1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0) if fine else (1.0, 2.0, 2.5, 5.0, 10.0)):
        if m * 10 ** exp >= v * (1 - 1e-12):
            return m * 10 ** exp
    return 10.0 ** (exp + 1)


def sticky_levels(current: float | None, m: float) -> float:
    """A colour-scale bound that moves only when ``m`` leaves it (or falls below 40 % of it), in nice steps:
    a moving bound would redraw the colour bar's axis every frame."""
    if not math.isfinite(m) or m <= 0:
        return current or 1.0
    if current is None or m > current or m < 0.4 * current:
        return nice_ceil(m * 1.1)
    return current


class StickyRange:
    """Keeps a plot's range still while the data stays inside it, and moves it in nice steps when not.

    pyqtgraph redraws an axis (about 1 ms each) whenever the range changes, which auto-range does every
    frame while a curve grows; this class changes the range a few times per run instead. A user's pan or
    zoom switches it off until the plot's auto-range button ("A") is pressed.
    """

    def __init__(self, plot: pg.PlotItem, log_y: bool = False, y_min: float | None = None,
                 y_max: float | None = None):
        self.plot = plot
        self.vb = plot.getViewBox()
        self.log_y = log_y
        self.y_min = y_min
        self.y_max = y_max
        self.x_range: tuple[float, float] | None = None
        self.y_range: tuple[float, float] | None = None
        self.user_moved = False
        self.vb.disableAutoRange()
        self.vb.sigRangeChangedManually.connect(self._on_vb_range_changed_manually)

    def _on_vb_range_changed_manually(self, *_args) -> None:
        self.user_moved = True

    def reset(self) -> None:
        self.x_range = self.y_range = None

    def set_log_y(self, on: bool) -> None:
        self.log_y = on
        self.y_range = None

    def fit(self, x: tuple[float, float] | None, y: tuple[float, float] | None) -> None:
        """Make sure ``x`` = (min, max) and ``y`` = (min, max) of the data are in view (None: leave that axis)."""
        vb = self.vb
        if any(vb.autoRangeEnabled()):  # the "A" button: back to sticky ranges
            vb.disableAutoRange()
            self.user_moved = False
            self.reset()
        if self.user_moved:
            return
        new_x = self._fit_x(*x) if x is not None and all(map(math.isfinite, x)) else None
        new_y = self._fit_y(*y) if y is not None and all(map(math.isfinite, y)) else None
        if new_x is not None:
            self.x_range = new_x
        if new_y is not None:
            self.y_range = new_y
        if new_x is not None and new_y is not None:
            vb.setRange(xRange=new_x, yRange=new_y, padding=0, disableAutoRange=True)
        elif new_x is not None:
            vb.setXRange(*new_x, padding=0)
        elif new_y is not None:
            vb.setYRange(*new_y, padding=0)

    def _fit_x(self, x0, x1):
        cur = self.x_range
        span = max(x1 - x0, 1e-9)
        if cur is not None and cur[0] <= x0 and x1 <= cur[1] and span >= 0.25 * (cur[1] - cur[0]):
            return None
        return (x0, x0 + nice_ceil(span * 1.15, fine=True))

    def _fit_y(self, y0, y1):
        if self.log_y:
            y0, y1 = max(y0, 1e-12), max(y1, 1e-12)
            y0, y1 = math.log10(y0), math.log10(y1)
        cur = self.y_range
        span = max(y1 - y0, 1e-9 if not self.log_y else 0.1)
        size = max(abs(y0), abs(y1))
        if not self.log_y and span <= 1e-6 * max(size, 1e-12):
            span = 0.1 * size if size else 1.0   # a flat curve: ticks 49, 50, 51, not 49.9999999999, 50.0000000002
        if cur is not None and cur[0] <= y0 and y1 <= cur[1] and span >= 0.3 * (cur[1] - cur[0]):
            return None
        if self.log_y:
            return (math.floor((y0 - 0.05) * 2) / 2, math.ceil((y1 + 0.05) * 2) / 2)
        step = nice_ceil(span / 5)
        lo = math.floor((y0 - 0.05 * span) / step) * step
        hi = math.ceil((y1 + 0.05 * span) / step) * step
        if self.y_min is not None and y0 >= self.y_min:
            lo = max(lo, self.y_min)
        if self.y_max is not None and y1 <= self.y_max:
            hi = min(hi, self.y_max)
        return (lo, hi)


def arrange_plots(layout_widget: pg.GraphicsLayoutWidget, items: list, stretch: list[int], wide: bool,
                  header=None) -> None:
    """Put ``items`` (plots, created once) side by side when ``wide``, else one under the other, with an
    optional ``header`` (a legend) above them. Moves the items inside the grid; nothing is re-created."""
    grid = layout_widget.ci.layout
    present = {id(grid.itemAt(i)) for i in range(grid.count())}
    for item in ([header] if header is not None else []) + list(items):
        if id(item) in present:   # (a header that was taken out, e.g. a legend moved into a plot, is not)
            grid.removeItem(item)
    for i in range(len(items) + 1):
        grid.setRowStretchFactor(i, 0)
        grid.setColumnStretchFactor(i, 0)
    top = 0
    if header is not None:
        grid.addItem(header, 0, 0, 1, len(items) if wide else 1)
        top = 1
    for i, (item, weight) in enumerate(zip(items, stretch)):
        if wide:
            grid.addItem(item, top, i)
            grid.setColumnStretchFactor(i, weight)
        else:
            grid.addItem(item, top + i, 0)
            grid.setRowStretchFactor(top + i, weight)
    if wide:
        grid.setRowStretchFactor(top, 1)
    else:
        grid.setColumnStretchFactor(0, 1)


def is_wide(widget, ratio: float = 1.7, min_width: int = 700) -> bool:
    """Room for plots side by side (a dock in the bottom row) rather than stacked (a dock at the side)."""
    return widget.width() > max(ratio * widget.height(), min_width)


def info_label(text: str = " ", name: str = "") -> "QLabel":
    """A label for a line of figures under a plot: wraps, and never makes its dock wider."""
    from PySide6.QtWidgets import QLabel, QSizePolicy
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
    return label


def mosaic(images: np.ndarray, ncols: int | None = None, gap: int = 1) -> tuple[np.ndarray, int, int]:
    """Tile ``images`` ``(n, h, w)`` into one 2-D array with NaN gaps (drawn transparent).

    Returns ``(array, rows, cols)``; image ``i`` sits at row ``i // cols``, column ``i % cols``, its top-left
    corner at ``(r * (h + gap), c * (w + gap))``.
    """
    images = np.asarray(images, dtype=np.float32)
    n, h, w = images.shape
    if ncols is None:
        ncols = max(1, int(math.ceil(math.sqrt(n * h / max(w, 1)))))
    ncols = max(1, min(ncols, n))
    nrows = int(math.ceil(n / ncols))
    out = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap), np.nan, dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, ncols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = images[i]
    return out, nrows, ncols


def describe_layer(layer) -> str:
    """"dense_1 · Dense 16 · relu": the layer's name and the title its block has in the layer view."""
    return f"{layer.name} · {block_title(layer.layer_type, layer.get_config())}"


def is_visible(widget) -> bool:
    """Shown on screen (not in a hidden tab or a closed dock)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


class Throttle:
    """``ready()`` is True at most every ``interval`` seconds (monotonic clock)."""

    def __init__(self, interval: float):
        self._clock = time.perf_counter
        self.interval = interval
        self._next = 0.0

    def ready(self, force: bool = False) -> bool:
        now = self._clock()
        if force or now >= self._next:
            self._next = now + self.interval
            return True
        return False

    def reset(self) -> None:
        self._next = 0.0
