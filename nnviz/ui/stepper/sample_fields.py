"""The stepper's sample fields: ``x =`` one field per input value, ``y =`` per target value or a class combo."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QStyle, QStyleOptionFrame, QWidget

from nnviz.core.trace import format_number
from nnviz.session.stepper_session import class_of, model_target, target_kind

#: typed-in inputs and targets get one field each up to this many values
MAX_FIELDS = 8


class NumberEdit(QLineEdit):
    """A field as wide as the longest number it shows (``format_number(v, 5)``: "−0.12345") in its font, at every
    UI zoom: a fixed 76 px showed "4.865" of 4.8653 at 175 %."""

    SAMPLE = "−0.123456"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._fit()

    def _fit(self) -> None:
        opt = QStyleOptionFrame()
        self.initStyleOption(opt)
        m = self.textMargins()
        text = QSize(self.fontMetrics().horizontalAdvance(self.SAMPLE) + m.left() + m.right() + 4,
                     self.fontMetrics().height())
        self.setFixedWidth(self.style().sizeFromContents(QStyle.ContentsType.CT_LineEdit, opt, text, self).width())

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):   # the zoom, the stylesheet
            self._fit()


class SampleFields(QWidget):
    """The sample's values, editable; ``edited`` when the user changed one (read them with :meth:`read`)."""

    edited = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.input_box = QWidget(self)
        self.input_layout = QHBoxLayout(self.input_box)
        self.target_box = QWidget(self)
        self.target_layout = QHBoxLayout(self.target_box)
        for lay in (self.input_layout, self.target_layout):
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(4)
        self.input_edits: list[QLineEdit] = []
        self.target_edits: list[QLineEdit] = []
        self.target_combo: QComboBox | None = None
        self.model = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        for item in (self._caption("x ="), self.input_box, 8, self._caption("y ="), self.target_box):
            lay.addSpacing(item) if isinstance(item, int) else lay.addWidget(item)

    def _caption(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setProperty("caption", True)
        return label

    def rebuild(self, model, feature_names=None, class_names=None) -> None:
        """New model: one field per input value and per target value (or a class combo)."""
        for lay in (self.input_layout, self.target_layout):
            while lay.count():
                w = lay.takeAt(0).widget()
                if w is not None:
                    w.hide()
                    w.deleteLater()
        self.input_edits, self.target_edits, self.target_combo = [], [], None
        self.model = model
        if model is None:
            return
        in_shape = tuple(model.input_shape[1:])
        if len(in_shape) == 1 and in_shape[0] <= MAX_FIELDS:
            names = feature_names if feature_names and len(feature_names) == in_shape[0] else None
            for k in range(in_shape[0]):
                e = self._number_edit(f"x{k}" if names is None else names[k])
                e.setObjectName(f"inputEdit{k}")
                e.setProperty("what", f"Input {k}" + (f" ({names[k]})" if names else ""))
                e.editingFinished.connect(self.edited)
                self.input_layout.addWidget(e)
                self.input_edits.append(e)
        else:
            label = QLabel("×".join(str(s) for s in in_shape) + " values", self)
            label.setObjectName("inputShapeLabel")
            self.input_layout.addWidget(label)
        kind, n = target_kind(model)
        if kind == "class":
            combo = QComboBox(self)
            combo.setObjectName("targetCombo")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            names = class_names if class_names and len(class_names) == n else None
            for i in range(n):
                text = f"class {i}" if not names else names[i] if str(i) in names[i] else f"{i}: {names[i]}"
                combo.addItem(text, i)
            combo.setToolTip("The sample's true class")
            combo.activated.connect(self.edited)
            self.target_layout.addWidget(combo)
            self.target_combo = combo
        elif n <= MAX_FIELDS:
            for j in range(n):
                e = self._number_edit(f"y{j}")
                e.setObjectName(f"targetEdit{j}")
                e.setProperty("what", f"Target of output {j}")
                e.editingFinished.connect(self.edited)
                self.target_layout.addWidget(e)
                self.target_edits.append(e)
        else:
            self.target_layout.addWidget(QLabel(f"{n} values", self))

    def _number_edit(self, placeholder: str) -> QLineEdit:
        e = NumberEdit(self)
        e.setPlaceholderText(placeholder)
        v = QDoubleValidator(e)
        v.setNotation(QDoubleValidator.Notation.ScientificNotation)
        e.setValidator(v)
        e.setAlignment(Qt.AlignmentFlag.AlignRight)
        return e

    def show_sample(self, x, y) -> None:
        """Show ``x`` and ``y`` (the model's target form) in the fields."""
        if x is not None:
            for e, v in zip(self.input_edits, np.ravel(x)):
                with QSignalBlocker(e):
                    self._show_number(e, v)
                    e.setCursorPosition(0)
        if y is not None and self.model is not None:
            if self.target_combo is not None:
                with QSignalBlocker(self.target_combo):
                    self.target_combo.setCurrentIndex(class_of(self.model, y))
            for e, v in zip(self.target_edits, np.ravel(y)):
                with QSignalBlocker(e):
                    self._show_number(e, v)

    @staticmethod
    def _show_number(e: QLineEdit, v) -> None:
        """``v`` in a sample field, rounded; the field keeps the exact value behind the text it shows."""
        e.setText(format_number(v, 5))
        e.setProperty("shown", e.text())
        e.setProperty("exact", float(v))
        e.setToolTip(f"{e.property('what')} = {float(v)!r}<br>type a value, Enter to use it")

    def read(self, x, y):
        """(x, y) from the fields (``x``, ``y``: the sample now, for what has no field), or None when one is
        not a number."""
        x = None if x is None else x.astype(np.float64).copy()
        y = None if y is None else y.copy()

        def value(e):
            # a field still showing the (rounded) value it was given stands for that exact value
            if e.property("exact") is not None and e.text() == e.property("shown"):
                return float(e.property("exact"))
            return float(e.text().replace("−", "-"))

        try:
            if self.input_edits:
                x = np.asarray([value(e) for e in self.input_edits]).reshape(1, -1)
            if self.target_combo is not None:
                y = model_target(self.model, np.int64(self.target_combo.currentData()))
            elif self.target_edits:
                y = model_target(self.model, np.asarray([value(e) for e in self.target_edits]))
        except ValueError:
            return None
        return x, y
