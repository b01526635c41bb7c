"""``attach_data_panel(window, document)``: the Data dock and File ▸ Import CSV… on a main window.

    from nnviz.ui.data_integration import attach_data_panel
    panel = attach_data_panel(window, window.document)      # also window.data_panel

The dock goes to the left (below the layer palette, taking the rest of the column) through ``window.add_dock``
when the window has it (so it gets a View menu toggle and a place in the saved and the default layout), else
``addDockWidget``. The action
"Import CSV…" (objectName ``actionImportCsv``) goes into the File menu after Examples when there is a
File menu; it opens the panel's CSV import dialog.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu

from nnviz.ui.data_panel import DataPanel

DOCK_NAME = "dockData"


def _file_menu(window) -> QMenu | None:
    menu = getattr(window, "menu", None)
    if callable(menu):
        try:
            return menu("File")
        except (TypeError, ValueError):
            pass
    bar = window.menuBar() if hasattr(window, "menuBar") else None
    if bar is None:
        return None
    for action in bar.actions():
        sub = action.menu()
        if sub is not None and action.text().replace("&", "") == "File":
            return sub
    return None


def attach_data_panel(window, document) -> DataPanel:
    """Add the Data dock and the Import CSV… action to ``window``; returns the panel."""
    panel = DataPanel(document)
    area = Qt.DockWidgetArea.LeftDockWidgetArea
    add = getattr(window, "add_dock", None)
    if add is not None:
        dock = add(panel, "Data", area, DOCK_NAME, share=0.7)   # the rest of the column
    else:
        dock = QDockWidget("Data", window)
        dock.setObjectName(DOCK_NAME)
        dock.setWidget(panel)
        window.addDockWidget(area, dock)
    panel.dock = dock

    action = QAction("Import &CSV…", window)
    action.setObjectName("actionImportCsv")
    action.setToolTip("Import a CSV file as the data set")
    action.setStatusTip("Import a CSV file as the data set")
    action.triggered.connect(lambda: _import_csv(panel))
    file_menu = _file_menu(window)
    if file_menu is not None:
        actions = file_menu.actions()
        # after "Examples" (the submenu), i.e. before the separator that follows it
        anchor = None
        for i, a in enumerate(actions):
            if a.menu() is not None and a.text().replace("&", "") == "Examples":
                anchor = actions[i + 1] if i + 1 < len(actions) else None
                break
        if anchor is None:
            anchor = next((a for a in actions if a.isSeparator()), None)
        if anchor is not None:
            file_menu.insertAction(anchor, action)
        else:
            file_menu.addAction(action)
    window.actionImportCsv = action
    window.data_panel = panel
    return panel


def _import_csv(panel: DataPanel) -> None:
    dock = getattr(panel, "dock", None)
    if dock is not None:
        dock.show()
        dock.raise_()
    panel.import_csv()
