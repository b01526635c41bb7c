"""From training snapshots to the document's records: the :class:`~nnviz.core.runs.TrainingState` an undo entry
restores and the :class:`~nnviz.core.runs.RunRecord` the Runs panel compares. No widgets.

:class:`RunLog` follows one document: ``record(snapshot, ended_as)`` (on a pause, stop or divergence, and before
an edit while training) pushes the undo entry — one per run: a run paused and resumed merges into it — and
keeps the run's record up to date.
"""

from __future__ import annotations

import copy

import numpy as np

from nnviz.core.runs import RunRecord, TrainingState


def training_state(snap) -> TrainingState:
    """The weights, optimizer state and curves a snapshot shows."""
    weights = {k: np.array(w, copy=True) for k, w in zip(snap.weight_keys, snap.weights)}
    history = {k: [float(v) for v in c.y] for k, c in snap.history.items()}
    tests = {k: [(float(x), float(v)) for x, v in zip(c.x, c.y)] for k, c in snap.test_history.items()}
    return TrainingState(weights=weights, optimizer=copy.deepcopy(snap.optimizer_state), history=history,
                         test_history=tests)


def _same_state(a: TrainingState, b: TrainingState) -> bool:
    return a.history == b.history and a.same_weights(b)


class RunLog:
    """Turns the snapshots of one document's training into undo entries and run records."""

    def __init__(self, document):
        self.document = document
        self._records: dict[tuple, RunRecord] = {}
        self._started_at: dict[tuple, float] = {}   # a run's start on its set-up's training clock
        self._setup_elapsed: dict[int, float] = {}

    def record(self, snap, ended_as: str) -> bool:
        """Training reached ``snap`` (of the document's network): one undo entry and the run's record.
        False when there is nothing new to record."""
        d = self.document
        if snap is None or snap.step == 0 or not snap.weights:
            return False
        key = (snap.setup_id, snap.run_id)
        after = training_state(snap)
        if _same_state(after, d.training_state()):
            self._update_record(key, snap, after, ended_as)
            return False
        run = self._update_record(key, snap, after, ended_as)
        epochs = run.epochs if run is not None else 0
        label = f"Train {epochs} epoch{'s' if epochs != 1 else ''}" if epochs else f"Train {snap.step} steps"
        d.record_training(after, label, run_key=key)
        return True

    def _update_record(self, key, snap, after: TrainingState, ended_as: str):
        d = self.document
        if not hasattr(d, "add_run"):
            return None
        record = self._records.get(key)
        if record is None:
            record = RunRecord(start_epoch=int(snap.run_start_epoch))
            self._records[key] = record
            self._started_at[key] = self._setup_elapsed.get(key[0], 0.0)
        record.config = {"dataset": d.dataset_spec, "architecture": d.architecture_config(),
                         "training": d.training_config.to_dict()}
        record.history = after.history
        record.test_history = after.test_history
        record.test = {k: v[-1][1] for k, v in after.test_history.items() if v}
        record.duration = max(float(snap.elapsed) - self._started_at[key], 0.0)
        self._setup_elapsed[key[0]] = float(snap.elapsed)
        record.ended_as = ended_as
        if snap.checkpoints:
            keys = tuple(snap.weight_keys)
            record.checkpoints = [(float(e), dict(zip(keys, ws))) for e, ws in snap.checkpoints]
        d.add_run(record)
        return record
