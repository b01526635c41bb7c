"""Fixtures of the session tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def predict_session():
    """The stepper's session on the course's worked example, traced, with predict-then-reveal on."""
    from nnviz.core.worked_example import worked_example
    from nnviz.session.stepper_session import StepperSession

    s = StepperSession()
    s.enter_example(worked_example())
    assert s.rebuild() == ""
    s.predict = True
    return s
