"""The numeric check beside each ∂C/∂w: a central finite difference of the cost in float64.

    check = gradient_check(model, x, y, "dense_1/kernel", (k, j))     # w_jk^(1) is kernel[k, j]
    check.numeric, check.backprop, check.relative     # (C(w + h) − C(w − h)) / 2h, backprop's value, |Δ|/scale
    rows = layer_check(model, x, y, layer_index=1)    # every weight of layer 1 (on demand: 2 steps per weight)

Both numbers are computed on a float64 copy of the model (same weights, same loss, same regularization,
the same dropout masks: the random generators are put back before every evaluation), so they agree to
about 1e-8 relative wherever the cost is smooth; a large relative difference points at a kink (ReLU at 0,
a clipped loss) or at a wrong gradient. ``C`` is what the model trains on for the batch (for one sample,
``C_0``), regularization penalty included; the cost is evaluated by the one training step
(:func:`nnviz.core.step.train_step` without the update), so the check tests exactly what trains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core.state import capture_state, restore_state
from nnviz.core.step import train_step

__all__ = ["GradientCheck", "gradient_check", "layer_check", "float64_copy"]

#: the step of the central difference, relative to max(1, |w|)
STEP = 1e-6


@dataclass(frozen=True)
class GradientCheck:
    key: str                  # "dense_1/kernel"
    index: tuple              # the entry of that array (kernel[k, j] is w_jk)
    numeric: float            # central finite difference of C in float64
    backprop: float           # backprop's ∂C/∂w in float64
    relative: float           # |numeric − backprop| / max(|numeric|, |backprop|, 1e-12)

    @property
    def agrees(self) -> bool:
        """Agreement to 1e-6 relative (or both below 1e-10 in absolute value)."""
        return self.relative <= 1e-6 or max(abs(self.numeric), abs(self.backprop)) < 1e-10


def float64_copy(model):
    """A float64 copy of the compiled ``model``: same architecture, weights, loss, regularization and
    random states (the optimizer is a fresh SGD: the check never applies an update)."""
    from nnviz.core.model import Sequential
    from nnviz.core.optimizers import SGD
    config = model.get_config()
    config["dtype"] = "float64"
    other = Sequential.from_config(config)
    other.build(model.input_shape)
    other.set_weights([np.asarray(w, dtype=np.float64) for w in model.get_weights()])
    other.compile(optimizer=SGD(0.0), loss=model.loss)
    for src, dst in zip([model.rng] + [layer.rng for layer in model.layers],
                        [other.rng] + [layer.rng for layer in other.layers]):
        dst.bit_generator.state = src.bit_generator.state
    return other


class _Cost:
    """C as a function of one weight entry of a float64 copy, and backprop's gradient there."""

    def __init__(self, model, x, y):
        self.model = float64_copy(model)
        self.x = np.asarray(x, dtype=np.float64)
        self.y = y if np.asarray(y).dtype.kind in "iu" else np.asarray(y, dtype=np.float64)
        self.state = capture_state(self.model)
        self.arrays = {f"{layer.name}/{k}": layer.params[k] for layer in self.model.layers for k in layer.weight_names}
        restore_state(self.model, self.state)
        train_step(self.model, self.x, self.y, apply=False)
        self.grads = {f"{layer.name}/{k}": layer.grads[k].copy() for layer in self.model.layers
                      for k in layer.trainable_names}

    def __call__(self) -> float:
        w = [a.copy() for a in self.arrays.values()]
        restore_state(self.model, self.state)            # the same dropout masks and BN statistics every time
        for a, saved in zip(self.arrays.values(), w):
            a[...] = saved
        loss, _ = train_step(self.model, self.x, self.y, apply=False)
        return float(loss)

    def check(self, key: str, index) -> GradientCheck:
        if key not in self.grads:
            raise KeyError(f"{key!r} is not a trainable weight of the model ({', '.join(self.grads)})")
        a = self.arrays[key]
        index = tuple(int(i) for i in np.atleast_1d(index))
        w0 = float(a[index])
        h = STEP * max(1.0, abs(w0))
        a[index] = w0 + h
        plus = self()
        a[index] = w0 - h
        minus = self()
        a[index] = w0
        numeric = (plus - minus) / (2 * h)
        backprop = float(self.grads[key][index])
        scale = max(abs(numeric), abs(backprop), 1e-12)
        return GradientCheck(key, index, numeric, backprop, abs(numeric - backprop) / scale)


def gradient_check(model, x, y, key: str, index) -> GradientCheck:
    """The numeric check of one weight entry ``model``'s ``key`` (``"dense_1/kernel"``) at ``index``
    on the batch ``x``, ``y`` (labels as the model's loss takes them). ``model`` is left unchanged."""
    return _Cost(model, x, y).check(key, index)


def layer_check(model, x, y, layer_index: int) -> list[GradientCheck]:
    """The numeric check of every trainable weight of layer ``layer_index`` (the course's l: 1 = the first
    layer), entry by entry; its cost is two training steps per weight."""
    layer = model.layers[int(layer_index) - 1]
    cost = _Cost(model, x, y)
    out = []
    for k in layer.trainable_names:
        key = f"{layer.name}/{k}"
        for index in np.ndindex(layer.params[k].shape):
            out.append(cost.check(key, index))
    return out
