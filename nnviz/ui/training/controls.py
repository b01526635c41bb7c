"""Training controls: toolbar actions (Train/Pause on Space, Step batch, Step epoch, Reset weights, Stop), a
progress bar with the ETA, and status-bar fields for epoch, step, loss and samples per second.

Actions carry ``objectName``s (``actionTrain``, ``actionStepBatch``, ``actionStepEpoch``,
``actionResetWeights``, ``actionStop``) so tests and automation find them.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QImage, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QProgressBar, QStyle, QToolBar

from nnviz.session.worker import DIVERGED, PAUSED, RUNNING, STOPPED, TrainingController
from nnviz.ui import theme


def tinted_icon(icon: QIcon, color: str) -> QIcon:
    """``icon``'s shapes filled with one ``color`` (its alpha kept)."""
    out = QIcon()
    for size in (16, 20, 24, 32):
        pixmap = icon.pixmap(size, size)
        if pixmap.isNull():
            continue
        image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        painter = QPainter(image)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(image.rect(), QColor(color))
        painter.end()
        out.addPixmap(QPixmap.fromImage(image))
    return out


def format_duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_rate(rate: float) -> str:
    if rate >= 1e6:
        return f"{rate / 1e6:.1f} M"
    if rate >= 1e4:
        return f"{rate / 1e3:.0f} k"
    if rate >= 1e3:
        return f"{rate / 1e3:.1f} k"
    return f"{rate:.0f}"


