"""A model's whole training state, saved and put back: ``capture_state`` / ``restore_state``.

    before = capture_state(model)
    model.train_on_batch(x, y)
    restore_state(model, before)     # as if the step never happened, bit for bit

A :class:`ModelState` holds copies of everything a training step changes: every weight (trainable ones
and non-trainable ones such as BatchNormalization's moving statistics), every trainable weight's
gradient buffer, the optimizer's slots (momentum, Adam's m and v, ...) with its iteration count, and
the state of every random generator (the model's and each layer's: Dropout draws its masks from them).
Code outside the model's own parameter code (the training engine, the backprop trace, the document)
saves and restores through here instead of reaching into the model's flat buffers or the optimizer's
slots.
"""

from __future__ import annotations

import copy as _copy
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

__all__ = ["ModelState", "capture_state", "restore_state", "optimizer_state", "set_optimizer_state"]


def _frozen(a) -> np.ndarray:
    a = np.array(a, copy=True)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class ModelState:
    """What :func:`capture_state` saved. Arrays are read-only copies, aligned with
    ``model.weight_keys()`` / ``model.get_weights()``."""

    #: ``dense_1/kernel`` ... in ``model.get_weights()`` order
    weight_keys: tuple
    #: every weight, non-trainable ones included
    weights: tuple
    #: ``{key: gradient}`` of the trainable weights (their buffers' content when captured)
    gradients: Mapping
    #: the optimizer's ``state()``: its slots plus ``iterations``; None when the model is not compiled
    optimizer: Mapping | None
    #: the bit generators' states: the model's generator first, then each layer's
    rng_states: tuple
    #: ``{key: (offset, size, shape)}`` of each trainable weight in the optimizer's slot arrays
    slot_layout: Mapping = field(default_factory=lambda: MappingProxyType({}))

    @property
    def iterations(self) -> int:
        """The optimizer's step count (0 without an optimizer)."""
        return 0 if self.optimizer is None else int(self.optimizer["iterations"])

    def weight(self, key: str) -> np.ndarray:
        return self.weights[self.weight_keys.index(key)]

    def slots(self, key: str) -> Mapping:
        """The optimizer's slots (``momentum``, ``m``, ``v``, ...) for the trainable weight ``key``, each
        shaped like the weight (read-only); empty when the optimizer has none (or none built yet)."""
        if self.optimizer is None or key not in self.slot_layout:
            return MappingProxyType({})
        o, n, shape = self.slot_layout[key]
        return MappingProxyType({s: v[o:o + n].reshape(shape) for s, v in self.optimizer.items()
                                 if s != "iterations" and v.ndim == 1 and v.size >= o + n})

    def equals(self, other: "ModelState") -> bool:
        """Bit for bit the same state (weights, gradients, optimizer slots and count, random states)."""
        if not isinstance(other, ModelState) or self.weight_keys != other.weight_keys:
            return False
        if not _same_arrays(self.weights, other.weights):
            return False
        if set(self.gradients) != set(other.gradients) or not _same_arrays(
                [self.gradients[k] for k in self.gradients], [other.gradients[k] for k in self.gradients]):
            return False
        if (self.optimizer is None) != (other.optimizer is None):
            return False
        if self.optimizer is not None:
            if set(self.optimizer) != set(other.optimizer) or not _same_arrays(
                    [self.optimizer[k] for k in self.optimizer], [other.optimizer[k] for k in self.optimizer]):
                return False
        return self.rng_states == other.rng_states

    def same_weights(self, model) -> bool:
        """Whether ``model``'s weights (all of them) are still exactly these."""
        return tuple(model.weight_keys()) == self.weight_keys and _same_arrays(
            [layer.params[k] for layer in model.layers for k in layer.weight_names], self.weights)


def _same_arrays(a, b) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True)
                                    for x, y in zip(a, b))


def _generators(model) -> list:
    return [model.rng] + [layer.rng for layer in model.layers]


def capture_state(model) -> ModelState:
    """A copy of ``model``'s whole training state (see the module docstring)."""
    keys, weights, grads = [], [], {}
    for layer in model.layers:
        for k in layer.weight_names:
            key = f"{layer.name}/{k}"
            keys.append(key)
            weights.append(_frozen(layer.params[k]))
            if k in layer.grads:
                grads[key] = _frozen(layer.grads[k])
    opt = model.optimizer
    opt_state = None
    if opt is not None:
        opt_state = MappingProxyType({k: _frozen(v) for k, v in opt.state().items()})
    rng_states = tuple(_copy.deepcopy(g.bit_generator.state) for g in _generators(model))
    layout = {f"{layer.name}/{k}": (o, n, layer.params[k].shape) for layer, k, o, n in getattr(model, "_slices", ())}
    return ModelState(tuple(keys), tuple(weights), MappingProxyType(grads), opt_state, rng_states,
                      MappingProxyType(layout))


