"""The autoencoder: "reconstruct the input" data, the split at the bottleneck, and what its views measure.

An autoencoder is an ordinary ``Sequential`` trained with targets equal to its inputs:

    original input → encoder → compressed representation (the code) → decoder → reconstructed input

* :func:`reconstruction` turns any image or tabular :class:`~nnviz.core.data.dataset.Dataset` into one whose
  targets are its (clean) inputs, optionally with noisy inputs (``noise_kind="gaussian"``: add N(0, σ²) with σ
  in units of the inputs' spread; ``"mask"``: zero that share of the inputs) for a denoising autoencoder. The
  source's class labels stay (``labels_*``) to colour the code space. Token ids are refused: a word's number is
  a name, not a size, so "how far from the input" means nothing for it.
* :func:`bottleneck_index` finds the code layer (the layer with the fewest outputs before the last), and
  :func:`split_autoencoder` cuts a model there into an encoder and a decoder, each a ``Sequential`` with copies
  of the trained weights under the same names (so their exports read like the whole model's).
* :func:`code_2d`, :func:`nearest_centroid_accuracy`, :func:`decoded_grid`, :func:`per_sample_error` and
  :func:`mean_baseline_error` are what the views show, computable without a screen.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

NOISE_KINDS = ("gaussian", "mask")


# ============================================================================================== data
def reconstruction(dataset, noise: float = 0.0, noise_kind: str = "gaussian", seed: int | None = None):
    """``dataset`` with targets equal to its inputs (a regression task), the inputs noisy when ``noise > 0``."""
    if dataset.vocabulary is not None or dataset.kind == "text":
        raise ValueError(f"cannot reconstruct the inputs of {dataset.name!r}: they are token ids (word numbers), "
                         f"names rather than sizes, so an error between two of them means nothing; choose an image "
                         f"or tabular data set")
    if noise_kind not in NOISE_KINDS:
        raise ValueError(f"noise_kind must be one of {', '.join(NOISE_KINDS)}, got {noise_kind!r}")
    noise = float(noise)
    if not 0.0 <= noise <= (1.0 if noise_kind == "mask" else 10.0):
        raise ValueError(f"input noise must be between 0 and {1 if noise_kind == 'mask' else 10}, got {noise}")
    seed = dataset.params.get("seed", 0) if seed is None else seed
    rng = np.random.default_rng(None if seed is None else int(seed) + 7919)
    spread = float(np.std(dataset.x_train)) or 1.0

    def noisy(x):
        if noise == 0.0 or len(x) == 0:
            return x
        if noise_kind == "mask":
            return (x * (rng.random(x.shape) >= noise)).astype(x.dtype)
        return (x + rng.normal(0.0, noise * spread, x.shape)).astype(x.dtype)

    classes = dataset.is_classification
    task = "denoise" if noise else "reconstruct"
    return replace(
        dataset, task="regression",
        x_train=noisy(dataset.x_train), y_train=dataset.x_train.copy(),
        x_val=noisy(dataset.x_val), y_val=dataset.x_val.copy(),
        x_test=noisy(dataset.x_test), y_test=dataset.x_test.copy(),
        class_names=None,
        labels_train=dataset.y_train if classes else None, labels_val=dataset.y_val if classes else None,
        labels_test=dataset.y_test if classes else None, label_names=dataset.class_names if classes else None,
        description=f"{dataset.description} — {task} the input" + (
            f" ({noise_kind} noise {noise:g} on the input)" if noise else ""),
        params={**dataset.params, "reconstruct": True, "input_noise": noise, "noise_kind": noise_kind})


# ============================================================================================== split
def _size(shape) -> int:
    return int(math.prod(shape[1:] if shape and shape[0] is None else shape))


def bottleneck_index(model) -> int:
    """The index of the code layer: the layer (not the last) whose output has the fewest values; on a tie
    the first. ``ValueError`` for a model too short to have one."""
    if not model.built:
        model.build()
    if len(model.layers) < 2:
        raise ValueError("an autoencoder needs an encoder and a decoder: at least two layers")
    sizes = [_size(layer.output_shape) for layer in model.layers[:-1]]
    return int(np.argmin(sizes))


def _part(layers, input_shape, name, dtype):
    from nnviz.core.layers import Input
    from nnviz.core.model import Sequential

    copies = []
    for layer in layers:
        config = layer.get_config()
        config.pop("input_shape", None)
        copies.append(type(layer).from_config(config))
    part = Sequential([Input(input_shape), *copies], name=name, dtype=dtype)
    part.build()
    part.set_weights([w for layer in layers for w in layer.get_weights()])
    return part


def split_autoencoder(model, at: int | None = None):
    """``(encoder, decoder)``: layers ``0..at`` and ``at+1..``; ``at`` defaults to :func:`bottleneck_index`.
    ``decoder.predict(encoder.predict(x))`` equals ``model.predict(x)``."""
    if not model.built:
        model.build()
    at = bottleneck_index(model) if at is None else int(at)
    if not 0 <= at < len(model.layers) - 1:
        raise ValueError(f"the code layer must be one of layers 0..{len(model.layers) - 2} (the decoder needs at "
                         f"least one layer), got {at}")
    layers = model.layers
    encoder = _part(layers[:at + 1], model.input_shape[1:], f"{model.name}_encoder", model.dtype)
    decoder = _part(layers[at + 1:], layers[at].output_shape[1:], f"{model.name}_decoder", model.dtype)
    return encoder, decoder


# ============================================================================================== measures
def per_sample_error(model, x, y, batch_size: int = 256) -> np.ndarray:
    """The mean squared reconstruction error of each sample, ``(n,)``."""
    pred = model.predict(x, batch_size=batch_size).reshape(len(x), -1)
    return np.mean((pred - np.asarray(y).reshape(len(x), -1)) ** 2, axis=1)


def mean_baseline_error(y_train, y) -> float:
    """The error of always answering the training set's mean input: what a network must beat."""
    mean = np.asarray(y_train, np.float64).mean(axis=0)
    return float(np.mean((np.asarray(y, np.float64) - mean) ** 2))


