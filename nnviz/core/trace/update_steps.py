"""The trace's update steps: one weight, one layer, the whole update."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from nnviz.core.trace import optimizers as _builtin_explanations  # noqa: F401  (registers them)
from nnviz.core.trace.explain import optimizer_explanation
from nnviz.core.trace.formula import _b, _d, _eq, _jk, _lines, _N, _O, _param_symbol, _S, _T, _w
from nnviz.core.trace.steps import LayerStep, Step

# ---------------------------------------------------------------------------- update
def _optimizer_template(opt: str, hyper: Mapping, sym="w", batch_size: int | None = None) -> str:
    """The optimizer's rule; for one sample its gradient reads ∂C_0/∂w, as the formula under it does."""
    template = optimizer_explanation(opt).template(opt, hyper, sym)
    return template.replace("∂C/∂", "∂C_0/∂") if batch_size == 1 else template


def _update_equations(opt, hyper, t, step_size, W, dW, old, grad, new, sb, sa):
    """The optimizer's rule for one weight: symbols W (a Token), dW (tokens of ∂C/∂w), numbers."""
    return optimizer_explanation(opt).equations(opt, hyper, t, step_size, W, dW, old, grad, new, sb, sa)


@dataclass(frozen=True, eq=False, kw_only=True)
class WeightUpdate(Step):
    """One weight's update: ``kernel[k, j]`` (= w_jk, ``k`` set) or ``bias[j]`` (``k`` None).
    ``state_before`` / ``state_after`` map the optimizer's slot names to this weight's entry:
    SGD ``momentum`` (v), Adam ``m`` and ``v``, RMSprop ``velocity`` (s), ``momentum`` (u) and
    ``average_gradient`` (ḡ), Adagrad ``accumulator`` (G). ``iteration`` is t, the step's number (1-based);
    ``step_size`` is Adam's α for it (None for the others). ``hyper`` is the optimizer's config."""

    param: str
    index: tuple
    j: int
    k: int | None
    old: float
    grad: float
    new: float
    optimizer: str
    hyper: Mapping
    state_before: Mapping
    state_after: Mapping
    iteration: int
    step_size: float | None

    def _symbol(self):
        l = self.layer_index
        return _w(self.j, self.k, l) if self.k is not None else _b(self.j, l)

    def equations(self, sample=0):
        self._check_sample(sample)
        W = self._symbol()
        return tuple(_update_equations(self.optimizer, self.hyper, self.iteration, self.step_size, W,
                                       _d(self.batch_size, W), self.old, self.grad, self.new,
                                       self.state_before, self.state_after))


@dataclass(frozen=True, eq=False, kw_only=True)
class LayerUpdate(LayerStep):
    """One layer's update: per trainable parameter name, ``old`` / ``grads`` / ``new`` arrays and
    ``state_before`` / ``state_after`` (name -> slot -> array). ``units`` are its WeightUpdate steps
    (Dense layers only)."""

    layer_type: str
    optimizer: str
    hyper: Mapping
    iteration: int
    step_size: float | None
    old: Mapping
    grads: Mapping
    new: Mapping
    state_before: Mapping
    state_after: Mapping
    def equations(self, sample=0):
        self._check_sample(sample)
        l = self.layer_index
        eqs = []
        for name in self.old:
            P = _param_symbol(name, l)
            old, new = np.ravel(self.old[name]), np.ravel(self.new[name])
            shape = self.old[name].shape

            def line(i, name=name, old=old, new=new, shape=shape):
                idx = np.unravel_index(i, shape)
                if name == "kernel" and len(shape) == 2:
                    sym = _w(int(idx[1]), int(idx[0]), l)
                elif name == "bias":
                    sym = _b(int(idx[0]), l)
                else:
                    sym = _S(P.text, ",".join(str(int(v)) for v in idx), P.sup)
                return _eq([sym], [_N(old[i]), _O(" → "), _N(new[i])])

            eqs.append(_eq([P, _T(":  " + _optimizer_template(self.optimizer, self.hyper, P.text, self.batch_size))]))
            eqs.extend(_lines(old.size, line))
        return tuple(eqs)


@dataclass(frozen=True, eq=False, kw_only=True)
class UpdatePass(Step):
    """The whole update, aligned with ``weight_keys`` / ``model.get_weights()`` (``new_weights`` include
    BatchNormalization's moving statistics as the forward pass left them)."""

    optimizer: str
    hyper: Mapping
    iteration: int
    weight_keys: tuple
    old_weights: tuple
    gradients: tuple
    new_weights: tuple
    layers: tuple

    def equations(self, sample=0):
        self._check_sample(sample)
        eqs = [_eq([_T(_optimizer_template(self.optimizer, self.hyper, batch_size=self.batch_size))])]
        for s in self.layers:
            for name in s.old:
                P = _param_symbol(name, s.layer_index)
                change = np.abs(np.asarray(s.new[name], np.float64) - np.asarray(s.old[name], np.float64))
                eqs.append(_eq([_T("max |Δ"), P, _T("|")], [_N(change.max() if change.size else 0.0)]))
        return tuple(eqs)
