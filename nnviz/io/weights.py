"""Weights in and out of files, the format chosen by the extension.

* ``.npz`` — one array per weight, keyed ``<layer name>/<weight name>`` (``model.weight_keys()``);
* ``.weights.h5`` — Keras 3's layout (what ``keras.Model.save_weights`` writes and
  ``keras.Model.load_weights`` reads): ``layers/<layer name>/vars/<i>`` datasets, variables in Keras'
  order (``kernel, bias``; ``gamma, beta, moving_mean, moving_variance``), plus the empty groups and
  attributes Keras writes. Needs h5py (imported only here, only when used);
* ``.json`` — human-readable, for teaching:
  ``{"format": "nnviz-weights", "version": 1, "dtype": "float32",
  "layers": {"dense": {"kernel": {"shape": [2, 3], "values": [[...], ...]}, ...}}}``.

Every file is written through :func:`nnviz.io.atomic.atomic_write`. Loading checks the file against
the model's architecture first and refuses a file that does not fit with a :class:`WeightsError`
listing the expected and found shapes; the model is only changed when everything fits.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile

import numpy as np

from nnviz.core.layers.base import shape_str
from nnviz.io import bounded_json
from nnviz.io.archive import read_member
from nnviz.io.atomic import atomic_write
from nnviz.io.scaling import METADATA_KEY, checked_scaling

JSON_FORMAT = "nnviz-weights"
JSON_VERSION = 1
FORMATS = {"npz": ".npz", "h5": ".weights.h5", "json": ".json"}
MAX_JSON_AXES = 32  # axes a "shape" may list (NumPy allows 64; weights have up to 4)


class WeightsError(ValueError):
    """A weights file cannot be read or does not fit the model; the message says why."""


NOT_BUILT = "the model is not built yet (it has no input shape), so it has no weights to load"


class Found:
    """Stands for an array that was not read because its shape (or dtype) already shows it does not fit:
    :func:`match_weights` reports its shape like any other."""

    def __init__(self, shape, dtype=None):
        self.shape = None if shape is None else tuple(shape)
        self.dtype = dtype


def expected_shapes(model) -> dict[str, tuple[int, ...]]:
    """``{"dense/kernel": (2, 3), ...}``: the shape of each weight of ``model`` (no copies)."""
    if not model.built:
        raise WeightsError(NOT_BUILT)
    return {f"{layer.name}/{k}": tuple(v.shape) for layer in model.layers for k, v in layer.params.items()}


# ============================================================================ checking
def match_weights(model, named: dict, source: str = "the file") -> list[np.ndarray]:
    """The arrays of ``named`` (``{"dense/kernel": array}``) in ``model.weight_keys()`` order, converted
    to the model's dtype, after checking names, shapes, dtypes and values.

    Raises :class:`WeightsError` with one line per weight (expected and found shape) when they do not fit.
    """
    expected = expected_shapes(model)
    found = {}
    for key, arr in named.items():
        shape = getattr(arr, "shape", None)
        found[str(key)] = tuple(shape) if shape is not None else None
    problems = []
    lines = []
    for key, exp in expected.items():
        if key not in found:
            lines.append(f"  {key}: expected {shape_str(exp)}, found nothing   <-- missing")
            problems.append(key)
        elif found[key] != exp:
            got = "no array" if found[key] is None else shape_str(found[key])
            lines.append(f"  {key}: expected {shape_str(exp)}, found {got}   <-- mismatch")
            problems.append(key)
        else:
            lines.append(f"  {key}: expected {shape_str(exp)}, found {shape_str(found[key])}")
    for key in found:
        if key not in expected:
            got = "no array" if found[key] is None else shape_str(found[key])
            lines.append(f"  {key}: not in the architecture, found {got}   <-- unexpected")
            problems.append(key)
    if problems:
        raise WeightsError(f"the weights in {source} do not fit the architecture of model '{model.name}' "
                           f"({len(expected)} arrays expected, {len(found)} found):\n" + "\n".join(lines))
    out = []
    for key in expected:
        arr = np.asarray(named[key])
        if arr.dtype.kind != "f":
            raise WeightsError(f"weight {key} in {source} has dtype {arr.dtype}; weights must be floating-point "
                               f"numbers (float16, float32 or float64)")
        if not np.all(np.isfinite(arr)):
            raise WeightsError(f"weight {key} in {source} contains NaN or infinity")
        with np.errstate(over="ignore"):
            arr = arr.astype(model.dtype, copy=False)
        if not np.all(np.isfinite(arr)):
            raise WeightsError(f"weight {key} in {source} holds values too large for the model's "
                               f"{model.dtype} (beyond ±{np.finfo(model.dtype).max:.3g})")
        out.append(arr)
    return out


def set_named_weights(model, named: dict, source: str = "the file") -> None:
    """Check ``named`` against ``model`` and set them (all or nothing)."""
    arrays = match_weights(model, named, source)
    model.set_weights(arrays)


def named_weights(model) -> dict[str, np.ndarray]:
    """``{"dense/kernel": array, ...}`` in the model's order (copies)."""
    if not model.built:
        raise WeightsError("the model is not built yet (it has no input shape), so it has no weights to save")
    return dict(zip(model.weight_keys(), model.get_weights()))


