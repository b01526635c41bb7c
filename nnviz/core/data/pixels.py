"""Tables whose columns are the pixels of square gray images, read back as (n, H, W, 1) images.

Many image data sets travel as CSV: Kaggle's MNIST is ``label, pixel0 … pixel783``, one row per
28×28 image in row-major order.  As a flat vector such a table only feeds a Dense network; read as
images it feeds Conv2D.  A table counts as pixels when its feature columns are all named ``pixel<i>``
(also ``px<i>``, ``p<i>`` or bare numbers) in order 0 … n−1 or 1 … n, or, without such names, when
their count is a square of at least 16 (64 = 8×8, 784 = 28×28).
"""

from __future__ import annotations

import math
import re

import numpy as np

_PIXEL_NAME = re.compile(r"^\s*(?:pixel|pix|px|p)?[\s_]*(\d+)\s*$", re.IGNORECASE)
#: the fewest columns a square count alone is taken as an image (16 or 25 are more likely plain features)
MIN_UNNAMED_PIXELS = 64


def _square_side(n: int, least: int) -> int | None:
    side = math.isqrt(n)
    return side if n >= least and side * side == n else None


def named_as_pixels(names) -> bool:
    """True when ``names`` are ``pixel0 … pixel{n−1}`` (or from 1, or px/p prefixes, or bare numbers) in order."""
    numbers = []
    for name in names:
        m = _PIXEL_NAME.match(str(name))
        if not m:
            return False
        numbers.append(int(m.group(1)))
    if not numbers:
        return False
    first = numbers[0]
    return first in (0, 1) and numbers == list(range(first, first + len(numbers)))


def image_shape(names=None, count: int | None = None) -> tuple[int, int, int] | None:
    """``(side, side, 1)`` when a table's feature columns are the pixels of square gray images, else None.

    Pixel names (``pixel0`` …) need a square count of at least 4; other names (or only a ``count``) a
    square count of at least 64.
    """
    least = MIN_UNNAMED_PIXELS
    if names is not None:
        names = list(names)
        count = len(names)
        if named_as_pixels(names):
            least = 4
    if count is None:
        return None
    side = _square_side(int(count), least)
    return None if side is None else (side, side, 1)


def as_images(x: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """Rows of row-major pixels ``(n, H·W·C)`` as images ``(n, H, W, C)`` (a view when ``x`` is contiguous)."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != int(np.prod(shape)):
        raise ValueError(f"{x.shape[1:]} columns cannot be read as {shape[0]}×{shape[1]}×{shape[2]} images")
    return x.reshape((len(x),) + tuple(shape))


def dataset_as_images(ds, shape: tuple[int, int, int] | None = None):
    """A copy of data set ``ds`` with its flat pixel rows read as images; ``ds`` itself when they are not pixels.

    ``shape`` forces the image shape; by default it comes from the feature names (:func:`image_shape`).
    """
    import dataclasses

    if ds.x_train.ndim != 2:
        return ds
    shape = shape or image_shape(ds.feature_names)
    if shape is None:
        return ds
    parts = {f"x_{p}": as_images(getattr(ds, f"x_{p}"), shape) for p in ("train", "val", "test")}
    return dataclasses.replace(ds, **parts, kind="images" if ds.kind in ("", "csv") else ds.kind)
