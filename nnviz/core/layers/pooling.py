"""MaxPooling2D and AveragePooling2D (channels-last), with TF/Keras' 'valid' and 'same' padding.

A 2-D window reduces as two 1-D passes (max and sum are separable): first over the window's rows,
``r[n, y, w] = max_i x[n, y·sh + i, w]`` for every input column w, then over its columns,
``out[n, y, x] = max_j r[n, y, x·sw + j]``.  Each pass is pool-size elementwise calls on strided
views; the row pass reads whole image rows (long contiguous runs, fast in NumPy), so only the
smaller column pass pays for short runs.  Backward runs the two passes in reverse.

* Max pool pads with −inf (padded cells never win).  Its gradient goes to the window's maximum;
  when several cells tie (common after ReLU: a window of zeros) to exactly one of them: the first
  in row-major order (top-most row holding the maximum, then its leftmost such cell), the cell
  TensorFlow's and torch's max pooling pick.  The row pass keeps, for every input column, the first
  row holding that column's maximum; the column pass breaks ties between columns by that row.
* Average pool pads with zeros and divides by the number of *real* cells in each window, as TF does.

The common case, a 2×2 window at stride 2 that needs no padding, has its own path (``_halving``): the
batch is seen as (N, H/2, 2, W/2, 2, C), so the four cells of every window are four strided views and
forward and backward are a handful of whole-array calls on them, with the same tie rule and the same
numbers as the general passes.
"""

from __future__ import annotations

import numpy as np

from nnviz.core.catalog import LayerSpec, OptionSpec, pair, strides_text
from nnviz.core.checks import positive_ints
from nnviz.core.layers.base import Layer
from nnviz.core.layers.conv import (PADDINGS, check_batch, check_image_shape, check_window_fits, normalize_padding,
                                    pad_batch, window_geometry_2d)


def _rows(a: np.ndarray, i: int, out_h: int, sh: int) -> np.ndarray:
    """Rows i, i+sh, …: the window rows at offset i, for every output row."""
    return a[:, i:i + sh * (out_h - 1) + 1:sh]


def _cols(a: np.ndarray, j: int, out_w: int, sw: int) -> np.ndarray:
    return a[:, :, j:j + sw * (out_w - 1) + 1:sw]


def _max_pass(views: list[np.ndarray], with_index: bool = True, ranks: list[np.ndarray] | None = None):
    """Elementwise max over views and, when asked, the index of the view holding it (a bool array for
    two views, small ints for more; None for a single view or without index).

    Ties go to the first view holding the maximum; with ``ranks`` (one array per view) to the one of
    lowest rank among them, then the first."""
    if len(views) == 1:
        return views[0], None
    out = np.maximum(views[0], views[1])
    if not with_index:
        for v in views[2:]:
            np.maximum(out, v, out=out)
        return out, None
    idx = views[1] > views[0]  # ties stay with the first ...
    if ranks is not None:      # ... unless the second ranks lower
        idx |= (views[1] == views[0]) & (ranks[1] < ranks[0])
        best = np.where(idx, ranks[1], ranks[0]) if len(views) > 2 else None
    if len(views) > 2:
        idx = idx.astype(np.min_scalar_type(len(views)))
        for q, v in enumerate(views[2:], 2):
            later = v > out
            if ranks is not None:
                later |= (v == out) & (ranks[q] < best)
                np.copyto(best, ranks[q], where=later)
            np.maximum(out, v, out=out)
            idx[later] = q
    return out, idx


def _scatter(d_out: np.ndarray, idx, targets: list[np.ndarray], overlapping: bool) -> None:
    """Send d_out to the target view that held the max (``idx``), or to every target when idx is None.

    Non-overlapping windows write each target cell once (no zero-fill needed for covered cells);
    overlapping windows (stride < pool) accumulate.
    """
    for q, target in enumerate(targets):
        if idx is None:
            mask = None
        elif idx.dtype == bool:
            mask = idx if q else ~idx
        else:
            mask = idx == q
        if overlapping:
            target += d_out if mask is None else d_out * mask
        elif mask is None:
            target[...] = d_out
        else:
            np.multiply(d_out, mask, out=target)


