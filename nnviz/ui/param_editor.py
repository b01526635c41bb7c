"""One data set parameter's editor, built from the catalog's :class:`~nnviz.core.data.catalog.ParamSpec`: a spin box
with its range, unit and tool tip (a slider next to short ranges such as noise 0–50 %), a check box or a combo;
shares of one (``test_ratio``) are shown in percent."""

from __future__ import annotations

import math
import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QSizePolicy,
                               QSlider, QSpinBox, QWidget)

SEED_MAX = 2 ** 31 - 1

#: tool tips for parameters whose spec has no help text: "<data set>.<param>" first, then "<param>"
HELP = {
    "n_points": "How many points are drawn; they are split into training and test points.",
    "noise": "Moves every point away from where it was drawn while its label stays: the class borders blur.",
    "train_ratio": "Share of the points the network trains on; the rest are test points.",
    "seed": "The random seed: the same seed gives the same data. Regenerate draws a new one.",
    "test_ratio": "Share of the samples kept aside to test the trained network.",
    "val_ratio": "Share of the samples used to validate while training (validation loss and accuracy).",
    "flatten": "Give the network each image as one row of pixels (for a Dense-only network) instead of a "
               "height × width × 1 image (for Conv2D).",
    "sequence": "Give the network each image as a sequence of its rows, top to bottom: time steps of pixels "
                "(for SimpleRNN, LSTM or GRU).",
    "n_samples": "How many people took part in the trial.",
    "exception_share": "Share of people whose side effects go against their age group.",
    "scaling": "Min-max scales every feature to [0, 1].",
    "shapes.n_per_class": "How many images of each shape are drawn.",
    "shapes.size": "Width and height of the images.",
    "shapes.noise": "Standard deviation of the Gaussian noise added to every pixel (pixels are 0 to 1).",
    "shapes.style": "Filled shapes, outlines, or a random mix.",
    "csv.task": "Auto-detect: text labels or a few whole numbers are classes, anything else is a regression target.",
    "csv.scaling": "Fitted on the training split only, then applied to every split.",
}
CHOICE_LABELS = {"minmax": "min-max", "standardize": "standardize", "none": "none", "auto": "auto-detect",
                 "multiclass": "multi-class"}
def _is_share(p) -> bool:
    """A fraction of one shown in percent (test_ratio 0.2 → 20 %)."""
    return p.type == "float" and not p.unit and p.max is not None and p.max <= 1.0 and \
        (p.name.endswith("_ratio") or "share" in p.name)


def _decimals(step: float) -> int:
    if step <= 0 or float(step).is_integer():
        return 0
    return max(0, min(4, -int(math.floor(math.log10(step) + 1e-9))))


def _fmt(v: float, unit: str = "") -> str:
    s = f"{v:,.0f}" if float(v).is_integer() else f"{v:,.4g}"
    return f"{s} {unit}".strip() if unit else s


