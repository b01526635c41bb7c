"""The backprop stepper's session, apart from its widgets (no Qt): what is being stepped and where.

A :class:`StepperSession` holds the model and data set, the chosen sample (from a split or typed in), the
granularity, the trace of the model on that sample and the position in it, and the worked-example mode
(with the user's setup kept in a :class:`SavedSetup` to go back to). The stepper widget shows it and
turns clicks into calls on it; everything here can be driven and tested without a screen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from nnviz.core.state import capture_state
from nnviz.core.trace.numeric import gradient_check, layer_check
from nnviz.core.trace import GRANULARITIES, WeightUpdate, backprop_trace
from nnviz.session.stepper_questions import (  # noqa: F401 - the stepper's questions, re-exported
    Answer, Question, close_enough, judge, parse_number, quantities_of, question_for, questions_for,
    revealed,
)

#: above this many unit steps the "unit" granularity is offered but not chosen by default
UNIT_STEP_DEFAULT_LIMIT = 600
#: above this many it is not offered at all (building and stepping them would take too long)
UNIT_STEP_LIMIT = 20000


@dataclass(frozen=True)
class AppliedUpdate:
    """What ``update_applied`` carries: the model after the step and the step's loss."""

    model: object
    loss: float                 # the loss of the sample before the step (what train_on_batch returns)
    weights: tuple              # aligned with model.get_weights(), after the step
    weight_keys: tuple
    x: np.ndarray
    y: np.ndarray
    #: the model's whole training state (``nnviz.core.state.ModelState``) before and after the step: one
    #: undo entry puts ``before`` back (weights, optimizer slots and count, random states)
    before: object = None
    after: object = None


@dataclass(frozen=True)
class SavedSetup:
    """The user's network and sample while the worked example is open ("Back to my network" restores it)."""

    model: object = None
    dataset: object = None
    feature_names: list | None = None
    class_names: list | None = None
    source: str = "train"
    index: int = 0
    x: np.ndarray | None = None
    y: np.ndarray | None = None


def _outputs_and_loss(model) -> tuple[int, str]:
    """(the model's number of outputs, its loss's name)."""
    out = int(model.output_shape[-1]) if len(model.output_shape) > 1 else 1
    return out, getattr(model.loss, "name", "")


def target_kind(model) -> tuple[str, int]:
    """("class", number of classes) when the loss takes a class, else ("vector", outputs)."""
    out, name = _outputs_and_loss(model)
    if name in ("sparse_categorical_crossentropy", "categorical_crossentropy") and out > 1:
        return "class", out
    if name == "binary_crossentropy" and out == 1:
        return "class", 2
    return "vector", out


def model_target(model, y) -> np.ndarray:
    """One sample's label as the model's loss takes it, batch axis first: a class index stays an index
    for sparse cross-entropy and becomes one-hot for losses on vectors; a vector is reshaped."""
    y = np.asarray(y)
    out, name = _outputs_and_loss(model)
    scalar = y.size == 1
    if name == "sparse_categorical_crossentropy":
        return np.asarray([int(np.ravel(y)[0]) if scalar else int(np.argmax(y))], dtype=np.int64)
    if scalar and out > 1 and np.issubdtype(y.dtype, np.integer):
        one_hot = np.zeros((1, out))
        one_hot[0, int(np.ravel(y)[0])] = 1.0
        return one_hot
    return np.asarray(y, dtype=np.float64).reshape(1, out)


def class_of(model, y) -> int:
    y = np.asarray(y)
    return int(np.argmax(y)) if y.size > 1 else int(round(float(np.ravel(y)[0])))


def unit_step_count(model, input_width: int | None) -> int:
    """How many steps a trace at unit granularity would have (Dense layers on vectors stepped unit by
    unit, the rest by layer)."""
    count = 1   # the loss
    width = input_width
    for layer in model.layers:
        out = layer.output_shape[1:] if layer.output_shape is not None else ()
        if layer.layer_type == "Dense" and width is not None:
            units = int(out[-1])
            n_params = sum(int(np.prod(layer.params[k].shape)) for k in layer.trainable_names)
            count += 2 * units + 1 + n_params
        else:
            count += 3
        width = int(out[0]) if len(out) == 1 else None
    return count


def _names(values) -> list | None:
    return list(values) if values else None


