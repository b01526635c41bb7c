"""Keras' losses, each with its exact derivative and a per-output breakdown, overflow-free.

Every loss follows Keras 3 (``keras/src/losses/losses.py``): a per-element formula reduced over the
last axis (a mean for most, a sum for the cross-entropies, KL divergence and cosine similarity),
then ``sum_over_batch_size`` — the mean over all remaining axes. Clipping uses ε = 1e-7.

A loss offers, side by side:

* ``per_sample(y_true, y_pred)``  -> ``(batch,)``, the loss of each sample;
* ``__call__(y_true, y_pred)``    -> float, the batch mean (what ``fit`` logs as ``loss``);
* ``gradient(y_true, y_pred)``    -> ∂(batch mean)/∂y_pred, same shape as ``y_pred``; where a clip is
  active (strictly outside its bounds) the clipped quantity has derivative 0, and at a bound itself it
  passes through, as with TensorFlow's ``clip_by_value`` and torch's ``clamp``;
* ``per_output(y_true, y_pred)``  -> ``(batch, k)``, each output unit's share of the per-sample loss
  (``per_output(...).sum(-1) == per_sample(...)``), for the backprop stepper's view of ``C_0``;
* ``fused_gradient(y_true, y_pred, activation)`` -> ∂(batch mean)/∂z through the final activation
  for softmax + (sparse) categorical cross-entropy and sigmoid + binary cross-entropy, else None.
  These are the unclipped ``p − y`` forms Keras' TensorFlow backend uses when it sees the
  activation's logits;
* ``logit_shares(y_true, z, activation)`` -> the per-output shares computed from the logits ``z``
  (log-softmax / log-sigmoid, no clipping) for the same fused pairs, else None: the loss value that goes
  with the fused gradient, as TensorFlow's ``softmax_cross_entropy_with_logits`` /
  ``sigmoid_cross_entropy_with_logits`` compute it, saturated samples included (a clipped value beside the
  unclipped gradient would be a mix no Keras backend computes). ``rows_mean(shares)`` /
  ``rows_per_sample(shares)`` reduce shares as ``__call__`` / ``per_sample`` do.

``sum_squared_error`` is the course's cost C₀ = Σ_j (a_j − y_j)² (a sum over the outputs, not Keras' mean),
averaged over the batch like every loss.

Internally a loss works on "rows": every position of ``y_pred`` but the last axis. A row's loss is
``_rows``; its derivative w.r.t. the row's outputs is ``_d_rows``; its split per output is ``_shares``.
"""

from __future__ import annotations

import numpy as np

from nnviz.core.loss_base import (_LOG2, EPSILON, Loss, _activation_name, _MeanOverLastAxis,  # noqa: F401
                                  _SumOverLastAxis)
from nnviz.core.registry import Registry


# ====================================================================== regression losses
class MeanSquaredError(_MeanOverLastAxis):
    """mean((y − p)²)"""

    name = "mean_squared_error"

    def _terms(self, yt, yp):
        return np.square(yp - yt)

    def _d_terms(self, yt, yp):
        return 2 * (yp - yt)


class SumSquaredError(_SumOverLastAxis):
    """Σ_j (p_j − y_j)²: the course's cost C₀ (the slides' sum of squared errors), averaged over the batch."""

    name = "sum_squared_error"

    def _terms(self, yt, yp):
        return np.square(yp - yt)

    def _d_rows(self, yt, yp):
        return 2 * (yp - yt)


class MeanAbsoluteError(_MeanOverLastAxis):
    """mean(|y − p|); the derivative at p = y is taken as 0."""

    name = "mean_absolute_error"

    def _terms(self, yt, yp):
        return np.abs(yp - yt)

    def _d_terms(self, yt, yp):
        return np.sign(yp - yt)


class MeanAbsolutePercentageError(_MeanOverLastAxis):
    """100 · mean(|y − p| / max(|y|, ε))"""

    name = "mean_absolute_percentage_error"

    def _terms(self, yt, yp):
        return 100 * np.abs(yp - yt) / np.maximum(np.abs(yt), EPSILON)

    def _d_terms(self, yt, yp):
        return 100 * np.sign(yp - yt) / np.maximum(np.abs(yt), EPSILON)


