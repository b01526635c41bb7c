"""For 2-D data sets: the model's output over the input plane (the decision boundary) with the training
points, the test points on a toggle and a "Discretize output" option, as TensorFlow Playground shows it.

The plane is the playground's x₁, x₂ over [-6, 6]², or, for any other data set of two input columns (the course's
weight and height, a CSV of two features), those two columns in their own units (before scaling) over the range
the data covers (:func:`plane_of`).

The plane's logic (its points and range, the grid, the inputs at its points, and :func:`node_thumbnails`, what
the Playground draws on every node) is :mod:`nnviz.core.plane`'s; this module draws it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnviz.core.plane import (DOMAIN, Plane, is_plane_dataset, node_thumbnails, plane_features,  # noqa: F401
                               plane_grid, plane_of)
from nnviz.ui import theme, zoom as ui_zoom
from nnviz.ui.theme import ui_font
from nnviz.ui.training.common import (ProbeModel, Throttle, class_color, diverging_cmap, info_label, make_plot_widget,
                                      symmetric_levels, theme_colors)

TITLE, SHORT_TITLE = "model output over the input plane", "model output"


class BoundaryView(QWidget):
    """The model's output over the plane, with the data on top."""

    def __init__(self, parent: QWidget | None = None, resolution: int = 80, interval: float = 0.1):
        super().__init__(parent)
        self.setObjectName("boundaryView")
        self.resolution = resolution
        self.probe: ProbeModel | None = None
        self.dataset = None
        self._throttle = Throttle(interval)
        self._values = None
        self._snapshot = None
        self.plane: Plane | None = None
        points, self._axis = plane_grid(resolution)
        self._grid = points

        self.test_box = QCheckBox("Show test data")
        self.test_box.setObjectName("boundaryShowTest")
        self.discrete_box = QCheckBox("Discretize output")
        self.discrete_box.setObjectName("boundaryDiscretize")
        self.discrete_box.setToolTip("Colour each point of the plane by the predicted class only")
        self.test_box.setToolTip("Draw the test points too (square, dark rim): the network never trained on them")
        self.note = info_label("Decision boundary: for 2-D data sets (circle, XOR, Gaussian, spiral, …)")
        self.placeholder = QLabel()
        self.placeholder.setObjectName("boundaryPlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setContentsMargins(24, 12, 24, 12)
        top = QHBoxLayout()
        top.addWidget(self.test_box)
        top.addWidget(self.discrete_box)
        top.addStretch(1)

        self.plot_widget = make_plot_widget(bottom="x₁", left="x₂", title=TITLE)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self._place_image()
        self.plot.addItem(self.image)
        self.plot.setRange(xRange=DOMAIN, yRange=DOMAIN, padding=0)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=diverging_cmap(), interactive=False, width=14,
                                        colorMapMenu=False)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self._set_bar_levels((0.0, 1.0))
        # the title over the plot and the bar (columns 1-5), not the plot alone: its width no longer pushes the
        # bar past the widget's right edge in a narrow dock
        self.plot.layout.removeItem(self.plot.titleLabel)
        self.plot.layout.addItem(self.plot.titleLabel, 0, 1, 1, 5)
        self._style_colorbar()
        theme.state().theme_changed.connect(self._style_colorbar)
        _bg, fg = theme_colors()
        self.train_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=1), name="training")
        self.test_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen(fg, width=1.5), symbol="s", name="test")
        self.train_points.setZValue(10)
        self.test_points.setZValue(11)
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        # slow motion: the points of the batch just trained light up (a ring in the theme's accent)
        self.batch_points = pg.ScatterPlotItem(size=15, pen=pg.mkPen((255, 200, 0), width=3), brush=None,
                                               name="current batch")
        self.batch_points.setZValue(20)
        self.plot.addItem(self.batch_points)
        self._plain_plane = False
        self.test_points.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.placeholder, 1)
        layout.addWidget(self.note)
        self.placeholder.setVisible(False)
        self.test_box.toggled.connect(self.test_points.setVisible)
        self.discrete_box.toggled.connect(self._on_discrete_box_toggled)

    def _style_colorbar(self, *_args) -> None:
        """The bar's scale and its label ("output", on the plot's side) in the theme's text colour, like the
        plot's axes (pyqtgraph's default grey is pale on white)."""
        _bg, fg = theme_colors()
        for name in ("left", "right"):
            self.colorbar.getAxis(name).setTextPen(pg.mkPen(fg))
        self.colorbar.getAxis("left").setLabel("output", color=fg.name())

    def _set_bar_levels(self, levels) -> None:
        """The colour bar's range with three labels, its ends and its middle: the automatic ticks overlapped on the
        short bar of a small screen ("1.0 0.8 0.6 0.4" in 60 pixels)."""
        lo, hi = (float(v) for v in levels)
        if self.colorbar.levels() != (lo, hi):
            self.colorbar.setLevels((lo, hi))
        mid = (lo + hi) / 2
        if mid == 0:   # a regression's symmetric bar: -m, 0, m
            self.colorbar.getAxis("right").setTicks([[(v, f"{v:g}") for v in (lo, mid, hi)], []])
        else:          # probabilities: 0 and 1 labelled, 0.5 a plain tick (its label did not fit a narrow dock)
            self.colorbar.getAxis("right").setTicks([[(lo, f"{lo:g}"), (hi, f"{hi:g}")], [(mid, "")]])

    #: below this height (at 100 % zoom) the plane gets the title's and the note's room: in the bottom row of a
    #: 1280×720 window they left it 51 px (the dock's title and the colour bar say what it shows; the
    #: note becomes the plot's tooltip)
    SHORT_HEIGHT = 300

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_chrome()

    def _fit_chrome(self) -> None:
        short = self.height() < ui_zoom.scaled(self.SHORT_HEIGHT)
        # the full title when it fits above plot and bar, else a short one (it was cut: "...the input plar")
        room = self.plot_widget.width() - 70   # (the axes' and the bar's margins)
        text = TITLE if QFontMetricsF(ui_font(10)).horizontalAdvance(TITLE) <= room else SHORT_TITLE
        if short:
            if self.plot.titleLabel.isVisible():
                self.plot.setTitle(None)
        elif text != self.plot.titleLabel.text or not self.plot.titleLabel.isVisible():
            _bg, fg = theme_colors()
            self.plot.setTitle(text, color=fg.name(), size="10pt")
        self.note.setVisible(not short)
        self.plot_widget.setToolTip(self.note.text() if short else "")

    def restyle(self) -> None:
        _bg, fg = theme_colors()
        self.test_points.setPen(pg.mkPen(fg, width=1.5))
        self._style_colorbar()

    # ------------------------------------------------------------------ context
    def set_context(self, probe: ProbeModel | None, dataset) -> None:
        self.probe = probe
        self.dataset = dataset
        self._values = None
        self.image.clear()   # no picture of a network that is gone (or cannot train on this data)
        plane = self.plane = plane_of(dataset)
        for w in (self.plot_widget, self.test_box, self.discrete_box, self.note):
            w.setVisible(plane is not None)
        self.placeholder.setVisible(plane is None)
        if plane is None:
            self.train_points.setData([])
            self.test_points.setData([])
            self.placeholder.setText(self._placeholder_text(dataset))
            return
        self._grid, self._axis = plane_grid(self.resolution, plane.x_range, plane.y_range)
        self.plot.setLabel("bottom", plane.labels[0])
        self.plot.setLabel("left", plane.labels[1])
        self.plot.setAspectLocked(plane.square)
        self.plot.setRange(xRange=plane.x_range, yRange=plane.y_range, padding=0)
        self.note.setText(f"{dataset.name}: {len(plane.train)} training points (white rim), "
                          f"{len(plane.test)} test points (dark square rim).")
        self._fit_chrome()
        self.train_points.setData(pos=plane.train, brush=self._brushes(dataset, dataset.y_train))
        self._plain_plane = np.shape(plane.train) == np.shape(dataset.x_train) and np.allclose(plane.train,
                                                                                               dataset.x_train)
        self.test_points.setData(pos=plane.test, brush=self._brushes(dataset, dataset.y_test))
        regression = dataset.task == "regression"
        self._set_bar_levels((-1.0, 1.0) if regression else (0.0, 1.0))
        self.discrete_box.setEnabled(not regression)
        self.update_snapshot(self._snapshot, force=True)

    @staticmethod
    def _placeholder_text(dataset) -> str:
        if dataset is None:
            return "No data set: choose one in the Data panel."
        shape = tuple(getattr(dataset, "input_shape", ()))
        if len(shape) == 1:
            what = f"{shape[0]} input" + ("s" if shape[0] != 1 else "")
        elif len(shape) == 3:
            what = f"{shape[0]}×{shape[1]} images" + (f" of {shape[2]} channels" if shape[2] != 1 else "")
        else:
            what = "inputs of shape " + "×".join(map(str, shape))
        text = (f"The decision boundary colours the plane of two inputs by the network's output; this data set has "
                f"{what}.")
        if getattr(dataset, "task", "") != "regression":
            text += " The Confusion matrix tab shows how the network classifies it."
        return text

    @staticmethod
    def _brushes(dataset, y) -> list:
        y = np.asarray(y)
        if dataset.task == "regression":
            cmap = diverging_cmap()
            lo, hi = symmetric_levels(y)
            colors = cmap.map((y.ravel() - lo) / (hi - lo), mode="qcolor")
            return [pg.mkBrush(c) for c in colors]
        k = dataset.num_classes or 2
        cached = [pg.mkBrush(*class_color(c, k)) for c in range(k)]
        return [cached[int(c)] for c in y]

    # ------------------------------------------------------------------ drawing
    def output_values(self) -> np.ndarray | None:
        """The plane's output image ``(r, r)`` as drawn (before discretizing), row 0 at the lowest x₂."""
        return self._values

    def update_snapshot(self, snap, force: bool = False) -> None:
        if snap is not None:
            self._snapshot = snap
        probe, ds = self.probe, self.dataset
        if probe is None or probe.model is None or self.plane is None:
            return
        batch_x = getattr(snap, "batch_x", None) if snap is not None else None
        self.batch_points.setData(pos=batch_x if batch_x is not None and self._plain_plane else np.zeros((0, 2)))
        if not (force or self._throttle.ready()):
            return
        if snap is not None:
            probe.sync(snap)
        x = plane_features(ds, self._grid)
        try:
            out = probe.predict(x)
        except ValueError:
            return
        r = self.resolution
        if ds.task == "regression" or out.shape[1] == 1:
            values = out[:, 0].reshape(r, r)           # the target, or sigmoid: P(class 1)
        else:
            values = out[:, 1].reshape(r, r) if out.shape[1] == 2 else out.argmax(1).reshape(r, r) / (out.shape[1] - 1)
        self._values = values
        self._draw()

    def _draw(self) -> None:
        values = self._values
        if values is None:
            return
        ds = self.dataset
        if ds.task == "regression":
            lo, hi = symmetric_levels(values)
            lo, hi = min(lo, -1.0), max(hi, 1.0)
            self.image.setImage(values, autoLevels=False, levels=(lo, hi))
            self._place_image()
            self._set_bar_levels((lo, hi))
            return
        shown = (values > 0.5).astype(np.float32) if self.discrete_box.isChecked() else values
        self.image.setImage(shown, autoLevels=False, levels=(0.0, 1.0))
        self._place_image()

    def _place_image(self) -> None:
        plane = getattr(self, "plane", None)   # setRect scales by the image's size: after setImage, not before
        (x0, x1), (y0, y1) = (plane.x_range, plane.y_range) if plane is not None else (DOMAIN, DOMAIN)
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)

    def _on_discrete_box_toggled(self, _on: bool) -> None:
        self._draw()

    def clear(self) -> None:
        self._values = None
        self.image.clear()

