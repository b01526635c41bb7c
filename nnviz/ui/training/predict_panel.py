"""Predict, as in the course's ``model.predict`` example: type input values or pick a test sample and see
the output — class probabilities as bars and the predicted class. For image data a small drawing canvas
(the digits' 8×8 grid) takes the input, and the prediction follows every stroke.

Values are typed in the data's own units; when the data set was scaled, its scaler is applied before
predicting (as the course does with ``scaler.transform``). For the playground's 2-D sets the point
(x₁, x₂) is typed and the selected features are computed from it. For text (the movie reviews) a line of
words is typed, turned into token ids as the data set's texts are, and predicted as you type.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (QAbstractScrollArea, QBoxLayout, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QSizePolicy, QSpinBox, QStackedWidget, QVBoxLayout, QWidget)

from nnviz.core.data.images import image_shape
from nnviz.core.data.text import decode, encode, tokenize
from nnviz.core.plane import is_plane_dataset, plane_features
from nnviz.ui.image_style import ink_color
from nnviz.ui.training.common import BLUE, ORANGE, ProbeModel, Throttle, make_plot_widget

MAX_FIELDS = 16


def drawable_shape(dataset, input_shape) -> tuple[int, int] | None:
    """(height, width) when the inputs are one-channel images (possibly flattened, or read row by row as a
    sequence by a recurrent network), else None."""
    return image_shape(input_shape, getattr(dataset, "kind", ""), gray_only=True)


class DrawingCanvas(QWidget):
    """A small grid of pixels (0 = white paper, 1 = ink, in the one image style of :mod:`nnviz.ui.image_style`). Left
    button draws, right button erases."""

    changed = Signal()

    def __init__(self, height: int = 8, width: int = 8, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("drawingCanvas")
        self.image = np.zeros((height, width), dtype=np.float32)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(QSize(width * 11, height * 11))
        self.setMouseTracking(False)
        self.setCursor(Qt.CrossCursor)
        self.setToolTip("Draw with the left mouse button, erase with the right one")
        self._erasing = False

    def set_shape(self, height: int, width: int) -> None:
        self.image = np.zeros((height, width), dtype=np.float32)
        self.setMinimumSize(QSize(width * 11, height * 11))
        self.update()

    def set_image(self, image) -> None:
        self.image = np.clip(np.asarray(image, dtype=np.float32).reshape(self.image.shape), 0, 1).copy()
        self.update()
        self.changed.emit()

    def clear(self) -> None:
        self.image[:] = 0
        self.update()
        self.changed.emit()

    def sizeHint(self) -> QSize:
        h, w = self.image.shape
        return QSize(w * 28, h * 28)

    def _cell_rect(self) -> tuple[float, float, float]:
        h, w = self.image.shape
        cell = min(self.width() / w, self.height() / h)
        ox = (self.width() - cell * w) / 2
        oy = (self.height() - cell * h) / 2
        return cell, ox, oy

    def cell_center(self, row: int, col: int) -> QPointF:
        """Widget coordinates of a cell's centre (for tests and automation)."""
        cell, ox, oy = self._cell_rect()
        return QPointF(ox + (col + 0.5) * cell, oy + (row + 0.5) * cell)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        h, w = self.image.shape
        cell, ox, oy = self._cell_rect()
        for r in range(h):
            for c in range(w):
                p.fillRect(QRectF(ox + c * cell, oy + r * cell, cell, cell), ink_color(self.image[r, c]))
        p.setPen(QPen(QColor(180, 180, 180), 1))
        for r in range(h + 1):
            p.drawLine(QPointF(ox, oy + r * cell), QPointF(ox + w * cell, oy + r * cell))
        for c in range(w + 1):
            p.drawLine(QPointF(ox + c * cell, oy), QPointF(ox + c * cell, oy + h * cell))
        p.end()

    def _paint_at(self, pos) -> None:
        cell, ox, oy = self._cell_rect()
        h, w = self.image.shape
        c = int((pos.x() - ox) // cell)
        r = int((pos.y() - oy) // cell)
        if not (0 <= r < h and 0 <= c < w):
            return
        before = self.image.copy()
        if self._erasing:
            self.image[max(r - 1, 0):r + 2, max(c - 1, 0):c + 2] *= 0.3
            self.image[r, c] = 0
        else:
            # a soft pen: the cell in full, its four neighbours partly (strokes look like the digits' ink)
            self.image[r, c] = 1.0
            for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < h and 0 <= cc < w:
                    self.image[rr, cc] = min(1.0, self.image[rr, cc] + 0.25)
        if not np.array_equal(before, self.image):
            self.update()
            self.changed.emit()

    def mousePressEvent(self, event) -> None:
        self._erasing = event.button() == Qt.RightButton
        self._paint_at(event.position())

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & (Qt.LeftButton | Qt.RightButton):
            self._paint_at(event.position())


class PredictPanel(QWidget):
    prediction_changed = Signal(object)   # the output row of the model

    def __init__(self, parent: QWidget | None = None, interval: float = 0.2):
        super().__init__(parent)
        self.setObjectName("predictPanel")
        self.probe: ProbeModel | None = None
        self.dataset = None
        self._throttle = Throttle(interval)
        self._spins: list[QDoubleSpinBox] = []
        self._mode = "none"            # "plane", "vector", "image", "text", "sample" or "none"
        self._image_shape = None
        self.output: np.ndarray | None = None
        self._bars = None
        self._k = 0

        self.sample_spin = QSpinBox()
        self.sample_spin.setObjectName("predictSample")
        self.sample_spin.setToolTip("The test sample to put into the inputs")
        self.load_button = QPushButton("Use test sample")
        self.load_button.setObjectName("predictLoadSample")
        self.load_button.setToolTip("Put the test sample back into the inputs (or the drawing)")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("predictClearCanvas")
        self.clear_button.setToolTip("Erase the drawing")
        source = QHBoxLayout()
        source.addWidget(QLabel("Test sample #"))
        source.addWidget(self.sample_spin)
        source.addWidget(self.load_button)
        # Clear in the sample row when drawing and bars are side by side, not under the drawing: at 1280 × 720 (a
        # dock some 190 px tall) the row under the drawing pushed the bars' class labels below the fold. Stacked
        # (a narrow, tall dock) it goes under the drawing, where the narrow row has no room for it (see _arrange).
        source.addWidget(self.clear_button)
        source.addStretch(1)
        self._source = source

        self.fields = QWidget()
        self.form = QFormLayout(self.fields)
        self.canvas = DrawingCanvas()
        canvas_page = QWidget()
        cl = QVBoxLayout(canvas_page)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.canvas, 1)
        self._canvas_layout = cl
        # (how to draw is the canvas's tool tip: a short dock keeps its room for the drawing and the bars)
        self.canvas.setToolTip("Draw with the left button, erase with the right one")
        self.message = QLabel("Choose a data set and a valid network to predict.")
        self.message.setWordWrap(True)
        self.text_edit = QLineEdit()
        self.text_edit.setObjectName("predictText")
        self.text_edit.setPlaceholderText("Type a review, e.g. the plot was not very good")
        self.text_edit.setToolTip("Each word becomes its token id; the prediction follows as you type")
        self.text_words = QLabel(" ")
        self.text_words.setObjectName("predictTextWords")
        self.text_words.setWordWrap(True)
        text_page = QWidget()
        tl = QVBoxLayout(text_page)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.text_edit)
        tl.addWidget(self.text_words)
        self.inputs = QStackedWidget()
        self.inputs.addWidget(self.fields)
        self.inputs.addWidget(canvas_page)
        self.inputs.addWidget(text_page)
        self.text_page = text_page

        self.result = QLabel(" ")
        self.result.setObjectName("predictResult")
        font = self.result.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.result.setFont(font)
        # no word wrap here, and the (wrapped) message outside the stack of input pages, which would count it even
        # when hidden: a label that wraps makes the panel height-for-width, and the resizable scroll area around it
        # then gave it its preferred height instead of the dock's, the bars' axis below the fold
        self.plot_widget = make_plot_widget(bottom="class", left="probability", left_units="%")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setYRange(0, 100, padding=0.02)
        # the prediction first, under the sample row: in a short dock the bars may be out of sight below the
        # drawing, the answer never is
        body = self.body = QBoxLayout(QBoxLayout.LeftToRight)
        body.addWidget(self.inputs, 2)
        body.addWidget(self.message, 2)
        body.addWidget(self.plot_widget, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(source)
        layout.addWidget(self.result)
        layout.addLayout(body, 1)
        self._room = None   # the scroll area's viewport the panel sits in, once shown
        self.load_button.clicked.connect(self._on_load_button_clicked)
        self.sample_spin.valueChanged.connect(self._on_load_button_clicked)
        self.canvas.changed.connect(self._on_input_changed)
        self.text_edit.textChanged.connect(self._on_input_changed)
        self.clear_button.clicked.connect(self.canvas.clear)
        self._show_inputs(None)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        parent = self.parentWidget()
        if self._room is None and parent is not None and isinstance(parent.parentWidget(), QAbstractScrollArea):
            self._room = parent            # in a scroll area: arrange for the room it shows, not for the panel's
            parent.installEventFilter(self)  # own height (which a stacked arrangement makes taller than the dock)
        self._arrange()

    def eventFilter(self, obj, event) -> bool:
        if obj is self._room and event.type() == QEvent.Type.Resize:
            self._arrange()
        return False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()
        self._fit_text_page()
        self._label_probability()

    def _label_probability(self) -> None:
        """"probability (%)" where the bars are tall enough for it, "p (%)" in a short dock (it was cut)."""
        if self._k:
            short = self.plot_widget.height() < 160
            text = "p" if short else "probability"
            if self.plot.getAxis("left").labelText != text:
                self.plot.setLabel("left", text, units="%")

    def _arrange(self) -> None:
        """Inputs and bars side by side in a dock wider than tall, one above the other in a narrow one."""
        room = self._room.size() if self._room is not None else self.size()
        wide = (room.width() >= 1.2 * room.height() or room.width() >= 560) and self._mode != "text"   # a line of
        # text wants the panel's whole width
        direction = QBoxLayout.LeftToRight if wide else QBoxLayout.TopToBottom
        if self.body.direction() != direction:
            self.body.setDirection(direction)
            if wide:
                self._source.insertWidget(3, self.clear_button)
            else:
                self._canvas_layout.addWidget(self.clear_button)
            self.plot_widget.setMaximumHeight(16777215 if direction == QBoxLayout.LeftToRight else 280)

    # ------------------------------------------------------------------ context
    def set_context(self, probe: ProbeModel | None, dataset) -> None:
        self.probe = probe
        self.dataset = dataset
        model = probe.model if probe is not None else None
        while self.form.rowCount():
            self.form.removeRow(0)
        self._spins = []
        # nothing of the network or data before stays: no "Predicted: 5 (99.4 %)" of the digits over a CSV
        self.output = None
        self.result.setText(" ")
        self.text_words.setText(" ")
        if self._bars is not None:
            self.plot.removeItem(self._bars)
            self._bars = None
        if model is None or dataset is None:
            self._mode = "none"
            self.message.setText("Choose a data set and a valid network to predict.")
            self._show_inputs(None)
            self.plot_widget.setVisible(False)
            return
        self.plot_widget.setVisible(True)
        self.sample_spin.setRange(0, max(len(dataset.x_test) - 1, 0))
        self.sample_spin.setEnabled(len(dataset.x_test) > 0)
        self.load_button.setEnabled(len(dataset.x_test) > 0)
        self.inputs.setMaximumHeight(16777215)
        self.inputs.setMinimumHeight(0)
        shape = tuple(model.input_shape[1:])
        image = drawable_shape(dataset, shape)
        if getattr(dataset, "vocabulary", None) and len(shape) == 1:
            self._mode = "text"
            self._show_inputs(self.text_page)
            self._fit_text_page()
        elif image is not None:
            self._mode = "image"
            self._image_shape = image
            self.canvas.set_shape(*image)
            self._show_inputs(self.inputs.widget(1))
        elif is_plane_dataset(dataset):
            self._mode = "plane"
            for name in ("x₁", "x₂"):
                self._add_spin(name, -6.0, 6.0)
            self._show_inputs(self.fields)
        elif len(shape) == 1 and shape[0] <= MAX_FIELDS:
            self._mode = "vector"
            names = list(getattr(dataset, "feature_names", None) or [f"x{i + 1}" for i in range(shape[0])])
            scaler = getattr(dataset, "scaler", None)
            raw = scaler.inverse_transform(dataset.x_train) if scaler is not None else dataset.x_train
            lo, hi = np.min(raw, axis=0), np.max(raw, axis=0)
            for j, name in enumerate(names):
                span = float(hi[j] - lo[j]) or 1.0
                self._add_spin(name, float(lo[j]) - span, float(hi[j]) + span)
                # without test samples to load (the course's six people) start in the middle of the data, not at
                # the field's minimum (weight 20, height 32 for data of 125–230 lb and 52–72 in)
                spin = self._spins[-1]
                spin.blockSignals(True)
                spin.setValue(float(lo[j] + hi[j]) / 2)
                spin.blockSignals(False)
            if scaler is not None:
                note = QLabel(f"In the data's units, scaled ({scaler.method}) to predict.")
                note.setObjectName("predictScalingNote")
                note.setToolTip(f"Type values in the data's own units; they are scaled ({scaler.method}), as the "
                                "training data was, before the network sees them.")
                note.setWordWrap(True)   # (one line made the dock scroll sideways and cut "…before predicting")
                self.form.addRow(note)
            self._show_inputs(self.fields)
        else:
            self._mode = "sample"
            self.message.setText(f"Inputs of shape {shape} cannot be typed: pick a test sample.")
            self._show_inputs(None)
        self._build_bars()
        self._arrange()
        if len(dataset.x_test):
            self._on_load_button_clicked()
        elif self._mode != "sample":
            self.predict()

    def _fit_text_page(self) -> None:
        """The text page gets the height of its line and its note (not the canvas page's room), the note's wrapped
        lines included: capped at one line, "not in the vocabulary: …" was cut in half."""
        if self._mode != "text":
            return
        lay = self.text_page.layout()
        width = max(self.inputs.width(), 100)
        words = self.text_words.heightForWidth(width)
        height = self.text_edit.sizeHint().height() + lay.spacing() + max(words, self.text_words.sizeHint().height())
        if self.inputs.maximumHeight() != height:
            self.inputs.setMaximumHeight(height)
            self.inputs.setMinimumHeight(height)

    def _show_inputs(self, page) -> None:
        """One of the input pages (the fields, the drawing), or the message when ``page`` is None."""
        self.clear_button.setVisible(page is not None and page is self.inputs.widget(1))
        if page is not None:
            self.inputs.setCurrentWidget(page)
        self.inputs.setVisible(page is not None)
        self.message.setVisible(page is None)

    def _add_spin(self, name: str, lo: float, hi: float) -> None:
        spin = QDoubleSpinBox()
        spin.setDecimals(3)
        spin.setRange(lo, hi)
        spin.setSingleStep((hi - lo) / 100 or 0.1)
        spin.setObjectName(f"predictInput{len(self._spins)}")
        spin.setToolTip(f"{name}: type or step a value, the prediction follows")
        spin.valueChanged.connect(self._on_input_changed)
        self.form.addRow(name, spin)
        self._spins.append(spin)

    def _build_bars(self) -> None:
        ds = self.dataset
        if self._bars is not None:
            self.plot.removeItem(self._bars)
            self._bars = None
        if ds.task == "regression":
            self._k = 0
            self.plot.setLabel("left", "output")
            self.plot.setLabel("bottom", "output unit")
            self.plot.enableAutoRange(axis="y")
            k = ds.num_outputs
            self._bars = pg.BarGraphItem(x=np.arange(k), height=np.zeros(k), width=0.6, brush=pg.mkBrush(*BLUE))
            self.plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(k)]])
        else:
            k = self._k = ds.num_classes
            self._label_probability()
            self.plot.setLabel("bottom", "class")
            self.plot.setYRange(0, 100, padding=0.02)
            self._bars = pg.BarGraphItem(x=np.arange(k), height=np.zeros(k), width=0.7, brush=pg.mkBrush(*BLUE))
            self.plot.getAxis("bottom").setTicks([list(enumerate(ds.class_names))])
        self.plot.addItem(self._bars)
        self.plot.setXRange(-0.6, max(k, 1) - 0.4, padding=0)

    # ------------------------------------------------------------------ inputs
    def _on_load_button_clicked(self, *_args) -> None:
        ds = self.dataset
        if ds is None or not len(ds.x_test):
            return
        i = min(self.sample_spin.value(), len(ds.x_test) - 1)
        if self._mode == "image":
            self.canvas.set_image(np.asarray(ds.x_test[i]).reshape(self._image_shape))
            return
        if self._mode == "text":
            self.text_edit.setText(decode(ds.x_test[i], ds.vocabulary))   # predicts through textChanged
            return
        if self._mode == "plane":
            values = ds.points_test[i]
        elif self._mode == "vector":
            x = ds.x_test[i:i + 1]
            values = ds.scaler.inverse_transform(x)[0] if ds.scaler is not None else x[0]
        else:
            self.predict()
            return
        for spin, v in zip(self._spins, values):
            spin.blockSignals(True)
            spin.setValue(float(v))
            spin.blockSignals(False)
        self.predict()

    def input_batch(self) -> np.ndarray | None:
        """The model input ``(1, *input_shape)`` for the values shown."""
        ds, model = self.dataset, self.probe.model if self.probe else None
        if ds is None or model is None:
            return None
        shape = tuple(model.input_shape[1:])
        if self._mode == "image":
            return self.canvas.image.reshape((1,) + shape).astype(np.float32)
        if self._mode == "plane":
            return plane_features(ds, np.array([[s.value() for s in self._spins]]))
        if self._mode == "text":
            ids = encode([self.text_edit.text()], ds.vocabulary, shape[0])
            words = tokenize(self.text_edit.text())
            unknown = sorted({w for w in words if w not in ds.vocabulary})
            kept = len(words) <= shape[0]
            note = (f"{len(words)} of {shape[0]} words" if kept else
                    f"{len(words)} words: only the last {shape[0]} are read")
            if unknown:
                note += " · not in the vocabulary (read as <unk>): " + ", ".join(unknown)
            self.text_words.setText(note)
            self._fit_text_page()
            return ids.astype(np.float32)
        if self._mode == "vector":
            x = np.array([[s.value() for s in self._spins]], dtype=np.float64)
            return ds.scaler.transform(x) if ds.scaler is not None else x.astype(np.float32)
        if self._mode == "sample" and len(ds.x_test):
            i = min(self.sample_spin.value(), len(ds.x_test) - 1)
            return ds.x_test[i:i + 1]
        return None

    def _on_input_changed(self, *_args) -> None:
        self.predict()

    def predict(self) -> np.ndarray | None:
        x = self.input_batch()
        if x is None:
            return None
        try:
            out = self.probe.predict(x)[0]
        except ValueError as exc:
            self.result.setText(str(exc))
            return None
        self.output = out
        ds = self.dataset
        expected = ds.num_outputs if ds.task == "regression" else (ds.num_classes if out.shape[-1] != 1 else 1)
        if out.ndim != 1:   # a sequence (return_sequences=True) or an image, not one vector a sample
            self.result.setText(f"The output is {'×'.join(map(str, out.shape))} a sample, not one vector; "
                                f"it does not fit this data set.")
            return None
        if out.shape[-1] != expected or (ds.task != "regression" and out.shape[-1] == 1 and ds.num_classes != 2):
            self.result.setText(f"The output layer has {out.shape[-1]} units, which does not fit this data set.")
            return None
        if ds.task == "regression":
            self._bars.setOpts(height=out)
            self.result.setText("output: " + ", ".join(f"{v:.4g}" for v in out))
        else:
            probs = np.array([1 - out[0], out[0]]) if out.shape[-1] == 1 else out / max(float(out.sum()), 1e-12)
            pred = int(probs.argmax())
            brushes = [pg.mkBrush(*(ORANGE if i == pred else BLUE)) for i in range(len(probs))]
            self._bars.setOpts(height=100 * probs, brushes=brushes)
            self.result.setText(f"Predicted: <b>{ds.class_names[pred]}</b> ({100 * probs[pred]:.1f} %)")
            self.result.setTextFormat(Qt.RichText)
        self.prediction_changed.emit(out)
        return out

    def update_snapshot(self, snap, force: bool = False) -> None:
        if self.probe is None or self.probe.model is None or self._mode == "none":
            return
        if not (force or self._throttle.ready()):
            return
        if snap is not None:
            self.probe.sync(snap)
        self.predict()