class MeanSquaredLogarithmicError(_MeanOverLastAxis):
    """mean((log(max(p, ε) + 1) − log(max(y, ε) + 1))²)"""

    name = "mean_squared_logarithmic_error"

    def _terms(self, yt, yp):
        return np.square(np.log1p(np.maximum(yp, EPSILON)) - np.log1p(np.maximum(yt, EPSILON)))

    def _d_terms(self, yt, yp):
        mp = np.maximum(yp, EPSILON)
        diff = np.log1p(mp) - np.log1p(np.maximum(yt, EPSILON))
        return np.where(yp > EPSILON, 2 * diff / (mp + 1), 0).astype(yp.dtype, copy=False)


class LogCosh(_MeanOverLastAxis):
    """mean(log cosh(p − y)), written x + softplus(−2x) − log 2 so it never overflows."""

    name = "log_cosh"

    def _terms(self, yt, yp):
        x = yp - yt
        m = -2 * x
        # softplus(m) = max(m, 0) + log1p(e^−|m|)
        return x + np.maximum(m, 0) + np.log1p(np.exp(-np.abs(m))) - _LOG2

    def _d_terms(self, yt, yp):
        return np.tanh(yp - yt)


class Huber(_MeanOverLastAxis):
    """mean(½x² if |x| ≤ δ else δ|x| − ½δ²), x = p − y."""

    name = "huber"

    def __init__(self, delta: float = 1.0, **keras_options):
        super().__init__(**keras_options)
        self.delta = float(delta)

    def _terms(self, yt, yp):
        x = yp - yt
        a = np.abs(x)
        d = self.delta
        return np.where(a <= d, 0.5 * x * x, d * a - 0.5 * d * d)

    def _d_terms(self, yt, yp):
        return np.clip(yp - yt, -self.delta, self.delta)

    def get_config(self):
        return {"name": self.name, "delta": self.delta}


class Poisson(_MeanOverLastAxis):
    """mean(p − y · log(p + ε)). Like Keras, undefined (NaN) for p ≤ −ε, but silent."""

    name = "poisson"

    def _terms(self, yt, yp):
        with np.errstate(divide="ignore", invalid="ignore"):
            return yp - yt * np.log(yp + EPSILON)

    def _d_terms(self, yt, yp):
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1 - yt / (yp + EPSILON)


# ====================================================================== margin losses
def _hinge_labels(yt):
    """Keras: if every label is 0 or 1, map them to −1 / +1 (2y − 1)."""
    if np.all((yt == 0) | (yt == 1)):
        return 2 * yt - 1
    return yt


class Hinge(_MeanOverLastAxis):
    """mean(max(1 − y·p, 0)), 0/1 labels mapped to ±1."""

    name = "hinge"

    def _prepare(self, y_true, y_pred):
        yt, yp = super()._prepare(y_true, y_pred)
        return _hinge_labels(yt), yp

    def _terms(self, yt, yp):
        return np.maximum(1 - yt * yp, 0)

    def _d_terms(self, yt, yp):
        return np.where(1 - yt * yp > 0, -yt, 0).astype(yp.dtype, copy=False)


class SquaredHinge(Hinge):
    """mean(max(1 − y·p, 0)²), 0/1 labels mapped to ±1."""

    name = "squared_hinge"

    def _terms(self, yt, yp):
        return np.square(np.maximum(1 - yt * yp, 0))

    def _d_terms(self, yt, yp):
        return -2 * yt * np.maximum(1 - yt * yp, 0)


