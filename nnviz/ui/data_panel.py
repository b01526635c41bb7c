"""The Data panel (a dock): pick a data set, its parameters, input features and splits, and see it.

The panel observes a :class:`~nnviz.session.document.ProjectDocument` (napari style): every edit goes
to the document through one path, :meth:`DataPanel.apply` → ``document.set_dataset(spec)`` (and
``document.set_input_shape`` when the network's input no longer fits the data), and the panel redraws
itself from ``document.dataset`` / ``document.dataset_spec`` in ``_on_document_dataset_changed`` —
so opening a project, undoing or another widget changing the data all show up the same way.

* The data set combo is grouped by kind (Playground 2-D, Course examples, Images, Text, CSV); choosing
  "CSV file…" opens the :class:`~nnviz.ui.csv_dialog.CsvImportDialog`.
* Parameter editors (:mod:`nnviz.ui.param_editor`) are built from the catalog's
  :class:`~nnviz.core.data.catalog.ParamSpec` list. Numeric edits are applied after a short pause (so dragging a
  slider loads once), everything else at once.
* Regenerate draws a new seed (new points, or a new split for the fixed sets).
* For the playground sets the input features x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂ are check boxes;
  the network's input layer follows the selection.
* Below: the preview (:mod:`nnviz.ui.data_preview`), the split sizes and class balance, and the
  output-layer hint from ``Dataset.suggested_output()``.
"""

from __future__ import annotations

import os
import random

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QFrame, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QPushButton, QScrollArea, QSizePolicy, QStyledItemDelegate, QVBoxLayout, QWidget)

from nnviz.core.data import catalog, playground
from nnviz.core.data.advice import scaling_advice, target_advice
from nnviz.core.data.images import dataset_image_shape
from nnviz.core.data.pixels import image_shape
from nnviz.core.layers.base import shape_str
from nnviz.io import csv_data  # noqa: F401  (registers the "csv" catalog entry)
from nnviz.io import csv_fast
from nnviz.io.csv_data import CsvError, read_csv
from nnviz.ui import csv_import, theme
from nnviz.ui.csv_dialog import CsvImportDialog
from nnviz.ui.data_preview import DataPreviewWidget
from nnviz.ui.param_editor import ParamEditor

#: the combo's groups, in order: (kind, title)
GROUPS = (("playground-2d", "Playground 2-D"), ("course", "Course examples"), ("images", "Images"), ("text", "Text"),
          ("csv", "CSV"))
#: how long numeric edits wait before the data set is rebuilt (coalesces slider drags and key repeats)
APPLY_DELAY_MS = 150
#: the panel's narrowest width: every catalog set's editors fit, so the dock does not change width between sets
MIN_WIDTH = 362

FEATURE_HELP = {"x1": "the first coordinate", "x2": "the second coordinate", "x1^2": "x₁ squared",
                "x2^2": "x₂ squared", "x1*x2": "the product x₁ · x₂", "sin(x1)": "the sine of x₁",
                "sin(x2)": "the sine of x₂"}


