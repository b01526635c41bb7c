"""Help ▸ Keyboard Shortcuts and Help ▸ About, mixed into :class:`~nnviz.ui.main_window.MainWindow`: the
shortcuts table lists every action that has one (read from the actions themselves, so it is never stale) and
the mouse gestures beside them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QMessageBox, QTableWidget, QTableWidgetItem,
                               QVBoxLayout)

from nnviz import __version__
from nnviz.ui import icons, theme


class WindowHelpMixin:
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
        # wide enough for every row (460 px cut "Backprop stepper: next / previ…")
        width = (table.sizeHintForColumn(0) + table.sizeHintForColumn(1) + table.verticalScrollBar().sizeHint().width()
                 + 2 * table.frameWidth() + 48)
        dlg.resize(min(max(width, 460), self.screen().availableGeometry().width() - 40), 560)
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