class _Pooling2D(Layer):
    #: the settings both pooling layers offer in the editor
    catalog_options = (
        OptionSpec("pool_size", "pair", "Pool size", "Window height × width", minimum=1, maximum=8),
        OptionSpec("strides", "pair", "Strides", "Step of the window (defaults to the pool size)",
                   minimum=1, maximum=8),
        OptionSpec("padding", "choice", "Padding", "'valid' drops incomplete windows; 'same' keeps them",
                   choices=PADDINGS))

    def __init__(self, pool_size=(2, 2), strides=None, padding: str = "valid", **kwargs):
        super().__init__(**kwargs)
        what = type(self).__name__
        self.pool_size = positive_ints(pool_size, 2, what, "pool_size")
        self.strides = self.pool_size if strides is None else positive_ints(strides, 2, what, "strides")
        self.padding = normalize_padding(padding, what)

    def _geometry(self, h: int, w: int):
        return window_geometry_2d(h, w, self.pool_size, self.strides, self.padding)

    def _padded_input(self, x, fill=0.0):
        """``(x, x padded for the windows, out_h, out_w)`` for a checked batch ``x``."""
        x = np.asarray(x)
        check_batch(self.layer_type, x)
        out_h, out_w, pads = self._geometry(*x.shape[1:3])
        return x, pad_batch(x, pads, fill=fill), out_h, out_w

    def compute_output_shape(self, input_shape):
        h, w, c = check_image_shape(self.layer_type, input_shape)
        check_window_fits(self.layer_type, "pool", self.pool_size, h, w, self.padding, "a smaller pool_size")
        out_h, out_w, _ = self._geometry(h, w)
        return (out_h, out_w, c)

    def _halving(self, shape) -> bool:
        """True for a 2×2 window at stride 2 without padding (any 'valid' input, 'same' on even sizes)."""
        if self.pool_size != (2, 2) or self.strides != (2, 2):
            return False
        return self.padding == "valid" or (shape[1] % 2 == 0 and shape[2] % 2 == 0)

    @staticmethod
    def _windows(a: np.ndarray) -> np.ndarray:
        """``a`` as (N, H//2, 2, W//2, 2, C): [n, y, i, x, j] is cell (i, j) of the 2×2 window (y, x); odd last
        rows / columns dropped.  A view (cropping and splitting axes never copy)."""
        n, h, w, c = a.shape
        return a[:, :h - h % 2, :w - w % 2].reshape(n, h // 2, 2, w // 2, 2, c)

    @staticmethod
    def _windows_gradient(shape, dtype) -> np.ndarray:
        """The buffer for the gradient of an input of ``shape`` under 2×2 windows: left uninitialised when the
        windows cover it (every cell is written), zeros where an odd last row or column gets nothing."""
        covered = shape[1] % 2 == 0 and shape[2] % 2 == 0
        return (np.empty if covered else np.zeros)(shape, dtype=dtype)

    @classmethod
    def _quarters(cls, a: np.ndarray):
        """The four cells of every 2×2 window of ``a`` in row-major order, as (N, H//2, W//2, C) views:
        top-left, top-right, bottom-left, bottom-right."""
        a6 = cls._windows(a)
        return a6[:, :, 0, :, 0], a6[:, :, 0, :, 1], a6[:, :, 1, :, 0], a6[:, :, 1, :, 1]

    def _backward_passes(self, d_out, idx_rows, idx_cols, padded_shape, x_shape):
        """Reverse the column pass, then the row pass; crop the padding off."""
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        n, hp, wp, c = padded_shape
        _, out_h, out_w, _ = d_out.shape
        # a buffer needs zeros only where no window writes: gaps, uncovered edges, or accumulation
        cols_cover = sw == pw and out_w * sw == wp
        rows_cover = sh == ph and out_h * sh == hp
        d_r = (np.empty if cols_cover else np.zeros)((n, out_h, wp, c), dtype=d_out.dtype)
        _scatter(d_out, idx_cols, [_cols(d_r, j, out_w, sw) for j in range(pw)], sw < pw)
        d_xp = (np.empty if rows_cover else np.zeros)(padded_shape, dtype=d_out.dtype)
        _scatter(d_r, idx_rows, [_rows(d_xp, i, out_h, sh) for i in range(ph)], sh < ph)
        h, w = x_shape[1:3]
        if (hp, wp) != (h, w):
            _, _, (pt, _, pl, _) = self._geometry(h, w)
            return d_xp[:, pt:pt + h, pl:pl + w, :]
        return d_xp

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=list(self.pool_size), strides=list(self.strides), padding=self.padding)
        return config


