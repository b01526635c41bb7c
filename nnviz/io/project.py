"""Project files (``.nnviz``): the network, its training settings, the data set and — when present —
the trained weights and the training history.

A ``.nnviz`` file is a zip archive holding

* ``project.json`` — ``{"format_version": 1, "architecture": Sequential.get_config(),
  "training": TrainingConfig.to_dict(), "dataset": {"name": ..., "params": {...}}, "meta": {...}}``;
* ``weights.npz`` (optional) — one array per weight, keyed like ``model.weight_keys()``;
* ``history.json`` (optional) — Keras' ``History.history``: ``{"loss": [...], "accuracy": [...]}``;
* ``optimizer.npz`` (optional) — the optimizer's state with the weights (``iterations`` and its slots: Adam's
  ``m`` and ``v``, momentum buffers, ...), so a reopened project continues training exactly where it stopped;
  one that does not fit the optimizer and architecture is dropped (the optimizer starts afresh).

:func:`save_project` writes atomically (a failed save leaves the previous file intact);
:func:`load_project` checks everything — the archive, the JSON, the format version, that the
architecture builds, that the weights fit it — and raises a :class:`ProjectError` saying what is wrong,
so the caller can show it and keep its current project.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

from nnviz.core.state import optimizer_state, set_optimizer_state
from nnviz.io import bounded_json
from nnviz.io.archive import read_member
from nnviz.io.atomic import atomic_write
from nnviz.io.weights import (WeightsError, expected_shapes, match_weights, npz_bytes, read_npz, read_regular_file,
                              weights_limit)

FORMAT_VERSION = 1
SUFFIX = ".nnviz"

PROJECT_JSON = "project.json"
WEIGHTS_NPZ = "weights.npz"
HISTORY_JSON = "history.json"
OPTIMIZER_NPZ = "optimizer.npz"

# limits beyond which a file is refused rather than read (a corrupt or hostile file must not make us
# allocate gigabytes or build for minutes): the size of a JSON member, the weights an architecture may
# declare and its number of layers. Reading a project takes time linear in its layers (5,000 in 0.4 s,
# bench/model_from_config.py), but the app's ProjectDocument still builds its model layer by layer, in
# quadratic time (1,000 layers: about 1.4 s to open), so the guard stays at 1,000 until that changes.
# A weights.npz may hold no more than the weights of its architecture need (see
# nnviz.io.weights.weights_limit).
# The weights are bounded by count (50 million: 200 MB as float32, four times that while training with
# Adam) and by the work of drawing them: an orthogonal matrix (a recurrent layer's default) costs a QR
# decomposition, cubic in the units (LSTM(1024): 0.6 s, GRU(2048): 4.4 s on the 2-core reference machine).
# JSON members are also bounded by the objects, values and nesting they hold (nnviz.io.bounded_json).
MAX_JSON_BYTES = 16 << 20
MAX_PARAMS = 50_000_000
MAX_INIT_WORK = 5_000_000_000
MAX_LAYERS = 1000
MAX_PROJECT_BYTES = 8 * MAX_PARAMS + 3 * MAX_JSON_BYTES  # a whole .nnviz file, before anything is inflated


class ProjectError(ValueError):
    """A project file cannot be opened; the message says what is wrong with it."""


@dataclass
class Project:
    architecture: dict                                    # Sequential.get_config()
    training: dict                                        # TrainingConfig.to_dict()
    dataset: dict | None                                  # {"name": "spiral", "params": {...}} for catalog.load
    weights: dict[str, np.ndarray] | None = None          # keyed by model.weight_keys()
    history: dict[str, list[float]] | None = None         # Keras History.history
    meta: dict = field(default_factory=dict)              # title, description, notes shown to the user
    optimizer_state: dict | None = None                   # nnviz.core.state.optimizer_state(): slots, iterations
    runs: list | None = None                              # nnviz.core.runs.RunRecord, oldest first (runs_store)
    warnings: list = field(default_factory=list)          # what a damaged file lost (dropped runs), for the user

    # ------------------------------------------------------------------ models
    def build_model(self):
        """The network as a built ``Sequential``, compiled with ``training``, with ``weights`` loaded
        (fresh initial weights when the project has none). :class:`ProjectError` if any part does not fit."""
        model = _build_architecture(self.architecture)
        _compile(self.training, model, "the training settings")
        if self.weights is not None:
            try:
                model.set_weights(match_weights(model, self.weights, "the project"))
            except WeightsError as exc:
                raise ProjectError(str(exc)) from None
            set_optimizer_state(model, self.optimizer_state)
        return model

    def training_config(self):
        """``training`` as a ``TrainingConfig`` (``ValueError`` if the settings are invalid)."""
        from nnviz.core.training import TrainingConfig

        if isinstance(self.training, TrainingConfig):
            return self.training
        return TrainingConfig.from_dict(self.training)

    @classmethod
    def from_model(cls, model, training, dataset, history=None, meta=None) -> "Project":
        """A project from a model (its architecture, and its weights when it is built), training settings
        (a ``TrainingConfig`` or its dict), a data set spec (a dict, or a ``Dataset`` carrying
        ``name`` and ``params``), a history (a ``History`` or its dict) and meta data."""
        if hasattr(training, "to_dict"):
            training = training.to_dict()
        if dataset is not None and not isinstance(dataset, dict):
            dataset = {"name": dataset.name, "params": dict(getattr(dataset, "params", {}) or {})}
        if history is not None and hasattr(history, "history"):
            history = history.history
        weights = dict(zip(model.weight_keys(), model.get_weights())) if model.built else None
        opt_state = optimizer_state(model) if model.built else None
        return cls(architecture=model.get_config(), training=dict(training),
                   dataset=None if dataset is None else _plain(dataset),
                   weights=weights, optimizer_state=opt_state,
                   history=None if history is None else {str(k): [float(v) for v in vals]
                                                          for k, vals in history.items()},
                   meta=dict(meta or {}))

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.architecture.get("name") or "untitled")


# ====================================================================== saving
def _plain(obj):
    """``obj`` with NumPy scalars and arrays turned into JSON types (tuples into lists)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def project_bytes(project: Project) -> bytes:
    """The ``.nnviz`` archive for ``project`` as bytes (what :func:`save_project` writes)."""
    from nnviz import __version__

    if not isinstance(project.architecture, dict):
        raise ProjectError("the project's architecture must be a dict (Sequential.get_config())")
    training = project.training.to_dict() if hasattr(project.training, "to_dict") else project.training
    if not isinstance(training, dict):
        raise ProjectError("the project's training settings must be a dict (TrainingConfig.to_dict())")
    for key, value in (("architecture", project.architecture), ("training", training),
                       ("dataset", project.dataset), ("meta", project.meta)):
        # refuse what would not open again, before writing anything (and before _plain recurses)
        bounded_json.check_depth(value, f"the project's {key}", ProjectError, bounded_json.MAX_DEPTH - 2)
    doc = {
        "format_version": FORMAT_VERSION,
        "nnviz_version": __version__,
        "architecture": _plain(project.architecture),
        "training": _plain(training),
        "dataset": _plain(project.dataset),
        "meta": _plain(project.meta or {}),
    }
    try:
        text = json.dumps(doc, indent=1, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ProjectError(f"the project cannot be stored as JSON: {exc}") from None
    try:
        encoded = (text + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (read from a file, pasted) has no UTF-8: keep it \u-escaped
        encoded = (json.dumps(doc, indent=1) + "\n").encode("ascii")
    if len(encoded) > MAX_JSON_BYTES:
        raise ProjectError(f"the project's {PROJECT_JSON} would be {len(encoded):,} bytes, more than nnviz "
                           f"reads ({MAX_JSON_BYTES:,}); shorten its notes")
    # what load_project checks short of building the network (weight names: _weights_member)
    reread = bounded_json.loads(encoded, f"the project's {PROJECT_JSON}", ProjectError)
    _check_document(reread, "the project")
    _check_layer_entries(reread["architecture"])
    members = [(PROJECT_JSON, encoded)]
    if project.weights is not None:
        members.append((WEIGHTS_NPZ, _weights_member(project.weights)))
        if project.optimizer_state and int(np.asarray(project.optimizer_state.get("iterations", 0))) > 0:
            members.append((OPTIMIZER_NPZ, npz_bytes(project.optimizer_state)))
    if project.history is not None:
        # standard JSON: a NaN or infinite loss (a diverged run) is stored as null and read back as NaN
        history = {str(k): [float(v) if math.isfinite(float(v)) else None for v in vals]
                   for k, vals in project.history.items()}
        members.append((HISTORY_JSON, (json.dumps(history) + "\n").encode("utf-8")))
    from nnviz.io import runs_store
    members.extend(runs_store.members(project.runs))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            # a fixed time stamp: the same project gives the same bytes (quiet diffs for bundled examples)
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def _weights_member(weights: dict) -> bytes:
    """``weights.npz`` for ``weights``, refusing names a zip archive would cut or garble (a layer named
    ``"\\x00"`` made a project that saved and then would not open)."""
    for key in weights:
        if not isinstance(key, str) or any(ord(c) < 32 for c in key) or not key.isprintable():
            raise ProjectError(f"the weight name {key!r} cannot be stored: layer names must be printable "
                               f"text without control characters")
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:
            raise ProjectError(f"the weight name {key!r} cannot be stored: it is not valid Unicode text") from None
    data = npz_bytes(weights)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        stored = zf.namelist()
    if sorted(stored) != sorted(f"{key}.npy" for key in weights):
        raise ProjectError("the weight names cannot be stored in a .npz archive: "
                           + ", ".join(repr(k) for k in weights if f"{k}.npy" not in stored))
    return data


def save_project(path, project: Project) -> None:
    """Write ``project`` to ``path`` atomically: the previous file survives any failure."""
    data = project_bytes(project)
    with atomic_write(path, "wb") as f:
        f.write(data)


# ====================================================================== loading
def load_project(path) -> Project:
    """Read and check a ``.nnviz`` file; :class:`ProjectError` with a clear message if anything is wrong."""
    name = os.path.basename(os.fspath(path))
    try:
        with open(path, "rb"):
            pass
    except IsADirectoryError:
        raise ProjectError(f"'{name}' is a folder, not a project file") from None
    except OSError as exc:
        raise ProjectError(f"cannot read '{name}': {exc.strerror or exc}") from None
    data = read_regular_file(path, MAX_PROJECT_BYTES, ProjectError,
                             "more than the largest network nnviz handles and its notes can fill")
    return read_project(data, name)


def read_project(data: bytes, name: str = "the file") -> Project:
    """:func:`load_project` for bytes already in memory."""
    label = f"'{name}'" if name != "the file" else name
    if not data:
        raise ProjectError(f"{label} is empty")
    if not data.startswith(b"PK"):
        raise ProjectError(f"{label} is not an nnviz project: a .nnviz file is a zip archive, this is not one")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 — a damaged archive fails in many ways (BadZipFile, OSError, ...)
        raise ProjectError(f"{label} is damaged or truncated (not a readable zip archive: {exc})") from None
    with zf:
        members = set(zf.namelist())
        if PROJECT_JSON not in members:
            raise ProjectError(f"{label} is not an nnviz project: it has no {PROJECT_JSON} "
                               f"(it holds {', '.join(sorted(members)[:5]) or 'nothing'})")
        doc = _read_json_member(zf, PROJECT_JSON, label)
        if not isinstance(doc, dict):
            raise ProjectError(f"{PROJECT_JSON} in {label} must hold a JSON object, not {type(doc).__name__}")
        architecture, training, dataset, meta = _check_document(doc, label)
        history = None
        if HISTORY_JSON in members:
            history = _check_history(_read_json_member(zf, HISTORY_JSON, label), label)
        # a work-in-progress network that does not build yet is a legitimate project to reopen (the
        # editor shows what is wrong); weights, though, need an architecture they fit
        model = _build_architecture(architecture, allow_invalid=WEIGHTS_NPZ not in members)
        weights = None
        if WEIGHTS_NPZ in members:
            limit = weights_limit(model)
            too_large = f"more than the {model.count_params():,} weights of its architecture can fill"
            raw = read_member(zf, WEIGHTS_NPZ, label, limit, ProjectError, too_large)
            try:
                weights = read_npz(raw, f"{WEIGHTS_NPZ} in {label}", limit, too_large, expected_shapes(model))
                match_weights(model, weights, label)
            except WeightsError as exc:
                raise ProjectError(str(exc)) from None
        opt_state = _read_optimizer_state(zf, model, label) if weights is not None and OPTIMIZER_NPZ in members \
            else None
        from nnviz.io import runs_store
        runs, warnings = runs_store.read_runs(zf, label)   # a damaged run history drops runs, never the project
    return Project(architecture=architecture, training=training, dataset=dataset, weights=weights,
                   history=history, meta=meta, optimizer_state=opt_state, runs=runs or None, warnings=warnings)


def _read_optimizer_state(zf: zipfile.ZipFile, model, label: str) -> dict | None:
    """The optimizer state of ``optimizer.npz``, or None when it is damaged or does not fit ``model`` (at most a
    few slots, each one value per trainable weight, and a whole number of iterations): training then starts
    the optimizer afresh, which loses nothing the user made."""
    size = sum(int(np.prod(layer.params[k].shape)) for layer in model.layers for k in layer.trainable_names)
    limit = 8 * (4 * size + 64) + 4096    # four float64 slots and the count, with the archive's headers
    try:
        raw = read_member(zf, OPTIMIZER_NPZ, label, limit, ProjectError, "more than an optimizer state needs")
        state = read_npz(raw, f"{OPTIMIZER_NPZ} in {label}", limit)
    except (ProjectError, WeightsError):
        return None
    it, rng = state.get("iterations"), state.get("rng")
    if it is None or it.size != 1 or it.dtype.kind not in "iu" or int(it.reshape(-1)[0]) < 0 or len(state) > 6:
        return None
    state["iterations"] = np.array(int(it.reshape(-1)[0]))   # read_npz gives 0-d arrays a length of 1
    if rng is not None and (rng.shape != (6,) or rng.dtype != np.uint64):
        return None
    if any(v.ndim != 1 or v.size != size or v.dtype.kind != "f" or not np.all(np.isfinite(v))
           for k, v in state.items() if k not in ("iterations", "rng")):
        return None
    return state


def _read_json_member(zf: zipfile.ZipFile, member: str, label: str):
    raw = read_member(zf, member, label, MAX_JSON_BYTES, ProjectError,
                      "the file is damaged or not an nnviz project")
    return bounded_json.loads(raw, f"{member} in {label}", ProjectError)


def _check_document(doc: dict, label: str):
    version = doc.get("format_version")
    if version is None:
        raise ProjectError(f"{PROJECT_JSON} in {label} has no format_version; it is not an nnviz project")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(f"{PROJECT_JSON} in {label} has an invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ProjectError(f"{label} was made by a newer nnviz (project format version {version}; this nnviz "
                           f"reads versions up to {FORMAT_VERSION}). Update nnviz to open it.")
    architecture = doc.get("architecture")
    if not isinstance(architecture, dict):
        raise ProjectError(f"{PROJECT_JSON} in {label} has no architecture (an object with a 'layers' list)")
    training = _optional_object(doc, "training", "the training settings", label)
    _check_training(training, label)
    from nnviz.core import Dense, Input, Sequential
    _compile(training, Sequential([Input((1,)), Dense(1)]), f"the training settings in {label}")
    dataset = doc.get("dataset")
    if dataset is not None:
        if (not isinstance(dataset, dict) or not isinstance(dataset.get("name"), str)
                or not isinstance(dataset.get("params", {}), dict)):
            raise ProjectError(f"the data set in {label} must be an object "
                               f"{{\"name\": \"...\", \"params\": {{...}}}}, got {_short(dataset)}")
        dataset = {"name": dataset["name"], "params": dict(dataset.get("params") or {}),
                   **{k: v for k, v in dataset.items() if k not in ("name", "params")}}
        _check_dataset_params(dataset["name"], dataset["params"], label)
    meta = _optional_object(doc, "meta", "the meta data", label)
    return architecture, training, dataset, meta


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# what each training setting must be, by the type TrainingConfig declares for it, and the bounds beyond
# those its own checks make
_TRAINING_TYPES = {
    "float": (_is_number, "a finite number"),
    "int": (_is_whole, "a whole number"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "str": (lambda v: isinstance(v, str), "a name (text)"),
    "list": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of names"),
}
_TRAINING_BOUNDS = {"epochs": (0, 10 ** 9), "batch_size": (1, 10 ** 9), "seed": (0, 2 ** 63 - 1),
                    "validation_split": (0.0, 0.999), "regularization_rate": (0.0, 1e6), "momentum": (0.0, 1e6)}


def _check_training(training: dict, label: str) -> None:
    """:class:`ProjectError` naming the first training setting of the wrong type or beyond its bounds
    (``seed: null``, ``epochs: "x"``, ``learning_rate: Infinity``)."""
    from dataclasses import fields

    from nnviz.core.training import TrainingConfig

    for f in fields(TrainingConfig):
        if f.name not in training:
            continue
        value = training[f.name]
        check = _TRAINING_TYPES.get(f.type if isinstance(f.type, str) else getattr(f.type, "__name__", ""))
        if check is not None and not check[0](value):
            raise ProjectError(f"the training settings in {label} are invalid: '{f.name}' must be {check[1]}, "
                               f"not {_short(value)}")
        if f.name in _TRAINING_BOUNDS:
            lo, hi = _TRAINING_BOUNDS[f.name]
            if not lo <= value <= hi:
                raise ProjectError(f"the training settings in {label} are invalid: '{f.name}' must be between {lo} and "
                                   f"{hi}, not {_short(value)}")


_PARAM_TYPES = {
    "path": (lambda v: isinstance(v, str), "a file name (text)"),
    "column": (lambda v: v is None or isinstance(v, str), "a column name (text)"),
    "columns": (lambda v: v is None or (isinstance(v, list) and all(isinstance(c, str) for c in v)),
                "a list of column names"),
    "multichoice": (lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v), "a list of names"),
    "float": (_is_number, "a finite number"),
}


def _check_dataset_params(name: str, params: dict, label: str) -> None:
    """:class:`ProjectError` naming the first parameter of a known data set that has the wrong type or
    is out of range (``n_points: Infinity``); unknown data sets and parameters are left to the catalog."""
    from nnviz.core.data import catalog

    if name == "csv":
        import nnviz.io.csv_data  # noqa: F401 — registers the "csv" data set
    try:
        spec = catalog.get_spec(name)
    except ValueError:
        return
    for key, value in params.items():
        try:
            param = spec.param(key)
        except KeyError:
            continue
        check = _PARAM_TYPES.get(param.type)
        if check is not None and not check[0](value):
            raise ProjectError(f"the data set parameter '{key}' in {label} must be {check[1]}, "
                               f"not {_short(value)}")
        try:
            param.check(value)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ProjectError(f"the data set parameter '{key}' in {label} is invalid: {exc}") from None


def _compile(training, model, what: str) -> None:
    """Compile ``model`` with ``training`` (a ``TrainingConfig`` or its dict), resolving every name that
    would otherwise fail only later (an unknown metric on the first batch); :class:`ProjectError`
    naming ``what`` for a setting the core cannot use."""
    from nnviz.core import metrics
    from nnviz.core.training import TrainingConfig

    try:
        config = training if isinstance(training, TrainingConfig) else TrainingConfig.from_dict(training)
        config.compile_model(model)
        for metric in config.metrics:
            metrics.get(metric)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise ProjectError(f"{what} are invalid: {exc}") from None


def _optional_object(doc: dict, key: str, what: str, label: str) -> dict:
    """``doc[key]``, a JSON object that may be missing or null (then ``{}``)."""
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProjectError(f"{what} in {label} must be a JSON object, not {type(value).__name__}")
    return value


def _check_history(history, label: str) -> dict[str, list[float]]:
    if not isinstance(history, dict):
        raise ProjectError(f"{HISTORY_JSON} in {label} must hold an object of lists, e.g. {{\"loss\": [...]}}")
    out = {}
    for key, values in history.items():
        if not isinstance(values, list) or not all(
                (isinstance(v, (int, float)) and not isinstance(v, bool)) or v is None for v in values):
            raise ProjectError(f"{HISTORY_JSON} in {label}: '{key}' must be a list of numbers")
        try:
            out[key] = [math.nan if v is None else float(v) for v in values]
        except OverflowError:
            raise ProjectError(f"{HISTORY_JSON} in {label}: '{key}' holds a number too large for a "
                               f"loss or metric") from None
    return out


def _short(obj, limit: int = 80) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# ====================================================================== the architecture
def _param_shapes(layer, shape: tuple) -> list[tuple[tuple[int, ...], object]]:
    """The weights ``layer`` would create on an input of ``shape``, as ``(shape, initializer)``, per layer
    kind (the initializer only where its cost matters), without allocating them."""
    n_in = shape[-1] if shape else 1
    kind = type(layer).__name__
    bias = getattr(layer, "use_bias", True)
    if kind == "Embedding":
        return [((layer.input_dim, layer.output_dim), None)]
    if hasattr(layer, "gates"):  # SimpleRNN, LSTM, GRU: input kernel, recurrent kernel, bias (GRU: two rows)
        width = layer.gates * layer.units
        out = [((n_in, width), layer.kernel_initializer), ((layer.units, width), layer.recurrent_initializer)]
        if bias:
            out.append((((2 if kind == "GRU" else 1) * width,), None))
        return out
    if hasattr(layer, "filters"):
        kernel = (*layer.kernel_size, n_in, layer.filters)
        return [(kernel, layer.kernel_initializer)] + ([((layer.filters,), None)] if bias else [])
    if hasattr(layer, "units"):
        return [((n_in, layer.units), getattr(layer, "kernel_initializer", None))] + (
            [((layer.units,), None)] if bias else [])
    if kind == "BatchNormalization":
        return [((n_in,), None)] * 4
    return []


def _initializer_work(shape: tuple, initializer) -> int:
    """Floating-point work to draw a weight of ``shape`` beyond filling it: an orthogonal matrix costs a
    QR decomposition, cubic in its smaller side (a GRU(6000) recurrent kernel: minutes)."""
    if getattr(initializer, "name", None) != "orthogonal" or len(shape) < 2:
        return 0
    rows, cols = math.prod(shape[:-1]), shape[-1]
    return rows * cols * min(rows, cols)


def _estimated_cost(architecture: dict) -> tuple[int, int]:
    """``(weights, initializer work)`` an architecture would allocate and compute when built, counted per
    layer kind from its config without building it ((0, 0) when the walk cannot tell; building then
    reports the real problem)."""
    from nnviz.core.layers import LAYER_CLASSES

    layers = architecture.get("layers")
    if not isinstance(layers, list) or not layers:
        return 0, 0
    first = layers[0]
    if not (isinstance(first, dict) and first.get("class_name") == "InputLayer"):
        return 0, 0
    try:
        cfg = first.get("config") or {}
        shape = cfg.get("batch_shape") or cfg.get("batch_input_shape") or [None, *cfg["shape"]]
        shape = tuple(int(s) for s in shape[1:])
        total = work = 0
        for entry in layers[1:]:
            cls = LAYER_CLASSES[entry["class_name"]]
            layer = cls.from_config(dict(entry.get("config") or {}))
            out = layer.compute_output_shape(shape)
            for weight_shape, init in _param_shapes(layer, shape):
                total += math.prod(int(s) for s in weight_shape)
                work += _initializer_work(weight_shape, init)
            shape = tuple(out)
        return total, work
    except Exception:  # noqa: BLE001 — only an estimate; the real build below reports errors properly
        return 0, 0


def _check_architecture(architecture) -> None:
    """:class:`ProjectError` for an architecture that is not a layer list, or that has more layers, or
    would allocate more weights or take more work to initialise, than nnviz handles."""
    if not isinstance(architecture, dict) or not isinstance(architecture.get("layers"), list):
        raise ProjectError("the architecture must be an object with a 'layers' list (Sequential.get_config())")
    if len(architecture["layers"]) > MAX_LAYERS + 1:  # + its InputLayer
        raise ProjectError(f"the architecture has {len(architecture['layers']):,} layers, more than nnviz "
                           f"handles ({MAX_LAYERS:,}); the file is damaged or not meant for nnviz")
    n, work = _estimated_cost(architecture)
    if n > MAX_PARAMS:
        raise ProjectError(f"the architecture would have about {n:,} weights, more than nnviz handles "
                           f"({MAX_PARAMS:,}); the file is damaged or not meant for nnviz")
    if work > MAX_INIT_WORK:
        raise ProjectError("the architecture's orthogonal initial weights (recurrent layers' default) would "
                           "take minutes to draw: a recurrent layer of more than about 1,000 units is more "
                           "than nnviz handles; the file is damaged or not meant for nnviz")


def _check_layer_entries(architecture: dict) -> None:
    """The bounds of :func:`_check_architecture`, then :class:`ProjectError` for the first layer entry
    that is not a layer nnviz knows with valid settings (checked without building anything)."""
    from nnviz.core.layers import LAYER_CLASSES

    _check_architecture(architecture)
    for i, entry in enumerate(architecture["layers"]):
        if not isinstance(entry, dict):
            raise ProjectError(f"layer entry {i} of the architecture must be an object, not {_short(entry)}")
        if entry.get("class_name") == "InputLayer":
            continue
        try:
            config = entry.get("config") or {}
            if not isinstance(config, dict):
                raise TypeError(f"its config must be an object, not {_short(config)}")
            LAYER_CLASSES[entry["class_name"]].from_config(dict(config))
        except KeyError as bad:
            raise ProjectError(f"layer entry {i} of the architecture is not valid: unknown layer type "
                               f"{bad}") from None
        except (ValueError, TypeError, OverflowError) as bad:
            raise ProjectError(f"layer entry {i} of the architecture is not valid: {bad}") from None


def _build_architecture(architecture: dict, allow_invalid: bool = False):
    """The built model; with ``allow_invalid``, ``None`` for an architecture whose layers are all
    well-formed but do not fit together (the core's :class:`ArchitectureError`)."""
    from nnviz.core.model import ArchitectureError, Sequential

    _check_architecture(architecture)
    try:
        model = Sequential.from_config(architecture)
    except ArchitectureError as exc:
        if not allow_invalid:
            raise ProjectError(f"the architecture does not build: {exc}") from None
        _check_layer_entries(architecture)
        return None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, MemoryError,
            RecursionError) as exc:
        detail = str(exc) if not isinstance(exc, KeyError) else f"missing setting {exc}"
        raise ProjectError(f"the architecture does not build: {detail}") from None
    if not model.built:
        try:
            model.build()
        except ValueError as exc:
            raise ProjectError(f"the architecture does not build: {exc}") from None
    return model
