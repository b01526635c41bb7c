"""One image style for every view that draws an image: the data panel's samples, Predict's drawing pad, the
activations, the weights (issue 17: one digit was drawn three ways — white on black, black on white, pale blue).

The rule, everywhere: **zero is white paper; a positive value is blue ink, darker the larger; a negative value is
orange** (TensorFlow Playground's colours). Pixel values 0–1 and non-negative activations use :func:`ink_cmap`
(white → blue → navy); signed values (weights, gradients, tanh activations) use :func:`diverging_cmap`
(orange – white – blue), whose positive half is the first part of the ink map, so a "1" in the data and a strongly
active unit look alike. No Qt widgets here: colour maps, lookup tables and ``QImage`` conversion.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QImage

ORANGE = (245, 147, 34)
BLUE = (8, 119, 189)
WHITE = (247, 247, 247)
NAVY = (8, 48, 107)
#: where the ink map reaches the diverging map's blue
INK_BLUE_AT = 0.65


def ink_cmap() -> pg.ColorMap:
    """White (0) → blue → navy (1): pixels, non-negative activations, counts."""
    return pg.ColorMap([0.0, INK_BLUE_AT, 1.0], [WHITE, BLUE, NAVY], name="white-blue-navy")


def diverging_cmap() -> pg.ColorMap:
    """Orange (negative) – white (zero) – blue (positive), as the Playground draws weights and outputs."""
    return pg.ColorMap([0.0, 0.5, 1.0], [ORANGE, WHITE, BLUE], name="orange-white-blue")


_INK_LUT = ink_cmap().getLookupTable(0.0, 1.0, 256, alpha=False)   # (256, 3) uint8


def ink_rgb(values) -> np.ndarray:
    """``values`` in [0, 1] (any shape) as RGB bytes ``(*shape, 3)`` in the ink style."""
    v = np.nan_to_num(np.clip(np.asarray(values, dtype=np.float32), 0.0, 1.0))
    return _INK_LUT[np.round(v * 255).astype(np.intp)]


def ink_qimage(image) -> QImage:
    """A 2-D array in [0, 1] as a ``QImage`` in the ink style (a copy: it owns its pixels)."""
    rgb = np.ascontiguousarray(ink_rgb(image))
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def ink_color(value: float) -> QColor:
    """One pixel value in [0, 1] in the ink style."""
    r, g, b = (int(c) for c in ink_rgb(float(value)))
    return QColor(r, g, b)
