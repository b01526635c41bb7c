"""Which data sets' samples are images, of what size, and a class-interleaved sample of them (NumPy only)."""

from __future__ import annotations

import math

import numpy as np


def image_shape(input_shape, kind: str = "", gray_only: bool = False) -> tuple[int, int] | None:
    """``(height, width)`` when samples of ``input_shape`` are images, else None.

    Images are ``(h, w, 1)`` (or ``(h, w, 3)`` unless ``gray_only``) samples, or — for an image data set
    (``kind == "images"``) — gray images read row by row as a sequence ``(h, w)`` or flattened square images
    ``(h * w,)``.
    """
    shape = tuple(int(s) for s in input_shape)
    if len(shape) == 3 and shape[2] in ((1,) if gray_only else (1, 3)):
        return shape[0], shape[1]
    if kind != "images":
        return None
    if len(shape) == 2:
        return shape
    if len(shape) == 1:
        side = int(round(math.sqrt(shape[0])))
        if side * side == shape[0]:
            return side, side
    return None


def dataset_image_shape(dataset, gray_only: bool = False) -> tuple[int, int] | None:
    """:func:`image_shape` of a data set's samples (None for no data set)."""
    if dataset is None:
        return None
    return image_shape(dataset.input_shape, getattr(dataset, "kind", ""), gray_only)


def sample_images(dataset, per_class: int | None = None, max_images: int = 60):
    """Training images interleaved by class (class 0, 1, 2, ..., 0, 1, ...): ``(images, captions, columns,
    rows per cycle of the classes)``.

    With 10 classes 5 columns (a row holds 0–4 or 5–9), with 3 classes 6 columns; up to ``max_images``.
    """
    shape = dataset_image_shape(dataset)
    x = np.asarray(dataset.x_train)
    labels = getattr(dataset, "labels_train", None)   # reconstruct the input: the source's classes
    y = np.asarray(dataset.y_train if labels is None else labels).reshape(-1)
    classes = list(dataset.class_names or getattr(dataset, "label_names", None) or [])
    if shape is None or not len(x):
        return np.zeros((0, 1, 1), np.float32), [], 1, 1
    imgs = x.reshape(len(x), *shape, -1)[..., 0] if x.ndim != 3 else x
    if not classes:  # regression on images: the first samples
        n = min(max_images, len(imgs))
        return imgs[:n], [f"{float(v):.3g}" for v in np.asarray(dataset.y_train)[:n, 0]], min(5, n), 1
    k = len(classes)
    per_class = per_class or max(1, max_images // k)
    members = [np.flatnonzero(y == c)[:per_class] for c in range(k)]
    order = [int(m[j]) for j in range(per_class) for m in members if j < len(m)]
    columns = k if k <= 6 else (5 if k % 5 == 0 else 6)
    if k <= 3:
        columns = k * max(1, 6 // k)
    return imgs[order], [classes[int(y[i])] for i in order], columns, math.ceil(k / columns)
