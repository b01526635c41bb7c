"""How the trace explains each optimizer: its update rule as a template, its equations with one weight's
numbers and a note; one registered class per optimizer class."""

from __future__ import annotations

from nnviz.core import optimizers as _optimizers
from nnviz.core.trace.explain import OptimizerExplanation, explains_optimizer
from nnviz.core.trace.formula import _eq, _N, _O, _S


def _rule(hyper, W):
    """η's value, its symbol and ``W ←``: what every rule starts from."""
    return hyper.get("learning_rate", 0.0), _S("η"), [W, _O(" ← ")]


@explains_optimizer(_optimizers.SGD)
class SGDExplanation(OptimizerExplanation):
    @classmethod
    def template(cls, name, hyper, sym="w"):
        g = f"∂C/∂{sym}"
        if not hyper.get("momentum"):
            return f"{sym} ← {sym} − η·{g}"
        if hyper.get("nesterov"):
            return f"v ← μ·v − η·{g};  {sym} ← {sym} + μ·v − η·{g}"
        return f"v ← μ·v − η·{g};  {sym} ← {sym} + v"

    @classmethod
    def equations(cls, name, hyper, t, step_size, W, dW, old, grad, new, sb, sa):
        lr, eta, arrow = _rule(hyper, W)
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

    @classmethod
    def note(cls, hyper, t):
        return "v is the velocity: the running sum of past steps, decayed by μ." if hyper.get("momentum") else ""


@explains_optimizer(_optimizers.Adam)
class AdamExplanation(OptimizerExplanation):
    @classmethod
    def template(cls, name, hyper, sym="w"):
        g = f"∂C/∂{sym}"
        return (f"m ← m + ({g} − m)·(1 − β₁);  v ← v + (({g})² − v)·(1 − β₂);  "
                f"α = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ);  {sym} ← {sym} − α·m/(√v + ε)")

    @classmethod
    def equations(cls, name, hyper, t, step_size, W, dW, old, grad, new, sb, sa):
        lr, eta, arrow = _rule(hyper, W)
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

    @classmethod
    def note(cls, hyper, t):
        return f"t = {t}, the optimizer's step number: α corrects m and v, which start at 0, for their bias."


@explains_optimizer(_optimizers.RMSprop)
class RMSpropExplanation(OptimizerExplanation):
    @classmethod
    def template(cls, name, hyper, sym="w"):
        g = f"∂C/∂{sym}"
        s = f"s ← ρ·s + (1 − ρ)·({g})²;  "
        denom = "√(s − ḡ² + ε)" if hyper.get("centered") else "√(s + ε)"
        if hyper.get("centered"):
            s += f"ḡ ← ρ·ḡ + (1 − ρ)·{g};  "
        if hyper.get("momentum"):
            return s + f"u ← μ·u + η·{g}/{denom};  {sym} ← {sym} − u"
        return s + f"{sym} ← {sym} − η·{g}/{denom}"

    @classmethod
    def equations(cls, name, hyper, t, step_size, W, dW, old, grad, new, sb, sa):
        lr, eta, arrow = _rule(hyper, W)
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

    @classmethod
    def note(cls, hyper, t):
        return "s is the running average of squared gradients: each weight gets its own step size."


@explains_optimizer(_optimizers.Adagrad)
class AdagradExplanation(OptimizerExplanation):
    @classmethod
    def template(cls, name, hyper, sym="w"):
        g = f"∂C/∂{sym}"
        return f"G ← G + ({g})²;  {sym} ← {sym} − η·{g}/√(G + ε)"

    @classmethod
    def equations(cls, name, hyper, t, step_size, W, dW, old, grad, new, sb, sa):
        lr, eta, arrow = _rule(hyper, W)
        eps = hyper["epsilon"]
        return [
            _eq([_S("G"), _O(" ← "), _S("G"), _O(" + ("), *dW, _O(")²")],
                [_N(sb["accumulator"]), _O(" + "), _N(grad, wrap=True), _O("²")], [_N(sa["accumulator"])]),
            _eq(arrow + [W, _O(" − "), eta, _O("·"), *dW, _O("/√("), _S("G"), _O(" + "), _S("ε"), _O(")")],
                [_N(old), _O(" − "), _N(lr), _O("·"), _N(grad), _O("/√("), _N(sa["accumulator"]), _O(" + "), _N(eps), _O(")")],
                [_N(new)]),
        ]

    @classmethod
    def note(cls, hyper, t):
        return "G sums every squared gradient so far: each weight's step shrinks as it is updated."