def restore_state(model, state: ModelState, gradients: bool = True) -> None:
    """Put ``state`` back into ``model`` (in place: the layers' weight views stay valid). The model must
    have the architecture it had when the state was captured; ``ValueError`` otherwise. ``gradients=False``
    leaves the gradient buffers as they are (``compute_gradients`` keeps what it computed there)."""
    if not isinstance(state, ModelState):
        raise TypeError(f"restore_state expects a ModelState, got {state!r}")
    targets = [(layer, k) for layer in model.layers for k in layer.weight_names]
    keys = tuple(f"{layer.name}/{k}" for layer, k in targets)
    if keys != state.weight_keys or any(layer.params[k].shape != w.shape for (layer, k), w in zip(targets, state.weights)):
        raise ValueError(f"the state was captured from another architecture ({len(state.weight_keys)} weights: "
                         f"{', '.join(state.weight_keys[:6])}...) than model '{model.name}' has now")
    generators = _generators(model)
    if len(generators) != len(state.rng_states):
        raise ValueError("the state was captured from a model with another number of layers")
    for (layer, k), w in zip(targets, state.weights):
        layer.params[k][...] = w
        key = f"{layer.name}/{k}"
        if gradients and k in layer.grads and key in state.gradients:
            layer.grads[k][...] = state.gradients[key]
    opt = model.optimizer
    if opt is not None and state.optimizer is not None:
        opt.set_state({k: np.array(v) for k, v in state.optimizer.items()})
    # a generator shared by several layers gets the same state several times: harmless
    for g, s in zip(generators, state.rng_states):
        g.bit_generator.state = _copy.deepcopy(s)


_MASK64 = (1 << 64) - 1


def _generator_array(model) -> np.ndarray | None:
    """The model's generator (which shuffles ``fit``'s batches) as six uint64, or None (not PCG64)."""
    rng = getattr(model, "rng", None)
    st = None if rng is None else rng.bit_generator.state
    if not st or st.get("bit_generator") != "PCG64":
        return None
    a, inc = int(st["state"]["state"]), int(st["state"]["inc"])
    return np.array([a >> 64, a & _MASK64, inc >> 64, inc & _MASK64, int(st["has_uint32"]), int(st["uinteger"])],
                    dtype=np.uint64)


def _set_generator_array(model, arr) -> None:
    rng = getattr(model, "rng", None)
    arr = np.asarray(arr)
    if rng is None or arr.shape != (6,) or arr.dtype != np.uint64 or rng.bit_generator.state.get("bit_generator") != "PCG64":
        return
    v = [int(x) for x in arr]
    rng.bit_generator.state = {"bit_generator": "PCG64", "state": {"state": (v[0] << 64) | v[1], "inc": (v[2] << 64) | v[3]},
                               "has_uint32": v[4] & 1, "uinteger": v[5] & 0xFFFFFFFF}


def optimizer_state(model) -> dict | None:
    """A copy of ``model``'s optimizer state (its slots, ``iterations``) and, under ``"rng"``, the state of the
    generator that shuffles ``fit``'s batches: what travels with the weights out of the training process, into
    the document and the project file, so training continues exactly where it stopped. None without an
    optimizer."""
    opt = getattr(model, "optimizer", None)
    if opt is None:
        return None
    out = opt.state()
    rng = _generator_array(model)
    if rng is not None:
        out["rng"] = rng
    return out


def set_optimizer_state(model, state) -> bool:
    """Put an :func:`optimizer_state` back into ``model`` so training continues exactly where it stopped. A
    state that does not fit (another optimizer's slots, another number of weights) is ignored (the optimizer
    starts afresh, as after a change of optimizer); returns whether it was taken."""
    opt = getattr(model, "optimizer", None)
    if state is None or opt is None or "iterations" not in state:
        return False
    slots = {k: np.asarray(v) for k, v in state.items() if k not in ("iterations", "rng")}
    names = set(opt.slot_names)
    size = int(model._flat_params.size) if getattr(model, "built", False) else None
    if set(slots) - names or (slots and set(slots) != names) \
            or any(v.ndim != 1 or (size is not None and v.size != size) for v in slots.values()):
        return False
    iterations = int(np.asarray(state["iterations"]))
    if iterations < 0 or (iterations and names and not slots):
        return False
    dtype = model._flat_params.dtype if size is not None else None
    opt.set_state({"iterations": iterations, **{k: v.astype(dtype or v.dtype, copy=True) for k, v in slots.items()}})
    if "rng" in state:
        _set_generator_array(model, state["rng"])
    return True
