"""Small labelled images of circles, squares and triangles, for the CNN lessons and the conv-filter views.

Each image is ``size`` x ``size`` gray pixels in [0, 1]: one shape, filled or drawn as an outline, of a
random size, position (jitter), slight rotation and brightness, on a dark background with Gaussian pixel
noise. Shapes are drawn from signed distance functions with one pixel of anti-aliasing, so their edges
are smooth at any size.
"""

from __future__ import annotations

import numpy as np

from nnviz.core.data.dataset import Dataset, image_layout, split

CLASS_NAMES = ["circle", "square", "triangle"]
STYLES = ("random", "filled", "outline")


def _sdf(kind: int, px, py, r, theta):
    """Signed distance (pixels, negative inside) of shape ``kind`` with "radius" ``r``, centred at the origin."""
    c, s = np.cos(theta), np.sin(theta)
    u = c * px + s * py  # rotate the sampling grid by -theta
    v = -s * px + c * py
    if kind == 0:  # circle
        return np.hypot(px, py) - r
    if kind == 1:  # square with half-side r * 0.85 (about the circle's area)
        return np.maximum(np.abs(u), np.abs(v)) - 0.85 * r
    # upward equilateral triangle with circumradius 1.25 r: three half-planes at distance 0.625 r from its
    # centroid, moved down by 0.3125 r so that its bounding box (height 1.875 r) is centred
    inradius = 0.625 * r
    v = v + 0.3125 * r
    dists = [v * np.sin(a) + u * np.cos(a) for a in (-np.pi / 2, np.pi / 6, 5 * np.pi / 6)]
    return np.max(dists, axis=0) - inradius


def render(kind: int, size: int, cx: float, cy: float, r: float, theta: float = 0.0, filled: bool = True,
           thickness: float = 1.5) -> np.ndarray:
    """One noise-free image ``(size, size)`` in [0, 1] of shape ``kind`` (0 circle, 1 square, 2 triangle).

    ``cx``, ``cy`` is the centre in pixel coordinates (x to the right, y downwards; triangles point up).
    """
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    d = _sdf(kind, xx - cx, -(yy - cy), r, theta)
    inside = np.clip(0.5 - d, 0.0, 1.0)
    if filled:
        return inside
    # an outline drawn on the inner side of the border, so it never leaves the filled shape's footprint
    return inside * np.clip(d + thickness + 0.5, 0.0, 1.0)


def shapes(n_per_class: int = 200, size: int = 16, noise: float = 0.1, seed: int | None = 0, style: str = "random",
           test_ratio: float = 0.2, val_ratio: float = 0.1, flatten: bool = False, sequence: bool = False) -> Dataset:
    """Circles, squares and triangles: ``x`` float32 ``(3 * n_per_class, size, size, 1)`` in [0, 1].

    ``noise`` is the standard deviation of the Gaussian pixel noise (0..0.5; pixels are clipped to
    [0, 1]). ``style`` is "filled", "outline" or "random" (each image picks one). Splits are stratified.
    """
    n_per_class, size = int(n_per_class), int(size)
    if n_per_class < 1:
        raise ValueError(f"n_per_class must be at least 1, got {n_per_class}")
    if not 8 <= size <= 64:
        raise ValueError(f"size must be between 8 and 64 pixels, got {size}")
    if not 0.0 <= noise <= 0.5:
        raise ValueError(f"noise must be between 0 and 0.5, got {noise}")
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    rng = np.random.default_rng(seed)
    n = 3 * n_per_class
    kinds = np.repeat(np.arange(3), n_per_class)
    r = rng.uniform(0.20, 0.30, n) * size                      # "radius" in pixels
    thickness = size / 16 * 1.5
    # keep the whole (rotated, outlined) shape inside the frame
    margin = 1.5 + np.array([1.0, 1.25, 1.3])[kinds] * r
    cx = rng.uniform(margin, size - margin)
    cy = rng.uniform(margin, size - margin)
    theta = rng.uniform(-np.pi / 12, np.pi / 12, n)              # +-15 degrees
    filled = {"filled": np.ones(n, bool), "outline": np.zeros(n, bool)}.get(style)
    if filled is None:
        filled = rng.random(n) < 0.5
    brightness = rng.uniform(0.7, 1.0, n)
    images = np.empty((n, size, size), dtype=np.float32)
    for i in range(n):
        images[i] = brightness[i] * render(int(kinds[i]), size, cx[i], cy[i], r[i], theta[i], bool(filled[i]),
                                           thickness)
    if noise > 0:
        images += rng.normal(0.0, noise, images.shape).astype(np.float32)
    np.clip(images, 0.0, 1.0, out=images)
    x = image_layout(images, flatten, sequence)
    y = kinds.astype(np.int64)
    split_seed = None if seed is None else (seed, 1)
    x_train, y_train, x_val, y_val, x_test, y_test = split(x, y, test_ratio, val_ratio, split_seed)
    return Dataset(
        name="shapes", task="multiclass",
        x_train=x_train, y_train=y_train, x_val=x_val, y_val=y_val, x_test=x_test, y_test=y_test,
        feature_names=[f"pixel[{i},{j}]" for i in range(size) for j in range(size)],
        class_names=list(CLASS_NAMES), kind="images",
        description=(f"Generated {size}x{size} images of circles, squares and triangles ({n_per_class} each), "
                     "filled or outlined, with random size, position, rotation and pixel noise."),
        params={"n_per_class": n_per_class, "size": size, "noise": noise, "seed": seed, "style": style,
                "test_ratio": test_ratio, "val_ratio": val_ratio, "flatten": flatten, "sequence": sequence},
    )
