"""The checks a lesson step can ask the app to evaluate live, one registry keyed by kind (NumPy + stdlib only).

A check reads an :class:`AppState` — a plain snapshot of what the app shows — and answers ``done``, ``open``
(with what is still missing) or ``unavailable`` (the feature it reads is not in this build: never a silent pass).

Kinds (``check: KIND ARGS`` in a lesson file; ``docs/lessons.md`` has examples):

=================  ==========================================================================================
``metric``         ``metric NAME OP VALUE``: the last epoch's ``loss``, ``val_loss``, ``accuracy``, ... vs a number
``architecture``   ``architecture PROPERTY OP VALUE``: ``params``, ``layers``, ``hidden_units``, ``hidden_layers``,
                   ``output_activation``, ``count:Dropout``, ``units:2``, ``activation:1``, ``input_size``
``training``       ``training KEY OP VALUE``: a training setting (``learning_rate``, ``regularization``, ...)
``dataset``        ``dataset PROPERTY OP VALUE``: ``name``, ``features``, ``param:noise``
``pattern``        ``pattern [not] oscillates|crawls|overfits|at_chance``: what the learning curves show
``runs``           ``runs COMPARISON``: ``lr-oscillates-vs-crawls``, ``fix-beats-overfit``, ``count>=N``
``stepper``        ``stepper QUANTITY [N]``: N correct predict-then-reveal answers of ``z``, ``a``, ``delta``,
                   ``grad``, ``weight``, ``cost`` or ``any``
``view``           ``view NAME``: the view (``stepper``, a dock's object name) is open
``selected``       ``selected INDEX``: layer INDEX is selected in the diagram
=================  ==========================================================================================
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass, field

from nnviz.core.lessons import patterns

DONE, OPEN, UNAVAILABLE = "done", "open", "unavailable"

OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
       ">=": operator.ge}


@dataclass(frozen=True)
class AppState:
    """What a check may read. The app fills it from its document and panels; tests build it by hand.

    ``None`` for ``runs``, ``stepper_answers`` or ``classroom`` means *this build has no such feature*:
    a check reading it answers ``unavailable``.

    - ``layers``: ``[{"class_name", "config"}]`` after the input (``ProjectDocument.layer_configs()``);
    - ``params``: the built model's ``count_params()`` (``None`` when the network is invalid);
    - ``input_shape``: without the batch axis; ``history``: Keras' ``History.history``;
    - ``training``: ``TrainingConfig.to_dict()``; ``dataset``: ``{"name", "params"}`` or ``None``;
      ``num_classes``: of the data set (``None`` for regression);
    - ``runs``: earlier and current runs, oldest first, each ``{"training": dict, "history": dict,
      "layers": list}``;
    - ``stepper_answers``: the stepper's judged predict-then-reveal answers, oldest first, each ``{"quantity":
      "z"|"a"|"delta"|"grad"|"weight"|"cost", "correct": bool, ...}`` (``StepperSession.answer_log``);
    - ``classroom``: the classroom settings (hidden / locked controls) as a dict;
    - ``open_views``: object names of open views, in front (``"stepper"`` for the backprop stepper);
      ``view_titles``: what the window calls them (``{"predictDock": "Predict"}``), for the messages;
    - ``selected_layers``: selected layer indices (1 = the first layer after the input).
    """

    layers: tuple = ()
    params: int | None = None
    input_shape: tuple = ()
    history: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)
    dataset: dict | None = None
    num_classes: int | None = None
    runs: list | None = None
    stepper_answers: list | None = None
    classroom: dict | None = None
    open_views: frozenset = frozenset()
    selected_layers: tuple = ()
    view_titles: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    status: str
    message: str

    @property
    def done(self) -> bool:
        return self.status == DONE


def _number_or_text(value: str):
    try:
        return float(value)
    except ValueError:
        return value


#: how a comparison reads in a check's message ("wanted ≥ 0.95"; equality reads "wanted 17")
_OP_WORDS = {"==": "", "!=": "≠ ", "<": "< ", "<=": "≤ ", ">": "> ", ">=": "≥ "}


def _number(x: float) -> str:
    """A number as a student reads it: 17, 68,770 (not 6.877e+04, 68770.0), 0.9333."""
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:.4g}"


def _compare(name: str, have, op: str, want) -> CheckResult:
    if have is None:
        return CheckResult(OPEN, f"{name} is not known yet")
    if isinstance(want, float):
        try:
            have = float(have)
        except (TypeError, ValueError):
            return CheckResult(OPEN, f"{name} is {have!r}, not a number")
        if not math.isfinite(have):
            return CheckResult(OPEN, f"{name} is {have}")
        shown, wanted = _number(have), _number(want)
    else:
        have, shown = str(have).lower(), str(have)
        want = wanted = str(want).lower()
    ok = OPS[op](have, want)
    return CheckResult(DONE if ok else OPEN, f"{name} is {shown} (wanted {_OP_WORDS.get(op, op + ' ')}{wanted})")


def _op_value(kind, args, props=None):
    if len(args) != 3 or args[1] not in OPS:
        raise ValueError(f"check {kind} takes PROPERTY OP VALUE with OP one of {' '.join(OPS)}, e.g. "
                         f"'{kind} {props[0] if props else 'loss'} < 0.2'")
    if props is not None:
        base = args[0].split(":")[0]
        if base not in props:
            raise ValueError(f"check {kind}: unknown property {args[0]!r}; known: {', '.join(props)}")
        if ":" in args[0] and base in ("units", "activation"):
            try:
                int(args[0].split(":", 1)[1])
            except ValueError:
                raise ValueError(f"check {kind}: {args[0]!r} needs a layer number, e.g. {base}:1") from None
    return [args[0], args[1], _number_or_text(args[2])]


# ------------------------------------------------------------------------------------------------ metric
def _metric(state: AppState, name, op, value) -> CheckResult:
    values = (state.history or {}).get(name)
    if not values:
        return CheckResult(OPEN, f"no {name} yet: train the network")
    return _compare(f"{name} after epoch {len(values)}", values[-1], op, value)


# ------------------------------------------------------------------------------------------ architecture
ARCH_PROPS = ("params", "layers", "hidden_units", "hidden_layers", "output_activation", "count", "units",
              "activation", "input_size")
_WEIGHTED = ("Dense", "Conv2D", "SimpleRNN", "LSTM", "GRU", "Embedding")


def architecture_property(state: AppState, prop: str):
    layers = [l for l in state.layers if l.get("class_name") != "InputLayer"]
    base, _, arg = prop.partition(":")
    weighted = [l for l in layers if l.get("class_name") in _WEIGHTED]
    if base == "params":
        return state.params
    if base == "layers":
        return len(layers)
    if base == "hidden_units":
        return sum(int(l["config"].get("units", l["config"].get("filters", 0)) or 0) for l in weighted[:-1])
    if base == "hidden_layers":
        return max(len(weighted) - 1, 0)
    if base == "output_activation":
        for l in reversed(layers):
            if "activation" in l.get("config", {}):
                return l["config"]["activation"]
        return None
    if base == "count":
        return sum(1 for l in layers if l.get("class_name", "").lower() == arg.lower())
    if base in ("units", "activation"):
        i = int(arg)
        if not 1 <= i <= len(layers):
            return None
        cfg = layers[i - 1].get("config", {})
        return cfg.get("units", cfg.get("filters")) if base == "units" else cfg.get("activation")
    if base == "input_size":
        return math.prod(state.input_shape) if state.input_shape else None
    raise ValueError(prop)


def _architecture(state: AppState, prop, op, value) -> CheckResult:
    if state.params is None and prop == "params":
        return CheckResult(OPEN, "the network is not valid yet")
    return _compare(prop.replace("_", " "), architecture_property(state, prop), op, value)


# ------------------------------------------------------------------------------------- training, dataset
def _training(state: AppState, key, op, value) -> CheckResult:
    return _compare(key.replace("_", " "), (state.training or {}).get(key), op, value)


def _dataset(state: AppState, prop, op, value) -> CheckResult:
    if not state.dataset:
        return CheckResult(OPEN, "no data set is loaded")
    if prop == "name":
        have = state.dataset.get("name")
    elif prop == "features":
        have = math.prod(state.input_shape) if state.input_shape else None
    else:
        have = (state.dataset.get("params") or {}).get(prop.split(":", 1)[1])
    return _compare(prop, have, op, value)


# ---------------------------------------------------------------------------------------------- pattern
def chance_level(state: AppState) -> float:
    return 1.0 / max(int(state.num_classes or 2), 2)


def guess_loss(training: dict | None, num_classes: int | None) -> float | None:
    """The cross-entropy of always guessing evenly, ln(classes), when the loss is a cross-entropy; else None."""
    if "crossentropy" not in str((training or {}).get("loss", "")):
        return None
    return math.log(max(int(num_classes or 2), 2))


def detect(pattern: str, history: dict, chance: float = 0.5, guess: float | None = None) -> patterns.Finding:
    h = history or {}
    if pattern == "oscillates":
        return patterns.oscillates(h.get("loss"), guess=guess)
    if pattern == "crawls":
        return patterns.crawls(h.get("loss"))
    if pattern == "overfits":
        return patterns.overfits(h.get("loss"), h.get("val_loss"))
    if pattern == "at_chance":
        return patterns.at_chance(h.get("accuracy"), chance)
    raise ValueError(pattern)


def _pattern(state: AppState, *args) -> CheckResult:
    negate = args[0] == "not"
    finding = detect(args[-1], state.history, chance_level(state), guess_loss(state.training, state.num_classes))
    if not (state.history or {}).get("loss"):
        return CheckResult(OPEN, "no training yet: train the network")
    few = re.search(r"not enough epochs yet \((\d+) of (\d+)\)", finding.reason)
    if few and not finding.found:   # (the curves may still be an earlier run's: say what is missing plainly)
        return CheckResult(OPEN, f"the curves show {few[1]} epochs, too few to tell ({few[2]} needed): train as this "
                                 "step says")
    if negate and "no validation" in finding.reason:   # nothing to read is not "it does not overfit"
        return CheckResult(OPEN, finding.reason)
    ok = finding.found != negate
    return CheckResult(DONE if ok else OPEN, finding.reason)


# ------------------------------------------------------------------------------------------------- runs
RUN_COMPARISONS = ("lr-oscillates-vs-crawls", "fix-beats-overfit", "count")


def _lr(run) -> float:
    return float((run.get("training") or {}).get("learning_rate", float("nan")))


def _final(run, key):
    values = [v for v in (run.get("history") or {}).get(key, []) if v is not None and math.isfinite(v)]
    return values[-1] if values else None


def _runs(state: AppState, comparison, *rest) -> CheckResult:
    if state.runs is None:
        return CheckResult(UNAVAILABLE, "comparing runs needs the Runs panel, which is not in this build")
    runs = list(state.runs)
    if comparison == "count":
        return _compare("the number of runs", len(runs), rest[0], float(rest[1]))
    if comparison == "lr-oscillates-vs-crawls":
        wild = [r for r in runs if patterns.oscillates((r.get("history") or {}).get("loss"),
                                                       guess=guess_loss(r.get("training"), state.num_classes))]
        slow = [r for r in runs if patterns.crawls((r.get("history") or {}).get("loss"))]
        for w in wild:
            for s in slow:
                if _lr(w) > _lr(s):
                    return CheckResult(DONE, f"learning rate {_lr(w):g} oscillates, {_lr(s):g} crawls")
        return CheckResult(OPEN, f"{len(wild)} run(s) oscillate, {len(slow)} crawl: train one with a large and "
                                 "one with a small learning rate")
    if comparison == "fix-beats-overfit":
        for i, bad in enumerate(runs):
            h = bad.get("history") or {}
            if not patterns.overfits(h.get("loss"), h.get("val_loss")):
                continue
            for good in runs[i + 1:]:
                g = good.get("history") or {}
                a, b = _final(good, "val_loss"), _final(bad, "val_loss")
                if (a is not None and b is not None and a < b
                        and not patterns.overfits(g.get("loss"), g.get("val_loss"))):
                    return CheckResult(DONE, f"validation loss {a:.3g} instead of {b:.3g}, and it no longer turns up")
        return CheckResult(OPEN, "no run yet that overfits followed by one that does not and ends lower")
    raise ValueError(comparison)


# ---------------------------------------------------------------------------------------------- stepper
STEPPER_QUANTITIES = ("z", "a", "delta", "grad", "weight", "cost", "any")   # "any" last


#: each quantity's name, one and several
_QUANTITY_NAMES = {"z": ("weighted sum z", "weighted sums z"), "a": ("activation a", "activations a"),
                   "delta": ("error δ", "errors δ"), "grad": ("gradient ∂C/∂w", "gradients ∂C/∂w"),
                   "weight": ("updated weight", "updated weights"), "cost": ("cost C_0", "costs C_0"),
                   "any": ("value", "values")}


def _stepper(state: AppState, quantity, count=1) -> CheckResult:
    if state.stepper_answers is None:
        return CheckResult(UNAVAILABLE, "predict-then-reveal in the stepper is not in this build")
    tried = [a for a in state.stepper_answers if quantity in ("any", a.get("quantity"))]
    right = [a for a in tried if a.get("correct")]
    n = int(count)
    one, several = _QUANTITY_NAMES.get(quantity, (quantity, quantity))
    if len(right) >= n:
        return CheckResult(DONE, f"{len(right)} {one if len(right) == 1 else several} predicted right")
    missed = len(tried) - len(right)
    return CheckResult(OPEN, f"{len(right)} of {n} {one if n == 1 else several} predicted right so far"
                             + (f" ({missed} not quite: the stepper shows how it is computed; step on in the stepper "
                                f"(→) to the next one and try again)" if missed else ""))


# ------------------------------------------------------------------------------------- view, selection
def _view(state: AppState, name) -> CheckResult:
    ok = name in state.open_views
    title = state.view_titles.get(name, name)
    return CheckResult(DONE if ok else OPEN, f"{title} is open" if ok else
                       f"{title} is not open: open it from the View menu (or click its tab)")


def _selected(state: AppState, index) -> CheckResult:
    ok = int(index) in state.selected_layers
    return CheckResult(DONE if ok else OPEN, f"layer {index} is {'selected' if ok else 'not selected'}")


# ------------------------------------------------------------------------------------------ the registry
def _v_pattern(args):
    words = list(args)
    if words and words[0] == "not":
        words = words[1:]
    if len(words) != 1 or words[0] not in patterns.DETECTORS:
        raise ValueError("check pattern takes [not] and one of " + ", ".join(patterns.DETECTORS))
    return list(args)


def _v_runs(args):
    if not args or args[0] not in RUN_COMPARISONS:
        raise ValueError("check runs takes one of " + ", ".join(RUN_COMPARISONS))
    if args[0] == "count":
        if len(args) != 3 or args[1] not in OPS:
            raise ValueError("check runs count takes OP N, e.g. 'runs count >= 2'")
        float(args[2])
    elif len(args) != 1:
        raise ValueError(f"check runs {args[0]} takes no more arguments")
    return list(args)


def _v_stepper(args):
    if not 1 <= len(args) <= 2 or args[0] not in STEPPER_QUANTITIES:
        raise ValueError("check stepper takes a quantity (" + ", ".join(STEPPER_QUANTITIES) + ") and a count")
    if len(args) == 2 and not args[1].isdigit():
        raise ValueError(f"check stepper: the count {args[1]!r} is not a whole number")
    return list(args)


def _v_one(kind):
    def v(args):
        if len(args) != 1:
            raise ValueError(f"check {kind} takes one name")
        if kind == "selected" and not args[0].lstrip("-").isdigit():
            raise ValueError(f"check selected: {args[0]!r} is not a layer number")
        return list(args)
    return v


def _v_dataset(args):
    out = _op_value("dataset", args, ("name", "features", "param"))
    if args[0].startswith("param") and ":" not in args[0]:
        raise ValueError("check dataset param needs a name, e.g. param:noise")
    return out


KINDS = {
    "metric": (_metric, lambda a: _op_value("metric", a)),
    "architecture": (_architecture, lambda a: _op_value("architecture", a, ARCH_PROPS)),
    "training": (_training, lambda a: _op_value("training", a)),
    "dataset": (_dataset, _v_dataset),
    "pattern": (_pattern, _v_pattern),
    "runs": (_runs, _v_runs),
    "stepper": (_stepper, _v_stepper),
    "view": (_view, _v_one("view")),
    "selected": (_selected, _v_one("selected")),
}


def validate(kind: str, args) -> list:
    """The check's arguments, converted; ``ValueError`` saying what is wrong."""
    if kind not in KINDS:
        raise ValueError(f"unknown check {kind!r}; known: {', '.join(KINDS)}")
    return KINDS[kind][1](list(args))


def evaluate(check, state: AppState) -> CheckResult:
    """Evaluate a parsed ``Check`` (``kind`` and validated ``args``) against ``state``."""
    return KINDS[check.kind][0](state, *check.args)
