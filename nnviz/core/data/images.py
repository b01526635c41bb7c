"""Which data sets' samples are images, and of what size (NumPy-free, stdlib only)."""

from __future__ import annotations

import math


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
