"""The classroom in the window: controls a teacher hides or locks, the Classroom dialog, the student view.

The settings are a :class:`~nnviz.io.classroom.ClassroomSettings` kept in the document's ``meta["classroom"]``
(saved with the project). :class:`ClassroomController` applies them to the window: a *hidden* control's form row
(or dock, menu, action) is taken away, a *locked* one is dimmed and takes no input (its value still shows and the
program can still change it — a lesson may set it). Changing them (the dialog, View ▸ Student View, a lesson's
:meth:`ClassroomController.set_settings`) is one undo step.

``CONTROL_WIDGETS`` maps every control key to what it covers in the window, by object name: ``("widget", name)``,
``("prefix", name_prefix, excluded_names)`` (widgets rebuilt per data set), ``("dock", name)``, ``("action", name)``
and ``("menu", path)``. Widgets are looked up when the settings are applied, so panels built later are covered; the
controller applies again after the document changes (a new data set rebuilds its parameter editors).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QUndoCommand
from PySide6.QtWidgets import (QAbstractButton, QBoxLayout, QCheckBox, QComboBox, QDialog, QDialogButtonBox,
                               QDockWidget, QFormLayout, QGraphicsOpacityEffect, QGridLayout, QLabel, QLayout,
                               QLineEdit, QScrollArea, QVBoxLayout, QWidget)

from nnviz.io.classroom import CONTROLS, HIDDEN, HIDE_ONLY, LOCKED, META_KEY, SHOWN, STATES, ClassroomSettings

CONTROL_WIDGETS: dict[str, tuple] = {
    "dataset": (("widget", "dataSetCombo"), ("widget", "csvChangeButton"), ("widget", "regenerateButton")),
    "noise": (("widget", "param_noise"),),
    "data_params": (("prefix", "param_", ("param_noise",)),),
    "features": (("widget", "dataFeatures"),),
    "data_panel": (("dock", "dockData"),),
    "palette": (("dock", "dockPalette"),),
    "inspector": (("dock", "dockInspector"),),
    "optimizer": (("widget", "optimizerCombo"), ("widget", "momentumSpin"), ("widget", "nesterovBox")),
    "learning_rate": (("widget", "learningRateSlider"), ("widget", "learningRateSpin")),
    "loss": (("widget", "lossCombo"),),
    "batch_size": (("widget", "batchSizeSpin"),),
    "epochs": (("widget", "epochsSpin"),),
    "validation_split": (("widget", "validationSplitSpin"),),
    "regularization": (("widget", "regularizationCombo"), ("widget", "regularizationRateSpin")),
    "seed": (("widget", "seedSpin"),),
    "stepper": (("dock", "dockStepper"), ("action", "actionStepper"), ("action", "actionWorkedExample")),
    "exports": (("menu", "File/Export"),),
    "training_views": (("dock", "weightsDock"), ("dock", "gradientsDock"), ("dock", "activationsDock")),
}

STATE_TITLES = {SHOWN: "Shown", LOCKED: "Locked", HIDDEN: "Hidden"}
#: what a choice covers beyond its name, in the Classroom dialog's tool tips
CONTROL_TIPS = {"palette": "Locked or hidden, the network cannot be changed anywhere: no dragging layers in from the "
                           "palette, no moving or deleting blocks on the canvas, no edits in the inspector"}
LOCK_TIP = "Locked for this lesson (View ▸ Student View turns it off)"
#: with the layers palette locked or hidden, the network's layers cannot be edited anywhere: the canvas refuses drags,
#: drops and Del, the inspector's editors are disabled; this says why (a tool tip, the inspector, the status bar)
ARCHITECTURE_LOCKED = "The teacher locked the network for this lesson: its layers cannot be added, moved, deleted " \
                      "or changed."
_HIDDEN_BY_US = "nnvizClassroomHidden"   # a property: this widget / dock was visible before the classroom hid it
_BLOCKED = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
            QEvent.Type.Wheel, QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ContextMenu,
            QEvent.Type.DragEnter, QEvent.Type.Drop, QEvent.Type.ShortcutOverride)


class _InputBlocker(QObject):
    """Swallows the input events of locked widgets (their enabled state stays the panels' own business)."""

    def eventFilter(self, obj, event):
        return event.type() in _BLOCKED


class SetClassroomCommand(QUndoCommand):
    """One undo step: the document's classroom settings from ``old`` to ``new``."""

    def __init__(self, controller: "ClassroomController", old: ClassroomSettings, new: ClassroomSettings,
                 text: str = "Change classroom settings"):
        super().__init__(text)
        self.controller, self.old, self.new = controller, old, new

    def redo(self):
        self.controller._store(self.new)

    def undo(self):
        self.controller._store(self.old)


class ClassroomController(QObject):
    """Applies the document's classroom settings to ``window`` (a MainWindow) and edits them."""

    settings_changed = Signal(object)   # the new ClassroomSettings (after a load, an edit, undo or redo)
    applied = Signal()                  # the window shows the settings (what tests wait on)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.document = window.document
        self._blocker = _InputBlocker(self)
        self._locked: set = set()          # widgets we locked (to unlock exactly those)
        self._hidden_rows: set = set()     # (form layout, row) pairs we hid
        self._hidden: set = set()          # widgets, docks, actions we hid
        self._last = ClassroomSettings()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.apply)
        d = self.document
        for sig in (d.architecture_changed, d.dataset_changed, d.training_config_changed, d.path_changed):
            sig.connect(self.schedule)
        reset = getattr(window, "layout_reset", None)
        if reset is not None:
            reset.connect(self.schedule)
        view = getattr(window, "layer_view", None)
        if view is not None and hasattr(view, "edit_refused"):
            view.edit_refused.connect(self._on_layer_view_edit_refused)

        self.actionClassroom = QAction("&Classroom…", window)
        self.actionClassroom.setObjectName("actionClassroom")
        self.actionClassroom.setToolTip("Choose which controls students see or can change; saved in the project")
        self.actionClassroom.triggered.connect(self.show_dialog)
        self.actionStudentView = QAction("&Student View", window)
        self.actionStudentView.setObjectName("actionStudentView")
        self.actionStudentView.setCheckable(True)
        self.actionStudentView.setToolTip("Show the project as students get it: with the classroom's hidden and "
                                          "locked controls")
        self.actionStudentView.triggered.connect(self.set_student_view)

    # ------------------------------------------------------------------ the settings
    def settings(self) -> ClassroomSettings:
        return ClassroomSettings.from_meta(self.document.meta)

    def set_settings(self, new: ClassroomSettings, text: str = "Change classroom settings") -> None:
        """The document's classroom settings (one undo step; nothing when they are the same)."""
        old = self.settings()
        if new != old:
            self.document.undo_stack.push(SetClassroomCommand(self, old, new, text))

    def set_student_view(self, on: bool) -> None:
        self.set_settings(self.settings().with_student_view(on),
                          "Student view on" if on else "Student view off")

    def _store(self, settings: ClassroomSettings) -> None:
        settings.to_meta(self.document.meta)
        self.apply()

    def schedule(self, *_args) -> None:
        self._timer.start()

    # ------------------------------------------------------------------ applying
    def apply(self) -> None:
        """Show, lock and hide the window's controls as the settings say."""
        cs = self.settings()
        self._release()
        for key in CONTROLS:
            state = cs.effective(key)
            if state != SHOWN:
                for spec in CONTROL_WIDGETS.get(key, ()):
                    self._restrict(spec, state)
        self._lock_architecture(ARCHITECTURE_LOCKED if cs.effective("palette") != SHOWN else "")
        self.actionStudentView.blockSignals(True)
        self.actionStudentView.setChecked(cs.student_view)
        self.actionStudentView.blockSignals(False)
        if cs != self._last:
            self._last = cs
            self.settings_changed.emit(cs)
        self.applied.emit()

    def _lock_architecture(self, reason: str) -> None:
        """The canvas and the inspector refuse edits of the layers while ``reason`` (``""``: they take them)."""
        w = self.window
        for target in (getattr(w, "layer_view", None), getattr(w, "inspector", None)):
            if target is not None and hasattr(target, "set_locked"):
                target.set_locked(reason)
        view, sync = getattr(w, "layer_view", None), getattr(w, "_on_layer_view_selection_changed", None)
        if view is not None and sync is not None:
            sync(view.selected_indices())   # (Del: enabled only for an unlocked selection)

    def _on_layer_view_edit_refused(self, reason: str) -> None:
        status = getattr(self.window, "status_message", None)
        if status is not None:
            status(reason, 6000)

    def _release(self) -> None:
        for w in list(self._locked):
            try:
                w.removeEventFilter(self._blocker)
                if w.property("nnvizClassroomTip") is not None:
                    w.setToolTip(w.property("nnvizClassroomTip"))
                    w.setProperty("nnvizClassroomTip", None)
                if isinstance(w.graphicsEffect(), QGraphicsOpacityEffect) and w.property("nnvizClassroomDim"):
                    w.setGraphicsEffect(None)
                    w.setProperty("nnvizClassroomDim", None)
            except RuntimeError:   # deleted meanwhile (a data set's editors are rebuilt)
                pass
        self._locked.clear()
        for form, row in list(self._hidden_rows):
            try:
                form.setRowVisible(row, True)
            except RuntimeError:
                pass
        self._hidden_rows.clear()
        for obj in list(self._hidden):
            try:
                if isinstance(obj, QAction):
                    obj.setVisible(True)
                elif isinstance(obj, QDockWidget):
                    obj.toggleViewAction().setVisible(True)
                    if obj.property(_HIDDEN_BY_US):
                        obj.show()
                    obj.setProperty(_HIDDEN_BY_US, None)
                elif obj.property(_HIDDEN_BY_US):
                    obj.show()
                    obj.setProperty(_HIDDEN_BY_US, None)
            except RuntimeError:
                pass
        self._hidden.clear()

    def _targets(self, spec) -> list:
        kind, name = spec[0], spec[1]
        w = self.window
        if kind == "widget":
            found = w.findChild(QWidget, name)
            return [found] if found is not None else []
        if kind == "prefix":
            excluded = set(spec[2]) if len(spec) > 2 else set()
            return [c for c in w.findChildren(QWidget) if c.objectName().startswith(name)
                    and c.objectName() not in excluded and not _has_ancestor_named(c, name)]
        if kind == "dock":
            entry = getattr(w, "docks", {}).get(name)
            dock = entry[0] if entry else w.findChild(QDockWidget, name)
            return [dock] if dock is not None else []
        if kind == "action":
            found = w.findChild(QAction, name)
            return [found] if found is not None else []
        if kind == "menu":
            menus = getattr(w, "_menus", {})
            return [menus[name].menuAction()] if name in menus else []
        return []

    def _restrict(self, spec, state: str) -> None:
        for target in self._targets(spec):
            if isinstance(target, QAction):
                target.setVisible(False)
                self._hidden.add(target)
            elif isinstance(target, QDockWidget):
                if state == HIDDEN:
                    target.setProperty(_HIDDEN_BY_US, not target.isHidden())
                    target.hide()
                    target.toggleViewAction().setVisible(False)
                    self._hidden.add(target)
                elif target.widget() is not None:
                    self._lock(target.widget())
            elif state == HIDDEN:
                self._hide_widget(target)
            else:
                self._lock(target)

    def _lock(self, widget: QWidget) -> None:
        for w in [widget, *widget.findChildren(QWidget)]:
            w.installEventFilter(self._blocker)
            self._locked.add(w)
        widget.setProperty("nnvizClassroomTip", widget.toolTip())
        widget.setToolTip((widget.toolTip() + "\n\n" if widget.toolTip() else "") + LOCK_TIP)
        if widget.graphicsEffect() is None:
            effect = QGraphicsOpacityEffect(widget)
            effect.setOpacity(0.5)
            widget.setGraphicsEffect(effect)
            widget.setProperty("nnvizClassroomDim", True)

    def _hide_widget(self, widget: QWidget) -> None:
        row = _form_row(widget)
        if row is not None:
            form, index = row
            form.setRowVisible(index, False)
            self._hidden_rows.add((form, index))
            return
        box = _row_layout(widget)
        for w in (_layout_widgets(box) if box is not None else [widget]):
            if not w.isHidden():
                w.setProperty(_HIDDEN_BY_US, True)
                w.hide()
                self._hidden.add(w)

    # ------------------------------------------------------------------ the dialog
    def show_dialog(self) -> "ClassroomDialog":
        dlg = ClassroomDialog(self.settings(), self.window)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self.set_settings(dlg.result_settings()))
        dlg.open()
        return dlg


