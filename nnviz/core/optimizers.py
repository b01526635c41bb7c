"""Optimizers with Keras 3's defaults and update rules, applied to one flat parameter vector.

The model keeps every trainable weight as a view into one flat buffer and every gradient as a
view into another, so an optimizer step is a handful of NumPy calls whatever the number of layers
(tiny networks are bound by per-call overhead, not by FLOPs).

``apply(params, grads)`` updates ``params`` in place. ``state()`` / ``set_state()`` expose the
slot arrays (momentum, Adam's m and v, ...) as copies, so the backprop stepper can preview an update
on a copy and show the formula with the state it used.
"""

from __future__ import annotations


import numpy as np

from nnviz.core.registry import Registry

# float32 moment estimates of dead units decay into subnormal numbers, which x86 handles very slowly;
# flushing them every few dozen steps keeps full speed without a measurable change of results.
_FLUSH_EVERY = 50
_FLUSH_BELOW = 1e-30


class Optimizer:
    name = "optimizer"
    slot_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float = 0.001):
        self.learning_rate = float(learning_rate)
        self.iterations = 0
        self.slots: dict[str, np.ndarray] = {}

    # -- life cycle
    def build(self, size: int, dtype) -> None:
        self.slots = {k: self._initial_slot(k, size, dtype) for k in self.slot_names}
        self.iterations = 0

    def _initial_slot(self, name, size, dtype):
        return np.zeros(size, dtype=dtype)

    def apply(self, params: np.ndarray, grads: np.ndarray) -> None:
        if params.size and not self.slots and self.slot_names:
            self.build(params.size, params.dtype)
        self._update(params, grads)
        self.iterations += 1
        if self.slots and self.iterations % _FLUSH_EVERY == 0:
            for s in self.slots.values():
                s[np.abs(s) < _FLUSH_BELOW] = 0

    def _update(self, params, grads):
        raise NotImplementedError

    # -- state for the stepper and project files
    def state(self) -> dict[str, np.ndarray]:
        out = {k: v.copy() for k, v in self.slots.items()}
        out["iterations"] = np.array(self.iterations)
        return out

    def set_state(self, state: dict) -> None:
        self.iterations = int(state.get("iterations", 0))
        self.slots = {k: np.array(state[k]) for k in self.slot_names if k in state}

    def copy(self) -> "Optimizer":
        other = type(self)(**self.get_config_args())
        other.set_state(self.state())
        return other

    def get_config_args(self) -> dict:
        return {"learning_rate": self.learning_rate}

    def get_config(self) -> dict:
        return {"class_name": self.name, "config": self.get_config_args()}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config_args().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Plain: ``w ← w − η·g``. Momentum: ``v ← μ·v − η·g``, ``w ← w + v``;
    Nesterov: ``w ← w + μ·v − η·g`` with the new ``v``."""

    name = "sgd"

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False):
        super().__init__(learning_rate)
        if momentum < 0:
            raise ValueError(f"SGD momentum must be >= 0, got {momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    @property
    def slot_names(self):
        return ("momentum",) if self.momentum else ()

    def _update(self, params, grads):
        lr = self.learning_rate
        if not self.momentum:
            params -= lr * grads
            return
        v = self.slots["momentum"]
        v *= self.momentum
        v -= lr * grads
        if self.nesterov:
            params += self.momentum * v - lr * grads
        else:
            params += v

    def get_config_args(self):
        return {"learning_rate": self.learning_rate, "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """``m ← m + (g − m)(1 − β₁)``, ``v ← v + (g² − v)(1 − β₂)``,
    ``w ← w − α·m / (√v + ε)`` with ``α = η·√(1 − β₂ᵗ) / (1 − β₁ᵗ)``."""

    name = "adam"
    slot_names = ("m", "v")

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False):
        super().__init__(learning_rate)
        if amsgrad:
            raise ValueError("amsgrad is not supported")
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def step_size(self, t: int) -> float:
        """α for step t (1-based), computed as Keras does: in the parameters' float type once the state
        is built. For float32 that is not a rounding detail: float32(0.999) = 0.99900001, so 1 − β₂¹ is
        1.3e-5 smaller than in float64 and α 6.4e-6 smaller."""
        m = self.slots.get("m")
        f = np.float64 if m is None else m.dtype.type
        return float(f(self.learning_rate) * np.sqrt(f(1) - f(self.beta_2) ** f(t)) / (f(1) - f(self.beta_1) ** f(t)))

    def _update(self, params, grads):
        m, v = self.slots["m"], self.slots["v"]
        alpha = self.step_size(self.iterations + 1)
        # the same float operations in the same order as
        #   m += (g − m)(1 − β₁);  v += (g·g − v)(1 − β₂);  w −= (α·m) / (√v + ε)
        # written into two scratch vectors kept between steps: no temporary arrays (for 784-256-128-10 the
        # temporaries cost a quarter of a training step)
        t, u = self._scratch(params)
        np.subtract(grads, m, out=t)
        t *= 1 - self.beta_1
        m += t
        np.multiply(grads, grads, out=t)
        t -= v
        t *= 1 - self.beta_2
        v += t
        np.multiply(m, alpha, out=u)
        np.sqrt(v, out=t)
        t += self.epsilon
        np.divide(u, t, out=t)
        params -= t

    def _scratch(self, params):
        work = getattr(self, "_work", None)
        if work is None or work[0].shape != params.shape or work[0].dtype != params.dtype:
            work = self._work = (np.empty_like(params), np.empty_like(params))
        return work

    def get_config_args(self):
        return {"learning_rate": self.learning_rate, "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """``s ← ρ·s + (1 − ρ)·g²``, ``w ← w − η·g / √(s + ε)`` (with optional momentum, as Keras 3)."""

    name = "rmsprop"

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False):
        super().__init__(learning_rate)
        self.rho, self.momentum, self.epsilon, self.centered = float(rho), float(momentum), float(epsilon), bool(centered)

    @property
    def slot_names(self):
        names = ["velocity"]
        if self.momentum:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        return tuple(names)

    def _update(self, params, grads):
        s = self.slots["velocity"]
        s *= self.rho
        s += (1 - self.rho) * np.square(grads)   # (1 − ρ)·(g²), Keras' grouping: the same float32 bits
        if self.centered:
            avg = self.slots["average_gradient"]
            avg *= self.rho
            avg += (1 - self.rho) * grads
            denominator = s - avg * avg + self.epsilon
        else:
            denominator = s + self.epsilon
        increment = self.learning_rate * grads / np.sqrt(denominator)
        if self.momentum:
            mom = self.slots["momentum"]
            mom *= self.momentum
            mom += increment
            params -= mom
        else:
            params -= increment

    def get_config_args(self):
        return {"learning_rate": self.learning_rate, "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """``G ← G + g²``, ``w ← w − η·g / √(G + ε)``; ``G`` starts at 0.1 as in Keras."""

    name = "adagrad"
    slot_names = ("accumulator",)

    def __init__(self, learning_rate: float = 0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def _initial_slot(self, name, size, dtype):
        return np.full(size, self.initial_accumulator_value, dtype=dtype)

    def _update(self, params, grads):
        acc = self.slots["accumulator"]
        acc += grads * grads
        params -= self.learning_rate * grads / np.sqrt(acc + self.epsilon)

    def get_config_args(self):
        return {"learning_rate": self.learning_rate, "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


_REGISTRY = Registry("optimizer", Optimizer)
for _cls in (SGD, Adam, RMSprop, Adagrad):
    _REGISTRY.register(_cls.name, _cls)

NAMES = _REGISTRY.names()


def get(identifier) -> Optimizer:
    return _REGISTRY.get(identifier)
