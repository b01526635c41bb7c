"""Weight initializers with Keras' names and formulas.

An initializer is called as ``init(shape, rng, fan_in, fan_out)`` and returns a float64 array (the
layer casts it to its dtype).
"""

from __future__ import annotations

import math

import numpy as np

from nnviz.core.registry import Registry


def fans(shape) -> tuple[int, int]:
    """Keras' fan computation: Dense (in, out); Conv (kh, kw, in, out) -> receptive field × channels."""
    shape = tuple(shape)
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    name = "initializer"

    def __call__(self, shape, rng, fan_in=None, fan_out=None):
        raise NotImplementedError

    def get_config(self):
        return self.name


class Zeros(Initializer):
    name = "zeros"

    def __call__(self, shape, rng, fan_in=None, fan_out=None):
        return np.zeros(shape)


class Ones(Initializer):
    name = "ones"

    def __call__(self, shape, rng, fan_in=None, fan_out=None):
        return np.ones(shape)


class _Scaled(Initializer):
    """Variance scaling: ``scale / fan`` with a uniform or (truncated) normal draw, as Keras does."""

    scale = 1.0
    mode = "fan_avg"
    distribution = "uniform"

    def __call__(self, shape, rng, fan_in=None, fan_out=None):
        if fan_in is None or fan_out is None:
            fan_in, fan_out = fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, size=shape)
        # truncated normal at two standard deviations; 0.8796... corrects the variance lost by truncation
        std = math.sqrt(variance) / 0.87962566103423978
        out = rng.normal(0.0, std, size=shape)
        bad = np.abs(out) > 2 * std
        while bad.any():
            out[bad] = rng.normal(0.0, std, size=int(bad.sum()))
            bad = np.abs(out) > 2 * std
        return out


class GlorotUniform(_Scaled):
    name = "glorot_uniform"


class GlorotNormal(_Scaled):
    name = "glorot_normal"
    distribution = "normal"


class HeUniform(_Scaled):
    name = "he_uniform"
    scale, mode = 2.0, "fan_in"


class HeNormal(_Scaled):
    name = "he_normal"
    scale, mode, distribution = 2.0, "fan_in", "normal"


class LecunUniform(_Scaled):
    name = "lecun_uniform"
    mode = "fan_in"


class LecunNormal(_Scaled):
    name = "lecun_normal"
    mode, distribution = "fan_in", "normal"


class RandomNormal(Initializer):
    name = "random_normal"

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, rng, fan_in=None, fan_out=None):
        return rng.normal(self.mean, self.stddev, size=shape)


class RandomUniform(Initializer):
    name = "random_uniform"

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, rng, fan_in=None, fan_out=None):
        return rng.uniform(self.minval, self.maxval, size=shape)


class Orthogonal(Initializer):
    """Keras' default for recurrent kernels: a random orthogonal matrix (rows or columns orthonormal, by
    the QR decomposition of a normal draw, signs fixed by R's diagonal), times ``gain``."""

    name = "orthogonal"

    def __init__(self, gain=1.0, seed=None):
        self.gain = float(gain)

    def __call__(self, shape, rng, fan_in=None, fan_out=None):
        if len(shape) < 2:
            raise ValueError(f"the orthogonal initializer needs a shape of at least 2 axes, got {tuple(shape)}")
        rows, cols = int(np.prod(shape[:-1])), int(shape[-1])
        q, r = np.linalg.qr(rng.normal(size=(max(rows, cols), min(rows, cols))))
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * np.ascontiguousarray(q).reshape(shape)


_REGISTRY = Registry("initializer", Initializer)
for _cls in (Zeros, Ones, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal,
             RandomNormal, RandomUniform, Orthogonal):
    _REGISTRY.register(_cls.name, _cls)
_REGISTRY.alias("glorotuniform", "glorot_uniform")
_REGISTRY.alias("uniform", "random_uniform")   # Keras' name for Embedding's default

NAMES = _REGISTRY.names()


def get(identifier) -> Initializer:
    return _REGISTRY.get(identifier)
