"""``attach_stepper(window, document, controller=None)``: the backprop stepper as a mode of the main window.

* A "Backprop stepper" dock holding a :class:`StepperWidget`, hidden until wanted; the action "Step
  Through Backprop" (``actionStepper``, Ctrl+B, in View and on the toolbar) shows it and pauses a running
  training, so the stepper works on the network as it is. The first time it floats over the window at
  its comfortable size (the canvas between the docks is too small for it); it can be docked anywhere. Where
  docked it would leave its diagram and formula under ``MIN_VIEW_HEIGHT`` (the compact layout, presenting at
  175 % on a 1280×720 projector) it fills the window instead; Ctrl+B, Esc or Ctrl+Shift+F give the layout back.
* The stepper follows the document: its model (rebuilt on every architecture edit), data set and
  settings; the steps are recomputed when the weights change (lazily, while the dock is on screen).
* Apply is one training step and one undo entry (``document.apply_training_step``: weights, optimizer slots
  and count before and after); the history, and so the epoch counter, is left alone (a step is not an
  epoch); it is refused while training runs. Discard leaves nothing behind: the model was never touched.
* Each step's highlights are mirrored on the main window's neuron view (``highlight(nodes, edges)``):
  both speak the trace's numbering (layer l = ``model.layers[l − 1]``, 0 = the input; ``w_jk^(l)``), so
  they pass as they are; they are cleared when the dock closes.
* File ▸ Examples gets "Backpropagation by hand" (``actionWorkedExample``): the stepper on the bundled
  worked example, with its explanation; the document is left alone.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSizePolicy, QStackedWidget, QToolButton

from nnviz.core.trace import format_number
from nnviz.io.perceptron_project import is_perceptron
from nnviz.ui import zoom
from nnviz.ui.stepper.perceptron_step_view import PerceptronStepView
from nnviz.ui.stepper.stepper_widget import StepperWidget

DOCK_NAME = "dockStepper"
DOCK_TITLE = "Backprop stepper"
#: docked, the stepper wants at least this much height (at 100 %) for its diagram and formula; where the window
#: cannot give it (the compact layout, presenting on a 1280×720 projector at 175 %) it fills the window instead
MIN_VIEW_HEIGHT = 300


class StepperUI(QObject):
    """What :func:`attach_stepper` puts on the window (``window.stepper_ui``)."""

    def __init__(self, window: QMainWindow, document, controller=None):
        super().__init__(window)
        self.window = window
        self.document = document
        self.controller = controller
        self.stepper = StepperWidget()
        self.stepper.lazy = True
        self.stepper.apply_guard = self._apply_guard
        # a perceptron project has no backprop to step: its page explains the perceptron rule on one sample
        self.perceptron_step = PerceptronStepView()
        self.perceptron_step.apply_guard = self._apply_guard
        self.pages = QStackedWidget()
        self.pages.setObjectName("stepperPages")
        for page in (self.stepper, self.perceptron_step):
            self.pages.addWidget(page)
        self._writing = False
        self._placed = False
        self._view_before = None        # the canvas mode to go back to when the stepper closes
        self._filled = False            # it filled the window when it opened (too little room docked)
        view = getattr(window, "neuron_view", None)
        self.neuron_view = view if view is not None and hasattr(view, "highlight") else None

        add = getattr(window, "add_dock", None)
        if add is not None:
            self.dock = add(self.pages, DOCK_TITLE, Qt.DockWidgetArea.BottomDockWidgetArea, DOCK_NAME,
                            visible=False)
            reset = getattr(window, "layout_reset", None)
            if reset is not None:   # after View ▸ Reset Layout it floats at its size again when next opened
                reset.connect(self._on_window_layout_reset)
        else:
            self.dock = QDockWidget(DOCK_TITLE, window)
            self.dock.setObjectName(DOCK_NAME)
            self.dock.setWidget(self.pages)
            window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()

        self.action = QAction("Step Through &Backprop", window)
        self.action.setObjectName("actionStepper")
        self.action.setShortcut(QKeySequence("Ctrl+B"))
        tip = "Step through one training step of the network, computation by computation (Ctrl+B)"
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.triggered.connect(self._on_action_triggered)
        window.addAction(self.action)
        self._add_to_view_menu()
        toolbar = getattr(window, "toolbar", None)
        if toolbar is not None:
            toolbar.addAction(self.action)
            button = toolbar.widgetForAction(self.action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
                button.setText("Backprop")
        self.example_action = worked_example_action(window, self)

        d = document
        d.architecture_changed.connect(self._on_document_architecture_changed)
        d.dataset_changed.connect(self._on_document_dataset_changed)
        d.validity_changed.connect(self._on_document_validity_changed)
        d.weights_changed.connect(self._on_document_weights_changed)
        d.training_config_changed.connect(self._on_document_training_config_changed)
        self.stepper.update_applied.connect(self._on_stepper_update_applied)
        self.stepper.highlight_changed.connect(self._on_stepper_highlight_changed)
        self.dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        presentation = self._presentation()
        if presentation is not None:
            presentation.maximized_changed.connect(self._on_presentation_maximized_changed)
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.pages)   # the layout back, once it filled it
        self.escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.escape.setEnabled(False)
        self.escape.activated.connect(self._on_escape)
        paused = getattr(controller, "paused", None)     # a TrainingController's signal (not a stand-in's flag)
        if hasattr(paused, "connect"):                   # the rule stepped in the engine: go on from there
            paused.connect(self._on_controller_paused)
        self._sync_model()

    # ------------------------------------------------------------------ menus
    def _add_to_view_menu(self) -> None:
        menu_of = getattr(self.window, "menu", None)
        if menu_of is None:
            return
        view = menu_of("View")
        anchor = getattr(self.window, "actionNeuronView", None)
        actions = view.actions()
        if anchor in actions:
            i = actions.index(anchor)
            before = actions[i + 1] if i + 1 < len(actions) else None
            if before is not None:
                view.insertAction(before, self.action)
                return
        view.addAction(self.action)

    # ------------------------------------------------------------------ opening
    def _on_action_triggered(self) -> None:
        if self._filled and self.dock.isVisible():   # the same key gives the layout back
            self.give_layout_back()
        else:
            self.open(fill_if_cramped=True)

    def open(self, fill_if_cramped: bool = False) -> None:
        """Show the stepper (pausing training) with the network as it is now; ``fill_if_cramped`` (Ctrl+B, the
        worked example): filling the window where docked it would have too little room (a lesson places it
        itself, beside the lesson)."""
        self._pause_training()
        fill = fill_if_cramped and not self.dock.isVisible() and not (self._placed and self.dock.isFloating()) \
            and self._docked_too_small()   # (rather than docked with no room, or floating over a full screen)
        if not fill and not self._placed:
            self._place_dock()
        if fill:
            self._fill_window()
        elif self.dock.isVisible():
            if QGuiApplication.platformName() != "offscreen":   # (it cannot raise windows)
                self.dock.raise_()
                self.dock.activateWindow()
        else:
            self.dock.show()
            self.dock.raise_()                      # the front tab of its slot
            QTimer.singleShot(0, self._give_room)   # once the dock is laid out
        self.stepper.refresh()
        self._follow_in_neuron_view()
        self.stepper.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ too little room docked: fill the window
    def _presentation(self):
        p = getattr(self.window, "presentation", None)
        return p if p is not None and hasattr(p, "maximize") else None

    def _docked_too_small(self) -> bool:
        """In the compact layout or presenting, would the docked stepper leave its diagram and formula less than
        :data:`MIN_VIEW_HEIGHT` (× the zoom)? Docked it gets about 60 % of the window's height (``_give_room``),
        less its title, the control bar at the dock's width and the margins. (At 100 % in the window's own layout
        it always docks, as before.)"""
        w, p = self.window, self._presentation()
        if p is None or not hasattr(w, "COMPACT_WIDTH"):
            return False
        f = zoom.factor()
        compact = getattr(w, "_compact_tabs", False) and w.width() / f < w.COMPACT_WIDTH
        if not (compact or p.is_presenting()):
            return False
        width = max(int(w.width() * 0.7), min(w.width() - 240, 980))
        bar = self.stepper.controls.layout.heightForWidth(width - 16)
        room = int(w.height() * 0.6) - bar - self.dock.fontMetrics().height() - 24
        return room < MIN_VIEW_HEIGHT * f

    def _fill_window(self) -> None:
        """The stepper fills the window (the presentation's Maximize View of its dock), the layout saved before it
        opened: Ctrl+B, Esc or Ctrl+Shift+F give it back with the stepper closed."""
        self._presentation().maximize(self.dock)
        self._filled = True
        self.escape.setEnabled(True)

    def give_layout_back(self) -> None:
        """Close the stepper that filled the window and bring every panel back where it was."""
        p = self._presentation()
        self._filled = False
        self.escape.setEnabled(False)
        if p is not None and p.maximized() == DOCK_NAME:
            p.restore_all()
        self.dock.hide()

    def _on_escape(self) -> None:
        if self._filled:
            self.give_layout_back()

    def _on_presentation_maximized_changed(self, name: str) -> None:
        if name != DOCK_NAME:
            self._filled = False
            self.escape.setEnabled(False)

    def _share_bottom_slot(self) -> None:
        """Docked: a tab beside the widest plot of the bottom row (a column of its own would push the window
        past 1280 px, every plot there being at its minimum width already)."""
        w = self.window
        if not hasattr(w, "tabifyDockWidget"):
            return
        row = [d for d in w.findChildren(QDockWidget) if d is not self.dock and not d.isFloating()
               and d.isVisibleTo(w) and w.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea]
        if row:
            w.tabifyDockWidget(max(row, key=lambda d: d.width()), self.dock)

    def _follow_in_neuron_view(self) -> None:
        """While stepping the user's network, the main canvas shows its neurons, highlighted like the stepper's
        diagram (the layer view has no units to mark); the canvas goes back to layers when the stepper closes."""
        w = self.window
        mode_of = getattr(w, "view_mode", None)
        if self.neuron_view is None or mode_of is None or self.stepper.mode != "model" or mode_of() != "layers":
            return
        self._view_before = "layers"
        w.set_view_mode("neurons")

    def _give_room(self) -> None:
        """Docked, the stepper needs room to be usable (at 1280×720 a share of the bottom row leaves its formula
        about 25 px): while it is open it takes most of its dock area's width and about 60 % of the height."""
        w = self.window
        if self.dock.isFloating() or not hasattr(w, "resizeDocks") or self._filled:
            return
        area = w.dockWidgetArea(self.dock)
        width, height = w.width(), w.height()
        if area in (Qt.DockWidgetArea.BottomDockWidgetArea, Qt.DockWidgetArea.TopDockWidgetArea):
            w.resizeDocks([self.dock], [int(height * 0.6)], Qt.Orientation.Vertical)
            w.resizeDocks([self.dock], [max(int(width * 0.7), min(width - 240, 980))], Qt.Orientation.Horizontal)
        elif area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea):
            w.resizeDocks([self.dock], [int(width * 0.6)], Qt.Orientation.Horizontal)

    def _place_dock(self, floating: bool | None = None) -> None:
        """The first time: float the dock over the main window at the stepper's comfortable size (the
        docks around the canvas leave it too little room); where the user puts it later, it stays.
        (Not on the offscreen and minimal platforms, which cannot show floating windows properly.)"""
        self._placed = True
        if floating is None:
            floating = QGuiApplication.platformName() not in ("offscreen", "minimal")
        if self.dock.isVisible() or self.dock.isFloating():
            return
        if not floating:
            self._share_bottom_slot()
            return
        geo = self.window.geometry()
        screen = self.window.screen().availableGeometry() if self.window.screen() is not None else geo
        size = QSize(min(1240, screen.width() - 40), min(760, screen.height() - 60))
        self.dock.setFloating(True)
        self.dock.resize(size)
        center = geo.center() if geo.width() > 100 else screen.center()
        x = max(screen.left(), min(center.x() - size.width() // 2, screen.right() - size.width()))
        y = max(screen.top(), min(center.y() - size.height() // 2, screen.bottom() - size.height()))
        self.dock.move(QPoint(x, y))

    def _on_window_layout_reset(self) -> None:
        self._placed = False

    def open_worked_example(self) -> None:
        self.open(fill_if_cramped=True)
        self._show_page(self.stepper)
        self.stepper.open_worked_example()
        self.stepper.setFocus(Qt.FocusReason.OtherFocusReason)

    def _pause_training(self) -> None:
        c = self.controller
        if c is not None and getattr(c, "is_running", False):
            c.pause()
            self._status("Training paused: the stepper works on the network as it is now.")

    def _apply_guard(self) -> str:
        c = self.controller
        mine = self.stepper.mode == "model" or self.pages.currentWidget() is self.perceptron_step
        if mine and c is not None and getattr(c, "is_running", False):
            return "Training is running: pause it before applying a step by hand."
        return ""

    def _status(self, text: str) -> None:
        show = getattr(self.window, "status_message", None)
        if show is not None:
            show(text, 6000)
        else:
            self.window.statusBar().showMessage(text, 6000)

    # ------------------------------------------------------------------ document
    def _sync_model(self) -> None:
        d = self.document
        model = d.model if getattr(d, "is_valid", d.model is not None) else None
        perceptron = model is not None and is_perceptron(d)
        self._show_page(self.perceptron_step if perceptron else self.stepper)
        self.dock.setWindowTitle("Perceptron rule" if perceptron else DOCK_TITLE)
        if perceptron:
            self.perceptron_step.set_document(d)
            model = None      # the backprop stepper would train the perceptron's Dense with its optimizer
        self.stepper.set_user_model(model, d.dataset)

    def _on_controller_paused(self) -> None:
        if self.pages.currentWidget() is self.perceptron_step:
            self.perceptron_step.follow(self.controller.latest_snapshot)

    def _show_page(self, page) -> None:
        """The page in front; only its minimum size counts (the backprop stepper's would grow a 1280×720 window)."""
        for p in (self.stepper, self.perceptron_step):
            ignored = QSizePolicy.Policy.Ignored
            p.setSizePolicy(QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred) if p is page
                            else QSizePolicy(ignored, ignored))
        self.pages.setCurrentWidget(page)

    def _on_document_architecture_changed(self) -> None:
        self._sync_model()

    def _on_document_dataset_changed(self) -> None:
        self._sync_model()

    def _on_document_validity_changed(self, _valid: bool) -> None:
        self._sync_model()

    def _on_document_weights_changed(self) -> None:
        if self.pages.currentWidget() is self.perceptron_step:
            self.perceptron_step.refresh()
        elif not self._writing and self.stepper.mode == "model":
            self.stepper.refresh()

    def _on_document_training_config_changed(self) -> None:
        # the model was compiled again (new optimizer, maybe a new loss): new steps
        d = self.document
        if self.pages.currentWidget() is self.perceptron_step:
            self.perceptron_step.refresh()    # a new η
        elif self.stepper.mode == "model" and d.model is not None and getattr(d, "is_valid", True):
            self.stepper.set_model(d.model, d.dataset)

    # ------------------------------------------------------------------ stepper
    def _history_logs(self, update) -> dict:
        """The logs the history gets for one applied step: the model's loss and metrics on the training
        (and validation) data after the step, restricted to the keys the history already has."""
        d = self.document
        ds = d.dataset
        model = update.model
        logs = {}
        try:
            if ds is not None and len(ds.x_train):
                logs.update(model.evaluate(ds.x_train, ds.y_train, return_dict=True))
            if ds is not None and getattr(ds, "x_val", None) is not None and len(ds.x_val):
                val = model.evaluate(ds.x_val, ds.y_val, return_dict=True)
                logs.update({"val_" + k: v for k, v in val.items()})
        except (ValueError, TypeError):
            logs = {}
        logs = {k: float(v) for k, v in logs.items()} or {"loss": float(update.loss)}
        keys = set(getattr(d, "history", {}) or {})
        if keys:
            logs = {k: v for k, v in logs.items() if k in keys} or {"loss": float(update.loss)}
        return logs

    def _on_stepper_update_applied(self, update) -> None:
        d = self.document
        if update.model is not d.model:
            self._status(f"Worked example: update applied (loss before the step {format_number(update.loss)}).")
            return
        logs = self._history_logs(update)   # for the status line: one step is not an epoch of the history
        self._writing = True
        try:
            if hasattr(d, "apply_training_step") and update.before is not None:
                d.apply_training_step(update.after, "Apply one training step", before=update.before)   # one entry
            else:
                d.set_weights(list(update.weights))
        finally:
            self._writing = False
        self._status(f"Applied one training step from the stepper: loss on the sample {format_number(update.loss)} "
                     f"before the step, {format_number(logs.get('loss', update.loss))} on the training data after it.")

    def _on_stepper_highlight_changed(self, nodes, edges) -> None:
        h = self.neuron_view
        if h is None:
            return
        if self.stepper.mode != "model" or self.stepper.model is not self.document.model or not self.dock.isVisible() \
                or (not nodes and not edges):
            h.clear_highlight()
        else:
            h.highlight(nodes, edges)

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if visible:
            self._pause_training()
            step = self.stepper.current_step
            if step is not None:
                self._on_stepper_highlight_changed(step.highlights.nodes, step.highlights.edges)
        else:
            if self._filled and self.dock.isHidden():   # closed while it filled the window: the panels come back
                self.give_layout_back()
            self.stepper.pause()
            if self.neuron_view is not None:
                self.neuron_view.clear_highlight()
            mode_of = getattr(self.window, "view_mode", None)
            if self._view_before is not None and mode_of is not None and mode_of() == "neurons" \
                    and self.dock.isHidden():   # closed, not a tab put behind another
                self.window.set_view_mode(self._view_before)
                self._view_before = None


def worked_example_action(window: QMainWindow, ui: StepperUI) -> QAction:
    """"Backpropagation by hand" in File ▸ Examples (kept there when the window refills that menu)."""
    action = QAction("Backpropagation by Hand (Step Through)", window)
    action.setObjectName("actionWorkedExample")
    tip = "A 2-2-2 network with hand-picked weights: step through backprop and check every number by hand"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    action.triggered.connect(ui.open_worked_example)
    menu_of = getattr(window, "menu", None)
    if menu_of is None:
        window.addAction(action)
        return action
    menu = menu_of("File/Examples")

    def ensure():
        if action not in menu.actions():
            if menu.actions():
                menu.addSeparator()
            menu.addAction(action)

    ensure()
    menu.aboutToShow.connect(ensure)   # after the window's own refill (connected first), which clears it
    return action


def attach_stepper(window: QMainWindow, document, controller=None) -> StepperUI:
    """Add the backprop stepper to ``window`` for ``document`` (pausing ``controller``'s training when the
    stepper opens). Returns the :class:`StepperUI`, also at ``window.stepper_ui``."""
    ui = StepperUI(window, document, controller)
    window.stepper_ui = ui
    return ui
