"""The table of every unit's values so far: z, a, ∂C/∂a and δ, as the trace's ``summary_table`` gives them.

A value not computed yet shows "–"; one that does not exist (the input's z and δ) stays empty. Cells
show 4 significant digits and carry the full value in their tooltip (and as ``Qt.UserRole`` data).
The cells this step has just computed are tinted and bold.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from nnviz.core.trace import format_number
from nnviz.ui import theme
from nnviz.ui.network_scene import role_color

COLUMNS = ("Layer", "Unit", "z", "a", "∂C/∂a", "δ = ∂C/∂z")
QUANTITIES = ("z", "a", "d_a", "delta")
HEADER_TIPS = {
    "z": "z_j^(l) = Σ_k w_jk^(l)·a_k^(l−1) + b_j^(l): the unit's weighted input",
    "a": "a_j^(l) = g^(l)(z_j^(l)): the unit's output (for the input layer: the sample's value)",
    "d_a": "∂C_0/∂a_j^(l): how the loss changes with the unit's output",
    "delta": "δ_j^(l) = ∂C_0/∂z_j^(l) = ∂C_0/∂a_j^(l)·g′(z_j^(l)): the unit's error",
}
NOT_YET = "–"


class ValueTable(QTableWidget):
    """One row per unit (the input's values first), columns z, a, ∂C/∂a, δ."""

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("valueTable")
        self.setHorizontalHeaderLabels(list(COLUMNS))
        for i, q in enumerate(QUANTITIES):
            self.horizontalHeaderItem(i + 2).setToolTip(HEADER_TIPS[q])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(False)
        h = self.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setDefaultSectionSize(24)
        self.rows = []

    def set_rows(self, rows, fresh=frozenset(), current=frozenset()) -> None:
        """``rows``: the trace's ``UnitRow``s; ``fresh``: ``(layer, unit, quantity)`` computed by this step;
        ``current``: ``(layer, unit)`` the step is about (their row is marked)."""
        self.rows = list(rows)
        c = theme.colors()
        self.setRowCount(len(self.rows))
        bold = QFont(self.font())
        bold.setBold(True)
        tint = role_color("current", 46)
        band = QColor(c["alt_base"])
        base = QColor(c["base"])
        layers = []
        for row in self.rows:
            if not layers or layers[-1] != row.layer:
                layers.append(row.layer)
        for r, row in enumerate(self.rows):
            shade = band if layers.index(row.layer) % 2 else base
            first = r == 0 or self.rows[r - 1].layer != row.layer
            name = f"{row.layer} · input" if row.layer == 0 else f"{row.layer} · {row.layer_name}"
            cells = [name if first else "", str(row.unit)]
            for q in QUANTITIES:
                v = getattr(row, q)
                if v is None:
                    cells.append("" if row.layer == 0 and q != "a" else NOT_YET)
                else:
                    cells.append(format_number(v, 4))
            for col, text in enumerate(cells):
                item = self.item(r, col)
                if item is None:
                    item = QTableWidgetItem()
                    self.setItem(r, col, item)
                item.setText(text)
                item.setBackground(QBrush(shade))
                item.setFont(self.font())
                item.setForeground(QBrush(QColor(c["muted"] if text == NOT_YET or col < 2 else c["text"])))
                align = Qt.AlignmentFlag.AlignVCenter | (Qt.AlignmentFlag.AlignLeft if col == 0 else
                                                         Qt.AlignmentFlag.AlignRight)
                item.setTextAlignment(align)
                if col >= 2:
                    q = QUANTITIES[col - 2]
                    v = getattr(row, q)
                    item.setData(Qt.ItemDataRole.UserRole, v)
                    item.setToolTip(f"{v!r}" if v is not None else ("not computed yet" if text == NOT_YET else ""))
                    if (row.layer, row.unit, q) in fresh:
                        item.setBackground(QBrush(tint))
                        item.setFont(bold)
                else:
                    item.setData(Qt.ItemDataRole.UserRole, None)
                    item.setToolTip("")
                if col == 1 and (row.layer, row.unit) in current:
                    item.setForeground(QBrush(role_color("current")))
                    item.setFont(bold)

    def cell_texts(self) -> list[list[str]]:
        """Every cell's text, row by row (what the user reads)."""
        return [[self.item(r, c).text() for c in range(self.columnCount())] for r in range(self.rowCount())]
