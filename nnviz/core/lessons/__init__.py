"""Lessons: the course inside the app (stdlib + NumPy only).

- :mod:`.lesson_format` — the ``.lesson`` file format, parsed and validated with line numbers;
- :mod:`.checks` — the live checks a step can ask for, read from an :class:`AppState`;
- :mod:`.patterns` — what a learning curve shows (oscillation, slow convergence, overfitting, chance level).
"""

from nnviz.core.lessons.checks import DONE, OPEN, UNAVAILABLE, AppState, CheckResult, evaluate
from nnviz.core.lessons.lesson_format import (
    Action, Check, Lesson, LessonError, Step, load_lesson, load_lessons, parse_lesson,
)

__all__ = ["AppState", "CheckResult", "DONE", "OPEN", "UNAVAILABLE", "evaluate", "Action", "Check", "Lesson",
           "LessonError", "Step", "load_lesson", "load_lessons", "parse_lesson"]
