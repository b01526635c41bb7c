"""The Keras-style model summary as a live table: layer (type), output shape, params, and the totals."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from nnviz.core.layers.base import shape_str
from nnviz.ui import theme, zoom


class SummaryWidget(QWidget):
    HEADERS = ("Layer (type)", "Output Shape", "Param #")

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setObjectName("summary")
        self.document = document
        self.title = QLabel()
        self.title.setObjectName("summaryTitle")
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("summaryTable")
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.totals = QLabel()
        self.totals.setObjectName("summaryTotals")
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.totals.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)
        lay.addWidget(self.title)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.totals)
        document.architecture_changed.connect(self._on_document_architecture_changed)
        theme.state().theme_changed.connect(self._on_theme_changed)
        self._on_document_architecture_changed()

    def _on_theme_changed(self, _name: str) -> None:
        self._on_document_architecture_changed()

    def _on_document_architecture_changed(self) -> None:
        doc = self.document
        rows = doc.layer_info()
        c = theme.colors()
        self.title.setText(f'Model: "{doc.architecture_config()["name"]}" · input {shape_str((None, *doc.input_shape))}')
        self.table.setRowCount(len(rows))
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(9 * zoom.factor())   # (rebuilt on theme_changed, which a zoom change emits too)
        failed = False
        for r, row in enumerate(rows):
            failed = failed or bool(row["error"])
            shape = shape_str(row["output_shape"]) if row["output_shape"] is not None else "?"
            params = f"{row['params']:,}" if row["params"] is not None else "–"
            cells = [f"{row['name']} ({row['type']})", shape, params]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)   # the whole name where the column elides it ("max_pooli…ooling2D")
                if col:
                    item.setFont(mono)
                if col == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if row["error"]:
                    item.setForeground(QColor(c["error"]))
                    item.setToolTip(row["error"])
                elif row["output_shape"] is None:
                    item.setForeground(QColor(c["muted"]))
                self.table.setItem(r, col, item)
        model = doc.model
        if model is not None:
            total = model.count_params()
            trainable = model.count_trainable_params()
            # the Keras words on one line (wrapping when narrow): three lines took the room of the table's rows in
            # a 190-px dock (1280 × 720), which then showed one and a half layers
            parts = (f"<b>Total params: {total:,}</b>", f"Trainable params: {trainable:,}",
                     f"Non-trainable params: {total - trainable:,}")
            # each figure kept whole (no break inside "Non-trainable params: 0"), the line wraps between them
            self.totals.setText(" · ".join(p.replace(" ", "&nbsp;").replace("-", "\u2011") for p in parts))
        else:
            self.totals.setText(f"<span style='color:{c['error']}'>Totals unavailable: the architecture does "
                                f"not build.</span>")

    def totals_text(self) -> str:
        """The totals as plain text (the label's own text holds no-break spaces and hyphens)."""
        return (self.totals.text().replace("&nbsp;", " ").replace("\u2011", "-").replace("<b>", "")
                .replace("</b>", ""))

    def cell_text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item is not None else ""
