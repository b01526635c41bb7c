"""Classroom settings: which panels and controls a project shows, locks or hides (no Qt).

A teacher hands out a project that opens with only what the lesson needs, as TensorFlow Playground's "use it in
classroom" does. The settings live in the project's ``meta["classroom"]`` (so a ``.nnviz`` file carries them and
older versions of nnviz simply ignore them)::

    {"controls": {"noise": "hidden", "learning_rate": "locked"}, "student_view": true, "note": "Lesson 3"}

* ``controls``: control key (one of :data:`CONTROLS`) → ``"shown"`` | ``"locked"`` | ``"hidden"``; a control not
  listed is shown. *Locked* shows the value but cannot be changed; *hidden* takes the control (or the panel) away.
* ``student_view``: whether the restrictions apply. A file saved with it opens restricted; the teacher turns it off
  (View ▸ Student View) to see and edit everything.
* ``note``: a line for the teacher (shown in the Classroom dialog).

The API the lessons use::

    cs = ClassroomSettings.from_meta(project.meta)       # tolerant: unknown keys and states are dropped
    cs = cs.with_control("optimizer", "locked").with_student_view(True)
    cs.to_meta(project.meta)                              # (or document-side: the UI's set_classroom)

:class:`ClassroomSettings` is immutable (``with_*`` return new ones), compares by value and round-trips through
``to_dict`` / ``from_dict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

META_KEY = "classroom"
SHOWN, LOCKED, HIDDEN = "shown", "locked", "hidden"
STATES = (SHOWN, LOCKED, HIDDEN)

#: every control a classroom setting can restrict: key → what the Classroom dialog calls it. The UI maps each key
#: to its widgets (``nnviz.ui.classroom.CONTROL_WIDGETS``); a test keeps the two tables in step.
CONTROLS: dict[str, str] = {
    "dataset": "Data set choice",
    "noise": "Noise",
    "data_params": "Other data set parameters (points, spread, split…)",
    "features": "Input features",
    "data_panel": "Data panel (all of it)",
    "palette": "Layers palette and diagram editing",
    "inspector": "Inspector (editing layers)",
    "optimizer": "Optimizer and momentum",
    "learning_rate": "Learning rate",
    "loss": "Loss",
    "batch_size": "Batch size",
    "epochs": "Epochs",
    "validation_split": "Validation split",
    "regularization": "Regularization",
    "seed": "Seed",
    "stepper": "Backprop stepper",
    "exports": "Exports (File ▸ Export)",
    "training_views": "Weights, gradients and activations views",
}

#: what only makes sense as shown or hidden (a panel with nothing to lock, or a menu)
HIDE_ONLY = frozenset({"stepper", "exports", "training_views"})


@dataclass(frozen=True)
class ClassroomSettings:
    controls: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    student_view: bool = False
    note: str = ""

    def __post_init__(self):
        clean = {}
        for key, value in dict(self.controls).items():
            if key in CONTROLS and value in STATES and value != SHOWN:
                clean[key] = LOCKED if value == LOCKED and key not in HIDE_ONLY else HIDDEN
        object.__setattr__(self, "controls", MappingProxyType(dict(sorted(clean.items()))))
        object.__setattr__(self, "student_view", bool(self.student_view))
        object.__setattr__(self, "note", str(self.note or ""))

    # ------------------------------------------------------------------ reading
    def state(self, key: str) -> str:
        """``"shown"``, ``"locked"`` or ``"hidden"`` as set (whether or not the student view is on)."""
        if key not in CONTROLS:
            raise KeyError(f"unknown classroom control {key!r}; known: {', '.join(CONTROLS)}")
        return self.controls.get(key, SHOWN)

    def effective(self, key: str) -> str:
        """What the window shows now: the set state in the student view, else ``"shown"``."""
        return self.state(key) if self.student_view else SHOWN

    def is_hidden(self, key: str) -> bool:
        return self.effective(key) == HIDDEN

    def is_locked(self, key: str) -> bool:
        return self.effective(key) == LOCKED

    @property
    def restricted(self) -> bool:
        """Something is locked or hidden in the student view."""
        return bool(self.controls)

    # ------------------------------------------------------------------ changing (new settings)
    def with_control(self, key: str, state: str) -> "ClassroomSettings":
        if key not in CONTROLS:
            raise KeyError(f"unknown classroom control {key!r}; known: {', '.join(CONTROLS)}")
        if state not in STATES:
            raise ValueError(f"a classroom control is one of {', '.join(STATES)}, got {state!r}")
        controls = dict(self.controls)
        controls[key] = state
        return ClassroomSettings(controls, self.student_view, self.note)

    def with_controls(self, states: dict) -> "ClassroomSettings":
        out = self
        for key, state in states.items():
            out = out.with_control(key, state)
        return out

    def with_student_view(self, on: bool) -> "ClassroomSettings":
        return ClassroomSettings(self.controls, on, self.note)

    def with_note(self, note: str) -> "ClassroomSettings":
        return ClassroomSettings(self.controls, self.student_view, note)

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict:
        return {"controls": dict(self.controls), "student_view": self.student_view, "note": self.note}

    @classmethod
    def from_dict(cls, data) -> "ClassroomSettings":
        """Tolerant: a missing or damaged entry gives the defaults; unknown controls and states are dropped."""
        if not isinstance(data, dict):
            return cls()
        controls = data.get("controls")
        return cls(controls if isinstance(controls, dict) else {}, bool(data.get("student_view", False)),
                   str(data.get("note", "") or ""))

    @classmethod
    def from_meta(cls, meta) -> "ClassroomSettings":
        return cls.from_dict((meta or {}).get(META_KEY))

    def to_meta(self, meta: dict) -> dict:
        """Write into a project's ``meta`` (in place; removed when there is nothing to say); returns ``meta``."""
        if self == ClassroomSettings():
            meta.pop(META_KEY, None)
        else:
            meta[META_KEY] = self.to_dict()
        return meta

    def __eq__(self, other):
        if not isinstance(other, ClassroomSettings):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self):
        return hash((tuple(self.controls.items()), self.student_view, self.note))