class _GroupedItemDelegate(QStyledItemDelegate):
    """Indents the data sets under their group headings in the combo's list (the closed combo shows the
    plain title)."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        if index.data(Qt.ItemDataRole.UserRole):
            option.text = "      " + option.text


#: CSV files up to this size are read a second time as text for the table preview; a bigger one (an MNIST CSV
#: of 100 MB) would take longer than its import, so the preview shows the data set's rows
CSV_PREVIEW_BYTES = 16 * 2**20


class DataPanel(QWidget):
    """The Data dock's widget. ``document`` needs ``set_dataset(spec)``, ``dataset``, ``dataset_spec``,
    ``dataset_changed``, ``input_shape`` and ``set_input_shape(shape)``."""

    #: the panel applied a data set to the document (after ``set_dataset`` and the input shape update)
    dataset_applied = Signal()

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setObjectName("dataPanel")
        self.document = document
        self.spec = None                     # the catalog DatasetSpec being edited
        self.editors: dict[str, ParamEditor] = {}
        self.feature_boxes: dict[str, QCheckBox] = {}
        self.csv_dialog: CsvImportDialog | None = None
        self._csv_cache: tuple | None = None
        self._syncing = False
        self.error = ""

        self.combo = QComboBox()
        self.combo.setObjectName("dataSetCombo")
        self.combo.setModel(self._combo_model())
        self.combo.setItemDelegate(_GroupedItemDelegate(self.combo))
        self.combo.setToolTip("The data set the network learns")
        self.combo.activated.connect(self._on_combo_activated)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        top = QHBoxLayout()
        top.setSpacing(6)
        data_label = QLabel("Data set:")
        top.addWidget(data_label)
        top.addWidget(self.combo, 1)

        self.description = QLabel()
        self.description.setObjectName("dataDescription")
        self.description.setWordWrap(True)

        # parameters: rebuilt for every data set
        self.params_box = QGroupBox("Parameters")
        self.params_box.setObjectName("dataParams")
        self.params_form = QFormLayout(self.params_box)
        self.params_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.params_form.setContentsMargins(8, 6, 8, 8)
        self.params_form.setVerticalSpacing(5)
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setObjectName("regenerateButton")
        self.regenerate_button.setToolTip("Draw a new random seed: new points (or a new split)")
        self.regenerate_button.clicked.connect(self.regenerate)
        self.csv_button = QPushButton("Change import…")
        self.csv_button.setObjectName("csvChangeButton")
        self.csv_button.setToolTip("Open the CSV import dialog with these settings")
        self.csv_button.clicked.connect(lambda: self.import_csv())

        # input features of the playground sets
        self.features_box = QGroupBox("Input features")
        self.features_box.setObjectName("dataFeatures")
        grid = QGridLayout(self.features_box)
        grid.setContentsMargins(8, 6, 8, 8)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        for i, (key, (display, _fn)) in enumerate(playground.FEATURES.items()):
            box = QCheckBox(display)
            box.setObjectName(f"feature_{key}")
            box.setToolTip(f"{display}: {FEATURE_HELP.get(key, key)}. Each checked feature is one input of the "
                           f"network.")
            box.toggled.connect(self._on_feature_toggled)
            grid.addWidget(box, i // 4, i % 4)
            self.feature_boxes[key] = box

        self.preview = DataPreviewWidget()
        self.preview.setMinimumHeight(200)
        self.preview.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

        self.split_label = QLabel()
        self.split_label.setObjectName("dataSplit")
        self.split_label.setWordWrap(True)
        self.balance_label = QLabel()
        self.balance_label.setObjectName("dataBalance")
        self.balance_label.setWordWrap(True)
        self.input_label = QLabel()
        self.input_label.setObjectName("dataInput")
        self.input_label.setWordWrap(True)
        self.hint_label = QLabel()
        self.hint_label.setObjectName("outputHint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = QLabel()
        self.error_label.setObjectName("dataError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setVisible(False)

        # everything scrolls, so a short dock keeps the preview readable instead of squeezing it
        self.content = QWidget()
        self.content.setObjectName("dataPanelContent")
        lay = QVBoxLayout(self.content)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)
        lay.addLayout(top)
        lay.addWidget(self.description)
        lay.addWidget(self.preview)
        lay.addWidget(self.params_box)
        lay.addWidget(self.features_box)
        lay.addWidget(self.error_label)
        lay.addWidget(self.input_label)
        lay.addWidget(self.split_label)
        lay.addWidget(self.balance_label)
        lay.addWidget(self.hint_label)
        lay.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("dataPanelScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)

        self._apply_timer = QTimer(self)
        self._apply_timer.setSingleShot(True)
        self._apply_timer.setInterval(APPLY_DELAY_MS)
        self._apply_timer.timeout.connect(self.apply)

        document.dataset_changed.connect(self._on_document_dataset_changed)
        theme.state().theme_changed.connect(self._on_theme_changed)
        self._on_theme_changed()
        self._on_document_dataset_changed()

    def sizeHint(self):
        return QSize(360, 560)

    # ================================================================== the combo
    def _combo_model(self) -> QStandardItemModel:
        model = QStandardItemModel(self)
        bold = QFont()
        bold.setBold(True)
        for kind, title in GROUPS:
            specs = [s for s in catalog.DATASETS if s.kind == kind]
            if not specs:
                continue
            header = QStandardItem(title)
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            header.setFont(bold)
            header.setData("", Qt.ItemDataRole.UserRole)
            model.appendRow(header)
            for s in specs:
                title = "CSV file…" if s.name == "csv" else s.title
                item = QStandardItem(title)
                item.setData(s.name, Qt.ItemDataRole.UserRole)
                item.setToolTip(s.description)
                model.appendRow(item)
        return model

    def combo_names(self) -> list[str]:
        """The selectable data set names, in combo order."""
        return [self.combo.itemData(i) for i in range(self.combo.count()) if self.combo.itemData(i)]

    def combo_groups(self) -> list[str]:
        """The group headings, in order."""
        return [self.combo.itemText(i) for i in range(self.combo.count()) if not self.combo.itemData(i)]

    def _select_in_combo(self, name: str) -> None:
        i = self.combo.findData(name)
        if i >= 0:
            self.combo.blockSignals(True)
            self.combo.setCurrentIndex(i)
            self.combo.blockSignals(False)

    def _on_combo_activated(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name == "csv-recent":   # "CSV: good.csv": that file again, as it was imported
            self._set_spec(self.combo.itemData(index, Qt.ItemDataRole.UserRole + 1))
            return
        if not name:
            return
        self.select_dataset(name)

    # ================================================================== public actions
    def select_dataset(self, name: str) -> None:
        """Switch to the data set ``name`` (what choosing it in the combo does); "csv" opens the import dialog."""
        if name == "csv":
            self.import_csv()
            return
        new = catalog.get_spec(name)
        params = new.defaults()
        current = self.document.dataset_spec
        if self.spec is not None and current and self.spec.kind == new.kind:
            # stay with the user's noise, points, features, ... when moving between sets of the same kind
            old = self.current_params()
            for p in new.params:
                if p.name in old:
                    try:
                        params[p.name] = p.check(old[p.name])
                    except (ValueError, TypeError):
                        pass
        self._set_spec({"name": name, "params": params})

    def import_csv(self, path: str | None = None) -> CsvImportDialog:
        """Open the CSV import dialog (pre-filled with the current CSV settings); on Import the data set is set."""
        spec = self.document.dataset_spec or getattr(self.window(), "missing_dataset_spec", None)  # a file gone
        params = dict(spec["params"]) if spec and spec.get("name") == "csv" else {}
        if path:
            params["path"] = path
        cfg = getattr(self.document, "training_config", None)
        batch = getattr(cfg, "batch_size", None)
        start = (os.path.dirname(params.get("path") or "")
                 or os.path.dirname(getattr(self.document, "path", "") or "") or os.path.expanduser("~"))
        if self.csv_dialog is not None:
            self.csv_dialog.deleteLater()
        dialog = CsvImportDialog(self.window(), path=params.get("path", ""), params=params,
                                 batch_size=int(batch) if batch else None, start_dir=start)
        dialog.accepted.connect(lambda: self._set_spec(dialog.spec()))
        dialog.rejected.connect(self._on_document_dataset_changed)   # the combo goes back to the current data
        self.csv_dialog = dialog
        dialog.open()
        if not params.get("path"):
            QTimer.singleShot(0, dialog, self._browse_if_shown)
        return dialog

    def _browse_if_shown(self) -> None:
        d = self.csv_dialog
        if d is not None and d.isVisible() and not d.path and QGuiApplication.platformName() != "offscreen":
            d.browse()

    def regenerate(self) -> None:
        """A new random seed, applied at once."""
        editor = self.editors.get("seed")
        if editor is None:
            return
        old = editor.value()
        new = old
        while new == old:
            new = random.randrange(0, 1_000_000)
        editor.set_value(new)
        self.apply()

    def current_params(self) -> dict:
        """The parameters the editors show, in the catalog's units."""
        spec = self.document.dataset_spec
        params = dict(spec["params"]) if spec and self.spec is not None and spec["name"] == self.spec.name else {}
        for name, editor in self.editors.items():
            if editor.spec.type not in ("path", "column", "columns"):
                params[name] = editor.value()
        if self.spec is not None and self.spec.kind == "playground-2d":
            params["features"] = self.selected_features()
        return params

    def selected_features(self) -> list[str]:
        """The checked playground features, as keys in the canonical order."""
        return [k for k, box in self.feature_boxes.items() if box.isChecked()]

    def apply(self) -> None:
        """Send the editors' data set to the document."""
        self._apply_timer.stop()
        if self.spec is None or self._syncing:
            return
        self._set_spec({"name": self.spec.name, "params": self.current_params()})

    # ================================================================== to the document
    _csv_job = None   # a big CSV file being read in a thread (then set)

    def _set_spec(self, spec: dict) -> bool:
        doc = self.document
        job = None if self._csv_job else csv_import.big_csv_job(self.window(), spec, doc.dataset_spec)
        if job is not None:   # a big CSV file: read in a thread with a progress bar, then set (from memory)
            self._csv_job = job
            job.loaded.connect(lambda _ds: self._set_spec(spec))
            job.failed.connect(lambda message: (self._show_error(message),
                                                self._on_document_dataset_changed(keep_error=True)))
            job.cancelled.connect(self._on_document_dataset_changed)
            job.finished.connect(lambda: setattr(self, "_csv_job", None))
            job.start()
            return True
        model = getattr(doc, "model", None)
        before = (tuple(doc.input_shape), model.count_params() if model is not None else None)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            doc.set_dataset(spec)
        except (ValueError, OSError, KeyError, TypeError) as e:
            self._show_error(str(e))
            self._on_document_dataset_changed(keep_error=True)   # editors back to what the document holds
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
            csv_fast.forget_loaded()   # a data set the import dialog read in a thread: taken now, or never
        ds = doc.dataset
        if ds is not None and tuple(doc.input_shape) != tuple(ds.input_shape):
            doc.set_input_shape(tuple(ds.input_shape))
        model = getattr(doc, "model", None)   # a changed input (clinical trial: 1 feature) is said, not silent
        after = (tuple(doc.input_shape), model.count_params() if model is not None else None)
        status = getattr(self.window(), "status_message", None)
        if before[0] != after[0] and callable(status):
            count = (f"{after[1]:,} parameters (was {before[1]:,})" if None not in (before[1], after[1]) else
                     f"{after[1]:,} parameters" if after[1] is not None else "the network no longer fits it")
            status(f"New data: the input is now {shape_str(after[0])} (was {shape_str(before[0])}); {count}", 10000)
        self._show_error("")
        self.dataset_applied.emit()
        return True

    def _show_error(self, message: str) -> None:
        self.error = message
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    # ================================================================== editors
    def _on_editor_edited(self, immediate: bool) -> None:
        if self._syncing:
            return
        if immediate:
            self.apply()
        else:
            self._apply_timer.start()

    def _on_feature_toggled(self, checked: bool) -> None:
        if self._syncing:
            return
        if not self.selected_features():
            box = self.sender()
            box.blockSignals(True)
            box.setChecked(True)
            box.blockSignals(False)
            self._show_error("The network needs at least one input feature.")
            return
        self.apply()

    def _build_editors(self, spec) -> None:
        # the shared buttons leave their rows before the rows (and their widgets) are deleted
        self.regenerate_button.setParent(self)
        self.regenerate_button.hide()
        self.csv_button.setParent(self)
        self.csv_button.hide()
        while self.params_form.rowCount():
            self.params_form.removeRow(0)
        self.editors = {}
        self.spec = spec
        for p in spec.params:
            if p.name == "features" and spec.kind == "playground-2d":
                continue
            editor = ParamEditor(p, spec.name)
            editor.edited.connect(self._on_editor_edited)
            self.editors[p.name] = editor
            if p.type == "bool":
                self.params_form.addRow(editor)
            elif p.type == "seed":
                row = QWidget()
                row_lay = QHBoxLayout(row)
                row_lay.setContentsMargins(0, 0, 0, 0)
                row_lay.setSpacing(6)
                row_lay.addWidget(editor, 1)
                row_lay.addWidget(self.regenerate_button)
                self.params_form.addRow(f"{p.label or p.name}:", row)
            else:
                label = QLabel(f"{p.label or p.name}:")
                label.setToolTip(editor.toolTip())
                self.params_form.addRow(label, editor)
        if spec.kind != "text":   # the task option of image and tabular data: reconstruct the input (autoencoder)
            for p in catalog.RECONSTRUCTION_PARAMS:
                editor = ParamEditor(p, spec.name)
                editor.edited.connect(self._on_editor_edited)
                self.editors[p.name] = editor
                if p.type == "bool":
                    self.params_form.addRow(editor)
                else:
                    self.params_form.addRow(f"{p.label}:", editor)
        if spec.kind == "csv":
            self.params_form.addRow(self.csv_button)
            self.csv_button.show()
        self.regenerate_button.setVisible("seed" in self.editors)
        self.features_box.setVisible(spec.kind == "playground-2d")
        self._fit_width()

    def _fit_width(self) -> None:
        """The dock never gets narrower than the content (which would clip it: it only scrolls vertically)."""
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        m = self.content.layout().contentsMargins()
        widest = max(self.params_box.minimumSizeHint().width(), self.features_box.minimumSizeHint().width(),
                     self.combo.minimumSizeHint().width() + 70)
        self.setMinimumWidth(max(MIN_WIDTH, widest + m.left() + m.right() + bar + 2))

    # ================================================================== from the document
    def _on_document_dataset_changed(self, keep_error: bool = False) -> None:
        doc = self.document
        spec = doc.dataset_spec
        ds = doc.dataset
        self._apply_timer.stop()
        self._syncing = True
        try:
            if not spec:
                self.spec = None
                self.params_box.setVisible(False)
                self.features_box.setVisible(False)
                self.description.setText("Choose a data set.")
                self.combo.setCurrentIndex(-1)
                self.preview.set_dataset(None)
                for label in (self.split_label, self.balance_label, self.input_label, self.hint_label):
                    label.setText("")
                return
            cat = catalog.get_spec(spec["name"])
            if self.spec is None or self.spec.name != cat.name or not self.editors and cat.params:
                self._build_editors(cat)
            self.params_box.setVisible(bool(self.editors))
            values = {**{p.name: p.default for p in catalog.RECONSTRUCTION_PARAMS}, **cat.defaults()}
            values.update(spec.get("params") or {})
            if ds is not None and getattr(ds, "params", None):
                values.update({k: v for k, v in ds.params.items() if k in values})
            for name, editor in self.editors.items():
                editor.set_value(values.get(name))
            if cat.kind == "playground-2d":
                keys = playground.normalize_features(values.get("features"))
                for k, box in self.feature_boxes.items():
                    box.blockSignals(True)
                    box.setChecked(k in keys)
                    box.blockSignals(False)
            self._select_in_combo(cat.name)
            if cat.name == "csv":   # the file gets its own entry, one pick away later; "CSV file…" imports another
                i = self.combo.findData("csv-recent")
                if i < 0:
                    i = self.combo.findData("csv") + 1
                    self.combo.insertItem(i, "", "csv-recent")
                self.combo.setItemText(i, "CSV: " + os.path.basename(str(values.get("path") or "file")))
                recent = {**spec, "params": dict(spec.get("params") or {})}
                self.combo.setItemData(i, recent, Qt.ItemDataRole.UserRole + 1)
                self._select_in_combo("csv-recent")
            self.description.setText((getattr(ds, "description", "") or cat.description) if ds else cat.description)
            if ds is not None:
                self._show_dataset(ds, cat, values)
        finally:
            self._syncing = False
        if not keep_error:
            self._show_error("")

    def _show_dataset(self, ds, cat, values: dict) -> None:
        table = None
        if cat.kind == "csv":
            table = self._csv_table(values)
        self.preview.set_dataset(ds, csv_table=table, label_column=values.get("label_column"),
                                 feature_columns=ds.feature_names)
        self.input_label.setText(self._input_text(ds))
        if "images" in self.editors:   # a CSV's "pixels as images" only where its columns are square pixels
            self.editors["images"].setVisible(ds.x_train.ndim == 4 or image_shape(ds.feature_names) is not None)
        self.split_label.setText(f"<b>Samples:</b> {ds.n_train:,} training · {ds.n_val:,} validation · "
                                 f"{ds.n_test:,} test")
        text, tip = self._balance_text(ds)
        self.balance_label.setText(text)
        self.balance_label.setToolTip(tip)
        hint = ds.suggested_output()
        advice, target = scaling_advice(ds), target_advice(ds)
        self.hint_label.setText(f"<b>Output layer:</b> {hint['text']}"
                                + (f"<br><b>Scaling:</b> {advice}" if advice else "")
                                + (f"<br><b>Target:</b> {target}" if target else ""))
        self.hint_label.setToolTip("What the network's last layer and loss should be for this data set")

    def _csv_table(self, values: dict):
        path = values.get("path")
        if not path:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        if st.st_size > CSV_PREVIEW_BYTES:   # the preview shows the data set's own rows instead
            return None
        key = (path, st.st_mtime_ns, st.st_size, values.get("header"))
        if self._csv_cache is None or self._csv_cache[0] != key:
            try:
                kwargs = {"header": values["header"]} if values.get("header") is not None else {}
                self._csv_cache = (key, read_csv(path, **kwargs))
            except (CsvError, ValueError):
                return None
        return self._csv_cache[1]

    @staticmethod
    def _input_text(ds) -> str:
        shape = tuple(ds.input_shape)
        img = dataset_image_shape(ds) if getattr(ds, "kind", "") == "images" else None
        if img is not None and len(shape) == 3:
            what = f"{img[0]}×{img[1]} gray images"
        elif img is not None and len(shape) == 2:
            what = f"{img[0]}×{img[1]} images read row by row: {shape[0]} time steps of {shape[1]} pixels"
        elif img is not None:
            what = f"{img[0]}×{img[1]} images flattened to {shape[0]} pixels"
        elif getattr(ds, "vocabulary", None):
            what = (f"up to {shape[0]} words as token ids, padded at the front ({len(ds.vocabulary)} words, "
                    f"0 = padding): start with an Embedding")
        else:
            names = list(ds.feature_names or [])
            what = ", ".join(names[:8]) + (f", … ({len(names) - 8} more)" if len(names) > 8 else "")
        return f"<b>Input</b> {shape_str(shape)}: {what}"

    @staticmethod
    def _balance_text(ds) -> tuple[str, str]:
        if ds.task == "regression":
            y = np.asarray(ds.y_train, dtype=np.float64).reshape(len(ds.y_train), -1)[:, 0]
            if not len(y):
                return "", ""
            return (f"<b>Target</b> (training): {y.min():.3g} to {y.max():.3g}, mean {y.mean():.3g}", "")
        counts = {part: ds.class_counts(part) for part in ("train", "val", "test")}
        n = max(1, int(counts["train"].sum()))
        names = list(ds.class_names)
        tip_rows = ["<tr><th align=left>class</th><th>training</th><th>validation</th><th>test</th></tr>"]
        for c, name in enumerate(names):
            tip_rows.append(f"<tr><td>{name}</td>" + "".join(f"<td align=right>{int(counts[p][c]):,}</td>"
                                                            for p in ("train", "val", "test")) + "</tr>")
        tip = "<table cellspacing=4>" + "".join(tip_rows) + "</table>"
        share = counts["train"] / n * 100
        if len(names) <= 4:
            listed = ", ".join(names)
        else:
            listed = f"{len(names)} ({names[0]} … {names[-1]})"
        if share.max() - share.min() <= 2.0:
            each = f"{share.mean():.0f} %" if len(names) <= 4 else f"{share.min():.1f}–{share.max():.1f} %"
            return f"<b>Classes</b>: {listed}; balanced, {each} each", tip
        if len(names) <= 4:
            parts = [f"{name} {s:.0f} %" for name, s in zip(names, share)]
            return "<b>Classes</b> (training): " + " · ".join(parts), tip
        return f"<b>Classes</b>: {listed}; {share.min():.1f}–{share.max():.1f} % each in training", tip

    # ================================================================== theme
    def _on_theme_changed(self, _name: str = "") -> None:
        c = theme.colors()
        self.error_label.setStyleSheet(f"QLabel {{ color: {c['error_text']}; background: {c['error_bg']}; "
                                       f"border: 1px solid {c['error']}; border-radius: 5px; padding: 5px 7px; }}")
        self.description.setStyleSheet(f"QLabel {{ color: {c['muted']}; }}")
        self.hint_label.setStyleSheet(f"QLabel {{ color: {c['text']}; background: {c['alt_base']}; "
                                      f"border: 1px solid {c['border']}; border-left: 3px solid {c['accent']}; "
                                      f"border-radius: 4px; padding: 5px 7px; }}")
        self.preview.restyle()
