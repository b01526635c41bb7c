"""The Perceptron dock: the decision line moving after each mistake, mistakes per epoch, and the outcome.

For a perceptron project (``meta["system"] == "perceptron"``, :mod:`nnviz.io.perceptron_project`). The rule trains
where every network trains: the training engine, off the GUI thread, through
:func:`nnviz.core.perceptron_fit.fit_perceptron` (one sample a "batch"). The dock's buttons are the toolbar's
actions under the perceptron's words (Train / Pause, Step sample = Step batch, Step epoch, Reset), so the dock,
the toolbar and the keyboard share one path, and a run is one undo entry like any other. The dock draws the
newest training snapshot: left the training points coloured by class, the line w·x + b = 0 (one per unit for more
than two classes, one-vs-rest) and a ring on the sample just seen; right the mistakes per epoch. Under them:
where training is, and when it ended, why (an epoch without a mistake, or no straight line separates the classes).
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QGridLayout, QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from nnviz.core.perceptron_trace import decision_line
from nnviz.ui import theme
from nnviz.ui.training.common import class_color, info_label, make_plot_widget, nice_ceil, theme_colors

#: the dock's buttons: (attribute, the TrainingControls action they trigger, text, tool tip)
BUTTONS = (
    ("train_button", "action_train", "Train", "Run the rule sample after sample until an epoch has no mistake, the "
     "weights cycle (no line separates the classes) or the epochs run out (Space)"),
    ("step_button", "action_step_batch", "Step sample", "Show the rule one sample: ŷ = step(w·x + b); after a mistake "
     "w ← w + η (t − ŷ) x (Ctrl+Right). The stepper (Ctrl+B) explains it with the numbers"),
    ("epoch_button", "action_step_epoch", "Step epoch", "The rule on every sample once (Ctrl+Shift+Right)"),
    ("reset_button", "action_reset", "Reset", "Back to zero weights (Rosenblatt's start); Undo brings the trained ones "
     "back (Ctrl+R)"),
)


def _headline(message: str) -> str:
    """The engine's outcome ("converged: epoch 6 had no mistake ...") with its first clause in bold."""
    head, sep, rest = message.partition(":")
    return f"<b>{html.escape(head[:1].upper() + head[1:])}</b>{sep}{html.escape(rest)}"


