"""The base of every loss (:mod:`nnviz.core.losses` has the losses and the overview): a loss works on rows
(every position of ``y_pred`` but the last axis); ``_rows`` is a row's loss, ``_d_rows`` its derivative with
respect to the row's outputs and ``_shares`` its split per output. The public methods reduce rows the Keras
way (``sum_over_batch_size``)."""

from __future__ import annotations

import math

import numpy as np

EPSILON = 1e-7
_LOG2 = math.log(2.0)  # a Python float, so float32 arrays stay float32

# Keras config keys we accept when their value is the only one we implement.
_KERAS_DEFAULTS = {
    "reduction": ("sum_over_batch_size", "auto"),
    "from_logits": (False,),
    "label_smoothing": (0, 0.0),
    "axis": (-1,),
}
_KERAS_IGNORED = ("dtype", "fn")


class Loss:
    name = "loss"

    def __init__(self, **keras_options):
        for key, value in keras_options.items():
            if key in _KERAS_IGNORED:
                continue
            allowed = _KERAS_DEFAULTS.get(key)
            if allowed is None:
                raise ValueError(f"{self.name} got an unexpected option {key!r}")
            if value not in allowed:
                raise ValueError(f"{self.name}: only {key}={allowed[0]!r} is supported, got {value!r}")

    # ------------------------------------------------------------------ inputs
    def _prepare_pred(self, y_pred) -> np.ndarray:
        """``y_pred`` as a float array ``(batch, ..., k)`` (integers become float64)."""
        yp = np.asarray(y_pred)
        if yp.dtype.kind != "f":
            yp = yp.astype(np.float64)
        if yp.ndim < 2:
            raise ValueError(f"{self.name}: y_pred must have shape (batch, units), got {yp.shape}")
        return yp

    def _prepare(self, y_true, y_pred):
        """Arrays of the same shape ``(batch, ..., k)``, y_true in y_pred's float dtype."""
        yp = self._prepare_pred(y_pred)
        yt = np.asarray(y_true, dtype=yp.dtype)
        if yt.shape != yp.shape:
            if yt.shape == yp.shape[:-1] and yp.shape[-1] == 1:
                yt = yt[..., None]
            else:
                raise ValueError(f"{self.name}: y_true has shape {yt.shape} but y_pred has shape {yp.shape}")
        return yt, yp

    # ------------------------------------------------------------------ per row (subclasses)
    def _rows(self, yt, yp):
        raise NotImplementedError

    def _shares(self, yt, yp):
        raise NotImplementedError

    def _d_rows(self, yt, yp):
        raise NotImplementedError

    # ------------------------------------------------------------------ public API
    def per_sample(self, y_true, y_pred) -> np.ndarray:
        yt, yp = self._prepare(y_true, y_pred)
        rows = self._rows(yt, yp)
        return rows if rows.ndim == 1 else rows.reshape(len(rows), -1).mean(axis=1)

    def __call__(self, y_true, y_pred) -> float:
        yt, yp = self._prepare(y_true, y_pred)
        return float(self._rows(yt, yp).mean())

    def gradient(self, y_true, y_pred) -> np.ndarray:
        yt, yp = self._prepare(y_true, y_pred)
        d = self._d_rows(yt, yp)
        d /= yp.size // yp.shape[-1]
        return d

    def per_output(self, y_true, y_pred) -> np.ndarray:
        yt, yp = self._prepare(y_true, y_pred)
        shares = self._shares(yt, yp)
        return shares if shares.ndim == 2 else shares.reshape(len(shares), -1, shares.shape[-1]).mean(axis=1)

    def fused_gradient(self, y_true, y_pred, activation_name) -> np.ndarray | None:
        return None

    def logit_shares(self, y_true, z, activation_name) -> np.ndarray | None:
        """Per-output shares of the loss computed from the final activation's input ``z`` when this loss
        and that activation fuse (see the module docstring), else None."""
        return None

    @staticmethod
    def rows_per_sample(shares: np.ndarray) -> np.ndarray:
        rows = shares.sum(axis=-1)
        return rows if rows.ndim == 1 else rows.reshape(len(rows), -1).mean(axis=1)

    @staticmethod
    def rows_mean(shares: np.ndarray) -> float:
        return float(shares.sum(axis=-1).mean())

    # ------------------------------------------------------------------ identity
    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"<loss {self.name}{' ' + params if params else ''}>"

    def __eq__(self, other):
        return isinstance(other, Loss) and other.get_config() == self.get_config()

    def __hash__(self):
        return hash(self.name)


def _activation_name(activation) -> str:
    return str(getattr(activation, "name", activation) or "").lower()


class _MeanOverLastAxis(Loss):
    """Row loss = mean over the last axis of an elementwise term ``_terms``, derivative ``_d_terms``."""

    def _terms(self, yt, yp):
        raise NotImplementedError

    def _d_terms(self, yt, yp):
        raise NotImplementedError

    def _rows(self, yt, yp):
        return self._terms(yt, yp).mean(axis=-1)

    def _shares(self, yt, yp):
        t = self._terms(yt, yp)
        t /= yp.shape[-1]
        return t

    def _d_rows(self, yt, yp):
        d = self._d_terms(yt, yp)
        d /= yp.shape[-1]
        return d


class _SumOverLastAxis(Loss):
    """Row loss = sum over the last axis of an elementwise term ``_terms``."""

    def _terms(self, yt, yp):
        raise NotImplementedError

    def _rows(self, yt, yp):
        return self._terms(yt, yp).sum(axis=-1)

    def _shares(self, yt, yp):
        return self._terms(yt, yp)
