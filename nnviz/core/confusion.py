"""The confusion matrix of a classifier's predictions (NumPy only)."""

from __future__ import annotations

import numpy as np


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """``m[i, j]`` = samples of class ``i`` predicted as ``j``."""
    idx = np.asarray(y_true, dtype=np.intp) * n_classes + np.asarray(y_pred, dtype=np.intp)
    return np.bincount(idx, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def predicted_classes(out: np.ndarray) -> np.ndarray:
    """The class a model's output picks per sample: one sigmoid unit above 0.5 is class 1, else the largest unit."""
    out = np.asarray(out)
    if out.ndim == 2 and out.shape[1] == 1:
        return (out[:, 0] > 0.5).astype(np.intp)
    return out.reshape(len(out), -1).argmax(axis=1)
