"""``ProjectDocument``: the single source of truth the widgets observe, and its undo commands.

The document holds the architecture as a list of Keras layer entries (``{"class_name", "config"}``)
plus an input shape. After every change it rebuilds a ``Sequential`` with the core: a valid
architecture gives ``model`` (built and compiled), an impossible one gives ``error`` (the core's
``ArchitectureError``) and ``model = None``. Widgets never change the document directly: edits go
through the methods below, each of which pushes one ``QUndoCommand`` on ``undo_stack``; the commands
call the private ``_insert`` / ``_remove`` / ... mutators, which emit the ``*_changed`` signals.

Weights survive edits that do not touch them: the document remembers every layer's weights by
``(layer name, weight shapes)``, so changing a Dense layer's activation keeps all trained weights,
and undoing the removal of a layer brings its weights back.

QtCore only (no widgets); the project file format lives in :mod:`nnviz.io.project`.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from nnviz.core.layers import LAYER_CLASSES, Input
from nnviz.core.model import ArchitectureError, Sequential, _snake, unique_name
from nnviz.core.training import TrainingConfig

#: the layer types the editor offers, in palette order
LAYER_TYPES = ("Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D", "Flatten", "Dropout", "Activation",
               "BatchNormalization", "Embedding", "SimpleRNN", "LSTM", "GRU")

#: settings a freshly added layer starts with
DEFAULT_OPTIONS = {
    "Dense": {"units": 16, "activation": "relu"},
    "Conv2D": {"filters": 16, "kernel_size": [3, 3], "padding": "same", "activation": "relu"},
    "MaxPooling2D": {"pool_size": [2, 2]},
    "AveragePooling2D": {"pool_size": [2, 2]},
    "Flatten": {},
    "Dropout": {"rate": 0.2},
    "Activation": {"activation": "relu"},
    "BatchNormalization": {},
    "Embedding": {"input_dim": 100, "output_dim": 8},
    "SimpleRNN": {"units": 16},
    "LSTM": {"units": 16},
    "GRU": {"units": 16},
}

DEFAULT_DATASET = {"name": "circle", "params": {}}
DEFAULT_LAYERS = (("Dense", {"units": 4, "activation": "tanh"}),
                  ("Dense", {"units": 4, "activation": "tanh"}),
                  ("Dense", {"units": 2, "activation": "softmax"}))


def layer_entry(class_name: str, **options) -> dict:
    """``{"class_name": ..., "config": {...}}`` with the editor's defaults for ``class_name``."""
    if class_name not in LAYER_CLASSES:
        raise ValueError(f"unknown layer type {class_name!r}; valid layer types are: {', '.join(LAYER_TYPES)}")
    config = copy.deepcopy(DEFAULT_OPTIONS.get(class_name, {}))
    config.update(options)
    return {"class_name": class_name, "config": config}


def _shape_tuple(shape) -> tuple[int, ...]:
    try:
        out = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"an input shape is a tuple of positive integers, got {shape!r}") from None
    if not out or any(s <= 0 for s in out):
        raise ValueError(f"an input shape is a tuple of positive integers, got {shape!r}")
    return out


def _values_equal(a, b) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_values_equal(x, y) for x, y in zip(a, b))
    return a == b


