"""The stepper of a perceptron project: Rosenblatt's rule on one sample, in the course's notation, with the numbers.

A perceptron has no backpropagation to step through: its update is one formula. This view takes the document's
weights and one training sample and shows (from :func:`nnviz.core.perceptron_trace.trace_sample`):

    x, the weighted sum z = Σ wᵢxᵢ + b, ŷ = step(z), the target t, the error t − ŷ,
    and wᵢ ← wᵢ + η (t − ŷ) xᵢ, b ← b + η (t − ŷ) with the real numbers — or "no change" when ŷ = t;

beside it, for two inputs, the training points, the line w·x + b = 0 before the update (solid) and after it
(dashed), and a ring on the sample. "Apply" puts the update in the document as one undo entry (refused while
training runs); "Next sample" moves on without changing anything, so a class can walk an epoch by hand.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget

from nnviz.core.perceptron_trace import decision_line, trace_sample
from nnviz.ui import theme
from nnviz.ui.stepper.formula_view import FORMULA_FONT
from nnviz.ui.training.common import class_color, make_plot_widget, theme_colors


class PerceptronStepView(QWidget):
    """``set_document(document)``; ``trace`` is the current sample's :class:`PerceptronTrace` (None: nothing)."""

    update_applied = Signal(object)     # the PerceptronTrace applied

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("perceptronStepView")
        self.document = None
        self.trace = None
        self.x = self.y = None
        #: () -> str: why Apply is refused now ("" when it is not), e.g. while training runs
        self.apply_guard = None

        self.title = QLabel("<b>The perceptron rule, one sample at a time</b>")
        self.sample = QSpinBox()
        self.sample.setObjectName("perceptronSample")
        self.sample.setPrefix("sample ")
        self.sample.setToolTip("Which training sample the rule looks at")
        self.of = QLabel("")
        self.apply_button = QPushButton("Apply the update")
        self.apply_button.setObjectName("perceptronApply")
        self.apply_button.setToolTip("w ← w + η (t − ŷ) x in the network, as one undo entry; then the next sample")
        self.next_button = QPushButton("Next sample ▶")
        self.next_button.setObjectName("perceptronNext")
        self.next_button.setToolTip("Look at the next sample with the weights as they are")
        top = QHBoxLayout()       # the title goes under the buttons: a 1280-pixel window has no room beside them
        for w in (self.sample, self.of, self.next_button, self.apply_button):
            top.addWidget(w)
        top.addStretch(1)

        self.formula = QLabel("")
        self.formula.setObjectName("perceptronFormula")
        self.formula.setTextFormat(Qt.RichText)
        self.formula.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.formula.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.formula.setWordWrap(True)
        self.verdict = QLabel("")
        self.verdict.setObjectName("perceptronVerdict")
        self.verdict.setWordWrap(True)

        self.plot_widget = make_plot_widget(bottom="x₁", left="x₂")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setTitle("w·x + b = 0; dashed: after", size="9pt")
        self.plot_widget.setMinimumSize(170, 150)
        self.points = pg.ScatterPlotItem(size=10, pen=pg.mkPen(40, 40, 40, 120))
        self.ring = pg.ScatterPlotItem(size=24, brush=None, pen=pg.mkPen(220, 30, 30, width=2.5))
        self.before = pg.PlotDataItem(pen=pg.mkPen(30, 30, 30, width=2.5))
        self.after = pg.PlotDataItem(pen=pg.mkPen(220, 30, 30, width=2.5, style=Qt.DashLine))
        for item in (self.points, self.ring, self.before, self.after):
            self.plot.addItem(item)

        words = QVBoxLayout()
        words.addWidget(self.title)
        scroll = QScrollArea()        # one unit a class (one-vs-rest) and wide inputs make long explanations
        scroll.setObjectName("perceptronFormulaScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(self.formula)
        words.addWidget(scroll, 1)
        words.addWidget(self.verdict)
        body = QHBoxLayout()
        body.addLayout(words, 3)
        body.addWidget(self.plot_widget, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body, 1)

        self.sample.valueChanged.connect(self._on_sample_value_changed)
        self.next_button.clicked.connect(self._on_next_button_clicked)
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        theme.state().theme_changed.connect(self._on_theme_changed)

    def _on_theme_changed(self, *_args) -> None:
        self._show()

    # ------------------------------------------------------------------ the document
    def set_document(self, document) -> None:
        if self.document is document:
            self.refresh()
            return
        self.document = document
        self.refresh(new_data=True)

    def refresh(self, new_data: bool = False) -> None:
        """The trace of the current sample with the document's weights as they are now."""
        from nnviz.core.perceptron_fit import perceptron_layer, training_table

        d = self.document
        self.trace = None
        try:
            layer = perceptron_layer(d.model) if d is not None and d.model is not None else None
            if layer is not None and d.dataset is not None:
                x, y = training_table(d.dataset)
                if new_data or self.x is None or x is not self.x:
                    self.x, self.y = x, y
                    self.sample.blockSignals(True)
                    self.sample.setRange(1, max(len(x), 1))
                    self.sample.setValue(1)
                    self.sample.blockSignals(False)
                    self.of.setText(f"of {len(x)}")
                i = self.sample.value() - 1
                self.trace = trace_sample(layer.params["kernel"], layer.params["bias"], self.x[i], int(self.y[i]),
                                          d.training_config.learning_rate, i)
        except ValueError as exc:
            self.formula.setText(html.escape(f"The perceptron cannot take this data: {exc}"))
        self._show()

    def follow(self, snap) -> None:
        """Training paused after ``snap`` (a Step sample, a Step epoch): show the sample the rule takes next, with
        the weights it reached (samples in their order only: a shuffled epoch's next sample is not known here)."""
        d = self.document
        shuffle = ((getattr(d, "meta", None) or {}).get("perceptron") or {}).get("shuffle", False)
        if snap is None or not snap.step or self.x is None or shuffle:
            return
        self.sample.setValue(int(snap.batch) % len(self.x) + 1)

    # ------------------------------------------------------------------ showing
    def _show(self) -> None:
        t = self.trace
        self.apply_button.setEnabled(t is not None and t.mistake)
        self.next_button.setEnabled(t is not None)
        self.sample.setEnabled(t is not None)
        if t is None:
            self.verdict.setText("")
            for item in (self.points, self.ring, self.before, self.after):
                item.setData([], [])
            return
        lines = [html.escape(line) for line in t.lines()]
        size = "font-size: 115%;"
        self.formula.setText(f"<div style=\"font-family: {FORMULA_FONT}; {size} line-height: 140%\">"
                             + "<br>".join(lines) + "</div>")
        if t.mistake:
            self.verdict.setText(f"ŷ ≠ t: a mistake, so the weights move towards the right answer (η = "
                                 f"{t.learning_rate:g}). Apply puts the update in the network.")
        else:
            self.verdict.setText("ŷ = t: the perceptron is right about this sample, so nothing changes. "
                                 "Next sample moves on.")
        self._draw()

    def _draw(self) -> None:
        t = self.trace
        two_d = self.x is not None and self.x.shape[1] == 2 and t.units == 1
        self.plot_widget.setVisible(two_d)
        if not two_d:
            return
        self.points.setData(self.x[:, 0], self.x[:, 1], brush=[pg.mkBrush(*class_color(int(c), 2)) for c in self.y])
        self.ring.setData([t.x[0]], [t.x[1]])
        lo, hi = self.x.min(axis=0).astype(float), self.x.max(axis=0).astype(float)
        pad = np.maximum((hi - lo) * 0.15, 0.25)
        box = (lo - pad, hi + pad)
        self.plot.setRange(xRange=(box[0][0], box[1][0]), yRange=(box[0][1], box[1][1]), padding=0)
        self.before.setPen(pg.mkPen(theme_colors()[1], width=2.5))    # the theme's text colour: dark themes too
        self.before.setData(*decision_line(t.kernel[:, 0], t.bias[0], box))
        self.after.setData(*(decision_line(t.kernel_after[:, 0], t.bias_after[0], box) if t.mistake else ([], [])))

    # ------------------------------------------------------------------ actions
    def _on_sample_value_changed(self, _value: int) -> None:
        self.refresh()

    def _on_next_button_clicked(self) -> None:
        n = self.sample.maximum()
        self.sample.setValue(self.sample.value() % n + 1)

    def _on_apply_button_clicked(self) -> None:
        t = self.trace
        d = self.document
        if t is None or not t.mistake or d is None:
            return
        refused = self.apply_guard() if self.apply_guard is not None else ""
        if refused:
            self.verdict.setText(refused)
            return
        model = d.model
        weights = [w.astype(model.dtype) for w in t.weights_after()]
        if hasattr(d, "apply_training_step"):
            d.apply_training_step(weights, f"Perceptron rule on sample {t.index + 1}")   # one undo entry
        else:
            d.set_weights(weights)
        self.update_applied.emit(t)
        self._on_next_button_clicked()
