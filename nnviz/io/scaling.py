"""The input scaling a model was trained with, so that it travels into every export.

A network trained on the digits expects pixels / 16, one trained on a scaled CSV table expects
``(x - offset) / scale`` with the offsets and scales fitted on its training split. Exported without
that, a model fed raw data, as a user of the file would feed it, predicts something else (the digits'
ONNX file scored 97.2 % on raw pixels and 20 % on pixels / 255 instead of 98.4 %). Every exporter takes
``input_scaling=`` (an :class:`InputScaling`, a ``Dataset`` or ``None``) and puts it into the file: as
the first operations of the graph (ONNX), of ``forward`` (the PyTorch script) or as the model's first
layer (``.keras``: Keras' ``Rescaling`` or ``Normalization``, :mod:`nnviz.io.keras_scaling`), so those
take raw inputs; and as metadata under the key ``nnviz_input_scaling`` (``.keras``, ``.npz``, ``.json``,
``.weights.h5``). Weight files keep it as metadata only: they hold no layers, only the values for a model
the user builds in code, so there is nowhere to put a computation (an empty ``rescaling`` group would
not add a layer to the user's model, only mislead).

Where the app knows the scaling: a data set's ``scaler`` (CSV tables and the course's examples, fitted
on the training split), or, for data sets that scale raw values in their loader, :data:`LOADER_SCALINGS`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

#: data sets whose loader scales raw values itself (no ``scaler``): name -> (offset, scale, what)
LOADER_SCALINGS = {
    "digits": (0.0, 16.0, "pixel values 0..16 divided by 16"),
}

METADATA_KEY = "nnviz_input_scaling"


@dataclass(frozen=True, eq=False)
class InputScaling:
    """``x_model = (x_raw - offset) / scale``, ``offset`` and ``scale`` broadcasting against the input's
    last axis (one value, or one per feature)."""

    offset: np.ndarray
    scale: np.ndarray
    description: str = ""

    def __post_init__(self):
        offset = np.atleast_1d(np.asarray(self.offset, dtype=np.float64))
        scale = np.atleast_1d(np.asarray(self.scale, dtype=np.float64))
        if offset.ndim != 1 or scale.ndim != 1:
            raise ValueError("an input scaling has one offset and one scale, or one of each per feature")
        if not (np.all(np.isfinite(offset)) and np.all(np.isfinite(scale)) and np.all(scale != 0)):
            raise ValueError("an input scaling needs finite offsets and finite, non-zero scales")
        object.__setattr__(self, "offset", offset)
        object.__setattr__(self, "scale", scale)

    def apply(self, x) -> np.ndarray:
        """Raw inputs as the model takes them (float32), as the data set's own transform computes them."""
        x = np.asarray(x, dtype=np.float64)
        offset, scale = self.shaped(x.shape[1:]) if x.ndim > 2 else (self.offset, self.scale)
        return ((x - offset) / scale).astype(np.float32)

    def fits(self, input_shape) -> bool:
        """Whether it broadcasts against a model input of ``input_shape`` (without the batch axis): one value, one
        per feature (the last axis), or one per input element (an image's pixels, in row-major order: a table's
        pixel columns scaled one by one, then read as images)."""
        if not input_shape:
            return False
        sizes = (1, int(input_shape[-1]), int(np.prod(input_shape)))
        return all(len(a) in sizes for a in (self.offset, self.scale))

    def shaped(self, input_shape) -> tuple[np.ndarray, np.ndarray]:
        """``(offset, scale)`` broadcasting against a batch of inputs of ``input_shape``: one value per input
        element takes the input's shape (28×28×1 for a 28×28×1 image), the others stay 1-D."""
        shape = tuple(int(d) for d in input_shape)
        n = int(np.prod(shape)) if shape else 0

        def one(a: np.ndarray) -> np.ndarray:
            return a.reshape(shape) if len(shape) > 1 and len(a) == n and n != shape[-1] else a
        return one(self.offset), one(self.scale)

    def same_as(self, other: "InputScaling | None", rtol: float = 1e-9) -> bool:
        """Whether ``other`` computes the same ``(x - offset) / scale`` (one value or one per feature)."""
        if other is None:
            return False
        try:
            return all(np.allclose(*np.broadcast_arrays(a, b), rtol=rtol, atol=0.0)
                       for a, b in ((self.offset, other.offset), (self.scale, other.scale)))
        except ValueError:  # lengths that do not broadcast
            return False

    def formula(self, limit: int = 3) -> str:
        """``(x - 13) / 87`` for one value, ``(x - offset) / scale per feature (offset 1, 2, 3, ...)``."""
        def values(a):
            text = ", ".join(f"{v:g}" for v in a[:limit])
            return text + (", ..." if len(a) > limit else "")
        if len(self.offset) == len(self.scale) == 1:
            off = self.offset[0]
            head = "x" if off == 0 else f"(x {'-' if off > 0 else '+'} {abs(off):g})"
            return f"{head} / {self.scale[0]:g}"
        return f"(x - offset) / scale per feature (offset {values(self.offset)}; scale {values(self.scale)})"

    def to_dict(self) -> dict:
        return {"formula": "x_model = (x_raw - offset) / scale", "offset": self.offset.tolist(),
                "scale": self.scale.tolist(), "description": self.description}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, d: dict) -> "InputScaling":
        return cls(d["offset"], d["scale"], str(d.get("description", "")))