class ParamEditor(QWidget):
    """One parameter's editor, built from its :class:`ParamSpec`. ``edited(immediate)`` on user edits."""

    edited = Signal(bool)

    def __init__(self, spec, dataset_name: str, parent=None):
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"param_{spec.name}")
        self.scale = 100.0 if _is_share(spec) else 1.0
        self.unit = "%" if self.scale == 100.0 else spec.unit
        self.slider: QSlider | None = None
        self.widget: QWidget
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        t = spec.type
        help_text = spec.help or HELP.get(f"{dataset_name}.{spec.name}") or HELP.get(spec.name, "")
        if t in ("int", "float", "seed"):
            lo = spec.min if spec.min is not None else -1e9
            hi = spec.max if spec.max is not None else 1e9
            step = spec.step or (1 if t != "float" else 0.1)
            lo, hi, step = lo * self.scale, hi * self.scale, step * self.scale
            if t == "float" and _decimals(step) > 0:
                spin = QDoubleSpinBox()
                spin.setDecimals(_decimals(step))
                spin.setRange(lo, hi)
                spin.setSingleStep(step)
            else:
                spin = QSpinBox()
                spin.setRange(int(max(lo, -SEED_MAX)), int(min(hi, SEED_MAX)))
                spin.setSingleStep(int(round(step)))
            spin.setKeyboardTracking(False)
            spin.setAccelerated(True)
            if self.unit:
                spin.setSuffix(f" {self.unit}")
            spin.valueChanged.connect(self._on_spin_value_changed)
            self.widget = spin
            if t != "seed" and spec.min is not None and spec.max is not None and 0 < (hi - lo) / step <= 100:
                self.slider = QSlider(Qt.Orientation.Horizontal)
                self.slider.setObjectName(f"slider_{spec.name}")
                self.slider.setRange(0, int(round((hi - lo) / step)))
                self.slider.setPageStep(max(1, self.slider.maximum() // 10))
                self.slider.valueChanged.connect(self._on_slider_value_changed)
                self._slider_lo, self._slider_step = lo, step
                self.slider.setMinimumWidth(40)
                lay.addWidget(self.slider, 1)
                spin.setFixedWidth(78)
            else:
                spin.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                spin.setMinimumWidth(72)   # a seed's range (2**31 - 1) would ask for a wide box
            lay.addWidget(spin, 0 if self.slider else 1)
            if spec.min is not None and spec.max is not None and t != "seed":
                rng = f"{_fmt(lo)} to {_fmt(hi, self.unit)}"
                help_text = (help_text + "\n" if help_text else "") + f"Range: {rng}"
        elif t == "bool":
            box = QCheckBox(spec.label or spec.name)
            box.toggled.connect(lambda _on: self.edited.emit(True))
            self.widget = box
            lay.addWidget(box, 1)
        elif t == "choice":
            combo = QComboBox()
            for c in spec.choices:
                combo.addItem(CHOICE_LABELS.get(str(c), str(c)), c)
            combo.currentIndexChanged.connect(lambda _i: self.edited.emit(True))
            self.widget = combo
            lay.addWidget(combo, 1)
        elif t == "multichoice":
            box = QWidget()
            grid = QGridLayout(box)
            grid.setContentsMargins(0, 0, 0, 0)
            self.boxes = {}
            for i, c in enumerate(spec.choices):
                cb = QCheckBox(str(c))
                cb.toggled.connect(lambda _on: self.edited.emit(True))
                grid.addWidget(cb, i // 3, i % 3)
                self.boxes[c] = cb
            self.widget = box
            lay.addWidget(box, 1)
        else:  # path, column, columns: shown, edited elsewhere (the CSV dialog)
            label = QLabel()
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.widget = label
            lay.addWidget(label, 1)
        self.widget.setObjectName(f"editor_{spec.name}")
        if help_text:
            self.setToolTip(help_text)
            self.widget.setToolTip(help_text)
        self._value = spec.default

    # ------------------------------------------------------------------ value in the core's units
    def value(self):
        t = self.spec.type
        if t in ("int", "seed"):
            return int(self.widget.value())
        if t == "float":
            v = float(self.widget.value()) / self.scale
            return round(v, 10)
        if t == "bool":
            return self.widget.isChecked()
        if t == "choice":
            return self.widget.currentData()
        if t == "multichoice":
            return [c for c, cb in self.boxes.items() if cb.isChecked()]
        return self._value

    def set_value(self, value) -> None:
        """Show ``value`` without emitting ``edited``."""
        self._value = value
        t = self.spec.type
        blockers = [self.widget] + ([self.slider] if self.slider else [])
        for w in blockers:
            w.blockSignals(True)
        try:
            if t in ("int", "float", "seed"):
                if value is None:
                    value = 0
                shown = float(value) * self.scale
                self._set_spin(shown)
                if self.slider:
                    self.slider.setValue(self._slider_position(shown))
            elif t == "bool":
                self.widget.setChecked(bool(value))
            elif t == "choice":
                self.widget.setCurrentIndex(max(0, self.widget.findData(value)))
            elif t == "multichoice":
                for c, cb in self.boxes.items():
                    cb.blockSignals(True)
                    cb.setChecked(c in (value or []))
                    cb.blockSignals(False)
            else:
                if isinstance(value, (list, tuple)):
                    text = ", ".join(map(str, value)) if value else "—"
                elif t == "path" and value:
                    text = os.path.basename(str(value))
                    self.widget.setToolTip(str(value))
                else:
                    text = "—" if value in (None, "") else str(value)
                self.widget.setText(text)
        finally:
            for w in blockers:
                w.blockSignals(False)

    def _set_spin(self, shown: float) -> None:
        """Show ``shown`` (in the editor's units) in the spin box, rounded for an integer one."""
        self.widget.setValue(shown if isinstance(self.widget, QDoubleSpinBox) else int(round(shown)))

    def _slider_position(self, shown: float) -> int:
        return int(round((shown - self._slider_lo) / self._slider_step))

    def _on_spin_value_changed(self, v) -> None:
        if self.slider:
            self.slider.blockSignals(True)
            self.slider.setValue(self._slider_position(float(v)))
            self.slider.blockSignals(False)
        self.edited.emit(False)

    def _on_slider_value_changed(self, pos: int) -> None:
        self.widget.blockSignals(True)
        self._set_spin(self._slider_lo + pos * self._slider_step)
        self.widget.blockSignals(False)
        self.edited.emit(False)