class TrainingControls(QObject):
    """The actions, the toolbar, the progress bar and the status fields, wired to a controller."""

    def __init__(self, controller: TrainingController, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller
        self._enabled = True
        self._state = STOPPED
        self._icons: dict[QAction, QStyle.StandardPixmap] = {}   # action -> the style's icon, tinted

        def action(text, name, tip, icon=None, shortcut=None):
            a = QAction(text, self)
            a.setObjectName(name)
            a.setToolTip(tip)
            a.setStatusTip(tip)
            if icon is not None:
                self._icons[a] = icon
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
                a.setToolTip(f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.NativeText)})")
            a.setProperty("fullTip", a.toolTip())   # with its shortcut: what set_enabled goes back to
            return a

        self.action_train = action("Train", "actionTrain", "Train / pause", QStyle.SP_MediaPlay, "Space")
        self.action_train.setCheckable(True)
        self.action_step_batch = action("Step batch", "actionStepBatch", "Train one batch, then pause",
                                        QStyle.SP_MediaSeekForward, "Ctrl+Right")
        self.action_step_epoch = action("Step epoch", "actionStepEpoch",
                                        "Train to the end of the epoch, then pause", QStyle.SP_MediaSkipForward,
                                        "Ctrl+Shift+Right")
        self.action_reset = action("Reset weights", "actionResetWeights",
                                   "Stop and initialise the weights afresh from the seed", QStyle.SP_BrowserReload,
                                   "Ctrl+R")
        self.action_stop = action("Stop", "actionStop", "End the run; the trained weights stay", QStyle.SP_MediaStop,
                                  "Ctrl+.")
        self.actions = [self.action_train, self.action_step_batch, self.action_step_epoch, self.action_reset,
                        self.action_stop]
        self._on_theme_changed()
        theme.state().theme_changed.connect(self._on_theme_changed)

        self.toolbar = QToolBar("Training")
        self.toolbar.setObjectName("trainingToolBar")
        self.toolbar.setMovable(False)   # like the main toolbar, in the same row
        self.toolbar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        for a in self.actions:
            self.toolbar.addAction(a)
        # Train and the two steps are labelled; Reset weights and Stop have plain icons (↻, ■) and say what they
        # do in their tool tips: the whole toolbar fits beside the main one on a 1366-pixel-wide screen
        for a in (self.action_reset, self.action_stop):
            self.toolbar.widgetForAction(a).setToolButtonStyle(Qt.ToolButtonIconOnly)
        self.progress = QProgressBar()
        self.progress.setObjectName("trainingProgress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("not started")
        self.progress.setMinimumWidth(190)
        self.progress.setMaximumWidth(300)
        self.toolbar.addSeparator()
        self.toolbar.addWidget(self.progress)

        def field(name, tip):
            label = QLabel("")
            label.setObjectName(name)
            label.setToolTip(tip)
            label.setMinimumWidth(60)
            return label

        self.epoch_label = field("statusEpoch", "Completed epochs / epochs of this run")
        self.step_label = field("statusStep", "Batches trained since the weights were initialised")
        self.loss_label = field("statusLoss", "Loss of the latest batch (moving average)")
        self.speed_label = field("statusSpeed", "Training speed")
        self.state_label = field("statusTraining", "Training state")
        self.status_widgets = [self.state_label, self.epoch_label, self.step_label, self.loss_label, self.speed_label]

        self.action_train.triggered.connect(self._on_action_train_triggered)
        self.action_step_batch.triggered.connect(controller.step_batch)
        self.action_step_epoch.triggered.connect(controller.step_epoch)
        self.action_reset.triggered.connect(controller.reset_weights)
        self.action_stop.triggered.connect(controller.stop)
        controller.state_changed.connect(self._on_controller_state_changed)
        controller.started.connect(self._sync_train_action)
        controller.paused.connect(self._sync_train_action)
        controller.stopped.connect(self._sync_train_action)
        controller.diverged.connect(self._sync_train_action)
        controller.snapshot_ready.connect(self._on_controller_snapshot_ready)
        self._last_fields = 0.0
        self._sync_train_action()
        self.update_snapshot(None)

    # ------------------------------------------------------------------ installing
    def install(self, window: QMainWindow) -> None:
        """Put the toolbar and the status fields on ``window``."""
        window.addToolBar(Qt.TopToolBarArea, self.toolbar)
        status = window.statusBar()
        for w in self.status_widgets:
            status.addPermanentWidget(w)
        for a in self.actions:
            if a not in window.actions():
                window.addAction(a)  # shortcuts work even with the toolbar hidden

    def set_enabled(self, enabled: bool, reason: str = "") -> None:
        """Enable or disable every training action (e.g. while the network is invalid)."""
        self._enabled = enabled
        for a in self.actions:
            a.setEnabled(enabled)
            tip = a.property("fullTip") or a.statusTip()
            a.setToolTip(tip if enabled or not reason else f"{tip} — unavailable: {reason}")
        if not enabled and reason:
            self.state_label.setText("cannot train")
            self.state_label.setToolTip(reason)
        elif enabled:
            self.state_label.setToolTip("Training state")
            self._show_state()

    def set_rule(self, rule: str | None) -> None:
        """Rosenblatt's rule (``"perceptron"``) learns one sample at a time: the step action says so."""
        a = self.action_step_batch
        text, tip = (("Step sample", "Apply the perceptron rule to one sample, then pause") if rule == "perceptron"
                     else ("Step batch", "Train one batch, then pause"))
        a.setText(text)
        full = f"{tip} ({a.shortcut().toString(QKeySequence.NativeText)})"
        a.setProperty("fullTip", full)
        a.setToolTip(full if self._enabled else a.toolTip())

    # ------------------------------------------------------------------ state
    def _on_action_train_triggered(self, *_args) -> None:
        self.controller.toggle()
        self._sync_train_action()

    def _sync_train_action(self, *_args) -> None:
        running = self.controller.is_running
        a = self.action_train
        a.blockSignals(True)
        a.setChecked(running)
        a.blockSignals(False)
        a.setText("Pause" if running else "Train")
        self._icons[a] = QStyle.SP_MediaPause if running else QStyle.SP_MediaPlay
        self._set_icon(a)

    def _set_icon(self, action: QAction) -> None:
        """The style's media icon in the theme's text colour (Train in the accent colour): legible on the dark
        theme too, where the style draws them black."""
        style = QApplication.style()   # (the current one: a theme change installs a new style)
        if style is None or action not in self._icons:
            return
        color = theme.colors()["accent" if action is self.action_train else "text"]
        action.setIcon(tinted_icon(style.standardIcon(self._icons[action]), color))

    def _on_theme_changed(self, *_args) -> None:
        for a in self._icons:
            self._set_icon(a)

    def _on_controller_state_changed(self, state: str) -> None:
        self._state = state
        self._sync_train_action()
        self._show_state()

    def _show_state(self) -> None:
        text = {RUNNING: "training", PAUSED: "paused", STOPPED: "stopped", DIVERGED: "diverged"}.get(self._state,
                                                                                                     self._state)
        self.state_label.setText(text)

    def _on_controller_snapshot_ready(self, snap) -> None:
        # numbers that change 30 times a second cannot be read: the fields follow at most 10 times a second
        # (every snapshot that is not "running" is shown at once)
        if not self._enabled:   # nothing trainable: the stopped run of the network before says nothing now
            return
        now = time.perf_counter()
        if snap.state != RUNNING or now - self._last_fields >= 0.1:
            self._last_fields = now
            self.update_snapshot(snap)

    def update_snapshot(self, snap) -> None:
        if snap is None:
            self.epoch_label.setText("Epoch –")
            self.step_label.setText("Step –")
            self.loss_label.setText("Loss –")
            self.speed_label.setText("– samples/s")
            self.progress.setValue(0)
            self.progress.setFormat("not started")
            return
        target = snap.epochs_target
        run_epoch = snap.epoch - snap.run_start_epoch
        if target:
            self.epoch_label.setText(f"Epoch {snap.epoch} ({run_epoch}/{target} this run)")
        else:
            self.epoch_label.setText(f"Epoch {snap.epoch}")
        self.step_label.setText(f"Step {snap.step:,}")
        loss = snap.batch_loss_smoothed.last()
        self.loss_label.setText(f"Loss {loss:.4g}" if math.isfinite(loss) else "Loss –")
        self.speed_label.setText(f"{format_rate(snap.samples_per_second)} samples/s"
                                 if snap.state == RUNNING else "– samples/s")
        progress = snap.progress
        if progress is None:
            self.progress.setValue(0)
            self.progress.setFormat(f"until paused · {format_duration(snap.elapsed)} trained")
        else:
            self.progress.setValue(int(round(1000 * progress)))
            eta = f"ETA {format_duration(snap.eta)}" if snap.state == RUNNING and snap.eta is not None else \
                format_duration(snap.elapsed)
            self.progress.setFormat(f"{100 * progress:.0f} % · {eta}")
