"""The main window's docks: adding one (with its View toggle and its place in the default layout) and the default
layout's proportions, which the first launch and View ▸ Reset Layout both use.

The default layout: a left column (layer palette, data), a right column (inspector, training settings, summary,
predict) next to the canvas, and a full-width bottom row of training plots about a third of the height.
:class:`DockLayoutMixin` is mixed into :class:`~nnviz.ui.main_window.MainWindow`; it keeps ``docks`` (name →
``(dock, area, tabify_with)``) and ``_dock_hints`` (name → share, min_length, front, visible), both created by the
window, and emits the window's ``layout_reset``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QDockWidget, QWidget

from nnviz.ui import zoom


def _title_font(dock: QDockWidget) -> None:
    """A bold title that grows with the UI zoom. Qt draws a dock's title in a font it takes once, when the dock is
    made, unless the dock has a font of its own (the stylesheet's ``::title`` font is not used): so the dock gets
    its own bold font, and its contents their own regular one (both then follow :mod:`nnviz.ui.zoom`)."""
    title = QFont(dock.font())
    title.setBold(True)
    dock.setFont(title)
    if dock.widget() is not None:
        body = QFont(title)
        body.setBold(False)
        dock.widget().setFont(body)


def _content_height(dock: QDockWidget) -> int:
    """A dock that scrolls content of a fixed height (the layer palette) asks for that height when there is room."""
    from PySide6.QtWidgets import QScrollArea
    scroll = dock.widget()
    if not isinstance(scroll, QScrollArea) or scroll.widget() is None or scroll.objectName() != "paletteScroll":
        return 0
    title = dock.fontMetrics().height() + 16
    return scroll.widget().sizeHint().height() + title


class DockLayoutMixin:
    """Docks and the default layout for a ``QMainWindow`` (see the module's doc)."""

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
        _title_font(dock)
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
        self._compact_tabs = False
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
                groups[root] = (dock, hints.get("share", 1.0), max(hints.get("min_length", 0), _content_height(dock)
                                                                   if area != Qt.DockWidgetArea.BottomDockWidgetArea
                                                                   else 0))
        return list(groups.values())

    @staticmethod
    def _split(length: int, groups) -> list[int]:
        """``length`` pixels shared out by the groups' shares, a group's minimum length first when there is room."""
        fixed = {i: m for i, (_d, share, m) in enumerate(groups)
                 if m and m > length * share / (sum(s for _d, s, _m in groups) or 1.0)}
        if sum(fixed.values()) >= length:   # no room for every minimum: the palette's tiles first (it scrolls)
            fixed = {i: m for i, m in fixed.items() if _content_height(groups[i][0]) and m < 0.6 * length}
        rest = length - sum(fixed.values())
        total = sum(share for i, (_d, share, _m) in enumerate(groups) if i not in fixed) or 1.0
        return [fixed[i] if i in fixed else max(1, int(rest * share / total))
                for i, (_d, share, _m) in enumerate(groups)]

    def apply_default_sizes(self) -> None:
        """The default proportions: side columns wide enough for the palette's tiles, the data panel and the
        training settings; a bottom row of plots about a third of the height; the rest for the canvas. The pixel
        bounds grow with the UI zoom (text at 175 % needs 175 % of the room)."""
        self._share_left_column()
        width, height = self.width(), self.height()
        z = zoom.factor()
        areas = Qt.DockWidgetArea
        left, right, bottom = (self._dock_groups(a) for a in (areas.LeftDockWidgetArea, areas.RightDockWidgetArea,
                                                             areas.BottomDockWidgetArea))
        if left:
            self.resizeDocks([left[0][0]], [min(int(width * self.LEFT_SHARE * z), int(self.LEFT_MAX * z),
                                                int(width * 0.34))], Qt.Orientation.Horizontal)
        if right:
            self.resizeDocks([right[0][0]], [min(max(int(self.RIGHT_MIN * z), min(int(width * self.RIGHT_SHARE * z),
                                                                                  int(self.RIGHT_MAX * z))),
                                                 int(width * 0.36))], Qt.Orientation.Horizontal)
        if bottom:
            self.resizeDocks([bottom[0][0]], [min(max(int(self.BOTTOM_MIN * z), int(height * self.BOTTOM_SHARE * z)),
                                                  int(height * 0.55))], Qt.Orientation.Vertical)
        for groups, orientation, length in ((left, Qt.Orientation.Vertical, height),
                                            (right, Qt.Orientation.Vertical, height),
                                            (bottom, Qt.Orientation.Horizontal, width)):
            if len(groups) > 1:
                if any(_content_height(g[0]) for g in groups):   # the palette's column: its own height, the
                    self.layout().activate()                      # sizes set above applied (the tiles' height
                    length = sum(g[0].height() for g in groups) or length   # is in pixels, not a share)
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
        # (the compact layout keeps its tabs: a window a large zoom had stretched past SHORT_HEIGHT took the data
        # panel out from under the palette's tab again, and its minimum height went past a 720 px screen)
        compact = getattr(self, "_compact_tabs", False) and self.width() / zoom.factor() < self.COMPACT_WIDTH
        wanted = "dockPalette" if self.height() < self.SHORT_HEIGHT or compact else None
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

    #: below this width in points at 100 % (the window's width divided by the zoom) presenting takes turns: every
    #: area's docks become tabs of one group, so the one on show has the whole column or row
    COMPACT_WIDTH = 1100

    def compact_layout(self) -> None:
        """Each dock area's visible docks as tabs of one group (the one shown before in front), sized for the
        zoom: a 1280 × 720 projector at 175 % shows one plot at a readable size instead of three unreadable."""
        areas = Qt.DockWidgetArea
        for area in (areas.LeftDockWidgetArea, areas.RightDockWidgetArea, areas.BottomDockWidgetArea):
            docks = [d for d, a, _t in self.docks.values()
                     if self.dockWidgetArea(d) == area and d.isVisible() and not d.isFloating()]
            if len(docks) < 2:
                continue
            front = [d for d in docks if not d.visibleRegion().isEmpty()]
            for d in docks[1:]:
                self.tabifyDockWidget(docks[0], d)
            (front[0] if front else docks[0]).raise_()
        self._compact_tabs = True
        self.apply_default_sizes()
        for ms in (0, 200):   # (Qt may show an old group's bar again while the layout settles)
            QTimer.singleShot(ms, self.hide_stale_tab_bars)

    def hide_stale_tab_bars(self) -> None:
        """Hide the tab bars of tab groups that no longer exist. After ``restoreState`` or re-tabbing, Qt can leave
        an old group's tab bar on screen, drawn over the docks now in its place (seen after presenting and after a
        view filled the window). A tab bar in use names only docks on show and never overlaps a dock, the canvas,
        a toolbar or the status bar."""
        from PySide6.QtWidgets import QTabBar, QToolBar
        shown = [d for d, _a, _t in self.docks.values() if d.isVisible() and not d.isFloating()]
        titles = {d.windowTitle() for d in shown}
        taken = [d.geometry() for d in shown]
        for w in [self.centralWidget(), self.statusBar(), self.menuBar(), *self.findChildren(QToolBar)]:
            if w is not None and w.isVisible() and w.parent() is self:
                taken.append(w.geometry())
        for bar in self.findChildren(QTabBar):
            if bar.parent() is self and bar.isVisible():
                g = bar.geometry()
                names = {bar.tabText(i) for i in range(bar.count())}
                if not names <= titles or any(g.intersected(r).width() > 2 and g.intersected(r).height() > 2
                                              for r in taken):
                    bar.hide()

    def fit_to_screen(self) -> None:
        """The first launch: the whole available screen (maximized where a window manager does that)."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        self.setGeometry(screen.availableGeometry())
        self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def clamp_to_screen(self) -> None:
        """Keep the whole window (its frame too) on the screen it opens on: a geometry saved on a bigger screen (a
        1080p session, then a 1280×720 projector) is shrunk and moved so the status bar and the plots' bottoms show."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None or self.isFullScreen():
            return
        avail = screen.availableGeometry()
        frame, geom = self.frameGeometry(), self.geometry()
        extra_w, extra_h = frame.width() - geom.width(), frame.height() - geom.height()
        width = max(1, min(geom.width(), avail.width() - extra_w))
        height = max(1, min(geom.height(), avail.height() - extra_h))
        if (width, height) != (geom.width(), geom.height()):
            if self.isMaximized():
                self.showNormal()
            self.setMinimumSize(min(self.minimumWidth(), width), min(self.minimumHeight(), height))
            self.resize(width, height)
        x = min(max(frame.x(), avail.x()), avail.x() + avail.width() - (width + extra_w))
        y = min(max(frame.y(), avail.y()), avail.y() + avail.height() - (height + extra_h))
        if (x, y) != (frame.x(), frame.y()):
            self.move(x, y)

    def screen_size_key(self) -> str:
        screen = self.screen() or QApplication.primaryScreen()
        size = screen.availableGeometry().size() if screen is not None else None
        return f"{size.width()}x{size.height()}" if size is not None else "unknown"

    def state_key(self) -> str:
        """Where the dock layout for this screen size is saved: a 720p layout is not reused on 1080p."""
        return f"window/state/{self.screen_size_key()}"

    def saved_state_for_screen(self):
        """The dock layout saved for this screen size; else the last one if it was saved on this size (or by a
        version that did not say); else None (the default layout, sized for this screen)."""
        state = self.settings.value(self.state_key())
        if state is not None:
            return state
        where = self.settings.value("window/state_screen")
        if where is None or where == self.screen_size_key():
            return self.settings.value("window/state")
        return None

    def has_saved_layout(self) -> bool:
        return self.settings.value("window/geometry") is not None