# ============================================================================ dispatch
def format_of(path) -> str:
    """``"npz"``, ``"h5"`` or ``"json"`` from the file name; :class:`WeightsError` otherwise."""
    name = os.fspath(path).lower()
    if name.endswith(".npz"):
        return "npz"
    if name.endswith(".weights.h5"):
        return "h5"
    if name.endswith(".h5") or name.endswith(".hdf5"):
        raise WeightsError(f"{os.fspath(path)!r}: Keras 3 weight files end in '.weights.h5'")
    if name.endswith(".json"):
        return "json"
    if name.endswith(".keras"):
        return "keras"
    raise WeightsError(f"cannot tell the weights format of {os.fspath(path)!r} from its name; "
                       f"use a name ending in .npz, .weights.h5 or .json")


def save_weights(model, path, input_scaling=None) -> None:
    """Write the model's weights to ``path`` (atomically); the format is chosen by the extension.
    ``input_scaling`` (an :class:`~nnviz.io.scaling.InputScaling` or the ``Dataset`` the model was
    trained on) is kept as metadata: a ``nnviz_input_scaling`` array ``[offset, scale]`` in an .npz, an
    ``"input_scaling"`` object in .json, an attribute of a .weights.h5; readers skip it."""
    fmt = format_of(path)
    if fmt == "keras":
        raise WeightsError("a .keras file holds a whole model: use model.export(path, format='keras')")
    if fmt == "npz":
        save_npz(model, path, input_scaling)
    elif fmt == "h5":
        save_h5(model, path, input_scaling)
    else:
        save_json(model, path, input_scaling)


def load_weights(model, path):
    """Load weights from ``path`` into ``model``; :class:`WeightsError` if the file is damaged or does
    not fit the architecture (the model is then unchanged). Also reads the weights of a Keras ``.keras``
    model file of the same architecture, and then returns the input scaling its network expects (an
    :class:`~nnviz.io.scaling.InputScaling` or ``None``; other formats return ``None``)."""
    fmt = format_of(path)
    if fmt == "npz":
        load_npz(model, path)
    elif fmt == "h5":
        load_h5(model, path)
    elif fmt == "keras":
        from nnviz.io import keras_export
        return keras_export.read_keras_weights(model, path)
    else:
        load_json(model, path)


def _read_bytes(path, limit: int | None = None, too_large: str = "more than the model's weights can fill") -> bytes:
    """The bytes of the file ``path``, which must be a regular file (not a device such as /dev/zero, a
    pipe or a folder) of at most ``limit`` bytes; :class:`WeightsError` otherwise."""
    return read_regular_file(path, limit, WeightsError, too_large)


def read_regular_file(path, limit: int | None, error: type[Exception], too_large: str) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes (checked before reading,
    and again while reading: a file may grow), else ``error`` saying why. Shared by the readers of
    weights, projects and CSV data."""
    import stat

    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise error(f"{name!r} is not a regular file (a device, a pipe or a folder); nnviz reads "
                            f"only files")
            if limit is not None and info.st_size > limit:
                raise error(f"{name!r} is implausibly large ({info.st_size:,} bytes); {too_large}")
            data = f.read(info.st_size + 1 if limit is None else min(info.st_size, limit) + 1)
            if limit is None and len(data) > info.st_size:  # a file that grew while being read
                data += f.read()
    except IsADirectoryError:
        raise error(f"{name!r} is a folder, not a file") from None
    except OSError as exc:
        raise error(f"cannot read {name!r}: {exc.strerror or exc}") from None
    if limit is not None and len(data) > limit:
        raise error(f"{name!r} is implausibly large (more than {limit:,} bytes); {too_large}")
    return data


# ============================================================================ .npz
def npz_bytes(named: dict) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **{k: np.ascontiguousarray(v) for k, v in named.items()})
    return buf.getvalue()


# inflated size read_npz accepts without a model to size it (a corrupt header must not allocate gigabytes)
MAX_NPZ_BYTES = 1 << 31


def weights_limit(model) -> int:
    """The most bytes the arrays of a weights file that fits ``model`` can take once inflated: every
    weight as float64, plus room for each array's .npy and zip headers."""
    if not model.built:
        raise WeightsError(NOT_BUILT)
    return sum(8 * w.size + 1024 + 3 * len(key.encode()) for key, w in zip(model.weight_keys(),
                                                                             model.get_weights())) + 4096