class CategoricalHinge(Loss):
    """max(neg − pos + 1, 0) with pos = Σ y·p, neg = max((1 − y)·p).

    Where several units attain ``neg`` they share it evenly, as the gradient of ``max`` does in
    TensorFlow and torch (so Keras' gradient is the same on either backend). Its per-output split,
    where the hinge is active: −y_j·p_j for every j, plus neg shared by the units attaining it, plus
    the margin 1 spread evenly."""

    name = "categorical_hinge"

    def _parts(self, yt, yp):
        """(pos, neg, w, active): w_j = 1/m on the m units attaining neg (0 elsewhere); active where the
        hinge is above 0."""
        pos = (yt * yp).sum(axis=-1)
        t = (1 - yt) * yp
        neg = t.max(axis=-1)
        w = (t == neg[..., None]).astype(yp.dtype)
        w /= w.sum(axis=-1, keepdims=True)
        active = (neg - pos + 1 > 0)[..., None]
        return pos, neg, w, active

    def _rows(self, yt, yp):
        pos = (yt * yp).sum(axis=-1)
        neg = ((1 - yt) * yp).max(axis=-1)
        return np.maximum(neg - pos + 1, 0)

    def _shares(self, yt, yp):
        _, neg, w, active = self._parts(yt, yp)
        s = -yt * yp + w * neg[..., None] + 1 / yp.shape[-1]
        return np.where(active, s, 0).astype(yp.dtype, copy=False)

    def _d_rows(self, yt, yp):
        _, _, w, active = self._parts(yt, yp)
        # ∂pos/∂p_j = y_j;  ∂neg/∂p_j = w_j·(1 − y_j)
        return np.where(active, (1 - yt) * w - yt, 0).astype(yp.dtype, copy=False)


# ====================================================================== probabilistic losses
def _renormalize(yp):
    """(Σp, p / Σp) over the last axis; an all-zero row (Keras: NaN) becomes q = 0, clipped to ε."""
    s = yp.sum(axis=-1, keepdims=True)
    s[s == 0] = 1
    return s, yp / s


def _in_clip(q, high=1 - EPSILON):
    """True where clip(q, ε, high) passes q through (derivative 1), False where it is clipped.

    The bounds themselves pass (ε ≤ q ≤ high), as in TensorFlow and torch: a float32 sigmoid
    saturating at exactly float32(1 − ε) still has a gradient in Keras."""
    return (q >= EPSILON) & (q <= high)


def _log_softmax(z):
    """log softmax(z) over the last axis, exact for any z (no overflow, no log 0)."""
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _sigmoid_xent(yt, z):
    """−(y·log σ(z) + (1 − y)·log(1 − σ(z))) written max(z, 0) − z·y + log(1 + e^−|z|), as TensorFlow's
    ``sigmoid_cross_entropy_with_logits``: finite for any z."""
    return np.maximum(z, 0) - z * yt + np.log1p(np.exp(-np.abs(z)))


class CategoricalCrossentropy(_SumOverLastAxis):
    """−Σ y · log(clip(p / Σp, ε, 1 − ε))"""

    name = "categorical_crossentropy"

    def _terms(self, yt, yp):
        _, q = _renormalize(yp)
        return -yt * np.log(np.clip(q, EPSILON, 1 - EPSILON))

    def _d_rows(self, yt, yp):
        s, q = _renormalize(yp)
        c = np.clip(q, EPSILON, 1 - EPSILON)
        g = np.where(_in_clip(q), -yt / c, 0).astype(yp.dtype, copy=False)  # ∂row/∂q
        # q_i = p_i / s  =>  ∂q_i/∂p_j = (δ_ij − q_i) / s
        return (g - (g * q).sum(axis=-1, keepdims=True)) / s

    def fused_gradient(self, y_true, y_pred, activation_name):
        if _activation_name(activation_name) != "softmax":
            return None
        yt, yp = self._prepare(y_true, y_pred)
        # ∂/∂z of −Σ y log softmax(z) = p·Σy − y  (= p − y for labels summing to 1)
        d = yp * yt.sum(axis=-1, keepdims=True) - yt
        d /= yp.size // yp.shape[-1]
        return d

    def logit_shares(self, y_true, z, activation_name):
        if _activation_name(activation_name) != "softmax":
            return None
        yt, zz = self._prepare(y_true, z)
        return -yt * _log_softmax(zz)


