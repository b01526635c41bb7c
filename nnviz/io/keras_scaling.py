"""The input scaling as the first layer of a ``.keras`` model, written and read back.

A ``.keras`` file is a whole model: Keras users call ``keras.saving.load_model(path).predict(raw_x)`` and
read no metadata. So a model trained on scaled inputs is exported with one of Keras' own layers in front,
computing ``(x - offset) / scale`` on raw inputs:

* a pure scale (the digits' pixels / 16): ``Rescaling(scale=1/s)``, the layer Keras users know for pixels;
* an offset too (a CSV table the app standardized or min-max scaled, one value per column):
  ``Normalization(mean=offset, variance=scale**2)``, which subtracts first, as nnviz, the ONNX graph and the
  PyTorch script do. ``Rescaling(scale=1/s, offset=-o/s)`` would compute ``x * (1/s) + (-o/s)`` in float32
  and lose the digits that cancel: a column with mean 100,000 and std 3 came out 1.9e-3 off nnviz's
  prediction that way, 3.6e-7 with Normalization (the same as the ONNX file).
  A negative scale, or one Keras' Normalization cannot hold (below 1e-6, its ``sqrt(variance)`` is clamped
  at 1e-7; above 1e18, ``variance`` overflows float32), falls back to the Rescaling form.

Both take one value or one per feature (the last axis) as plain numbers and lists in the config, which
every Keras 3 reads (Keras writes a Rescaling's arrays as ``{"class_name": "__numpy__", ...}``; both are
read back). A table's pixel columns scaled one by one and read as images scale each pixel: the layer then holds
arrays of the input's shape (a Normalization over every axis but the batch). Neither has variables here, so
``count_params`` and the optimizer state are unchanged; their weights group is empty, as Keras writes it.

Reading back (nnviz loading the weights of a ``.keras`` file, its own or one Keras saved after loading
ours, whose ``metadata.json`` no longer holds ``nnviz_input_scaling``): a leading ``Rescaling`` or
``Normalization`` (mean and variance in its config, or adapted: in its variables) is the input scaling,
not a layer of the network; one anywhere else is an error that says so, since the nnviz network would
compute something else without it.
"""

from __future__ import annotations

import numpy as np

from nnviz.io.scaling import METADATA_KEY, InputScaling

#: the name of the leading layer in what nnviz writes (a model's summary reads "input_scaling (Rescaling)")
LAYER_NAME = "input_scaling"
#: Keras layers that read as an input scaling when first
SCALING_CLASSES = ("Rescaling", "Normalization")
_EPSILON = 1e-7  # keras.config.epsilon(): Normalization divides by max(sqrt(variance), epsilon)


def _plain(values: np.ndarray):
    """A float for one value, else a list (what every Keras 3 version reads in a Rescaling config)."""
    return float(values[0]) if values.size == 1 else [float(v) for v in values]


def scaling_entry(scaling: InputScaling, dtype_policy: dict, input_shape, taken=()) -> dict:
    """The serialized Keras layer computing ``scaling`` (for a Sequential's ``layers``): a Normalization
    when it has an offset and scales it can hold, else a Rescaling; named :data:`LAYER_NAME` unless a
    layer in ``taken`` has that name."""
    name, n = LAYER_NAME, 0
    while name in set(taken):
        n += 1
        name = f"{LAYER_NAME}_{n}"
    config = {"name": name, "trainable": True, "dtype": dtype_policy}
    offset, scale = np.broadcast_arrays(*scaling.shaped(input_shape))
    per_element = offset.ndim > 1   # one value per pixel: Normalization over every axis, arrays of the input's shape
    if np.any(scaling.offset != 0) and np.all((scale >= 1e-6) & (scale <= 1e18)):
        kind = "Normalization"
        config.update(axis=list(range(1, offset.ndim + 1)) if per_element else [-1], invert=False,
                      mean=offset.tolist(), variance=(scale.astype(np.float64) ** 2).tolist())
    elif per_element:
        kind = "Rescaling"
        config.update(scale=(1.0 / scale).tolist(), offset=(-offset / scale).tolist())
    else:
        kind = "Rescaling"
        config.update(scale=_plain(1.0 / scaling.scale), offset=_plain(-scaling.offset / scaling.scale))
    return {"module": "keras.layers", "class_name": kind, "config": config, "registered_name": None,
            "build_config": {"input_shape": [None, *input_shape]}}