class StepperSession:
    """The model stepped through, its sample, its trace and the position in it (see the module docstring).

    ``mode`` is ``"model"`` (a network of the user's) or ``"example"`` (the bundled worked example); the
    sample's ``source`` is ``"train"``/``"test"`` (sample ``sample_index`` of that split), ``"typed"`` or
    ``"example"``."""

    def __init__(self):
        self.model = None
        self.dataset = None
        self.feature_names: list | None = None
        self.class_names: list | None = None
        self.x: np.ndarray | None = None
        self.y: np.ndarray | None = None
        self.source = "typed"
        self.sample_index = 0
        self.granularity = "unit"
        self.granularity_chosen = False     # the user picked one: no longer chosen by the network's size
        self.unit_allowed = True            # the "unit" granularity is offered for this network
        self.unit_count = 0                 # the steps it would have
        self.trace = None
        self.index = 0
        self.mode = "model"
        self.example = None
        self.saved: SavedSetup | None = None
        self.applied_count = 0
        self.predict = False                # predict-then-reveal: hide each step's quantities until answered
        self.answers: dict[int, list[Answer]] = {}   # step index -> the verdicts on its questions, in order
        #: every judged prediction, oldest first, kept across new traces (what lessons check):
        #: ``{"quantity", "correct", "symbol", "guess", "value", "step"}``
        self.answer_log: list[dict] = []

    # ------------------------------------------------------------------ predict, then reveal
    def questions(self, sample: int = 0) -> tuple[Question, ...]:
        """Everything the current step asks, in order (``stepper_questions.questions_for``)."""
        return questions_for(self.current_step, sample)

    def verdicts(self) -> list[Answer]:
        """The verdicts on the current step's questions so far."""
        return list(self.answers.get(self.index, ()))

    def question(self, sample: int = 0) -> Question | None:
        """The current step's question being asked: the first one not answered yet (the last one once all are);
        None when the step asks nothing."""
        qs = self.questions(sample)
        if not qs:
            return None
        return qs[min(len(self.answers.get(self.index, ())), len(qs) - 1)]

    @property
    def hidden(self) -> bool:
        """In predict mode, the current step's numbers are not shown until each of its questions was answered."""
        if not self.predict:
            return False
        qs = self.questions()
        return bool(qs) and len(self.answers.get(self.index, ())) < len(qs)

    def answer(self, text, sample: int = 0) -> Answer | None:
        """Check a typed prediction of the question being asked (None: nothing to predict). A number is judged,
        kept and logged, and the step's next question (if any) is asked; text that is no number is not judged."""
        qs = self.questions(sample)
        done = self.answers.get(self.index, [])
        if not qs or len(done) >= len(qs):
            return None
        verdict = judge(qs[len(done)], text)
        if verdict.guess is None:
            return verdict
        self.answers[self.index] = [*done, verdict]
        self.answer_log.append(verdict.record(self.index))
        return verdict

    def reveal(self) -> None:
        """Show the current step's remaining quantities without a prediction (nothing is logged as answered)."""
        qs = self.questions()
        done = self.answers.get(self.index, [])
        if len(done) < len(qs):
            self.answers[self.index] = [*done, *(revealed(q) for q in qs[len(done):])]

    def ask(self, quantity: str) -> int | None:
        """Get a step ready to ask for ``quantity`` (what a lesson's "predict" does): the current step when it is
        asking for it, else the next step (wrapping round) that has not asked for it yet — or, when every one has,
        the first that asks for it, its verdicts forgotten. The step's questions before ``quantity`` are revealed,
        so it is the one asked. Returns that step's index (the position does not move), None when no step asks."""
        current = self.question()
        if self.predict and self.hidden and current is not None and current.quantity == quantity:
            return self.index
        n = self.step_count
        asking = [i for i in ((self.index + d) % n for d in range(1, n + 1)) if quantity in quantities_of(self.trace[i])]
        if not asking:
            return None
        fresh = [i for i in asking if len(self.answers.get(i, ())) <= quantities_of(self.trace[i]).index(quantity)]
        at = fresh[0] if fresh else asking[0]
        if not fresh:
            self.answers.pop(at, None)
        position = quantities_of(self.trace[at]).index(quantity)
        done = self.answers.get(at, [])
        if len(done) < position:
            self.answers[at] = [*done, *(revealed(q) for q in questions_for(self.trace[at])[len(done):position])]
        return at

    # ------------------------------------------------------------------ the numeric check
    def numeric_check(self):
        """The numeric check of the current step's weight (a weight-update step): a central finite
        difference of C in float64 beside backprop's ∂C/∂w (``nnviz.core.trace.numeric``); None elsewhere."""
        step = self.current_step
        if not isinstance(step, WeightUpdate) or self.model is None:
            return None
        return gradient_check(self.model, self.trace.x, self.trace.y, f"{step.layer_name}/{step.param}", step.index)

    def layer_numeric_check(self, layer_index: int | None = None) -> list:
        """The numeric check of every weight of a layer (the current step's when None), on demand."""
        l = self.current_step.layer_index if layer_index is None and self.current_step is not None else layer_index
        if l is None or self.model is None or not self.model.layers[l - 1].trainable_names:
            return []
        return layer_check(self.model, self.trace.x, self.trace.y, l)

    # ------------------------------------------------------------------ position
    @property
    def current_step(self):
        if self.trace is None or not len(self.trace):
            return None
        return self.trace[self.index]

    @property
    def step_count(self) -> int:
        return 0 if self.trace is None else len(self.trace)

    @property
    def at_end(self) -> bool:
        return self.trace is not None and self.index == len(self.trace) - 1

    def clamp(self, index: int) -> int:
        return max(0, min(int(index), self.step_count - 1))

    def phase_start(self, phase: str) -> int | None:
        """The first step of ``phase``, or None when the trace has none."""
        if self.trace is None:
            return None
        try:
            return self.trace.phase_start(phase)
        except ValueError:
            return None

    def map_step(self, old) -> int:
        """The step of the current trace that covers (or starts) what step ``old`` showed."""
        if old is None or self.trace is None:
            return 0
        steps = self.trace.steps
        for i, s in enumerate(steps):
            if s is old:
                return i
        for i, s in enumerate(steps):
            if s.phase == old.phase and (s.layer_index == old.layer_index or s.layer_index is None
                                         or old.layer_index is None):
                if old.unit is None or s.unit is None or s.unit == old.unit:
                    return i
        start = self.phase_start(old.phase)
        return 0 if start is None else start

    # ------------------------------------------------------------------ model and sample
    def set_model(self, model, dataset=None, feature_names=None, class_names=None) -> None:
        """Step through ``model`` on a sample of ``dataset`` (the same source as before when the data set
        is the same, else its first one); leaves the worked example."""
        new_data = dataset is not self.dataset or self.model is None
        self.model, self.dataset = model, dataset
        if self.mode == "example":
            self.leave_example()
            self.saved = None
        self.feature_names = _names(feature_names if feature_names is not None
                                    else getattr(dataset, "feature_names", None))
        self.class_names = _names(class_names if class_names is not None else getattr(dataset, "class_names", None))
        sources = self.sources()
        src = self.source if self.source in sources and not new_data else sources[0]
        self.choose_sample(src, self.sample_index)

    def set_sample(self, x, y) -> None:
        """Use the sample ``x`` (one sample, with or without the batch axis) with label ``y``."""
        if self.model is None:
            raise ValueError("set a model first")
        self.x = np.asarray(x, dtype=np.float64).reshape((1,) + tuple(self.model.input_shape[1:]))
        self.y = model_target(self.model, y)
        self.source = "typed" if self.mode == "model" else "example"

    def sources(self) -> list[str]:
        """Where a sample can come from: the data set's splits (when it fits the model), typing one in."""
        if self.mode == "example":
            return ["example", "typed"]
        out = []
        ds = self.dataset
        if ds is not None and self.model is not None and tuple(ds.input_shape) == tuple(self.model.input_shape[1:]):
            if len(ds.x_train):
                out.append("train")
            if len(ds.x_test):
                out.append("test")
        out.append("typed")
        return out

    def split(self, source):
        """``(x, y)`` of the ``"train"`` or ``"test"`` split, or None."""
        ds = self.dataset
        if ds is None or source not in ("train", "test"):
            return None
        return (ds.x_train, ds.y_train) if source == "train" else (ds.x_test, ds.y_test)

    def choose_sample(self, source: str, index: int) -> None:
        """Sample ``index`` of a split; for another source, keep the typed-in sample (zeros when none fits)."""
        split = self.split(source)
        if split is not None and len(split[0]) and self.model is not None:
            index = max(0, min(int(index), len(split[0]) - 1))
            self.source, self.sample_index = source, index
            self.x = np.asarray(split[0][index:index + 1])
            self.y = model_target(self.model, split[1][index])
            return
        self.source = "typed" if self.mode == "model" else source
        if self.model is not None and (self.x is None or self.x.shape[1:] != tuple(self.model.input_shape[1:])):
            self.x = np.zeros((1,) + tuple(self.model.input_shape[1:]))
        if self.model is not None and self.y is None:
            kind, n = target_kind(self.model)
            self.y = model_target(self.model, 0 if kind == "class" else np.zeros(n))

    def use_example_sample(self) -> None:
        """Back to the worked example's own sample."""
        self.x = np.asarray(self.example.x, dtype=np.float64).reshape(self.x.shape)
        self.y = model_target(self.model, self.example.y[0])
        self.source = "example"

    def set_granularity(self, granularity: str) -> None:
        if granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}")
        old = self.current_step
        self.granularity = granularity
        if self.trace is not None:
            self.trace = self.trace.with_granularity(granularity)
            self.index = self.map_step(old)

    def _choose_granularity(self) -> None:
        """Offer "unit" up to UNIT_STEP_LIMIT steps, and take it by default up to UNIT_STEP_DEFAULT_LIMIT."""
        width = int(self.x.shape[1]) if self.x is not None and self.x.ndim == 2 else None
        self.unit_count = unit_step_count(self.model, width)
        self.unit_allowed = self.unit_count <= UNIT_STEP_LIMIT
        if not self.unit_allowed and self.granularity == "unit":
            self.granularity = "layer"
        if self.trace is None and self.granularity == "unit" and self.unit_count > UNIT_STEP_DEFAULT_LIMIT \
                and not self.granularity_chosen:
            self.granularity = "layer"

    # ------------------------------------------------------------------ the trace
    def rebuild(self, keep_index: bool = True) -> str:
        """Trace the model on the sample again (new numbers, the same position when ``keep_index``);
        returns what to say instead of steps, "" when there are steps."""
        old_index = self.index if keep_index else 0
        self.trace = None
        self.answers = {}
        message = ""
        if self.model is None:
            message = "No network to step through."
        elif self.x is None or self.y is None:
            message = "Choose a sample: no data set is loaded, so type the inputs and the target in above."
        else:
            try:
                self._choose_granularity()
                self.trace = backprop_trace(self.model, self.x, self.y, self.granularity)
            except (ValueError, TypeError, IndexError, RuntimeError) as exc:
                message = f"These steps cannot be computed: {exc}"
            except Exception as exc:   # noqa: BLE001 - a GUI boundary: say what went wrong, keep running
                message = f"These steps cannot be computed ({type(exc).__name__}: {exc})"
        self.index = 0 if self.trace is None else self.clamp(old_index)
        return message

    def is_stale(self) -> bool:
        """The trace is not of the model as it is now (another model, or its weights changed)."""
        if self.trace is None or self.trace.model is not self.model:
            return True
        old = self.trace.old_weights
        now = self.model.get_weights()
        return len(old) != len(now) or any(a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(old, now))

    def apply(self) -> AppliedUpdate:
        """Do the traced step on the model (exactly ``train_on_batch``); raises ``StaleTraceError`` when the
        model changed since the trace was made."""
        model = self.model
        before = capture_state(model)
        loss = self.trace.apply(model)
        self.applied_count += 1
        return AppliedUpdate(model=model, loss=float(loss), weights=tuple(w.copy() for w in model.get_weights()),
                             weight_keys=tuple(model.weight_keys()), x=self.x.copy(), y=self.y.copy(),
                             before=before, after=capture_state(model))

    # ------------------------------------------------------------------ the worked example
    def enter_example(self, example) -> None:
        """Step through ``example`` (a ``nnviz.core.worked_example`` result), keeping the user's setup."""
        if self.mode == "model":
            self.saved = SavedSetup(self.model, self.dataset, self.feature_names, self.class_names, self.source,
                                    self.sample_index, self.x, self.y)
        self.mode = "example"
        self.example = example
        self.model, self.dataset = example.model, None
        self.feature_names, self.class_names = None, None
        self.x = np.asarray(example.x, dtype=np.float64).reshape((1,) + tuple(example.model.input_shape[1:]))
        self.y = model_target(example.model, example.y[0])
        self.source = "example"

    def leave_example(self) -> None:
        self.mode = "model"
        self.example = None

    @property
    def can_go_back(self) -> bool:
        """In the worked example with a network of the user's to go back to."""
        return self.saved is not None and self.saved.model is not None

    def restore(self) -> bool:
        """Leave the worked example for the saved setup; False when there is no network to go back to."""
        saved = self.saved
        self.leave_example()
        if saved is None or saved.model is None:
            self.model, self.trace = None, None
            return False
        self.saved = None
        self.model, self.dataset = saved.model, saved.dataset
        self.feature_names, self.class_names = saved.feature_names, saved.class_names
        self.x, self.y, self.source, self.sample_index = saved.x, saved.y, saved.source, saved.index
        return True

    def remember_user_model(self, model, dataset) -> None:
        """In the worked example: the user's network changed; take it when going back."""
        s = self.saved
        if s is None:
            self.saved = SavedSetup(model, dataset)
        elif s.model is not model or s.dataset is not dataset:
            self.saved = replace(s, model=model, dataset=dataset,
                                 feature_names=_names(getattr(dataset, "feature_names", None)),
                                 class_names=_names(getattr(dataset, "class_names", None)), x=None, y=None,
                                 source="train" if s.source == "typed" else s.source)
