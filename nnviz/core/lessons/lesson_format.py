"""The ``.lesson`` file format: parsing and validation with line numbers (stdlib only).

A lesson is a plain UTF-8 text file a teacher can write in any editor (the full description with an example is
``docs/lessons.md``)::

    # a comment
    title: Training and the learning rate
    order: 3
    summary: Too large a learning rate oscillates, too small a one crawls.

    == Open the XOR example
    Text of the step. Formulas go between dollar signs: $w \\leftarrow w - \\eta \\, \\partial C/\\partial w$.
    do: open_example xor
    highlight: learningRateSpin
    check: pattern oscillates
    hint: Set the learning rate to 3 and press Train.
    show: set learning_rate 3

Header lines (``key: value``) come before the first step; each step starts with ``== Title``. Inside a step a
line starting with ``do:``, ``show:``, ``highlight:``, ``check:``, ``hint:`` or ``classroom:`` is a directive;
every other line is text (an empty line starts a new paragraph). Every mistake raises :class:`LessonError`
naming the file and the line.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field

from nnviz.core.lessons import checks as _checks

HEADER_KEYS = ("title", "id", "order", "summary", "classroom", "requires")
STEP_KEYS = ("do", "show", "highlight", "check", "hint", "classroom")

#: the training settings ``set`` may change, with the type of their value
TRAINING_KEYS = {"learning_rate": float, "optimizer": str, "batch_size": int, "epochs": int,
                 "validation_split": float, "regularization": str, "regularization_rate": float,
                 "momentum": float, "loss": str, "seed": int}

#: action name -> (minimum, maximum number of arguments (None: any), what it does)
ACTIONS = {
    "open_example": (1, 1, "open the bundled example NAME (resources/examples/NAME.nnviz)"),
    "set": (2, 2, "set the training setting KEY to VALUE (" + ", ".join(TRAINING_KEYS) + ")"),
    "dataset": (1, None, "switch to data set NAME with optional key=value parameters"),
    "layer": (3, 3, "set option KEY of layer INDEX (1 = the first layer after the input) to VALUE"),
    "add_layer": (2, None, "insert a layer CLASS with key=value options at INDEX (1 = after the input)"),
    "open": (1, 1, "open a view: stepper, or a dock by its object name"),
    "select": (1, 1, "select layer INDEX in the diagram"),
    "predict": (1, 1, "open the stepper with Predict first on, at the next step that asks QUANTITY ("
                      + ", ".join(q for q in _checks.STEPPER_QUANTITIES if q != "any") + ")"),
    "compare": (0, 1, "tick the last N runs (2 when not given) in the Runs panel: their curves are drawn over the "
                      "training curves"),
    "train": (0, 0, "start (or pause) training"),
    "reset": (0, 0, "reset the weights to new random values"),
}

CLASSROOM_VERBS = ("hide", "show", "lock", "unlock")


class LessonError(ValueError):
    """A mistake in a lesson file; ``line`` is 1-based (0: the file as a whole)."""

    def __init__(self, source: str, line: int, message: str):
        self.source, self.line, self.message = source, line, message
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Action:
    """``name`` with its converted ``args``, and the line it was written on."""

    name: str
    args: tuple
    line: int = 0

    def __str__(self) -> str:
        return " ".join((self.name, *map(str, self.args)))


@dataclass(frozen=True)
class Check(Action):
    """A step's check: ``kind`` (the action's name) with its validated ``args``."""

    @property
    def kind(self) -> str:
        return self.name


@dataclass
class Step:
    title: str
    text: str = ""
    actions: list[Action] = field(default_factory=list)
    show_me: list[Action] = field(default_factory=list)
    highlight: str = ""
    check: Check | None = None
    hint: str = ""
    classroom: list[tuple[str, str]] = field(default_factory=list)
    line: int = 0


@dataclass
class Lesson:
    id: str
    title: str
    steps: list[Step]
    summary: str = ""
    order: int = 1000
    classroom: list[tuple[str, str]] = field(default_factory=list)
    source: str = ""
    #: what the lesson needs beyond this build's core: ``example:NAME`` items (``requires:`` header)
    requires: tuple = ()

    def missing(self, known_examples) -> list[str]:
        """The required examples not in ``known_examples``: the lesson waits for a feature this build lacks."""
        return [r.split(":", 1)[1] for r in self.requires
                if r.startswith("example:") and r.split(":", 1)[1] not in set(known_examples)]

    def checks(self) -> list[Check]:
        return [s.check for s in self.steps if s.check is not None]


def _split(value: str, source: str, line: int) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError as exc:
        raise LessonError(source, line, f"cannot read the arguments ({exc})") from None


def _action(value: str, source: str, line: int, known_examples=None) -> Action:
    words = _split(value, source, line)
    if not words:
        raise LessonError(source, line, "an action needs a name: " + ", ".join(ACTIONS))
    name, args = words[0], words[1:]
    if name not in ACTIONS:
        raise LessonError(source, line, f"unknown action {name!r}; known: {', '.join(ACTIONS)}")
    lo, hi, what = ACTIONS[name]
    if len(args) < lo or (hi is not None and len(args) > hi):
        raise LessonError(source, line, f"{name} takes {lo if lo == hi else f'{lo} or more'} argument(s): {what}")
    if name == "set":
        key, raw = args
        if key not in TRAINING_KEYS:
            raise LessonError(source, line, f"set: unknown training setting {key!r}; known: {', '.join(TRAINING_KEYS)}")
        try:
            args = [key, TRAINING_KEYS[key](raw)]
        except ValueError:
            raise LessonError(source, line, f"set {key}: {raw!r} is not a {TRAINING_KEYS[key].__name__}") from None
    elif name in ("layer", "select", "add_layer"):
        try:
            args = [int(args[0]), *args[1:]]
        except ValueError:
            raise LessonError(source, line, f"{name}: the layer index {args[0]!r} is not a whole number") from None
    if name in ("dataset", "add_layer"):
        for a in args[1 if name == "dataset" else 2:]:
            if "=" not in a:
                raise LessonError(source, line, f"dataset: parameter {a!r} is not key=value")
    elif name == "compare" and args and not (args[0].isdigit() and int(args[0]) >= 1):
        raise LessonError(source, line, f"compare: {args[0]!r} is not a number of runs")
    elif name == "predict" and args[0] not in _checks.STEPPER_QUANTITIES[:-1]:
        raise LessonError(source, line, f"predict: unknown quantity {args[0]!r}; known: "
                          + ", ".join(_checks.STEPPER_QUANTITIES[:-1]))
    elif name == "open_example" and known_examples is not None and args[0] not in known_examples:
        raise LessonError(source, line, f"open_example: there is no example {args[0]!r}")
    return Action(name, tuple(args), line)


def _classroom(value: str, source: str, line: int) -> tuple[str, str]:
    words = value.split()
    if len(words) != 2 or words[0] not in CLASSROOM_VERBS:
        raise LessonError(source, line, "classroom takes a verb (" + ", ".join(CLASSROOM_VERBS)
                          + ") and a control's name, e.g. 'classroom: hide regularizationCombo'")
    return words[0], words[1]


def parse_lesson(text: str, source: str = "<lesson>", known_examples=None) -> Lesson:
    """The :class:`Lesson` in ``text``; raises :class:`LessonError` at the first mistake, naming its line.

    ``known_examples`` (a set of example names), when given, is checked against ``open_example``."""
    header: dict[str, str] = {}
    classroom: list[tuple[str, str]] = []
    steps: list[Step] = []
    paragraphs: list[list[str]] = []
    seen_directive: set[str] = set()

    def finish():
        if steps:
            steps[-1].text = "\n\n".join(" ".join(p) for p in paragraphs if p)

    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        if stripped.startswith("=="):
            finish()
            title = stripped[2:].strip()
            if not title:
                raise LessonError(source, n, "a step needs a title after '=='")
            steps.append(Step(title=title, line=n))
            paragraphs, seen_directive = [[]], set()
            continue
        if not steps:
            if not stripped:
                continue
            key, sep, value = stripped.partition(":")
            key, value = key.strip().lower(), value.strip()
            if not sep or key not in HEADER_KEYS:
                raise LessonError(source, n, "before the first step ('== Title') only header lines go: "
                                  + ", ".join(f"'{k}: ...'" for k in HEADER_KEYS))
            if key == "classroom":
                classroom.append(_classroom(value, source, n))
                continue
            if key in header:
                raise LessonError(source, n, f"'{key}' is given twice")
            if key == "requires":
                items = value.split()
                bad = [i for i in items if not i.startswith("example:") or len(i) <= len("example:")]
                if bad:
                    raise LessonError(source, n, f"requires lists example:NAME items, not {bad[0]!r}")
                if known_examples is not None:
                    known_examples = set(known_examples) | {i.split(":", 1)[1] for i in items}
            if key == "order":
                try:
                    int(value)
                except ValueError:
                    raise LessonError(source, n, f"order must be a whole number, not {value!r}") from None
            header[key] = value
            continue
        step = steps[-1]
        key, sep, value = stripped.partition(":")
        key = key.strip().lower()
        if sep and key in STEP_KEYS and " " not in key:
            value = value.strip()
            if key == "do":
                step.actions.append(_action(value, source, n, known_examples))
            elif key == "show":
                step.show_me.append(_action(value, source, n, known_examples))
            elif key == "classroom":
                step.classroom.append(_classroom(value, source, n))
            elif key in seen_directive:
                raise LessonError(source, n, f"a step has one '{key}:'; this one has two")
            elif key == "check":
                words = _split(value, source, n)
                if not words:
                    raise LessonError(source, n, "check needs a kind: " + ", ".join(_checks.KINDS))
                try:
                    args = _checks.validate(words[0], words[1:])
                except ValueError as exc:
                    raise LessonError(source, n, str(exc)) from None
                step.check = Check(words[0], tuple(args), n)
            elif key == "highlight":
                if not value or len(value.split()) != 1:
                    raise LessonError(source, n, "highlight takes one control's object name, e.g. learningRateSpin")
                step.highlight = value
            elif key == "hint":
                step.hint = value
            seen_directive.add(key)
            continue
        if not stripped:
            paragraphs.append([])
        else:
            paragraphs[-1].append(stripped)
    finish()
    if "title" not in header:
        raise LessonError(source, 1, "the lesson needs a 'title: ...' line before its first step")
    if not steps:
        raise LessonError(source, 0, "the lesson has no steps ('== Title' lines)")
    for step in steps:
        if step.check is not None and not step.hint:
            raise LessonError(source, step.check.line, "a step with a check needs a 'hint:' for a student who is stuck")
        if not step.text and not step.actions:
            raise LessonError(source, step.line, f"step {step.title!r} has neither text nor actions")
    default_id = os.path.splitext(os.path.basename(source))[0]
    return Lesson(id=header.get("id", default_id), title=header["title"], steps=steps,
                  summary=header.get("summary", ""), order=int(header.get("order", 1000)),
                  classroom=classroom, source=source, requires=tuple(header.get("requires", "").split()))


def load_lesson(path: str, known_examples=None) -> Lesson:
    """Parse the lesson file at ``path`` (UTF-8)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(os.path.basename(path), 0, f"cannot read the file ({exc})") from None
    return parse_lesson(text, os.path.basename(path), known_examples)


def lesson_files(folder: str) -> list[str]:
    try:
        return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".lesson"))
    except OSError:
        return []


def load_lessons(folder: str, known_examples=None) -> tuple[list[Lesson], list[LessonError]]:
    """Every ``*.lesson`` in ``folder`` by ``order`` then title, and the errors of those that did not parse."""
    lessons, errors = [], []
    for path in lesson_files(folder):
        try:
            lessons.append(load_lesson(path, known_examples))
        except LessonError as exc:
            errors.append(exc)
    lessons.sort(key=lambda l: (l.order, l.title))
    return lessons, errors