class MaxPooling2D(_Pooling2D):
    """``a[n, y, x, c] = max`` over the window at (y·sh, x·sw); dC/dx goes to one maximal cell."""

    catalog = LayerSpec(
        category="pooling", order=30, summary="Downsample by window max",
        description="Max pooling: keeps the largest value of each window (e.g. 2×2), halving height and width. "
                    "No weights; makes features robust to small shifts.",
        defaults={"pool_size": [2, 2]}, options=_Pooling2D.catalog_options,
        title=lambda o: pooling_title("MaxPooling2D", o))

    def forward(self, x, training=False):
        x = np.asarray(x)
        check_batch(self.layer_type, x)
        if self._halving(x.shape):
            return self._forward_halving(x, training)
        x, xp, out_h, out_w = self._padded_input(x, fill=-np.inf)
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        # where each maximum came from is only needed for backward: skipped in inference
        r, idx_rows = _max_pass([_rows(xp, i, out_h, sh) for i in range(ph)], with_index=training)
        # columns tied at the maximum: the one whose maximum sits in the top-most row wins (row-major)
        ranks = None if idx_rows is None else [_cols(idx_rows, j, out_w, sw) for j in range(pw)]
        out, idx_cols = _max_pass([_cols(r, j, out_w, sw) for j in range(pw)], with_index=training, ranks=ranks)
        if pw == 1:  # one column per window: the column pass selected a view, never return one
            out = out.copy()
        self.cache.update(x=x, padded_shape=xp.shape, idx_rows=idx_rows, idx_cols=idx_cols, indexed=training,
                          halving=None)
        return out

    def _forward_halving(self, x, training):
        """2×2, stride 2: ``out = max(max(tl, tr), max(bl, br))``, keeping (for backward) which of each
        pair won — ``left_top`` (tl ≥ tr), ``left_bottom`` (bl ≥ br), ``top`` (the top pair's max ≥ the
        bottom's) — so ties go to the top row, then its left cell: row-major first, as the general path."""
        tl, tr, bl, br = self._quarters(x)
        out = np.maximum(tl, tr)
        bottom = np.maximum(bl, br)
        if training:
            left_top, left_bottom, top = (np.empty(out.shape, np.bool_) for _ in range(3))
            np.greater_equal(tl, tr, out=left_top)
            np.greater_equal(bl, br, out=left_bottom)
            np.greater_equal(out, bottom, out=top)
            halving = (left_top, left_bottom, top)
        else:
            halving = None
        np.maximum(out, bottom, out=out)
        self.cache.update(x=x, halving=halving, indexed=training)
        return out

    def _backward_halving(self, d_out):
        """The gradient of each window to the cell that held its maximum: the top or bottom pair by
        ``top``, then the left or right cell of that pair (right = the pair's share − left's)."""
        left_top, left_bottom, top = self.cache["halving"]
        d_x = self._windows_gradient(self.cache["x"].shape, d_out.dtype)
        tl, tr, bl, br = self._quarters(d_x)
        d_top = d_out * top
        d_bottom = np.subtract(d_out, d_top)
        np.multiply(d_top, left_top, out=tl)
        np.subtract(d_top, tl, out=tr)
        np.multiply(d_bottom, left_bottom, out=bl)
        np.subtract(d_bottom, bl, out=br)
        return d_x

    def backward(self, d_out):
        if not self.cache["indexed"]:  # the last forward was an inference one: find the maxima now
            self.forward(self.cache["x"], training=True)
        if self.cache["halving"] is not None:
            return self._backward_halving(d_out)
        return self._backward_passes(d_out, self.cache["idx_rows"], self.cache["idx_cols"],
                                     self.cache["padded_shape"], self.cache["x"].shape)


