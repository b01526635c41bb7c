"""The CSV import dialog: a file, a preview of its first rows, what to learn from what, scaling and splits.

Everything the user sets goes through the core (:func:`nnviz.io.csv_data.read_csv` and
:func:`~nnviz.io.csv_data.to_dataset`) on every change, so the dialog shows exactly what the import
will give: the data set's splits and classes, or the core's precise message in a red label (Import disabled;
for bad rows, a pointer to Skip bad rows) — "row 812, column 'age': 'n/a' is not a number", "row 5 has 3 fields,
expected 4", "the file is empty", a label with one class only, fewer training rows than the batch size.

The result is :attr:`CsvImportDialog.dataset` and :meth:`CsvImportDialog.spec`, a
``{"name": "csv", "params": {...}}`` dict that ``catalog.load`` (and so a saved project) reloads.

    dialog = CsvImportDialog(parent, path="patients.csv", batch_size=32)
    dialog.accepted.connect(lambda: document.set_dataset(dialog.spec()))
    dialog.open()
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSpinBox,
                               QSplitter, QToolButton, QVBoxLayout, QWidget)

from nnviz.core.data import catalog
from nnviz.io import csv_data
from nnviz.io.csv_data import CsvError, mostly_numbers, to_dataset
from nnviz.ui import theme
from nnviz.ui.csv_import import BigFileMixin
from nnviz.ui.data_preview import TablePreview

TASK_LABELS = {"auto": "Auto-detect", "binary": "Binary classification", "multiclass": "Multi-class classification",
               "regression": "Regression"}
SCALING_LABELS = {"none": "None", "minmax": "Min-max to [0, 1]", "standardize": "Standardize (mean 0, std 1)"}
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_BAD_ROWS = re.compile(r"fields, expected \d|is not a number|the cell is empty|not a finite number|range of 32-bit")


def _line_named(message: str) -> int | None:
    """The file line a core message starts with ("row 812, column 'age': ..."; "row 5 has 3 fields, ...")."""
    m = re.search(r"(?m)^\s*row (\d+)\b", message)  # a listing of several problems names one per line
    return int(m.group(1)) if m else None


def _cell_named(message: str) -> tuple[int, str] | None:
    """``(line, column)`` of a core message about one cell: "row 812, column 'age': 'n/a' is not a number"."""
    m = re.search(r"(?m)^\s*row (\d+), column (['\"])(.*?)\2:", message)
    return (int(m.group(1)), m.group(3)) if m else None


def _default_label(columns: list[str]) -> str:
    """A column named like a label ("label", "target", "class", "y": Kaggle's MNIST has it first), else the last."""
    named = [c for c in columns if c.strip().lower() in ("label", "labels", "target", "class", "y")]
    return named[0] if named else columns[-1]


def _check_state(checked: bool) -> Qt.CheckState:
    return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked


def csv_spec_params() -> set[str]:
    """The parameters the catalog's "csv" entry takes (what a project can store)."""
    return {p.name for p in catalog.get_spec("csv").params}


class CsvImportDialog(BigFileMixin, QDialog):
    """Import a CSV file as a data set. ``dataset`` is set (and Import enabled) while the settings are valid
    (for a big file: from its first rows, until Import has read it whole)."""

    validity_changed = Signal(bool)

    def __init__(self, parent=None, path: str = "", params: dict | None = None, batch_size: int | None = None,
                 start_dir: str = ""):
        super().__init__(parent)
        self.setObjectName("csvImportDialog")
        self.setWindowTitle("Import CSV")
        self.setSizeGripEnabled(True)
        self.batch_size = batch_size
        self.start_dir = start_dir
        self.table = None           # CsvTable of the current file, or None
        self.dataset = None         # the Dataset the settings give, or None
        self.error = ""             # the core's message while invalid
        self.detected_header: bool | None = None
        self.detected_task = ""
        self._path = ""
        self._params = dict(params or {})
        self._valid = False
        self._building = False

        # ---------------------------------------------------------------- file
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("csvPath")
        self.path_edit.setToolTip("The CSV file to import: type a path and press Enter, or Browse…")
        self.path_edit.setPlaceholderText("Choose a CSV file…")
        self.path_edit.editingFinished.connect(self._on_path_edit_editing_finished)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.setObjectName("csvBrowse")
        self.browse_button.setToolTip("Pick the CSV file")
        self.browse_button.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.addWidget(QLabel("File:"))
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)

        self.header_check = QCheckBox("First row is a header")
        self.header_check.setObjectName("csvHeader")
        self.header_check.setToolTip("Detected from the file: the first row is a header when a column holds numbers "
                                     "below it but not in it. Tick or untick to override.")
        self.header_check.toggled.connect(self._on_header_check_toggled)
        self.header_note = QLabel()
        self.header_note.setObjectName("csvHeaderNote")
        self.file_info = QLabel()
        self.file_info.setObjectName("csvFileInfo")
        self.skip_check = QCheckBox("Skip bad rows")
        self.skip_check.setObjectName("csvSkipBadRows")
        self.skip_check.setToolTip("Leave out rows with the wrong number of cells or a cell that is not a usable "
                                   "number, instead of refusing the file; the summary says how many")
        self.skip_check.toggled.connect(self._on_skip_check_toggled)
        info_row = QHBoxLayout()
        info_row.addWidget(self.header_check)
        info_row.addWidget(self.header_note)
        info_row.addWidget(self.skip_check)
        info_row.addStretch(1)
        info_row.addWidget(self.file_info)

        self.preview = TablePreview()
        self.preview.setObjectName("csvPreview")
        self.preview.setMinimumHeight(160)

        # ---------------------------------------------------------------- what to learn
        self.label_combo = QComboBox()
        self.label_combo.setObjectName("csvLabelColumn")
        self.label_combo.setToolTip("The column the network learns to predict")
        self.label_combo.currentIndexChanged.connect(self._on_label_combo_changed)
        self.task_combo = QComboBox()
        self.task_combo.setObjectName("csvTask")
        for key in csv_data.TASKS:
            self.task_combo.addItem(TASK_LABELS[key], key)
        self.task_combo.setToolTip("Auto-detect: text labels or a few whole numbers are classes, anything else "
                                   "is a regression target")
        self.task_combo.currentIndexChanged.connect(self._validate)
        self.feature_list = QListWidget()
        self.feature_list.setObjectName("csvFeatureColumns")
        self.feature_list.setToolTip("The columns the network learns from (its inputs)")
        self.feature_list.itemChanged.connect(self._on_feature_list_item_changed)
        self.all_button = QToolButton()
        self.all_button.setText("All")
        self.all_button.setObjectName("csvAllFeatures")
        self.all_button.setToolTip("Use every numeric column but the label as an input feature")
        self.all_button.clicked.connect(lambda: self._check_features(True))
        self.none_button = QToolButton()
        self.none_button.setText("None")
        self.none_button.setObjectName("csvNoFeatures")
        self.none_button.setToolTip("Clear the feature columns (then tick the ones to use)")
        self.none_button.clicked.connect(lambda: self._check_features(False))
        feature_head = QHBoxLayout()
        feature_head.addWidget(QLabel("Feature columns:"))
        feature_head.addStretch(1)
        feature_head.addWidget(self.all_button)
        feature_head.addWidget(self.none_button)

        learn = QGroupBox("What to learn")
        learn_lay = QVBoxLayout(learn)
        learn_form = QFormLayout()
        learn_form.addRow("Label column:", self.label_combo)
        learn_form.addRow("Task:", self.task_combo)
        learn_lay.addLayout(learn_form)
        learn_lay.addLayout(feature_head)
        learn_lay.addWidget(self.feature_list, 1)
        self.pixels_check = self._make_pixels_check()
        learn_lay.addWidget(self.pixels_check)

        # ---------------------------------------------------------------- scaling and splits
        self.scaling_combo = QComboBox()
        self.scaling_combo.setObjectName("csvScaling")
        for key in csv_data.SCALINGS:
            self.scaling_combo.addItem(SCALING_LABELS[key], key)
        self.scaling_combo.setToolTip("Fitted on the training split only, then applied to every split")
        self.scaling_combo.currentIndexChanged.connect(self._validate)
        self.test_spin = self._percent_spin("csvTestShare", 20, "Share of the rows kept aside to test the trained "
                                                                "network")
        self.val_spin = self._percent_spin("csvValShare", 0, "Share of the rows used to validate while training")
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("csvSeed")
        self.seed_spin.setRange(0, 2 ** 31 - 1)
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.setToolTip("The same seed gives the same split")
        self.seed_spin.valueChanged.connect(self._validate)
        scaling_note = QLabel("fitted on the training split only")
        scaling_note.setObjectName("csvScalingNote")
        self._muted = [scaling_note]
        split = QGroupBox("Scaling and splits")
        split_form = QFormLayout(split)
        split_form.addRow("Scaling:", self.scaling_combo)
        split_form.addRow("", scaling_note)
        split_form.addRow("Test share:", self.test_spin)
        split_form.addRow("Validation share:", self.val_spin)
        split_form.addRow("Seed:", self.seed_spin)

        settings = QWidget()
        settings_lay = QHBoxLayout(settings)
        settings_lay.setContentsMargins(0, 0, 0, 0)
        settings_lay.addWidget(learn, 3)
        settings_lay.addWidget(split, 2)

        self.summary_label = QLabel()
        self.summary_label.setObjectName("csvSummary")
        self.summary_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setObjectName("csvError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setVisible(False)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Import")
        self.ok_button.setObjectName("csvImport")
        self.ok_button.setToolTip("Use this table as the data set (the network's input follows its features)")
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.preview)
        splitter.addWidget(settings)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        lay = QVBoxLayout(self)
        lay.addLayout(file_row)
        lay.addLayout(info_row)
        lay.addWidget(splitter, 1)
        lay.addWidget(self.summary_label)
        lay.addWidget(self.error_label)
        lay.addWidget(self.buttons)
        self.resize(820, 640)

        theme.state().theme_changed.connect(self._on_theme_changed)
        self._on_theme_changed()
        self._apply_params(self._params)
        self._set_controls_enabled(False)
        if path or self._params.get("path"):
            self.set_path(path or self._params["path"])
        else:
            self._set_error("")

    # ================================================================== public
    @property
    def path(self) -> str:
        return self._path

    def is_valid(self) -> bool:
        return self._valid

    def set_path(self, path: str) -> None:
        """Read ``path`` (with header detection) and show it."""
        path = os.path.abspath(os.path.expanduser(str(path))) if path else ""
        self._path = path
        if self.path_edit.text() != path:
            self.path_edit.setText(path)
        self.detected_header = None
        self._pixels_default = None
        self._read(header=self._params.get("header"))

    def browse(self) -> None:
        start = os.path.dirname(self._path) if self._path else self.start_dir
        path, _ = QFileDialog.getOpenFileName(self, "Import CSV", start,
                                              "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.set_path(path)

    def label_column(self) -> str | None:
        return self.label_combo.currentText() or None

    def feature_columns(self) -> list[str]:
        out = []
        for i in range(self.feature_list.count()):
            item = self.feature_list.item(i)
            if item.checkState() == Qt.CheckState.Checked and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def set_feature_checked(self, column: str, checked: bool) -> None:
        for i in range(self.feature_list.count()):
            item = self.feature_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == column:
                item.setCheckState(_check_state(checked))
                return
        raise KeyError(column)

    def task(self) -> str:
        return self.task_combo.currentData()

    def scaling(self) -> str:
        return self.scaling_combo.currentData()

    def header_override(self) -> bool | None:
        """The header setting when it differs from what was detected, else ``None``."""
        if self.table is None and self.detected_header is None:
            return None
        checked = self.header_check.isChecked()
        return None if checked == self.detected_header else checked

    def params(self) -> dict:
        """The parameters of the catalog's "csv" entry that rebuild :attr:`dataset`."""
        params = {"path": self._path, "label_column": self.label_column(), "feature_columns": self.feature_columns(),
                  "task": self.task(), "scaling": self.scaling(), "test_ratio": self.test_spin.value() / 100.0,
                  "val_ratio": self.val_spin.value() / 100.0, "seed": self.seed_spin.value()}
        if self.header_override() is not None:
            params["header"] = self.header_override()
        if self.skip_check.isChecked():
            params["skip_bad_rows"] = True
        if self.pixels_check.isChecked() and self._pixel_shape is not None:
            params["images"] = True
        return params

    def spec(self) -> dict:
        """``{"name": "csv", "params": {...}}`` for ``document.set_dataset`` and project files."""
        return {"name": "csv", "params": self.params()}

    # ================================================================== building blocks
    @contextlib.contextmanager
    def _building_widgets(self):
        """The dialog sets its own widgets: the change signals this causes are not the user's edits."""
        self._building = True
        try:
            yield
        finally:
            self._building = False

    def _numberish(self, j: int) -> bool:
        """Column ``j`` of the table holds numbers, or mostly numbers."""
        return self.table.numeric[j] or mostly_numbers(self.table.data[j])

    def _percent_spin(self, name: str, value: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(0, 50)
        spin.setSingleStep(5)
        spin.setSuffix(" %")
        spin.setValue(value)
        spin.setKeyboardTracking(False)
        spin.setToolTip(tip + " (0 to 50 %)")
        spin.valueChanged.connect(self._validate)
        return spin

    def _apply_params(self, params: dict) -> None:
        with self._building_widgets():
            if "task" in params:
                self.task_combo.setCurrentIndex(max(0, self.task_combo.findData(params["task"])))
            if "scaling" in params:
                self.scaling_combo.setCurrentIndex(max(0, self.scaling_combo.findData(params["scaling"])))
            if params.get("test_ratio") is not None:
                self.test_spin.setValue(int(round(float(params["test_ratio"]) * 100)))
            if params.get("val_ratio") is not None:
                self.val_spin.setValue(int(round(float(params["val_ratio"]) * 100)))
            if params.get("seed") is not None:
                self.seed_spin.setValue(int(params["seed"]))
            self.skip_check.setChecked(bool(params.get("skip_bad_rows")))

    def _set_controls_enabled(self, enabled: bool) -> None:
        for w in (self.header_check, self.label_combo, self.task_combo, self.feature_list, self.all_button,
                  self.none_button, self.scaling_combo, self.test_spin, self.val_spin, self.seed_spin):
            w.setEnabled(enabled)

    def _on_theme_changed(self, _name: str = "") -> None:
        c = theme.colors()
        self.error_label.setStyleSheet(f"QLabel {{ color: {c['error_text']}; background: {c['error_bg']}; "
                                       f"border: 1px solid {c['error']}; border-radius: 5px; padding: 6px 8px; }}")
        muted = f"QLabel {{ color: {c['muted']}; }}"
        for label in self._muted + [self.header_note, self.file_info]:
            label.setStyleSheet(muted)

    # ================================================================== reading
    def _on_path_edit_editing_finished(self) -> None:
        text = self.path_edit.text().strip()
        if text and os.path.abspath(os.path.expanduser(text)) != self._path:
            self.set_path(text)

    def _on_skip_check_toggled(self, _checked: bool) -> None:
        if not self._building and self._path:
            self._read(self.header_override())

    def _on_header_check_toggled(self, checked: bool) -> None:
        if self._building or not self._path:
            return
        self._read(header=checked)

    def _read(self, header: bool | None = None) -> None:
        self.table = None
        self.dataset = None
        if not self._path:
            self._set_controls_enabled(False)
            self._set_error("")
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            skip = self.skip_check.isChecked()
            if self.detected_header is None:
                detected = self._read_table(None, skip)
                self.detected_header = detected.has_header
                table = detected if header is None or header == detected.has_header else \
                    self._read_table(bool(header), skip)
            else:
                table = self._read_table(header, skip)
        except (CsvError, ValueError, OSError) as e:
            self._show_unreadable(str(e))
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.table = table
        with self._building_widgets():
            self.header_check.setChecked(table.has_header)
        note = "detected" if table.has_header == self.detected_header else \
            f"overridden; detected: {'header' if self.detected_header else 'no header'}"
        self.header_note.setText(f"({note})")
        self.file_info.setText(f"{self._file_info_text(table)} · "
                               f"{DELIMITER_NAMES.get(table.delimiter, repr(table.delimiter))}-separated")
        self._populate()
        self._set_controls_enabled(True)
        self._validate()

    def _show_unreadable(self, message: str) -> None:
        self.table = None
        self.dataset = None
        self.header_note.setText("")
        self.file_info.setText("")
        with self._building_widgets():
            self.label_combo.clear()
            self.feature_list.clear()
        self.preview.set_rows([], [], caption="")
        self.summary_label.setText("")
        self._set_controls_enabled(False)
        self._set_error(message)
        line = _line_named(message)
        if line is not None:   # the file's own lines around the one the message is about
            self._show_raw_lines(line, message)

    def _show_raw_lines(self, line: int, message: str, around: int = 3) -> None:
        try:
            with open(self._path, encoding="utf-8", errors="replace", newline="") as f:
                lines = [ln.rstrip("\r\n") for ln in itertools.islice(f, line + around)]
        except OSError:
            return
        first, last = max(1, line - around), min(len(lines), line + around)
        if first > last:
            return
        rows = [[lines[k - 1]] for k in range(first, last + 1)]
        self.preview.set_rows(["the file's text"], rows, row_labels=range(first, last + 1),
                              marked=(line - first, 0) if first <= line <= last else None, mark_tip=message,
                              caption=f"Lines {first}–{last} of {os.path.basename(self._path)}; line {line} is the "
                                      f"one the message is about")

    def _populate(self) -> None:
        """Fill the label combo and the feature list from the table, keeping earlier choices that still fit.

        Choices are kept by name; when the names changed but not the number of columns (the header setting
        was flipped), by position.
        """
        table = self.table
        old_columns = [self.label_combo.itemText(i) for i in range(self.label_combo.count())]
        old_label = self.label_column() or self._params.get("label_column")
        old_features = set(self.feature_columns()) if self.feature_list.count() else None
        if old_features is None and self._params.get("feature_columns") is not None:
            old_features = set(self._params["feature_columns"])
        if old_columns and old_columns != table.columns and len(old_columns) == table.n_columns:
            rename = dict(zip(old_columns, table.columns))
            old_label = rename.get(old_label)
            old_features = {rename[c] for c in old_features or () if c in rename}
        if old_features is not None and not old_features & set(table.columns):
            old_features = None
        with self._building_widgets():
            self.label_combo.clear()
            self.label_combo.addItems(table.columns)
            label = old_label if old_label in table.columns else _default_label(table.columns)
            self.label_combo.setCurrentText(label)
            self.feature_list.clear()
            for j, name in enumerate(table.columns):
                numberish = self._numberish(j)
                note = "" if table.numeric[j] else ("  (not all numbers)" if numberish else "  (text)")
                item = QListWidgetItem(name + note)
                item.setData(Qt.ItemDataRole.UserRole, name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = (name in old_features) if old_features is not None else numberish
                item.setCheckState(_check_state(checked))
                self.feature_list.addItem(item)
            self._mark_label_item(label)
        self._params = {}   # the initial parameters are used once

    def _mark_label_item(self, label: str) -> None:
        for i in range(self.feature_list.count()):
            item = self.feature_list.item(i)
            name = item.data(Qt.ItemDataRole.UserRole)
            flags = item.flags()
            if name == label:
                item.setFlags(flags & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip("the label column cannot also be a feature")
            else:
                item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip("")

    def _check_features(self, checked: bool) -> None:
        """All: every column that holds (mostly) numbers; None: no column."""
        if self.table is None:
            return
        with self._building_widgets():
            for j in range(self.feature_list.count()):
                item = self.feature_list.item(j)
                item.setCheckState(_check_state(checked and self._numberish(j)))
        self._validate()

    def _on_label_combo_changed(self, _index: int) -> None:
        if self._building or self.table is None:
            return
        label = self.label_column()
        with self._building_widgets():
            # the old label goes back to being a feature if it holds numbers
            for i in range(self.feature_list.count()):
                item = self.feature_list.item(i)
                if not item.flags() & Qt.ItemFlag.ItemIsEnabled:
                    j = self.table.columns.index(item.data(Qt.ItemDataRole.UserRole))
                    item.setCheckState(_check_state(self._numberish(j)))
            self._mark_label_item(label)
        self._validate()

    def _on_feature_list_item_changed(self, _item) -> None:
        if not self._building:
            self._validate()

    # ================================================================== validation
    def _validate(self, *_args) -> None:
        if self._building:
            return
        table = self.table
        if table is None:
            return
        label = self.label_column()
        features = self.feature_columns()
        total = self.total_rows if self.head_only else None
        self.preview.set_table(table, label, features, total_rows=total)
        self.dataset = None
        self._update_pixels_check(features)
        try:
            if self.header_override() is not None and "header" not in csv_spec_params():
                raise CsvError("the header setting differs from the detected one, but a project cannot store that "
                               "setting yet; edit the file's first row instead")
            ds = to_dataset(table, label, features, task=self.task(), scaling=self.scaling(),
                            test_ratio=self.test_spin.value() / 100.0, val_ratio=self.val_spin.value() / 100.0,
                            seed=self.seed_spin.value(), batch_size=self.batch_size,
                            skip_bad_rows=self.skip_check.isChecked())
            ds = self._as_images(ds)
        except (CsvError, ValueError) as e:
            self.summary_label.setText("")
            self._set_error(str(e))
            where = _cell_named(str(e))
            if where is not None:   # show the cell the message is about, marked, where it is in the file
                self.preview.set_table(table, label, features, mark=where, mark_tip=str(e), total_rows=total)
            return
        self.dataset = ds
        if self.task() == "auto":
            self.detected_task = ds.task
            what = "regression" if ds.task == "regression" else f"{ds.task}, {ds.num_classes} classes"
            self.task_combo.setItemText(0, f"Auto-detect ({what})")
        self.summary_label.setText(self._summary(ds))
        self._set_error("")

    def _set_error(self, message: str) -> None:
        self.error = message
        if message and not self.skip_check.isChecked() and _BAD_ROWS.search(message):
            message += "\n\nTick “Skip bad rows” above to leave such rows out (the summary then says how many)."
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        valid = not message and self.dataset is not None
        self.ok_button.setEnabled(valid)
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)

    def accept(self) -> None:
        if self.dataset is None or self.load_job is not None:
            return
        if self.head_only:   # the settings were checked on the first rows: now the whole file, in a thread
            self._start_load()
            return
        super().accept()

    def _accept_loaded(self) -> None:
        QDialog.accept(self)

    def done(self, result: int) -> None:
        self._stop_load()
        super().done(result)
