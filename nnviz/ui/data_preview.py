"""Previews of a :class:`~nnviz.core.data.Dataset` for the data panel.

:class:`DataPreviewWidget` picks the view that fits the data:

* ``"scatter"`` — 2-D points (the playground sets, two-feature tables) coloured by class; training
  points filled, validation points outlined triangles, test points outlined circles; a legend below;
* ``"regression"`` — 2-D points coloured by their target, with a colour bar;
* ``"histogram"`` — one feature: a histogram per class (the clinical trial's ages);
* ``"images"`` — a grid of sample images with their labels (digits, shapes);
* ``"table"`` — the first rows as a table (CSV files, and anything else).

Plot items are created once and updated with ``setData`` (pyqtgraph's house style); the image grid paints
itself, so its captions stay crisp at any size.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from nnviz.core.data.images import dataset_image_shape, sample_images
from nnviz.ui.data_table import TABLE_ROWS, TablePreview  # noqa: F401  (csv_dialog imports it from here)
from nnviz.ui.image_style import ink_qimage
from nnviz.ui.training.common import ORANGE, BLUE, class_color, style_plot, theme_colors

PLAYGROUND_DOMAIN = (-6.0, 6.0)
#: at most this many samples of each split go into a scatter (the playground sets have at most 5,000)
MAX_SCATTER = 5000
#: the colour bar with its ticks and label
COLORBAR_W = 74
#: colour steps of a regression scatter
LUT_STEPS = 64

SPLITS = (("train", "training"), ("val", "validation"), ("test", "test"))
#: marker of each split: (symbol, filled)
SPLIT_MARKERS = {"train": ("o", True), "val": ("t", False), "test": ("o", False)}


def regression_cmap() -> pg.ColorMap:
    """Orange (low) – white – blue (high): the Playground's colours for a regression target."""
    return pg.ColorMap([0.0, 0.5, 1.0], [ORANGE, (247, 247, 247), BLUE], name="orange-white-blue")


def preview_mode(dataset) -> str:
    """Which view shows ``dataset``: scatter, regression, histogram, images, table or empty."""
    if dataset is None:
        return "empty"
    if getattr(dataset, "kind", "") == "csv":
        return "table"
    if dataset_image_shape(dataset) is not None and getattr(dataset, "kind", "") == "images" or \
            len(dataset.input_shape) == 3:
        return "images"
    points = getattr(dataset, "points_train", None)
    two_d = (points is not None and np.ndim(points) == 2 and np.shape(points)[1] == 2) or \
        tuple(dataset.input_shape) == (2,)
    if two_d:
        return "regression" if dataset.task == "regression" else "scatter"
    if tuple(dataset.input_shape) == (1,) and dataset.task != "regression":
        return "histogram"
    return "table"


def _points(dataset, part: str) -> np.ndarray:
    """The 2-D points of a split: the raw playground points, else the two features."""
    pts = getattr(dataset, "points_" + part, None)
    if pts is None:
        pts = getattr(dataset, "x_" + part)
    pts = np.asarray(pts, dtype=np.float64)
    if not len(pts):
        return np.zeros((0, 2))
    return pts.reshape(len(pts), -1)[:, :2]


def _axis_names(dataset) -> tuple[str, str]:
    if getattr(dataset, "points_train", None) is not None:
        return "x₁", "x₂"
    names = list(dataset.feature_names or [])
    return (names + ["feature 1", "feature 2"])[0], (names + ["", "feature 2"])[1]


def _qcolor(rgb, alpha: int = 255) -> QColor:
    c = QColor(*rgb)
    c.setAlpha(alpha)
    return c


def _legend_item() -> pg.LegendItem:
    _bg, fg = theme_colors()
    legend = pg.LegendItem(colCount=2, labelTextColor=fg, labelTextSize="9pt", verSpacing=-4, horSpacing=18)
    legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    return legend


def _split_legend_entry(part: str, title: str, filled_width: float) -> tuple[pg.ScatterPlotItem, str]:
    """The legend's sample of a split's marker (grey; outlined splits on the background) and its label."""
    gray = (110, 118, 129)
    bg, _fg = theme_colors()
    symbol, filled = SPLIT_MARKERS[part]
    brush = pg.mkBrush(_qcolor(gray)) if filled else pg.mkBrush(_qcolor(bg.getRgb()[:3]))
    pen = pg.mkPen(_qcolor(gray), width=filled_width if filled else 1.6)
    marker = pg.ScatterPlotItem(symbol=symbol, size=9, pen=pen, brush=brush)
    return marker, f"{title} ({'filled' if filled else 'outlined'})"


