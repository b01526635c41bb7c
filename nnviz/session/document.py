"""``ProjectDocument``: the single source of truth the widgets observe.

The document holds the architecture as a list of Keras layer entries (``{"class_name", "config"}``)
plus an input shape, in a Qt-free :class:`~nnviz.session.architecture.Architecture` (with its weight store).
After every change it rebuilds a ``Sequential`` with the core: a valid architecture gives ``model`` (built and
compiled), an impossible one gives ``error`` (the core's ``ArchitectureError``) and ``model = None``. Widgets never
change the document directly: edits go through the methods below, each of which pushes one ``QUndoCommand``
(:mod:`nnviz.session.commands`) on ``undo_stack``; the commands call the private ``_insert`` / ``_remove`` / ...
mutators, which emit the ``*_changed`` signals.

Weights survive edits that do not touch them: the architecture remembers every layer's weights by
``(layer name, weight shapes)``, so changing a Dense layer's activation keeps all trained weights,
and undoing the removal of a layer brings its weights back.

QtCore only (no widgets); the project file format lives in :mod:`nnviz.io.project`.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from nnviz.core.catalog import default_options, layer_types
from nnviz.core.layers import LAYER_CLASSES
from nnviz.core.model import ArchitectureError, Sequential, _snake
from nnviz.core.runs import RunHistory
from nnviz.core.state import set_optimizer_state
from nnviz.core.training import TrainingConfig
from nnviz.session.architecture import Architecture, parse_architecture, shape_tuple, values_equal
from nnviz.session.commands import (AddLayerCommand, MoveLayerCommand, RemoveLayersCommand,  # noqa: F401
                                    SetDatasetCommand, SetInputShapeCommand, SetLayerOptionCommand)
from nnviz.session.document_training import TrainingUndoMixin

#: the layer types the editor offers, in palette order, and the settings a freshly added layer starts with:
#: both said once, by each layer class in the core's catalog
LAYER_TYPES = layer_types()
DEFAULT_OPTIONS = default_options()

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


class ProjectDocument(TrainingUndoMixin, QObject):
    """The open project: architecture, weights, data set, training settings, history, file path."""

    architecture_changed = Signal()
    weights_changed = Signal()
    dataset_changed = Signal()
    training_config_changed = Signal()
    validity_changed = Signal(bool)
    modified_changed = Signal(bool)
    path_changed = Signal(str)
    history_changed = Signal()
    runs_changed = Signal()

    def __init__(self, parent: QObject | None = None, load_default: bool = True):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_undo_stack_clean_changed)
        self.arch = Architecture()
        self._dataset = None
        self._dataset_spec: dict | None = None
        self._training_config = TrainingConfig()
        self._history: dict[str, list[float]] = {}
        self._optimizer_state: dict | None = None
        self._test_history: dict[str, list] = {}
        #: every training run of the project (kept through undo: a run undone can still be compared and rewound to)
        self.runs = RunHistory()
        #: warnings of the last load (runs of a damaged history that were dropped)
        self.load_warnings: list[str] = []
        #: called before every undoable change (edits, undo, redo): the training UI stops a run in progress here
        #: and records it as its own undo entry, so the change never loses trained weights
        self.before_change = None
        self._path = ""
        self._extra_modified = False
        self._last_modified = False
        self.meta: dict = {}
        if load_default:
            self.new()

    # ================================================================== state
    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.arch.input_shape

    @property
    def model(self) -> Sequential | None:
        """The built, compiled model, or ``None`` while the architecture is invalid."""
        return self.arch.model

    @property
    def error(self) -> ArchitectureError | None:
        return self.arch.error

    @property
    def is_valid(self) -> bool:
        return self.arch.valid

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
    def optimizer_state(self) -> dict | None:
        """The optimizer's slots and iteration count training left (None: a fresh optimizer)."""
        return self._optimizer_state

    @property
    def test_history(self) -> dict[str, list]:
        """The test split's curves: key -> list of (fractional epoch, value)."""
        return self._test_history

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
        return copy.deepcopy(self.arch.layers)

    def layer_count(self) -> int:
        return len(self.arch.layers)

    def layer_entry(self, index: int) -> dict:
        return copy.deepcopy(self.arch.layers[index])

    def layer_options(self, index: int) -> dict:
        """Every setting of layer ``index`` with the core's defaults filled in (what the inspector edits)."""
        return self.arch.layer_options(index)

    def layer_info(self) -> list[dict]:
        """Per layer: ``name``, ``type``, ``output_shape`` (with batch ``None``, or ``None`` when it cannot
        be computed), ``params``, ``trainable_params`` and ``error`` (the message for the layer that fails)."""
        return self.arch.layer_info()

    def architecture_config(self) -> dict:
        """The architecture as ``Sequential.get_config()`` would give it (input entry first)."""
        return self.arch.config()

    def weights(self) -> dict[str, np.ndarray]:
        """The current weights keyed like ``model.weight_keys()`` (empty while invalid)."""
        return self.arch.weights()

    def feature_names(self) -> list[str] | None:
        """The data set's feature names when they describe the network's input, else ``None``."""
        ds = self._dataset
        if ds is None or len(self.input_shape) != 1:
            return None
        names = list(getattr(ds, "feature_names", None) or [])
        return names if len(names) == self.input_shape[0] else None

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
        index = max(0, min(int(index), len(self.arch.layers)))
        name = entry["config"].get("name")
        if not name or any(e["config"].get("name") == name for e in self.arch.layers):
            entry["config"]["name"] = self.arch.unique_name(_snake(entry["class_name"]))
        self._push(AddLayerCommand(self, index, entry))
        return index

    def _data_defaults(self, class_name: str) -> dict:
        """Settings a new layer takes from the data: an Embedding's vocabulary is the data set's."""
        vocabulary = getattr(self._dataset, "vocabulary", None)
        if class_name == "Embedding" and vocabulary:
            return {"input_dim": len(vocabulary)}
        return {}

    def remove_layers(self, indices) -> None:
        indices = sorted({int(i) for i in indices if 0 <= int(i) < len(self.arch.layers)})
        if indices:
            self._push(RemoveLayersCommand(self, indices))

    def move_layer(self, src: int, dst: int) -> None:
        """Move layer ``src`` so it ends up at index ``dst``."""
        n = len(self.arch.layers)
        if not 0 <= src < n:
            raise IndexError(f"no layer {src}")
        dst = max(0, min(int(dst), n - 1))
        if dst != src:
            self._push(MoveLayerCommand(self, src, dst))

    def set_layer_option(self, index: int, key: str, value) -> None:
        if key == "name":
            raise ValueError("layer names are fixed (they key the weights)")
        old = self.layer_options(index).get(key)
        if isinstance(value, tuple):
            value = list(value)
        if not values_equal(old, value):
            self._push(SetLayerOptionCommand(self, index, key, value))

    def fit_output_layer(self, units: int, activation: str) -> None:
        """The last layer (a Dense) gets ``units`` and ``activation``, as one undo step: the fix the window offers
        when the output does not fit the data (:func:`nnviz.core.compat.fit_problem`)."""
        last = len(self.arch.layers) - 1
        if last < 0 or self.arch.layers[last]["class_name"] != "Dense":
            raise ValueError("only a Dense output layer is fitted to the data")
        self._settle_training()
        self.undo_stack.beginMacro(f"Fit the output layer: Dense({units}, {activation})")
        try:
            self.set_layer_option(last, "units", int(units))
            self.set_layer_option(last, "activation", activation)
        finally:
            self.undo_stack.endMacro()

    def set_input_shape(self, shape) -> None:
        shape = shape_tuple(shape)
        if shape != self.arch.input_shape:
            self._push(SetInputShapeCommand(self, shape))

    def _push(self, command) -> None:
        self._settle_training()
        self.undo_stack.push(command)

    def _settle_training(self) -> None:
        if self.before_change is not None:
            self.before_change()

    def undo(self) -> None:
        """Undo (a run in progress first becomes its own entry, which this undoes)."""
        self._settle_training()
        self.undo_stack.undo()

    def redo(self) -> None:
        self._settle_training()
        self.undo_stack.redo()

    # ================================================================== training as undo entries
    def set_dataset(self, spec) -> None:
        """Load the data set ``{"name", "params"}`` from the catalog; the input shape follows it. One undo entry:
        undo brings back the data set and the weights, optimizer state and curves of before."""
        dataset, spec = self._load_dataset(spec)
        if spec == self._dataset_spec:
            return
        self._settle_training()
        self.undo_stack.push(SetDatasetCommand(self, dataset, spec, self.training_state()))

    # ================================================================== non-undoable state

    def set_training_config(self, cfg) -> None:
        if isinstance(cfg, dict):
            cfg = TrainingConfig.from_dict(cfg)
        old = self._training_config
        self._training_config = replace(cfg)
        if self.model is not None:
            try:
                self._training_config.compile_model(self.model)
            except ValueError:
                pass
        if cfg.optimizer != old.optimizer:   # the state survives a new learning rate (as in the training
            self._optimizer_state = None      # process), not a new optimizer
        self._sync_model_optimizer()
        self._set_extra_modified()
        self.training_config_changed.emit()

    def set_weights(self, weights) -> None:
        """Replace the model's weights (a list aligned with ``model.get_weights()`` or a dict keyed by
        ``model.weight_keys()``); the model checks them."""
        self.arch.set_weights(weights)
        self._set_extra_modified()
        self.weights_changed.emit()

    def set_optimizer_state(self, state) -> bool:
        """Take the training process's (or a step's) optimizer state with its weights (a document without
        the run log: the standalone training window); call before ``set_weights``. False when it does not fit
        the network (the optimizer then starts afresh)."""
        if self.model is None or state is None:
            return False
        probe = self.model.clone()
        self._training_config.compile_model(probe)
        if not set_optimizer_state(probe, state):
            return False
        self._optimizer_state = copy.deepcopy(dict(state))
        self._sync_model_optimizer()
        self._set_extra_modified()
        return True

    def reinitialize_weights(self) -> None:
        """Fresh initial weights for every layer (same seed, so the same fresh weights every time)."""
        self.arch.weight_store.clear()
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
                          training=TrainingConfig(), history={}, weights=None, meta={}, path="", runs=[])
        self.load_warnings = []

    def to_project(self):
        """The document as an :class:`nnviz.io.project.Project`."""
        from nnviz.io.project import Project
        weights = self.weights() if self.model is not None else None
        return Project(architecture=self.architecture_config(), training=self._training_config.to_dict(),
                       dataset=copy.deepcopy(self._dataset_spec), weights=weights or None,
                       history=copy.deepcopy(self._history) or None, meta=copy.deepcopy(self.meta),
                       optimizer_state=self.optimizer_state if weights else None, runs=list(self.runs.runs))

    def load_project(self, project, path: str | None = "") -> None:
        """Replace everything with ``project``. Everything that can fail is checked first: on
        ``ValueError`` the document is left exactly as it was."""
        arch = project.architecture
        layers, input_shape = parse_architecture(arch)
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
                          weights=project.weights, meta=dict(project.meta or {}), path=path or "",
                          optimizer_state=getattr(project, "optimizer_state", None),
                          runs=list(getattr(project, "runs", None) or []))
        self.load_warnings = list(getattr(project, "warnings", None) or [])

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
                     history, weights, meta, path, optimizer_state=None, runs=()) -> None:
        was_valid = self.arch.valid
        self._dataset, self._dataset_spec = dataset, dataset_spec
        self._training_config = training
        self._history = history
        self._optimizer_state = copy.deepcopy(optimizer_state) if weights is not None else None
        self._test_history = {}
        self.runs = RunHistory(runs)
        self.meta = meta
        self.arch.replace(layers, input_shape, model_name, dtype, seed, training, weights)
        self._sync_model_optimizer()   # training continues where it stopped
        self.undo_stack.clear()
        self._extra_modified = False
        old_path = self._path
        self._path = path
        self.architecture_changed.emit()
        self.weights_changed.emit()
        self.dataset_changed.emit()
        self.training_config_changed.emit()
        self.history_changed.emit()
        self.runs_changed.emit()
        if was_valid != self.arch.valid:
            self.validity_changed.emit(self.arch.valid)
        if old_path != path:
            self.path_changed.emit(path)
        self._emit_modified()

    def _rebuild(self, keep_weights: bool = True) -> None:
        was_valid = self.arch.valid
        if keep_weights:
            self.arch.harvest()
        self.arch.build(self._training_config)
        self.architecture_changed.emit()
        self.weights_changed.emit()
        if was_valid != self.arch.valid:
            self.validity_changed.emit(self.arch.valid)

    # mutators used by the undo commands -------------------------------------------------------
    def _insert(self, index: int, entry: dict) -> None:
        self.arch.insert(index, entry)
        self._rebuild()

    def _remove(self, index: int) -> dict:
        entry = self.arch.remove(index)
        self._rebuild()
        return entry

    def _insert_many(self, items: list[tuple[int, dict]]) -> None:
        self.arch.insert_many(items)
        self._rebuild()

    def _remove_many(self, indices: list[int]) -> list[tuple[int, dict]]:
        removed = self.arch.remove_many(indices)
        self._rebuild()
        return removed

    def _move(self, src: int, dst: int) -> None:
        self.arch.move(src, dst)
        self._rebuild()

    def _set_option(self, index: int, key: str, value) -> None:
        self.arch.set_option(index, key, value)
        self._rebuild()

    def _unset_option(self, index: int, key: str) -> None:
        self.arch.unset_option(index, key)
        self._rebuild()

    def _set_input_shape(self, shape: tuple[int, ...]) -> None:
        self.arch.input_shape = tuple(shape)
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
