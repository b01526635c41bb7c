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

The window's jobs live in their own modules: the docks and the default layout in :mod:`nnviz.ui.dock_layout`
(on the first launch ``app.build`` sizes the window to the screen with ``fit_to_screen``; later launches restore
the saved geometry and layout), the file lifecycle (new, open, save, recent, examples, autosave recovery) in
:mod:`nnviz.ui.window_files`, the error and notice strips in :mod:`nnviz.ui.banners`, the theme and the UI zoom
in :mod:`nnviz.ui.window_looks`, the shortcuts and About dialogs in :mod:`nnviz.ui.window_help`.

Dialogs go through small methods (``ask_save_changes``, ``ask_open_path``, ``ask_save_path``,
``ask_recover``, ``show_error``) so tests can replace them.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QFrame, QLabel, QMainWindow, QMenu, QMessageBox, QScrollArea,
                               QStackedWidget, QToolBar, QVBoxLayout, QWidget)

from nnviz.io.examples import EXAMPLES_DIR  # noqa: F401  (where the bundled examples are; tests open them)
from nnviz.session.autosave import AutosaveManager
from nnviz.session.document import ProjectDocument
from nnviz.ui import icons, theme, zoom
from nnviz.ui.banners import ErrorBanner, NoticeBanner
from nnviz.ui.classroom import ClassroomController
from nnviz.ui.dock_layout import DockLayoutMixin
from nnviz.ui.inspector import InspectorWidget
from nnviz.ui.layer_view import LayerView
from nnviz.ui.neuron_view import NeuronView
from nnviz.ui.palette import LayerPalette
from nnviz.ui.presentation import PresentationController
from nnviz.ui.summary_dock import SummaryWidget
from nnviz.ui.status_fit import StatusBarFitter
from nnviz.ui.window_files import FILE_FILTER, MAX_RECENT, ProjectFilesMixin  # noqa: F401
from nnviz.ui.window_help import WindowHelpMixin
from nnviz.ui.window_looks import WindowLooksMixin