class ClassroomDialog(QDialog):
    """Per control: shown, locked or hidden; the student view; a note. ``result_settings()`` is what was chosen."""

    def __init__(self, settings: ClassroomSettings, parent=None):
        super().__init__(parent)
        self.setObjectName("classroomDialog")
        self.setWindowTitle("Classroom")
        self.combos: dict[str, QComboBox] = {}
        intro = QLabel("Choose what students see and can change. The choice is saved in the project: hand out the "
                       "file and it opens this way. <i>Locked</i> shows a value without letting it change.")
        intro.setWordWrap(True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        for row, (key, title) in enumerate(CONTROLS.items()):
            combo = QComboBox()
            combo.setObjectName(f"classroom_{key}")
            for state in STATES:
                if state == LOCKED and key in HIDE_ONLY:
                    continue
                combo.addItem(STATE_TITLES[state], state)
            combo.setCurrentIndex(max(0, combo.findData(settings.state(key))))
            label = QLabel(title)
            label.setBuddy(combo)
            if key in CONTROL_TIPS:
                label.setToolTip(CONTROL_TIPS[key])
                combo.setToolTip(CONTROL_TIPS[key])
            grid.addWidget(label, row, 0)
            grid.addWidget(combo, row, 1)
        inner = QWidget()
        inner.setLayout(grid)
        for row, key in enumerate(CONTROLS):
            self.combos[key] = grid.itemAtPosition(row, 1).widget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.student_box = QCheckBox("Student view: apply these now, and open the file this way")
        self.student_box.setObjectName("classroomStudentView")
        self.student_box.setChecked(settings.student_view or not settings.restricted)
        self.note = QLineEdit(settings.note)
        self.note.setObjectName("classroomNote")
        self.note.setPlaceholderText("A note for yourself (e.g. the lesson this file is for)")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.Reset)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Reset).setText("Show all")
        buttons.button(QDialogButtonBox.StandardButton.Reset).clicked.connect(self._on_show_all_clicked)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.student_box)
        lay.addWidget(self.note)
        lay.addWidget(buttons)
        # as wide as the rows (and the scroll bar beside them): no sideways scrolling to reach a choice
        width = inner.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 2 * scroll.frameWidth()
        self.resize(max(460, width + lay.contentsMargins().left() + lay.contentsMargins().right() + 4), 560)

    def _on_show_all_clicked(self) -> None:
        for combo in self.combos.values():
            combo.setCurrentIndex(combo.findData(SHOWN))

    def set_state(self, key: str, state: str) -> None:
        combo = self.combos[key]
        combo.setCurrentIndex(combo.findData(state))

    def result_settings(self) -> ClassroomSettings:
        controls = {key: combo.currentData() for key, combo in self.combos.items()}
        return ClassroomSettings(controls, self.student_box.isChecked(), self.note.text())


