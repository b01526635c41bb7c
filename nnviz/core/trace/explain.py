"""The explanation registry: what the trace says about each layer, loss and optimizer class.

    @explains(MyLayer)
    class MyLayerExplanation(LayerExplanation):
        @classmethod
        def forward_template(cls, layer):
            return "a^(l) = my formula of a^(l−1)"

Explanations are classes with class methods (the trace keeps the class in its steps, nothing is
instantiated). A layer's explanation is found along its class's MRO; without one it gets
:class:`ShapeExplanation` when it has no weights and keeps the number of values per sample (a reshape),
else the generic :class:`LayerExplanation`. Losses and optimizers are looked up by their ``name``
(``"mean_squared_error"``, ``"adam"``) among the registered classes, with generic fallbacks.
"""

from __future__ import annotations

import math

import numpy as np

from nnviz.core.trace.formula import _eq, _N, _O, _shape_text, _T, _tensor

__all__ = ["explains", "explains_loss", "explains_optimizer", "LayerExplanation", "ShapeExplanation",
           "LossExplanation", "OptimizerExplanation", "layer_explanation", "loss_explanation",
           "optimizer_explanation"]

_LAYERS: dict[type, type] = {}
_LOSSES: dict[str, type] = {}
_OPTIMIZERS: dict[str, type] = {}


def _registrar(table: dict, key):
    def decorate(*classes):
        def register(explanation):
            for cls in classes:
                table[key(cls)] = explanation
            return explanation
        return register
    return decorate


#: ``@explains(LayerClass, ...)``: register a :class:`LayerExplanation` subclass for those layer classes
explains = _registrar(_LAYERS, lambda cls: cls)
#: ``@explains_loss(LossClass, ...)``: register a :class:`LossExplanation` subclass (looked up by the loss's name)
explains_loss = _registrar(_LOSSES, lambda cls: cls.name)
#: ``@explains_optimizer(OptimizerClass, ...)``: register an :class:`OptimizerExplanation` subclass
explains_optimizer = _registrar(_OPTIMIZERS, lambda cls: cls.name)


def _reshapes(layer) -> bool:
    if layer.params or layer.input_shape is None:
        return False
    try:
        out = layer.output_shape[1:]
    except (AttributeError, ValueError):
        return False
    return math.prod(layer.input_shape) == math.prod(out)


def layer_explanation(layer) -> type:
    """The explanation registered for ``layer``'s class (or the nearest base class), else a fallback."""
    for cls in type(layer).__mro__:
        if cls in _LAYERS:
            return _LAYERS[cls]
    return ShapeExplanation if _reshapes(layer) else LayerExplanation


def loss_explanation(name: str) -> type:
    return _LOSSES.get(name, LossExplanation)


def optimizer_explanation(name: str) -> type:
    return _OPTIMIZERS.get(name, OptimizerExplanation)


# ============================================================================ layers
class LayerExplanation:
    """The generic explanation of a layer, and the hooks a registered one overrides."""

    #: the layer's ``z`` is its own pre-activation (False for Activation, whose "z" is its input)
    has_own_z = True
    #: the stepper's value table lists this layer's units
    in_table = True
    #: the forward formula (None: ``a^(l) = <LayerType>(a^(l−1))``), a note on it, the backward formula;
    #: override the class methods below when they depend on the layer
    forward_formula: str | None = None
    forward_remark = ""
    backward_formula = "∂C_0/∂a^(l−1) from ∂C_0/∂a^(l)"

    # -- recording (from the traced step; nothing is recomputed)
    @classmethod
    def unitwise(cls, layer, x) -> bool:
        """Whether the layer is stepped unit by unit (Dense on vectors)."""
        return False

    @classmethod
    def z(cls, layer):
        """The layer's z as its forward left it in its cache, or None."""
        return None

    @classmethod
    def delta(cls, layer, d_in):
        """∂C/∂z as its backward left it (not fused), or None."""
        return None

    @classmethod
    def extras(cls, layer, x, out, weights_before) -> dict:
        """Values from the layer's cache (and its attributes) that the explanation shows."""
        return {}

    # -- forward
    @classmethod
    def forward_template(cls, layer) -> str:
        return cls.forward_formula or f"a^(l) = {layer.layer_type}(a^(l−1))"

    @classmethod
    def forward_note(cls, layer) -> str:
        return cls.forward_remark

    @classmethod
    def forward_equations(cls, step, n, A, Ain) -> list:
        """The layer-level forward equations for sample n (``A``, ``Ain``: the symbols a^(l), a^(l−1))."""
        return [_eq(A, [_T(f"{step.layer_type}("), *Ain, _T(")")], _tensor(step.output[n]))]

    # -- backward
    @classmethod
    def backward_template(cls, layer) -> str:
        return cls.backward_formula

    @classmethod
    def backward_input(cls, step, nb, dA) -> list:
        """The tokens of how ∂C/∂a^(l−1) is computed (``dA``: the tokens of ∂C/∂a^(l))."""
        return [_T("backward")]


