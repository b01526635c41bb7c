"""The trace's update steps: one weight, one layer, the whole update."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from nnviz.core.trace.formula import _b, _d, _eq, _jk, _lines, _N, _O, _param_symbol, _S, _T, _w
from nnviz.core.trace.steps import Step

# ---------------------------------------------------------------------------- update
def _optimizer_template(opt: str, hyper: Mapping, sym="w") -> str:
    g = f"∂C/∂{sym}"
    if opt == "sgd":
        if not hyper.get("momentum"):
            return f"{sym} ← {sym} − η·{g}"
        if hyper.get("nesterov"):
            return f"v ← μ·v − η·{g};  {sym} ← {sym} + μ·v − η·{g}"
        return f"v ← μ·v − η·{g};  {sym} ← {sym} + v"
    if opt == "adam":
        return (f"m ← m + ({g} − m)·(1 − β₁);  v ← v + (({g})² − v)·(1 − β₂);  "
                f"α = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ);  {sym} ← {sym} − α·m/(√v + ε)")
    if opt == "rmsprop":
        s = f"s ← ρ·s + (1 − ρ)·({g})²;  "
        denom = "√(s − ḡ² + ε)" if hyper.get("centered") else "√(s + ε)"
        if hyper.get("centered"):
            s += f"ḡ ← ρ·ḡ + (1 − ρ)·{g};  "
        if hyper.get("momentum"):
            return s + f"u ← μ·u + η·{g}/{denom};  {sym} ← {sym} − u"
        return s + f"{sym} ← {sym} − η·{g}/{denom}"
    if opt == "adagrad":
        return f"G ← G + ({g})²;  {sym} ← {sym} − η·{g}/√(G + ε)"
    return f"{sym} ← {opt} update of {sym} with {g}"


def _update_equations(opt, hyper, t, step_size, W, dW, old, grad, new, sb, sa):
    """The optimizer's rule for one weight: symbols W (a Token), dW (tokens of ∂C/∂w), numbers."""
    lr = hyper.get("learning_rate", 0.0)
    eta = _S("η")
    arrow = [W, _O(" ← ")]
    if opt == "sgd":
        mu = hyper.get("momentum", 0.0)
        if not mu:
            return [_eq(arrow + [W, _O(" − "), eta, _O("·"), *dW],
                        [_N(old), _O(" − "), _N(lr), _O("·"), _N(grad)], [_N(new)])]
        v0, v1 = sb["momentum"], sa["momentum"]
        eqs = [_eq([_S("v"), _O(" ← "), _S("μ"), _O("·"), _S("v"), _O(" − "), eta, _O("·"), *dW],
                   [_N(mu), _O("·"), _N(v0), _O(" − "), _N(lr), _O("·"), _N(grad)], [_N(v1)])]
        if hyper.get("nesterov"):
            eqs.append(_eq(arrow + [W, _O(" + "), _S("μ"), _O("·"), _S("v"), _O(" − "), eta, _O("·"), *dW],
                           [_N(old), _O(" + "), _N(mu), _O("·"), _N(v1), _O(" − "), _N(lr), _O("·"), _N(grad)], [_N(new)]))
        else:
            eqs.append(_eq(arrow + [W, _O(" + "), _S("v")], [_N(old), _O(" + "), _N(v1)], [_N(new)]))
        return eqs
    if opt == "adam":
        b1, b2, eps = hyper["beta_1"], hyper["beta_2"], hyper["epsilon"]
        return [
            _eq([_S("m"), _O(" ← "), _S("m"), _O(" + ("), *dW, _O(" − "), _S("m"), _O(")·(1 − "), _S("β", "1"), _O(")")],
                [_N(sb["m"]), _O(" + ("), _N(grad), _O(" − "), _N(sb["m"]), _O(")·(1 − "), _N(b1), _O(")")], [_N(sa["m"])]),
            _eq([_S("v"), _O(" ← "), _S("v"), _O(" + (("), *dW, _O(")² − "), _S("v"), _O(")·(1 − "), _S("β", "2"), _O(")")],
                [_N(sb["v"]), _O(" + ("), _N(grad, wrap=True), _O("² − "), _N(sb["v"]), _O(")·(1 − "), _N(b2), _O(")")],
                [_N(sa["v"])]),
            _eq([_S("α", "t")], [eta, _O("·√(1 − "), _S("β", "2", "t"), _O(")/(1 − "), _S("β", "1", "t"), _O(")")],
                [_N(lr), _O("·√(1 − "), _N(b2), _S("", "", t), _O(")/(1 − "), _N(b1), _S("", "", t), _O(")")],
                [_N(step_size)]),
            _eq(arrow + [W, _O(" − "), _S("α"), _O("·"), _S("m"), _O("/(√"), _S("v"), _O(" + "), _S("ε"), _O(")")],
                [_N(old), _O(" − "), _N(step_size), _O("·"), _N(sa["m"]), _O("/(√"), _N(sa["v"]), _O(" + "), _N(eps),
                 _O(")")], [_N(new)]),
        ]
    if opt == "rmsprop":
        rho, eps, mu = hyper["rho"], hyper["epsilon"], hyper.get("momentum", 0.0)
        eqs = [_eq([_S("s"), _O(" ← "), _S("ρ"), _O("·"), _S("s"), _O(" + (1 − "), _S("ρ"), _O(")·("), *dW, _O(")²")],
                   [_N(rho), _O("·"), _N(sb["velocity"]), _O(" + (1 − "), _N(rho), _O(")·"), _N(grad, wrap=True), _O("²")],
                   [_N(sa["velocity"])])]
        if hyper.get("centered"):
            eqs.append(_eq([_S("ḡ"), _O(" ← "), _S("ρ"), _O("·"), _S("ḡ"), _O(" + (1 − "), _S("ρ"), _O(")·"), *dW],
                           [_N(rho), _O("·"), _N(sb["average_gradient"]), _O(" + (1 − "), _N(rho), _O(")·"), _N(grad)],
                           [_N(sa["average_gradient"])]))
            dsym = [_O("√("), _S("s"), _O(" − "), _S("ḡ"), _O("² + "), _S("ε"), _O(")")]
            dnum = [_O("√("), _N(sa["velocity"]), _O(" − "), _N(sa["average_gradient"], wrap=True), _O("² + "), _N(eps),
                    _O(")")]
        else:
            dsym = [_O("√("), _S("s"), _O(" + "), _S("ε"), _O(")")]
            dnum = [_O("√("), _N(sa["velocity"]), _O(" + "), _N(eps), _O(")")]
        if mu:
            eqs.append(_eq([_S("u"), _O(" ← "), _S("μ"), _O("·"), _S("u"), _O(" + "), eta, _O("·"), *dW, _O("/"), *dsym],
                           [_N(mu), _O("·"), _N(sb["momentum"]), _O(" + "), _N(lr), _O("·"), _N(grad), _O("/"), *dnum],
                           [_N(sa["momentum"])]))
            eqs.append(_eq(arrow + [W, _O(" − "), _S("u")], [_N(old), _O(" − "), _N(sa["momentum"])], [_N(new)]))
        else:
            eqs.append(_eq(arrow + [W, _O(" − "), eta, _O("·"), *dW, _O("/"), *dsym],
                           [_N(old), _O(" − "), _N(lr), _O("·"), _N(grad), _O("/"), *dnum], [_N(new)]))
        return eqs
    if opt == "adagrad":
        eps = hyper["epsilon"]
        return [
            _eq([_S("G"), _O(" ← "), _S("G"), _O(" + ("), *dW, _O(")²")],
                [_N(sb["accumulator"]), _O(" + "), _N(grad, wrap=True), _O("²")], [_N(sa["accumulator"])]),
            _eq(arrow + [W, _O(" − "), eta, _O("·"), *dW, _O("/√("), _S("G"), _O(" + "), _S("ε"), _O(")")],
                [_N(old), _O(" − "), _N(lr), _O("·"), _N(grad), _O("/√("), _N(sa["accumulator"]), _O(" + "), _N(eps), _O(")")],
                [_N(new)]),
        ]
    return [_eq(arrow + [_T(f"{opt}("), W, _O(", "), *dW, _T(")")], [_N(old), _O(" → "), _N(new)])]


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
class LayerUpdate(Step):
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
    unit_steps: object = field(default=tuple, repr=False)   # () -> the WeightUpdate steps (built on demand)

    @property
    def units(self) -> tuple:
        """The WeightUpdate steps of a Dense layer (empty otherwise)."""
        return self.unit_steps()

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

            eqs.append(_eq([P, _T(":  " + _optimizer_template(self.optimizer, self.hyper, P.text))]))
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
        eqs = [_eq([_T(_optimizer_template(self.optimizer, self.hyper))])]
        for s in self.layers:
            for name in s.old:
                P = _param_symbol(name, s.layer_index)
                change = np.abs(np.asarray(s.new[name], np.float64) - np.asarray(s.old[name], np.float64))
                eqs.append(_eq([_T("max |Δ"), P, _T("|")], [_N(change.max() if change.size else 0.0)]))
        return tuple(eqs)


