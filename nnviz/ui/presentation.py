"""Presentation mode and "one view fills the window", for a lecture.

* **Present** (F11, View ▸ Present): the window goes full screen at the presentation zoom remembered for this
  screen (150 % the first time), the diagram fitted to the canvas whenever the canvas changes size (until the user
  zooms it with Ctrl+wheel); F11 again returns to the window, its zoom and its dock layout. Zooming while
  presenting changes the presentation zoom of that screen. On a screen too small for the panels side by side at
  that zoom (``COMPACT_WIDTH``), each dock area's panels become tabs of one group (``compact_layout``).
* **Maximize View** (Ctrl+Shift+F, View ▸ Maximize Current View): the view you are in — the dock holding the
  keyboard focus or under the mouse, else the canvas — fills the window; the same key brings every panel back
  exactly where it was (the window's dock state is saved and restored).

:class:`PresentationController` owns the two actions; the window creates it and asks :meth:`restore_all` before it
saves its layout (so a maximized view is never saved as the layout).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCursor, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget

from nnviz.ui import zoom

#: the zoom presenting starts at on a screen that has none remembered
DEFAULT_PRESENT_ZOOM = 1.5


class PresentationController(QObject):
    presentation_changed = Signal(bool)
    maximized_changed = Signal(str)   # the object name of the view filling the window ("canvas"), "" when restored

    def __init__(self, window, settings: QSettings | None = None):
        super().__init__(window)
        self.window = window
        self.settings = settings if settings is not None else window.settings
        self._saved_state = None
        self._maximized = ""
        self._before_present: tuple | None = None   # (window state, zoom) to return to

        self.actionPresent = QAction("&Present", window)
        self.actionPresent.setObjectName("actionPresent")
        self.actionPresent.setShortcut(QKeySequence("F11"))
        self.actionPresent.setCheckable(True)
        self.actionPresent.setToolTip("Full screen at the presentation zoom; F11 again returns (F11)")
        self.actionPresent.toggled.connect(self.set_presenting)
        self.actionMaximizeView = QAction("&Maximize Current View", window)
        self.actionMaximizeView.setObjectName("actionMaximizeView")
        self.actionMaximizeView.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.actionMaximizeView.setCheckable(True)
        self.actionMaximizeView.setToolTip("The view you are in fills the window; the same key brings the panels "
                                           "back (Ctrl+Shift+F)")
        self.actionMaximizeView.triggered.connect(self._on_maximize_triggered)
        for a in (self.actionPresent, self.actionMaximizeView):
            a.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            window.addAction(a)

    # ------------------------------------------------------------------ presentation
    def is_presenting(self) -> bool:
        return self._before_present is not None

    def _present_key(self) -> str:
        return "present/" + zoom.screen_key(self.window.screen()).split("/", 1)[1]

    def set_presenting(self, on: bool) -> None:
        if on == self.is_presenting():
            return
        w = self.window
        if on:
            self.restore_all()
            self._before_present = (w.windowState(), zoom.factor(), w.saveState())
            try:
                target = float(self.settings.value(self._present_key(), DEFAULT_PRESENT_ZOOM))
            except (TypeError, ValueError):
                target = DEFAULT_PRESENT_ZOOM
            w.showFullScreen()
            w.set_ui_zoom(target, remember=False)
            w.layer_view.set_fit_on_resize(True)   # the diagram fills the canvas, big enough to read from the back
            screen = w.screen()
            if screen is not None and screen.geometry().width() / zoom.factor() < w.COMPACT_WIDTH:
                w.compact_layout()
                QTimer.singleShot(0, w.apply_default_sizes)   # (once the window is full screen)
        else:
            self.restore_all()
            state, before_zoom, dock_state = self._before_present
            self.settings.setValue(self._present_key(), zoom.factor())
            self._before_present = None
            w.layer_view.set_fit_on_resize(False)
            w.set_ui_zoom(before_zoom, remember=False)
            w.restoreState(dock_state)
            QTimer.singleShot(0, w, w.hide_stale_tab_bars)   # (not after the window is gone)
            if state & Qt.WindowState.WindowMaximized:
                w.showMaximized()
            else:
                w.showNormal()
        self.actionPresent.blockSignals(True)
        self.actionPresent.setChecked(on)
        self.actionPresent.blockSignals(False)
        self.presentation_changed.emit(on)

    def zoom_changed_while_presenting(self, value: float) -> None:
        if self.is_presenting():
            self.settings.setValue(self._present_key(), value)

    # ------------------------------------------------------------------ one view fills the window
    def maximized(self) -> str:
        return self._maximized

    def current_view(self) -> QDockWidget | None:
        """The dock the user is in: the one holding the keyboard focus, else the one under the mouse; None for the
        canvas."""
        docks = [entry[0] for entry in getattr(self.window, "docks", {}).values()]
        focus = QApplication.focusWidget()
        for d in docks:
            if focus is not None and d.isVisible() and (d is focus or d.isAncestorOf(focus)):
                return d
        under = QApplication.widgetAt(QCursor.pos())
        for d in docks:
            if under is not None and d.isVisible() and (d is under or d.isAncestorOf(under)):
                return d
        return None

    def _on_maximize_triggered(self) -> None:
        self.toggle_maximize()

    def toggle_maximize(self, dock: QDockWidget | None | str = "current") -> None:
        """Fill the window with ``dock`` (None: the canvas; "current": :meth:`current_view`), or restore."""
        if self._saved_state is not None:
            self.restore_all()
            return
        if dock == "current":
            dock = self.current_view()
        self.maximize(dock)

    def maximize(self, dock: QDockWidget | None) -> None:
        w = self.window
        if self._saved_state is not None and self._maximized == (dock.objectName() if dock is not None else "canvas"):
            return   # (it fills the window already: the stepper opened so, say)
        if self._saved_state is not None:
            self.restore_all()
        self._saved_state = w.saveState()
        for entry in getattr(w, "docks", {}).values():
            other = entry[0]
            if other is not dock:
                other.hide()
        if dock is None:
            self._maximized = "canvas"
        else:
            if dock.isFloating():
                dock.setFloating(False)
            w.centralWidget().hide()
            dock.show()
            dock.raise_()
            self._maximized = dock.objectName()
        QTimer.singleShot(0, w, w.hide_stale_tab_bars)   # (not after the window is gone)
        self.actionMaximizeView.setChecked(True)
        self.maximized_changed.emit(self._maximized)

    def restore_all(self) -> None:
        """Every panel back where it was before a view filled the window."""
        if self._saved_state is None:
            return
        w = self.window
        state, self._saved_state = self._saved_state, None
        w.centralWidget().show()
        w.restoreState(state)
        QTimer.singleShot(0, w, w.hide_stale_tab_bars)   # (not after the window is gone)
        self._maximized = ""
        self.actionMaximizeView.setChecked(False)
        self.maximized_changed.emit("")