class AveragePooling2D(_Pooling2D):
    """``a[n, y, x, c] = mean`` of the real (unpadded) cells in the window at (y·sh, x·sw)."""

    catalog = LayerSpec(
        category="pooling", order=40, summary="Downsample by window mean",
        description="Average pooling: replaces each window (e.g. 2×2) by its mean, a smoother downsampling. "
                    "No weights.",
        defaults={"pool_size": [2, 2]}, options=_Pooling2D.catalog_options,
        title=lambda o: pooling_title("AveragePooling2D", o))

    def _inverse_counts(self, h: int, w: int, dtype):
        """1 / (number of real cells per window): a scalar when no window touches padding."""
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        out_h, out_w, (pt, pb, pl, pr) = self._geometry(h, w)
        if not (pt or pb or pl or pr):
            return dtype.type(1.0 / (ph * pw))

        def real(out, k, s, pad, size):
            start = np.arange(out) * s - pad
            return np.minimum(start + k, size) - np.maximum(start, 0)

        counts = real(out_h, ph, sh, pt, h)[:, None, None] * real(out_w, pw, sw, pl, w)[None, :, None]
        return (1.0 / counts).astype(dtype)

    @staticmethod
    def _sum_pass(views):
        out = np.add(views[0], views[1]) if len(views) > 1 else views[0].copy()
        for v in views[2:]:
            np.add(out, v, out=out)
        return out

    def forward(self, x, training=False):
        x = np.asarray(x)
        check_batch(self.layer_type, x)
        if self._halving(x.shape):
            # 2×2, stride 2: the general passes' sums in their order, (tl + bl) + (tr + br), then ÷ 4
            tl, tr, bl, br = self._quarters(x)
            out = np.add(tl, bl)
            out += np.add(tr, br)
            inv_counts = self._inverse_counts(*x.shape[1:3], out.dtype)
            out *= inv_counts
            self.cache.update(x_shape=x.shape, padded_shape=None, inv_counts=inv_counts)
            return out
        x, xp, out_h, out_w = self._padded_input(x)
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        r = self._sum_pass([_rows(xp, i, out_h, sh) for i in range(ph)])
        out = self._sum_pass([_cols(r, j, out_w, sw) for j in range(pw)])
        inv_counts = self._inverse_counts(*x.shape[1:3], out.dtype)
        out *= inv_counts
        self.cache.update(x_shape=x.shape, padded_shape=xp.shape, inv_counts=inv_counts)
        return out

    def backward(self, d_out):
        inv_counts = self.cache["inv_counts"]   # forward's, unless the gradient comes in another dtype
        if inv_counts.dtype != d_out.dtype:
            inv_counts = self._inverse_counts(*self.cache["x_shape"][1:3], d_out.dtype)
        g = d_out * inv_counts   # each real cell gets its share of the mean
        if self.cache["padded_shape"] is None:   # 2×2, stride 2: one broadcast copy to the four cells
            d_x = self._windows_gradient(self.cache["x_shape"], g.dtype)
            np.copyto(self._windows(d_x), g[:, :, None, :, None, :])
            return d_x
        return self._backward_passes(g, None, None, self.cache["padded_shape"], self.cache["x_shape"])


def pooling_title(class_name: str, o: dict) -> str:
    """A pooling layer's block title: "MaxPooling2D 2×2", with strides other than the window and 'same'."""
    ph, pw = pair(o.get("pool_size", 2))
    strides = o.get("strides")
    return (f"{class_name} {ph}×{pw}"
            + ("" if strides is None else strides_text(strides, (ph, pw)))
            + (" same" if o.get("padding", "valid") == "same" else ""))