class _PlotPreview(pg.GraphicsLayoutWidget):
    """What the plot previews share: a fixed plot (no panning, no zooming) with a legend below it."""

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        self.plot = self.addPlot(row=0, col=0)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.legend = _legend_item()

    def _add_legend(self, colspan: int = 1) -> None:
        """The legend under the plot (across ``colspan`` columns); the plot takes the spare height."""
        self.ci.addItem(self.legend, row=1, col=0, colspan=colspan)
        self.ci.layout.setRowStretchFactor(0, 1)

    def restyle(self) -> None:
        bg, _fg = theme_colors()
        self.setBackground(bg)
        style_plot(self.plot)

    def _show_plane(self, dataset) -> None:
        """Axis labels, and the range: the playground's fixed square plane, else the data's extent."""
        xname, yname = _axis_names(dataset)
        _bg, fg = theme_colors()
        self.plot.setLabel("bottom", xname, color=fg.name())
        self.plot.setLabel("left", yname, color=fg.name())
        if getattr(dataset, "points_train", None) is not None:
            self.plot.setAspectLocked(True)          # the plane is square: circles stay round
            self.plot.setRange(xRange=PLAYGROUND_DOMAIN, yRange=PLAYGROUND_DOMAIN, padding=0.02)
        else:
            self.plot.setAspectLocked(False)         # two features in their own units (weight, height)
            self.plot.autoRange(padding=0.12)

    def legend_labels(self) -> list[str]:
        return [label.text for _sample, label in self.legend.items]


# ============================================================================================ scatter
class ScatterPreview(_PlotPreview):
    """2-D points coloured by class: train filled, validation outlined triangles, test outlined."""

    def __init__(self, parent=None):
        super().__init__("scatterPreview", parent)
        self.plot.setAspectLocked(True)
        self._add_legend()
        self.items: dict[tuple[int, str], pg.ScatterPlotItem] = {}
        self.counts: dict[tuple[int, str], int] = {}
        self.restyle()

    def set_dataset(self, dataset) -> None:
        classes = list(dataset.class_names or [])
        n_cls = len(classes)
        wanted = {(c, part) for c in range(n_cls) for part, _ in SPLITS}
        for key in list(self.items):
            if key not in wanted:
                self.plot.removeItem(self.items.pop(key))
        self.counts = {}
        bg, _fg = theme_colors()
        for part, _title in SPLITS:
            pts = _points(dataset, part)
            y = np.asarray(getattr(dataset, "y_" + part)).reshape(-1)
            symbol, filled = SPLIT_MARKERS[part]
            for c in range(n_cls):
                sel = pts[y == c][:MAX_SCATTER]
                key = (c, part)
                item = self.items.get(key)
                if item is None:
                    item = pg.ScatterPlotItem(pxMode=True, antialias=True)
                    item.setZValue(2 if part == "train" else 3)
                    self.plot.addItem(item)
                    self.items[key] = item
                color = class_color(c, n_cls)
                if filled:
                    pen, brush = pg.mkPen(_qcolor(color).darker(125), width=0.8), pg.mkBrush(_qcolor(color, 220))
                else:
                    pen, brush = pg.mkPen(_qcolor(color), width=1.6), pg.mkBrush(_qcolor(bg.getRgb()[:3], 200))
                item.setData(pos=sel, symbol=symbol, size=7 if filled else 7.5, pen=pen, brush=brush)
                self.counts[key] = len(sel)
        self._show_plane(dataset)
        self._fill_legend(dataset, classes)

    def _fill_legend(self, dataset, classes: list[str]) -> None:
        self.legend.clear()
        n_cls = len(classes)
        # one entry per class (its colour), then one per split present (its marker)
        entries = [(pg.ScatterPlotItem(symbol="o", size=9, pen=pg.mkPen(_qcolor(class_color(c, n_cls)).darker(125)),
                                       brush=pg.mkBrush(_qcolor(class_color(c, n_cls)))), name)
                   for c, name in enumerate(classes)]
        entries += [_split_legend_entry(part, title, filled_width=0.8) for part, title in SPLITS
                    if len(getattr(dataset, "y_" + part))]
        # two columns: classes on the left, splits on the right, when both fit
        self.legend.setColumnCount(2 if len(entries) > 2 else 1)
        for item, name in entries:
            self.legend.addItem(item, name)


