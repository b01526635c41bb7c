"""The document's training undo entries (issue 16), mixed into :class:`~nnviz.session.document.ProjectDocument`:
a run, Reset weights, the stepper's Apply and a rewind each become one ``TrainingStateCommand`` restoring the
weights, the optimizer's state and the curves of before; the project's run history lives beside them.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np

from nnviz.core.runs import TrainingState
from nnviz.core.state import optimizer_state, set_optimizer_state
from nnviz.session.commands import TrainingStateCommand


class TrainingUndoMixin:
    """Needs the document's ``undo_stack``, ``arch``, ``model``, ``runs``, ``_settle_training`` and signals."""

    def training_state(self) -> TrainingState:
        """The weights, optimizer state and curves as they are (what a training undo entry restores)."""
        return TrainingState(weights=self.weights(), optimizer=copy.deepcopy(self._optimizer_state),
                             history=copy.deepcopy(self._history), test_history=copy.deepcopy(self._test_history))

    def record_training(self, after: TrainingState, label: str = "Train", run_key=None,
                        before: TrainingState | None = None) -> None:
        """Training reached ``after``: one undo entry from the state before (``before``, or as it is now). Entries
        with the same ``run_key`` in a row merge (a run paused and resumed is one entry)."""
        before = before if before is not None else self.training_state()
        self.undo_stack.push(TrainingStateCommand(self, label, before, after, run_key))

    def reset_weights(self) -> None:
        """Fresh initial weights from the training seed, a fresh optimizer and no curves: one undo entry (so
        no confirmation is needed)."""
        if self.model is None:
            return
        from nnviz.session.training_engine import fresh_model
        fresh = fresh_model(self.model, self._training_config)
        after = TrainingState(weights=dict(zip(fresh.weight_keys(), fresh.get_weights())))
        self._settle_training()
        self.record_training(after, "Reset weights")

    def apply_training_step(self, after_state, label: str = "Apply step", before=None) -> None:
        """The stepper's Apply as one undo entry. ``after_state`` is a ``nnviz.core.state.ModelState`` (weights and
        optimizer state after the step), a model, a dict keyed by ``model.weight_keys()`` or a list of arrays.
        ``before`` (a ``ModelState``) is the state the step started from when it was already applied to the
        document's model (the stepper applies in place): undo goes back to it. One step is not an epoch: the
        curves are left alone."""
        model = self.model
        if model is None:
            raise ValueError("the architecture is invalid, so there are no weights to set")
        keys = model.weight_keys()
        optimizer = self._optimizer_state
        if hasattr(after_state, "weight_keys") and hasattr(after_state, "rng_states"):   # a ModelState
            weights = {k: np.array(v, copy=True) for k, v in zip(after_state.weight_keys, after_state.weights)}
            if after_state.optimizer is not None:
                optimizer = {k: np.array(v, copy=True) for k, v in after_state.optimizer.items()}
        elif hasattr(after_state, "get_weights"):
            weights = dict(zip(after_state.weight_keys(), after_state.get_weights()))
            optimizer = optimizer_state(after_state) if getattr(after_state, "optimizer", None) else optimizer
        elif isinstance(after_state, dict):
            weights = {k: np.array(after_state[k], copy=True) for k in keys}
        else:
            weights = {k: np.array(v, copy=True) for k, v in zip(keys, after_state)}
        if set(weights) != set(keys):
            raise ValueError("the step's weights do not fit the network")
        state = self.training_state()
        start = None
        if before is not None:
            start = replace(state, weights={k: np.array(v, copy=True) for k, v in zip(before.weight_keys, before.weights)},
                            optimizer=None if before.optimizer is None else
                            {k: np.array(v, copy=True) for k, v in before.optimizer.items()})
        self._settle_training()
        self.record_training(replace(state, weights=weights, optimizer=optimizer), label, before=start)

    def rewind(self, epoch: float, run_id: str | None = None) -> float | None:
        """Put back the weights of the checkpoint nearest ``epoch`` (of run ``run_id``, else the newest run that
        has checkpoints fitting the network), as one undo entry; the curves end at that epoch and the optimizer
        starts fresh. Returns the checkpoint's epoch, or None when there is none to go back to."""
        model = self.model
        if model is None:
            return None
        keys = model.weight_keys()
        shapes = {k: w.shape for k, w in zip(keys, model.get_weights())}
        candidates = [self.runs.get(run_id)] if run_id else list(reversed(self.runs.runs))
        for run in candidates:
            if run is None:
                continue
            fitting = [(e, w) for e, w in run.checkpoints
                       if set(w) == set(keys) and all(np.shape(w[k]) == shapes[k] for k in keys)]
            if not fitting:
                continue
            at, weights = min(fitting, key=lambda c: abs(c[0] - float(epoch)))
            n = int(at)
            history = {k: list(v[:n]) for k, v in run.history.items()} if n else {}
            tests = {k: [r for r in v if r[0] <= at + 1e-9] for k, v in run.test_history.items()}
            after = TrainingState(weights={k: np.array(v, copy=True) for k, v in weights.items()},
                                  history=history, test_history=tests)
            self._settle_training()
            self.record_training(after, f"Rewind to epoch {at:g}")
            return at
        return None

    def _sync_model_optimizer(self) -> None:
        """The document's model (what the stepper steps) carries the document's optimizer state: the one training
        left, or a fresh optimizer when there is none or it does not fit."""
        model = self.model
        if model is None:
            return
        if self._optimizer_state is None or not set_optimizer_state(model, self._optimizer_state):
            try:
                self._training_config.compile_model(model)   # a fresh optimizer
            except ValueError:
                pass

    def add_run(self, record) -> None:
        """Keep ``record`` in the project's run history (or update it: a paused run that went on)."""
        self.runs.put(record)
        self._set_extra_modified()
        self.runs_changed.emit()

    def remove_run(self, run_id: str) -> None:
        self.runs.remove(run_id)
        self._set_extra_modified()
        self.runs_changed.emit()

    # mutators of the training commands
    def _apply_training_state(self, state: TrainingState) -> None:
        if self.model is not None and state.weights and set(state.weights) == set(self.model.weight_keys()):
            self.arch.set_weights(state.weights)
        self._optimizer_state = copy.deepcopy(state.optimizer)
        self._sync_model_optimizer()
        self._history = copy.deepcopy(state.history)
        self._test_history = copy.deepcopy(state.test_history)
        self.weights_changed.emit()
        self.history_changed.emit()

    def _set_dataset(self, dataset, spec, input_shape=None, state=None) -> None:
        self._dataset, self._dataset_spec = dataset, copy.deepcopy(spec)
        shape = input_shape or (tuple(dataset.input_shape) if dataset is not None else None)
        if shape is not None and tuple(shape) != self.arch.input_shape:
            self.arch.input_shape = tuple(shape)
            self._rebuild()
        self._apply_training_state(state if state is not None else TrainingState(weights={}))
        self.dataset_changed.emit()

