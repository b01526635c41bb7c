"""What the stepper's predict-then-reveal asks on each step, and how a typed prediction is judged (no Qt).

A unit's forward step asks two things in turn, as the course computes them: the weighted sum z_j^(l), then the
activation a_j^(l) = g(z_j^(l)). Its backward step asks the error δ_j^(l) = ∂C/∂z_j^(l), then a gradient
∂C/∂w_jk^(l) = δ_j^(l)·a_k^(l−1). A weight's update asks the weight after the update, the loss step the sample's
cost C_0. Steps that show many numbers at once (a whole layer, a phase) ask nothing.

Each :class:`Question` carries a ``quantity`` key (``z``, ``a``, ``delta``, ``grad``, ``weight``, ``cost``): the
names lessons check (``check: stepper z 1``); :meth:`Answer.record` is the plain dict a lesson reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.core.trace import BackwardUnit, ForwardUnit, LossStep, WeightUpdate
from nnviz.core.trace.formula import format_number

#: every quantity a step can ask for, with what the lessons' docs call it
QUANTITIES = {"z": "weighted sum z", "a": "activation a", "delta": "error δ = ∂C/∂z", "grad": "gradient ∂C/∂w",
              "weight": "weight after the update", "cost": "cost C_0"}


@dataclass(frozen=True)
class Question:
    """What predict-then-reveal hides on a step: the quantity's symbol, its value and how it is computed."""

    symbol: str     # "z_1^(2)", "a_1^(2)", "δ_0^(1)", "∂C_0/∂w_01^(2)", "w_01^(2) after the update", "C_0"
    value: float
    how: str        # the step's formulas with their numbers (the lines that compute this quantity)
    quantity: str = ""   # a key of QUANTITIES


@dataclass(frozen=True)
class Answer:
    """The verdict on a typed prediction: ``correct`` (to 2 significant digits), what was typed (None when it
    was not a number, or when the value was revealed without a guess), the value and a sentence saying so (with
    how it was computed when wrong)."""

    correct: bool
    guess: float | None
    value: float
    message: str
    how: str
    quantity: str = ""
    symbol: str = ""

    def record(self, step: int | None = None) -> dict:
        """The answer as lessons read it: ``{"quantity", "correct", "symbol", "guess", "value", "step"}``."""
        return {"quantity": self.quantity, "correct": self.correct, "symbol": self.symbol, "guess": self.guess,
                "value": self.value, "step": step}


def close_enough(guess: float, value: float, digits: int = 2) -> bool:
    """Whether ``guess`` is ``value`` to ``digits`` significant digits (within half a unit of the last one;
    for a value of 0, within half a unit of the second decimal)."""
    guess, value = float(guess), float(value)
    if not (math.isfinite(guess) and math.isfinite(value)):
        return False
    if value == 0:
        return abs(guess) <= 0.5 * 10.0 ** -digits
    unit = 10.0 ** (math.floor(math.log10(abs(value))) - (digits - 1))
    return abs(guess - value) <= 0.5 * unit * (1 + 1e-9)


def parse_number(text: str) -> float | None:
    """A number as a student types it: "−0.5" (a typographic minus), "0,73" (a decimal comma), "1e-3"."""
    t = str(text).strip().replace("−", "-").replace("–", "-").replace(" ", "")
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    return v if np.isfinite(v) else None


def _lines(how: str, keep) -> str:
    """The lines of ``how`` that ``keep`` accepts (all of them when none does)."""
    lines = [line for line in how.split("\n") if keep(line)]
    return "\n".join(lines) if lines else how


def _jk(j: int, k: int) -> str:
    return f"{j}{k}" if j < 10 and k < 10 else f"{j},{k}"


def _gradient_input(step: BackwardUnit, sample: int) -> int:
    """The weight whose gradient a backward step asks for: the first of the unit's first three inputs that is not
    0 or ±1 (a ReLU that did not fire makes ∂C/∂w = 0, an input of 1 makes it δ again: nothing to work out; in
    the worked example every gradient asked was its δ), else the first that is not 0, else the first."""
    inputs = np.asarray(step.inputs)[sample][:3]
    for fits in (lambda v: v != 0 and abs(v) != 1, lambda v: v != 0):
        for k, v in enumerate(inputs):
            if fits(v):
                return k
    return 0


def quantities_of(step) -> tuple[str, ...]:
    """The quantities ``step`` asks for, without working out their values."""
    for kind, quantities in ((ForwardUnit, ("z", "a")), (BackwardUnit, ("delta", "grad")), (WeightUpdate, ("weight",)),
                             (LossStep, ("cost",))):
        if isinstance(step, kind):
            return quantities
    return ()


def questions_for(step, sample: int = 0) -> tuple[Question, ...]:
    """The quantities a student predicts on ``step``, in the order they are asked (empty for steps with many
    numbers)."""
    if step is None:
        return ()
    how = step.to_text(sample=sample)
    l = step.layer_index
    if isinstance(step, ForwardUnit):
        j = step.unit
        return (Question(f"z_{j}^({l})", float(step.z[sample]), _lines(how, lambda s: s.startswith("z_")), "z"),
                Question(f"a_{j}^({l})", float(step.a[sample]), how, "a"))
    if isinstance(step, BackwardUnit):
        j = step.unit
        delta = f"δ_{j}^({l})"
        upto_delta = how.split("\n")
        cut = next((i for i, s in enumerate(upto_delta) if s.startswith("δ_")), len(upto_delta) - 1)
        k = _gradient_input(step, sample)
        w = f"∂w_{_jk(j, k)}^({l})"
        return (Question(f"{delta} = ∂C_0/∂z_{j}^({l})", float(step.delta[sample]), "\n".join(upto_delta[:cut + 1]),
                         "delta"),
                Question(f"∂C_0/{w}", float(step.d_w[k]),
                         _lines(how, lambda s: s.startswith("δ_") or f"/{w} " in s), "grad"))
    if isinstance(step, WeightUpdate):
        name = f"w_{_jk(step.j, step.k)}^({l})" if step.k is not None else f"b_{step.j}^({l})"
        return (Question(f"{name} after the update", float(step.new), how, "weight"),)
    if isinstance(step, LossStep):
        return (Question("C_0", float(step.per_sample[sample]), how, "cost"),)
    return ()


def question_for(step, sample: int = 0) -> Question | None:
    """The first quantity a student can predict on ``step`` (None for steps with many numbers)."""
    qs = questions_for(step, sample)
    return qs[0] if qs else None


def judge(q: Question, text) -> Answer:
    """The verdict on ``text`` typed as the value of ``q``."""
    guess = parse_number(text)
    if guess is None:
        return Answer(False, None, q.value, f"“{text}” is not a number: type a value such as 0.73.", q.how,
                      q.quantity, q.symbol)
    shown = format_number(q.value)
    if close_enough(guess, q.value):
        return Answer(True, guess, q.value, f"Right: {q.symbol} = {shown}.", q.how, q.quantity, q.symbol)
    return Answer(False, guess, q.value, f"Not quite: {q.symbol} = {shown}, not {format_number(guess)}. "
                                         f"It is computed as:\n{q.how}", q.how, q.quantity, q.symbol)


def revealed(q: Question) -> Answer:
    """The quantity shown without a prediction."""
    return Answer(False, None, q.value, f"{q.symbol} = {format_number(q.value)}.", q.how, q.quantity, q.symbol)