# ========================================================================================= regression
class RegressionPreview(_PlotPreview):
    """2-D points coloured by their target value; train filled, test outlined; a colour bar."""

    def __init__(self, parent=None):
        super().__init__("regressionPreview", parent)
        self.plot.setAspectLocked(True)
        self.cmap = regression_cmap()
        self.colorbar = pg.ColorBarItem(values=(-1, 1), colorMap=self.cmap, interactive=False, width=12)
        # the label next to the ticks on the right; the left axis only draws the frame
        self.colorbar.getAxis("left").setWidth(4)
        self.colorbar.axis.setLabel("target")
        self.colorbar.axis.setWidth(COLORBAR_W - 20)
        self.colorbar.setMinimumWidth(COLORBAR_W)
        self.colorbar.setMaximumWidth(COLORBAR_W)
        self.colorbar.axis.enableAutoSIPrefix(False)
        self.ci.addItem(self.colorbar, row=0, col=1)
        self._add_legend(colspan=2)
        self.items = {part: pg.ScatterPlotItem(pxMode=True, antialias=True) for part, _ in SPLITS}
        for z, item in enumerate(self.items.values()):
            item.setZValue(2 + z)
            self.plot.addItem(item)
        self.levels = (-1.0, 1.0)
        self.counts: dict[str, int] = {}
        self.restyle()

    def restyle(self) -> None:
        super().restyle()
        _bg, fg = theme_colors()
        self.colorbar.axis.setTextPen(pg.mkPen(fg))
        self.colorbar.axis.setLabel("target", color=fg.name())

    def set_dataset(self, dataset) -> None:
        targets = [np.asarray(getattr(dataset, "y_" + p), dtype=np.float64)[:, 0] for p, _ in SPLITS]
        allv = np.concatenate([t for t in targets if len(t)]) if any(len(t) for t in targets) else np.zeros(1)
        m = float(np.nanmax(np.abs(allv))) or 1.0
        lo, hi = (-m, m) if allv.min() < 0 < allv.max() else (float(allv.min()), float(allv.max()) or 1.0)
        if hi <= lo:
            hi = lo + 1.0
        self.levels = (lo, hi)
        self.colorbar.setLevels((lo, hi))
        bg, _fg = theme_colors()
        self.counts = {}
        # one brush and one pen per colour step, shared by the points (thousands of QBrush objects are slow)
        colors = self.cmap.getLookupTable(0.0, 1.0, LUT_STEPS, mode="qcolor")
        brushes = [QBrush(c) for c in colors]
        pens = [pg.mkPen(QColor(c).darker(115), width=1.8) for c in colors]
        edge = pg.mkPen(QColor(90, 90, 90, 140), width=0.6)
        hollow = pg.mkBrush(_qcolor(bg.getRgb()[:3], 160))
        for (part, _title), t in zip(SPLITS, targets):
            pts = _points(dataset, part)[:MAX_SCATTER]
            t = t[:MAX_SCATTER]
            idx = np.clip(np.round((t - lo) / (hi - lo) * (LUT_STEPS - 1)), 0, LUT_STEPS - 1).astype(int)
            symbol, filled = SPLIT_MARKERS[part]
            if filled:
                self.items[part].setData(pos=pts, symbol=symbol, size=7, pen=edge, brush=[brushes[i] for i in idx])
            else:
                self.items[part].setData(pos=pts, symbol=symbol, size=7.5, pen=[pens[i] for i in idx], brush=hollow)
            self.counts[part] = len(pts)
        self._show_plane(dataset)
        self.legend.clear()
        for part, title in SPLITS:
            if self.counts.get(part):
                self.legend.addItem(*_split_legend_entry(part, title, filled_width=1.6))


