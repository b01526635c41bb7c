"""``attach_training(window, document)``: the training docks, toolbar and status fields on a main window,
wired to a :class:`~nnviz.session.document.ProjectDocument` and a :class:`TrainingController`.

* The document's model, data set and settings go to the worker (as a clone) whenever they change; the
  training actions are disabled while the document is invalid, with the reason in their tool tips.
* The panel's edits go back through ``document.set_training_config``; the document's settings reach a
  running training at the next step.
* On pause, stop and divergence the trained weights are written back with ``document.set_weights`` and
  the new epochs appended with ``document.append_history``; a weight reset clears the history.
* Snapshots (~30 a second) go to the views that are on screen, and to the neuron view's
  ``set_weights`` / ``set_node_thumbnails`` when the window has one.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel, QMainWindow, QScrollArea, QStyle, QVBoxLayout, QWidget

from nnviz.core.compat import fit_problem
from nnviz.core.plane import node_thumbnails
from nnviz.io.perceptron_project import training_system
from nnviz.session.run_log import RunLog
from nnviz.session.worker import TrainingController
from nnviz.ui import theme
from nnviz.ui.training.activations_view import ActivationsView
from nnviz.ui.training.boundary_view import BoundaryView
from nnviz.ui.training.code_space_view import CodeSpaceView
from nnviz.ui.training.common import ProbeModel, Throttle, is_visible, restyle_graphics
from nnviz.ui.training.confusion_view import ConfusionView
from nnviz.ui.training.controls import TrainingControls
from nnviz.ui.training.curves import CurvesView
from nnviz.ui.training.gradients_view import GradientsView
from nnviz.ui.training.panel import TrainingPanel
from nnviz.ui.training.perceptron_view import attach_perceptron
from nnviz.ui.training.predict_panel import PredictPanel
from nnviz.ui.training.reconstruction_view import ReconstructionView
from nnviz.ui.training.relevance import ViewRelevance
from nnviz.ui.training.view_guard import guarded
from nnviz.ui.training.weights_view import WeightsView

#: the speed control's choices: (text, batches a second; 0 = full speed)
SPEEDS = (("Full speed", 0.0), ("10 batches/s", 10.0), ("3 batches/s", 3.0), ("1 batch/s", 1.0))

DOCKS = [  # (attribute, objectName, title)
    ("panel", "trainingSettingsDock", "Training settings"),
    ("curves", "trainingCurvesDock", "Loss and accuracy"),
    ("boundary", "decisionBoundaryDock", "Decision boundary"),
    ("weights", "weightsDock", "Weights"),
    ("gradients", "gradientsDock", "Gradients"),
    ("activations", "activationsDock", "Activations"),
    ("confusion", "confusionDock", "Confusion matrix"),
    ("predict", "predictDock", "Predict"),
    ("reconstruction", "reconstructionDock", "Reconstructions"),
    ("code_space", "codeSpaceDock", "Code space"),
]


class TrainingUI(QObject):
    """Everything :func:`attach_training` puts on the window; ``window.training_ui`` after attaching."""

    def __init__(self, window: QMainWindow, document, controller: TrainingController):
        super().__init__(window)
        self.window = window
        self.document = document
        self.controller = controller
        self.probe = ProbeModel()
        self.panel = TrainingPanel()
        self.curves = CurvesView()
        self.boundary = BoundaryView()
        self.weights = WeightsView()
        self.gradients = GradientsView()
        self.activations = ActivationsView()
        self.confusion = ConfusionView()
        self.predict = PredictPanel()
        self.reconstruction = ReconstructionView()   # an autoencoder's (data set task "reconstruct the input")
        self.code_space = CodeSpaceView()
        self.views = [self.curves, self.boundary, self.weights, self.gradients, self.activations, self.confusion,
                      self.predict, self.reconstruction, self.code_space]
        #: redrawn with every snapshot while training: the curves; the weights and the gradients take turns
        self.fast_views = [self.curves, self.weights, self.gradients]
        self._frame = 0
        #: forward passes of their own: at most one of them per snapshot while training (the most overdue), so
        #: that no frame carries them all; seconds between their updates:
        self.slow_views = {self.boundary: 0.1, self.activations: 0.2, self.confusion: 0.5, self.predict: 0.5,
                           self.reconstruction: 0.25, self.code_space: 0.5}
        self._slow_last = {view: 0.0 for view in self.slow_views}
        self.controls = TrainingControls(controller, window)
        self.message = QLabel("")
        self.message.setObjectName("trainingMessage")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.docks: dict[str, QDockWidget] = {}
        self.redraws = 0
        self._writing = False
        self._synced_epochs = 0
        self._neuron_weights = Throttle(0.1)
        self._neuron_thumbs = Throttle(0.2)
        self._blocked = ""
        self._latest = None   # the newest snapshot that fits the document, for views that come into sight
        self._rebuild_pending = False
        self._front_kind = ""  # the kind of data ("plane", "classes", "other") the front prediction view was chosen for
        self.run_log = RunLog(document) if hasattr(document, "record_training") else None

    # ------------------------------------------------------------------ building
    def build(self) -> None:
        inner = QWidget()
        sl = QVBoxLayout(inner)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.message)
        sl.addWidget(self.panel, 1)
        settings = QScrollArea()          # a short dock scrolls instead of squeezing the form
        settings.setObjectName("trainingSettingsScroll")
        settings.setWidgetResizable(True)
        settings.setFrameShape(QScrollArea.NoFrame)
        settings.setWidget(inner)
        # as wide as the form (plus a vertical scroll bar): a short dock scrolls down, never sideways
        settings.setMinimumWidth(inner.minimumSizeHint().width()
                                 + settings.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent) + 4)
        predict = QScrollArea()
        predict.setObjectName("predictScroll")
        predict.setWidgetResizable(True)
        predict.setFrameShape(QScrollArea.NoFrame)
        predict.setWidget(self.predict)
        widgets = {"panel": settings, "predict": predict}
        for attr, name, title in DOCKS:
            dock = QDockWidget(title, self.window)
            dock.setObjectName(name)
            dock.setWidget(widgets.get(attr) or getattr(self, attr))
            self.docks[attr] = dock
        self._place_docks()
        self.relevance = ViewRelevance()
        for attr in ("reconstruction", "code_space"):
            self.relevance.show_only_when(self.docks[attr], lambda: self._front_kind == "reconstruct")
        reset = getattr(self.window, "layout_reset", None)
        if reset is not None:
            reset.connect(lambda: self.relevance.apply(reset=True))
        self.speed = QComboBox()
        self.speed.setObjectName("trainingSpeed")
        self.speed.setToolTip("Training speed: slow motion trains one batch at a time, and every view shows each "
                              "batch (on 2-D data its points light up on the decision boundary)")
        for text, rate in SPEEDS:
            self.speed.addItem(text, rate)
        self.speed.currentIndexChanged.connect(self._on_speed_index_changed)
        self.controls.toolbar.addWidget(self.speed)
        self.controls.install(self.window)
        self._on_theme_changed()
        theme.state().theme_changed.connect(self._on_theme_changed)
        menu = getattr(self.window, "menu", None)
        if callable(menu):  # the MainWindow's menus: Training ▸ Train, Step batch, ...
            training = menu("Training")
            for a in self.controls.actions:
                training.addAction(a)

    def _place_docks(self) -> None:
        w = self.window
        d = self.docks
        add = getattr(w, "add_dock", None)
        if add is not None:
            # the MainWindow: it remembers area and tab partner for View ▸ Reset Layout and saves the layout
            right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
            # the settings share a tab group with the summary, so the inspector keeps its room
            partner = "dockSummary" if "dockSummary" in getattr(w, "docks", {}) else None
            add(d["panel"], area=right, tabify_with=partner, front=True)
            add(d["predict"], area=right, tabify_with="trainingSettingsDock")
            # the bottom row: the curves the widest, and wide enough for loss and accuracy side by side
            add(d["curves"], area=bottom, share=0.42, min_length=712)
            add(d["boundary"], area=bottom, share=0.26, front=True)
            add(d["weights"], area=bottom, share=0.32, front=True)
            # tab groups: what it predicts (decision boundary, confusion matrix), what goes on inside (weights,
            # gradients, activations); the curves alone, with no tab bar taking their height
            add(d["confusion"], area=bottom, tabify_with="decisionBoundaryDock")
            add(d["reconstruction"], area=bottom, tabify_with="decisionBoundaryDock")
            add(d["code_space"], area=bottom, tabify_with="decisionBoundaryDock")
            add(d["gradients"], area=bottom, tabify_with="weightsDock")
            add(d["activations"], area=bottom, tabify_with="weightsDock")
            # the window sizes the docks when it is first shown (or on View ▸ Reset Layout)
        else:
            for attr in ("panel", "predict"):
                w.addDockWidget(Qt.RightDockWidgetArea, d[attr])
            for attr in ("curves", "boundary", "weights", "gradients", "activations", "confusion", "reconstruction",
                         "code_space"):
                w.addDockWidget(Qt.BottomDockWidgetArea, d[attr])
            w.splitDockWidget(d["curves"], d["boundary"], Qt.Horizontal)
            w.splitDockWidget(d["boundary"], d["weights"], Qt.Horizontal)
            w.tabifyDockWidget(d["weights"], d["gradients"])
            w.tabifyDockWidget(d["boundary"], d["confusion"])
            w.tabifyDockWidget(d["confusion"], d["reconstruction"])
            w.tabifyDockWidget(d["reconstruction"], d["code_space"])
            w.tabifyDockWidget(d["gradients"], d["activations"])
            w.tabifyDockWidget(d["panel"], d["predict"])
            QTimer.singleShot(0, self._size_docks)
        for attr in ("panel", "boundary", "weights"):
            d[attr].raise_()

    def _size_docks(self) -> None:
        """Room for the plots: the bottom row a third of the window, the curves the widest."""
        w = self.window
        d = self.docks
        height = max(int(w.height() * 0.34), 230)
        w.resizeDocks([d["curves"]], [height], Qt.Vertical)
        width = w.width()
        w.resizeDocks([d["curves"], d["boundary"], d["weights"]],
                      [int(width * 0.36), int(width * 0.3), int(width * 0.34)], Qt.Horizontal)

    def show_all_views(self) -> None:
        """Untabify: every view on screen at once (the benchmark's "every view open")."""
        w = self.window
        for dock in self.docks.values():
            w.removeDockWidget(dock)
        for attr in ("curves", "boundary", "weights", "gradients"):
            w.addDockWidget(Qt.BottomDockWidgetArea, self.docks[attr])
        for attr in ("activations", "confusion", "predict", "panel"):
            w.addDockWidget(Qt.RightDockWidgetArea, self.docks[attr])
        w.splitDockWidget(self.docks["curves"], self.docks["boundary"], Qt.Horizontal)
        w.splitDockWidget(self.docks["boundary"], self.docks["weights"], Qt.Horizontal)
        w.splitDockWidget(self.docks["weights"], self.docks["gradients"], Qt.Horizontal)
        w.splitDockWidget(self.docks["activations"], self.docks["confusion"], Qt.Vertical)
        w.splitDockWidget(self.docks["confusion"], self.docks["predict"], Qt.Vertical)
        w.splitDockWidget(self.docks["activations"], self.docks["panel"], Qt.Horizontal)
        for attr in ("reconstruction", "code_space"):   # an autoencoder's: behind the confusion matrix
            w.tabifyDockWidget(self.docks["confusion"], self.docks[attr])
        for dock in self.docks.values():
            dock.show()

    def _on_theme_changed(self, *_args) -> None:
        """The plots were drawn in the colours of the theme they were created in: repaint them in the new one."""
        for view in self.views:
            restyle_graphics(view)
            restyle = getattr(view, "restyle", None)
            if restyle is not None:
                restyle()
        c = theme.colors()
        self.message.setStyleSheet(f"QLabel {{ background: {c['warning_bg']}; color: {c['warning_text']}; "
                                   f"border: 1px solid {c['warning_border']}; border-radius: 4px; padding: 6px; }}")

    # ------------------------------------------------------------------ wiring
    def connect(self) -> None:
        d, c = self.document, self.controller
        d.architecture_changed.connect(self._on_document_architecture_changed)
        d.dataset_changed.connect(self._on_document_dataset_changed)
        d.validity_changed.connect(self._on_document_validity_changed)
        d.weights_changed.connect(self._on_document_weights_changed)
        d.training_config_changed.connect(self._on_document_training_config_changed)
        self.panel.config_changed.connect(self._on_panel_config_changed)
        if self.run_log is not None:   # training is undoable: a change first settles the run in progress
            d.before_change = self._settle_training
            self.controls.action_reset.triggered.disconnect()
            self.controls.action_reset.triggered.connect(d.reset_weights)
            reset = self.controls.action_reset
            tip = "Initialise the weights afresh from the seed; Undo brings the trained ones back"
            reset.setStatusTip(tip)
            reset.setProperty("fullTip", f"{tip} ({reset.shortcut().toString(QKeySequence.NativeText)})")
            reset.setToolTip(reset.property("fullTip"))
            for name, slot in (("actionUndo", d.undo), ("actionRedo", d.redo)):
                action = getattr(self.window, name, None)
                if action is not None:    # Ctrl+Z while training: the run becomes an entry, then is undone
                    action.triggered.disconnect()
                    action.triggered.connect(slot)
        c.snapshot_ready.connect(self._on_controller_snapshot_ready)
        c.before_training = self._flush_rebuild
        c.started.connect(self._on_controller_started)
        c.paused.connect(self._on_controller_paused)
        c.stopped.connect(self._on_controller_stopped)
        c.diverged.connect(self._on_controller_diverged)
        c.failed.connect(self._on_controller_failed)
        c.warned.connect(self._on_controller_warned)
        c.weights_reset.connect(self._on_controller_weights_reset)
        for attr, dock in self.docks.items():
            view = getattr(self, attr)
            if view in self.fast_views or view in self.slow_views:
                dock.visibilityChanged.connect(lambda shown, view=view: self._on_dock_visibility_changed(view, shown))
        closing = getattr(self.window, "about_to_close", None)
        if closing is not None:
            closing.connect(self.controller.shutdown)   # the MainWindow: after "save changes?" was answered
        else:
            self.window.installEventFilter(self)
        self.panel.set_config(d.training_config)
        self._rebuild()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Close:
            self.controller.shutdown()
        return False

    def _reason(self) -> str:
        """Why the document cannot be trained now ("" when it can)."""
        return self._problem()[0]

    def _problem(self) -> tuple[str, tuple | None]:
        d = self.document
        model = d.model if getattr(d, "is_valid", d.model is not None) else None
        if model is None and getattr(d, "error", None) is not None:
            return f"the network is not valid: {d.error}", None
        return fit_problem(model, d.dataset)

    def _show_notice(self) -> None:
        """The window's amber strip says why a network that builds cannot train, with a button for the fix."""
        set_notice = getattr(self.window, "set_notice", None)
        if set_notice is None:
            return
        d = self.document
        reason, fix = self._problem()
        if not reason or getattr(d, "error", None) is not None or not getattr(d, "is_valid", True):
            set_notice("")   # trainable, or the error banner already says what is wrong
            return
        if d.dataset is None:
            set_notice("No data set to train on: choose one in the Data panel, or import your own with "
                       "File ▸ Import CSV…")
            return
        text = "This network cannot train on the data set: " + reason + "."
        configs = d.layer_configs() if hasattr(d, "layer_configs") else []
        if fix is not None and fix[0] == "input" and hasattr(d, "set_input_shape"):
            shape = fix[1]
            set_notice(text, f"Use input {shape}", lambda: d.set_input_shape(shape))
        elif fix is not None and fix[0] == "output" and configs and configs[-1]["class_name"] == "Dense" and \
                hasattr(d, "fit_output_layer"):
            _kind, units, activation = fix
            set_notice(text, f"Make the last layer Dense({units}, {activation})",
                       lambda: d.fit_output_layer(units, activation))
        elif fix is not None and fix[0] == "flatten" and hasattr(d, "add_layer"):
            set_notice(text, "Insert Flatten", lambda: d.add_layer(fix[1], {"class_name": "Flatten", "config": {}}))
        else:
            set_notice(text)

    def _schedule_rebuild(self) -> None:
        """One edit makes the document emit several signals (architecture, weights, validity): the actions
        follow at once, the worker and the views get one new setup when the event loop comes back."""
        reason = self._reason()
        self.controls.set_enabled(not reason, reason)
        self._show_notice()
        if reason:
            self._blocked = reason      # no write-back of the old network's weights
            self.controller.clear_setup()
        if not self._rebuild_pending:
            self._rebuild_pending = True
            QTimer.singleShot(0, self._flush_rebuild)

    def _flush_rebuild(self) -> None:
        """The pending setup, now: when the event loop comes back, or at once when training is asked for before
        that (Reset then Train in one go — a lesson's "show me" — must not train the old setup and see its run
        thrown away as stale)."""
        if self._rebuild_pending:
            self._rebuild()

    def _rebuild(self) -> None:
        """New model or data set: a fresh setup for the worker, the probe and every view."""
        self._rebuild_pending = False
        self._latest = None
        d = self.document
        model = d.model if getattr(d, "is_valid", d.model is not None) else None
        dataset = d.dataset
        reason = self._reason()
        self._blocked = reason
        self.panel.set_context(model, dataset)
        system = training_system(d)
        rule = (system or {}).get("system")
        self.panel.set_rule(rule)
        self.controls.set_rule(rule)
        self._show_notice()
        if reason:
            self.controller.clear_setup()
            self.controls.set_enabled(False, reason)
            self.controls.update_snapshot(None)   # no run's epoch, step and loss of the network before
            self.probe.set_model(None)
        else:
            self.probe.set_model(model)
            history = dict(getattr(d, "history", None) or {})
            self._synced_epochs = max((len(v) for v in history.values()), default=0)
            self.controller.set_setup(model, dataset, self.panel.config, history=history,
                                      optimizer_state=getattr(d, "optimizer_state", None),
                                      test_history=getattr(d, "test_history", None), system=system)
            self.controls.set_enabled(True)
        self.weights.clear()
        guarded(self.weights, "set_model", self.probe.model, dataset)
        for view in (self.boundary, self.activations, self.confusion, self.predict, self.reconstruction,
                     self.code_space):
            guarded(view, "set_context", self.probe if self.probe.model is not None else None, dataset)
        self.curves.set_has_test(dataset is None or len(getattr(dataset, "x_test", ())) > 0)
        self.curves.clear()
        self.gradients.clear()
        self._front_prediction_view()
        self._feed_neuron_view(None, force=True)

    def _front_prediction_view(self) -> None:
        """When the kind of data changes, the decision boundary comes to the front for data of two inputs, the
        confusion matrix for other classification data (digits: the boundary only says it cannot draw them) — in
        place of the other one only: a view the user brought to the front of that tab group stays there."""
        d = self.document.dataset
        plane = self.boundary.plane is not None
        kind = "plane" if plane else ("classes" if d is not None and d.task != "regression" else "other")
        if d is not None and getattr(d, "reconstructs_input", False):
            kind = "reconstruct"
        changed, self._front_kind = kind != self._front_kind, kind
        self.relevance.apply()   # before the raise: a dock shown after it would stay behind its tab partner
        if not changed:
            return
        if kind == "reconstruct":
            self.docks["reconstruction"].raise_()
        if kind == "plane" and is_visible(self.confusion):
            self.docks["boundary"].raise_()
        elif kind == "classes" and is_visible(self.boundary):
            self.docks["confusion"].raise_()

    def _on_document_architecture_changed(self) -> None:
        self._schedule_rebuild()

    def _on_document_dataset_changed(self) -> None:
        self._schedule_rebuild()

    def _on_document_validity_changed(self, _valid: bool) -> None:
        self._schedule_rebuild()

    def _on_document_weights_changed(self) -> None:
        if not self._writing:  # our own write-back on pause / stop changes nothing to train
            self._schedule_rebuild()

    def _on_document_training_config_changed(self) -> None:
        cfg = self.document.training_config
        self.panel.set_config(cfg)
        self.controller.set_config(cfg)

    def _on_speed_index_changed(self, index: int) -> None:
        self.controller.set_speed(float(self.speed.itemData(index) or 0.0))

    def _on_panel_config_changed(self, cfg) -> None:
        setter = getattr(self.document, "set_training_config", None)
        if setter is not None:
            setter(cfg)
        else:
            self.controller.set_config(cfg)

    # ------------------------------------------------------------------ controller events
    def _on_controller_started(self) -> None:
        self.message.setVisible(False)

    def _write_back(self, ended_as: str = "paused", snap=None) -> None:
        snap = snap if snap is not None else self.controller.latest_snapshot
        d = self.document
        if snap is None or d.model is None or self._blocked:
            return
        if self._rebuild_pending or not self._fits_document(snap):
            return  # a snapshot of the network before an edit
        self._writing = True
        try:
            if self.run_log is not None:   # one undo entry per run, and the run's record
                self.run_log.record(snap, ended_as)
                return
            if hasattr(d, "set_weights"):
                try:
                    if getattr(snap, "optimizer_state", None) is not None and hasattr(d, "set_optimizer_state"):
                        d.set_optimizer_state(snap.optimizer_state)   # the state travels with the weights
                    d.set_weights(list(snap.weights))
                except ValueError:
                    pass
            if hasattr(d, "append_history"):
                loss = snap.history.get("loss")
                n = len(loss) if loss is not None else 0
                for i in range(self._synced_epochs, n):
                    logs = {k: float(c.y[i]) for k, c in snap.history.items() if i < len(c)}
                    d.append_history(logs)
                self._synced_epochs = max(self._synced_epochs, n)
        finally:
            self._writing = False

    def _on_controller_paused(self) -> None:
        self._write_back("paused")

    def _on_controller_stopped(self) -> None:
        snap = self.controller.latest_snapshot
        self._write_back("finished" if snap is not None and snap.progress == 1.0 else "stopped")

    def _settle_training(self) -> None:
        """Before a change of the document while training runs: the run so far becomes its own undo entry, and the
        worker gets a fresh set-up after the change. The entry holds the state the engine paused at — weights,
        optimizer state and curves sent together, waited for here (the snapshots streamed while training carry no
        optimizer state) — so undo, then Train, goes on exactly where the run stopped."""
        if not self.controller.is_running and self.controller.state != "running":
            return
        snap = self.controller.pause_and_wait()   # None only when the engine did not answer in time
        self._write_back("stopped", snap)
        self._schedule_rebuild()

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(True)
        bar = self.window.statusBar()
        bar.showMessage(text.split(". ")[0], 15000)

    def _on_controller_diverged(self, message: str) -> None:
        self._write_back("diverged")
        self._show_message(message)

    def _on_controller_failed(self, message: str) -> None:
        self._show_message(message)

    def _on_controller_warned(self, message: str) -> None:
        self._show_message(message)

    def _on_controller_weights_reset(self) -> None:
        self._synced_epochs = 0
        if hasattr(self.document, "reset_history"):
            self.document.reset_history()
        self.message.setVisible(False)
        self.weights.clear()
        self.curves.clear()

    def _fits_document(self, snap) -> bool:
        """False for a snapshot of the network as it was before an edit (still on its way from the worker)."""
        model = self.document.model
        if model is None or tuple(snap.weight_keys) != tuple(model.weight_keys()):
            return False
        if getattr(snap, "setup_id", 0) != self.controller.setup_id:
            return False
        return all(w.shape == p.shape for w, p in zip(snap.weights, (layer.params[k] for layer in model.layers
                                                                      for k in layer.weight_names)))

    def _on_dock_visibility_changed(self, view, shown: bool) -> None:
        """A view skipped while hidden (a tab behind another, a closed dock) catches up when it comes into
        sight: after training ended no snapshot would come to redraw it."""
        snap = self._latest
        if not shown or snap is None or self._blocked or self._rebuild_pending or not self._fits_document(snap):
            return
        if view in self.slow_views:
            guarded(view, "update_snapshot", snap, force=True)
        else:
            guarded(view, "update_snapshot", snap)

    def _on_controller_snapshot_ready(self, snap) -> None:
        if self._blocked or self._rebuild_pending or not self._fits_document(snap):
            return
        self._latest = snap
        self.redraws += 1
        running = snap.state == "running" and not self.controller.speed   # slow motion: every view, every batch
        self._frame += 1
        for i, view in enumerate(self.fast_views):
            if is_visible(view) and (not running or i == 0 or i % 2 == self._frame % 2):
                guarded(view, "update_snapshot", snap)
        if running:
            now = time.perf_counter()
            visible = [v for v in self.slow_views if is_visible(v)]
            view = max(visible, key=lambda v: (now - self._slow_last[v]) / self.slow_views[v], default=None)
            if view is not None and now - self._slow_last[view] >= self.slow_views[view]:
                self._slow_last[view] = now
                guarded(view, "update_snapshot", snap, force=True)
        else:  # paused, stopped: everything shows the final state
            for view in self.slow_views:
                if is_visible(view):
                    guarded(view, "update_snapshot", snap, force=True)
        self._feed_neuron_view(snap)

    # ------------------------------------------------------------------ the neuron view
    def neuron_view(self):
        w = self.window
        view = getattr(w, "neuron_view", None)
        if view is None:
            view = w.findChild(QWidget, "neuronView")
        return view

    def _feed_neuron_view(self, snap, force: bool = False) -> None:
        view = self.neuron_view()
        if view is None:
            return
        if force and hasattr(view, "set_node_thumbnails") and (self.probe.model is None or self.boundary.plane is None):
            view.set_node_thumbnails(None)   # no pictures left of the network or the data set before (the spiral's
            #                                  on the digits' pixels)
        if self.probe.model is None:
            return
        running = snap is not None and snap.state == "running"
        if snap is not None and hasattr(view, "set_weights") and (force or not running or self._neuron_weights.ready()):
            view.set_weights(list(snap.weights))
        if hasattr(view, "set_node_thumbnails") and self.boundary.plane is not None and \
                (force or not running or self._neuron_thumbs.ready()):
            self.probe.sync(snap)
            thumbs = node_thumbnails(self.probe, self.document.dataset, plane=self.boundary.plane)
            view.set_node_thumbnails(thumbs)


def attach_training(window: QMainWindow, document, backend: str = "process") -> TrainingController:
    """Add the training docks, toolbar and status fields to ``window`` and wire them to ``document``.

    Returns the controller; the widgets are reachable as ``window.training_ui`` (a :class:`TrainingUI`).
    The worker is shut down when the window closes. ``backend="thread"`` trains in a thread of this process
    instead of a child process (see :mod:`nnviz.session.training_engine` for why the process is the default).
    """
    controller = TrainingController(window, backend=backend)
    ui = TrainingUI(window, document, controller)
    ui.build()
    ui.connect()
    attach_perceptron(window, document, ui)   # its buttons are the toolbar's actions: the rule trains in the engine
    window.training_ui = ui
    controller.ui = ui
    if hasattr(document, "runs") and hasattr(document, "rewind"):   # the Runs dock, beside the curves
        from nnviz.ui.runs_panel import attach_runs_panel
        attach_runs_panel(window, document, controller)
    return controller

