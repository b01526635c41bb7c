"""Advice on a data set's inputs that the data panel shows: when to scale them.

Inputs spanning hundreds of units (raw 0–255 pixels, prices, counts) make the first layer's
pre-activations hundreds of times larger than its initializer assumes: training needs a far smaller
learning rate, saturates softmax and sigmoid outputs, and kills ReLU units.  Scaling them to about
0 … 1 (min-max; for pixels simply ÷ 255) or to mean 0 and standard deviation 1 avoids all of that.
"""

from __future__ import annotations

import numpy as np

#: inputs spanning more than this many units get the advice
SPAN_LIMIT = 100.0
#: rows looked at (evenly spread over the training split): enough to see the range, cheap for 60,000 rows
SAMPLE_ROWS = 2000


def input_span(x) -> tuple[float, float]:
    """(min, max) over a sample of the rows of ``x``; (0, 0) when there are none."""
    x = np.asarray(x)
    if not len(x):
        return 0.0, 0.0
    sample = x[:: max(1, len(x) // SAMPLE_ROWS)]
    finite = sample[np.isfinite(sample)] if sample.dtype.kind == "f" else sample
    if not finite.size:
        return 0.0, 0.0
    return float(finite.min()), float(finite.max())


def scaling_advice(ds, limit: float = SPAN_LIMIT) -> str | None:
    """A sentence suggesting to scale the inputs of data set ``ds`` when they span more than ``limit``, else None."""
    if getattr(ds, "scaler", None) is not None or getattr(ds, "vocabulary", None):
        return None  # already scaled, or token ids (an Embedding takes them as they are)
    lo, hi = input_span(ds.x_train)
    if hi - lo <= limit:
        return None
    how = ("divide the pixels by 255 or choose min-max scaling" if lo >= 0 and hi <= 255 and _pixels(ds)
           else "choose min-max or standardize scaling")
    return (f"inputs span {lo:g} … {hi:g}: {how} so they lie near 0 … 1 — unscaled inputs need a much "
            f"smaller learning rate and saturate the outputs")


def _pixels(ds) -> bool:
    """The inputs are images, or a table's pixel columns (a house-price table's columns spanning 0 … 200 are not)."""
    from nnviz.core.data.pixels import image_shape
    names = getattr(ds, "feature_names", None)
    return np.asarray(ds.x_train).ndim == 4 or (getattr(ds, "kind", "") in ("images", "csv") and
                                                 image_shape(names or None, np.asarray(ds.x_train).shape[-1]) is not None)


def target_advice(ds, limit: float = SPAN_LIMIT) -> str | None:
    """A sentence suggesting to scale a regression's targets when they lie far from 0 … 1 (prices, counts), else
    None: the output layer starts near 0 and its bias moves by about the learning rate per step, so such a target
    leaves the loss huge and flat for thousands of epochs."""
    if getattr(ds, "task", "") != "regression":
        return None
    y = np.asarray(ds.y_train, dtype=np.float64)
    y = y[np.isfinite(y)]
    if not y.size or max(abs(float(y.mean())), float(y.std())) <= limit:
        return None
    lo, hi = float(y.min()), float(y.max())
    power = 10.0 ** int(np.floor(np.log10(max(abs(lo), abs(hi)))))
    return (f"the target spans {_number(lo)} … {_number(hi)}, while the output layer starts near 0 and moves by about the "
            f"learning rate per step: the loss stays huge for thousands of epochs. Divide the target column by "
            f"{power:,.0f} in the file, so it lies near 0 … 1 (the predictions are then in those units)")


def _number(v: float) -> str:
    return f"{v:,.0f}" if 1000 <= abs(v) < 1e9 else f"{v:.4g}"
