"""The confusion matrix of a classification model on the test (or validation / training) split.

Rows are the true classes, columns the predicted ones; a cell's colour is the share of its row (the
recall of that class), its text the count. One ``ImageItem`` and one ``TextItem`` per cell, created when
the number of classes changes.

While training, an update predicts a quarter of the (at most :attr:`ConfusionView.max_rows`) samples, every fourth
one in turn, and counts them all: a big network's forward pass of 500 MNIST rows blocked the window for 10–20 ms
each time. Paused or stopped, every sample is predicted with the weights of that moment.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnviz.core.confusion import confusion_matrix, predicted_classes  # noqa: F401
from nnviz.ui.training.common import ProbeModel, Throttle, info_label, make_plot_widget, sequential_cmap


class ConfusionView(QWidget):
    def __init__(self, parent: QWidget | None = None, interval: float = 0.25):
        super().__init__(parent)
        self.setObjectName("confusionView")
        self.probe: ProbeModel | None = None
        self.dataset = None
        self._throttle = Throttle(interval)
        self._snapshot = None
        self._k = 0
        self._texts: list[pg.TextItem] = []
        self.matrix: np.ndarray | None = None
        self._predicted: np.ndarray | None = None   # the class predicted for each sample of the split
        self._predicted_for = None                  # (model, split, rows) those predictions belong to
        self._turn = 0

        self.split_combo = QComboBox()
        self.split_combo.setObjectName("confusionSplit")
        self.split_combo.setToolTip("The split whose samples are counted: test (never trained on), validation or "
                                    "training")
        self.split_combo.addItems(["test", "validation", "training"])
        self._wanted_split = "test"
        self.summary = info_label(" ", "confusionSummary")
        top = QHBoxLayout()
        top.addWidget(QLabel("Split:"))
        top.addWidget(self.split_combo)
        top.addWidget(self.summary, 1)

        self.plot_widget = make_plot_widget(bottom="predicted class", left="true class")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.invertY(True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(sequential_cmap().getLookupTable(nPts=256))
        self.plot.addItem(self.image)
        # a short label: "share of the true class (%)" was cut in a 200-px dock; the tool tip says it in full
        self.colorbar = pg.ColorBarItem(values=(0, 100), colorMap=sequential_cmap(), label="% of the row",
                                        interactive=False, width=14, colorMapMenu=False)
        self.plot_widget.setToolTip("Rows: the true classes; columns: the predicted ones. A cell's colour is its "
                                    "share of the true class (its row), its figure the number of samples.")
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        # three labels: the automatic ones (every 20 %) ran into each other on the short bar of a 720-px window
        self.colorbar.getAxis("right").setTicks([[(0, "0"), (50, "50"), (100, "100")], []])
        self._summary_texts: tuple[str, str] | None = None   # (full, short) of the accuracy line
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.plot_widget, 1)
        self.split_combo.currentIndexChanged.connect(self._on_split_combo_changed)
        self.plot.getViewBox().sigResized.connect(self._fit_texts)

    def _fit_texts(self, *_args) -> None:
        """The counts only when every cell has room for its figure: ten classes in a 200-px dock wrote them over
        each other (the colours still tell; a larger dock shows the figures)."""
        if not self._k:
            return
        vb = self.plot.getViewBox()
        widest = max((len(str(v)) for v in self.matrix.flat), default=1) if self.matrix is not None else 1
        metrics = self.fontMetrics()
        show = (vb.width() / self._k >= metrics.horizontalAdvance("8" * widest) + 2
                and vb.height() / self._k >= metrics.height())
        for t in self._texts:
            if t.isVisible() != show:
                t.setVisible(show)

    def set_context(self, probe: ProbeModel | None, dataset) -> None:
        self.probe = probe
        self.dataset = dataset
        k = dataset.num_classes if dataset is not None and dataset.task != "regression" else 0
        self.setEnabled(bool(k))
        if k != self._k:
            for t in self._texts:
                self.plot.removeItem(t)
            self._texts = []
            for _ in range(k * k):
                text = pg.TextItem("", anchor=(0.5, 0.5), color=(0, 0, 0))
                self.plot.addItem(text)
                self._texts.append(text)
            self._k = k
        if k:
            names = dataset.class_names
            ticks = [[(i + 0.5, str(n)) for i, n in enumerate(names)]]
            self.plot.getAxis("bottom").setTicks(ticks)
            self.plot.getAxis("left").setTicks(ticks)
            self.image.setRect(0, 0, k, k)
            self.plot.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)
            self._end_accuracy_line()
            self.summary.setText(" ")
            self._choose_filled_split()
        else:
            self.image.clear()
            self._end_accuracy_line()
            self.summary.setText("The confusion matrix is for classification data sets.")
        self.matrix = None
        self._predicted = None
        self.update_snapshot(self._snapshot, force=True)

    def _choose_filled_split(self) -> None:
        """Data without a test split (the course's six people, all for training) shows a split that has samples
        rather than an empty matrix; the empty splits stay in the list, marked so."""
        ds = self.dataset
        sizes = [len(getattr(ds, "x_" + part)) for part in ("test", "val", "train")]
        for i, n in enumerate(sizes):
            self.split_combo.setItemData(i, None if n else "this split has no samples", Qt.ToolTipRole)
        wanted = self.split_combo.findText(self._wanted_split)
        index = wanted if sizes[wanted] or not any(sizes) else next(i for i, n in enumerate(sizes) if n)
        blocked = self.split_combo.blockSignals(True)
        self.split_combo.setCurrentIndex(index)
        self.split_combo.blockSignals(blocked)

    #: rows predicted per update at most, evenly spread over the split (about 10 ms for 784-256-128-10):
    #: predicting a 12,000-row MNIST test split whole on the GUI thread took hundreds of ms per update
    max_rows = 500
    #: while training, an update predicts every ``running_turns``-th sample (the next share in turn)
    running_turns = 4

    def _split(self):
        ds = self.dataset
        part = {"test": "test", "validation": "val", "training": "train"}[self.split_combo.currentText()]
        x, y = getattr(ds, "x_" + part), getattr(ds, "y_" + part)
        self._split_rows = len(x)
        if len(x) > self.max_rows:   # the sample is taken once per split (a copy of 500 MNIST rows each time cost 1 ms)
            key = (id(x), len(x), self.max_rows)
            cached = getattr(self, "_sample", None)
            if cached is None or cached[0] != key:
                rows = np.linspace(0, len(x) - 1, self.max_rows).astype(np.intp)
                cached = self._sample = (key, x[rows], y[rows])
            x, y = cached[1], cached[2]
        return x, y, self.split_combo.currentText()

    def _on_split_combo_changed(self, *_args) -> None:
        self._wanted_split = self.split_combo.currentText()   # the user's choice, kept for data that has it
        self.update_snapshot(self._snapshot, force=True)

    def update_snapshot(self, snap, force: bool = False) -> None:
        if snap is not None:
            self._snapshot = snap
        if not self._k:
            return
        if self.probe is None or self.probe.model is None:   # nothing that can classify this data
            self.matrix = None
            self.image.clear()
            for t in self._texts:
                t.setText("")
                t._shown = None
            self._end_accuracy_line()
            self.summary.setText("No network that fits this data set.")
            return
        if not (force or self._throttle.ready()):
            return
        if snap is not None:
            self.probe.sync(snap)
        x, y, name = self._split()
        if not len(x):
            self._end_accuracy_line()
            self.summary.setText(f"The {name} split is empty.")
            self.image.clear()
            for t in self._texts:
                t.setText("")
            return
        key = (id(self.probe.model), name, len(x))
        rows = slice(None)
        if snap is not None and snap.state == "running" and self._predicted_for == key and len(x) > 1:
            rows = slice(self._turn % self.running_turns, None, self.running_turns)
            self._turn += 1
        try:
            out = self.probe.predict(x[rows])
        except ValueError:
            return
        k = self._k
        per_sample = np.asarray(out).reshape(len(out), -1).shape[1]
        if per_sample not in (1, k) or (per_sample == 1 and k != 2):  # not yet a classifier's output: say so
            self._end_accuracy_line()
            self.summary.setText(f"The output ({per_sample} values a sample) is not one score per class ({k}).")
            self._predicted_for = None
            return
        if rows == slice(None):
            self._predicted, self._predicted_for, self._turn = predicted_classes(out), key, 0
        else:
            self._predicted[rows] = predicted_classes(out)
        m = confusion_matrix(y, self._predicted, k)
        self.matrix = m
        share = 100.0 * m / np.maximum(m.sum(axis=1, keepdims=True), 1)
        self.image.setImage(share.astype(np.float32), autoLevels=False, levels=(0.0, 100.0))
        self.image.setRect(0, 0, k, k)  # after setImage: the rect is a scale of the image's size
        for i in range(k):
            for j in range(k):  # a TextItem repaints on every setText: only touch the cells that changed
                t = self._texts[i * k + j]
                text = str(m[i, j]) if m[i, j] else ""
                dark = share[i, j] > 55
                if getattr(t, "_shown", None) != (text, dark):
                    t._shown = (text, dark)
                    t.setText(text)
                    t.setColor((255, 255, 255) if dark else (20, 20, 20))
                    t.setPos(j + 0.5, i + 0.5)
        self._fit_texts()
        acc = np.trace(m) / max(m.sum(), 1)
        of = f" of {self._split_rows:,}" if self._split_rows > m.sum() else ""
        self._summary_texts = (f"{name}: {m.sum():,}{of} samples, accuracy <b>{100 * acc:.1f} %</b>",
                               f"{name} accuracy <b>{100 * acc:.1f} %</b>")
        self.summary.setTextFormat(Qt.RichText)
        self._fit_summary()

    def _end_accuracy_line(self) -> None:
        self._summary_texts = None
        self.summary.setToolTip("")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_summary()

    def _fit_summary(self) -> None:
        """The accuracy line in full when it fits on one line beside the split, else its short form with the full
        one as its tool tip: in the bottom row of a 1280×720 window it wrapped to four lines over the matrix."""
        texts = self._summary_texts
        if texts is None:
            return
        plain = texts[0].replace("<b>", "").replace("</b>", "")
        fits = self.summary.fontMetrics().horizontalAdvance(plain) <= self.summary.width()
        text = texts[0] if fits else texts[1]
        if self.summary.text() != text:
            self.summary.setText(text)
        self.summary.setToolTip("" if fits else plain)