# ========================================================================================== histogram
class HistogramPreview(_PlotPreview):
    """One feature: a histogram of every class over all splits (e.g. the clinical trial's ages)."""

    def __init__(self, parent=None):
        super().__init__("histogramPreview", parent)
        self._add_legend()
        self.curves: list[pg.PlotDataItem] = []
        self.restyle()

    def set_dataset(self, dataset) -> None:
        x = np.concatenate([np.asarray(getattr(dataset, "x_" + p), dtype=np.float64).reshape(-1)
                            for p, _ in SPLITS])
        y = np.concatenate([np.asarray(getattr(dataset, "y_" + p)).reshape(-1) for p, _ in SPLITS])
        classes = list(dataset.class_names or [])
        lo, hi = (float(x.min()), float(x.max())) if len(x) else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
        edges = np.linspace(lo, hi, 31)
        for curve in self.curves:
            self.plot.removeItem(curve)
        self.curves = []
        self.legend.clear()
        for c, name in enumerate(classes):
            counts, _ = np.histogram(x[y == c], bins=edges)
            color = class_color(c, len(classes))
            curve = pg.PlotDataItem(edges, counts, stepMode="center", fillLevel=0,
                                    pen=pg.mkPen(_qcolor(color), width=1.5), brush=pg.mkBrush(_qcolor(color, 90)))
            self.plot.addItem(curve)
            self.curves.append(curve)
            sample = pg.ScatterPlotItem(symbol="s", size=10, pen=pg.mkPen(_qcolor(color), width=1.5),
                                        brush=pg.mkBrush(_qcolor(color, 90)))
            self.legend.addItem(sample, name)
        self.legend.setColumnCount(2)
        _bg, fg = theme_colors()
        feature = (list(dataset.feature_names or []) + ["feature"])[0]
        if getattr(dataset, "scaler", None) is not None:
            feature += f" ({dataset.scaler.method} scaled)".replace("minmax", "min-max")
        self.plot.setLabel("bottom", feature, color=fg.name())
        self.plot.setLabel("left", "samples", color=fg.name())
        self.plot.autoRange(padding=0.05)


# ============================================================================================= images
class ImageGridWidget(QWidget):
    """A grid of gray images with a caption under each, scaled to fit the widget (nearest neighbour).

    ``columns`` is fixed by the caller; the tile size follows the width (up to :attr:`MAX_TILE` pixels) and
    as many rows are shown as fit the height.
    """

    CAPTION_H = 16
    TITLE_H = 20
    GAP = 6
    MAX_TILE = 76

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("imageGrid")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 160)
        self.images: list[np.ndarray] = []
        self.captions: list[str] = []
        self.columns = 5
        self.row_group = 1
        self.title = ""
        self._qimages: list[QImage] = []

    def set_images(self, images, captions, columns: int, title: str = "", row_group: int = 1) -> None:
        """``images`` ``(n, h, w)`` in [0, 1], drawn in the one image style (:mod:`nnviz.ui.image_style`: 0 is white
        paper, 1 dark blue ink), as Predict and the activations draw them."""
        self.images = [np.asarray(im, dtype=np.float32) for im in images]
        self.captions = [str(c) for c in captions]
        self.columns = max(1, int(columns))
        self.row_group = max(1, int(row_group))
        self.title = title
        self._qimages = []
        for im in self.images:
            self._qimages.append(ink_qimage(im))
        self.update()

    def _geometry(self) -> tuple[float, float, int]:
        """(tile width, tile height, rows shown)."""
        cols = self.columns
        h, w = self.images[0].shape
        tile_w = min(self.MAX_TILE, (self.width() - self.GAP * (cols + 1)) / cols)
        tile_w = max(4.0, tile_w)
        tile_h = tile_w * h / w
        avail = self.height() - self.TITLE_H - self.GAP
        rows_fit = int((avail + self.GAP) // (tile_h + self.CAPTION_H + self.GAP))
        rows_all = math.ceil(len(self.images) / cols)
        rows = min(rows_all, rows_fit)
        if rows >= self.row_group:  # whole cycles of the classes (rows 0–4 and 5–9 for the digits)
            rows -= rows % self.row_group
        return tile_w, tile_h, max(1, rows)

    def tile_rects(self) -> list[QRectF]:
        """Where the images on screen are drawn (widget coordinates), in order."""
        if not self.images:
            return []
        cols = self.columns
        tile_w, tile_h, rows = self._geometry()
        n = min(len(self.images), rows * cols)
        grid_w = cols * tile_w + (cols - 1) * self.GAP
        grid_h = rows * (tile_h + self.CAPTION_H) + (rows - 1) * self.GAP
        x0 = (self.width() - grid_w) / 2
        y0 = self.TITLE_H + max(0.0, (self.height() - self.TITLE_H - grid_h) / 2 - self.GAP)
        out = []
        for i in range(n):
            r, c = divmod(i, cols)
            out.append(QRectF(x0 + c * (tile_w + self.GAP), y0 + r * (tile_h + self.CAPTION_H + self.GAP),
                              tile_w, tile_h))
        return out

    def visible_captions(self) -> list[str]:
        return self.captions[:len(self.tile_rects())]

    def sizeHint(self) -> QSize:
        return QSize(320, 300)

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        bg, fg = theme_colors()
        painter.fillRect(self.rect(), bg)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        font = QFont(self.font())
        painter.setFont(font)
        rects = self.tile_rects()
        if self.title and rects:
            muted = QColor(fg)
            muted.setAlpha(170)
            painter.setPen(muted)
            painter.drawText(QRectF(0, rects[0].top() - self.TITLE_H, self.width(), self.TITLE_H),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self.title)
        font.setPointSizeF(max(7.5, font.pointSizeF() * 0.9))
        painter.setFont(font)
        border = QColor(fg)
        border.setAlpha(60)
        for rect, img, caption in zip(rects, self._qimages, self.captions):
            painter.drawImage(rect, img)
            painter.setPen(border)
            painter.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))
            painter.setPen(fg)
            text_rect = QRectF(rect.left() - self.GAP / 2, rect.bottom() + 1, rect.width() + self.GAP,
                               self.CAPTION_H)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             painter.fontMetrics().elidedText(caption, Qt.TextElideMode.ElideRight,
                                                              int(text_rect.width())))
        painter.end()


