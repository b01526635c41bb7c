"""A model's whole training state, saved and put back: weights, optimizer slots, random generators.

``capture_state(model)`` copies every weight (non-trainable ones included: BatchNormalization's moving
statistics), the optimizer's slots and iteration count, and the state of every random generator the model and
its layers draw from; ``restore_state(model, state)`` writes them back in place, so the model then trains on
exactly as it would have from the moment of the capture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ModelState:
    """What :func:`capture_state` saved. Arrays are copies; nothing here aliases the model."""

    weights: tuple            # (layer index, parameter name, array) for every weight
    optimizer: dict | None    # Optimizer.state(): slot copies and "iterations"; None without an optimizer
    rng_states: tuple         # bit-generator states, in the order of the model's distinct generators


def _generators(model) -> list:
    seen, out = set(), []
    for rng in [model.rng] + [getattr(layer, "rng", None) for layer in model.layers]:
        if rng is not None and id(rng) not in seen:
            seen.add(id(rng))
            out.append(rng)
    return out


def capture_state(model) -> ModelState:
    weights = tuple((i, k, np.array(v, copy=True)) for i, layer in enumerate(model.layers)
                    for k, v in layer.params.items())
    opt = getattr(model, "optimizer", None)
    return ModelState(weights=weights, optimizer=None if opt is None else opt.state(),
                      rng_states=tuple(rng.bit_generator.state for rng in _generators(model)))


def restore_state(model, state: ModelState) -> None:
    for i, k, value in state.weights:
        model.layers[i].params[k][...] = value
    opt = getattr(model, "optimizer", None)
    if opt is not None and state.optimizer is not None:
        opt.set_state({k: np.array(v, copy=True) for k, v in state.optimizer.items()})
    for rng, saved in zip(_generators(model), state.rng_states):
        rng.bit_generator.state = saved
