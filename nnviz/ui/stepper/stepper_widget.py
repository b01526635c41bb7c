"""The backprop stepper: one training step of a model, walked through computation by computation.

    stepper = StepperWidget()
    stepper.set_model(model, dataset)          # a sample of the data set (or type one in)
    stepper.next(); stepper.previous()         # → / ← when the stepper has focus
    stepper.jump_to_phase("backward")
    stepper.apply()                            # at the end: exactly what train_on_batch does

Everything shown comes from a :class:`~nnviz.core.trace.BackpropTrace` of the model on one sample: the
stepper computes nothing itself. What is on screen is a function of ``(trace, index)`` only, so going
back and forth always shows the same view. What is stepped (model, sample, granularity, trace, position,
the worked example) is a :class:`~nnviz.session.stepper_session.StepperSession`; this panel shows it, with
its control bar (``controls``), its views (``step_view``) and its playback (``playback``).

Signals: ``step_changed(int)``, ``trace_changed()``, ``update_applied(AppliedUpdate)`` (after Apply: the
model's weights and optimizer are where ``train_on_batch`` would have put them), ``update_discarded()``,
``highlight_changed(nodes, edges)`` (for another neuron view to mirror; both empty = clear) and
``number_hovered(str)``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nnviz.core.trace import GRANULARITIES, PHASES, StaleTraceError, format_number
from nnviz.session.stepper_session import (UNIT_STEP_DEFAULT_LIMIT, UNIT_STEP_LIMIT, AppliedUpdate,  # noqa: F401
                                           StepperSession, model_target, unit_step_count)
from nnviz.ui import theme, zoom
from nnviz.ui.stepper.check_bar import CheckBar
from nnviz.ui.stepper.controls import (GRANULARITY_LABELS, MORE_LEVEL, PARTS, PHASE_LABELS, StepperControls,  # noqa: F401
                                       should_fold)
from nnviz.ui.stepper.formula_view import phase_color
from nnviz.ui.stepper.playback import SPEEDS, Playback  # noqa: F401
from nnviz.ui.stepper.sample_fields import MAX_FIELDS, SampleFields  # noqa: F401
from nnviz.ui.stepper.step_view import StepView

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
        self._fold_floor = (None, 0)     # (the bar's width, its fold) while Predict first asks: it only folds further
        self._message = ""
        self._build_ui()
        self._update_controls()
        theme.state().theme_changed.connect(self._on_theme_changed)
        zoom.state().zoom_changed.connect(self._on_zoom_changed)

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

        # ---- the control bar
        self.controls = StepperControls(self)
        for name in PARTS:
            setattr(self, name, getattr(self.controls, name))
        self.play_button, self.speed_slider, self.speed_label = (self.playback.play_button, self.playback.speed_slider,
                                                                 self.playback.speed_label)
        self.play_timer = self.playback.timer
        self.source_combo.activated.connect(self._on_source_combo_activated)
        self.sample_spin.valueChanged.connect(self._on_sample_spin_value_changed)
        self.sample_fields.edited.connect(self._on_sample_fields_edited)
        self.granularity_combo.activated.connect(self._on_granularity_combo_activated)
        self.prev_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        self.playback.toggled.connect(self._on_playback_toggled)
        self.playback.ticked.connect(self._on_playback_ticked)
        for phase, b in self.phase_buttons.items():
            b.clicked.connect(lambda _checked=False, p=phase: self.jump_to_phase(p))
        self.apply_button.clicked.connect(self.apply)
        self.discard_button.clicked.connect(self.discard)
        controls = self.controls.layout
        self.check_bar = CheckBar(self)   # predict-then-reveal and the numeric check, in the control bar
        controls.insertWidget(2, self.check_bar)   # (after the sample and its fields)
        self.controls.check_bar = self.check_bar


        # ---- the views
        self.step_view = self.splitter = StepView(self)
        self.diagram_panel, self.diagram = self.step_view.diagram_panel, self.step_view.diagram
        self.formula, self.table, self.explanation = self.step_view.formula, self.step_view.table, \
            self.step_view.explanation
        self.formula.number_hovered.connect(self.number_hovered)

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
        lay.addWidget(self.check_bar.results)
        lay.addWidget(self.splitter, 1)

        # ← / → anywhere in the panel, unless a text field wants them
        for key, slot in ((Qt.Key.Key_Left, self.previous), (Qt.Key.Key_Right, self.next)):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        self._apply_style()

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
    # (the panel shows a StepperSession; these read and write it under the names the panel always had)
    def _delegate(owner: str, name: str, writable: bool = True, doc: str = ""):
        def get(self):
            return getattr(getattr(self, owner), name)

        def put(self, value):
            setattr(getattr(self, owner), name, value)

        return property(get, put if writable else None, doc=doc)

    model = _delegate("session", "model")
    dataset = _delegate("session", "dataset")
    trace = _delegate("session", "trace")
    index = _delegate("session", "index")
    mode = _delegate("session", "mode", doc='"model" (a network of the user\'s) or "example" (the worked example)')
    example = _delegate("session", "example")
    feature_names = _delegate("session", "feature_names")
    class_names = _delegate("session", "class_names")
    applied_count = _delegate("session", "applied_count")
    _x = _delegate("session", "x")
    _y = _delegate("session", "y")
    source = _delegate("session", "source", writable=False)
    granularity = _delegate("session", "granularity", writable=False)
    current_step = _delegate("session", "current_step", writable=False)
    step_count = _delegate("session", "step_count", writable=False)
    at_end = _delegate("session", "at_end", writable=False)
    input_edits = _delegate("sample_fields", "input_edits", writable=False)
    target_edits = _delegate("sample_fields", "target_edits", writable=False)
    target_combo = _delegate("sample_fields", "target_combo", writable=False)
    is_playing = _delegate("playback", "is_playing", writable=False)
    speed = _delegate("playback", "speed", writable=False)
    del _delegate

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
        self.step_view.set_explanation(ex.explanation)
        self.step_view.size_parts()
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
        self.step_view.set_explanation(None)
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
        shown = self.step_view.show_trace(self.trace, self.index, self.feature_names, message)
        self._step_shown(shown)

    def _show_step(self) -> None:
        self._step_shown(self.step_view.show_step(self.trace, self.index))

    def redraw_step(self) -> None:
        """Show the current step again (predict mode switched, a prediction checked)."""
        if self.trace is not None:
            self._show_step()

    def _step_shown(self, highlights) -> None:
        self.step_view.show_explanation(self.trace, self.index, self.session.predict, self.session.hidden)
        self.check_bar.refresh()
        self.highlight_changed.emit(*highlights)
        self._update_controls()
        self._sync_fold()   # (Predict first's prompt widens the bar)
        if self.trace is not None:
            self.step_changed.emit(self.index)

    def _update_controls(self) -> None:
        self.controls.update_from(self.session)

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

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._sync_fold()
        if self.step_view.fit_width(self.width(), self.height()):
            self._splitter_sized = False
        if not self._splitter_sized and self.isVisible():
            self._splitter_sized = True
            self.step_view.size_parts()
        elif self.isVisible():
            self.step_view.size_table()

    def _on_zoom_changed(self, *_args) -> None:
        self._sync_fold()
        QTimer.singleShot(0, self._sync_fold)   # again once the new fonts have reached the buttons (their widths)

    def _sync_fold(self, *_args) -> None:
        """Zoomed in and narrow, or where the bar would take more than two lines: rarer controls in "More ▾"."""
        margins = self.layout().contentsMargins() if self.layout() is not None else None
        width = self.width() - (margins.left() + margins.right() if margins is not None else 0)
        floor = MORE_LEVEL if should_fold(self.width()) else 0
        predicting = self.session.predict
        if predicting and self._fold_floor[0] == width:   # question after question the bar folds, never unfolds
            floor = max(floor, self._fold_floor[1])         # (it rearranged itself at every Next)
        changed = self.controls.fit(width, minimum=floor)
        self._fold_floor = (width, self.controls.fold_level) if predicting else (None, 0)
        if changed:
            self._update_controls()

    def showEvent(self, event):
        super().showEvent(event)
        if not self._splitter_sized:
            self._splitter_sized = True
            self.step_view.size_parts()
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
