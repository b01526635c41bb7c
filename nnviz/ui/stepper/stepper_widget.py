"""The backprop stepper: one training step of a model, walked through computation by computation.

    stepper = StepperWidget()
    stepper.set_model(model, dataset)          # a sample of the data set (or type one in)
    stepper.next(); stepper.previous()         # → / ← when the stepper has focus
    stepper.jump_to_phase("backward")
    stepper.apply()                            # at the end: exactly what train_on_batch does

Everything shown comes from a :class:`~nnviz.core.trace.BackpropTrace` of the model on one sample: the
stepper computes nothing itself. What is on screen is a function of ``(trace, index)`` only, so going
back and forth always shows the same view.

Signals: ``step_changed(int)``, ``trace_changed()``, ``update_applied(AppliedUpdate)`` (after Apply: the
model's weights and optimizer are where ``train_on_batch`` would have put them), ``update_discarded()``,
``highlight_changed(nodes, edges)`` (for another neuron view to mirror; both empty = clear) and
``number_hovered(str)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QDoubleValidator, QKeySequence, QShortcut
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFrame, QHBoxLayout, QLabel, QLayout, QLineEdit, QPushButton,
                               QWidgetItem,
                               QSlider, QSpinBox, QSplitter, QTextBrowser, QToolButton, QVBoxLayout,
                               QWidget)

from nnviz.core.trace import GRANULARITIES, PHASES, StaleTraceError, WeightUpdate, backprop_trace, format_number
from nnviz.ui import theme
from nnviz.ui.stepper.diagram import DiagramPanel
from nnviz.ui.stepper.formula_view import FormulaView, phase_color
from nnviz.ui.stepper.value_table import QUANTITIES, ValueTable

#: above this many unit steps the "unit" granularity is offered but not chosen by default
UNIT_STEP_DEFAULT_LIMIT = 600
#: above this many it is not offered at all (building and stepping them would take too long)
UNIT_STEP_LIMIT = 20000
#: typed-in inputs and targets get one field each up to this many values
MAX_FIELDS = 8
SPEEDS = (0.5, 1, 2, 3, 5, 8, 12)   # steps per second, by slider position
GRANULARITY_LABELS = {"unit": "Unit by unit", "layer": "Layer by layer", "phase": "Phase by phase"}
PHASE_LABELS = {"forward": "Forward", "loss": "Loss", "backward": "Backward", "update": "Update"}
SOURCE_LABELS = {"train": "Training set", "test": "Test set", "typed": "Typed in", "example": "Worked example"}


@dataclass(frozen=True)
class AppliedUpdate:
    """What ``update_applied`` carries: the model after the step and the step's loss."""

    model: object
    loss: float                 # the loss of the sample before the step (what train_on_batch returns)
    weights: tuple              # aligned with model.get_weights(), after the step
    weight_keys: tuple
    x: np.ndarray
    y: np.ndarray


def _outputs_and_loss(model) -> tuple[int, str]:
    """(the model's number of outputs, its loss's name)."""
    out = int(model.output_shape[-1]) if len(model.output_shape) > 1 else 1
    return out, getattr(model.loss, "name", "")


def _target_kind(model) -> tuple[str, int]:
    """("class", number of classes) when the loss takes a class, else ("vector", outputs)."""
    out, name = _outputs_and_loss(model)
    if name in ("sparse_categorical_crossentropy", "categorical_crossentropy") and out > 1:
        return "class", out
    if name == "binary_crossentropy" and out == 1:
        return "class", 2
    return "vector", out


def model_target(model, y) -> np.ndarray:
    """One sample's label as the model's loss takes it, batch axis first: a class index stays an index
    for sparse cross-entropy and becomes one-hot for losses on vectors; a vector is reshaped."""
    y = np.asarray(y)
    out, name = _outputs_and_loss(model)
    scalar = y.size == 1
    if name == "sparse_categorical_crossentropy":
        return np.asarray([int(np.ravel(y)[0]) if scalar else int(np.argmax(y))], dtype=np.int64)
    if scalar and out > 1 and np.issubdtype(y.dtype, np.integer):
        one_hot = np.zeros((1, out))
        one_hot[0, int(np.ravel(y)[0])] = 1.0
        return one_hot
    return np.asarray(y, dtype=np.float64).reshape(1, out)


def _class_of(model, y) -> int:
    y = np.asarray(y)
    return int(np.argmax(y)) if y.size > 1 else int(round(float(np.ravel(y)[0])))