def input_scaling_of(source) -> InputScaling | None:
    """The input scaling of ``source``: an :class:`InputScaling` (itself), a ``Dataset`` (its scaler, or
    its loader's known scaling), or ``None`` (none)."""
    if source is None or isinstance(source, InputScaling):
        return source
    scaler = getattr(source, "scaler", None)
    if scaler is not None:
        return InputScaling(scaler.offset, scaler.scale,
                            f"{scaler.method} scaling fitted on the training split of '{source.name}'")
    known = LOADER_SCALINGS.get(getattr(source, "name", None))
    if known is not None:
        return InputScaling(known[0], known[1], f"{source.name}: {known[2]}")
    return None


def checked_scaling(model, source) -> InputScaling | None:
    """:func:`input_scaling_of` ``source``, checked against ``model``'s input (``ValueError`` if it does
    not broadcast); ``None`` for an Embedding's token ids, which are never scaled."""
    scaling = input_scaling_of(source)
    if scaling is None:
        return None
    if model.layers and model.layers[0].layer_type == "Embedding":
        return None
    shape = tuple(model.input_shape[1:])
    if not scaling.fits(shape):
        n = max(len(scaling.offset), len(scaling.scale))
        raise ValueError(f"the input scaling has {n} values but the model's input {shape} has "
                         f"{shape[-1] if shape else 0} features")
    return scaling


def scaling_for(model, dataset) -> InputScaling | None:
    """The input scaling of ``dataset`` when it fits ``model``'s input, else ``None`` (what the app and
    the CLI export with: a network drawn for other data has no scaling to carry)."""
    try:
        return checked_scaling(model, dataset)
    except ValueError:
        return None


def imported_scaling_note(found: InputScaling | None, expected: InputScaling | None) -> str:
    """What to tell a user who loaded weights that came with the input scaling ``found`` into a model whose
    data set scales with ``expected`` ("" when the file says nothing or both agree)."""
    if found is None or found.same_as(expected, rtol=1e-6):
        return ""
    now = f"this data set gives {expected.formula()}" if expected is not None else "this data set is not scaled"
    return f"the file's network expects inputs scaled as {found.formula()}; {now}, so predictions will differ"


def export_note(fmt: str, scaling: InputScaling | None) -> str:
    """What an export of format ``fmt`` did with ``scaling``, for the status bar and the CLI ("" without one):
    whole models (ONNX, Keras, PyTorch) compute it first and take raw inputs; weight files only keep it."""
    if scaling is None:
        return ""
    if fmt in ("onnx", "keras", "pytorch"):
        return f"takes raw inputs, computing {scaling.formula()} first"
    return f"raw inputs need {scaling.formula()} before the network (noted in the file's metadata)"