def code_2d(codes) -> tuple[np.ndarray, str]:
    """Codes as 2-D points and what the axes are: the two units themselves, or the first two principal
    components of a wider code (one unit: the unit and zero)."""
    codes = np.asarray(codes, np.float64).reshape(len(codes), -1)
    if codes.shape[1] == 2:
        return codes, "units"
    if codes.shape[1] == 1:
        return np.hstack([codes, np.zeros_like(codes)]), "unit"
    centred = codes - codes.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T, "principal components"


def nearest_centroid_accuracy(codes_train, labels_train, codes, labels) -> float:
    """Share of ``codes`` whose nearest class centroid (of the training codes) is their own class."""
    codes_train = np.asarray(codes_train, np.float64).reshape(len(codes_train), -1)
    codes = np.asarray(codes, np.float64).reshape(len(codes), -1)
    classes = np.unique(labels_train)
    centroids = np.stack([codes_train[labels_train == c].mean(axis=0) for c in classes])
    nearest = classes[np.argmin(((codes[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)]
    return float(np.mean(nearest == np.asarray(labels)))


def decoded_grid(decoder, codes, steps: int = 8, margin: float = 0.05):
    """Walk the code space of a 2-unit code: ``(grid_u, grid_v, decoded)`` over the span of ``codes``,
    ``decoded`` shaped ``(steps, steps, *output)``, row i at v = grid_v[i] (top row: largest v)."""
    codes = np.asarray(codes, np.float64).reshape(len(codes), -1)
    if codes.shape[1] != 2:
        raise ValueError(f"walking the code space needs a 2-unit code, this one has {codes.shape[1]}")
    lo, hi = codes.min(axis=0), codes.max(axis=0)
    pad = (hi - lo) * margin
    u = np.linspace(lo[0] - pad[0], hi[0] + pad[0], steps)
    v = np.linspace(hi[1] + pad[1], lo[1] - pad[1], steps)
    uu, vv = np.meshgrid(u, v)
    grid = np.stack([uu.ravel(), vv.ravel()], axis=1).astype(decoder.dtype)
    out = decoder.predict(grid, batch_size=256)
    return u, v, out.reshape(steps, steps, *out.shape[1:])
