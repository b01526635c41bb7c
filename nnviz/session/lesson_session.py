"""A student's way through the lessons, without Qt: which lesson, which step, what is done, and the live check.

The panel (``nnviz.ui.lessons_panel``) shows a :class:`LessonSession`; the session reads the app only through an
:class:`nnviz.core.lessons.AppState` built by :func:`app_state` (from the document and whatever else the app
has), so every lesson can be played headless in tests with hand-made states.

Progress is a plain dict (``{lesson id: {"step": i, "done": [step indices]}}``) the panel keeps in QSettings as
JSON, so it is remembered per user.
"""

from __future__ import annotations

import json
import math
from contextlib import contextmanager

from nnviz.core.lessons import DONE, AppState, CheckResult, Lesson, evaluate


class LessonSession:
    def __init__(self, lessons: list[Lesson], progress: dict | None = None):
        self.lessons = list(lessons)
        self.progress: dict = {}
        for key, value in (progress or {}).items():
            if isinstance(value, dict):
                self.progress[str(key)] = {"step": int(value.get("step", 0) or 0),
                                           "done": sorted({int(i) for i in value.get("done", [])})}
        self.lesson: Lesson | None = None
        self.index = 0
        self.last_result: CheckResult | None = None

    # ------------------------------------------------------------------ lessons
    def find(self, lesson_id: str) -> Lesson | None:
        return next((l for l in self.lessons if l.id == lesson_id), None)

    def start(self, lesson_id: str) -> Lesson:
        """Open a lesson at the step the student left it (the first step the first time)."""
        lesson = self.find(lesson_id)
        if lesson is None:
            raise KeyError(lesson_id)
        self.lesson = lesson
        self.index = min(self._entry(lesson_id)["step"], len(lesson.steps) - 1)
        self.last_result = None
        return lesson

    def _entry(self, lesson_id: str) -> dict:
        return self.progress.setdefault(lesson_id, {"step": 0, "done": []})

    @property
    def step(self):
        return self.lesson.steps[self.index] if self.lesson else None

    def go(self, index: int) -> None:
        if self.lesson is None:
            return
        self.index = max(0, min(int(index), len(self.lesson.steps) - 1))
        self._entry(self.lesson.id)["step"] = self.index
        self.last_result = None

    def next(self) -> bool:
        """On to the next step; a step without a check counts as done once the student moves past it."""
        if self.lesson is None:
            return False
        if self.step.check is None:
            self.mark_done(self.index)
        if self.index + 1 >= len(self.lesson.steps):
            return False
        self.go(self.index + 1)
        return True

    def back(self) -> bool:
        if self.lesson is None or self.index == 0:
            return False
        self.go(self.index - 1)
        return True

    # ------------------------------------------------------------------ progress
    def mark_done(self, index: int) -> None:
        entry = self._entry(self.lesson.id)
        if index not in entry["done"]:
            entry["done"] = sorted([*entry["done"], index])

    def is_done(self, index: int, lesson_id: str | None = None) -> bool:
        lid = lesson_id or (self.lesson.id if self.lesson else "")
        return index in self.progress.get(lid, {}).get("done", [])

    def fraction(self, lesson_id: str) -> float:
        lesson = self.find(lesson_id)
        if lesson is None or not lesson.steps:
            return 0.0
        done = [i for i in self.progress.get(lesson_id, {}).get("done", []) if i < len(lesson.steps)]
        return len(done) / len(lesson.steps)

    def reset(self, lesson_id: str) -> None:
        self.progress.pop(lesson_id, None)
        if self.lesson is not None and self.lesson.id == lesson_id:
            self.index = 0

    def to_json(self) -> str:
        return json.dumps(self.progress, sort_keys=True)

    @staticmethod
    def progress_from_json(text) -> dict:
        try:
            data = json.loads(text or "{}")
        except (TypeError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    # ------------------------------------------------------------------ the live check
    def evaluate(self, state: AppState) -> CheckResult | None:
        """The current step's check against ``state`` (None when the step has none); a passing check marks the
        step done, and a done step stays done (the student may go on experimenting)."""
        step = self.step
        if step is None or step.check is None:
            self.last_result = None
            return None
        result = evaluate(step.check, state)
        if result.status == DONE:
            self.mark_done(self.index)
        self.last_result = result
        return result


def app_state(document=None, *, runs=None, stepper_answers=None, classroom=None, open_views=(),
              selected_layers=()) -> AppState:
    """An :class:`AppState` from a ``ProjectDocument`` (or any object with its properties) and the extras the app
    provides; ``None`` extras mean the feature is not in this build. The runs compared are the document's run
    records (what the Runs panel shows) unless ``runs`` are given; ``stepper_answers`` are the stepper session's
    ``answer_log`` (or the part of it a lesson counts)."""
    if runs is None and hasattr(document, "runs"):   # the Runs panel's history (issue 16)
        runs = lesson_runs(document.runs)
    if document is None:
        return AppState(runs=runs, stepper_answers=stepper_answers, classroom=classroom,
                        open_views=frozenset(open_views), selected_layers=tuple(selected_layers))
    model = document.model
    try:
        params = int(model.count_params()) if model is not None else None
    except Exception:   # noqa: BLE001 - an unbuilt model has no count
        params = None
    dataset = getattr(document, "dataset", None)
    num_classes = getattr(dataset, "num_classes", None) if dataset is not None else None
    history = {k: [float(v) if v is not None else math.nan for v in vals] for k, vals in
               (document.history or {}).items()}
    return AppState(layers=tuple(document.layer_configs()), params=params,
                    input_shape=tuple(document.input_shape or ()), history=history,
                    training=document.training_config.to_dict(), dataset=document.dataset_spec,
                    num_classes=num_classes, runs=runs, stepper_answers=stepper_answers, classroom=classroom,
                    open_views=frozenset(open_views), selected_layers=tuple(selected_layers))


def _value(text: str):
    """A lesson's option value as the document takes it: int, float, bool, None, a list (commas) or text."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _options(pairs) -> dict:
    return {k: _value(v) for k, _, v in (p.partition("=") for p in pairs)}


def apply_document_action(document, action, examples_dir: str | None = None, read_data=None) -> bool:
    """Carry out ``action`` on a ``ProjectDocument`` when it is a document action (open_example, set, dataset,
    layer, add_layer); False for the actions the window does (open, select, train, reset). ``ValueError`` says
    why an action cannot be done (the lesson is then out of step with the app).

    ``read_data(spec, name)`` reads a data set before the document takes it — the window's reader of a big CSV
    file, in a thread under a progress dialog (:meth:`~nnviz.ui.window_files.ProjectFilesMixin.read_big_dataset`),
    so a lesson's project or data set on a big file does not freeze the window; it returns None (read, or nothing
    to read), ``"cancelled"`` or why the data cannot be read. Without it the document reads the data itself."""
    import os
    from dataclasses import replace

    name, args = action.name, action.args
    if name == "open_example":
        from nnviz.io.examples import EXAMPLES_DIR
        from nnviz.io.project import load_project
        path = os.path.join(examples_dir or EXAMPLES_DIR, args[0] + ".nnviz")
        project = load_project(path)
        with _data_read_first(read_data, project.dataset, os.path.basename(path), document):
            document.load_project(project, path="")
        return True
    if name == "set":
        document.set_training_config(replace(document.training_config, **{args[0]: args[1]}))
        return True
    if name == "dataset":
        from nnviz.core.data import catalog
        params = catalog.get_spec(args[0]).defaults()
        for key, value in _options(args[1:]).items():
            spec = catalog.get_spec(args[0]).param(key)
            params[key] = value.split(",") if spec.type == "multichoice" and isinstance(value, str) else value
        spec = {"name": args[0], "params": params}
        with _data_read_first(read_data, spec, "the lesson's data set", document):
            document.set_dataset(spec)
        return True
    if name == "layer":
        index, key, value = args
        document.set_layer_option(index - 1, key, _value(value))
        return True
    if name == "add_layer":
        from nnviz.session.document import layer_entry
        document.add_layer(args[0] - 1, layer_entry(args[1], **_options(args[2:])))
        return True
    return False


@contextmanager
def _data_read_first(read_data, spec, name: str, document):
    """Run the block after ``read_data(spec, name)`` read the data set (a ``ValueError`` when it was cancelled or
    cannot be read: the document is then unchanged); what was read and not taken is dropped afterwards."""
    if read_data is None or spec == document.dataset_spec:
        yield
        return
    outcome = read_data(spec, name)
    try:
        if outcome == "cancelled":
            raise ValueError(f"reading {name} was cancelled")
        if outcome is not None:
            raise ValueError(f"{name} cannot be read: {outcome}")
        yield
    finally:
        from nnviz.io import csv_fast
        csv_fast.forget_loaded()   # read for this action: taken by the document now, or never


def lesson_runs(records) -> list[dict]:
    """The Runs panel's run records (``document.runs``, :class:`nnviz.core.runs.RunRecord`) as lessons compare them,
    oldest first: ``{"training", "history", "layers", "label"}`` with each run's own epochs (those after the epoch
    it started from)."""
    out = []
    for r in records or ():
        config = r.config or {}
        start = int(r.start_epoch or 0)
        out.append({"training": dict(config.get("training") or {}),
                    "history": {k: list(v[start:]) for k, v in (r.history or {}).items()},
                    "layers": list((config.get("architecture") or {}).get("layers", [])), "label": r.label})
    return out


#: a lesson's classroom verbs as classroom states
CLASSROOM_STATES = {"hide": "hidden", "lock": "locked", "show": "shown", "unlock": "shown"}


def lesson_classroom(base, items, aliases=None):
    """``base`` (a :class:`nnviz.io.classroom.ClassroomSettings`) with a lesson's ``classroom:`` items applied, in
    the student view when something is hidden or locked; returns ``(settings, unknown names)``. A name is a
    classroom control key (``learning_rate``) or, through ``aliases``, the object name of one of its widgets
    (``learningRateSpin``)."""
    from nnviz.io.classroom import CONTROLS
    aliases = aliases or {}
    states, unknown = {}, []
    for verb, name in items:
        key = name if name in CONTROLS else aliases.get(name)
        if key is None:
            unknown.append(name)
        else:
            states[key] = CLASSROOM_STATES[verb]
    if not states:
        return base, unknown
    out = base.with_controls(states)
    return (out.with_student_view(True) if out.restricted else out), unknown