class DataPreviewWidget(QWidget):
    """The preview of a data set; ``mode`` says which view is showing (see the module docstring).

    A stack of pages without a layout of its own, so that its height can follow its width
    (``heightForWidth``: a square plot of the plane, a few rows of images) — a layout would answer for it.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("dataPreview")
        self.empty = QLabel("No data set")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scatter = ScatterPreview()
        self.regression = RegressionPreview()
        self.histogram = HistogramPreview()
        self.images = ImageGridWidget()
        self.table = TablePreview()
        self.pages = {"empty": self.empty, "scatter": self.scatter, "regression": self.regression,
                      "histogram": self.histogram, "images": self.images, "table": self.table}
        for page in self.pages.values():
            page.setParent(self)
            page.hide()
        self._current = self.empty
        self.empty.show()
        self.mode = "empty"
        self.dataset = None
        self.setMinimumHeight(220)

    def sizeHint(self) -> QSize:
        # pyqtgraph views ask for 640 x 480; a dock wants a square-ish plot that leaves room for the controls
        return QSize(340, self.heightForWidth(340))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, w: int) -> int:
        """Tall enough for a square plot of the plane (plus axes and legend) or a few rows of images."""
        mode = self.mode
        plane = self.dataset is not None and getattr(self.dataset, "points_train", None) is not None
        if mode == "scatter":
            return w + 40 if plane else int(w * 0.8) + 50
        if mode == "regression":
            return max(200, w - COLORBAR_W + 75) if plane else int(w * 0.8) + 30
        if mode == "histogram":
            return int(w * 0.75) + 40
        if mode == "images" and self.images.images:
            g = self.images
            h, iw = g.images[0].shape
            tile = max(4.0, min(g.MAX_TILE, (w - g.GAP * (g.columns + 1)) / g.columns)) * h / iw
            rows = min(math.ceil(len(g.images) / g.columns), g.row_group * math.ceil(4 / g.row_group))
            return int(g.TITLE_H + g.GAP + rows * (tile + g.CAPTION_H + g.GAP)) + 4
        return 300

    def set_dataset(self, dataset, csv_table=None, label_column: str | None = None, feature_columns=None) -> None:
        self.dataset = dataset
        self._last = (dataset, csv_table, label_column, feature_columns)
        mode = preview_mode(dataset)
        if mode == "scatter":
            self.scatter.set_dataset(dataset)
        elif mode == "regression":
            self.regression.set_dataset(dataset)
        elif mode == "histogram":
            self.histogram.set_dataset(dataset)
        elif mode == "images":
            imgs, captions, cols, group = sample_images(dataset)
            self.images.set_images(imgs, captions, cols, title="Training images and their labels", row_group=group)
        elif mode == "table":
            if csv_table is not None:
                self.table.set_table(csv_table, label_column, feature_columns)
            else:
                self.table.set_dataset(dataset)
        self.mode = mode
        self.setCurrentWidget(self.pages[mode])
        self.updateGeometry()

    def currentWidget(self) -> QWidget:
        return self._current

    def setCurrentWidget(self, page: QWidget) -> None:
        if page is not self._current:
            self._current.hide()
            self._current = page
            page.setGeometry(self.rect())
            page.show()

    def resizeEvent(self, event) -> None:
        self._current.setGeometry(self.rect())
        super().resizeEvent(event)

    def restyle(self) -> None:
        for page in (self.scatter, self.regression, self.histogram):
            page.restyle()
        if self.dataset is not None:
            self.set_dataset(*self._last)
        self.images.update()
