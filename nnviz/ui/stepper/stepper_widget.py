"""The backprop stepper: one training step of a model, walked through computation by computation.

    stepper = StepperWidget()
    stepper.set_model(model, dataset)          # a sample of the data set (or type one in)
    stepper.next(); stepper.previous()         # → / ← when the stepper has focus
    stepper.jump_to_phase("backward")
    stepper.apply()                            # at the end: exactly what train_on_batch does

Everything shown comes from a :class:`~nnviz.core.trace.BackpropTrace` of the model on one sample: the
stepper computes nothing itself. What is stepped (model, sample, granularity, trace, position, the worked
example) is a :class:`~nnviz.session.stepper_session.StepperSession`; this panel shows it. What is on screen is a function of ``(trace, index)`` only, so going
back and forth always shows the same view.

Signals: ``step_changed(int)``, ``trace_changed()``, ``update_applied(AppliedUpdate)`` (after Apply: the
model's weights and optimizer are where ``train_on_batch`` would have put them), ``update_discarded()``,
``highlight_changed(nodes, edges)`` (for another neuron view to mirror; both empty = clear) and
``number_hovered(str)``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QSpinBox, QSplitter,
                               QTextBrowser, QToolButton, QVBoxLayout, QWidget)

from nnviz.core.trace import GRANULARITIES, PHASES, StaleTraceError, WeightUpdate, format_number
from nnviz.session.stepper_session import (UNIT_STEP_DEFAULT_LIMIT, UNIT_STEP_LIMIT, AppliedUpdate,  # noqa: F401
                                           StepperSession, model_target, unit_step_count)
from nnviz.ui import theme
from nnviz.ui.stepper.diagram import DiagramPanel
from nnviz.ui.stepper.flow_layout import FlowLayout
from nnviz.ui.stepper.formula_view import FormulaView, phase_color
from nnviz.ui.stepper.playback import SPEEDS, Playback  # noqa: F401
from nnviz.ui.stepper.sample_fields import MAX_FIELDS, SampleFields  # noqa: F401
from nnviz.ui.stepper.value_table import QUANTITIES, ValueTable

GRANULARITY_LABELS = {"unit": "Unit by unit", "layer": "Layer by layer", "phase": "Phase by phase"}
PHASE_LABELS = {"forward": "Forward", "loss": "Loss", "backward": "Backward", "update": "Update"}
SOURCE_LABELS = {"train": "Training set", "test": "Test set", "typed": "Typed in", "example": "Worked example"}


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
        self.session = StepperSession()
        self.apply_guard = None          # callable -> "" or the reason Apply is refused
        self._dirty = False
        self.lazy = False                # True: recompute only while visible (the main window's dock)
        self._splitter_sized = False
        self._sized_rows = -1
        self._message = ""
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
        self.sample_fields = SampleFields(self)
        self.sample_fields.edited.connect(self._on_sample_fields_edited)
        self.granularity_combo = QComboBox(self)
        self.granularity_combo.setObjectName("granularityCombo")
        for g in GRANULARITIES:
            self.granularity_combo.addItem(GRANULARITY_LABELS[g], g)
        self.granularity_combo.setToolTip("How much each step covers: one unit (or weight), one layer, or a "
                                          "whole phase")
        self.granularity_combo.activated.connect(self._on_granularity_combo_activated)
        self.sample_group = self._group("sampleGroup", self._caption("Sample"), self.source_combo, self.sample_spin,
                                        8, self.sample_fields)
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
        self.playback = Playback(self)
        self.playback.toggled.connect(self._on_playback_toggled)
        self.playback.ticked.connect(self._on_playback_ticked)
        self.play_button, self.speed_slider, self.speed_label = (self.playback.play_button, self.playback.speed_slider,
                                                                 self.playback.speed_label)
        self.play_timer = self.playback.timer
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

    # ================================================================== the session's state
    # (the widget shows a StepperSession; these read and write it under the names the panel always had)
    def _session_attr(name: str, doc: str = ""):
        return property(lambda self: getattr(self.session, name),
                        lambda self, value: setattr(self.session, name, value), doc=doc)

    model = _session_attr("model")
    dataset = _session_attr("dataset")
    trace = _session_attr("trace")
    index = _session_attr("index")
    mode = _session_attr("mode", '"model" (a network of the user\'s) or "example" (the worked example)')
    example = _session_attr("example")
    feature_names = _session_attr("feature_names")
    class_names = _session_attr("class_names")
    applied_count = _session_attr("applied_count")
    _x = _session_attr("x")
    _y = _session_attr("y")
    del _session_attr

    @property
    def input_edits(self) -> list:
        return self.sample_fields.input_edits

    @property
    def target_edits(self) -> list:
        return self.sample_fields.target_edits

    @property
    def target_combo(self):
        return self.sample_fields.target_combo

    # ================================================================== public API
    def set_model(self, model, dataset=None, feature_names=None, class_names=None) -> None:
        """Step through ``model`` (compiled) on a sample of ``dataset`` (or a typed-in one)."""
        was_example = self.mode == "example"
        self.session.set_model(model, dataset, feature_names, class_names)
        if was_example:
            self._hide_example()
        self._fill_sources()
        self._sync_sample_spin()
        self._rebuild_sample_fields()
        self.rebuild(keep_index=True)

    def set_sample(self, x, y) -> None:
        """Use the sample ``x`` (one sample, with or without the batch axis) with label ``y``."""
        self.session.set_sample(x, y)
        self._sync_source_combo()
        self._show_sample()
        self.rebuild(keep_index=True)

    def select_sample(self, source: str, index: int) -> None:
        """Sample ``index`` of the ``"train"`` or ``"test"`` split."""
        self._choose_sample(source, index)

    @property
    def granularity(self) -> str:
        return self.session.granularity

    def set_granularity(self, granularity: str) -> None:
        had_trace = self.trace is not None
        self.session.set_granularity(granularity)
        with QSignalBlocker(self.granularity_combo):
            self.granularity_combo.setCurrentIndex(GRANULARITIES.index(granularity))
        if had_trace:
            self.trace_changed.emit()
            self._go(self.index, force=True)

    @property
    def x(self):
        return None if self._x is None else self._x.copy()

    @property
    def y(self):
        return None if self._y is None else self._y.copy()

    @property
    def source(self) -> str:
        return self.session.source

    @property
    def current_step(self):
        return self.session.current_step

    @property
    def step_count(self) -> int:
        return self.session.step_count

    @property
    def at_end(self) -> bool:
        return self.session.at_end

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
        start = self.session.phase_start(phase)
        if start is None:
            self._update_controls()
        else:
            self._go(start)

    # play ---------------------------------------------------------------
    @property
    def is_playing(self) -> bool:
        return self.playback.is_playing

    def play(self) -> None:
        if self.trace is None:
            return
        if self.at_end:
            self._go(0)
        self.playback.start()

    def pause(self) -> None:
        self.playback.stop()

    def set_speed(self, steps_per_second: float) -> None:
        self.playback.set_speed(steps_per_second)

    @property
    def speed(self) -> float:
        return self.playback.speed

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
        try:
            update = self.session.apply()
        except StaleTraceError:
            self._show_status("The model changed since these steps were computed: they were computed again.", warn=True)
            self.rebuild()
            return None
        self.rebuild(keep_index=False)
        self._show_status(f"Update applied: one training step on this sample (its loss was "
                          f"{format_number(update.loss)}). The steps now show the updated network.")
        self.update_applied.emit(update)
        return update.loss

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
        self.session.enter_example(ex)
        self._hide_status()   # ("Update discarded", "Update applied": about the network before, not this one)
        self.explanation.setMarkdown(ex.explanation)
        self.explanation.setVisible(True)
        self._size_splitter()
        self.banner_label.setText(f"<b>Worked example:</b> {ex.title} — every number can be checked by hand.")
        self.banner.setVisible(True)
        self.back_button.setVisible(self.session.can_go_back)
        self._fill_sources()
        self._rebuild_sample_fields()
        self.rebuild(keep_index=False)

    def close_worked_example(self) -> None:
        """Back to the user's network (as it was before the worked example opened)."""
        if self.mode != "example":
            return
        restored = self.session.restore()
        self._hide_example()
        self._hide_status()
        self._fill_sources()
        if not restored:
            self._show_trace()
            return
        self._sync_sample_spin()
        self._rebuild_sample_fields()
        self.rebuild(keep_index=False)

    def _hide_example(self) -> None:
        """The worked example's banner and explanation go."""
        self.explanation.setVisible(False)
        self.banner.setVisible(False)

    def set_user_model(self, model, dataset=None) -> None:
        """The user's network changed (integration): take it now, or after the worked example closes."""
        if self.mode == "example":
            self.session.remember_user_model(model, dataset)
            self.back_button.setVisible(model is not None)
            return
        if model is None:
            self.model, self.dataset, self.trace = None, dataset, None
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
        if not self.session.is_stale():
            return
        self.rebuild(keep_index=True)

    def rebuild(self, keep_index: bool = True) -> None:
        """Trace the model on the current sample again (new numbers, same position when ``keep_index``)."""
        if self.lazy and not self.isVisible():
            self._dirty = True
            return
        self._dirty = False
        self.pause()
        message = self.session.rebuild(keep_index)
        if self.model is not None:
            self._sync_granularity_combo()
        self.trace_changed.emit()
        self._show_trace(message)

    # ================================================================== internals: samples
    def _fill_sources(self) -> None:
        with QSignalBlocker(self.source_combo):
            self.source_combo.clear()
            for s in self.session.sources():
                self.source_combo.addItem(SOURCE_LABELS[s], s)
        self._sync_source_combo()

    def _sync_source_combo(self) -> None:
        i = self.source_combo.findData(self.session.source)
        with QSignalBlocker(self.source_combo):
            if i >= 0:
                self.source_combo.setCurrentIndex(i)
        split = self.session.split(self.session.source)
        self.sample_spin.setVisible(split is not None)
        if split is not None:
            with QSignalBlocker(self.sample_spin):
                self.sample_spin.setRange(0, max(len(split[0]) - 1, 0))

    def _sync_sample_spin(self) -> None:
        with QSignalBlocker(self.sample_spin):
            self.sample_spin.setValue(self.session.sample_index)

    def _choose_sample(self, source: str, index: int) -> None:
        self.session.choose_sample(source, index)
        self._sync_source_combo()
        self._sync_sample_spin()
        self._show_sample()
        self.rebuild(keep_index=True)

    def _rebuild_sample_fields(self) -> None:
        self.sample_fields.rebuild(self.model, self.feature_names, self.class_names)
        self._show_sample()

    def _show_sample(self) -> None:
        self.sample_fields.show_sample(self._x, self._y)

    # ================================================================== internals: showing
    def _sync_granularity_combo(self) -> None:
        item = self.granularity_combo.model().item(0)
        item.setEnabled(self.session.unit_allowed)
        item.setToolTip("" if self.session.unit_allowed else
                        f"{self.session.unit_count:,} steps: too many to step through unit by unit")
        with QSignalBlocker(self.granularity_combo):
            self.granularity_combo.setCurrentIndex(GRANULARITIES.index(self.session.granularity))

    def _go(self, index: int, force: bool = False) -> None:
        if self.trace is None:
            return
        index = max(0, min(int(index), len(self.trace) - 1))
        if index == self.index and not force:
            self._update_controls()
            return
        self.session.index = index
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
        self.granularity_combo.setCurrentIndex(GRANULARITIES.index(self.session.granularity))

    def _show_status(self, text: str, warn: bool = False) -> None:
        c = theme.colors()
        self.status.setText(f"<span style='color:{c['error'] if warn else c['text']}'>{text}</span>")
        self.status.setVisible(True)

    def _hide_status(self) -> None:
        self.status.setVisible(False)

    # ================================================================== slots
    def _on_source_combo_activated(self, _i: int) -> None:
        source = self.source_combo.currentData()
        if source == "typed":
            self.session.source = "typed"
            self._sync_source_combo()
            return
        if source == "example" and self.example is not None:
            self.session.use_example_sample()
            self._sync_source_combo()
            self._show_sample()
            self.rebuild(keep_index=True)
            return
        self._choose_sample(source, self.sample_spin.value())

    def _on_sample_spin_value_changed(self, value: int) -> None:
        if self.session.source in ("train", "test"):
            self._choose_sample(self.session.source, value)

    def _on_sample_fields_edited(self, *_args) -> None:
        read = self.sample_fields.read(self._x, self._y)
        if read is None or self.model is None:
            return
        x, y = read
        if self._x is not None and np.array_equal(x, self._x) and self._y is not None and np.array_equal(y, self._y):
            return
        self.session.x, self.session.y = x.reshape((1,) + tuple(self.model.input_shape[1:])), y
        self.session.source = "typed"
        self._sync_source_combo()
        self.rebuild(keep_index=True)

    def _on_granularity_combo_activated(self, i: int) -> None:
        self.session.granularity_chosen = True
        self.set_granularity(self.granularity_combo.itemData(i))

    def _on_playback_toggled(self, checked: bool) -> None:
        self.play() if checked else self.pause()

    def _on_playback_ticked(self) -> None:
        if self.trace is None or self.at_end:
            self.pause()
            return
        self.next()
        if self.at_end:
            self.pause()

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