class MainWindow(WindowLooksMixin, WindowHelpMixin, DockLayoutMixin, ProjectFilesMixin, QMainWindow):
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
        # the palette is as tall as its tiles; in a scroll area a short column (a 720-pixel projector at 175 %)
        # scrolls it instead of taking the height the plots under it need (at 100 % it keeps its whole height)
        self.palette_scroll = palette_scroll = QScrollArea()
        palette_scroll.setObjectName("paletteScroll")
        palette_scroll.setWidgetResizable(True)
        palette_scroll.setFrameShape(QFrame.Shape.NoFrame)
        palette_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        palette_scroll.setWidget(self.palette)
        self.add_dock(palette_scroll, "Layers", Qt.DockWidgetArea.LeftDockWidgetArea, "dockPalette", share=0.3)
        self._fit_palette_scroll()
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
        zoom.state().zoom_changed.connect(self._on_ui_zoom_changed)
        self.presentation.maximized_changed.connect(self.classroom.schedule)
        self.set_view_mode("layers")

    # ================================================================== extension points
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
        # the diagram's own zoom (Ctrl+wheel) has Ctrl+Alt; Ctrl+= / Ctrl+- / Ctrl+0 zoom the whole UI
        A("actionFitView", "&Fit to View", self.fit_to_view, "Ctrl+Alt+0", "fit", "Fit the diagram into the view")
        A("actionZoomIn", "Zoom Diagram &In", lambda: self.layer_view.zoom_by(1.2), "Ctrl+Alt+=", "zoom-in")
        A("actionZoomOut", "Zoom Diagram &Out", lambda: self.layer_view.zoom_by(1 / 1.2), "Ctrl+Alt+-",
          "zoom-out")
        A("actionUiZoomIn", "&Larger Text and Plots", lambda: self.step_ui_zoom(+1), ["Ctrl+=", "Ctrl++"], None,
          "Zoom the whole window in: text, plots, the diagram")
        A("actionUiZoomOut", "&Smaller Text and Plots", lambda: self.step_ui_zoom(-1), "Ctrl+-", None,
          "Zoom the whole window out")
        A("actionUiZoomReset", "&Actual Size", lambda: self.set_ui_zoom(1.0), "Ctrl+0", None,
          "The whole window at 100 %")
        A("actionResetLayout", "&Reset Layout", self.reset_layout, None, None, "Put every panel back in its place")
        A("actionDarkTheme", "&Dark Theme", self._on_dark_theme_toggled, None, "theme", "Switch light / dark",
          checkable=True)
        self.theme_actions: dict[str, QAction] = {}
        themes = QActionGroup(self)
        themes.setExclusive(True)
        for name, title in theme.THEME_TITLES.items():
            a = A("actionTheme" + "".join(p.capitalize() for p in name.split("-")), title,
                  lambda _checked=False, n=name: self.set_theme(n), None, None, f"The {title.replace('&', '')} "
                  "theme", checkable=True)
            themes.addAction(a)
            self.theme_actions[name] = a
        self.theme_actions[theme.current_name()].setChecked(True)
        self.presentation = PresentationController(self)
        self.classroom = ClassroomController(self)
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
        view.addAction(self.actionUiZoomIn)
        view.addAction(self.actionUiZoomOut)
        view.addAction(self.actionUiZoomReset)
        view.addAction(self.presentation.actionPresent)
        view.addAction(self.presentation.actionMaximizeView)
        view.addSeparator()
        view.addAction(self.actionDarkTheme)
        themes = self.menu("View/Theme")
        themes.setTitle("&Theme")
        for a in self.theme_actions.values():
            themes.addAction(a)
        view.addSeparator()
        view.addAction(self.classroom.actionClassroom)
        view.addAction(self.classroom.actionStudentView)

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
        self.status_fitter = StatusBarFitter(sb)   # fields give way, least important first, at a large zoom

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

    # ================================================================== editing
    def delete_selection(self) -> None:
        if self.layer_view.locked():   # (the classroom locked the network)
            return self.status_message(self.layer_view.locked())
        indices = [i for i in self.layer_view.selected_indices() if i >= 0]
        if indices:
            self.document.remove_layers(indices)

    def _on_layer_view_selection_changed(self, indices: list[int]) -> None:
        self.actionDelete.setEnabled(any(i >= 0 for i in indices) and not self.layer_view.locked())

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

    # ================================================================== messages
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

    # ================================================================== settings and closing
    def restore_settings(self) -> None:
        self._settings_restored = True
        geometry = self.settings.value("window/geometry")
        state = self.saved_state_for_screen()
        if geometry is not None:
            self.restoreGeometry(geometry)
            self.clamp_to_screen()
        if state is not None:
            self.restoreState(state)
        else:   # the first launch: the default layout, once the window has its size
            self._raise_front_docks()
            QTimer.singleShot(0, self.apply_default_sizes)
        mode = self.settings.value("view/mode", "layers")
        if mode in ("layers", "neurons"):
            self.set_view_mode(mode)
        self.set_ui_zoom(zoom.load_for_screen(self.settings, self.screen()), remember=False)
        self.classroom.schedule()

    def save_settings(self) -> None:
        self.presentation.restore_all()   # a view filling the window is not the layout
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue(self.state_key(), self.saveState())
        self.settings.setValue("window/state_screen", self.screen_size_key())
        self.settings.setValue("view/mode", self.view_mode())
        self.settings.sync()

    def showEvent(self, event):
        if not self._settings_restored:
            self.restore_settings()
            QTimer.singleShot(0, self.layer_view.fit_to_view)
        super().showEvent(event)
        handle = self.windowHandle()
        if handle is not None and not getattr(self, "_screen_hooked", False):
            self._screen_hooked = True
            handle.screenChanged.connect(self._on_screen_changed)
            # every plot of every panel (the panels are plugged in by now) in the theme and at the zoom; connected
            # here, after the panels' own theme slots, so it has the last word
            self._restyle_plots()
            theme.state().theme_changed.connect(self._restyle_plots)

    def _restyle_plots(self, *_args) -> None:
        from nnviz.ui.training.common import restyle_graphics
        restyle_graphics(self)

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
