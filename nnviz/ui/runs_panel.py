"""The Runs dock: every training run of the project in a sortable table, compared.

* One row per run: its settings (the ones that differ between runs highlighted), epochs, final train /
  validation / test metrics, training time and how it ended. Click a header to sort; File-style "Export CSV…".
* Tick runs to overlay their curves on the Loss and accuracy plots, with a legend saying what differed
  ("lr 0.01", "lr 1"; :class:`RunOverlay`).
* "Run again with…": the selected run's settings with one changed (learning rate, batch size, optimizer, seed,
  ...), from the run's starting weights, in one action.
* "Go to checkpoint": the selected run's checkpoints; picking one puts its weights back (one undo entry).
* The footer says how much memory the checkpoints take, of the bound.

``attach_runs_panel(window, document, controller)`` adds the dock; double-clicking an epoch on the curves
rewinds to it (``document.rewind``).
"""

from __future__ import annotations

import math
import time

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QBoxLayout, QComboBox, QDockWidget, QFileDialog, QFrame, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMenu, QPushButton, QScrollArea, QSizePolicy,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget, QWidgetAction)

from nnviz.core.runs import SETTING_NAMES, config_differences, describe_difference, runs_csv
from nnviz.ui import theme
from nnviz.ui.training.landscape_view import LandscapeView

#: overlay colours: none of the current run's (training, validation, test) nor its light batch loss
OVERLAY_COLORS = ((204, 121, 167), (230, 159, 0), (90, 90, 90), (148, 103, 189), (140, 86, 75), (0, 0, 0))
#: a table cell shows at most this many characters (the whole text is its tool tip)
CELL_CHARS = 26

#: settings "Run again with…" offers to change: (short name, TrainingConfig field, parse)
CHANGEABLE = (("lr", "learning_rate", float), ("batch", "batch_size", int), ("optimizer", "optimizer", str),
              ("momentum", "momentum", float), ("epochs", "epochs", int), ("seed", "seed", int),
              ("reg", "regularization", str), ("reg rate", "regularization_rate", float))
METRICS = ("loss", "val_loss", "test_loss", "accuracy", "val_accuracy", "test_accuracy", "mae", "val_mae",
           "test_mae")


def _mb(n: int) -> str:
    return f"{n / 2 ** 20:.1f} MB"


class _SortItem(QTableWidgetItem):
    """Sorts by the number it shows when it shows one."""

    def __lt__(self, other):
        a, b = self.data(Qt.UserRole), other.data(Qt.UserRole)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        return super().__lt__(other)


