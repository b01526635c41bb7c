"""The inspector: typed editors for the selected layer's settings (or the input shape).

Which settings a layer type has, their labels, ranges, choices and tool tips come from the core's layer catalog
(``nnviz.core.catalog``: ``spec_for(layer_type).options``); this module has one editor per option *kind*.
Every change goes to the document as one undo command (``set_layer_option`` / ``set_input_shape``).
Spin boxes commit on Enter, focus change or an arrow step (no keyboard tracking), so typing "128"
is one edit, not three; a shape field ("7, 7, 1") commits on Enter or focus change. Activation names come from
``nnviz.core.activations.NAMES``.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QHBoxLayout, QLabel,
                               QLineEdit, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from nnviz.core.activations import NAMES as ACTIVATIONS
from nnviz.core.catalog import CATALOG, OptionSpec, activation_text
from nnviz.core.layers.base import shape_str
from nnviz.ui import icons, theme
from nnviz.ui.layer_view import describe_layer

#: a shape typed as integers separated by commas ("7, 7, 1", "-1"), optionally in brackets
_SHAPE_TEXT = QRegularExpression(r"^\s*[\[(]?\s*-?\d+(\s*,\s*-?\d+)*\s*,?\s*[\])]?\s*$")


def _spin(lo: int, hi: int) -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setKeyboardTracking(False)
    s.setAccelerated(True)
    return s


class _PairEditor(QWidget):
    """Two spin boxes, "3 × 3"."""

    def __init__(self, lo: int, hi: int, parent=None):
        super().__init__(parent)
        self.a, self.b = _spin(lo, hi), _spin(lo, hi)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.a, 1)
        lay.addWidget(QLabel("×"))
        lay.addWidget(self.b, 1)

    def value(self) -> list[int]:
        return [self.a.value(), self.b.value()]

    def set_value(self, v) -> None:
        if not isinstance(v, (list, tuple)):
            v = [v, v]
        for box, x in zip((self.a, self.b), v):
            box.blockSignals(True)
            box.setValue(int(x))
            box.blockSignals(False)


class InspectorWidget(QWidget):
    """Shows and edits the selected layer (``set_selection``) through the document."""

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setObjectName("inspector")
        self.document = document
        self.index: int | None = None        # None: nothing selected; -1: the input
        self._form_key = None
        self.editors: dict[str, QWidget] = {}
        self._setters: dict[str, object] = {}

        self.icon_label = QLabel()
        self.icon_label.setFixedSize(32, 32)
        self.title_label = QLabel()
        self.title_label.setObjectName("inspectorTitle")
        self.name_label = QLabel()
        self.name_label.setObjectName("inspectorName")
        head = QHBoxLayout()
        head.setSpacing(10)
        head.addWidget(self.icon_label)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title_label)
        titles.addWidget(self.name_label)
        head.addLayout(titles, 1)
        self.description = QLabel()
        self.description.setObjectName("inspectorDescription")
        self.description.setWordWrap(True)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setHorizontalSpacing(12)
        self.form.setVerticalSpacing(8)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setObjectName("inspectorRule")
        self.info_label = QLabel()
        self.info_label.setObjectName("inspectorInfo")
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.locked = ""   # why the layers cannot be edited here (the classroom locked them); "": they can
        self.lock_label = QLabel()
        self.lock_label.setObjectName("inspectorLocked")
        self.lock_label.setWordWrap(True)
        self.lock_label.setVisible(False)
        self.error_label = QLabel()
        self.error_label.setObjectName("inspectorError")
        self.error_label.setWordWrap(True)
        self.placeholder = QLabel("Select a layer in the diagram to edit its settings.\n\n"
                                  "Drag layers from the palette onto the canvas, drag blocks to reorder them, "
                                  "Del removes the selection.")
        self.placeholder.setObjectName("inspectorPlaceholder")
        self.placeholder.setWordWrap(True)
        # with nothing selected: what the project is about (an example's title, description and notes)
        self.project_label = QLabel()
        self.project_label.setObjectName("inspectorProject")
        self.project_label.setWordWrap(True)
        self.project_label.setTextFormat(Qt.TextFormat.RichText)
        self.project_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(12, 12, 12, 12)
        lay.setSpacing(10)
        lay.addWidget(self.project_label)
        lay.addWidget(self.placeholder)
        lay.addLayout(head)
        lay.addWidget(self.info_label)   # shape and parameters under the title: at the bottom, a 1080p dock cut them
        lay.addWidget(line)
        lay.addWidget(self.description)
        lay.addWidget(self.lock_label)
        lay.addWidget(self.form_host)
        lay.addWidget(self.error_label)
        lay.addStretch(1)
        self._content = [self.icon_label, self.title_label, self.name_label, self.description, self.form_host, line,
                         self.info_label]
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        document.architecture_changed.connect(self._on_document_architecture_changed)
        document.dataset_changed.connect(self._on_document_architecture_changed)
        theme.state().theme_changed.connect(self._on_theme_changed)
        self.refresh()

    def _on_theme_changed(self, _name: str) -> None:
        self.refresh(force=True)

    def set_locked(self, reason: str) -> None:
        """Lock the editors (``reason``: why, shown above them and in their tool tip) or unlock them (``""``)."""
        self.locked = reason
        self.form_host.setEnabled(not reason)
        self.form_host.setToolTip(reason)
        self.lock_label.setText(reason)
        self.lock_label.setVisible(bool(reason))

    # ---------------------------------------------------------------- selection
    def set_selection(self, indices: list[int]) -> None:
        self.index = indices[0] if len(indices) == 1 else None
        self.refresh()

    def _on_document_architecture_changed(self) -> None:
        if self.index is not None and self.index >= self.document.layer_count():
            self.index = None
        self.refresh()

    # ---------------------------------------------------------------- building
    def refresh(self, force: bool = False) -> None:
        doc = self.document
        idx = self.index
        has = idx is not None
        self.placeholder.setVisible(not has)
        for w in self._content:
            w.setVisible(has)
        self.error_label.setVisible(False)
        if not has:
            self._clear_form()
            self._show_project()
            return
        self.project_label.setVisible(False)
        if idx == -1:
            key = ("input",)
            layer_type, options, name = "Input", {}, ""
        else:
            entry = doc.layer_entry(idx)
            layer_type = entry["class_name"]
            options = doc.layer_options(idx)
            name = entry["config"].get("name", "")
            key = (layer_type, name)
        if force or key != self._form_key:
            self._build_form(layer_type)
            self._form_key = key
        self.icon_label.setPixmap(icons.layer_icon(layer_type).pixmap(32, 32))
        if idx == -1:
            self.title_label.setText("Input")
            self.name_label.setText(doc.dataset.name if doc.dataset is not None else "")
            names = doc.feature_names()
            text = ("The shape of one sample, without the batch axis. It comes from the data set and can be "
                    "changed here.")
            if names:
                text += " Features: " + ", ".join(names) + "."
            self.description.setText(text)
            self._set_input_values(doc.input_shape)
            self.info_label.setText(f"Output shape: {shape_str((None, *doc.input_shape))}")
            return
        self.title_label.setText(describe_layer(layer_type, options))
        self.name_label.setText(f"{name} · {layer_type}")
        spec = CATALOG.get(layer_type)
        self.description.setText(spec.description if spec is not None else "")
        for k, setter in self._setters.items():
            setter(options.get(k))
        info = doc.layer_info()[idx]
        if info["output_shape"] is not None:
            trainable = info["trainable_params"]
            extra = f" ({info['params'] - trainable:,} non-trainable)" if info["params"] != trainable else ""
            self.info_label.setText(f"Output shape: {shape_str(info['output_shape'])}\n"
                                    f"Parameters: {info['params']:,}{extra}")
        else:
            self.info_label.setText("Output shape: unknown")
        if info["error"]:
            self.error_label.setText(info["error"])
            self.error_label.setVisible(True)

    def _show_project(self) -> None:
        """The project's title, description and notes (what an example is about and what to try with it)."""
        meta = getattr(self.document, "meta", None) or {}
        title, description, notes = (html.escape(str(meta.get(k) or "")) for k in ("title", "description", "notes"))
        parts = []
        if title:
            parts.append(f"<p style='font-size:12pt'><b>{title}</b></p>")
        if description:
            parts.append(f"<p>{description}</p>")
        if notes:
            parts.append(f"<p><i>{notes}</i></p>")
        self.project_label.setText("".join(parts))
        self.project_label.setVisible(bool(parts))

    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors, self._setters = {}, {}
        self._form_key = None

    def _build_form(self, layer_type: str) -> None:
        self._clear_form()
        if layer_type == "Input":
            self._build_input_form()
            return
        spec = CATALOG.get(layer_type)
        options = spec.options if spec is not None else ()
        for option in options:
            editor, setter = self._make_editor(option)
            editor.setObjectName(f"edit_{option.key}")
            editor.setToolTip(option.tooltip)
            lab = QLabel(option.label)
            lab.setToolTip(option.tooltip)
            self.form.addRow(lab, editor)
            self.editors[option.key] = editor
            self._setters[option.key] = setter
        if not options:
            note = QLabel("This layer has no settings.")
            note.setObjectName("inspectorPlaceholder")
            self.form.addRow(note)

    def _make_editor(self, option: OptionSpec):
        """The editor widget for one catalog option and a ``setter(value)`` that shows a value without committing."""
        key, kind = option.key, option.kind
        commit = lambda value, key=key: self._commit(key, value)  # noqa: E731
        if kind == "int":
            w = _spin(int(option.minimum if option.minimum is not None else 0),
                      int(option.maximum if option.maximum is not None else 1_000_000))
            w.valueChanged.connect(commit)

            def setter(v, w=w):
                w.blockSignals(True)
                w.setValue(int(v) if v is not None else w.minimum())
                w.blockSignals(False)
            return w, setter
        if kind == "float":
            lo = float(option.minimum if option.minimum is not None else 0.0)
            hi = float(option.maximum if option.maximum is not None else 1e9)
            step = float(option.step if option.step is not None else 0.1)
            decimals = int(option.decimals if option.decimals is not None else 3)
            w = QDoubleSpinBox()
            w.setRange(lo, hi)
            w.setSingleStep(step)
            w.setDecimals(decimals)
            w.setKeyboardTracking(False)
            w.valueChanged.connect(commit)

            def setter(v, w=w):
                w.blockSignals(True)
                w.setValue(float(v) if v is not None else lo)
                w.blockSignals(False)
            return w, setter
        if kind in ("activation", "choice"):
            w = QComboBox()
            w.addItems(list(ACTIVATIONS) if kind == "activation" else list(option.choices))
            # an item added for a setting the list lacks (an activation with its own slope) carries the setting
            w.activated.connect(lambda i, w=w, key=key: self._commit(
                key, w.itemText(i) if w.itemData(i) is None else w.itemData(i)))

            def setter(v, w=w):
                w.blockSignals(True)
                text = activation_text(v) if kind == "activation" else str(v)
                i = w.findText(text)
                if i < 0 and v is not None:
                    w.addItem(text, v if isinstance(v, dict) else None)
                    i = w.count() - 1
                w.setCurrentIndex(max(i, 0))
                w.blockSignals(False)
            return w, setter
        if kind == "bool":
            w = QCheckBox()
            w.toggled.connect(commit)

            def setter(v, w=w):
                w.blockSignals(True)
                w.setChecked(bool(v))
                w.blockSignals(False)
            return w, setter
        if kind == "pair":
            w = _PairEditor(int(option.minimum if option.minimum is not None else 1),
                            int(option.maximum if option.maximum is not None else 64))
            w.a.valueChanged.connect(lambda _v, w=w, key=key: self._commit(key, w.value()))
            w.b.valueChanged.connect(lambda _v, w=w, key=key: self._commit(key, w.value()))
            return w, w.set_value
        if kind == "shape":
            w = QLineEdit()
            w.setValidator(QRegularExpressionValidator(_SHAPE_TEXT, w))
            w.setPlaceholderText("e.g. 7, 7, 1")

            def commit_shape(w=w, key=key):
                if not w.isModified():
                    return
                w.setModified(False)
                digits = w.text().strip().strip("[]()").replace(" ", "")
                self._commit(key, [int(v) for v in digits.split(",") if v])

            w.editingFinished.connect(commit_shape)

            def setter(v, w=w):
                w.blockSignals(True)
                w.setText("" if v is None else ", ".join(str(int(d)) for d in v))
                w.setModified(False)
                w.blockSignals(False)
            return w, setter
        raise ValueError(f"the inspector has no editor for options of kind {kind!r}")

    def _build_input_form(self) -> None:
        kind = QComboBox()
        kind.setObjectName("edit_input_kind")
        kind.addItems(["Vector (features)", "Image (height × width × channels)"])
        kind.setToolTip("A vector of features, or an image with channels last")
        self.form.addRow(QLabel("Kind"), kind)
        boxes = []
        for label, name in (("Height", "edit_input_0"), ("Width", "edit_input_1"), ("Channels", "edit_input_2")):
            box = _spin(1, 4096)
            box.setObjectName(name)
            boxes.append(box)
        self.form.addRow(QLabel("Features"), boxes[0])
        self.form.addRow(QLabel("Width"), boxes[1])
        self.form.addRow(QLabel("Channels"), boxes[2])
        self.editors = {"kind": kind, "dim0": boxes[0], "dim1": boxes[1], "dim2": boxes[2]}
        kind.activated.connect(self._on_input_kind_activated)
        for box in boxes:
            box.valueChanged.connect(self._on_input_dims_changed)

    def _set_input_values(self, shape) -> None:
        ed = self.editors
        is_image = len(shape) == 3
        for w in ed.values():
            w.blockSignals(True)
        ed["kind"].setCurrentIndex(1 if is_image else 0)
        dims = list(shape) if is_image else [int(shape[0]) if len(shape) == 1 else 1, 1, 1]
        for k in range(3):
            ed[f"dim{k}"].setValue(int(dims[k]))
        for w in ed.values():
            w.blockSignals(False)
        label0 = self.form.labelForField(ed["dim0"])
        if label0 is not None:
            label0.setText("Height" if is_image else "Features")
        for k in (1, 2):
            self.form.setRowVisible(k + 1, is_image)

    def _input_shape_from_editors(self) -> tuple[int, ...]:
        ed = self.editors
        if ed["kind"].currentIndex() == 1:
            return (ed["dim0"].value(), ed["dim1"].value(), ed["dim2"].value())
        return (ed["dim0"].value(),)

    def _on_input_kind_activated(self, i: int) -> None:
        if self.locked:
            return
        shape = self._input_shape_from_editors()
        if i == 1 and len(self.document.input_shape) != 3:
            shape = (shape[0], shape[0], 1)
        self.document.set_input_shape(shape)

    def _on_input_dims_changed(self, _v: int) -> None:
        if self.locked:
            return
        self.document.set_input_shape(self._input_shape_from_editors())

    # ---------------------------------------------------------------- committing
    def _commit(self, key: str, value) -> None:
        if self.index is None or self.index < 0 or self.locked:
            return
        self.document.set_layer_option(self.index, key, value)
