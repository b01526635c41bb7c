"""The Perceptron dock: Rosenblatt's rule stepped one sample at a time, the decision line moving after each mistake.

For a perceptron project (``meta["system"] == "perceptron"``, :mod:`nnviz.io.perceptron_project`). The rule costs
microseconds a sample, so the dock drives :meth:`nnviz.core.perceptron.Perceptron.updates` from the GUI thread with
a ``QTimer`` (no worker: there is nothing heavy to keep off the GUI thread). Left: the training points coloured
by class, the line w·x + b = 0 (one per unit for more than two classes, one-vs-rest) and a ring on the sample just
seen; right: mistakes per epoch. The line under them explains the last update in the course's notation, and
says when training converged (an epoch without a mistake) or why it cannot (no straight line separates the
classes). Pausing, converging or giving up writes the weights and the new epochs' history back to the document.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox, QDockWidget, QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from nnviz.ui.training.common import class_color, info_label, make_plot_widget

#: Run's pace: milliseconds between ticks, samples a tick (None: the rest of the epoch)
SPEEDS = {"slow": (250, 1), "fast": (30, 1), "by epoch": (60, None)}


class PerceptronView(QWidget):
    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("perceptronView")
        self.document = document
        self.perceptron = None
        self.dataset = None
        self.x = self.y = None
        self.last_step = None
        self._steps = None
        self._synced_epochs = 0
        self._writing = False
        self._box = (np.array([-1.0, -1.0]), np.array([1.0, 1.0]))
        self._doc_weights: list[np.ndarray] = []
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._on_timer_timeout)

        # tool buttons and short names: the dock shares a tab group with narrow views and must not widen it
        self.step_button = QToolButton()
        self.step_button.setText("Step")
        self.step_button.setToolTip("Show the rule one sample: ŷ = step(w·x + b); after a mistake w ← w + η (t − ŷ) x")
        self.run_button = QToolButton()
        self.run_button.setText("Run")
        self.run_button.setCheckable(True)
        self.run_button.setToolTip("Step sample after sample until an epoch has no mistake (or the epochs run out)")
        self.reset_button = QToolButton()
        self.reset_button.setText("Reset")
        self.reset_button.setToolTip("Back to zero weights (Rosenblatt's start) and no history")
        self.speed_combo = QComboBox()
        self.speed_combo.addItems(list(SPEEDS))
        self.speed_combo.setToolTip("How fast Run steps: slow and fast one sample at a time, or an epoch at a time")
        self.outcome = info_label(" ", "perceptronOutcome")
        self.outcome.setTextFormat(Qt.RichText)
        self.explanation = info_label(" ", "perceptronExplanation")
        small = self.explanation.font()
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1.5))    # the dock is narrow at 1280×720
        self.explanation.setFont(small)
        buttons = QHBoxLayout()
        for w in (self.step_button, self.run_button, self.reset_button, self.speed_combo):
            buttons.addWidget(w)
        buttons.addStretch(1)

        self.plane_widget = make_plot_widget(bottom="x₁", left="x₂")
        self.plane = self.plane_widget.getPlotItem()
        self.plane.setTitle("Decision line w·x + b = 0", size="9pt")
        self.points = pg.ScatterPlotItem(size=9, pen=pg.mkPen(40, 40, 40, 120))
        self.plane.addItem(self.points)
        self.current = pg.ScatterPlotItem(size=20, brush=None, pen=pg.mkPen(220, 30, 30, width=2.5))
        self.plane.addItem(self.current)
        self.lines: list[pg.PlotDataItem] = []
        self.mistakes_widget = make_plot_widget(bottom="epoch", left="mistakes")
        self.mistakes_plot = self.mistakes_widget.getPlotItem()
        # no title: the axes say it, and a short dock needs the height for the bars
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=pg.mkBrush(8, 119, 189))
        self.mistakes_plot.addItem(self.bars)
        # the line beside the mistakes and the words under them: a short bottom dock keeps both plots readable
        self.plane_widget.setMinimumHeight(130)
        self.mistakes_widget.setMinimumHeight(80)
        side = QVBoxLayout()
        side.addWidget(self.mistakes_widget, 1)
        side.addWidget(self.explanation)
        side.addWidget(self.outcome)
        plots = QHBoxLayout()
        plots.addWidget(self.plane_widget, 1)
        plots.addLayout(side, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addLayout(plots, 1)

        self.step_button.clicked.connect(self._on_step_button_clicked)
        self.run_button.toggled.connect(self._on_run_button_toggled)
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.speed_combo.currentIndexChanged.connect(self._on_speed_combo_changed)
        for signal in ("dataset_changed", "architecture_changed", "weights_changed", "training_config_changed"):
            getattr(document, signal).connect(self._on_document_changed)
        self._on_document_changed()

    # ------------------------------------------------------------------ the document's perceptron
    @property
    def active(self) -> bool:
        return self.perceptron is not None

    def _unchanged(self) -> bool:
        """The document still holds the data set and the weights this perceptron started from or last wrote
        (a settings panel or the training engine re-sending them changes nothing to step)."""
        from nnviz.io.perceptron_project import is_perceptron

        d = self.document
        if self.perceptron is None or d.dataset is not self.dataset or d.model is None or not is_perceptron(d):
            return False
        weights = d.model.get_weights()
        return len(weights) == len(self._doc_weights) and all(
            a.shape == b.shape and np.array_equal(a, b) for a, b in zip(weights, self._doc_weights))

    def _on_document_changed(self, *_args) -> None:
        if self._writing:
            return
        if self._unchanged():
            self.perceptron.learning_rate = float(self.document.training_config.learning_rate)
            return
        self._stop()
        from nnviz.io.perceptron_project import features_of, is_perceptron, perceptron_of

        d = self.document
        self._doc_weights = [] if d.model is None else [w.copy() for w in d.model.get_weights()]
        self.perceptron = None
        self._steps = None
        self.last_step = None
        if not is_perceptron(d) or d.dataset is None or d.model is None:
            self._set_enabled(False)
            self.explanation.setText("For a perceptron: open File ▸ Examples ▸ Perceptron: AND (or OR, XOR, the "
                                     "Gaussian clouds).")
            self.outcome.setText(" ")
            self.outcome.setToolTip("")
            self._draw()
            return
        try:
            self.perceptron = perceptron_of(d.to_project(), d.dataset)
            self.x, self.y = features_of(d.dataset)
        except ValueError as exc:
            self.perceptron = None
            self._set_enabled(False)
            self.explanation.setText(f"This perceptron cannot learn the data set: {exc}")
            self._draw()
            return
        self.dataset = d.dataset
        self._synced_epochs = len(self.perceptron.history.epoch)
        self._set_enabled(True)
        self.explanation.setText(f"{self.perceptron.scheme}. Step or Run: after every mistake "
                                 f"w ← w + η (t − ŷ) x, η = {self.perceptron.learning_rate:g}.")
        self.outcome.setText(" ")
        self.outcome.setToolTip("")
        self._draw(full=True)

    def _set_enabled(self, on: bool) -> None:
        for w in (self.step_button, self.run_button, self.reset_button, self.speed_combo):
            w.setEnabled(on)

    # ------------------------------------------------------------------ stepping
    def _generator(self):
        if self._steps is None:
            epochs = max(1, int(self.document.training_config.epochs or 100))
            self._steps = self.perceptron.updates(self.x, self.y, epochs)
        return self._steps

    def step(self, samples: int | None = 1) -> bool:
        """Run the rule on ``samples`` samples (None: to the end of the epoch); False when training ended."""
        if not self.active:
            return False
        steps = self._generator()
        epoch = None
        count = 0
        while samples is None or count < samples:
            step = next(steps, None)
            if step is None:
                self._finish()
                return False
            if epoch is None:
                epoch = step.epoch
            self.last_step = step
            count += 1
            if samples is None and step.index == len(self.x) - 1 and not self.perceptron.shuffle:
                break
            if samples is None and step.epoch != epoch:
                break
        self._show_step()
        return True

    def _finish(self) -> None:
        """The generator ended: converged, cycling or out of epochs. Say so and keep the result."""
        self._steps = None
        self._stop()
        self._show_step()
        self.outcome.setText(f"<b>{self.perceptron.headline()}</b>")
        self.outcome.setToolTip(self.perceptron.outcome())
        self._write_back()

    def _show_step(self) -> None:
        s = self.last_step
        if s is not None:
            self.explanation.setText(f"epoch {s.epoch + 1}, {s.explain(self.perceptron.learning_rate)}")
        self._draw()

    def _stop(self) -> None:
        self.timer.stop()
        if self.run_button.isChecked():
            self.run_button.blockSignals(True)
            self.run_button.setChecked(False)
            self.run_button.blockSignals(False)
        self.run_button.setText("Run")

    def _on_step_button_clicked(self) -> None:
        if self.run_button.isChecked():
            self.run_button.setChecked(False)
        self.step(1)

    def _on_run_button_toggled(self, on: bool) -> None:
        if on:
            self.run_button.setText("Pause")
            self.timer.start(SPEEDS[self.speed_combo.currentText()][0])
        else:
            self._stop()
            self._write_back()

    def _on_speed_combo_changed(self, *_args) -> None:
        if self.timer.isActive():
            self.timer.start(SPEEDS[self.speed_combo.currentText()][0])

    def _on_timer_timeout(self) -> None:
        self.step(SPEEDS[self.speed_combo.currentText()][1])

    def _on_reset_button_clicked(self) -> None:
        self._stop()
        self._writing = True
        try:
            self.document.reinitialize_weights()
            self.document.reset_history()
        finally:
            self._writing = False
        self._on_document_changed()

    def _write_back(self) -> None:
        """The trained weights and the new epochs' mistakes and accuracy into the document."""
        if not self.active:
            return
        kernel, bias = self.perceptron.get_weights()
        model = self.document.model
        self._writing = True
        try:
            self.document.set_weights([kernel.astype(model.dtype), bias.astype(model.dtype)])
            self._doc_weights = [w.copy() for w in model.get_weights()]
            history = self.perceptron.history.history
            for i in range(self._synced_epochs, len(self.perceptron.history.epoch)):
                self.document.append_history({k: v[i] for k, v in history.items()})
            self._synced_epochs = len(self.perceptron.history.epoch)
        finally:
            self._writing = False

    # ------------------------------------------------------------------ drawing
    def _draw(self, full: bool = False) -> None:
        p = self.perceptron
        two_d = p is not None and self.x is not None and self.x.shape[1] == 2
        self.plane_widget.setVisible(True)
        if p is None or not two_d:
            self.points.clear()
            self.current.clear()
            for line in self.lines:
                line.setData([], [])
            if p is not None:
                self.plane.setTitle("The decision line is drawn for 2 inputs", size="9pt")
        else:
            k = p.num_classes
            if full:
                self.points.setData(self.x[:, 0], self.x[:, 1],
                                    brush=[pg.mkBrush(*class_color(int(c), k)) for c in self.y])
                lo, hi = self.x.min(axis=0).astype(float), self.x.max(axis=0).astype(float)
                pad = np.maximum((hi - lo) * 0.15, 0.25)
                self._box = (lo - pad, hi + pad)
                self.plane.setRange(xRange=(float(self._box[0][0]), float(self._box[1][0])),
                                    yRange=(float(self._box[0][1]), float(self._box[1][1])), padding=0)
            while len(self.lines) < p.units:
                line = pg.PlotDataItem(pen=pg.mkPen(30, 30, 30, width=2))
                self.plane.addItem(line)
                self.lines.append(line)
            for u, line in enumerate(self.lines):
                if u >= p.units:
                    line.setData([], [])
                    continue
                color = (30, 30, 30) if p.units == 1 else class_color(u, k)
                line.setPen(pg.mkPen(*color, width=2))
                line.setData(*self._line(p.kernel[:, u], p.bias[u]))
            s = self.last_step
            if s is not None:
                self.current.setData([s.x[0]], [s.x[1]])
            else:
                self.current.clear()
        mistakes = p.history.history.get("mistakes", []) if p is not None else []
        self.bars.setOpts(x=np.arange(1, len(mistakes) + 1), height=np.asarray(mistakes, float), width=0.7)
        if mistakes:
            self.mistakes_plot.setXRange(0.4, len(mistakes) + 0.6, padding=0)
            step = max(1, -(-len(mistakes) // 8))                        # whole epochs on the axis
            self.mistakes_plot.getAxis("bottom").setTickSpacing(major=step, minor=step)
            self.mistakes_plot.setYRange(0.0, float(max(max(mistakes), 1)) * 1.1, padding=0)

    def _line(self, w, b):
        """Two points of w·x + b = 0 across the plotted box (none while w = 0)."""
        (x0, y0), (x1, y1) = self._box
        if abs(w[1]) > 1e-12 and abs(w[1]) >= abs(w[0]) * 1e-6:
            xs = np.array([x0, x1])
            return xs, -(w[0] * xs + b) / w[1]
        if abs(w[0]) > 1e-12:
            c = -b / w[0]
            return np.array([c, c]), np.array([y0, y1])
        return np.array([]), np.array([])


def attach_perceptron(window, document):
    """The Perceptron dock, behind the weights; brought to the front when a perceptron project opens."""
    view = PerceptronView(document)
    dock = QDockWidget("Perceptron", window)
    dock.setObjectName("perceptronDock")
    dock.setWidget(view)
    add = getattr(window, "add_dock", None)
    if add is not None:
        # behind the weights: the widest tab group after the curves (which must keep no tab bar)
        add(dock, area=Qt.DockWidgetArea.BottomDockWidgetArea, tabify_with="weightsDock")
    else:
        window.addDockWidget(Qt.BottomDockWidgetArea, dock)

    def front(*_args):
        if view.active:
            dock.show()
            dock.raise_()

    document.dataset_changed.connect(front)
    front()
    window.perceptron_view = view
    return view