class SparseCategoricalCrossentropy(Loss):
    """−log(clip(p_y / Σp, ε, 1 − ε)) with integer labels y of shape (batch,) or (batch, 1).

    The same number as categorical cross-entropy with one-hot labels. ``_prepare`` returns the labels
    flattened over the rows; the helpers work on ``y_pred`` viewed as (rows, k)."""

    name = "sparse_categorical_crossentropy"

    def _prepare(self, y_true, y_pred):
        yp = self._prepare_pred(y_pred)
        lab = np.asarray(y_true)
        if lab.shape != yp.shape[:-1]:
            if lab.shape == yp.shape[:-1] + (1,):
                lab = lab[..., 0]
            else:
                raise ValueError(f"{self.name} needs integer class labels of shape {yp.shape[:-1]}, "
                                 f"got y_true of shape {lab.shape} for y_pred of shape {yp.shape}")
        k = yp.shape[-1]
        if lab.dtype.kind not in "iu":
            if lab.dtype.kind not in "fb" or (lab.dtype.kind == "f" and np.any(lab != np.floor(lab))):
                raise ValueError(f"{self.name} needs integer class labels, got {lab.dtype} values")
            lab = lab.astype(np.intp)
        if lab.size and (lab.min() < 0 or lab.max() >= k):
            raise ValueError(f"{self.name}: labels must be class indices 0..{k - 1} for {k} outputs, "
                             f"got values from {lab.min()} to {lab.max()}")
        return lab.reshape(-1), yp

    @staticmethod
    def _q_true(lab, yp):
        """(rows, Σp per row, p_y / Σp per row) for y_pred viewed as (rows, k)."""
        p2 = yp.reshape(-1, yp.shape[-1])
        s = p2.sum(axis=1)
        s[s == 0] = 1  # an all-zero row (Keras: NaN): q = 0, clipped to ε
        rows = np.arange(len(p2))
        return rows, s, p2[rows, lab] / s

    def _rows(self, lab, yp):
        _, _, q_y = self._q_true(lab, yp)
        return -np.log(np.clip(q_y, EPSILON, 1 - EPSILON)).reshape(yp.shape[:-1])

    def _shares(self, lab, yp):
        out = np.zeros((lab.size, yp.shape[-1]), dtype=yp.dtype)
        out[np.arange(lab.size), lab] = self._rows(lab, yp).reshape(-1)
        return out.reshape(yp.shape)

    def _d_rows(self, lab, yp):
        rows, s, q_y = self._q_true(lab, yp)
        g = np.where(_in_clip(q_y), -1 / np.clip(q_y, EPSILON, 1 - EPSILON), 0).astype(yp.dtype, copy=False)
        # row = −log q_y with q_y = p_y / s:  ∂q_y/∂p_j = (δ_jy − q_y) / s, so ∂row/∂p_j = g · (δ_jy − q_y) / s
        gs = g / s
        d = np.repeat((-q_y * gs)[:, None], yp.shape[-1], axis=1)
        d[rows, lab] += gs
        return d.reshape(yp.shape)

    def fused_gradient(self, y_true, y_pred, activation_name):
        if _activation_name(activation_name) != "softmax":
            return None
        lab, yp = self._prepare(y_true, y_pred)
        d = yp.reshape(-1, yp.shape[-1]).copy()  # p − onehot(y), over N rows
        d[np.arange(len(d)), lab] -= 1
        d /= len(d)
        return d.reshape(yp.shape)

    def logit_shares(self, y_true, z, activation_name):
        if _activation_name(activation_name) != "softmax":
            return None
        lab, zz = self._prepare(y_true, z)
        ls = _log_softmax(zz).reshape(-1, zz.shape[-1])
        out = np.zeros_like(ls)
        rows = np.arange(len(ls))
        out[rows, lab] = -ls[rows, lab]
        return out.reshape(zz.shape)


class BinaryCrossentropy(_MeanOverLastAxis):
    """−mean(y · log c + (1 − y) · log(1 − c)), c = clip(p, ε, 1 − ε)."""

    name = "binary_crossentropy"

    def _terms(self, yt, yp):
        c = np.clip(yp, EPSILON, 1 - EPSILON)
        return -(yt * np.log(c) + (1 - yt) * np.log(1 - c))

    def _d_terms(self, yt, yp):
        c = np.clip(yp, EPSILON, 1 - EPSILON)
        # −(y/c − (1 − y)/(1 − c)) = (c − y) / (c (1 − c))
        return np.where(_in_clip(yp), (c - yt) / (c * (1 - c)), 0).astype(yp.dtype, copy=False)

    def fused_gradient(self, y_true, y_pred, activation_name):
        if _activation_name(activation_name) != "sigmoid":
            return None
        yt, yp = self._prepare(y_true, y_pred)
        d = yp - yt
        d /= yp.size  # N rows × k outputs: BCE is a mean over the last axis
        return d

    def logit_shares(self, y_true, z, activation_name):
        if _activation_name(activation_name) != "sigmoid":
            return None
        yt, zz = self._prepare(y_true, z)
        t = _sigmoid_xent(yt, zz)
        t /= zz.shape[-1]
        return t


