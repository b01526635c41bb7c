"""Activation functions g(z), each with its exact derivative, written to be overflow-free.

``forward(z)`` returns ``a``; ``derivative(z, a)`` returns g'(z) elementwise (for the backprop
stepper's per-unit ``∂a/∂z``); ``backward(z, a, d_a)`` returns dC/dz given dC/da. Softmax is the one
non-elementwise activation: its ``backward`` applies the Jacobian ``d_z = a * (d_a - Σ d_a·a)``.
"""

from __future__ import annotations

import numpy as np

from nnviz.core.checks import real
from nnviz.core.registry import Registry


class ActivationFunction:
    name = "linear"
    elementwise = True
    #: the settings of the activation and their defaults (LeakyReLU's negative_slope), for get_config
    defaults: dict = {}

    def forward(self, z):
        return z

    def derivative(self, z, a):
        return np.ones_like(z)

    def backward(self, z, a, d_a):
        return d_a * self.derivative(z, a)

    def get_config(self):
        """The name, as Keras writes an activation; with settings other than the defaults, Keras'
        ``{"class_name": "leaky_relu", "config": {"negative_slope": 0.05}}`` (what ``get`` reads back)."""
        settings = {key: getattr(self, key) for key in self.defaults}
        if settings == self.defaults:
            return self.name
        return {"class_name": self.name, "config": settings}

    def __repr__(self):
        settings = "".join(f" {key}={getattr(self, key)!r}" for key in self.defaults)
        return f"<activation {self.name}{settings}>"

    def __eq__(self, other):
        return isinstance(other, ActivationFunction) and other.get_config() == self.get_config()

    def __hash__(self):
        return hash(self.name)


class Linear(ActivationFunction):
    name = "linear"

    def backward(self, z, a, d_a):
        return d_a


class ReLU(ActivationFunction):
    name = "relu"

    def forward(self, z):
        return np.maximum(z, 0)

    def derivative(self, z, a):
        return (z > 0).astype(z.dtype)

    def backward(self, z, a, d_a):
        return d_a * (z > 0)


class Sigmoid(ActivationFunction):
    name = "sigmoid"

    def forward(self, z):
        # 1/(1+e^-z) for z >= 0 and e^z/(1+e^z) for z < 0: neither branch overflows.
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0, e) / (1.0 + e)

    def derivative(self, z, a):
        return a * (1 - a)

    def backward(self, z, a, d_a):
        return d_a * a * (1 - a)


class Tanh(ActivationFunction):
    name = "tanh"

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1 - a * a

    def backward(self, z, a, d_a):
        return d_a * (1 - a * a)


class Softmax(ActivationFunction):
    """Softmax over the last axis."""

    name = "softmax"
    elementwise = False

    #: shifted logits are floored here: e^−64 ≈ 1.6e−28, so no probability is ever a subnormal number,
    #: whose arithmetic (in this layer's gradient and every product of it) runs many times slower on x86.
    #: A probability under 1.6e−28 shows as 1.6e−28: invisible next to 1 in float32, and far inside the
    #: cross-entropy's clip at 1e−7.
    exp_floor = -64.0

    def forward(self, z):
        e = z - z.max(axis=-1, keepdims=True)
        np.maximum(e, self.exp_floor, out=e)
        np.exp(e, out=e)
        e /= e.sum(axis=-1, keepdims=True)
        return e

    def derivative(self, z, a):
        """The diagonal of the Jacobian, ∂a_j/∂z_j = a_j (1 − a_j)."""
        return a * (1 - a)

    def jacobian(self, a):
        """∂a_i/∂z_j for one sample (a 1-D ``a``)."""
        return np.diag(a) - np.outer(a, a)

    def backward(self, z, a, d_a):
        return a * (d_a - (d_a * a).sum(axis=-1, keepdims=True))


class LeakyReLU(ActivationFunction):
    """Keras' default negative slope is 0.2 for the ``leaky_relu`` activation."""

    name = "leaky_relu"
    defaults = {"negative_slope": 0.2}

    def __init__(self, negative_slope: float = 0.2):
        self.negative_slope = real(negative_slope, "LeakyReLU", "negative_slope")

    def forward(self, z):
        return np.where(z > 0, z, z * self.negative_slope)

    def derivative(self, z, a):
        return np.where(z > 0, 1.0, self.negative_slope).astype(z.dtype)


class ELU(ActivationFunction):
    name = "elu"
    defaults = {"alpha": 1.0}

    def __init__(self, alpha: float = 1.0):
        self.alpha = real(alpha, "ELU", "alpha")

    def forward(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0)))

    def derivative(self, z, a):
        return np.where(z > 0, 1.0, a + self.alpha).astype(z.dtype)


class Softplus(ActivationFunction):
    name = "softplus"

    def forward(self, z):
        # log(1 + e^z) = max(z, 0) + log1p(e^-|z|)
        return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))

    def derivative(self, z, a):
        return Sigmoid().forward(z)


class Swish(ActivationFunction):
    """swish(z) = z · sigmoid(z) (also called silu)."""

    name = "swish"

    def forward(self, z):
        return z * Sigmoid().forward(z)

    def derivative(self, z, a):
        s = Sigmoid().forward(z)
        return s * (1 + z * (1 - s))


_REGISTRY = Registry("activation", ActivationFunction)
for _cls in (Linear, ReLU, Sigmoid, Tanh, Softmax, LeakyReLU, ELU, Softplus, Swish):
    _REGISTRY.register(_cls.name, _cls)
_REGISTRY.alias("silu", "swish")
_REGISTRY.alias("leakyrelu", "leaky_relu")

NAMES = _REGISTRY.names()


def get(identifier) -> ActivationFunction:
    """``None`` -> linear; a name, an instance, or a Keras-style config dict -> an activation."""
    if identifier is None:
        return Linear()
    return _REGISTRY.get(identifier)
