"""An autoencoder's code space: where the encoder puts each sample, coloured by the class it was never told.

Left: the training samples' codes (the bottleneck layer's output, :func:`nnviz.core.autoencoder.bottleneck_index`)
as a scatter, coloured by the source data set's classes; a code of two units is drawn as it is, a wider one on its
first two principal components. Right, for a code of two units: "walk the code space", the decoder's output for a
6×6 grid of codes spanning the scatter (top right: both units large). The line below names the code layer and how well
the codes keep classes apart (nearest class centroid on the test split, against chance).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from nnviz.core.autoencoder import (bottleneck_index, code_2d, decoded_grid, nearest_centroid_accuracy,
                                    split_autoencoder)
from nnviz.ui.training.common import class_color, info_label, make_plot_widget, mosaic
from nnviz.ui.training.reconstruction_view import AutoencoderViewBase, as_images, gray_map

MAX_POINTS = 1000
GRID = 6


class CodeSpaceView(AutoencoderViewBase):
    def __init__(self, parent: QWidget | None = None, interval: float = 0.5):
        super().__init__(parent, interval)
        self.setObjectName("codeSpaceView")
        self.points: np.ndarray | None = None
        self.axes = ""
        self.accuracy = float("nan")

        self.scatter_widget = make_plot_widget(bottom="code unit 1", left="code unit 2")
        self.scatter_plot = self.scatter_widget.getPlotItem()
        self.scatter_plot.setTitle("Code space", size="9pt")
        self.scatter = pg.ScatterPlotItem(size=5, pen=None)
        self.scatter_plot.addItem(self.scatter)
        self.key = info_label(" ", "codeSpaceKey")      # the class colours, under the plot (a legend hides points)
        self.key.setTextFormat(Qt.RichText)
        self._key_names: list = []
        self.grid_widget = make_plot_widget()
        self.grid_plot = self.grid_widget.getPlotItem()
        self.grid_plot.setTitle("Decoded codes", size="9pt")
        self.grid_plot.invertY(True)
        self.grid_plot.setAspectLocked(True)
        self.grid_plot.hideAxis("left")
        self.grid_plot.hideAxis("bottom")
        self.grid_plot.setMouseEnabled(x=False, y=False)
        self.grid_plot.hideButtons()
        self.grid_image = pg.ImageItem(axisOrder="row-major")
        self.grid_image.setLookupTable(gray_map().getLookupTable(nPts=256))
        self.grid_plot.addItem(self.grid_image)
        self.summary = info_label(" ", "codeSpaceSummary")
        self.summary.setTextFormat(Qt.RichText)
        plots = QHBoxLayout()
        plots.addWidget(self.scatter_widget, 5)
        plots.addWidget(self.grid_widget, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(plots, 1)
        layout.addWidget(self.key)
        layout.addWidget(self.summary)

    def _clear(self) -> None:
        self.points = None
        self.scatter.clear()
        self.grid_image.clear()
        self._set_legend([])

    def _set_legend(self, names) -> None:
        self._key_names = list(names)
        self.key.setText(" ".join(
            f'<span style="color: rgb{class_color(i, len(names))}">●</span>&nbsp;{name}'
            for i, name in enumerate(names)) or " ")

    def _redraw(self) -> None:
        model = self.probe.model
        ds = self.dataset
        try:
            at = bottleneck_index(model)
            encoder, decoder = split_autoencoder(model, at)
        except ValueError as exc:
            self.summary.setText(f"No code to show: {exc}.")
            return
        x = ds.x_train[:MAX_POINTS]
        codes = encoder.predict(x, batch_size=256).reshape(len(x), -1)
        self.points, self.axes = code_2d(codes)
        labels = ds.labels_train[:MAX_POINTS] if ds.labels_train is not None else None
        names = ds.label_names or []
        if labels is not None and names:
            colors = [pg.mkBrush(*class_color(c, len(names))) for c in range(len(names))]
            brushes = [colors[int(c)] for c in labels]
        else:
            brushes = pg.mkBrush(90, 90, 90)
        self.scatter.setData(self.points[:, 0], self.points[:, 1], brush=brushes)
        if self._key_names != list(names):
            self._set_legend(names)
        unit = {"units": "code unit", "unit": "code unit", "principal components": "principal component"}[self.axes]
        self.scatter_plot.setLabel("bottom", f"{unit} 1")
        self.scatter_plot.setLabel("left", f"{unit} 2" if self.axes != "unit" else "")
        layer = model.layers[at]
        width = codes.shape[1]
        text = f"code: layer <b>{layer.name}</b>, {width} value{'s' if width != 1 else ''}"
        if self.axes == "principal components":
            text += ", shown on its first two principal components"
        if labels is not None and len(ds.x_test) and ds.labels_test is not None:
            test_codes = encoder.predict(ds.x_test[:MAX_POINTS], batch_size=256)
            self.accuracy = nearest_centroid_accuracy(codes, labels, test_codes, ds.labels_test[:MAX_POINTS])
            text += (f" · nearest class centre on the test split: <b>{100 * self.accuracy:.0f} %</b> "
                     f"(chance {100 / max(len(names), 1):.0f} %)")
        if width == 2:
            _u, _v, decoded = decoded_grid(decoder, codes, steps=GRID)
            images = as_images(decoded.reshape(GRID * GRID, *decoded.shape[2:]))
            tiles, _r, _c = mosaic(images, ncols=GRID)
            lo, hi = float(np.min(ds.y_train)), float(np.max(ds.y_train))
            self.grid_image.setImage(tiles, autoLevels=False, levels=(lo, hi if hi > lo else lo + 1))
            self.grid_plot.setRange(xRange=(0, tiles.shape[1]), yRange=(0, tiles.shape[0]), padding=0.02)
            self.grid_plot.setTitle("Decoded codes", size="9pt")
        else:
            self.grid_image.clear()
            self.grid_plot.setTitle("Decoding a grid needs a 2-unit code", size="9pt")
        self.summary.setText(text)
