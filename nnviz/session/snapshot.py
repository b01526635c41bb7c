"""What the training views draw: the immutable :class:`TrainingSnapshot`, and the assembler that builds one
from the engine's small "wire" dicts (scalars, a weight copy, and only the curve rows added since the last one).

No Qt: snapshots cross the process boundary pickled.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field, fields

import numpy as np

from nnviz.session.series import _EMPTY, EMPTY_CURVE, Curve, Series

RUNNING, PAUSED, STOPPED, DIVERGED = "running", "paused", "stopped", "diverged"
STATES = (RUNNING, PAUSED, STOPPED, DIVERGED)


@dataclass(frozen=True)
class TrainingSnapshot:
    """Everything the views draw, as of one moment of training. Arrays are read-only."""

    state: str = STOPPED                 # running / paused / stopped / diverged
    version: int = 0                     # increases with every published snapshot
    epoch: int = 0                       # completed epochs (the epoch in progress is epoch + 1)
    batch: int = 0                       # batches done in the epoch in progress
    steps_per_epoch: int = 0
    step: int = 0                        # batches trained since the weights were initialised
    samples_seen: int = 0
    batch_size: int = 0
    run_start_epoch: int = 0             # the epoch the current run started from
    epochs_target: int | None = None     # epochs of the current run; None = until paused
    batch_loss: float = float("nan")     # loss of the most recent batch
    #: per batch, x in (fractional) epochs: the raw batch loss and its exponential moving average
    batch_loss_curve: Curve = EMPTY_CURVE
    batch_loss_smoothed: Curve = EMPTY_CURVE
    #: per epoch, Keras log keys ("loss", "accuracy", "val_loss", ...) -> Curve(epoch number, value)
    history: types.MappingProxyType = field(default_factory=lambda: types.MappingProxyType({}))
    #: the test split, evaluated at epoch ends (at most 50 times a second and 5 % of the time) and on pause / stop
    test_loss: float = float("nan")
    test_metric: float = float("nan")
    test_metric_name: str = ""
    test_history: types.MappingProxyType = field(default_factory=lambda: types.MappingProxyType({}))
    #: aligned with model.get_weights(); copied at most ~30 times a second while running (a snapshot in
    #: between repeats the last copy); every pause, stop, divergence and reset snapshot has the current ones
    weights: tuple = ()
    weight_keys: tuple = ()              # "dense_1/kernel", ...
    #: gradient norm per layer with trainable weights, sampled ~100 times a second (x in fractional epochs)
    grad_layer_names: tuple = ()
    grad_x: np.ndarray = field(default_factory=lambda: _EMPTY)
    grad_norms: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    learning_rate: float = float("nan")
    samples_per_second: float = 0.0
    elapsed: float = 0.0                 # seconds of training (pauses excluded)
    eta: float | None = None             # seconds to the end of the run, when its epochs are known
    message: str = ""                    # why it diverged / failed, or what a reset did
    metric_name: str = ""                # "accuracy", "mae", ... (the first metric in the logs)
    setup_id: int = 0                    # the ``set_setup`` this snapshot belongs to (older ones are stale)
    run_id: int = 0                      # the engine's run counter (0 before the first run of a setup)
    #: ``nnviz.core.state.optimizer_state``: the optimizer's slots and iteration count (and the batch shuffler's
    #: state) at ``step``, taken with these weights: what an undo entry restores and the project file keeps. Every
    #: pause, stop, divergence, reset and set-up snapshot has it, and the one a ``sync`` waits for; the steady
    #: stream while running has None (it doubled the bytes pickled ~30 times a second for nothing)
    optimizer_state: dict | None = None
    #: on pause / stop: the run's weight checkpoints so far, ((epoch, [arrays]), ...) on the bounded schedule
    checkpoints: tuple | None = None
    batch_x: np.ndarray | None = None    # slow motion: the inputs of the batch just trained

    @property
    def progress(self) -> float | None:
        """Share of the current run done, 0..1; None when training until paused."""
        if not self.epochs_target:
            return None
        done = self.epoch - self.run_start_epoch + (self.batch / self.steps_per_epoch if self.steps_per_epoch else 0)
        return min(max(done / self.epochs_target, 0.0), 1.0)

    @property
    def fractional_epoch(self) -> float:
        return self.epoch + (self.batch / self.steps_per_epoch if self.steps_per_epoch else 0.0)

    def weights_by_key(self) -> dict:
        return dict(zip(self.weight_keys, self.weights))

    def __reduce__(self):  # mapping proxies do not pickle; the dicts behind them do
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state["history"] = dict(self.history)
        state["test_history"] = dict(self.test_history)
        return (_unpickle_snapshot, (state,))


def _unpickle_snapshot(state: dict) -> "TrainingSnapshot":
    state["history"] = types.MappingProxyType(state["history"])
    state["test_history"] = types.MappingProxyType(state["test_history"])
    return TrainingSnapshot(**state)


class SnapshotAssembler:
    """Turns the engine's wire dicts into :class:`TrainingSnapshot` objects, keeping the curves."""

    def __init__(self):
        self._gen = None
        self._weights: list = []
        self._batch = Series(3)
        self._grad = Series(1)
        self._history: dict[str, Series] = {}
        self._test: dict[str, Series] = {}

    def assemble(self, wire: dict) -> TrainingSnapshot:
        if wire["gen"] != self._gen:
            self._gen = wire["gen"]
            self._batch = Series(3)
            self._grad = Series(1 + len(wire["grad_layer_names"]))
            self._history = {}
            self._test = {}
        self._batch.extend(wire["batch_rows"])
        self._grad.extend(wire["grad_rows"])
        for store, key in ((self._history, "history_rows"), (self._test, "test_rows")):
            for name, rows in wire[key].items():
                series = store.get(name)
                if series is None:
                    series = store[name] = Series(2)
                series.extend(rows)
        grads = self._grad.view()
        if wire["weights"] is None:  # not copied this time (the engine copies them ~30 times a second)
            weights = self._weights
        else:
            weights = []
            for w in wire["weights"]:
                w.flags.writeable = False
                weights.append(w)
            self._weights = weights
        scalars = dict(wire["fields"])
        if wire["weights"] is None:   # weights of an earlier step, repeated: an optimizer state is only ever given
            scalars["optimizer_state"] = None   # with the weights of the snapshot's own step
        return TrainingSnapshot(
            batch_loss_curve=self._batch.curve(1), batch_loss_smoothed=self._batch.curve(2),
            history=types.MappingProxyType({k: s.curve() for k, s in self._history.items()}),
            test_history=types.MappingProxyType({k: s.curve() for k, s in self._test.items()}),
            weights=tuple(weights), grad_layer_names=tuple(wire["grad_layer_names"]), grad_x=grads[:, 0],
            grad_norms=grads[:, 1:],
            metric_name=next((k for k in self._history if k != "loss" and not k.startswith("val_")), ""),
            **scalars)

