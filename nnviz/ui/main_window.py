"""The main window: menus, toolbar, status bar, the two canvases (layers / neurons) and the docks.

Extension points for the other panels (data, training, backprop, export):

* ``add_dock(widget, title, area, object_name, tabify_with=, share=, min_length=, front=, visible=)`` — a
  dock with its toggle in View, persisted layout; the keywords describe its place in the default layout
  (first launch and View ▸ Reset Layout), which ``apply_default_sizes`` proportions to the window;
  ``layout_reset`` is emitted after a reset;
* ``menu("File/Export")`` — a menu by path (created when missing); ``menu("Training")`` adds a menu;
* ``toolbar`` — the main toolbar; ``register_training_action(action)`` adds an action that is only
  enabled while the architecture is valid (``training_actions``; ``actionTrain`` is the first);
* ``neuron_view`` (``set_weights``, ``set_node_thumbnails``, ``highlight``), ``layer_view``,
  ``document`` (the ``ProjectDocument``), ``status_message(text)``;
* ``about_to_close`` — emitted when the window really closes (stop workers there).

The default layout: a left column (layer palette, data), a right column (inspector, training settings, summary,
predict) next to the canvas, and a full-width bottom row of training plots about a third of the height. On the
first launch ``app.build`` sizes the window to the screen (``fit_to_screen``); later launches restore the saved
geometry and layout.

Dialogs go through small methods (``ask_save_changes``, ``ask_open_path``, ``ask_save_path``,
``ask_recover``, ``show_error``) so tests can replace them.
"""

from __future__ import annotations

import os
import zipfile
import json

from PySide6.QtCore import QEvent, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QApplication, QDialog, QDialogButtonBox, QDockWidget, QFileDialog, QFrame, QHBoxLayout,
                               QHeaderView, QLabel, QMainWindow, QMenu, QMessageBox, QPushButton, QStackedWidget,
                               QTableWidget, QTableWidgetItem, QToolBar, QVBoxLayout, QWidget)

from nnviz import __version__, resources
from nnviz.session.autosave import AutosaveManager
from nnviz.session.document import ProjectDocument
from nnviz.ui import icons, theme
from nnviz.ui.inspector import InspectorWidget
from nnviz.ui.layer_view import LayerView
from nnviz.ui.neuron_view import NeuronView
from nnviz.ui.palette import LayerPalette
from nnviz.ui.summary_dock import SummaryWidget

FILE_FILTER = "nnviz projects (*.nnviz);;All files (*)"
EXAMPLES_DIR = str(resources.path("examples"))
MAX_RECENT = 10


def example_files() -> list[tuple[str, str]]:
    """``(title, path)`` of the bundled examples, ordered by their ``meta.order`` then title."""
    out = []
    try:
        names = sorted(os.listdir(EXAMPLES_DIR))
    except OSError:
        return []
    for name in names:
        if not name.endswith(".nnviz"):
            continue
        path = os.path.join(EXAMPLES_DIR, name)
        title, order = os.path.splitext(name)[0].replace("_", " "), 1000
        try:
            with zipfile.ZipFile(path) as zf:
                meta = json.loads(zf.read("project.json").decode("utf-8")).get("meta") or {}
            title = str(meta.get("title") or title)
            order = int(meta.get("order", order))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            pass
        out.append((order, title, path))
    out.sort()
    return [(t, p) for _, t, p in out]