def unit_step_count(model, input_width: int | None) -> int:
    """How many steps a trace at unit granularity would have (Dense layers on vectors stepped unit by
    unit, the rest by layer)."""
    count = 1   # the loss
    width = input_width
    for layer in model.layers:
        out = layer.output_shape[1:] if layer.output_shape is not None else ()
        if layer.layer_type == "Dense" and width is not None:
            units = int(out[-1])
            n_params = sum(int(np.prod(layer.params[k].shape)) for k in layer.trainable_names)
            count += 2 * units + 1 + n_params
        else:
            count += 3
        width = int(out[0]) if len(out) == 1 else None
    return count


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto the next line when the width runs out (the control bar).
    ``addWidget(w, right=True)`` puts ``w`` at the right end of its line; ``addBreak()`` starts a line."""

    def __init__(self, parent=None, h_spacing: int = 12, v_spacing: int = 6):
        super().__init__(parent)
        self._items: list = []          # (QWidgetItem | None for a break, right)
        self._h, self._v = h_spacing, v_spacing

    def addItem(self, item) -> None:
        self._items.append((item, False))

    def addWidget(self, widget, right: bool = False) -> None:
        self.addChildWidget(widget)
        self._items.append((QWidgetItem(widget), right))
        self.invalidate()

    def addBreak(self) -> None:
        self._items.append((None, False))

    def count(self) -> int:
        return sum(1 for i, _ in self._items if i is not None)

    def itemAt(self, index: int):
        items = [i for i, _ in self._items if i is not None]
        return items[index] if 0 <= index < len(items) else None

    def takeAt(self, index: int):
        item = self.itemAt(index)
        if item is not None:
            self._items = [(i, r) for i, r in self._items if i is not item]
        return item

    def expandingDirections(self):
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._layout(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect) -> None:
        super().setGeometry(rect)
        self._layout(rect, apply=True)

    def sizeHint(self):
        return self.minimumSize()

    def minimumSize(self):
        size = QSize()
        for item, _ in self._items:
            if item is not None and not item.isEmpty():
                size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _layout(self, rect, apply: bool) -> int:
        m = self.contentsMargins()
        r = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        lines, line, width = [], [], 0
        for item, right in self._items:
            if item is None:
                lines.append(line)
                line, width = [], 0
                continue
            if item.isEmpty():
                continue
            w = item.sizeHint().width()
            if line and width + self._h + w > r.width():
                lines.append(line)
                line, width = [], 0
            width += (self._h if line else 0) + w
            line.append((item, right))
        lines.append(line)
        y = r.y()
        for line in lines:
            if not line:
                continue
            h = max(item.sizeHint().height() for item, _ in line)
            if apply:
                x = r.x()
                for item, right in line:
                    if not right:
                        sh = item.sizeHint()
                        item.setGeometry(QRect(QPoint(x, y + (h - sh.height()) // 2), sh))
                        x += sh.width() + self._h
                xr = r.right() + 1
                for item, right in reversed(line):
                    if right:
                        sh = item.sizeHint()
                        left = max(xr - sh.width(), x)
                        item.setGeometry(QRect(QPoint(left, y + (h - sh.height()) // 2), sh))
                        xr = left - self._h
            y += h + self._v
        return y - self._v - r.y() + m.top() + m.bottom()


class StepperWidget(QWidget):
    """The stepper panel: sample, granularity and navigation on top; the diagram on the left; the
    formula and the table of values on the right (and the explanation of the worked example)."""

    step_changed = Signal(int)
    trace_changed = Signal()
    update_applied = Signal(object)
    update_discarded = Signal()
    highlight_changed = Signal(object, object)
    number_hovered = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("stepperWidget")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.model = None
        self.dataset = None
        self.trace = None
        self.index = 0
        self.mode = "model"              # "model" (a network of the user's) or "example" (the worked example)
        self.example = None
        self.apply_guard = None          # callable -> "" or the reason Apply is refused
        self.feature_names: list[str] | None = None
        self.class_names: list[str] | None = None
        self._x: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._source = "typed"
        self._granularity = "unit"
        self._dirty = False
        self.lazy = False                # True: recompute only while visible (the main window's dock)
        self._granularity_chosen = False
        self._splitter_sized = False
        self._sized_rows = -1
        self._message = ""
        self._saved_model_setup = None
        self.applied_count = 0
        self._build_ui()
        self._update_controls()
        theme.state().theme_changed.connect(self._on_theme_changed)

    # ================================================================== building the panel
    def _build_ui(self) -> None:
        # ---- mode banner (worked example)
        self.banner = QFrame(self)
        self.banner.setObjectName("stepperBanner")
        self.banner_label = QLabel(self.banner)
        self.banner_label.setObjectName("stepperBannerLabel")
        self.banner_label.setWordWrap(True)
        self.back_button = QPushButton("Back to my network", self.banner)
        self.back_button.setObjectName("backToModelButton")
        self.back_button.clicked.connect(self.close_worked_example)
        bl = QHBoxLayout(self.banner)
        bl.setContentsMargins(10, 6, 10, 6)
        bl.addWidget(self.banner_label, 1)
        bl.addWidget(self.back_button)
        self.banner.setVisible(False)

        # ---- sample row
        self.source_combo = QComboBox(self)
        self.source_combo.setObjectName("sampleSourceCombo")
        self.source_combo.setToolTip("Where the sample comes from")
        self.source_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.source_combo.activated.connect(self._on_source_combo_activated)
        self.sample_spin = QSpinBox(self)
        self.sample_spin.setObjectName("sampleSpin")
        self.sample_spin.setPrefix("#")
        self.sample_spin.setKeyboardTracking(False)
        self.sample_spin.setToolTip("Which sample of the set (0 is the first)")
        self.sample_spin.valueChanged.connect(self._on_sample_spin_value_changed)
        self.input_box = QWidget(self)
        self.input_layout = QHBoxLayout(self.input_box)
        self.input_layout.setContentsMargins(0, 0, 0, 0)
        self.input_layout.setSpacing(4)
        self.target_box = QWidget(self)
        self.target_layout = QHBoxLayout(self.target_box)
        self.target_layout.setContentsMargins(0, 0, 0, 0)
        self.target_layout.setSpacing(4)
        self.input_edits: list[QLineEdit] = []
        self.target_edits: list[QLineEdit] = []
        self.target_combo: QComboBox | None = None
        self.granularity_combo = QComboBox(self)
        self.granularity_combo.setObjectName("granularityCombo")
        for g in GRANULARITIES:
            self.granularity_combo.addItem(GRANULARITY_LABELS[g], g)
        self.granularity_combo.setToolTip("How much each step covers: one unit (or weight), one layer, or a "
                                          "whole phase")
        self.granularity_combo.activated.connect(self._on_granularity_combo_activated)
        self.sample_group = self._group("sampleGroup", self._caption("Sample"), self.source_combo, self.sample_spin,
                                        8, self._caption("x ="), self.input_box, 8, self._caption("y ="),
                                        self.target_box)
        self.steps_group = self._group("stepsGroup", self._caption("Steps"), self.granularity_combo)

        # ---- navigation row
        self.prev_button = QPushButton("◀  Previous", self)
        self.prev_button.setObjectName("previousButton")
        self.prev_button.setToolTip("Previous step (←)")
        self.prev_button.clicked.connect(self.previous)
        self.next_button = QPushButton("Next  ▶", self)
        self.next_button.setObjectName("nextButton")
        self.next_button.setToolTip("Next step (→)")
        self.next_button.clicked.connect(self.next)
        self.play_button = QPushButton("▶ Play", self)
        self.play_button.setObjectName("playButton")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Step on by itself at the chosen speed")
        self.play_button.toggled.connect(self._on_play_button_toggled)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.speed_slider.setObjectName("speedSlider")
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setValue(2)
        self.speed_slider.setFixedWidth(90)
        self.speed_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_slider.setToolTip("Playing speed")
        self.speed_slider.valueChanged.connect(self._on_speed_slider_value_changed)
        self.speed_label = QLabel(self)
        self.speed_label.setObjectName("speedLabel")
        self.speed_label.setMinimumWidth(64)
        self.play_timer = QTimer(self)
        self.play_timer.setObjectName("playTimer")
        self.play_timer.timeout.connect(self._on_play_timer_timeout)
        self.phase_group = QButtonGroup(self)
        self.phase_group.setExclusive(True)
        self.phase_buttons: dict[str, QToolButton] = {}
        phase_bar = QHBoxLayout()
        phase_bar.setSpacing(0)
        for phase in PHASES:
            b = QToolButton(self)
            b.setObjectName("phase" + phase.capitalize() + "Button")
            b.setText(PHASE_LABELS[phase])
            b.setCheckable(True)
            b.setToolTip(f"Jump to the start of the {PHASE_LABELS[phase].lower()} phase")
            b.clicked.connect(lambda _checked=False, p=phase: self.jump_to_phase(p))
            self.phase_group.addButton(b)
            self.phase_buttons[phase] = b
            phase_bar.addWidget(b)
        self.position_label = QLabel(self)
        self.position_label.setObjectName("positionLabel")
        self.position_label.setMinimumWidth(92)
        self.position_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.apply_button = QPushButton("✔ Apply update", self)
        self.apply_button.setObjectName("applyButton")
        self.apply_button.setToolTip("Do this training step on the model: its weights (and optimizer) become what "
                                     "train_on_batch would make them")
        self.apply_button.clicked.connect(self.apply)
        self.discard_button = QPushButton("Discard", self)
        self.discard_button.setObjectName("discardButton")
        self.discard_button.setToolTip("Leave the model as it is and start this step over")
        self.discard_button.clicked.connect(self.discard)
        self.nav_group = self._group("navGroup", self.prev_button, self.next_button, self.position_label)
        self.play_group = self._group("playGroup", self.play_button, self.speed_slider, self.speed_label)
        self.jump_group = self._group("jumpGroup", self._caption("Jump to"), phase_bar)
        self.apply_group = self._group("applyGroup", self.discard_button, self.apply_button)
        controls = FlowLayout(h_spacing=18, v_spacing=6)
        controls.addWidget(self.sample_group)
        controls.addWidget(self.steps_group, right=True)
        controls.addBreak()
        for g in (self.nav_group, self.play_group, self.jump_group):
            controls.addWidget(g)
        controls.addWidget(self.apply_group, right=True)

        # ---- the views
        self.diagram_panel = DiagramPanel(self)
        self.diagram = self.diagram_panel.diagram
        self.formula = FormulaView(self)
        self.formula.number_hovered.connect(self.number_hovered)
        self.table = ValueTable(self)
        self.table_title = QLabel("Every unit's values so far", self)
        self.table_title.setObjectName("tableTitle")
        table_box = QWidget(self)
        tl = QVBoxLayout(table_box)
        tl.setContentsMargins(0, 4, 0, 0)
        tl.setSpacing(2)
        tl.addWidget(self.table_title)
        tl.addWidget(self.table, 1)
        self.explanation = QTextBrowser(self)
        self.explanation.setObjectName("explanationBrowser")
        self.explanation.setOpenExternalLinks(True)
        self.explanation.setVisible(False)
        right = self.right_splitter = QSplitter(Qt.Orientation.Vertical, self)
        right.setObjectName("stepperRightSplitter")
        right.addWidget(self.formula)
        right.addWidget(table_box)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("stepperSplitter")
        self.splitter.addWidget(self.diagram_panel)
        self.splitter.addWidget(right)
        self.splitter.addWidget(self.explanation)
        self.splitter.setStretchFactor(0, 9)
        self.splitter.setStretchFactor(1, 11)
        self.splitter.setStretchFactor(2, 7)
        self.splitter.setChildrenCollapsible(False)

        self.status = QLabel(self)
        self.status.setObjectName("stepperStatus")
        self.status.setWordWrap(True)
        self.status.setVisible(False)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(6)
        lay.addWidget(self.banner)
        lay.addLayout(controls)
        lay.addWidget(self.status)
        lay.addWidget(self.splitter, 1)
        self._on_speed_slider_value_changed(self.speed_slider.value())

        # ← / → anywhere in the panel, unless a text field wants them
        for key, slot in ((Qt.Key.Key_Left, self.previous), (Qt.Key.Key_Right, self.next)):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        self._apply_style()

    def _group(self, name: str, *items) -> QWidget:
        """A row of controls that stays together when the control bar wraps."""
        box = QWidget(self)
        box.setObjectName(name)
        lay = QHBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        for item in items:
            if isinstance(item, int):
                lay.addSpacing(item)
            elif isinstance(item, QWidget):
                lay.addWidget(item)
            else:
                lay.addLayout(item)
        return box

    def _caption(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setProperty("caption", True)
        return label

    def _apply_style(self) -> None:
        c = theme.colors()
        checked = {p: phase_color(p) for p in PHASES}
        phase_css = "".join(
            f"QToolButton#phase{p.capitalize()}Button:checked {{ background: {col}; color: white;"
            f" border-color: {col}; }}"
            for p, col in checked.items())
        self.setStyleSheet(
            f"QLabel[caption=\"true\"] {{ color: {c['muted']}; }}"
            f"QFrame#stepperBanner {{ background: {c['alt_base']}; border: 1px solid {c['border']};"
            f" border-radius: 6px; }}"
            f"QLabel#stepperStatus {{ background: {c['alt_base']}; border: 1px solid {c['border']}; border-radius: 6px;"
            f" padding: 5px 8px; }}"
            f"QLabel#tableTitle {{ color: {c['muted']}; font-weight: bold; }}"
            f"QToolButton[checkable=\"true\"] {{ border: 1px solid {c['border']}; padding: 4px 10px;"
            f" background: {c['base']}; }}"
            f"QPushButton#applyButton:enabled {{ font-weight: bold; }}"
            + phase_css)

    # ================================================================== public API
    def set_model(self, model, dataset=None, feature_names=None, class_names=None) -> None:
        """Step through ``model`` (compiled) on a sample of ``dataset`` (or a typed-in one)."""
        new_data = dataset is not self.dataset or self.model is None
        self.model = model
        self.dataset = dataset
        if self.mode == "example":
            self._leave_worked_example()
            self._saved_model_setup = None
        names = feature_names if feature_names is not None else getattr(dataset, "feature_names", None)
        self.feature_names = list(names) if names else None
        cls = class_names if class_names is not None else getattr(dataset, "class_names", None)
        self.class_names = list(cls) if cls else None
        self._fill_sources()
        sources = self._sources()
        src = self._source if self._source in sources and not new_data else sources[0]
        self._choose_sample(src, self.sample_spin.value(), rebuild=False)
        self._rebuild_sample_fields()
        self.rebuild(keep_index=True)

    def set_sample(self, x, y) -> None:
        """Use the sample ``x`` (one sample, with or without the batch axis) with label ``y``."""
        if self.model is None:
            raise ValueError("set a model first")
        x = np.asarray(x, dtype=np.float64)
        in_shape = tuple(self.model.input_shape[1:])
        self._x = x.reshape((1,) + in_shape)
        self._y = model_target(self.model, y)
        self._source = "typed" if self.mode == "model" else "example"
        self._sync_source_combo()
        self._update_sample_fields()
        self.rebuild(keep_index=True)

    def select_sample(self, source: str, index: int) -> None:
        """Sample ``index`` of the ``"train"`` or ``"test"`` split."""
        self._choose_sample(source, index)

    @property
    def granularity(self) -> str:
        return self._granularity

    def set_granularity(self, granularity: str) -> None:
        if granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}")
        old = self.current_step
        self._granularity = granularity
        with QSignalBlocker(self.granularity_combo):
            self.granularity_combo.setCurrentIndex(GRANULARITIES.index(granularity))
        if self.trace is None:
            return
        self.trace = self.trace.with_granularity(granularity)
        self.trace_changed.emit()
        self._go(self._map_step(old), force=True)

    @property
    def x(self):
        return None if self._x is None else self._x.copy()

    @property
    def y(self):
        return None if self._y is None else self._y.copy()

    @property
    def source(self) -> str:
        return self._source

    @property
    def current_step(self):
        if self.trace is None or not len(self.trace):
            return None
        return self.trace[self.index]

    @property
    def step_count(self) -> int:
        return 0 if self.trace is None else len(self.trace)

    @property
    def at_end(self) -> bool:
        return self.trace is not None and self.index == len(self.trace) - 1

    def next(self) -> None:
        if self.trace is not None and self.index < len(self.trace) - 1:
            self._go(self.index + 1)

    def previous(self) -> None:
        if self.trace is not None and self.index > 0:
            self._go(self.index - 1)

    def go_to(self, index: int) -> None:
        self._go(index)

    def first(self) -> None:
        self.go_to(0)

    def last(self) -> None:
        self.go_to(self.step_count - 1)

    def jump_to_phase(self, phase: str) -> None:
        if self.trace is None:
            return
        try:
            self._go(self.trace.phase_start(phase))
        except ValueError:
            self._update_controls()

    # play ---------------------------------------------------------------
    @property
    def is_playing(self) -> bool:
        return self.play_timer.isActive()

    def play(self) -> None:
        if self.trace is None:
            return
        if self.at_end:
            self._go(0)
        self.play_timer.start()
        self._sync_play_button()

    def pause(self) -> None:
        self.play_timer.stop()
        self._sync_play_button()

    def set_speed(self, steps_per_second: float) -> None:
        pos = int(np.argmin([abs(s - steps_per_second) for s in SPEEDS]))
        self.speed_slider.setValue(pos)

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_slider.value()]

    # apply / discard -------------------------------------------------------
    def apply(self) -> float | None:
        """At the end of the steps: do the update on the model (exactly ``train_on_batch``); returns the
        loss, or None when nothing was applied."""
        if self.trace is None or not self.at_end:
            return None
        reason = self.apply_guard() if self.apply_guard is not None else ""
        if reason:
            self._show_status(reason, warn=True)
            return None
        self.pause()
        model = self.model
        try:
            loss = self.trace.apply(model)
        except StaleTraceError:
            self._show_status("The model changed since these steps were computed: they were computed again.", warn=True)
            self.rebuild()
            return None
        update = AppliedUpdate(model=model, loss=float(loss), weights=tuple(w.copy() for w in model.get_weights()),
                               weight_keys=tuple(model.weight_keys()), x=self._x.copy(), y=self._y.copy())
        self.applied_count += 1
        self.rebuild(keep_index=False)
        self._show_status(f"Update applied: one training step on this sample (its loss was "
                          f"{format_number(loss)}). The steps now show the updated network.")
        self.update_applied.emit(update)
        return float(loss)

    def discard(self) -> None:
        """Leave the model unchanged and go back to the first step."""
        if self.trace is None:
            return
        self.pause()
        self._go(0)
        self._show_status("Update discarded: the model is unchanged.")
        self.update_discarded.emit()

    # the worked example ---------------------------------------------------
    def open_worked_example(self, example=None) -> None:
        """Step through the bundled worked example (``nnviz.core.worked_example``), with its explanation."""
        from nnviz.core.worked_example import worked_example
        ex = example if example is not None else worked_example()
        if self.mode == "model":
            self._saved_model_setup = (self.model, self.dataset, self.feature_names, self.class_names,
                                       self._source, self.sample_spin.value(), self._x, self._y)
        self.mode = "example"
        self.example = ex
        self._hide_status()   # ("Update discarded", "Update applied": about the network before, not this one)
        self.model, self.dataset = ex.model, None
        self.feature_names, self.class_names = None, None
        self._x = np.asarray(ex.x, dtype=np.float64).reshape((1,) + tuple(ex.model.input_shape[1:]))
        self._y = model_target(ex.model, ex.y[0])
        self._source = "example"
        self.explanation.setMarkdown(ex.explanation)
        self.explanation.setVisible(True)
        self._size_splitter()
        self.banner_label.setText(f"<b>Worked example:</b> {ex.title} — every number can be checked by hand.")
        self.banner.setVisible(True)
        self.back_button.setVisible(self._saved_model_setup is not None and self._saved_model_setup[0] is not None)
        self._fill_sources()
        self._rebuild_sample_fields()
        self.rebuild(keep_index=False)

    def close_worked_example(self) -> None:
        """Back to the user's network (as it was before the worked example opened)."""
        if self.mode != "example":
            return
        saved = self._saved_model_setup
        self._leave_worked_example()
        self._hide_status()
        if saved is None or saved[0] is None:
            self.model = None
            self.trace = None
            self._fill_sources()
            self._show_trace()
            return
        model, dataset, fnames, cnames, source, index, x, y = saved
        self._saved_model_setup = None
        self.model, self.dataset, self.feature_names, self.class_names = model, dataset, fnames, cnames
        self._x, self._y, self._source = x, y, source
        self._fill_sources()
        with QSignalBlocker(self.sample_spin):
            self.sample_spin.setValue(index)
        self._rebuild_sample_fields()
        self.rebuild(keep_index=False)

    def _leave_worked_example(self) -> None:
        """Back to the "model" mode: the worked example, its banner and its explanation go."""
        self.mode = "model"
        self.example = None
        self.explanation.setVisible(False)
        self.banner.setVisible(False)

    def set_user_model(self, model, dataset=None) -> None:
        """The user's network changed (integration): take it now, or after the worked example closes."""
        if self.mode == "example":
            if self._saved_model_setup is not None:
                s = list(self._saved_model_setup)
                if s[0] is not model or s[1] is not dataset:
                    s[0], s[1] = model, dataset
                    s[2] = list(dataset.feature_names) if dataset is not None and dataset.feature_names else None
                    s[3] = list(dataset.class_names) if dataset is not None and dataset.class_names else None
                    s[6] = s[7] = None
                    if s[4] == "typed":
                        s[4] = "train"
                self._saved_model_setup = tuple(s)
            else:
                self._saved_model_setup = (model, dataset, None, None, "train", 0, None, None)
            self.back_button.setVisible(model is not None)
            return
        if model is None:
            self.model = None
            self.dataset = dataset
            self.trace = None
            self._fill_sources()
            self._show_trace(message="The network is not valid: fix it in the layer view to step through it.")
            return
        if model is not self.model or dataset is not self.dataset:
            if model is not self.model and self._x is not None and self.model is not None and \
                    tuple(model.input_shape[1:]) != tuple(self.model.input_shape[1:]):
                self._x = None
            self._y = None if model is not self.model else self._y
            self.set_model(model, dataset)
        else:
            self.refresh()

    # refreshing --------------------------------------------------------------
    def refresh(self) -> None:
        """The model may have changed (weights, optimizer): recompute the steps if they are out of date."""
        if self.model is None:
            return
        if self.trace is not None and self.trace.model is self.model and not self._trace_is_stale():
            return
        self.rebuild(keep_index=True)

    def _trace_is_stale(self) -> bool:
        old = self.trace.old_weights
        now = self.model.get_weights()
        return len(old) != len(now) or any(a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(old, now))

    def rebuild(self, keep_index: bool = True) -> None:
        """Trace the model on the current sample again (new numbers, same position when ``keep_index``)."""
        if self.lazy and not self.isVisible():
            self._dirty = True
            return
        self._dirty = False
        old_index = self.index if keep_index else 0
        self.pause()
        self.trace = None
        message = ""
        if self.model is None:
            message = "No network to step through."
        elif self._x is None or self._y is None:
            message = "Choose a sample: no data set is loaded, so type the inputs and the target in above."
        else:
            try:
                self._choose_granularity_options()
                self.trace = backprop_trace(self.model, self._x, self._y, self._granularity)
            except (ValueError, TypeError, IndexError, RuntimeError) as exc:
                message = f"These steps cannot be computed: {exc}"
            except Exception as exc:   # noqa: BLE001 - a GUI boundary: say what went wrong, keep running
                message = f"These steps cannot be computed ({type(exc).__name__}: {exc})"
        self.index = 0 if self.trace is None else max(0, min(old_index, len(self.trace) - 1))
        self.trace_changed.emit()
        self._show_trace(message)

    # ================================================================== internals: samples
    def _sources(self) -> list[str]:
        if self.mode == "example":
            return ["example", "typed"]
        out = []
        ds = self.dataset
        if ds is not None and self.model is not None and tuple(ds.input_shape) == tuple(self.model.input_shape[1:]):
            if len(ds.x_train):
                out.append("train")
            if len(ds.x_test):
                out.append("test")
        out.append("typed")
        return out

    def _fill_sources(self) -> None:
        with QSignalBlocker(self.source_combo):
            self.source_combo.clear()
            for s in self._sources():
                self.source_combo.addItem(SOURCE_LABELS[s], s)
        self._sync_source_combo()

    def _sync_source_combo(self) -> None:
        i = self.source_combo.findData(self._source)
        with QSignalBlocker(self.source_combo):
            if i >= 0:
                self.source_combo.setCurrentIndex(i)
        split = self._split(self._source)
        self.sample_spin.setVisible(split is not None)
        if split is not None:
            with QSignalBlocker(self.sample_spin):
                self.sample_spin.setRange(0, max(len(split[0]) - 1, 0))

    def _split(self, source):
        ds = self.dataset
        if ds is None or source not in ("train", "test"):
            return None
        return (ds.x_train, ds.y_train) if source == "train" else (ds.x_test, ds.y_test)

    def _choose_sample(self, source: str, index: int, rebuild: bool = True) -> None:
        split = self._split(source)
        if split is not None and len(split[0]) and self.model is not None:
            index = max(0, min(int(index), len(split[0]) - 1))
            self._source = source
            self._x = np.asarray(split[0][index:index + 1])
            self._y = model_target(self.model, split[1][index])
            self._sync_source_combo()
            with QSignalBlocker(self.sample_spin):
                self.sample_spin.setValue(index)
        else:
            self._source = "typed" if self.mode == "model" else source
            if self.model is not None and (self._x is None or self._x.shape[1:] != tuple(self.model.input_shape[1:])):
                self._x = np.zeros((1,) + tuple(self.model.input_shape[1:]))
            if self.model is not None and self._y is None:
                kind, n = _target_kind(self.model)
                self._y = model_target(self.model, 0 if kind == "class" else np.zeros(n))
            self._sync_source_combo()
        self._update_sample_fields()
        if rebuild:
            self.rebuild(keep_index=True)

    def _rebuild_sample_fields(self) -> None:
        """New model: one field per input value and per target value (or a class combo)."""
        for lay in (self.input_layout, self.target_layout):
            while lay.count():
                w = lay.takeAt(0).widget()
                if w is not None:
                    w.hide()
                    w.deleteLater()
        self.input_edits, self.target_edits, self.target_combo = [], [], None
        model = self.model
        if model is None:
            return
        in_shape = tuple(model.input_shape[1:])
        if len(in_shape) == 1 and in_shape[0] <= MAX_FIELDS:
            names = self.feature_names if self.feature_names and len(self.feature_names) == in_shape[0] else None
            for k in range(in_shape[0]):
                e = self._number_edit(f"x{k}" if names is None else names[k])
                e.setObjectName(f"inputEdit{k}")
                e.setProperty("what", f"Input {k}" + (f" ({names[k]})" if names else ""))
                e.editingFinished.connect(self._on_sample_fields_edited)
                self.input_layout.addWidget(e)
                self.input_edits.append(e)
        else:
            label = QLabel("×".join(str(s) for s in in_shape) + " values", self)
            label.setObjectName("inputShapeLabel")
            self.input_layout.addWidget(label)
        kind, n = _target_kind(model)
        if kind == "class":
            combo = QComboBox(self)
            combo.setObjectName("targetCombo")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            names = self.class_names if self.class_names and len(self.class_names) == n else None
            for i in range(n):
                text = f"class {i}" if not names else names[i] if str(i) in names[i] else f"{i}: {names[i]}"
                combo.addItem(text, i)
            combo.setToolTip("The sample's true class")
            combo.activated.connect(self._on_sample_fields_edited)
            self.target_layout.addWidget(combo)
            self.target_combo = combo
        elif n <= MAX_FIELDS:
            for j in range(n):
                e = self._number_edit(f"y{j}")
                e.setObjectName(f"targetEdit{j}")
                e.setProperty("what", f"Target of output {j}")
                e.editingFinished.connect(self._on_sample_fields_edited)
                self.target_layout.addWidget(e)
                self.target_edits.append(e)
        else:
            label = QLabel(f"{n} values", self)
            self.target_layout.addWidget(label)
        self._update_sample_fields()

    def _number_edit(self, placeholder: str) -> QLineEdit:
        e = QLineEdit(self)
        e.setPlaceholderText(placeholder)
        v = QDoubleValidator(e)
        v.setNotation(QDoubleValidator.Notation.ScientificNotation)
        e.setValidator(v)
        e.setFixedWidth(76)
        e.setAlignment(Qt.AlignmentFlag.AlignRight)
        return e

    def _update_sample_fields(self) -> None:
        if self._x is not None:
            for e, v in zip(self.input_edits, np.ravel(self._x)):
                with QSignalBlocker(e):
                    self._show_number(e, v)
                    e.setCursorPosition(0)
        if self._y is not None and self.model is not None:
            if self.target_combo is not None:
                with QSignalBlocker(self.target_combo):
                    self.target_combo.setCurrentIndex(_class_of(self.model, self._y))
            for e, v in zip(self.target_edits, np.ravel(self._y)):
                with QSignalBlocker(e):
                    self._show_number(e, v)

    @staticmethod
    def _show_number(e: QLineEdit, v) -> None:
        """``v`` in a sample field, rounded; the field keeps the exact value behind the text it shows."""
        e.setText(format_number(v, 5))
        e.setProperty("shown", e.text())
        e.setProperty("exact", float(v))
        e.setToolTip(f"{e.property('what')} = {float(v)!r}<br>type a value, Enter to use it")

    def _read_sample_fields(self):
        """(x, y) from the fields, or None when one is not a number."""
        x = None if self._x is None else self._x.astype(np.float64).copy()
        y = None if self._y is None else self._y.copy()
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

    # ================================================================== internals: showing
    def _choose_granularity_options(self) -> None:
        width = int(self._x.shape[1]) if self._x is not None and self._x.ndim == 2 else None
        count = unit_step_count(self.model, width)
        model_item = self.granularity_combo.model().item(0)
        allowed = count <= UNIT_STEP_LIMIT
        model_item.setEnabled(allowed)
        model_item.setToolTip("" if allowed else f"{count:,} steps: too many to step through unit by unit")
        if not allowed and self._granularity == "unit":
            self._granularity = "layer"
        if self.trace is None and self._granularity == "unit" and count > UNIT_STEP_DEFAULT_LIMIT \
                and not self._granularity_chosen:
            self._granularity = "layer"
        with QSignalBlocker(self.granularity_combo):
            self.granularity_combo.setCurrentIndex(GRANULARITIES.index(self._granularity))

    def _map_step(self, old) -> int:
        """The step of the current trace that covers (or starts) what ``old`` showed."""
        if old is None or self.trace is None:
            return 0
        steps = self.trace.steps
        for i, s in enumerate(steps):
            if s is old:
                return i
        for i, s in enumerate(steps):
            if s.phase == old.phase and (s.layer_index == old.layer_index or s.layer_index is None
                                         or old.layer_index is None):
                if old.unit is None or s.unit is None or s.unit == old.unit:
                    return i
        try:
            return self.trace.phase_start(old.phase)
        except ValueError:
            return 0

    def _go(self, index: int, force: bool = False) -> None:
        if self.trace is None:
            return
        index = max(0, min(int(index), len(self.trace) - 1))
        if index == self.index and not force:
            self._update_controls()
            return
        self.index = index
        self._hide_status()
        self._show_step()

    def _show_trace(self, message: str = "") -> None:
        self._message = message
        self.diagram.set_trace(self.trace, self.feature_names)
        if self.trace is None:
            self.formula.set_step(None, message)
            self.table.set_rows([])
            self.highlight_changed.emit((), ())
            self._update_controls()
            return
        self._show_step()
        if self.table.rowCount() != self._sized_rows:
            self._size_right_splitter()

    def _size_right_splitter(self) -> None:
        """The table as tall as its rows (at most half the height); the formula gets the rest."""
        total = self.right_splitter.height()
        if total < 100:
            return
        self._sized_rows = self.table.rowCount()
        header = max(self.table.horizontalHeader().height(), self.table.horizontalHeader().sizeHint().height())
        want = (header + self.table.verticalHeader().defaultSectionSize() * self._sized_rows
                + 2 * self.table.frameWidth() + self.table_title.sizeHint().height() + 12)
        table = min(max(want, 120), total // 2)
        self.right_splitter.setSizes([total - table, table])

    def _show_step(self) -> None:
        trace, i = self.trace, self.index
        step = trace[i]
        self.formula.set_step(step)
        rows = trace.summary_table(i)
        before = trace.summary_table(i - 1)
        fresh = frozenset((r.layer, r.unit, q) for r, p in zip(rows, before) for q in QUANTITIES
                          if getattr(r, q) is not None and getattr(p, q) is None)
        units_by_layer = {}
        for r in rows:
            units_by_layer.setdefault(r.layer, []).append(r.unit)
        current = set()
        for n in step.highlights.nodes:
            if n.role == "current":
                current.update((n.layer, u) for u in (units_by_layer.get(n.layer, []) if n.unit is None else [n.unit]))
        self.table.set_rows(rows, fresh, frozenset(current))
        self.diagram.set_values(rows)
        labels = {}
        if isinstance(step, WeightUpdate) and step.k is not None:      # the weight's old and new value
            old, new = format_number(step.old, 3), format_number(step.new, 3)
            labels[(step.layer_index, step.j, step.k)] = f"{old} → {new}"
        self.diagram.highlight(step.highlights.nodes, step.highlights.edges, labels)
        self.highlight_changed.emit(tuple(step.highlights.nodes), tuple(step.highlights.edges))
        self._update_controls()
        self.step_changed.emit(i)

    def _update_controls(self) -> None:
        has = self.trace is not None and len(self.trace) > 0
        n = len(self.trace) if has else 0
        self.prev_button.setEnabled(has and self.index > 0)
        self.next_button.setEnabled(has and self.index < n - 1)
        self.play_button.setEnabled(has)
        for phase, b in self.phase_buttons.items():
            try:
                ok = has and self.trace.phase_start(phase) >= 0
            except ValueError:
                ok = False
            b.setEnabled(ok)
        step = self.current_step
        if step is not None:
            self.phase_buttons[step.phase].setChecked(True)
        else:
            self.phase_group.setExclusive(False)
            for b in self.phase_buttons.values():
                b.setChecked(False)
            self.phase_group.setExclusive(True)
        self.position_label.setText(f"Step {self.index + 1} of {n}" if has else "No steps")
        at_end = has and self.index == n - 1
        self.apply_button.setEnabled(at_end)
        self.discard_button.setEnabled(has and self.index > 0)
        self.apply_button.setToolTip(
            "Do this training step on the model: its weights (and optimizer) become what train_on_batch would "
            "make them" if at_end else "Available at the last step, once the whole pass has been stepped through "
                                       "(or press End)")
        for w in (self.source_combo, self.granularity_combo):
            w.setEnabled(self.model is not None)
        self.granularity_combo.setCurrentIndex(GRANULARITIES.index(self._granularity))

    def _show_status(self, text: str, warn: bool = False) -> None:
        c = theme.colors()
        self.status.setText(f"<span style='color:{c['error'] if warn else c['text']}'>{text}</span>")
        self.status.setVisible(True)

    def _hide_status(self) -> None:
        self.status.setVisible(False)

    def _sync_play_button(self) -> None:
        playing = self.play_timer.isActive()
        with QSignalBlocker(self.play_button):
            self.play_button.setChecked(playing)
        self.play_button.setText("❚❚ Pause" if playing else "▶ Play")

    # ================================================================== slots
    def _on_source_combo_activated(self, _i: int) -> None:
        source = self.source_combo.currentData()
        if source == "typed":
            self._source = "typed"
            self._sync_source_combo()
            return
        if source == "example" and self.example is not None:
            self._x = np.asarray(self.example.x, dtype=np.float64).reshape(self._x.shape)
            self._y = model_target(self.model, self.example.y[0])
            self._source = "example"
            self._sync_source_combo()
            self._update_sample_fields()
            self.rebuild(keep_index=True)
            return
        self._choose_sample(source, self.sample_spin.value())

    def _on_sample_spin_value_changed(self, value: int) -> None:
        if self._source in ("train", "test"):
            self._choose_sample(self._source, value)

    def _on_sample_fields_edited(self, *_args) -> None:
        read = self._read_sample_fields()
        if read is None or self.model is None:
            return
        x, y = read
        if self._x is not None and np.array_equal(x, self._x) and self._y is not None and np.array_equal(y, self._y):
            return
        self._x, self._y = x.reshape((1,) + tuple(self.model.input_shape[1:])), y
        self._source = "typed"
        self._sync_source_combo()
        self.rebuild(keep_index=True)

    def _on_granularity_combo_activated(self, i: int) -> None:
        self._granularity_chosen = True
        self.set_granularity(self.granularity_combo.itemData(i))

    def _on_play_button_toggled(self, checked: bool) -> None:
        self.play() if checked else self.pause()

    def _on_play_timer_timeout(self) -> None:
        if not self.play_timer.isActive():
            return
        if self.trace is None or self.at_end:
            self.pause()
            return
        self.next()
        if self.at_end:
            self.pause()

    def _on_speed_slider_value_changed(self, pos: int) -> None:
        speed = SPEEDS[pos]
        self.play_timer.setInterval(int(round(1000 / speed)))
        self.speed_label.setText(f"{speed:g} step{'s' if speed != 1 else ''}/s")

    def _on_theme_changed(self, _name: str) -> None:
        self._apply_style()
        if self.trace is not None:
            self._show_step()

    # ================================================================== events
    def keyPressEvent(self, event):
        key = event.key()
        if key == Qt.Key.Key_Right:
            self.next()
        elif key == Qt.Key.Key_Left:
            self.previous()
        elif key == Qt.Key.Key_Home:
            self.first()
        elif key == Qt.Key.Key_End:
            self.last()
        elif key == Qt.Key.Key_Space:
            self.pause() if self.is_playing else self.play()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _size_splitter(self) -> None:
        """Diagram : formula and table : explanation as 9 : 11 : 7 of the width (the explanation only
        while it is shown); below 860 pixels the diagram goes on top of the rest."""
        vertical = self.splitter.orientation() == Qt.Orientation.Vertical
        total = max(self.splitter.height() if vertical else self.splitter.width(), 300)
        parts = [9, 11, 7 if self.explanation.isVisibleTo(self) else 0]
        self.splitter.setSizes([int(total * p / sum(parts)) for p in parts])
        self._size_right_splitter()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        orientation = Qt.Orientation.Vertical if self.width() < 860 else Qt.Orientation.Horizontal
        if orientation != self.splitter.orientation():
            self.splitter.setOrientation(orientation)
            self._splitter_sized = False
        if not self._splitter_sized and self.isVisible():
            self._splitter_sized = True
            self._size_splitter()
        elif self.isVisible():
            self._size_right_splitter()

    def showEvent(self, event):
        super().showEvent(event)
        if not self._splitter_sized:
            self._splitter_sized = True
            self._size_splitter()
        if self._dirty:
            self.rebuild(keep_index=True)


def open_worked_example(parent=None) -> StepperWidget:
    """A stepper on the bundled worked example, its explanation beside it (a top-level window when
    ``parent`` is None; call ``show()``)."""
    stepper = StepperWidget(parent)
    stepper.setWindowTitle("nnviz — backpropagation by hand")
    stepper.open_worked_example()
    stepper.resize(1280, 760)
    return stepper