class ProjectDocument(QObject):
    """The open project: architecture, weights, data set, training settings, history, file path."""

    architecture_changed = Signal()
    weights_changed = Signal()
    dataset_changed = Signal()
    training_config_changed = Signal()
    validity_changed = Signal(bool)
    modified_changed = Signal(bool)
    path_changed = Signal(str)
    history_changed = Signal()

    def __init__(self, parent: QObject | None = None, load_default: bool = True):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_undo_stack_clean_changed)
        self._layers: list[dict] = []
        self._input_shape: tuple[int, ...] = (2,)
        self._model_name = "sequential"
        self._dtype = "float32"
        self._seed: int | None = 0
        self._model: Sequential | None = None
        self._partial: Sequential | None = None
        self._error: ArchitectureError | None = None
        self._valid = False
        self._weight_store: dict[tuple, list[np.ndarray]] = {}
        self._dataset = None
        self._dataset_spec: dict | None = None
        self._training_config = TrainingConfig()
        self._history: dict[str, list[float]] = {}
        self._path = ""
        self._extra_modified = False
        self._last_modified = False
        self.meta: dict = {}
        if load_default:
            self.new()

    # ================================================================== state
    @property
    def input_shape(self) -> tuple[int, ...]:
        return self._input_shape

    @property
    def model(self) -> Sequential | None:
        """The built, compiled model, or ``None`` while the architecture is invalid."""
        return self._model

    @property
    def error(self) -> ArchitectureError | None:
        return self._error

    @property
    def is_valid(self) -> bool:
        return self._valid

    @property
    def dataset(self):
        return self._dataset

    @property
    def dataset_spec(self) -> dict | None:
        return copy.deepcopy(self._dataset_spec)

    @property
    def training_config(self) -> TrainingConfig:
        return self._training_config

    @property
    def history(self) -> dict[str, list[float]]:
        return self._history

    @property
    def path(self) -> str:
        return self._path

    @property
    def is_modified(self) -> bool:
        return self._extra_modified or not self.undo_stack.isClean()

    @property
    def title(self) -> str:
        """What the window shows: the project's title, else the file name, else "Untitled"."""
        import os
        if self.meta.get("title"):
            return str(self.meta["title"])
        if self._path:
            return os.path.splitext(os.path.basename(self._path))[0]
        return "Untitled"

    def layer_configs(self) -> list[dict]:
        """A copy of the architecture: one ``{"class_name", "config"}`` per layer (no input entry)."""
        return copy.deepcopy(self._layers)

    def layer_count(self) -> int:
        return len(self._layers)

    def layer_entry(self, index: int) -> dict:
        return copy.deepcopy(self._layers[index])

    def layer_options(self, index: int) -> dict:
        """Every setting of layer ``index`` with the core's defaults filled in (what the inspector edits)."""
        entry = self._layers[index]
        cls = LAYER_CLASSES.get(entry["class_name"])
        try:
            full = cls.from_config(dict(entry["config"])).get_config()
        except (TypeError, ValueError, AttributeError):
            full = {}
        full.update(entry["config"])
        return full

    def layer_info(self) -> list[dict]:
        """Per layer: ``name``, ``type``, ``output_shape`` (with batch ``None``, or ``None`` when it cannot
        be computed), ``params``, ``trainable_params`` and ``error`` (the message for the layer that fails)."""
        built = self._model or self._partial
        rows = []
        for i, entry in enumerate(self._layers):
            row = {"name": entry["config"].get("name"), "type": entry["class_name"], "output_shape": None,
                   "params": None, "trainable_params": None, "error": None}
            if built is not None and i < len(built.layers) and built.layers[i].built:
                layer = built.layers[i]
                row.update(output_shape=layer.output_shape, params=layer.count_params(),
                           trainable_params=layer.count_trainable_params())
            if self._error is not None and self._error.layer_index == i:
                row["error"] = str(self._error)
            rows.append(row)
        return rows

    def architecture_config(self) -> dict:
        """The architecture as ``Sequential.get_config()`` would give it (input entry first)."""
        return {"name": self._model_name, "dtype": self._dtype, "seed": self._seed,
                "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [None, *self._input_shape]}}]
                + copy.deepcopy(self._layers)}

    def weights(self) -> dict[str, np.ndarray]:
        """The current weights keyed like ``model.weight_keys()`` (empty while invalid)."""
        if self._model is None:
            return {}
        return dict(zip(self._model.weight_keys(), self._model.get_weights()))

    def feature_names(self) -> list[str] | None:
        """The data set's feature names when they describe the network's input, else ``None``."""
        ds = self._dataset
        if ds is None or len(self._input_shape) != 1:
            return None
        names = list(getattr(ds, "feature_names", None) or [])
        return names if len(names) == self._input_shape[0] else None

    # ================================================================== undoable edits
    def add_layer(self, index: int, layer_config) -> int:
        """Insert a layer at ``index`` (clamped); ``layer_config`` is a class name or an entry dict.
        Returns the index the layer landed at."""
        if isinstance(layer_config, str):
            entry = layer_entry(layer_config, **self._data_defaults(layer_config))
        else:
            entry = copy.deepcopy(dict(layer_config))
            entry.setdefault("config", {})
            if entry.get("class_name") not in LAYER_CLASSES:
                raise ValueError(f"unknown layer type {entry.get('class_name')!r}")
        index = max(0, min(int(index), len(self._layers)))
        name = entry["config"].get("name")
        if not name or any(e["config"].get("name") == name for e in self._layers):
            entry["config"]["name"] = self._unique_name(_snake(entry["class_name"]))
        self.undo_stack.push(AddLayerCommand(self, index, entry))
        return index

    def _data_defaults(self, class_name: str) -> dict:
        """Settings a new layer takes from the data: an Embedding's vocabulary is the data set's."""
        vocabulary = getattr(self._dataset, "vocabulary", None)
        if class_name == "Embedding" and vocabulary:
            return {"input_dim": len(vocabulary)}
        return {}

    def remove_layers(self, indices) -> None:
        indices = sorted({int(i) for i in indices if 0 <= int(i) < len(self._layers)})
        if indices:
            self.undo_stack.push(RemoveLayersCommand(self, indices))

    def move_layer(self, src: int, dst: int) -> None:
        """Move layer ``src`` so it ends up at index ``dst``."""
        n = len(self._layers)
        if not 0 <= src < n:
            raise IndexError(f"no layer {src}")
        dst = max(0, min(int(dst), n - 1))
        if dst != src:
            self.undo_stack.push(MoveLayerCommand(self, src, dst))

    def set_layer_option(self, index: int, key: str, value) -> None:
        if key == "name":
            raise ValueError("layer names are fixed (they key the weights)")
        old = self.layer_options(index).get(key)
        if isinstance(value, tuple):
            value = list(value)
        if not _values_equal(old, value):
            self.undo_stack.push(SetLayerOptionCommand(self, index, key, value))

    def set_input_shape(self, shape) -> None:
        shape = _shape_tuple(shape)
        if shape != self._input_shape:
            self.undo_stack.push(SetInputShapeCommand(self, shape))

    # ================================================================== non-undoable state
    def set_dataset(self, spec) -> None:
        """Load the data set ``{"name", "params"}`` from the catalog; the input shape follows it."""
        dataset, spec = self._load_dataset(spec)
        self._dataset, self._dataset_spec = dataset, spec
        self._set_extra_modified()
        if dataset is not None and tuple(dataset.input_shape) != self._input_shape:
            self._input_shape = tuple(dataset.input_shape)
            self._rebuild()
        self.dataset_changed.emit()

    def set_training_config(self, cfg) -> None:
        if isinstance(cfg, dict):
            cfg = TrainingConfig.from_dict(cfg)
        self._training_config = replace(cfg)
        if self._model is not None:
            try:
                self._training_config.compile_model(self._model)
            except ValueError:
                pass
        self._set_extra_modified()
        self.training_config_changed.emit()

    def set_weights(self, weights) -> None:
        """Replace the model's weights (a list aligned with ``model.get_weights()`` or a dict keyed by
        ``model.weight_keys()``); the model checks them."""
        if self._model is None:
            raise ValueError("the architecture is invalid, so there are no weights to set")
        if isinstance(weights, dict):
            weights = [weights[k] for k in self._model.weight_keys()]
        self._model.set_weights(weights)
        self._harvest()
        self._set_extra_modified()
        self.weights_changed.emit()

    def reinitialize_weights(self) -> None:
        """Fresh initial weights for every layer (same seed, so the same fresh weights every time)."""
        self._weight_store.clear()
        self._rebuild(keep_weights=False)
        self._set_extra_modified()

    def append_history(self, logs: dict) -> None:
        for key, value in logs.items():
            self._history.setdefault(str(key), []).append(float(value))
        self._set_extra_modified()
        self.history_changed.emit()

    def reset_history(self) -> None:
        if self._history:
            self._history = {}
            self._set_extra_modified()
            self.history_changed.emit()

    # ================================================================== files
    def new(self) -> None:
        """The default project: the 'circle' playground set and a small Dense network."""
        layers = []
        names: list[str] = []
        for cls, opts in DEFAULT_LAYERS:
            entry = layer_entry(cls, **opts)
            name = _snake(cls)
            i = 1
            while name in names:
                name = f"{_snake(cls)}_{i}"
                i += 1
            names.append(name)
            entry["config"]["name"] = name
            layers.append(entry)
        dataset, spec = self._load_dataset(DEFAULT_DATASET)
        self._replace_all(layers=layers, input_shape=tuple(dataset.input_shape) if dataset else (2,),
                          model_name="sequential", dtype="float32", seed=0, dataset=dataset, dataset_spec=spec,
                          training=TrainingConfig(), history={}, weights=None, meta={}, path="")

    def to_project(self):
        """The document as an :class:`nnviz.io.project.Project`."""
        from nnviz.io.project import Project
        weights = self.weights() if self._model is not None else None
        return Project(architecture=self.architecture_config(), training=self._training_config.to_dict(),
                       dataset=copy.deepcopy(self._dataset_spec), weights=weights or None,
                       history=copy.deepcopy(self._history) or None, meta=copy.deepcopy(self.meta))

    def load_project(self, project, path: str | None = "") -> None:
        """Replace everything with ``project``. Everything that can fail is checked first: on
        ``ValueError`` the document is left exactly as it was."""
        arch = project.architecture
        if not isinstance(arch, dict) or not isinstance(arch.get("layers"), list):
            raise ValueError("the architecture must be a dict with a 'layers' list")
        entries = copy.deepcopy(arch["layers"])
        input_shape = None
        if entries and isinstance(entries[0], dict) and entries[0].get("class_name") == "InputLayer":
            cfg = entries.pop(0).get("config") or {}
            shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
            input_shape = _shape_tuple(shape[1:] if shape is not None else cfg["shape"])
        layers = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or entry.get("class_name") not in LAYER_CLASSES:
                raise ValueError(f"layer entry {i} is not a known layer: {entry!r}")
            cfg = dict(entry.get("config") or {})
            if input_shape is None and cfg.get("input_shape"):
                input_shape = _shape_tuple(cfg["input_shape"])
            cfg.pop("input_shape", None)
            layers.append({"class_name": entry["class_name"], "config": cfg})
        # unnamed layers get the names the core would give them, so weight keys line up
        taken: list[str] = []
        for entry in layers:
            name = entry["config"].get("name")
            if not name:
                base = _snake(entry["class_name"])
                name, k = base, 1
                while name in taken:
                    name, k = f"{base}_{k}", k + 1
                entry["config"]["name"] = name
            taken.append(name)
        training = TrainingConfig.from_dict(project.training or {})
        # one seed: the training's, as Reset and `nnviz train` use (the architecture's gave the first Train other
        # initial weights and another shuffle than those two)
        dataset, spec = self._load_dataset(project.dataset) if project.dataset else (None, None)
        if input_shape is None:
            if dataset is None:
                raise ValueError("the project has neither an input shape nor a data set")
            input_shape = tuple(dataset.input_shape)
        self._replace_all(layers=layers, input_shape=input_shape, model_name=arch.get("name") or "sequential",
                          dtype=arch.get("dtype") or "float32", seed=training.seed, dataset=dataset,
                          dataset_spec=spec, training=training,
                          history={k: list(v) for k, v in (project.history or {}).items()},
                          weights=project.weights, meta=dict(project.meta or {}), path=path or "")

    def set_path(self, path: str) -> None:
        if path != self._path:
            self._path = path
            self.path_changed.emit(path)

    def mark_saved(self, path: str | None = None) -> None:
        """Call after the project was written to ``path``: the document is unmodified from here on."""
        if path is not None:
            self.set_path(path)
        self._extra_modified = False
        self.undo_stack.setClean()
        self._emit_modified()

    def mark_modified(self) -> None:
        self._set_extra_modified()

    # ================================================================== internals
    def _load_dataset(self, spec):
        if spec is None:
            return None, None
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise ValueError(f"a data set is given as {{'name': ..., 'params': {{...}}}}, got {spec!r}")
        from nnviz.core.data import catalog
        params = dict(spec.get("params") or {})
        dataset = catalog.load(spec["name"], **params)
        return dataset, {"name": spec["name"], "params": params}

    def _replace_all(self, *, layers, input_shape, model_name, dtype, seed, dataset, dataset_spec, training,
                     history, weights, meta, path) -> None:
        was_valid = self._valid
        self._layers = layers
        self._input_shape = tuple(input_shape)
        self._model_name, self._dtype, self._seed = model_name, dtype, seed
        self._dataset, self._dataset_spec = dataset, dataset_spec
        self._training_config = training
        self._history = history
        self.meta = meta
        self._weight_store.clear()
        self._build()
        if weights and self._model is not None:
            keys = self._model.weight_keys()
            if set(keys) <= set(weights):
                self._model.set_weights([np.asarray(weights[k]) for k in keys])
                self._harvest()
        self.undo_stack.clear()
        self._extra_modified = False
        old_path = self._path
        self._path = path
        self.architecture_changed.emit()
        self.weights_changed.emit()
        self.dataset_changed.emit()
        self.training_config_changed.emit()
        self.history_changed.emit()
        if was_valid != self._valid:
            self.validity_changed.emit(self._valid)
        if old_path != path:
            self.path_changed.emit(path)
        self._emit_modified()

    def _unique_name(self, base: str) -> str:
        taken = {e["config"].get("name") for e in self._layers}
        taken |= {key[0] for key in self._weight_store}  # never reuse a removed layer's name
        return unique_name(base, taken)

    def _harvest(self) -> None:
        """Remember the current weights of every layer, keyed by name and shapes."""
        if self._model is None:
            return
        for layer in self._model.layers:
            weights = layer.get_weights()
            self._weight_store[(layer.name, tuple(w.shape for w in weights))] = weights

    def _build(self) -> None:
        """Build the model from the layer entries; sets ``_model`` / ``_partial`` / ``_error`` / ``_valid``."""
        model = Sequential(name=self._model_name, dtype=self._dtype, seed=self._seed)
        model.add(Input(self._input_shape))
        error = None
        at = [0, None]   # the entry being added: its index and name

        def layers():
            for i, entry in enumerate(self._layers):
                at[:] = [i, entry["config"].get("name")]
                try:
                    layer = LAYER_CLASSES[entry["class_name"]].from_config(dict(entry["config"]))
                except (TypeError, ValueError) as exc:
                    raise ArchitectureError(f"layer {i + 1} '{at[1]}' ({entry['class_name']}): {exc}", i,
                                            at[1]) from None
                yield layer

        try:   # each layer built once; on an error the model keeps the layers before the failing one
            model._add_all(layers())
        except ArchitectureError as exc:
            error = exc
        except ValueError as exc:
            error = ArchitectureError(str(exc), *at)
        if error is None and not self._layers:
            error = ArchitectureError("the network has no layers yet: drag one from the palette", -1, None)
        if error is None:
            for layer in model.layers:
                key = (layer.name, tuple(layer.params[k].shape for k in layer.weight_names))
                if key in self._weight_store:
                    layer.set_weights(self._weight_store[key])
            try:
                self._training_config.compile_model(model)
            except ValueError:
                pass
            self._model, self._partial = model, None
        else:
            self._model, self._partial = None, model
        self._error = error
        self._valid = error is None
        self._harvest()

    def _rebuild(self, keep_weights: bool = True) -> None:
        was_valid = self._valid
        if keep_weights:
            self._harvest()
        self._build()
        self.architecture_changed.emit()
        self.weights_changed.emit()
        if was_valid != self._valid:
            self.validity_changed.emit(self._valid)

    # mutators used by the undo commands -------------------------------------------------------
    def _insert(self, index: int, entry: dict) -> None:
        self._layers.insert(index, copy.deepcopy(entry))
        self._rebuild()

    def _remove(self, index: int) -> dict:
        entry = self._layers.pop(index)
        self._rebuild()
        return entry

    def _insert_many(self, items: list[tuple[int, dict]]) -> None:
        for index, entry in sorted(items, key=lambda t: t[0]):
            self._layers.insert(index, copy.deepcopy(entry))
        self._rebuild()

    def _remove_many(self, indices: list[int]) -> list[tuple[int, dict]]:
        removed = [(i, self._layers[i]) for i in sorted(indices)]
        for i in sorted(indices, reverse=True):
            self._layers.pop(i)
        self._rebuild()
        return removed

    def _move(self, src: int, dst: int) -> None:
        entry = self._layers.pop(src)
        self._layers.insert(dst, entry)
        self._rebuild()

    def _set_option(self, index: int, key: str, value) -> None:
        self._layers[index]["config"][key] = copy.deepcopy(value)
        self._rebuild()

    def _set_input_shape(self, shape: tuple[int, ...]) -> None:
        self._input_shape = tuple(shape)
        self._rebuild()

    # modified state ------------------------------------------------------------------------------
    def _set_extra_modified(self) -> None:
        if not self._extra_modified:
            self._extra_modified = True
            self._emit_modified()

    def _on_undo_stack_clean_changed(self, _clean: bool) -> None:
        self._emit_modified()

    def _emit_modified(self) -> None:
        now = self.is_modified
        if now != self._last_modified:
            self._last_modified = now
            self.modified_changed.emit(now)