# ---------------------------------------------------------------------- layouts
def _has_ancestor_named(widget: QWidget, prefix: str) -> bool:
    p = widget.parentWidget()
    while p is not None:
        if p.objectName().startswith(prefix):
            return True
        p = p.parentWidget()
    return False


def _layout_contains(layout: QLayout, widget: QWidget) -> bool:
    for i in range(layout.count()):
        item = layout.itemAt(i)
        w = item.widget()
        if w is not None and (w is widget or w.isAncestorOf(widget)):
            return True
        if item.layout() is not None and _layout_contains(item.layout(), widget):
            return True
    return False


def _form_row(widget: QWidget):
    """The (form layout, row) whose field holds ``widget``, or None."""
    parent = widget.parentWidget()
    while parent is not None:
        for form in parent.findChildren(QFormLayout):
            for row in range(form.rowCount()):
                for role in (QFormLayout.ItemRole.FieldRole, QFormLayout.ItemRole.SpanningRole):
                    item = form.itemAt(row, role)
                    if item is None:
                        continue
                    if item.widget() is widget or (item.layout() is not None
                                                   and _layout_contains(item.layout(), widget)):
                        return form, row
        if isinstance(parent, (QDockWidget, QScrollArea)):
            break
        parent = parent.parentWidget()
    return None


def _row_layout(widget: QWidget):
    """The horizontal box ``widget`` sits in with its label ("Data set: [combo]"), or None."""
    parent = widget.parentWidget()
    if parent is None or parent.layout() is None:
        return None
    stack = [parent.layout()]
    while stack:
        layout = stack.pop()
        for i in range(layout.count()):
            item = layout.itemAt(i)
            if item.widget() is widget:
                if isinstance(layout, QBoxLayout) and layout.direction() in (QBoxLayout.Direction.LeftToRight,
                                                                             QBoxLayout.Direction.RightToLeft):
                    others = _layout_widgets(layout)
                    if all(isinstance(w, (QLabel, QAbstractButton)) or w is widget for w in others) \
                            and len(others) <= 3:
                        return layout
                return None
            if item.layout() is not None:
                stack.append(item.layout())
    return None


def _layout_widgets(layout: QLayout) -> list[QWidget]:
    out = []
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item.widget() is not None:
            out.append(item.widget())
        elif item.layout() is not None:
            out.extend(_layout_widgets(item.layout()))
    return out


__all__ = ["CONTROL_WIDGETS", "ClassroomController", "ClassroomDialog", "SetClassroomCommand", "META_KEY"]
