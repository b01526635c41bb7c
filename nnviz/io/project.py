"""Project files (``.nnviz``): the network, its training settings, the data set and — when present —
the trained weights and the training history.

A ``.nnviz`` file is a zip archive holding

* ``project.json`` — ``{"format_version": 1, "architecture": Sequential.get_config(),
  "training": TrainingConfig.to_dict(), "dataset": {"name": ..., "params": {...}}, "meta": {...}}``;
* ``weights.npz`` (optional) — one array per weight, keyed like ``model.weight_keys()``;
* ``history.json`` (optional) — Keras' ``History.history``: ``{"loss": [...], "accuracy": [...]}``.

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

from nnviz.io.archive import read_member
from nnviz.io.atomic import atomic_write
from nnviz.io.weights import WeightsError, match_weights, npz_bytes, read_npz, weights_limit

FORMAT_VERSION = 1
SUFFIX = ".nnviz"

PROJECT_JSON = "project.json"
WEIGHTS_NPZ = "weights.npz"
HISTORY_JSON = "history.json"

# limits beyond which a file is refused rather than read (a corrupt or hostile file must not make us
# allocate gigabytes or build for minutes): the size of a JSON member, the weights an architecture may
# declare and its number of layers. Reading a project takes time linear in its layers (5,000 in 0.4 s,
# bench/model_from_config.py), but the app's ProjectDocument still builds its model layer by layer, in
# quadratic time (1,000 layers: about 1.4 s to open), so the guard stays at 1,000 until that changes.
# A weights.npz may hold no more than the weights of its architecture need (see
# nnviz.io.weights.weights_limit).
MAX_JSON_BYTES = 64 << 20
MAX_PARAMS = 200_000_000
MAX_LAYERS = 1000


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
        return cls(architecture=model.get_config(), training=dict(training),
                   dataset=None if dataset is None else _plain(dataset),
                   weights=weights,
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
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"the project cannot be stored as JSON: {exc}") from None
    try:
        encoded = (text + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (read from a file, pasted) has no UTF-8: keep it \u-escaped
        encoded = (json.dumps(doc, indent=1) + "\n").encode("ascii")
    members = [(PROJECT_JSON, encoded)]
    if project.weights is not None:
        members.append((WEIGHTS_NPZ, npz_bytes(project.weights)))
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
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        raise ProjectError(f"'{name}' is a folder, not a project file") from None
    except OSError as exc:
        raise ProjectError(f"cannot read '{name}': {exc.strerror or exc}") from None
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
                weights = read_npz(raw, f"{WEIGHTS_NPZ} in {label}", limit, too_large)
                match_weights(model, weights, label)
            except WeightsError as exc:
                raise ProjectError(str(exc)) from None
        from nnviz.io import runs_store
        runs, warnings = runs_store.read_runs(zf, label)   # a damaged run history drops runs, never the project
    return Project(architecture=architecture, training=training, dataset=dataset, weights=weights,
                   history=history, meta=meta, runs=runs or None, warnings=warnings)


def _read_json_member(zf: zipfile.ZipFile, member: str, label: str):
    raw = read_member(zf, member, label, MAX_JSON_BYTES, ProjectError,
                      "the file is damaged or not an nnviz project")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{member} in {label} is not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{member} in {label} is not valid JSON: {exc.msg} "
                           f"at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise ProjectError(f"{member} in {label} is not valid: its JSON is nested too deeply") from None
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits())
        raise ProjectError(f"{member} in {label} is not valid: it holds a number with more digits "
                           f"than nnviz reads") from None


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
    meta = _optional_object(doc, "meta", "the meta data", label)
    return architecture, training, dataset, meta


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
def _estimated_params(architecture: dict) -> int:
    """A cheap upper estimate of the weights an architecture would allocate, walked without building it
    (0 when the walk cannot tell; building then reports the real problem)."""
    from nnviz.core.layers import LAYER_CLASSES

    layers = architecture.get("layers")
    if not isinstance(layers, list) or not layers:
        return 0
    first = layers[0]
    if not (isinstance(first, dict) and first.get("class_name") == "InputLayer"):
        return 0
    try:
        cfg = first.get("config") or {}
        shape = cfg.get("batch_shape") or cfg.get("batch_input_shape") or [None, *cfg["shape"]]
        shape = tuple(int(s) for s in shape[1:])
        total = 0
        for entry in layers[1:]:
            cls = LAYER_CLASSES[entry["class_name"]]
            layer = cls.from_config(dict(entry.get("config") or {}))
            out = layer.compute_output_shape(shape)
            if hasattr(layer, "units"):
                total += (shape[-1] + 1) * layer.units
            elif hasattr(layer, "filters"):
                total += (math.prod(layer.kernel_size) * shape[-1] + 1) * layer.filters
            elif cls.__name__ == "BatchNormalization":
                total += 4 * shape[-1]
            shape = tuple(out)
        return total
    except Exception:  # noqa: BLE001 — only an estimate; the real build below reports errors properly
        return 0


def _build_architecture(architecture: dict, allow_invalid: bool = False):
    """The built model; with ``allow_invalid``, ``None`` for an architecture whose layers are all
    well-formed but do not fit together (the core's :class:`ArchitectureError`)."""
    from nnviz.core.layers import LAYER_CLASSES
    from nnviz.core.model import ArchitectureError, Sequential

    if not isinstance(architecture, dict) or not isinstance(architecture.get("layers"), list):
        raise ProjectError("the architecture must be an object with a 'layers' list (Sequential.get_config())")
    if len(architecture["layers"]) > MAX_LAYERS + 1:  # + its InputLayer
        raise ProjectError(f"the architecture has {len(architecture['layers']):,} layers, more than nnviz "
                           f"handles ({MAX_LAYERS:,}); the file is damaged or not meant for nnviz")
    n = _estimated_params(architecture)
    if n > MAX_PARAMS:
        raise ProjectError(f"the architecture would have about {n:,} weights, more than nnviz handles "
                           f"({MAX_PARAMS:,}); the file is damaged or not meant for nnviz")
    try:
        model = Sequential.from_config(architecture)
    except ArchitectureError as exc:
        if not allow_invalid:
            raise ProjectError(f"the architecture does not build: {exc}") from None
        for i, entry in enumerate(architecture["layers"]):
            if entry.get("class_name") == "InputLayer":
                continue
            try:
                LAYER_CLASSES[entry["class_name"]].from_config(dict(entry.get("config") or {}))
            except (ValueError, TypeError, KeyError) as bad:
                raise ProjectError(f"layer entry {i} of the architecture is not valid: {bad}") from None
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
