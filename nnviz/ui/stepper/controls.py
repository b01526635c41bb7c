"""The stepper's control bar: the sample, the granularity, navigation, playback, phases, Apply and Discard.

Two rows that wrap as groups when the panel is narrow (:class:`~nnviz.ui.stepper.flow_layout.FlowLayout`).
Zoomed in on a narrow panel (175 % on a 1280-wide projector) the less-used controls — the steps' granularity,
the numeric checks and the playing speed — fold into a "More ▾" menu and the buttons take short labels, so the
bar keeps to two lines (:meth:`StepperControls.fit`, :meth:`StepperControls.set_fold_level`).
The widgets are the panel's children; the panel connects them to its slots and calls
:meth:`StepperControls.update_from` with its session after every change.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QHBoxLayout, QLabel, QMenu, QPushButton, QSpinBox, QToolButton,
                               QWidget, QWidgetAction)

from nnviz.core.trace import GRANULARITIES, PHASES
from nnviz.ui.stepper.flow_layout import FlowLayout
from nnviz.ui import zoom
from nnviz.ui.stepper.playback import SPEEDS, Playback
from nnviz.ui.stepper.sample_fields import SampleFields

GRANULARITY_LABELS = {"unit": "Unit by unit", "layer": "Layer by layer", "phase": "Phase by phase"}
PHASE_LABELS = {"forward": "Forward", "loss": "Loss", "backward": "Backward", "update": "Update"}

#: the controls the panel shows under these names
PARTS = ("source_combo", "sample_spin", "sample_fields", "granularity_combo", "sample_group", "fields_group",
         "steps_group", "prev_button", "next_button", "playback", "phase_group", "phase_buttons", "position_label", "apply_button",
         "discard_button", "nav_group", "play_group", "jump_group", "apply_group", "more_button")

#: the lines the control bar keeps to, folding controls into "More ▾" where the width needs it
MAX_LINES = 2
#: how far the bar folds (:meth:`StepperControls.set_fold_level`); from this level on it has "More ▾"
FOLD_LEVELS, MORE_LEVEL = 5, 2

#: zoomed in, a control bar narrower than this (in 100 % pixels: its width ÷ the zoom) folds (at 100 % it never does)
FOLD_BELOW = 1000


def should_fold(width: int) -> bool:
    """Whether a control bar ``width`` px wide folds at the current zoom."""
    f = zoom.factor()
    return f > 1.0 and width / f < FOLD_BELOW


class StepperControls(QObject):
    """Builds the control bar on ``panel``; ``layout`` is its wrapping layout."""

    def __init__(self, panel: QWidget):
        super().__init__(panel)
        # ---- sample row
        self.source_combo = QComboBox(panel)
        self.source_combo.setObjectName("sampleSourceCombo")
        self.source_combo.setToolTip("Where the sample comes from")
        self.source_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.sample_spin = QSpinBox(panel)
        self.sample_spin.setObjectName("sampleSpin")
        self.sample_spin.setPrefix("#")
        self.sample_spin.setKeyboardTracking(False)
        self.sample_spin.setToolTip("Which sample of the set (0 is the first)")
        self.sample_fields = SampleFields(panel)
        self.granularity_combo = QComboBox(panel)
        self.granularity_combo.setObjectName("granularityCombo")
        for g in GRANULARITIES:
            self.granularity_combo.addItem(GRANULARITY_LABELS[g], g)
        self.granularity_combo.setToolTip("How much each step covers: one unit (or weight), one layer, or a "
                                          "whole phase")
        self.sample_group = self._group(panel, "sampleGroup", self._caption(panel, "Sample"), self.source_combo,
                                        self.sample_spin)
        # (the x and y fields a group of their own: together they made the stepper 861 px wide at least at 175 %)
        self.fields_group = self._group(panel, "sampleFieldsGroup", self.sample_fields)
        self.steps_group = self._group(panel, "stepsGroup", self._caption(panel, "Steps"), self.granularity_combo)

        # ---- navigation row
        self.prev_button = QPushButton("◀  Previous", panel)
        self.prev_button.setObjectName("previousButton")
        self.prev_button.setToolTip("Previous step (←)")
        self.next_button = QPushButton("Next  ▶", panel)
        self.next_button.setObjectName("nextButton")
        self.next_button.setToolTip("Next step (→)")
        self.playback = Playback(panel)
        self.phase_group = QButtonGroup(panel)
        self.phase_group.setExclusive(True)
        self.phase_buttons: dict[str, QToolButton] = {}
        phase_bar = QHBoxLayout()
        phase_bar.setSpacing(0)
        for phase in PHASES:
            b = QToolButton(panel)
            b.setObjectName("phase" + phase.capitalize() + "Button")
            b.setText(PHASE_LABELS[phase])
            b.setCheckable(True)
            b.setToolTip(f"Jump to the start of the {PHASE_LABELS[phase].lower()} phase")
            self.phase_group.addButton(b)
            self.phase_buttons[phase] = b
            phase_bar.addWidget(b)
        self.position_label = QLabel(panel)
        self.position_label.setObjectName("positionLabel")
        self.position_label.setMinimumWidth(92)
        self.position_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.apply_button = QPushButton("✔ Apply update", panel)
        self.apply_button.setObjectName("applyButton")
        self.apply_button.setToolTip("Do this training step on the model: its weights (and optimizer) become what "
                                     "train_on_batch would make them")
        self.discard_button = QPushButton("Discard", panel)
        self.discard_button.setObjectName("discardButton")
        self.discard_button.setToolTip("Leave the model as it is and start this step over")
        self.nav_group = self._group(panel, "navGroup", self.prev_button, self.next_button, self.position_label)
        self.play_group = self._group(panel, "playGroup", self.playback.play_button, self.playback.speed_slider,
                                     self.playback.speed_label)
        self.jump_caption = self._caption(panel, "Jump to")
        self.jump_group = self._group(panel, "jumpGroup", self.jump_caption, phase_bar)
        self.apply_group = self._group(panel, "applyGroup", self.discard_button, self.apply_button)
        self.more_button = QToolButton(panel)
        self.more_button.setObjectName("moreButton")
        self.more_button.setText("More ▾")
        self.more_button.setToolTip("Steps (unit, layer, phase), the numeric checks and the playing speed")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_menu = QMenu(self.more_button)
        self.more_menu.setObjectName("moreMenu")
        self.more_menu.aboutToShow.connect(self._fill_more_menu)
        self.more_button.setMenu(self.more_menu)
        self.more_button.setVisible(False)
        self.fold_level = 0
        self._position = (0, 0)   # (the step shown, the steps): the position label's text
        self.check_bar = None   # the panel's CheckBar (its numeric checks fold too), set by the panel
        self.layout = controls = FlowLayout(h_spacing=18, v_spacing=6)
        controls.addWidget(self.sample_group)
        controls.addWidget(self.fields_group)
        controls.addWidget(self.steps_group, right=True)
        controls.addWidget(self.more_button, right=True)
        controls.addBreak()
        for g in (self.nav_group, self.play_group, self.jump_group):
            controls.addWidget(g)
        controls.addWidget(self.apply_group, right=True)

    # ------------------------------------------------------------------ folding
    def _folding(self, level: int) -> list:
        """What fold ``level`` (2 or 3) puts into "More ▾" beyond the level before it."""
        if level == 3:
            return [self.jump_group]
        bar = self.check_bar
        return [self.steps_group, self.playback.speed_slider, self.playback.speed_label, self.jump_caption] + \
            ([bar.numeric_button, bar.layer_button] if bar is not None else [])

    @property
    def folded(self) -> bool:
        """Whether some controls are in "More ▾"."""
        return self.fold_level >= MORE_LEVEL

    def set_fold_level(self, level: int) -> bool:
        """0: every control on the bar; 1: the arrows without their words, the position without "· Apply at the
        end"; 2: the less-used controls (steps, numeric checks, speed) in "More ▾" too; 3: the phases' Jump to as
        well, Predict first's bar on the navigation's line; 4: Apply and Discard on the first line, beside
        "More ▾" (room for a long question). True if that changed anything."""
        if level == self.fold_level:
            return False
        self.fold_level = level
        for lv in (2, 3):
            for w in self._folding(lv):
                w.setVisible(level < lv)
        self.more_button.setVisible(self.folded)
        self.more_button.setToolTip("Steps (unit, layer, phase), the numeric checks, "
                                    + ("Jump to a phase " if level >= 3 else "") + "and the playing speed")
        if self.check_bar is not None:
            self.layout.moveWidget(self.check_bar, "after break" if level >= 3 else self.steps_group)
        self.layout.moveWidget(self.apply_group, self.more_button if level >= 4 else None)
        self._label_buttons()
        self._show_position()
        self.layout.invalidate()
        return True

    def _label_buttons(self) -> None:
        """From level 1 the arrows alone (a push button is 80 px at least); from level 3 "✔ Apply" too."""
        f = self.fold_level >= 1
        self.prev_button.setText("◀" if f else "◀  Previous")
        self.next_button.setText("▶" if f else "Next  ▶")
        self.apply_button.setText("✔ Apply" if self.fold_level >= 3 else "✔ Apply update")
        narrow = self.prev_button.fontMetrics().horizontalAdvance("◀") + 3 * self.prev_button.fontMetrics().height()
        for b in (self.prev_button, self.next_button):
            b.setMaximumWidth(narrow if f else 16777215)

    def fit(self, width: int, minimum: int = 0) -> bool:
        """Fold as little as keeps the bar to :data:`MAX_LINES` lines ``width`` px wide (at least to ``minimum``):
        with Predict first asking, its prompt, field and buttons need room of their own (at 100 % on the 1240 px
        stepper the bar took four lines). True if the folding changed."""
        changed = False
        self._label_buttons()   # (the zoom may have changed the arrows' font)
        best = None   # (lines, level): where no level keeps to two lines, the fewest
        for level in range(minimum, FOLD_LEVELS):
            changed |= self.set_fold_level(level)
            for i in range(self.layout.count()):   # (a group's size hint is cached until its posted relayout)
                w = self.layout.itemAt(i).widget()
                if w is not None and w.layout() is not None:
                    w.layout().invalidate()
            lines = self.layout.line_count(width)
            if lines <= MAX_LINES:
                return changed
            if best is None or lines < best[0]:
                best = (lines, level)
        return self.set_fold_level(best[1]) or changed

    def _fill_more_menu(self) -> None:
        """The folded controls, as they are now."""
        m = self.more_menu
        m.clear()
        self._heading("Steps")
        group = QActionGroup(m)
        for i, g in enumerate(GRANULARITIES):
            a = m.addAction(GRANULARITY_LABELS[g])
            a.setObjectName("moreGranularity" + g.capitalize())
            a.setCheckable(True)
            a.setChecked(self.granularity_combo.currentIndex() == i)
            a.setEnabled(self.granularity_combo.isEnabled())
            a.setActionGroup(group)
            a.triggered.connect(lambda _c=False, i=i: self._choose_granularity(i))
        bar = self.check_bar
        if bar is not None:
            self._heading("Check")
            for b in (bar.numeric_button, bar.layer_button):
                a = m.addAction(b.text())
                a.setObjectName("more" + b.objectName()[0].upper() + b.objectName()[1:])
                a.setToolTip(b.toolTip())
                a.setEnabled(b.isEnabled())
                a.triggered.connect(b.click)
        if self.fold_level >= 3:
            self._heading("Jump to")
            for phase, b in self.phase_buttons.items():
                a = m.addAction(PHASE_LABELS[phase])
                a.setObjectName("moreJump" + phase.capitalize())
                a.setEnabled(b.isEnabled())
                a.triggered.connect(b.click)
        self._heading("Playing speed")
        speeds = QActionGroup(m)
        for i, speed in enumerate(SPEEDS):
            a = m.addAction(f"{speed:g} step{'s' if speed != 1 else ''}/s")
            a.setCheckable(True)
            a.setChecked(self.playback.speed_slider.value() == i)
            a.setActionGroup(speeds)
            a.triggered.connect(lambda _c=False, i=i: self.playback.speed_slider.setValue(i))

    def _heading(self, text: str) -> QWidgetAction:
        """A group's heading in "More ▾": a bold label, not ``addSection`` (a section's title is not drawn by the
        Fusion style and several others, so the menu read as one list of eleven items)."""
        m = self.more_menu
        if m.actions():
            m.addSeparator()
        label = QLabel(text, m)
        label.setObjectName("moreHeading")
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        label.setContentsMargins(8, 3, 8, 1)
        a = QWidgetAction(m)
        a.setDefaultWidget(label)
        a.setText(text)
        a.setEnabled(False)   # (not a choice: the keyboard passes over it)
        m.addAction(a)
        return a

    def _choose_granularity(self, i: int) -> None:
        self.granularity_combo.setCurrentIndex(i)
        self.granularity_combo.activated.emit(i)

    @staticmethod
    def _group(panel, name: str, *items) -> QWidget:
        """A row of controls that stays together when the control bar wraps."""
        box = QWidget(panel)
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

    @staticmethod
    def _caption(panel, text: str) -> QLabel:
        label = QLabel(text, panel)
        label.setProperty("caption", True)
        return label

    def _show_position(self) -> None:
        """"Step i of n", with "· Apply at the end" before the end unless the bar is short of room."""
        i, n = self._position
        self.position_label.setText((f"Step {i + 1} of {n}" + ("" if i == n - 1 or self.fold_level
                                                              else " · Apply at the end")) if n else "No steps")

    def update_from(self, session) -> None:
        """Enable what the session allows: stepping within the trace, Apply at its end, the phases it has."""
        has = session.trace is not None and len(session.trace) > 0
        n = len(session.trace) if has else 0
        self.prev_button.setEnabled(has and session.index > 0)
        self.next_button.setEnabled(has and session.index < n - 1)
        self.playback.play_button.setEnabled(has)
        for phase, b in self.phase_buttons.items():
            try:
                ok = has and session.trace.phase_start(phase) >= 0
            except ValueError:
                ok = False
            b.setEnabled(ok)
        step = session.current_step
        if step is not None:
            self.phase_buttons[step.phase].setChecked(True)
        else:
            self.phase_group.setExclusive(False)
            for b in self.phase_buttons.values():
                b.setChecked(False)
            self.phase_group.setExclusive(True)
        at_end = has and session.index == n - 1
        self._position = (session.index, n)
        self._show_position()
        self.apply_button.setEnabled(at_end)
        self.discard_button.setEnabled(has and session.index > 0)
        self.apply_button.setToolTip(
            "Do this training step on the model: its weights (and optimizer) become what train_on_batch would "
            "make them" if at_end else "Available at the last step, once the whole pass has been stepped through "
                                       "(or press End)")
        for w in (self.source_combo, self.granularity_combo):
            w.setEnabled(session.model is not None)
        self.granularity_combo.setCurrentIndex(GRANULARITIES.index(session.granularity))