# ====================================================================== undo commands
class _DocumentCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, text: str):
        super().__init__(text)
        self.doc = doc


class AddLayerCommand(_DocumentCommand):
    def __init__(self, doc: ProjectDocument, index: int, entry: dict):
        super().__init__(doc, f"Add {entry['class_name']}")
        self.index = index
        self.entry = copy.deepcopy(entry)

    def redo(self):
        self.doc._insert(self.index, self.entry)

    def undo(self):
        self.doc._remove(self.index)


class RemoveLayersCommand(_DocumentCommand):
    def __init__(self, doc: ProjectDocument, indices: list[int]):
        names = [doc._layers[i]["config"].get("name") for i in indices]
        text = f"Remove {names[0]}" if len(names) == 1 else f"Remove {len(names)} layers"
        super().__init__(doc, text)
        self.indices = list(indices)
        self.removed: list[tuple[int, dict]] = []

    def redo(self):
        self.removed = copy.deepcopy(self.doc._remove_many(self.indices))

    def undo(self):
        self.doc._insert_many(self.removed)


class MoveLayerCommand(_DocumentCommand):
    """Moves one layer; consecutive moves of the same layer merge into one command."""

    ID = 1001

    def __init__(self, doc: ProjectDocument, src: int, dst: int):
        super().__init__(doc, f"Move {doc._layers[src]['config'].get('name')}")
        self.src, self.dst = src, dst

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveLayerCommand) or other.src != self.dst:
            return False
        self.dst = other.dst
        self.setObsolete(self.src == self.dst)
        return True

    def redo(self):
        self.doc._move(self.src, self.dst)

    def undo(self):
        self.doc._move(self.dst, self.src)


class SetLayerOptionCommand(_DocumentCommand):
    def __init__(self, doc: ProjectDocument, index: int, key: str, value):
        name = doc._layers[index]["config"].get("name")
        super().__init__(doc, f"Set {key} of {name}")
        self.index, self.key, self.value = index, key, copy.deepcopy(value)
        config = doc._layers[index]["config"]
        self.had_key = key in config
        self.old = copy.deepcopy(config.get(key))

    def redo(self):
        self.doc._set_option(self.index, self.key, self.value)

    def undo(self):
        if self.had_key:
            self.doc._set_option(self.index, self.key, self.old)
        else:
            self.doc._layers[self.index]["config"].pop(self.key, None)
            self.doc._rebuild()


class SetInputShapeCommand(_DocumentCommand):
    def __init__(self, doc: ProjectDocument, shape: tuple[int, ...]):
        super().__init__(doc, f"Set input shape to {', '.join(map(str, shape))}")
        self.old = doc._input_shape
        self.new = tuple(shape)

    def redo(self):
        self.doc._set_input_shape(self.new)

    def undo(self):
        self.doc._set_input_shape(self.old)