class RunsPanel(QWidget):
    """The table of runs and its actions. Signals: ``ticked_changed(list)`` (the ticked records),
    ``run_again_requested(run, field, value)``, ``checkpoint_requested(run, epoch)``."""

    ticked_changed = Signal(list)
    run_again_requested = Signal(object, str, object)
    checkpoint_requested = Signal(object, float)

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runsPanel")
        self.document = document
        self._ticked: set[str] = set()
        self._filling = False
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("runsTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.itemChanged.connect(self._on_table_item_changed)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.summary = QLabel("")
        self.summary.setObjectName("runsSummary")
        self.summary.setWordWrap(True)
        self.memory = QLabel("")
        self.memory.setObjectName("runsMemory")
        self.again_button = QPushButton("Run again with…")
        self.again_button.setObjectName("runsRunAgain")
        self.again_button.setToolTip("Train the selected run's settings again from its starting weights, with one "
                                     "setting changed")
        self.checkpoint_button = QPushButton("Go to checkpoint")
        self.checkpoint_button.setObjectName("runsCheckpoint")
        self.checkpoint_button.setToolTip("Put back the weights of one of the selected run's checkpoints (undoable)")
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.setObjectName("runsExportCsv")
        self.csv_button.setToolTip("Save the table (every run's settings, metrics and time) as a CSV file")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("runsDelete")
        self.delete_button.setToolTip("Forget the selected run (its record and checkpoints)")
        self.again_button.clicked.connect(self._on_again_button_clicked)
        self.checkpoint_button.clicked.connect(self._on_checkpoint_button_clicked)
        self.csv_button.clicked.connect(self._on_csv_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        # the actions in a column beside the table, not in rows above it: at 1280 × 720 the bottom row is some 220 px
        # tall, and two rows of buttons above the table left it one row of runs; in a narrow dock (a tab of the
        # bottom row at 100 %) their names are short (see _arrange)
        buttons = QVBoxLayout()
        buttons.setSpacing(4)
        for b in (self.again_button, self.checkpoint_button, self.csv_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.body = QHBoxLayout()
        self.body.setSpacing(6)
        self.body.addWidget(self.table, 1)
        self.body.addLayout(buttons)
        self._short_names = None
        footer = self.footer = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        footer.addWidget(self.summary, 1)
        footer.addWidget(self.memory, 0, Qt.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.body, 1)
        layout.addLayout(footer)
        self._fit_rows()
        self.table.installEventFilter(self)
        document.runs_changed.connect(self.refresh)
        self.refresh()

    #: the buttons' names: (full, in a narrow dock)
    BUTTON_NAMES = {"runsRunAgain": ("Run again with…", "Again…"),
                    "runsCheckpoint": ("Go to checkpoint", "Checkpoint…"), "runsExportCsv": ("Export CSV…", "CSV…"),
                    "runsDelete": ("Delete", "Delete")}

    def _arrange(self, short: bool) -> None:
        """The buttons' full names, or short ones (their tool tips say the rest) when the table needs the width."""
        if short == self._short_names:
            return
        self._short_names = short
        for b in (self.again_button, self.checkpoint_button, self.csv_button, self.delete_button):
            b.setText(self.BUTTON_NAMES[b.objectName()][1 if short else 0])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        full = self.fontMetrics().horizontalAdvance(self.BUTTON_NAMES["runsRunAgain"][0]) + 24
        self._arrange(self.width() < 4 * full)
        # the memory line under the summary in a narrow dock (beside it, the summary wrapped to a word a line)
        self.footer.setDirection(QBoxLayout.Direction.TopToBottom if self.width() < 2 * self.memory.sizeHint().width()
                                 else QBoxLayout.Direction.LeftToRight)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.table and event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_rows()   # the UI zoom, the stylesheet: rows as tall as the text, no taller
        return super().eventFilter(watched, event)

    def _fit_rows(self) -> None:
        """Rows a line of text tall (Qt's default is some 30 px at 100 %): four runs show in the default layout."""
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.verticalHeader().setMinimumSectionSize(self.table.fontMetrics().height() + 2)
        # (a table asks for some 190 px by default: in a 220 px dock the footer went out of sight)
        self.table.setMinimumHeight(4 * (self.table.fontMetrics().height() + 6))
        # its height is what the dock has, not what it asks (the wrapped footer makes the scroll area size the panel
        # by its preferred height, and the table's 192 px pushed the footer out of sight)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)

    # ------------------------------------------------------------------ the table
    def runs(self) -> list:
        return list(self.document.runs.runs)

    def ticked_runs(self) -> list:
        return [r for r in self.runs() if r.run_id in self._ticked]

    def selected_run(self):
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return self.document.runs.get(item.data(Qt.UserRole + 1)) if item is not None else None

    def columns(self) -> list[str]:
        """The run, the settings that differ between the runs (what the comparison is about), epochs, final
        metrics, time, how it ended; then when it started and the settings all runs share."""
        runs = self.runs()
        settings = [short for _, short in SETTING_NAMES if any(short in r.settings() for r in runs)]
        differing = set(config_differences(runs))
        present = {k for r in runs for k in r.final_metrics()}
        metrics = [m for m in METRICS if m in present]
        return ["run", *[k for k in settings if k in differing], "epochs", *metrics, "time", "ended", "started",
                *[k for k in settings if k not in differing]]

    def refresh(self) -> None:
        runs = self.runs()
        gone = self._ticked - {r.run_id for r in runs}   # (another project opened, a run deleted or undone)
        self._ticked -= gone
        selected = self.selected_run()
        differing = set(config_differences(runs))
        cols = self.columns()
        t = self.table
        self._filling = True
        t.setSortingEnabled(False)
        t.clear()
        t.setColumnCount(len(cols))
        t.setHorizontalHeaderLabels(cols)
        t.setRowCount(len(runs))
        highlight = QBrush(QColor(theme.colors().get("warning_bg", "#fff3cd")))
        for row, r in enumerate(runs):
            s, m = r.settings(), r.final_metrics()
            for col, name in enumerate(cols):
                value, text = self._cell(r, name, s, m)
                item = _SortItem(text if len(text) <= CELL_CHARS else text[:CELL_CHARS - 1] + "…")
                item.setData(Qt.UserRole, value)
                if len(text) > CELL_CHARS:
                    item.setToolTip(text)
                if name in differing:
                    item.setBackground(highlight)
                    item.setToolTip("differs between the runs" + (f": {text}" if len(text) > CELL_CHARS else ""))
                if col == 0:
                    item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                    item.setCheckState(Qt.Checked if r.run_id in self._ticked else Qt.Unchecked)
                    item.setData(Qt.UserRole + 1, r.run_id)
                    item.setToolTip("Tick to overlay this run's curves")
                t.setItem(row, col, item)
        t.setSortingEnabled(True)
        self._filling = False
        if selected is not None:
            for row in range(t.rowCount()):
                if t.item(row, 0).data(Qt.UserRole + 1) == selected.run_id:
                    t.selectRow(row)
        self._update_summary()
        self.memory.setText(f"{len(runs)} run{'s' if len(runs) != 1 else ''} · checkpoints "
                            f"{_mb(self.document.runs.nbytes)} of {_mb(self.document.runs.budget_bytes)}")
        self._on_table_selection_changed()
        if gone:   # the overlay no longer draws runs the project does not have
            self.ticked_changed.emit(self.ticked_runs())

    @staticmethod
    def _cell(r, name: str, s: dict, m: dict):
        if name == "run":
            return r.label, r.label
        if name == "started":
            return r.started, time.strftime("%H:%M:%S", time.localtime(r.started))
        if name == "epochs":
            return r.epochs, str(r.epochs)
        if name == "time":
            return r.duration, f"{r.duration:.1f} s"
        if name == "ended":
            return r.ended_as, r.ended_as
        if name in m:
            v = m[name]
            if not math.isfinite(v):
                return float("inf"), "–"
            return v, (f"{100 * v:.1f} %" if "accuracy" in name else f"{v:.4g}")
        v = s.get(name, "")
        return v, (f"{v:g}" if isinstance(v, float) else str(v))

    def _update_summary(self) -> None:
        ticked = self.ticked_runs()
        if len(ticked) >= 2:
            self.summary.setText("Overlaid: " + " · ".join(describe_difference(r, [o for o in ticked if o is not r])
                                                          for r in ticked))
        elif self.runs():
            self.summary.setText("Tick runs to overlay their curves.")
        else:
            self.summary.setText("No runs yet: every training run is kept here to compare.")

    def _on_table_item_changed(self, item) -> None:
        if self._filling or item.column() != 0:
            return
        run_id = item.data(Qt.UserRole + 1)
        if item.checkState() == Qt.Checked:
            self._ticked.add(run_id)
        else:
            self._ticked.discard(run_id)
        self._update_summary()
        self.ticked_changed.emit(self.ticked_runs())

    def set_ticked(self, run_ids) -> None:
        self._ticked = set(run_ids)
        self.refresh()
        self.ticked_changed.emit(self.ticked_runs())

    def _on_table_selection_changed(self) -> None:
        run = self.selected_run()
        for b in (self.again_button, self.delete_button):
            b.setEnabled(run is not None)
        self.checkpoint_button.setEnabled(run is not None and bool(run.checkpoints))
        self.csv_button.setEnabled(bool(self.runs()))

    # ------------------------------------------------------------------ actions
    def again_menu(self, run) -> QMenu:
        """A small form: which setting, its new value, Run."""
        menu = QMenu(self)
        form = QWidget(menu)
        row = QHBoxLayout(form)
        row.setContentsMargins(6, 4, 6, 4)
        combo = QComboBox(form)
        combo.setObjectName("runsAgainSetting")
        training = (run.config or {}).get("training") or {}
        for short, field, _parse in CHANGEABLE:
            combo.addItem(f"{short} (now {training.get(field, '–')})", field)
        edit = QLineEdit(form)
        edit.setObjectName("runsAgainValue")
        edit.setPlaceholderText("new value")
        go = QPushButton("Run", form)
        go.setObjectName("runsAgainGo")
        row.addWidget(combo)
        row.addWidget(edit)
        row.addWidget(go)
        act = QWidgetAction(menu)
        act.setDefaultWidget(form)
        menu.addAction(act)

        def run_it():
            field = combo.currentData()
            parse = next(p for _s, f, p in CHANGEABLE if f == field)
            try:
                value = parse(edit.text().strip())
            except ValueError:
                edit.setStyleSheet("QLineEdit { border: 1px solid #c0392b; }")
                return
            menu.close()
            self.run_again_requested.emit(run, field, value)

        go.clicked.connect(run_it)
        edit.returnPressed.connect(run_it)
        return menu

    def _on_again_button_clicked(self) -> None:
        run = self.selected_run()
        if run is not None:
            self.again_menu(run).popup(self.again_button.mapToGlobal(self.again_button.rect().bottomLeft()))

    def checkpoint_menu(self, run) -> QMenu:
        menu = QMenu(self)
        for epoch, _w in run.checkpoints:
            a = menu.addAction(f"epoch {epoch:g}")
            a.triggered.connect(lambda _c=False, e=epoch: self.checkpoint_requested.emit(run, e))
        return menu

    def _on_checkpoint_button_clicked(self) -> None:
        run = self.selected_run()
        if run is not None:
            b = self.checkpoint_button
            self.checkpoint_menu(run).popup(b.mapToGlobal(b.rect().bottomLeft()))

    def _on_csv_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export runs as CSV", "runs.csv", "CSV files (*.csv)")
        if path:
            self.export_csv(path)

    def export_csv(self, path: str) -> None:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(runs_csv(self.runs()))

    def _on_delete_button_clicked(self) -> None:
        run = self.selected_run()
        if run is not None:
            self.document.remove_run(run.run_id)


class RunOverlay(QObject):
    """The ticked runs' curves on a :class:`~nnviz.ui.training.curves.CurvesView` (dashed, one colour per run, a
    legend of what differed), and double-click on the plots → ``epoch_double_clicked(epoch)``."""

    epoch_double_clicked = Signal(float)

    def __init__(self, curves):
        super().__init__(curves)
        self.curves = curves
        self.items: list = []
        self.legend = pg.LegendItem(labelTextColor=theme.colors().get("text", "#222"), verSpacing=-6)
        self.legend.setParentItem(curves.metric_plot.getViewBox())
        # in the metric plot's corner its curves leave free (and its own legend does not take)
        self.legend.anchor(itemPos=(1, 1), parentPos=(1, 1), offset=(-4, -4))
        extra = getattr(curves, "extra_legends", None)
        if extra is not None:
            extra.append((self.legend, curves.metric_plot))
        bg = curves.palette().window().color()
        self.legend.setBrush(pg.mkBrush(bg.red(), bg.green(), bg.blue(), 225))
        self.legend.setVisible(False)
        curves.graphics.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)
        curves.graphics.setToolTip("Double-click an epoch to go back to its weights (undoable)")

    def set_runs(self, runs) -> None:
        for plot_item, item in self.items:
            plot_item.removeItem(item)
        self.items = []
        self.legend.clear()
        runs = list(runs)
        for i, run in enumerate(runs):
            color = OVERLAY_COLORS[i % len(OVERLAY_COLORS)]
            label = describe_difference(run, [o for o in runs if o is not run])
            for plot, key, scale in ((self.curves.loss_plot, "loss", 1.0),
                                     (self.curves.metric_plot, self.curves._metric or "accuracy",
                                      self.curves._metric_scale)):
                ys = run.history.get(key)
                if not ys:
                    continue
                item = pg.PlotDataItem(list(range(1, len(ys) + 1)), [scale * v for v in ys],
                                       pen=pg.mkPen(color, width=2, style=Qt.DashLine))
                item.setZValue(3)    # above the current run's curves: the comparison is what was asked for
                plot.addItem(item)
                self.items.append((plot, item))
                if plot is self.curves.loss_plot:
                    self.legend.addItem(item, label)
        self.legend.setVisible(bool(self.items))
        if hasattr(self.curves, "place_legends"):
            self.curves.place_legends()
        for plot in (self.curves.loss_plot, self.curves.metric_plot):   # room for every overlaid curve
            ys = [y for p, it in self.items if p is plot for y in it.yData if y == y]
            if ys:
                lo, hi = plot.getViewBox().viewRange()[1]
                plot.setYRange(min(lo, min(ys)), max(hi, max(ys)), padding=0.02)


    def _on_scene_mouse_clicked(self, event) -> None:
        if not event.double():
            return
        for plot in (self.curves.loss_plot, self.curves.metric_plot):
            vb = plot.getViewBox()
            if vb.sceneBoundingRect().contains(event.scenePos()):
                x = vb.mapSceneToView(event.scenePos()).x()
                self.epoch_double_clicked.emit(max(round(x), 0))
                event.accept()
                return


def attach_runs_panel(window, document, controller=None) -> RunsPanel:
    """The Runs dock on ``window`` (beside the curves), the overlay on the training curves and the rewind."""
    panel = RunsPanel(document)
    scroll = QScrollArea()   # scrolls instead of holding the window taller than a 720 px screen at a large zoom
    scroll.setObjectName("runsScroll")
    scroll.setWidget(panel)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    _add_dock(window, scroll, "Runs", "runsDock", "weightsDock")
    ui = getattr(window, "training_ui", None)
    overlay = None
    if ui is not None:
        overlay = RunOverlay(ui.curves)
        panel.ticked_changed.connect(overlay.set_runs)
        overlay.epoch_double_clicked.connect(lambda e: _rewind(window, document, e))
    panel.checkpoint_requested.connect(lambda run, e: document.rewind(e, run.run_id))
    panel.run_again_requested.connect(lambda run, field, value: run_again(document, controller, run, field, value))

    landscape = LandscapeView()
    landscape.set_document(document)
    _add_dock(window, landscape, "Loss landscape", "landscapeDock", "decisionBoundaryDock")

    def recompute():   # a run ended (or was undone): the landscape follows while it is on screen
        if not landscape.visibleRegion().isEmpty() and landscape.landscape is not None:
            landscape.compute(document)
    document.runs_changed.connect(recompute)
    closing = getattr(window, "about_to_close", None)
    if closing is not None:
        closing.connect(landscape.shutdown)

    def show_load_warnings():   # once, after opening a project whose run history was damaged
        if document.load_warnings and hasattr(window, "show_error"):
            window.show_error("Some runs were dropped", "\n".join(document.load_warnings))
            document.load_warnings = []
    document.runs_changed.connect(show_load_warnings)
    window.runs_panel = panel
    window.landscape_view = landscape
    window.run_overlay = overlay
    return panel


def _add_dock(window, widget, title: str, name: str, partner: str) -> QDockWidget:
    """A bottom dock tabbed with ``partner`` (the MainWindow remembers it for View ▸ Reset Layout)."""
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    add = getattr(window, "add_dock", None)
    if add is not None:
        add(dock, area=Qt.DockWidgetArea.BottomDockWidgetArea, tabify_with=partner)
    else:
        window.addDockWidget(Qt.BottomDockWidgetArea, dock)
    return dock


def _rewind(window, document, epoch: float) -> None:
    at = document.rewind(epoch)
    bar = window.statusBar() if hasattr(window, "statusBar") else None
    if bar is not None:
        bar.showMessage(f"Back at epoch {at:g} (Ctrl+Z to undo)" if at is not None else
                        "No checkpoint of this network to go back to", 8000)


def run_again(document, controller, run, field: str, value) -> None:
    """``run``'s data set and settings with ``field`` set to ``value``, from the run's starting weights; train."""
    from nnviz.core.training import TrainingConfig
    config = dict((run.config or {}).get("training") or document.training_config.to_dict())
    config[field] = value
    spec = (run.config or {}).get("dataset")
    if spec and spec != document.dataset_spec:
        document.set_dataset(spec)
    document.set_training_config(TrainingConfig.from_dict(config))
    if run.checkpoints:
        document.rewind(run.checkpoints[0][0], run.run_id)
    if controller is not None:
        QTimer.singleShot(0, controller.train)   # after the training docks hand the worker the new set-up