def read_npz(data: bytes, source: str = "the file", limit: int = MAX_NPZ_BYTES,
             too_large: str = "the file is damaged or not a weights file",
             expected: dict | None = None) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` archive held in ``data``, inflating no more than ``limit`` bytes in all;
    :class:`WeightsError` for anything that is not a readable archive of numeric arrays (pickled objects
    are refused, never loaded), and (``too_large`` saying why) for arrays larger than ``limit``.
    With ``expected`` (``{"dense/kernel": shape}``), an array whose header shows another shape or an
    unknown name is not read: it comes back as a :class:`Found` for :func:`match_weights` to report."""
    if not data:
        raise WeightsError(f"{source} is empty")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = sum(info.file_size for info in infos)
            if total > limit:
                raise WeightsError(f"{source} is implausibly large ({total:,} bytes once inflated); {too_large}")
            out = {}
            for info in infos:
                if not info.filename.endswith(".npy"):
                    raise WeightsError(f"{source} holds {info.filename!r}, which is not a .npy array")
                key = info.filename[:-4]
                if key == METADATA_KEY:  # the input scaling written beside the weights: not a weight
                    continue
                if expected is not None:
                    header = _npy_header(zf, info, source)
                    if header[1].kind not in "fiub":
                        raise WeightsError(f"{source}: array {key!r} cannot be read: it has dtype {header[1]}; "
                                           f"weights must be numbers (pickled objects are never loaded)")
                    if expected.get(key) != header[0]:
                        out[key] = Found(header[0], header[1])
                        continue
                raw = read_member(zf, info.filename, source, limit, WeightsError, too_large)
                try:
                    arr = np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
                except ValueError as exc:
                    raise WeightsError(f"{source}: array {info.filename[:-4]!r} cannot be read: {exc}") from None
                if arr.dtype.kind not in "fiub":
                    raise WeightsError(f"{source}: array {info.filename[:-4]!r} has dtype {arr.dtype}; "
                                       f"weights must be numbers")
                out[info.filename[:-4]] = arr
            return out
    except WeightsError:
        raise
    except Exception as exc:  # noqa: BLE001 — a damaged archive fails in many ways (BadZipFile, zlib.error, ...)
        raise WeightsError(f"{source} is not a readable .npz archive (damaged or truncated?): "
                           f"{type(exc).__name__}: {exc}") from None


def _npy_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> tuple[tuple, np.dtype]:
    """``(shape, dtype)`` from the .npy header of member ``info`` (a few hundred bytes inflated)."""
    try:
        with zf.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif version in ((2, 0), (3, 0)):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"unknown .npy version {version}")
    except Exception as exc:  # noqa: BLE001 — a damaged header fails in many ways
        raise WeightsError(f"{info.filename} in {source} cannot be read; the file is damaged or truncated "
                           f"({exc})") from None
    return tuple(shape), dtype


def save_npz(model, path, input_scaling=None) -> None:
    named = named_weights(model)
    scaling = checked_scaling(model, input_scaling)
    if scaling is not None:
        n = max(len(scaling.offset), len(scaling.scale))
        named[METADATA_KEY] = np.stack([np.broadcast_to(scaling.offset, n), np.broadcast_to(scaling.scale, n)])
    data = npz_bytes(named)
    with atomic_write(path, "wb") as f:
        f.write(data)


def load_npz(model, path) -> None:
    source = repr(os.fspath(path))
    limit = weights_limit(model)
    too_large = f"more than the {model.count_params():,} weights of model '{model.name}' can fill"
    # a deflated archive is smaller than its inflated arrays (which read_npz bounds) but for its headers
    raw = _read_bytes(path, 2 * limit + (1 << 20), too_large)
    named = read_npz(raw, source, limit, too_large, expected_shapes(model))
    set_named_weights(model, named, source)


# ============================================================================ .json
def json_document(model, input_scaling=None) -> dict:
    layers: dict = {}
    for key, arr in named_weights(model).items():
        layer, weight = key.split("/", 1)
        layers.setdefault(layer, {})[weight] = {"shape": list(arr.shape), "values": arr.tolist()}
    doc = {"format": JSON_FORMAT, "version": JSON_VERSION, "model": model.name, "dtype": model.dtype.name}
    scaling = checked_scaling(model, input_scaling)
    if scaling is not None:
        doc["input_scaling"] = scaling.to_dict()
    doc["layers"] = layers
    return doc


def save_json(model, path, input_scaling=None) -> None:
    # repr of a Python float is the shortest string that round-trips, and float32 -> float64 is exact,
    # so reading it back with the model's dtype is bit-exact
    text = json.dumps(json_document(model, input_scaling), indent=1)
    with atomic_write(path, "w") as f:
        f.write(text)
        f.write("\n")


def _short(obj, limit: int = 60) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def read_json(text, source: str = "the file", expected: dict | None = None) -> dict[str, np.ndarray]:
    """The weights of a JSON weights document (``text``: str or UTF-8 bytes), within the bounds of
    :mod:`nnviz.io.bounded_json`. With ``expected`` (``{"dense/kernel": shape}``), a weight whose
    declared "shape" differs or whose name is unknown is not converted (a :class:`Found`)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    # a weight of n numbers takes at most n lists and n values
    most = max(bounded_json.MAX_VALUES, 2 * sum(math.prod(s) for s in (expected or {}).values()))
    doc = bounded_json.loads(raw, source, WeightsError, most, most)
    if not isinstance(doc, dict) or doc.get("format") != JSON_FORMAT:
        raise WeightsError(f"{source} is not an nnviz weights file (it needs \"format\": \"{JSON_FORMAT}\")")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise WeightsError(f"{source} has no valid \"version\" (a whole number from 1)")
    if version > JSON_VERSION:
        raise WeightsError(f"{source} was made by a newer nnviz (weights format version {version}; "
                           f"this nnviz reads up to {JSON_VERSION})")
    layers = doc.get("layers")
    if not isinstance(layers, dict):
        raise WeightsError(f"{source} has no \"layers\" object")
    out = {}
    for lname, weights in layers.items():
        if not isinstance(weights, dict):
            raise WeightsError(f"{source}: layer {lname!r} must map weight names to arrays")
        for wname, entry in weights.items():
            key = f"{lname}/{wname}"
            shape = entry.get("shape") if isinstance(entry, dict) else None
            if isinstance(entry, dict) and "shape" in entry and (
                    not isinstance(shape, list) or len(shape) > MAX_JSON_AXES
                    or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 1 << 31 for s in shape)):
                raise WeightsError(f"{source}: weight {key} has an invalid \"shape\" {_short(shape)}")
            if expected is not None and shape is not None and expected.get(key) != tuple(shape):
                out[key] = Found(shape)  # not converted: its declared shape already does not fit
                continue
            values = entry.get("values") if isinstance(entry, dict) else entry
            try:
                arr = np.array(values)
            except (ValueError, TypeError, OverflowError, RecursionError):
                arr = None
            if arr is None or arr.dtype.kind not in "iuf":  # not strings, booleans or integers beyond int64
                raise WeightsError(f"{source}: weight {key} is not a rectangular array of numbers")
            arr = arr.astype(np.float64)
            if shape is not None and tuple(shape) != arr.shape:
                if arr.size == math.prod(shape) == 0:
                    arr = arr.reshape(shape)
                else:
                    raise WeightsError(f"{source}: weight {key} says its shape is {shape_str(shape)} "
                                       f"but its values have shape {shape_str(arr.shape)}")
            out[key] = arr
    return out


def load_json(model, path) -> None:
    source = repr(os.fspath(path))
    # each value takes at most ~25 characters of text (repr of a float64 and ", ")
    limit = 32 * model.count_params() + (1 << 16) * (1 + len(model.layers))
    data = _read_bytes(path, limit, f"more than the {model.count_params():,} weights of model "
                                    f"'{model.name}' can fill as text")
    # exactness: the values went float32 -> float64 -> repr -> float64; casting back is exact
    set_named_weights(model, read_json(data, source, expected_shapes(model)), source)


# ============================================================================ .weights.h5 (Keras 3)
def save_h5(model, path, input_scaling=None) -> None:
    from nnviz.io import keras_export
    keras_export.write_weights_h5(model, path, input_scaling)


def load_h5(model, path) -> None:
    from nnviz.io import keras_export
    keras_export.read_weights_h5(model, path)
