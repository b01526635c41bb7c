"""Keras' training metrics, as per-sample values (their mean is the logged metric).

``get("accuracy")`` resolves the way Keras 3's ``compile`` does (``compile_utils.get_metric``), from
the shapes alone: binary accuracy for a single-unit output, sparse categorical accuracy for integer
labels, categorical accuracy otherwise — also under a binary cross-entropy loss with several units
(Keras 2.2 and older chose binary accuracy there; Keras 3 does not look at the loss). Whatever the
caller cannot tell yet (units, label shape) is read off the first batch. The metric keeps the name the user typed ("acc", "mae"),
which is the key it gets in ``logs``.

Each metric is a handful of NumPy calls: it runs on every batch of ``fit``.
"""

from __future__ import annotations

import numpy as np

from nnviz.core import losses as _losses
from nnviz.core.registry import Registry


# ---------------------------------------------------------------------- per-sample functions
def _per_sample(v: np.ndarray) -> np.ndarray:
    """(batch, ...) -> (batch,), averaging any axes between the batch and the outputs."""
    return v if v.ndim == 1 else v.reshape(len(v), -1).mean(axis=1)


def _as_2d(y_true, y_pred):
    yp = np.asarray(y_pred)
    if yp.ndim == 1:
        yp = yp[:, None]
    yt = np.asarray(y_true)
    if yt.ndim == yp.ndim - 1:
        yt = yt[..., None]
    return yt, yp


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> np.ndarray:
    """mean over outputs of [y == (p > threshold)]"""
    yt, yp = _as_2d(y_true, y_pred)
    return _per_sample((yt == (yp > threshold)).mean(axis=-1))


def categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """[argmax y == argmax p]"""
    yt = np.asarray(y_true)
    yp = np.asarray(y_pred)
    return _per_sample((yt.argmax(axis=-1) == yp.argmax(axis=-1)).astype(np.float64))


def sparse_categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """[label == argmax p], labels of shape (batch,) or (batch, 1)"""
    yp = np.asarray(y_pred)
    lab = np.asarray(y_true)
    if lab.ndim == yp.ndim:
        lab = lab[..., 0]
    return _per_sample((lab == yp.argmax(axis=-1)).astype(np.float64))


def mean_absolute_error(y_true, y_pred) -> np.ndarray:
    yt, yp = _as_2d(y_true, y_pred)
    return _per_sample(np.abs(yp - yt).mean(axis=-1))


def mean_squared_error(y_true, y_pred) -> np.ndarray:
    yt, yp = _as_2d(y_true, y_pred)
    return _per_sample(np.square(yp - yt).mean(axis=-1))


_FUNCTIONS = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "mean_absolute_error": mean_absolute_error,
    "mean_squared_error": mean_squared_error,
}


# ---------------------------------------------------------------------- Metric
class Metric:
    """``name`` is the key in ``logs``; ``kind`` is the function it computes (None for an
    ``"accuracy"`` still waiting for its first batch to decide)."""

    def __init__(self, name: str, kind: str | None, threshold: float = 0.5):
        self.name = name
        self.kind = kind
        self.threshold = float(threshold)
        self._fn = None if kind is None else self._function(kind)

    def _function(self, kind):
        if kind == "binary_accuracy" and self.threshold != 0.5:
            t = self.threshold
            return lambda y_true, y_pred: binary_accuracy(y_true, y_pred, t)
        return _FUNCTIONS[kind]

    def __call__(self, y_true, y_pred) -> np.ndarray:
        if self._fn is None:
            yp = np.asarray(y_pred)
            units = yp.shape[-1] if yp.ndim > 1 else 1
            self.kind = _accuracy_kind(None, units, _labels_are_sparse(y_true, yp))
            self._fn = self._function(self.kind)
        return self._fn(y_true, y_pred)

    def get_config(self) -> dict:
        cfg = {"name": self.name}
        if self.kind == "binary_accuracy":
            cfg["threshold"] = self.threshold
        return cfg

    def __repr__(self):
        return f"<metric {self.name} ({self.kind or 'accuracy, resolved on the first batch'})>"


def _labels_are_sparse(y_true, yp) -> bool:
    yt = np.asarray(y_true)
    units = yp.shape[-1] if yp.ndim > 1 else 1
    return yt.ndim == yp.ndim - 1 or (yt.ndim == yp.ndim and yt.shape[-1] == 1 and units > 1)


def _accuracy_kind(loss_name, output_units, sparse_labels) -> str | None:
    """Keras 3's choice for "accuracy"; None when it needs a batch to decide. The loss only stands in
    for an unknown label shape: a sparse cross-entropy needs sparse labels."""
    if output_units == 1:
        return "binary_accuracy"
    if sparse_labels is None and loss_name == "sparse_categorical_crossentropy":
        sparse_labels = True
    if output_units is None or sparse_labels is None:
        return None
    return "sparse_categorical_accuracy" if sparse_labels else "categorical_accuracy"


_REGISTRY = Registry("metric", Metric)
for _name in ("accuracy", *_FUNCTIONS):
    _REGISTRY.register(_name, Metric)
_REGISTRY.alias("acc", "accuracy")
_REGISTRY.alias("mae", "mean_absolute_error")
_REGISTRY.alias("mse", "mean_squared_error")

NAMES = _REGISTRY.names()


def _loss_name(loss) -> str | None:
    if loss is None:
        return None
    name = getattr(loss, "name", None)
    if name is None:
        try:
            name = _losses.get(loss).name  # "BinaryCrossentropy", "mse" -> canonical names
        except ValueError:
            return str(loss)
    return name


def get(identifier, loss_name=None, output_units=None, sparse_labels=None) -> Metric:
    """A metric name (``"accuracy"``, ``"acc"``, ``"mae"``, ``"BinaryAccuracy"``), a config dict or
    a Metric. ``loss_name``, ``output_units`` and ``sparse_labels`` decide what "accuracy" means;
    any left as None is read off the first batch."""
    if isinstance(identifier, Metric):
        return identifier
    threshold = 0.5
    if isinstance(identifier, dict):
        cfg = dict(identifier.get("config") or identifier)
        key = identifier.get("class_name") or identifier.get("name")
        if key is None:
            raise ValueError(f"a metric config needs 'class_name' or 'name', got {identifier!r}")
        threshold = cfg.get("threshold", 0.5)
        name = cfg.get("name") or str(key)
    elif isinstance(identifier, str):
        key = name = identifier
    else:
        raise ValueError(f"cannot interpret {identifier!r} as a metric; valid names are: {', '.join(NAMES)}")
    kind = _REGISTRY.canonical(key)
    if kind == "accuracy":
        kind = _accuracy_kind(_loss_name(loss_name), output_units, sparse_labels)
    return Metric(name, kind, threshold)