class KLDivergence(_SumOverLastAxis):
    """Σ y · log(y / p), with y and p clipped to [ε, 1]."""

    name = "kl_divergence"

    def _terms(self, yt, yp):
        y = np.clip(yt, EPSILON, 1)
        return y * np.log(y / np.clip(yp, EPSILON, 1))

    def _d_rows(self, yt, yp):
        y = np.clip(yt, EPSILON, 1)
        # p = 1 exactly (a saturated softmax) is inside the clip: ∂/∂p = −y
        return np.where(_in_clip(yp, high=1), -y / np.clip(yp, EPSILON, 1), 0).astype(yp.dtype, copy=False)


class CosineSimilarity(_SumOverLastAxis):
    """−Σ ŷ · p̂ with x̂ = x · min(1/‖x‖, 1/ε), Keras 3's ``ops.normalize``: −1 when y and p point the same
    way. A vector shorter than ε = 1e-7 (the zero vector included) is scaled by 1/ε instead."""

    name = "cosine_similarity"

    @staticmethod
    def _inv_norm(x):
        """min(1/‖x‖, 1/ε) over the last axis."""
        with np.errstate(divide="ignore"):
            inv = 1 / np.sqrt(np.square(x).sum(axis=-1, keepdims=True))
        return np.minimum(inv, 1 / EPSILON)

    def _terms(self, yt, yp):
        return -(yt * self._inv_norm(yt)) * (yp * self._inv_norm(yp))

    def _d_rows(self, yt, yp):
        a = yt * self._inv_norm(yt)
        inv = self._inv_norm(yp)
        ph = yp * inv
        # ∂(a·p/‖p‖)/∂p = (a − (a·p̂) p̂) / ‖p‖; below ‖p‖ = ε the scale 1/ε is a constant. (For p = 0
        # Keras' rsqrt gives NaN; this is the limit of the constant-scale branch, −a/ε.)
        proj = np.where(inv < 1 / EPSILON, (a * ph).sum(axis=-1, keepdims=True), 0)
        return -(a - proj * ph) * inv


# ====================================================================== registry
_REGISTRY = Registry("loss", Loss)
for _cls in (MeanSquaredError, SumSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
             SquaredHinge, Hinge, CategoricalHinge, LogCosh, CategoricalCrossentropy,
             SparseCategoricalCrossentropy, BinaryCrossentropy, KLDivergence, Poisson, CosineSimilarity, Huber):
    _REGISTRY.register(_cls.name, _cls)
for _alias, _name in {
    "mse": "mean_squared_error",
    "sse": "sum_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "logcosh": "log_cosh",
    "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
    "k_l_divergence": "kl_divergence",  # "KLDivergence" snake-cased
    "cosine_proximity": "cosine_similarity",
    "huber_loss": "huber",  # keras.losses.Huber's default name
}.items():
    _REGISTRY.alias(_alias, _name)

NAMES = _REGISTRY.names()


def get(identifier) -> Loss:
    """A name (``"mse"``, ``"BinaryCrossentropy"``), a config dict (Keras' ``{"class_name", "config"}``
    or our flat ``get_config()`` output) or a Loss instance -> a Loss. Unknown names raise ValueError."""
    if isinstance(identifier, dict) and "class_name" not in identifier and "config" not in identifier:
        cfg = dict(identifier)
        name = cfg.pop("name", None)
        if name is None:
            raise ValueError(f"a loss config needs 'name' or 'class_name', got {identifier!r}")
        identifier = {"class_name": name, "config": cfg}
    return _REGISTRY.get(identifier)
