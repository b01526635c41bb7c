"""The data panel's table preview: the first rows of a CSV file (numbered by their lines in the file, with the label
column and the features picked out, and the cell an error is about marked) or of any data set, text included."""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from nnviz.core.data.text import decode
from nnviz.ui import theme
from nnviz.ui.training.common import theme_colors

TABLE_ROWS = 100


def _cell_text(value) -> str:
    """A CSV cell as text: a number column's floats without a needless ".0"."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return str(value)


class _RowsModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.highlight: int | None = None
        self.muted: set[int] = set()
        self.row_labels: list[str] | None = None   # the rows' numbers (the file's lines), else 1, 2, 3, ...
        self.marked: tuple[int, int] | None = None  # (row, column) of the cell an error message is about
        self.mark_tip = ""

    def set_rows(self, headers, rows, highlight=None, muted=(), row_labels=None, marked=None, mark_tip="") -> None:
        self.beginResetModel()
        self.headers, self.rows = list(headers), [list(r) for r in rows]
        self.highlight, self.muted = highlight, set(muted)
        self.row_labels = [str(v) for v in row_labels] if row_labels is not None else None
        self.marked, self.mark_tip = marked, mark_tip
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            row = self.rows[r]
            return row[c] if c < len(row) else ""
        if role == Qt.ItemDataRole.ToolTipRole and (r, c) != self.marked:   # a cell cut short reads in full
            row = self.rows[r]
            return row[c] if c < len(row) and len(str(row[c])) > 12 else None
        if (r, c) == self.marked:   # the cell (or line) the error is about: in the theme's error colours
            c_ = theme.colors()
            if role == Qt.ItemDataRole.BackgroundRole:
                return QColor(c_["error_bg"])
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor(c_["error_text"])
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.mark_tip or None
        if role == Qt.ItemDataRole.ForegroundRole and c in self.muted:
            _bg, fg = theme_colors()
            fg.setAlpha(110)
            return fg
        if role == Qt.ItemDataRole.BackgroundRole and c == self.highlight:
            return QColor(37, 99, 235, 28)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                name = self.headers[section] if section < len(self.headers) else ""
                return f"{name} (label)" if section == self.highlight else name
            if self.row_labels is not None and section < len(self.row_labels):
                return self.row_labels[section]
            return str(section + 1)
        if role == Qt.ItemDataRole.FontRole and orientation == Qt.Orientation.Horizontal \
                and section == self.highlight:
            f = QFont()
            f.setBold(True)
            return f
        return None


class TablePreview(QWidget):
    """The first rows of a table: the CSV file's own cells (label column highlighted, unused columns muted),
    or the data set's features and target."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("tablePreview")
        self.model = _RowsModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("tablePreviewView")
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setDefaultSectionSize(20)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.caption = QLabel()
        self.caption.setObjectName("tablePreviewCaption")
        self.caption.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.caption)

    def set_rows(self, headers, rows, highlight=None, muted=(), caption: str = "", row_labels=None, marked=None,
                 mark_tip: str = "") -> None:
        """``rows`` of text under ``headers``; ``row_labels`` number them (1, 2, 3, ... by default); ``marked`` is
        the (row, column) of a cell an error is about: drawn in the error colours, with ``mark_tip``, scrolled to."""
        self.model.set_rows(headers, rows, highlight, muted, row_labels, marked, mark_tip)
        if len(headers) <= 200:
            self.view.resizeColumnsToContents()
            for c in range(len(headers)):
                self.view.setColumnWidth(c, min(160, max(48, self.view.columnWidth(c))))
        else:  # measuring thousands of columns one by one takes Qt minutes (40,001 columns: 125 s)
            self.view.horizontalHeader().setDefaultSectionSize(80)
        self.caption.setText(caption)
        self.caption.setVisible(bool(caption))
        if marked is not None:
            self.view.scrollTo(self.model.index(*marked), QAbstractItemView.ScrollHint.PositionAtCenter)

    def set_table(self, table, label_column: str | None, feature_columns, n: int = TABLE_ROWS, mark=None,
                  mark_tip: str = "", total_rows: int | None = None) -> None:
        """A :class:`~nnviz.io.csv_data.CsvTable`: the file's first ``n`` rows as text, numbered by their lines in the
        file (the numbers the core's messages use: "row 52, column 'age'"). ``mark`` = (file line, column name) marks
        that cell, the row shown after the first ``n`` when it is further down. ``total_rows``: the file's rows when
        ``table`` holds only its head (a big file)."""
        used = set(feature_columns or []) | {label_column}
        highlight = table.columns.index(label_column) if label_column in table.columns else None
        muted = [j for j, c in enumerate(table.columns) if c not in used]
        rows = table.preview(n)
        labels = [int(v) for v in table.line_numbers[:len(rows)]]
        marked = None
        caption = (f"First {len(rows):,} of {total_rows or table.n_rows:,} rows of {os.path.basename(table.source)}, numbered by "
                   f"their lines in the file" + ("; grey columns are not used" if muted else ""))
        if mark is not None:
            line, column = mark
            hits = np.flatnonzero(np.asarray(table.line_numbers) == line)
            col = table.columns.index(column) if column in table.columns else None
            if len(hits) and col is not None:
                i = int(hits[0])
                if i >= len(rows):   # further down than the preview: that row too, after a gap
                    rows.append(["…"] * len(table.columns))
                    labels.append("…")
                    rows.append([_cell_text(table.data[j][i]) for j in range(len(table.columns))])
                    labels.append(line)
                    i = len(rows) - 1
                marked = (i, col)
        self.set_rows(table.columns, rows, highlight, muted, caption, labels, marked, mark_tip)

    def set_dataset(self, dataset, n: int = TABLE_ROWS) -> None:
        """The training split's first ``n`` rows: the features (unscaled when a scaler is known) and the target;
        for text, each row's words."""
        vocabulary = getattr(dataset, "vocabulary", None)
        if vocabulary:
            rows = [[dataset.class_names[int(label)], decode(ids, vocabulary)]
                    for ids, label in zip(dataset.x_train[:n], dataset.y_train[:n])]
            self.set_rows(["class", "text"], rows, highlight=0,   # the text last: it takes the rest of the width
                          caption=f"First {len(rows):,} training texts; each word enters as its token id "
                                  f"(of {len(vocabulary)})")
            return
        x = np.asarray(dataset.x_train)[:n].reshape(min(n, len(dataset.x_train)), -1)
        scaler = getattr(dataset, "scaler", None)
        if scaler is not None and x.shape[1] == len(np.atleast_1d(scaler.offset)):
            x = scaler.inverse_transform(x)
        names = list(dataset.feature_names or [f"x{j + 1}" for j in range(x.shape[1])])[:x.shape[1]]
        y = np.asarray(dataset.y_train)[:n]
        if dataset.task == "regression":
            labels = [f"{float(v):.4g}" for v in y.reshape(len(y), -1)[:, 0]]
        else:
            labels = [dataset.class_names[int(v)] for v in y]
        rows = [[f"{float(v):.4g}" for v in xr] + [lab] for xr, lab in zip(x, labels)]
        self.set_rows(names + ["target" if dataset.task == "regression" else "class"], rows, highlight=len(names),
                      caption=f"First {len(rows):,} training rows")


# ============================================================================================ preview
