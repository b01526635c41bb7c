"""The backprop stepper: one training step walked through on the diagram, with the real numbers.

``StepperWidget`` is the panel; ``attach_stepper(window, document, controller)`` (in
:mod:`nnviz.ui.stepper.integration`) puts it on the main window; ``open_worked_example()`` opens the
bundled hand-checkable example on its own.
"""

from nnviz.ui.stepper.stepper_widget import AppliedUpdate, StepperWidget, open_worked_example

__all__ = ["StepperWidget", "AppliedUpdate", "open_worked_example"]