class ErrorBanner(QFrame):
    """The red strip above the canvas that repeats the core's message while the network is invalid."""

    show_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.icon = QLabel()
        self.icon.setFixedSize(20, 20)
        self.label = QLabel()
        self.label.setObjectName("errorBannerText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton("Show layer")
        self.button.setObjectName("errorBannerButton")
        self.button.clicked.connect(self.show_requested)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(10)
        lay.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self.setVisible(False)

    def set_message(self, text: str, can_show: bool) -> None:
        self.icon.setPixmap(icons.icon("error", theme.colors()["error"]).pixmap(20, 20))
        self.label.setText(text)
        self.button.setVisible(can_show)
        self.setVisible(bool(text))


class NoticeBanner(ErrorBanner):
    """The amber strip under the error banner: the network builds but cannot train as it is (no data set, an output
    layer that does not fit the data), with what to do and, where there is one, a button that does it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("noticeBanner")
        self.label.setObjectName("noticeBannerText")
        self.button.setObjectName("noticeBannerButton")
        self.button.clicked.disconnect(self.show_requested)
        self.button.clicked.connect(self._on_button_clicked)
        self._action = None

    def set_notice(self, text: str, action_text: str = "", action=None) -> None:
        self.icon.setPixmap(icons.icon("info", theme.colors()["warning"]).pixmap(20, 20))
        self.label.setText(text)
        self._action = action
        self.button.setText(action_text)
        self.button.setVisible(bool(action_text and action))
        self.setVisible(bool(text))

    def _on_button_clicked(self) -> None:
        if self._action is not None:
            self._action()


class MainWindow(QMainWindow):
    about_to_close = Signal()
    error_shown = Signal(str)
    view_mode_changed = Signal(str)
    layout_reset = Signal()     # View ▸ Reset Layout put every dock back in its default place

    def __init__(self, document: ProjectDocument | None = None, settings: QSettings | None = None,
                 autosave_dir: str | None = None, autosave_interval_ms: int = 60_000, parent=None):
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setDockNestingEnabled(True)
        # the bottom row of plots runs the full width (the loss curves need about 700 px to put their two plots side
        # by side); the side columns sit above it, next to the canvas
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.document = document or ProjectDocument(self)
        if self.document.parent() is None:
            self.document.setParent(self)
        self.settings = settings or QSettings("nnviz", "nnviz")
        self.training_actions: list[QAction] = []
        self.docks: dict[str, tuple[QDockWidget, Qt.DockWidgetArea]] = {}
        self.last_error = ""
        self._error_box: QMessageBox | None = None
        self._settings_restored = False
        self._closing = False
        self._menus: dict[str, QMenu] = {}
        self._train_handler = None
        self._dock_hints: dict[str, dict] = {}

        # ---------------------------------------------------------------- central area
        self.layer_view = LayerView(self.document)
        self.neuron_view = NeuronView(self.document)
        self.stack = QStackedWidget()
        self.stack.setObjectName("canvasStack")
        self.stack.addWidget(self.layer_view)
        self.stack.addWidget(self.neuron_view)
        self.banner = ErrorBanner()
        self.banner.show_requested.connect(self._on_banner_show_requested)
        self.notice = NoticeBanner()
        central = QWidget()
        central.setObjectName("central")
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.banner)
        lay.addWidget(self.notice)
        lay.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # ---------------------------------------------------------------- docks
        self.palette = LayerPalette()
        self.palette.layer_activated.connect(self._on_palette_layer_activated)
        self.inspector = InspectorWidget(self.document)
        self.summary = SummaryWidget(self.document)
        self.layer_view.selection_changed.connect(self.inspector.set_selection)
        self.layer_view.selection_changed.connect(self._on_layer_view_selection_changed)

        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self._create_status_bar()
        self.add_dock(self.palette, "Layers", Qt.DockWidgetArea.LeftDockWidgetArea, "dockPalette", share=0.3)
        self.add_dock(self.inspector, "Inspector", Qt.DockWidgetArea.RightDockWidgetArea, "dockInspector",
                      share=0.42)
        self.add_dock(self.summary, "Summary", Qt.DockWidgetArea.RightDockWidgetArea, "dockSummary", share=0.58)
        self.resize(1280, 820)

        # ---------------------------------------------------------------- document wiring
        doc = self.document
        doc.validity_changed.connect(self._on_document_validity_changed)
        doc.architecture_changed.connect(self._on_document_architecture_changed)
        doc.modified_changed.connect(self._on_document_modified_changed)
        doc.path_changed.connect(self._on_document_path_changed)
        self._on_document_architecture_changed()
        self._on_document_validity_changed(doc.is_valid)
        self._update_title()

        self.autosave = AutosaveManager(doc, autosave_dir, autosave_interval_ms, self)
        self.autosave.autosave_failed.connect(self._on_autosave_failed)
        self.autosave.start()
        theme.state().theme_changed.connect(self._on_theme_changed)
        self.set_view_mode("layers")

    # ================================================================== extension points
    def add_dock(self, widget: QWidget, title: str | None = None, area=Qt.DockWidgetArea.RightDockWidgetArea,
                 object_name: str | None = None, tabify_with: str | None = None, share: float = 1.0,
                 min_length: int = 0, front: bool = False, visible: bool = True) -> QDockWidget:
        """Add ``widget`` as a dock; its show/hide toggle goes into View, its place into the saved layout.

        ``widget`` may also be a ready ``QDockWidget`` (its title and objectName are kept), and the area
        may be given as the second argument: ``add_dock(dock, Qt.RightDockWidgetArea)``.

        The default layout (first launch and View ▸ Reset Layout) puts the dock in ``area``, in a tab group
        with the dock named ``tabify_with`` if given; ``share`` is its part of the area's length (the
        height of a side column, the width of the bottom row) relative to the area's other docks (a tab
        group counts once, with its first dock's share), but at least ``min_length`` pixels when the area has
        room for that; ``front`` makes it the tab shown of its group;
        ``visible=False`` keeps it hidden until asked for.
        """
        if isinstance(title, Qt.DockWidgetArea):
            area, title = title, None
        if isinstance(widget, QDockWidget):
            dock = widget
            title = title or dock.windowTitle() or "Panel"
            object_name = object_name or dock.objectName()
        else:
            dock = QDockWidget(title or widget.windowTitle() or "Panel", self)
            dock.setWidget(widget)
            title = dock.windowTitle()
        object_name = object_name or "dock" + "".join(w.capitalize() for w in title.split())
        dock.setObjectName(object_name)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        if tabify_with and tabify_with in self.docks:
            self.tabifyDockWidget(self.docks[tabify_with][0], dock)
        self.docks[object_name] = (dock, area, tabify_with)
        self._dock_hints[object_name] = {"share": float(share), "min_length": int(min_length), "front": bool(front),
                                         "visible": bool(visible)}
        if front:
            dock.raise_()
        toggle = dock.toggleViewAction()
        toggle.setObjectName("actionToggle" + object_name[0].upper() + object_name[1:])
        toggle.setText(title)
        self.menu("View").insertAction(self._dock_toggles_end, toggle)
        return dock

    def menu(self, path: str) -> QMenu:
        """The menu at ``path`` ("File", "File/Export", "Training"), created (before Help) if missing."""
        if path in self._menus:
            return self._menus[path]
        parts = path.split("/")
        parent_path = "/".join(parts[:-1])
        title = parts[-1]
        if parent_path:
            parent = self.menu(parent_path)
            sub = QMenu(title, parent)
            parent.addMenu(sub)
        else:
            sub = QMenu(title, self.menuBar())
            help_menu = self._menus.get("Help")
            if help_menu is not None:
                self.menuBar().insertMenu(help_menu.menuAction(), sub)
            else:
                self.menuBar().addMenu(sub)
        sub.setObjectName("menu" + "".join(p.replace(" ", "") for p in parts))
        self._menus[path] = sub
        return sub

    def register_training_action(self, action: QAction) -> None:
        """An action that needs a valid network (Train, Step, ...): disabled while the architecture fails."""
        if action not in self.training_actions:
            self.training_actions.append(action)
        action.setEnabled(self.document.is_valid)

    def actionEvent(self, event):
        """A panel that brings its own ``actionTrain`` (the training controls) replaces the placeholder."""
        super().actionEvent(event)
        action = event.action()
        if (event.type() == QEvent.Type.ActionAdded and action.objectName() == "actionTrain"
                and action is not getattr(self, "_placeholder_train", None)):
            placeholder = getattr(self, "_placeholder_train", None)
            if placeholder is not None:
                self._placeholder_train = None
                if placeholder in self.training_actions:
                    self.training_actions.remove(placeholder)
                self.toolbar.removeAction(placeholder)
                placeholder.setObjectName("actionTrainPlaceholder")
                placeholder.deleteLater()
            self.actionTrain = action
            self.register_training_action(action)

    def status_message(self, text: str, ms: int = 4000) -> None:
        self.statusBar().showMessage(text, ms)

    # ================================================================== actions and menus
    def _action(self, name: str, text: str, slot=None, shortcut=None, icon_name: str | None = None,
                tip: str = "", checkable: bool = False) -> QAction:
        a = QAction(text, self)
        a.setObjectName(name)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                a.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                a.setShortcut(QKeySequence(shortcut))
        if icon_name:
            a.setIcon(icons.icon(icon_name))
            a.setProperty("iconName", icon_name)
        tip = tip or text.replace("&", "").rstrip(".…")
        if a.shortcut().toString():
            tip += f" ({a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
        a.setToolTip(tip)
        a.setStatusTip(tip)
        a.setCheckable(checkable)
        if slot is not None:
            a.triggered.connect(slot)
        setattr(self, name, a)
        return a

    def _create_actions(self) -> None:
        A = self._action
        A("actionNew", "&New", self.new_project, "Ctrl+N", "new", "New project")
        A("actionOpen", "&Open…", self.open_dialog, "Ctrl+O", "open", "Open a project")
        A("actionSave", "&Save", self.save, "Ctrl+S", "save", "Save the project")
        A("actionSaveAs", "Save &As…", self.save_as, "Ctrl+Shift+S", "save-as", "Save the project under a new name")
        A("actionQuit", "&Quit", self.close, "Ctrl+Q", "quit", "Quit nnviz")
        stack = self.document.undo_stack
        self.actionUndo = stack.createUndoAction(self, "&Undo")
        self.actionUndo.setObjectName("actionUndo")
        self.actionUndo.setShortcut(QKeySequence("Ctrl+Z"))
        self.actionUndo.setIcon(icons.icon("undo"))
        self.actionUndo.setProperty("iconName", "undo")
        self.actionRedo = stack.createRedoAction(self, "&Redo")
        self.actionRedo.setObjectName("actionRedo")
        self.actionRedo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.actionRedo.setIcon(icons.icon("redo"))
        self.actionRedo.setProperty("iconName", "redo")
        stack.undoTextChanged.connect(self._on_undo_stack_text_changed)
        stack.redoTextChanged.connect(self._on_undo_stack_text_changed)
        self._on_undo_stack_text_changed()
        A("actionDelete", "&Delete", self.delete_selection, "Del", "delete",
          "Delete the selected layers")
        self.actionDelete.setEnabled(False)
        A("actionLayerView", "&Layer View", lambda: self.set_view_mode("layers"), "Ctrl+1", "layers",
          "Show the network as layers", checkable=True)
        A("actionNeuronView", "&Neuron View", lambda: self.set_view_mode("neurons"), "Ctrl+2", "neurons",
          "Show the dense part of the network as neurons and weights", checkable=True)
        group = QActionGroup(self)
        group.setExclusive(True)
        group.addAction(self.actionLayerView)
        group.addAction(self.actionNeuronView)
        A("actionFitView", "&Fit to View", self.fit_to_view, "Ctrl+0", "fit", "Fit the diagram into the view")
        A("actionZoomIn", "Zoom &In", lambda: self.layer_view.zoom_by(1.2), ["Ctrl++", "Ctrl+="], "zoom-in")
        A("actionZoomOut", "Zoom &Out", lambda: self.layer_view.zoom_by(1 / 1.2), "Ctrl+-",
          "zoom-out")
        A("actionResetLayout", "&Reset Layout", self.reset_layout, None, None, "Put every panel back in its place")
        A("actionDarkTheme", "&Dark Theme", self._on_dark_theme_toggled, None, "theme", "Switch light / dark",
          checkable=True)
        A("actionShortcuts", "&Keyboard Shortcuts", self.show_shortcuts, "F1", "keyboard")
        A("actionAbout", "&About nnviz", self.show_about, None, "info")
        A("actionTrain", "&Train", self._on_train_triggered, None, "train",
          "Train the network (needs a valid architecture)")
        self._placeholder_train = self.actionTrain   # replaced when the training controls bring theirs
        self.register_training_action(self.actionTrain)

    def _on_undo_stack_text_changed(self, _text: str = "") -> None:
        try:
            self.actionUndo.setToolTip(f"{self.actionUndo.text().replace('&', '')} (Ctrl+Z)")
            self.actionRedo.setToolTip(f"{self.actionRedo.text().replace('&', '')} (Ctrl+Shift+Z)")
        except RuntimeError:  # the actions are already gone while the window is being destroyed
            pass

    def _create_menus(self) -> None:
        bar = self.menuBar()
        file_menu = self.menu("File")
        file_menu.setTitle("&File")
        file_menu.addAction(self.actionNew)
        file_menu.addAction(self.actionOpen)
        recent = self.menu("File/Open Recent")
        recent.setTitle("Open &Recent")
        recent.aboutToShow.connect(self._fill_recent_menu)
        examples = self.menu("File/Examples")
        examples.setTitle("&Examples")
        examples.aboutToShow.connect(self._fill_examples_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.actionSave)
        file_menu.addAction(self.actionSaveAs)
        export = self.menu("File/Export")
        export.setTitle("E&xport")
        export.setIcon(icons.icon("export"))
        export.setEnabled(True)
        file_menu.addSeparator()
        file_menu.addAction(self.actionQuit)
        self._fill_recent_menu()
        self._fill_examples_menu()

        edit = self.menu("Edit")
        edit.setTitle("&Edit")
        edit.addAction(self.actionUndo)
        edit.addAction(self.actionRedo)
        edit.addSeparator()
        edit.addAction(self.actionDelete)

        view = self.menu("View")
        view.setTitle("&View")
        self._dock_toggles_end = view.addSeparator()
        view.addAction(self.actionResetLayout)
        view.addSeparator()
        view.addAction(self.actionLayerView)
        view.addAction(self.actionNeuronView)
        view.addSeparator()
        view.addAction(self.actionFitView)
        view.addAction(self.actionZoomIn)
        view.addAction(self.actionZoomOut)
        view.addSeparator()
        view.addAction(self.actionDarkTheme)

        help_menu = self.menu("Help")
        help_menu.setTitle("&Help")
        help_menu.addAction(self.actionShortcuts)
        help_menu.addSeparator()
        help_menu.addAction(self.actionAbout)
        bar.setNativeMenuBar(False)

    def _create_toolbar(self) -> None:
        tb = QToolBar("Main toolbar", self)
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setIconSize(QSize(20, 20))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        for a in (self.actionNew, self.actionOpen, self.actionSave):
            tb.addAction(a)
        tb.addSeparator()
        for a in (self.actionUndo, self.actionRedo, self.actionDelete):
            tb.addAction(a)
        tb.addSeparator()
        self.actionLayerView.setIconText("Layers")      # short labels on the toolbar, the full ones in View
        self.actionNeuronView.setIconText("Neurons")
        for a in (self.actionLayerView, self.actionNeuronView):
            tb.addAction(a)
            tb.widgetForAction(a).setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addAction(self.actionFitView)
        tb.addSeparator()
        tb.addAction(self.actionTrain)
        tb.widgetForAction(self.actionTrain).setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        self.toolbar = tb

    def _create_status_bar(self) -> None:
        sb = self.statusBar()
        sb.setObjectName("statusBar")
        self.params_label = QLabel()
        self.params_label.setObjectName("statusParams")
        self.validity_label = QLabel()
        self.validity_label.setObjectName("statusValidity")
        self.zoom_label = QLabel("Zoom 100 %")
        self.zoom_label.setObjectName("statusZoom")
        self.zoom_label.setToolTip("Zoom of the layer view (Ctrl+wheel)")
        sb.addPermanentWidget(self.validity_label)
        sb.addPermanentWidget(self.params_label)
        sb.addPermanentWidget(self.zoom_label)
        # "Zoom": next to the training's epoch and step, a bare "110 %" read like the progress of the run
        self.layer_view.zoom_changed.connect(lambda z: self.zoom_label.setText(f"Zoom {z * 100:.0f} %"))

    # ================================================================== view
    def set_view_mode(self, mode: str) -> None:
        """``"layers"`` or ``"neurons"``: which canvas the central area shows."""
        if mode not in ("layers", "neurons"):
            raise ValueError(f"view mode is 'layers' or 'neurons', got {mode!r}")
        self.stack.setCurrentWidget(self.layer_view if mode == "layers" else self.neuron_view)
        (self.actionLayerView if mode == "layers" else self.actionNeuronView).setChecked(True)
        for a in (self.actionZoomIn, self.actionZoomOut):
            a.setEnabled(mode == "layers")
        self.view_mode_changed.emit(mode)

    def view_mode(self) -> str:
        return "layers" if self.stack.currentWidget() is self.layer_view else "neurons"

    def fit_to_view(self) -> None:
        if self.view_mode() == "layers":
            self.layer_view.fit_to_view()
        else:
            self.neuron_view.fit_to_view()

    # the default layout, as shares of the window: the left column (layer palette, data), the right column
    # (inspector, settings) and the bottom row (the training plots); docks never go below their minimum size
    LEFT_SHARE, LEFT_MAX = 0.23, 440
    RIGHT_SHARE, RIGHT_MIN, RIGHT_MAX = 0.24, 340, 470
    BOTTOM_SHARE, BOTTOM_MIN = 0.345, 230
    #: below this window height the palette and the data panel take turns in the left column (tabs): stacked,
    #: the data panel would keep about 100 px under the palette's tiles
    SHORT_HEIGHT = 820

    def reset_layout(self) -> None:
        """Every dock back to its default place and size (as on the first launch), docked."""
        size = self.size()
        self._share_left_column(rearrange=False)
        for dock, _area, _tab in self.docks.values():   # all out first: no half-built layout that needs more room
            dock.hide()                                  # than the window has (which would grow the window)
            dock.setFloating(False)
            self.removeDockWidget(dock)
        for name, (dock, area, tab_with) in self.docks.items():
            self.addDockWidget(area, dock)
            dock.hide()
            if tab_with and tab_with in self.docks:
                self.tabifyDockWidget(self.docks[tab_with][0], dock)
        for name, (dock, _area, _tab) in self.docks.items():
            dock.setVisible(self._dock_hints.get(name, {}).get("visible", True))
        if self.size() != size and not self.isMaximized() and not self.isFullScreen():
            self.resize(size)
        self._raise_front_docks()
        self.apply_default_sizes()
        self.layout_reset.emit()

    def _raise_front_docks(self) -> None:
        for name, (dock, _area, _tab) in self.docks.items():
            if self._dock_hints.get(name, {}).get("front"):
                dock.raise_()

    def _dock_groups(self, area) -> list[tuple[QDockWidget, float, int]]:
        """The visible docks of ``area`` in the order they were added, one per tab group, with the group's share
        and minimum length."""
        groups: dict[str, tuple[QDockWidget, float, int]] = {}
        for name, (dock, a, tab_with) in self.docks.items():
            if a != area or dock.isHidden() or dock.isFloating():
                continue
            root = name
            while self.docks.get(root, (None, None, None))[2] in self.docks:
                root = self.docks[root][2]
            if root not in groups:
                hints = self._dock_hints.get(root, {})
                groups[root] = (dock, hints.get("share", 1.0), hints.get("min_length", 0))
        return list(groups.values())

    @staticmethod
    def _split(length: int, groups) -> list[int]:
        """``length`` pixels shared out by the groups' shares, a group's minimum length first when there is room."""
        fixed = {i: m for i, (_d, share, m) in enumerate(groups)
                 if m and m > length * share / (sum(s for _d, s, _m in groups) or 1.0)}
        if sum(fixed.values()) >= length:
            fixed = {}
        rest = length - sum(fixed.values())
        total = sum(share for i, (_d, share, _m) in enumerate(groups) if i not in fixed) or 1.0
        return [fixed[i] if i in fixed else max(1, int(rest * share / total))
                for i, (_d, share, _m) in enumerate(groups)]

    def apply_default_sizes(self) -> None:
        """The default proportions: side columns wide enough for the palette's tiles, the data panel and the
        training settings; a bottom row of plots about a third of the height; the rest for the canvas."""
        self._share_left_column()
        width, height = self.width(), self.height()
        areas = Qt.DockWidgetArea
        left, right, bottom = (self._dock_groups(a) for a in (areas.LeftDockWidgetArea, areas.RightDockWidgetArea,
                                                             areas.BottomDockWidgetArea))
        if left:
            self.resizeDocks([left[0][0]], [min(int(width * self.LEFT_SHARE), self.LEFT_MAX)],
                             Qt.Orientation.Horizontal)
        if right:
            self.resizeDocks([right[0][0]], [max(self.RIGHT_MIN, min(int(width * self.RIGHT_SHARE),
                                                                      self.RIGHT_MAX))], Qt.Orientation.Horizontal)
        if bottom:
            self.resizeDocks([bottom[0][0]], [max(self.BOTTOM_MIN, int(height * self.BOTTOM_SHARE))],
                             Qt.Orientation.Vertical)
        for groups, orientation, length in ((left, Qt.Orientation.Vertical, height),
                                            (right, Qt.Orientation.Vertical, height),
                                            (bottom, Qt.Orientation.Horizontal, width)):
            if len(groups) > 1:
                self.resizeDocks([g[0] for g in groups], self._split(length, groups), orientation)

    _size_docks = apply_default_sizes

    def _share_left_column(self, rearrange: bool = True) -> None:
        """The default layout for the window's height: palette and data panel stacked in the left column, or
        on a short window (``SHORT_HEIGHT``) tabs of one dock, the palette in front, each with the whole column.
        ``rearrange=False`` only records it, for Reset Layout to rebuild."""
        if "dockData" not in self.docks or "dockPalette" not in self.docks:
            return
        data, area, partner = self.docks["dockData"]
        palette = self.docks["dockPalette"][0]
        wanted = "dockPalette" if self.height() < self.SHORT_HEIGHT else None
        if partner == wanted:
            return
        self.docks["dockData"] = (data, area, wanted)   # what Reset Layout rebuilds, and how the column is sized
        if not rearrange or data.isFloating() or palette.isFloating() or \
                self.dockWidgetArea(data) != self.dockWidgetArea(palette):
            return
        if wanted:
            self.tabifyDockWidget(palette, data)
            palette.raise_()
        else:   # out of the tabs, back under the palette
            self.removeDockWidget(data)
            self.addDockWidget(area, data)
            data.show()

    def fit_to_screen(self) -> None:
        """The first launch: the whole available screen (maximized where a window manager does that)."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        self.setGeometry(screen.availableGeometry())
        self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def has_saved_layout(self) -> bool:
        return self.settings.value("window/geometry") is not None

    def _on_dark_theme_toggled(self, checked: bool) -> None:
        app = QApplication.instance()
        theme.apply_theme(app, "dark" if checked else "light")
        self.settings.setValue("theme", "dark" if checked else "light")

    def _on_theme_changed(self, name: str) -> None:
        self.actionDarkTheme.setChecked(name == "dark")
        for a in self.findChildren(QAction):
            icon_name = a.property("iconName")
            if icon_name:
                a.setIcon(icons.icon(icon_name))
        self.menu("File/Export").setIcon(icons.icon("export"))
        self._on_document_validity_changed(self.document.is_valid)

    # ================================================================== editing
    def delete_selection(self) -> None:
        indices = [i for i in self.layer_view.selected_indices() if i >= 0]
        if indices:
            self.document.remove_layers(indices)

    def _on_layer_view_selection_changed(self, indices: list[int]) -> None:
        self.actionDelete.setEnabled(any(i >= 0 for i in indices))

    def _on_palette_layer_activated(self, layer_type: str) -> None:
        index = self.document.add_layer(self.document.layer_count(), layer_type)
        self.layer_view.select_indices([index])
        self.status_message(f"Added {layer_type} at position {index + 1}")

    def _on_banner_show_requested(self) -> None:
        err = self.document.error
        if err is not None and err.layer_index >= 0:
            self.set_view_mode("layers")
            self.layer_view.select_indices([err.layer_index])

    def set_notice(self, text: str, action_text: str = "", action=None) -> None:
        """Show ``text`` in the amber strip above the canvas ("" hides it), with a button ``action_text`` that
        calls ``action`` when both are given: why the network cannot train, and the fix."""
        self.notice.set_notice(text, action_text, action)

    def set_train_handler(self, handler) -> None:
        """What ``actionTrain`` does (the training panel's ``train``/``pause`` toggle)."""
        self._train_handler = handler

    def _on_train_triggered(self) -> None:
        if self._train_handler is not None:
            self._train_handler()
        else:
            self.status_message("Training is not available in this build.")

    # ================================================================== document observers
    def _on_document_validity_changed(self, valid: bool) -> None:
        for a in self.training_actions:
            a.setEnabled(valid)
        err = self.document.error
        if valid or err is None:
            self.banner.set_message("", False)
            self.validity_label.setText("✓ valid")
            self.validity_label.setStyleSheet(f"color: {theme.colors()['muted']}")
            self.validity_label.setToolTip("The architecture builds")
        else:
            self.banner.set_message(str(err), err.layer_index >= 0)
            self.validity_label.setText("✗ invalid architecture")
            self.validity_label.setStyleSheet(f"color: {theme.colors()['error']}; font-weight: bold")
            self.validity_label.setToolTip(str(err))

    def _on_document_architecture_changed(self) -> None:
        doc = self.document
        self._update_title()
        if not doc.is_valid and doc.error is not None:
            self.banner.set_message(str(doc.error), doc.error.layer_index >= 0)
            self.validity_label.setToolTip(str(doc.error))
        model = doc.model
        n = doc.layer_count()
        if model is not None:
            self.params_label.setText(f"{n} layer{'s' if n != 1 else ''} · {model.count_params():,} params")
        else:
            self.params_label.setText(f"{n} layer{'s' if n != 1 else ''}")

    def _on_document_modified_changed(self, _modified: bool) -> None:
        self._update_title()

    def _on_document_path_changed(self, _path: str) -> None:
        self._update_title()

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.title}[*] — nnviz")
        self.setWindowModified(self.document.is_modified)

    # ================================================================== files
    def maybe_save(self) -> bool:
        """True when it is fine to replace or close the project (saved, discarded or unmodified)."""
        if not self.document.is_modified:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_project(self) -> bool:
        if not self.maybe_save():
            return False
        self.document.new()
        self.layer_view.fit_to_view()
        self.status_message("New project")
        return True

    def open_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        path = self.ask_open_path()
        return self.open_file(path, ask=False) if path else False

    def open_file(self, path: str, ask: bool = True, as_example: bool = False) -> bool:
        """Open ``path``; on any problem show it and keep the current project. ``as_example`` opens an
        untitled copy (Save then asks where)."""
        if ask and not self.maybe_save():
            return False
        from nnviz.io.project import ProjectError, load_project
        try:
            project = load_project(path)
            self.document.load_project(project, "" if as_example else os.path.abspath(path))
        except ProjectError as exc:
            self.show_error("Cannot open the project", f"{os.path.basename(path)} cannot be opened:\n\n{exc}")
            return False
        except (ValueError, TypeError, KeyError, OSError) as exc:
            self.show_error("Cannot open the project", f"{os.path.basename(path)} cannot be opened:\n\n{exc}")
            return False
        if not as_example:
            self._add_recent(os.path.abspath(path))
        self.layer_view.select_indices([])
        self.layer_view.fit_to_view()
        if self.neuron_view.isVisible():
            self.neuron_view.fit_to_view()
        self.status_message(f"Opened {self.document.title}")
        return True

    def open_example(self, path: str) -> bool:
        return self.open_file(path, ask=True, as_example=True)

    def save(self) -> bool:
        if not self.document.path:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        if not path:
            return False
        if not path.endswith(".nnviz"):
            path += ".nnviz"
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        from nnviz.io.project import ProjectError, save_project
        try:
            save_project(path, self.document.to_project())
        except (ProjectError, OSError, ValueError) as exc:
            self.show_error("Cannot save the project", f"{os.path.basename(path)} was not written:\n\n{exc}")
            return False
        self.document.mark_saved(os.path.abspath(path))
        self._add_recent(os.path.abspath(path))
        self.status_message(f"Saved {os.path.basename(path)}")
        return True

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path: str) -> None:
        files = [p for p in self.recent_files() if p != path]
        files.insert(0, path)
        self.settings.setValue("recent_files", files[:MAX_RECENT])
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        menu = self.menu("File/Open Recent")
        menu.clear()
        files = self.recent_files()
        for i, path in enumerate(files):
            a = menu.addAction(f"&{i + 1}  {os.path.basename(path)}" if i < 9 else os.path.basename(path))
            a.setObjectName(f"actionRecent{i}")
            a.setToolTip(path)
            a.setStatusTip(path)
            a.triggered.connect(lambda _c=False, p=path: self._open_recent(p))
        if files:
            menu.addSeparator()
            clear = menu.addAction("Clear Recent")
            clear.setObjectName("actionClearRecent")
            clear.triggered.connect(self._clear_recent)
        else:
            empty = menu.addAction("No recent projects")
            empty.setEnabled(False)

    def _open_recent(self, path: str) -> None:
        if not os.path.exists(path):
            self.settings.setValue("recent_files", [p for p in self.recent_files() if p != path])
            self._fill_recent_menu()
            self.show_error("Cannot open the project", f"{path} no longer exists.")
            return
        self.open_file(path)

    def _clear_recent(self) -> None:
        self.settings.setValue("recent_files", [])
        self._fill_recent_menu()

    def _fill_examples_menu(self) -> None:
        menu = self.menu("File/Examples")
        menu.clear()
        found = example_files()
        for i, (title, path) in enumerate(found):
            a = menu.addAction(title)
            a.setObjectName(f"actionExample_{os.path.splitext(os.path.basename(path))[0]}")
            a.setStatusTip(f"Open the example '{title}' as a new, untitled project")
            a.triggered.connect(lambda _c=False, p=path: self.open_example(p))
        if not found:
            empty = menu.addAction("No examples installed")
            empty.setEnabled(False)

    # ================================================================== autosave recovery
    def _on_autosave_failed(self, message: str) -> None:
        self.status_message(f"Autosave failed: {message}")

    def offer_recovery(self) -> bool:
        """After a crash: offer the newest autosave left behind. True if one was restored."""
        entries = self.autosave.orphans()
        if not entries:
            return False
        entry = entries[0]
        answer = self.ask_recover(entry)
        if answer == "later":
            return False
        if answer != "recover":
            for e in entries:
                AutosaveManager.discard(e)
            return False
        from nnviz.io.project import ProjectError, load_project
        try:
            project = load_project(entry.project_path)
            self.document.load_project(project, entry.original_path)
        except (ProjectError, ValueError, OSError) as exc:
            self.show_error("Cannot recover the project", f"The autosaved project cannot be opened:\n\n{exc}")
            return False
        self.document.mark_modified()
        AutosaveManager.discard(entry)
        self.layer_view.fit_to_view()
        self.status_message("Recovered the autosaved project: save it to keep it")
        return True

    # ================================================================== dialogs (replaceable in tests)
    def ask_save_changes(self) -> str:
        """"save", "discard" or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"“{self.document.title}” has unsaved changes. Save them first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        result = box.exec()
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(QMessageBox.StandardButton(result), "cancel")

    def ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", self._last_dir(), FILE_FILTER)
        return path

    def ask_save_path(self) -> str:
        from nnviz.ui.image_export import safe_file_name
        start = self.document.path or os.path.join(self._last_dir(),
                                                    safe_file_name(self.document.title, "Untitled") + ".nnviz")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, FILE_FILTER)
        return path

    def ask_recover(self, entry) -> str:
        """"recover", "discard" or "later"."""
        box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work",
                          "nnviz did not close properly last time. An autosaved project was found:\n\n"
                          f"{entry.describe()}\n\nRecover it?", QMessageBox.StandardButton.NoButton, self)
        rec = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
        dis = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        return "recover" if clicked is rec else "discard" if clicked is dis else "later"

    def _forget_error_box(self, box) -> None:
        if self._error_box is box:  # a newer box may already have replaced this one
            self._error_box = None

    def show_error(self, title: str, text: str) -> None:
        """A non-blocking message box (kept in ``_error_box``); the text is also kept in ``last_error``."""
        self.last_error = text
        if self._error_box is not None:
            self._error_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorMessageBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.destroyed.connect(lambda *_, gone=box: self._forget_error_box(gone))
        self._error_box = box
        box.open()
        self.error_shown.emit(text)

    def _last_dir(self) -> str:
        if self.document.path:
            return os.path.dirname(self.document.path)
        files = self.recent_files()
        return os.path.dirname(files[0]) if files else os.path.expanduser("~")

    def show_shortcuts(self) -> QDialog:
        dlg = QDialog(self)
        dlg.setObjectName("shortcutsDialog")
        dlg.setWindowTitle("Keyboard shortcuts")
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        rows = []
        for a in self.findChildren(QAction):
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts())
            if keys and a.text():
                rows.append((a.text().replace("&", "").split("  ")[0], keys))
        rows += [("Zoom the diagram", "Ctrl+wheel"), ("Pan the diagram", "Middle button drag / wheel"),
                 ("Backprop stepper: next / previous step", "→ / ←"),
                 ("Append a layer", "Double-click a palette item"), ("Reorder layers", "Drag a block")]
        table = QTableWidget(len(rows), 2, dlg)
        table.setHorizontalHeaderLabels(["Command", "Shortcut"])
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (cmd, keys) in enumerate(sorted(set(rows))):
            table.setItem(r, 0, QTableWidgetItem(cmd))
            table.setItem(r, 1, QTableWidgetItem(keys))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dlg)
        buttons.rejected.connect(dlg.close)
        lay = QVBoxLayout(dlg)
        lay.addWidget(table)
        lay.addWidget(buttons)
        dlg.resize(460, 480)
        dlg.show()
        return dlg

    def show_about(self) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About nnviz",
                          f"<h3>nnviz {__version__}</h3><p>Draw, train and step through small neural networks."
                          "</p><p>A Keras-compatible NumPy core with a Qt desktop editor: layers, neurons, "
                          "live training views and step-by-step backpropagation.</p><p>MIT licence.</p>",
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("aboutBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setIconPixmap(icons.icon("neurons", theme.colors()["accent"]).pixmap(48, 48))
        box.open()
        return box

    # ================================================================== settings and closing
    def restore_settings(self) -> None:
        self._settings_restored = True
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        else:   # the first launch: the default layout, once the window has its size
            self._raise_front_docks()
            QTimer.singleShot(0, self.apply_default_sizes)
        mode = self.settings.value("view/mode", "layers")
        if mode in ("layers", "neurons"):
            self.set_view_mode(mode)

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("view/mode", self.view_mode())
        self.settings.sync()

    def showEvent(self, event):
        if not self._settings_restored:
            self.restore_settings()
            QTimer.singleShot(0, self.layer_view.fit_to_view)
        super().showEvent(event)

    def closeEvent(self, event):
        if not self.maybe_save():
            event.ignore()
            return
        self._closing = True
        self.about_to_close.emit()
        self.save_settings()
        self.autosave.stop()
        self.autosave.discard_own()
        if self._error_box is not None:
            self._error_box.close()
        event.accept()
