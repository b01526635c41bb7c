"""The trace object: a sequence of steps over one recorded training step, and its apply()."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from nnviz.core.state import restore_state
from nnviz.core.trace.build import _TraceData
from nnviz.core.trace.steps import LayerInfo, Step, UnitRow

PHASES = ("forward", "loss", "backward", "update")
GRANULARITIES = ("unit", "layer", "phase")
ROLES = ("input", "current", "error")


class StaleTraceError(RuntimeError):
    """``apply`` was called on a model that changed (weights, optimizer) since the trace was made."""


# ============================================================================ the trace
class BackpropTrace:
    """One training step of a model, ready to step through. Make it with :func:`backprop_trace`.

    Sequence protocol over ``steps``; ``with_granularity`` regroups the same computation."""

    def __init__(self, data: _TraceData, granularity: str):
        if granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}, got {granularity!r}")
        self._data = data
        self.granularity = granularity
        self.steps: tuple = data.steps(granularity)

    # ---------------------------------------------------------------- sequence
    def __len__(self):
        return len(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def index(self, step: Step) -> int:
        for i, s in enumerate(self.steps):
            if s is step:
                return i
        raise ValueError("the step is not part of this trace at this granularity")

    def with_granularity(self, granularity: str) -> "BackpropTrace":
        """The same trace (same numbers, same step objects where they coincide) at another granularity."""
        return BackpropTrace(self._data, granularity)

    def phase_start(self, phase: str) -> int:
        """Index of the first step of ``phase`` (for "jump to phase")."""
        if phase not in PHASES:
            raise ValueError(f"phase must be one of {', '.join(PHASES)}, got {phase!r}")
        for i, s in enumerate(self.steps):
            if s.phase == phase:
                return i
        raise ValueError(f"this trace has no {phase} step")

    # ---------------------------------------------------------------- results
    @property
    def model(self):
        return self._data.model

    @property
    def x(self) -> np.ndarray:
        return self._data.x

    @property
    def y(self) -> np.ndarray:
        """The labels as the model checked them (sparse labels: int class indices)."""
        return self._data.y

    @property
    def y_pred(self) -> np.ndarray:
        return self._data.y_pred

    @property
    def batch_size(self) -> int:
        return self._data.n

    @property
    def loss(self) -> float:
        """What ``train_on_batch`` returns for this batch (mean loss + regularization penalty)."""
        return float(self._data.loss)

    @property
    def weight_keys(self) -> tuple:
        return self._data.weight_keys

    @property
    def old_weights(self) -> list:
        return list(self._data.old_weights)

    @property
    def gradients(self) -> list:
        """Aligned with ``model.get_weights()``: equal to ``model.compute_gradients(x, y)``."""
        return list(self._data.gradients)

    @property
    def new_weights(self) -> list:
        """Aligned with ``model.get_weights()``: the weights ``train_on_batch`` would leave."""
        return list(self._data.new_weights)

    @property
    def optimizer_state_before(self) -> dict:
        return {k: v.copy() for k, v in self._data.state_before.items()}

    @property
    def optimizer_state_after(self) -> dict:
        return {k: v.copy() for k, v in self._data.state_after.items()}

    @property
    def layers(self) -> tuple:
        out = []
        for r in self._data.records:
            shape = tuple(r.output.shape[1:])
            out.append(LayerInfo(r.index, r.name, r.layer_type, r.activation, shape,
                                 shape[0] if len(shape) == 1 else None, r.unitwise))
        return tuple(out)

    # ---------------------------------------------------------------- the stepper's table
    def summary_table(self, upto_step: int | None = None, sample: int = 0) -> list:
        """Every unit's z, a, ∂C/∂a and δ for one sample, as far as the steps up to and including
        ``upto_step`` have computed them (None: all; −1: none yet). Rows cover the input (layer 0, ``a``
        is x) and each layer that outputs one vector per sample, Flatten excepted."""
        data = self._data
        if not 0 <= sample < data.n:
            raise IndexError(f"sample {sample} is outside the batch of {data.n}")
        steps = self.steps if upto_step is None else self.steps[:max(int(upto_step) + 1, 0)]
        known = {}
        for s in steps:
            for l, j, q, values in s._reveals():
                known[(l, j, q)] = float(values[sample])
        rows = []
        if data.x.ndim == 2:
            for j in range(data.x.shape[1]):
                rows.append(UnitRow(0, j, "input", None, float(data.x[sample, j]), None, None))
        for r in data.records:
            if r.output.ndim != 2 or not r.explanation.in_table:
                continue
            for j in range(r.output.shape[1]):
                rows.append(UnitRow(r.index, j, r.name, known.get((r.index, j, "z")), known.get((r.index, j, "a")),
                                    known.get((r.index, j, "d_a")), known.get((r.index, j, "delta"))))
        return rows

    # ---------------------------------------------------------------- apply
    def apply(self, model) -> float:
        """Do the step on ``model``: its weights, BatchNormalization statistics, random generator and
        optimizer state become exactly what ``train_on_batch(x, y)`` would have made them. Returns the
        loss. Raises :class:`StaleTraceError` if the model changed since the trace was made."""
        d = self._data
        if model is not d.model:
            raise ValueError("this trace was made for another model")
        if (model.optimizer is not d.optimizer_ref or model.optimizer.iterations != d.untouched.iterations
                or not d.untouched.same_weights(model)):
            raise StaleTraceError("the model's weights or optimizer changed since this trace was made "
                                  "(or it was applied already): make a new trace")
        restore_state(model, d.after)
        model.last_batch_loss = float(d.loss)
        return float(d.loss)


def backprop_trace(model, x, y, granularity: str = "unit") -> BackpropTrace:
    """Trace one training step of the compiled ``model`` on ``x`` (one sample, or a small batch) and
    ``y``, without changing the model. See the module docstring."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}, got {granularity!r}")
    return BackpropTrace(_TraceData(model, x, y), granularity)