def _numbers(value, what: str, error: type[Exception]) -> np.ndarray:
    """A Rescaling/Normalization setting as a 1-D float64 array: a number, a list, or Keras'
    ``{"class_name": "__numpy__", "config": {"value": ...}}``."""
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        value = (value.get("config") or {}).get("value")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise error(f"{what} is not a number or a list of numbers: {str(value)[:80]}") from None
    if arr.ndim > 1:
        arr = arr.reshape(-1)        # (1, 1, C) broadcasts like (C,); (H, W, C): one per pixel, row-major
    if arr.size == 0 or not np.all(np.isfinite(arr)):
        raise error(f"{what} must be one finite number, one per feature (the last axis) or one per input "
                    f"value, got shape {arr.shape}")
    return np.atleast_1d(arr)


def _name(entry: dict) -> str:
    cfg = entry.get("config")
    name = cfg.get("name") if isinstance(cfg, dict) else None
    return name if isinstance(name, str) else str(entry.get("class_name", "?"))


def scaling_of_layer(entry: dict, variables, error: type[Exception]) -> InputScaling:
    """The :class:`InputScaling` a serialized Rescaling or Normalization layer computes; ``variables()``
    gives an adapted Normalization's ``[mean, variance]`` (its config then holds none). ``error`` for
    settings that are no scaling (its field named)."""
    label = f"the {entry['class_name']} layer '{_name(entry)}'"
    try:
        with np.errstate(all="ignore"):   # overflow to inf is refused by InputScaling, with the reason
            return _scaling_of_layer(entry, variables, error, label)
    except ValueError as exc:             # shapes that do not broadcast, infinite or zero results
        raise error(f"{label} is no input scaling nnviz can take: {exc}") from None


def _scaling_of_layer(entry, variables, error, label) -> InputScaling:
    cfg = entry.get("config") if isinstance(entry.get("config"), dict) else {}
    if entry["class_name"] == "Rescaling":
        scale = _numbers(cfg.get("scale", 1.0), f"{label}'s scale", error)
        offset = _numbers(cfg.get("offset", 0.0), f"{label}'s offset", error)
        if np.any(scale == 0):
            raise error(f"{label} multiplies by 0: it is no input scaling nnviz can take")
        return InputScaling(-offset / scale, 1.0 / scale, f"from {label} of a Keras model")
    if cfg.get("invert"):
        raise error(f"{label} inverts a normalization (invert=True): it is no input scaling nnviz can take")
    axis = cfg.get("axis", -1)
    every = isinstance(axis, (list, tuple)) and list(axis) == list(range(1, len(axis) + 1))
    if axis not in (-1, [-1], (-1,), None) and not every:
        raise error(f"{label} normalizes along axis {axis}; nnviz takes a scaling along the last axis or "
                    f"along every axis but the batch")
    if cfg.get("mean") is not None and cfg.get("variance") is not None:
        mean, variance = cfg["mean"], cfg["variance"]
    else:
        mean, variance = variables()
    mean = _numbers(mean, f"{label}'s mean", error)
    variance = _numbers(variance, f"{label}'s variance", error)
    if np.any(variance < 0):
        raise error(f"{label} has a negative variance")
    return InputScaling(mean, np.maximum(np.sqrt(variance), _EPSILON), f"from {label} of a Keras model")


def find_scaling_layer(config, error: type[Exception]) -> dict | None:
    """The model's leading Rescaling/Normalization entry in a ``.keras`` ``config.json``, or ``None``;
    ``error`` when such a layer sits anywhere else (the nnviz network has no place for it)."""
    inner = config.get("config") if isinstance(config, dict) else None
    layers = inner.get("layers") if isinstance(inner, dict) else None
    if not isinstance(layers, list):
        return None
    entries = [e for e in layers if isinstance(e, dict) and e.get("class_name") != "InputLayer"]
    for i, entry in enumerate(entries):
        if entry.get("class_name") in SCALING_CLASSES and i > 0:
            raise error(f"the Keras model has a {entry['class_name']} layer '{_name(entry)}' after "
                        f"'{_name(entries[i - 1])}' (layer "
                        f"{i + 1}); nnviz takes an input scaling only as the model's first layer, and its network "
                        f"has no layer that scales values in the middle")
    if entries and entries[0].get("class_name") in SCALING_CLASSES:
        return entries[0]
    return None


def scaling_of_metadata(metadata, error: type[Exception]) -> InputScaling | None:
    """The ``nnviz_input_scaling`` an nnviz export wrote into ``metadata.json`` (``None`` without one)."""
    found = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    if found is None:
        return None
    try:
        return InputScaling.from_dict(found)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise error(f"metadata.json's {METADATA_KEY} is not an offset and a scale: {exc}") from None


def same_or_layers(layer: InputScaling, metadata: InputScaling | None) -> InputScaling:
    """The metadata's scaling when it is the layer's (exact values, its description: nnviz's own
    export), else the layer's (what the Keras model computes, e.g. after a Keras user changed it)."""
    return metadata if layer.same_as(metadata) else layer