class PerceptronView(QWidget):
    def __init__(self, document, training_ui=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("perceptronView")
        self.document = document
        self.training_ui = training_ui
        self.active = False
        self.x = self.y = None
        self.kernel = self.bias = None       # what the plot shows: (features, units), (units,)
        self.mistakes: list[float] = []
        self._outcome_of = None    # the weights the outcome shown was reached with
        self._box = (np.array([-1.0, -1.0]), np.array([1.0, 1.0]))

        buttons = QHBoxLayout()
        for attr, _action, text, tip in BUTTONS:
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setObjectName("perceptron" + attr.title().replace("_", ""))
            setattr(self, attr, button)
            buttons.addWidget(button)
        self.train_button.setCheckable(True)
        buttons.addStretch(1)
        self.status = info_label(" ", "perceptronStatus")
        self.outcome = info_label(" ", "perceptronOutcome")
        self.outcome.setTextFormat(Qt.RichText)

        self.plane_widget = make_plot_widget(bottom="x₁", left="x₂")
        self.plane = self.plane_widget.getPlotItem()
        self.plane.setTitle("Decision line w·x + b = 0", size="9pt")
        self.points = pg.ScatterPlotItem(size=10, pen=pg.mkPen(40, 40, 40, 120))
        self.plane.addItem(self.points)
        self.current = pg.ScatterPlotItem(size=22, brush=None, pen=pg.mkPen(220, 30, 30, width=2.5))
        self.plane.addItem(self.current)
        self.lines: list[pg.PlotDataItem] = []
        self.mistakes_widget = make_plot_widget(bottom="epoch", left="mistakes")
        self.mistakes_plot = self.mistakes_widget.getPlotItem()
        self.mistakes_plot.setTitle("Mistakes per epoch", size="9pt")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=pg.mkBrush(8, 119, 189))
        self.mistakes_plot.addItem(self.bars)
        for w in (self.plane_widget, self.mistakes_widget):
            w.setMinimumSize(150, 120)

        # a short bottom dock: the two plots side by side take its height; the words run under them
        self._grid = grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.plane_widget, 0, 0)
        grid.addWidget(self.mistakes_widget, 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(buttons)
        layout.addLayout(grid, 1)
        layout.addWidget(self.outcome)
        layout.addWidget(self.status)

        if training_ui is not None:
            self._wire(training_ui)
        for signal in ("dataset_changed", "architecture_changed", "weights_changed", "history_changed"):
            sig = getattr(document, signal, None)
            if sig is not None:
                sig.connect(self._on_document_changed)
        self._on_document_changed()
        theme.state().theme_changed.connect(self._on_theme_changed)

    def _on_theme_changed(self, *_args) -> None:
        self._draw()

    # ------------------------------------------------------------------ the toolbar's actions
    def _wire(self, ui) -> None:
        controls = ui.controls
        for attr, action_name, _text, _tip in BUTTONS:
            action = getattr(controls, action_name)
            button = getattr(self, attr)
            button.clicked.connect(lambda _checked=False, a=action: a.trigger())
            action.changed.connect(lambda a=action, b=button: self._mirror(a, b))
            self._mirror(action, button)
        ui.controller.snapshot_ready.connect(self._on_controller_snapshot_ready)

    def _mirror(self, action, button) -> None:
        button.setEnabled(action.isEnabled() and self.active)
        if button is self.train_button:
            button.blockSignals(True)
            button.setChecked(action.isChecked())
            button.blockSignals(False)
            button.setText("Pause" if action.isChecked() else "Train")

    def _mirror_all(self) -> None:
        if self.training_ui is not None:
            for attr, action_name, _text, _tip in BUTTONS:
                self._mirror(getattr(self.training_ui.controls, action_name), getattr(self, attr))
        else:
            for attr, *_rest in BUTTONS:
                getattr(self, attr).setEnabled(False)

    # ------------------------------------------------------------------ the document's perceptron
    def _on_document_changed(self, *_args) -> None:
        """A new project, data set, weights (an undo, a reset, a finished run) or history: draw what the document
        holds."""
        from nnviz.core.perceptron_fit import perceptron_layer, training_table
        from nnviz.io.perceptron_project import is_perceptron

        d = self.document
        was = (self.x, self.y)
        self.active = False
        if is_perceptron(d) and d.dataset is not None and d.model is not None:
            try:
                layer = perceptron_layer(d.model)
                self.x, self.y = training_table(d.dataset)
                self.kernel, self.bias = np.array(layer.params["kernel"]), np.array(layer.params["bias"])
                self.active = self.x.shape[1] == self.kernel.shape[0]
            except ValueError:
                self.active = False
        if not self.active:
            self.x = self.y = self.kernel = self.bias = None
            self.mistakes = []
            self.outcome.setText(" ")
            self.status.setText("For a perceptron: open File ▸ Examples ▸ Perceptron: AND (or OR, XOR, the "
                                "Gaussian clouds).")
            self._mirror_all()
            self._draw(full=True)
            return
        self.mistakes = [float(v) for v in (d.history or {}).get("mistakes", [])]
        self.current.clear()
        self._mirror_all()
        self._show_status()
        outcome_of = self._outcome_of
        if outcome_of is None or not all(np.array_equal(a, b) for a, b in zip(outcome_of, (self.kernel, self.bias))):
            self._outcome_of = None
            self.outcome.setToolTip("")
            self.outcome.setText(f"<b>Converged</b>: epoch {len(self.mistakes)} had no mistake"
                                 if self.mistakes and self.mistakes[-1] == 0 else " ")
        self._draw(full=was[0] is None or was[0] is not self.x)

    def _show_status(self) -> None:
        """Before training: the rule and what of the settings applies; then the weights (the words under the plots
        are kept short, a 1280×720 bottom dock has the height of a few lines). The rule is always the tool tip."""
        units = self.kernel.shape[1]
        scheme = "one unit, ŷ = step(w·x + b)" if units == 1 else \
            f"one unit per class ({units}), each 'this class or not' (one-vs-rest)"
        eta = self.document.training_config.learning_rate
        rule = (f"{scheme}; after a mistake w ← w + η (t − ŷ) x, η = {eta:g} (the learning rate; the optimizer and the "
                f"loss play no part)")
        self.status.setToolTip(rule + ". Ctrl+B explains one sample's update with its numbers.")
        weights = ""
        if units == 1 and self.kernel.shape[0] <= 4:
            w = ", ".join(f"{v:.3g}" for v in self.kernel[:, 0])
            weights = f"w = ({w}), b = {self.bias[0]:.3g}"
        if not self.mistakes:
            self.status.setText(f"{rule}. {weights}")
        else:
            self.status.setText(f"{weights} · Ctrl+B: one sample's update, with its numbers" if weights else
                                "Ctrl+B: one sample's update, with its numbers")

    # ------------------------------------------------------------------ training snapshots
    def _on_controller_snapshot_ready(self, snap) -> None:
        ui = self.training_ui
        if not self.active or ui is None or not ui._fits_document(snap) or len(snap.weights) != 2:
            return
        self.kernel, self.bias = np.asarray(snap.weights[0]), np.asarray(snap.weights[1])
        curve = snap.history.get("mistakes")
        self.mistakes = [float(v) for v in curve.y] if curve is not None else []
        n = len(self.x)
        where = ""
        if snap.step:
            shuffle = ((self.document.meta or {}).get("perceptron") or {}).get("shuffle", False)
            index = (snap.batch - 1) % n
            if not shuffle and self.x.shape[1] == 2:
                self.current.setData([self.x[index, 0]], [self.x[index, 1]])
            epoch = snap.epoch + (1 if snap.batch else 0)
            where = f"epoch {epoch}, sample {index + 1} of {n}" if not shuffle else f"epoch {epoch}"
        if snap.state == "running":
            self.outcome.setText(f"Training: {where}" if where else " ")
        elif snap.message and snap.state == "stopped":
            self.outcome.setText(_headline(snap.message))
            self.outcome.setToolTip(snap.message)
        else:
            self.outcome.setText(f"Paused: {where}" if where else " ")
        self._outcome_of = [self.kernel.copy(), self.bias.copy()]   # the words stay while the document shows these
        self._show_status()
        self._draw()

    # ------------------------------------------------------------------ drawing
    def _draw(self, full: bool = False) -> None:
        two_d = self.active and self.x.shape[1] == 2
        # more than 2 inputs (digits' 64 pixels): no plane to draw, the mistakes take the width
        self.plane_widget.setVisible(two_d or not self.active)
        self._grid.setColumnStretch(0, 1 if self.plane_widget.isVisibleTo(self) else 0)
        if not two_d:
            self.points.clear()
            self.current.clear()
            for line in self.lines:
                line.setData([], [])
        else:
            units = self.kernel.shape[1]
            k = max(2, units)
            if full:
                self.points.setData(self.x[:, 0], self.x[:, 1],
                                    brush=[pg.mkBrush(*class_color(int(c), k)) for c in self.y])
                lo, hi = self.x.min(axis=0).astype(float), self.x.max(axis=0).astype(float)
                pad = np.maximum((hi - lo) * 0.15, 0.25)
                self._box = (lo - pad, hi + pad)
                self.plane.setRange(xRange=(float(self._box[0][0]), float(self._box[1][0])),
                                    yRange=(float(self._box[0][1]), float(self._box[1][1])), padding=0)
            while len(self.lines) < units:
                line = pg.PlotDataItem(pen=pg.mkPen(30, 30, 30, width=2))
                self.plane.addItem(line)
                self.lines.append(line)
            for u, line in enumerate(self.lines):
                if u >= units:
                    line.setData([], [])
                    continue
                # the line in the theme's text colour (a dark line vanished on the dark theme)
                line.setPen(pg.mkPen(theme_colors()[1], width=2.5) if units == 1 else
                            pg.mkPen(*class_color(u, k), width=2.5))
                line.setData(*decision_line(self.kernel[:, u], self.bias[u], self._box))
        mistakes = self.mistakes
        self.bars.setOpts(x=np.arange(1, len(mistakes) + 1), height=np.asarray(mistakes, float), width=0.7)
        if not mistakes:    # no epochs (yet, or undone): empty axes, not the last run's
            self.mistakes_plot.setXRange(0.4, 5.6, padding=0)
            self.mistakes_plot.setYRange(0.0, 1.1, padding=0)
        else:
            self.mistakes_plot.setXRange(0.4, len(mistakes) + 0.6, padding=0)
            step = max(1, -(-len(mistakes) // 8))                        # whole epochs on the axis
            self.mistakes_plot.getAxis("bottom").setTickSpacing(major=step, minor=step)
            top = float(max(max(mistakes), 1))
            self.mistakes_plot.setYRange(0.0, top * 1.1, padding=0)
            whole = max(1, int(nice_ceil(top / 6)))                       # whole numbers, round steps
            self.mistakes_plot.getAxis("left").setTickSpacing(major=whole, minor=whole)


def attach_perceptron(window, document, training_ui=None):
    """The Perceptron dock, behind the weights; brought to the front, with room, when a perceptron project opens."""
    view = PerceptronView(document, training_ui)
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
            room_for(window, dock)

    document.dataset_changed.connect(front)
    if training_ui is not None:   # on a network its tab would only squeeze the others' titles
        training_ui.relevance.show_only_when(dock, lambda: view.active)
    front()
    window.perceptron_view = view
    window.perceptron_dock = dock
    return view


def room_for(window, dock) -> None:
    """At a projector's 1280×720 the dock's share of the bottom row is ~400 px: give it half the row's width (the
    curves keep theirs less what the decision boundary and the weights give up) and a taller row."""
    if not hasattr(window, "resizeDocks") or dock.isFloating():
        return
    width, height = window.width(), window.height()
    window.resizeDocks([dock], [max(int(height * 0.5), 280)], Qt.Orientation.Vertical)
    window.resizeDocks([dock], [int(width * 0.5)], Qt.Orientation.Horizontal)