class ShapeExplanation(LayerExplanation):
    """A parameter-free layer that only rearranges its values (Flatten, Reshape, ...)."""

    in_table = False
    backward_formula = "∂C_0/∂a^(l−1) = ∂C_0/∂a^(l) rearranged back"

    @classmethod
    def forward_template(cls, layer) -> str:
        return f"a^(l) = a^(l−1) rearranged as {_shape_text(layer.output_shape[1:])} per sample"

    @classmethod
    def forward_equations(cls, step, n, A, Ain):
        x, y = step.input[n], step.output[n]
        return [_eq(A, [_T(f"{step.layer_type.lower()}("), *Ain,
                        _T(f")  ({_shape_text(x.shape)} → {_shape_text(y.shape)})")], _tensor(y))]

    @classmethod
    def backward_input(cls, step, nb, dA):
        return [_T("rearranged back to "), _T(_shape_text(step.d_input.shape[1:]))]


# ============================================================================ losses
class LossExplanation:
    """The generic explanation of a loss (registered ones override)."""

    template = "C_0 = Σ_j C_0,j  (each output's share)"
    #: per-output lines ``C_0,j = ...`` exist (needs targets lined up with the outputs)
    has_output_lines = False
    #: the fused δ of the output layer divides a_j·Σ_i y_i − y_j (categorical labels need not sum to 1)
    fused_uses_target_sums = False

    @classmethod
    def targets(cls, y, y_pred):
        """y per output (lined up with ``y_pred``), or None when the labels do not line up."""
        yt = np.asarray(y, dtype=y_pred.dtype)
        return yt.reshape(y_pred.shape) if yt.size == y_pred.size else None

    @classmethod
    def note(cls, k: int) -> str:
        """Said on the loss step (``k``: outputs)."""
        return ""

    @classmethod
    def output_line(cls, j, L, k, yp, yt, share):
        """Output j's share of C_0 for one sample: its symbols, its numbers, its value."""
        raise NotImplementedError

    @classmethod
    def d_a_line(cls, step, n, da):
        """The equation of ∂C/∂a_j of an output unit (not fused), or None for just its value."""
        return None

    @classmethod
    def backward_note(cls, n_outputs_total: int) -> str:
        """Said on an output unit's backward step (not fused)."""
        return ""


# ============================================================================ optimizers
class OptimizerExplanation:
    """The generic explanation of an optimizer (registered ones override)."""

    @classmethod
    def template(cls, name, hyper, sym="w") -> str:
        return f"{sym} ← {name} update of {sym} with ∂C/∂{sym}"

    @classmethod
    def equations(cls, name, hyper, t, step_size, W, dW, old, grad, new, sb, sa) -> list:
        return [_eq([W, _O(" ← "), _T(f"{name}("), W, _O(", "), *dW, _T(")")], [_N(old), _O(" → "), _N(new)])]

    @classmethod
    def note(cls, hyper, t) -> str:
        return ""
