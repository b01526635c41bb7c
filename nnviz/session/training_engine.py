"""The training engine behind :mod:`nnviz.session.worker`: commands, the ``fit`` callback, snapshots. No Qt.

:class:`TrainingEngine` runs a command loop and drives :func:`nnviz.core.training.fit` (the one training
path) through a callback. Between batches the callback looks at the command queue: pausing blocks on a
condition variable (no polling), stepping lets one batch (or the rest of an epoch) through, and stop /
reset / a new model end the ``fit`` call by raising a private exception after a finished step.

The engine reports through one function, ``emit(event, *args)``: ``("snapshot", wire)``,
``("state_changed", state)``, ``("started",)``, ``("paused",)``, ``("stopped",)``, ``("diverged", message)``,
``("weights_reset",)``, ``("failed", message)``, ``("warning", message)`` (training goes on, but something is
off: the loss has risen well above where it started), ``("pong", token)`` (the answer to ``("ping", token)``, once
every command sent before it has been carried out). A snapshot travels as a small "wire" dict: the scalar
fields, a copy of the weights, and only the curve rows added since the previous one; a
:class:`SnapshotAssembler` on the receiving side appends them to its curves and builds the immutable
:class:`TrainingSnapshot`. So a snapshot costs the same after an hour of training as after a second,
and it can cross a process boundary.

Why a process: a tiny network's training loop is bound by Python, not by NumPy, so it holds the GIL
nearly all the time. In a thread next to the GUI, every C++→Python call of pyqtgraph's painting waits
for the GIL (measured: 9 plots fell from 31 to 3 frames/s, 236 ms event-loop lateness). In a child
process (``python -m nnviz.session.training_engine``, pickled messages over its stdin / stdout) the GUI
and the training each keep a core. The worker also offers the engine in a thread, for scripts.
"""

from __future__ import annotations

import collections
import math
import os
import pickle
import sys
import threading
import time
import types
from dataclasses import dataclass, field, fields

import numpy as np

from nnviz.core.callbacks import Callback
from nnviz.core.model import Sequential
from nnviz.core.training import TrainingConfig, apply_regularization, fit

RUNNING, PAUSED, STOPPED, DIVERGED = "running", "paused", "stopped", "diverged"
STATES = (RUNNING, PAUSED, STOPPED, DIVERGED)

#: a "run until paused" fit is one call with this many epochs; the engine ends it itself
_FOREVER = 10 ** 12
#: settings that change how ``fit`` iterates: changing them restarts the epoch in progress
_STRUCTURAL = ("loss", "metrics", "batch_size", "validation_split")
#: "the loss is rising": this many epochs in a row ending above RISING_FACTOR times the loss training started from
RISING_EPOCHS, RISING_FACTOR = 2, 1.5
#: training samples the starting loss is measured on
START_LOSS_SAMPLES = 2000


# ============================================================================== curves
class Curve(tuple):
    """``(x, y)`` read-only arrays of one curve; ``curve.x`` / ``curve.y``; ``len(curve)`` points."""

    __slots__ = ()

    def __new__(cls, x, y):
        return super().__new__(cls, (x, y))

    x = property(lambda self: self[0])
    y = property(lambda self: self[1])

    def __len__(self):
        return len(self[0])

    def __getnewargs__(self):
        return tuple(self)

    def last(self, default=float("nan")) -> float:
        return float(self[1][-1]) if len(self[0]) else default


_EMPTY = np.zeros(0)
_EMPTY.flags.writeable = False
EMPTY_CURVE = Curve(_EMPTY, _EMPTY)


class Series:
    """Append-only rows of ``ncols`` floats.

    ``view()`` hands out a read-only view of the rows so far; those rows are never written again
    (appends go past them, and when the buffer is full the series is halved into a *new* buffer,
    averaging pairs of rows, so a run of any length stays under ``capacity`` rows).
    """

    def __init__(self, ncols: int, capacity: int = 1 << 16, initial: int = 1024):
        self.ncols = ncols
        self.capacity = capacity
        self._buf = np.empty((min(initial, capacity), ncols))
        self._n = 0
        self.stride = 1                 # raw appends averaged into one stored row
        self._acc = np.zeros(ncols)
        self._acc_n = 0

    def __len__(self):
        return self._n

    def append(self, row) -> None:
        if self.stride > 1:
            self._acc += row
            self._acc_n += 1
            if self._acc_n < self.stride:
                return
            row = self._acc / self._acc_n
            self._acc = np.zeros(self.ncols)
            self._acc_n = 0
        if self._n == len(self._buf):
            self._grow()
        self._buf[self._n] = row
        self._n += 1

    def extend(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=float).reshape(-1, self.ncols)
        while len(rows):
            if self.stride > 1:
                for row in rows:
                    self.append(row)
                return
            room = len(self._buf) - self._n
            if room == 0:
                self._grow()
                continue
            take = rows[:room]
            self._buf[self._n:self._n + len(take)] = take
            self._n += len(take)
            rows = rows[room:]

    def _grow(self) -> None:
        n = self._n
        if n < self.capacity:
            new = np.empty((min(2 * len(self._buf), self.capacity), self.ncols))
            new[:n] = self._buf[:n]
        else:
            half = n // 2
            new = np.empty((self.capacity, self.ncols))
            new[:half] = (self._buf[0:2 * half:2] + self._buf[1:2 * half:2]) / 2
            if n % 2:
                new[half] = self._buf[n - 1]
                half += 1
            self._n = half
            self.stride *= 2
        self._buf = new  # older snapshots keep the old buffer

    def view(self) -> np.ndarray:
        v = self._buf[:self._n]
        v.flags.writeable = False
        return v

    def curve(self, col: int = 1) -> Curve:
        v = self.view()
        return Curve(v[:, 0], v[:, col])


class _Pending:
    """Rows appended since they were last taken: what the engine sends with each snapshot."""

    __slots__ = ("rows", "ncols")

    def __init__(self, ncols: int):
        self.rows: list = []
        self.ncols = ncols

    def append(self, *row) -> None:
        self.rows.append(row)

    def take(self) -> np.ndarray:
        rows, self.rows = self.rows, []
        return np.array(rows, dtype=float).reshape(-1, self.ncols)


# ============================================================================== the snapshot
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
        scalars = wire["fields"]
        return TrainingSnapshot(
            batch_loss_curve=self._batch.curve(1), batch_loss_smoothed=self._batch.curve(2),
            history=types.MappingProxyType({k: s.curve() for k, s in self._history.items()}),
            test_history=types.MappingProxyType({k: s.curve() for k, s in self._test.items()}),
            weights=tuple(weights), grad_layer_names=tuple(wire["grad_layer_names"]), grad_x=grads[:, 0],
            grad_norms=grads[:, 1:],
            metric_name=next((k for k in self._history if k != "loss" and not k.startswith("val_")), ""),
            **scalars)


# ============================================================================== helpers
def fresh_model(model_or_config, config: TrainingConfig) -> Sequential:
    """A new model with the architecture of ``model_or_config`` (a Sequential or its ``get_config()``),
    weights initialised from ``config.seed``, compiled with ``config``."""
    cfg = dict(model_or_config.get_config() if isinstance(model_or_config, Sequential) else model_or_config)
    cfg["seed"] = int(config.seed)
    fresh = Sequential.from_config(cfg)
    config.compile_model(fresh)
    return fresh


def suggest_learning_rate(lr: float) -> float:
    """A tenth of ``lr`` rounded to one significant digit: 0.03 -> 0.003."""
    x = lr / 10
    exp = math.floor(math.log10(x))
    return float(f"{round(x / 10 ** exp)}e{exp}")


def _fmt_lr(lr: float) -> str:
    return f"{lr:.3g}"


class _EndFit(Exception):
    """Raised from the callback after a finished step, to leave ``fit`` at once."""


class _Callback(Callback):
    """The hooks of ``fit`` the engine listens to; kept lean: tiny networks run 10,000 steps a second."""

    def __init__(self, engine: "TrainingEngine"):
        super().__init__()
        self.e = engine

    def set_params(self, params):
        self.params = params
        self.e._cb_params = params

    def on_epoch_begin(self, epoch, logs=None):
        self.e._on_epoch_begin(epoch)

    def on_train_batch_end(self, batch, logs=None):
        self.e._on_batch_end(batch)

    def on_epoch_end(self, epoch, logs=None):
        self.e._on_epoch_end(epoch, logs)


# ============================================================================== the engine
class TrainingEngine:
    """The command loop and the training. ``send`` is thread-safe; ``run`` blocks until "quit"."""

    def __init__(self, emit, publish_interval: float = 0.025, sample_interval: float = 0.01,
                 test_interval: float = 0.02, weights_interval: float = 1 / 30):
        self._emit = emit
        self.publish_interval = publish_interval
        self.weights_interval = weights_interval
        self._next_weights = 0.0
        self.sample_interval = sample_interval
        self.test_interval = test_interval
        self._cond = threading.Condition()
        self._commands: collections.deque = collections.deque()
        self._has_commands = False      # read without the lock in the hot loop; re-checked under it
        self._version = 0
        self._gen = 0
        self._last_state = STOPPED
        self.model: Sequential | None = None
        self.dataset = None
        self.config = TrainingConfig()
        self._mode = STOPPED
        self._budget: str | None = None  # "batch" / "epoch": a step in progress
        self._in_fit = False
        self._run_active = False
        self._run_clock = None
        self._cb_params: dict = {}
        self._pongs: list = []

    # ------------------------------------------------------------------ commands (any thread)
    def send(self, *command) -> None:
        with self._cond:
            self._commands.append(command)
            self._has_commands = True
            self._cond.notify_all()

    # ------------------------------------------------------------------ the loop
    def run(self) -> None:
        """Wait for commands, train while asked to, until "quit"."""
        while True:
            self._settle()
            with self._cond:
                while not self._commands:
                    self._cond.wait()
            if self._process_commands(in_fit=False) == "quit":
                break
            if self.model is not None and (self._mode == RUNNING or self._budget is not None):
                if self._run_fit() == "quit":
                    break
        self._stop_clock()

    def _process_commands(self, in_fit: bool):
        """Carry out queued commands in order, up to the first that makes training go (train or a step):
        the rest wait for the next checkpoint, so three Step clicks train three batches.

        Returns None, or why ``fit`` must end: "quit", "restart" (new structural settings: go on in the
        same mode), or "end" — stop / reset / setup stay at the head of the queue when in ``fit`` and
        are carried out after it."""
        result = None
        while True:
            with self._cond:
                if not self._commands:
                    self._has_commands = False
                    return result
                command = self._commands[0]
                kind = command[0]
                if in_fit and kind in ("stop", "reset", "setup", "quit"):
                    return "quit" if kind == "quit" else "end"
                if kind in ("step_batch", "step_epoch") and self._budget is not None:
                    return result  # a step is under way: the next one waits for it to finish
                self._commands.popleft()
                self._has_commands = bool(self._commands)
            if kind == "quit":
                return "quit"
            if self.model is None and kind != "setup":
                continue
            try:
                if self._command(kind, command, in_fit):
                    result = "restart"
            except Exception as exc:  # noqa: BLE001 - a bad command must not end the loop
                self._emit("failed", f"{kind} failed: {exc}")
            if kind in ("train", "step_batch", "step_epoch"):
                return result

    def _command(self, kind, command, in_fit) -> bool:
        if kind == "train":
            self._budget = None
            self._message = ""
            if self._mode != RUNNING:
                self._mode = RUNNING
                self._emit("started")
        elif kind == "pause":
            if self._mode == RUNNING or self._budget is not None:
                self._mode = PAUSED
                self._budget = None
                if not in_fit:
                    self._announce_pause()
        elif kind in ("step_batch", "step_epoch"):
            self._budget = "batch" if kind == "step_batch" else "epoch"
            self._mode = PAUSED      # run the budget, then stay paused
            self._message = ""
        elif kind == "stop":
            self._finish_run()
        elif kind == "reset":
            self._reset()
        elif kind == "setup":
            _, model_config, weights, dataset, config, history = command
            self._setup(model_config, weights, dataset, config, history)
            self._publish()
        elif kind == "config":
            return self._apply_config(command[1]) and in_fit
        elif kind == "ping":
            self._pongs.append(command[1])  # answered after the next snapshot, which shows the state reached
        return False

    # ------------------------------------------------------------------ set-up and reset
    def _setup(self, model_config, weights, dataset, config, history=None) -> None:
        config = TrainingConfig.from_dict(dict(config))
        model = Sequential.from_config(model_config)
        if weights is not None:
            model.set_weights(weights)
        config.compile_model(model)
        self.model = model
        self.dataset = dataset
        self.config = config
        self._mode = STOPPED
        self._budget = None
        self._run_active = False
        self._clear(history)

    def _clear(self, history=None) -> None:
        model = self.model
        self._gen += 1
        self._epoch = 0
        self._batch = 0
        self._step = 0
        self._samples = 0
        self._steps_per_epoch = 0
        self._batch_size = self.config.batch_size
        self._n_train = len(getattr(self.dataset, "x_train", ()))
        self._last_batch_n = self._batch_size
        self._run_start = 0
        self._target = None
        self._batch_rows = _Pending(3)
        self._ema = float("nan")
        self._epoch_rows: dict[str, _Pending] = {}
        self._test_rows: dict[str, _Pending] = {}
        self._test_loss = float("nan")
        self._test_metric = float("nan")
        self._test_metric_name = ""
        self._last_test = -math.inf
        self._test_cost = 0.0
        self._elapsed = 0.0
        self._run_clock = None
        self._rate = 0.0
        self._rate_ref = None
        self._message = ""
        self._start_loss = float("nan")   # the training loss before the first step since the set-up or a reset
        self._rising = 0                  # epochs in a row that ended far above it
        self._warned = False              # the rising loss was reported (again after a new learning rate)
        # gradient norms: one column per layer with trainable weights, summed from the flat gradient buffer
        starts, names = [], []
        for layer, _k, offset, _n in getattr(model, "_slices", []):
            if not names or names[-1] != layer.name:
                names.append(layer.name)
                starts.append(offset)
        self._grad_starts = np.asarray(starts, dtype=np.intp)
        self._grad_names = tuple(names)
        self._grad_rows = _Pending(1 + len(names))
        self._good = model._flat_params.copy()
        self._good_extra = self._non_trainable(model)
        now = time.perf_counter()
        self._next_sample = now
        self._next_publish = now
        for key, values in (history or {}).items():
            rows = self._epoch_rows.setdefault(key, _Pending(2))
            for i, v in enumerate(values):
                rows.append(i + 1, float(v))
        if history:
            self._epoch = self._run_start = max(len(v) for v in history.values())

    @staticmethod
    def _non_trainable(model):
        return [(layer, k, layer.params[k].copy()) for layer in model.layers
                for k in layer.non_trainable_names if k in layer.params]

    def _reset(self) -> None:
        self.model = fresh_model(self.model, self.config)
        self._mode = STOPPED
        self._budget = None
        self._run_active = False
        self._clear()
        self._message = f"The weights were initialised afresh from seed {self.config.seed}."
        self._emit("weights_reset")
        self._publish()
        self._emit("stopped")

    def _apply_config(self, changes: dict) -> bool:
        """Apply new settings now; True when a running ``fit`` must restart."""
        old = self.config
        merged = old.to_dict()
        merged.update(changes)
        try:
            new = TrainingConfig.from_dict(merged)
        except ValueError as exc:
            self._emit("failed", str(exc))
            return False
        self.config = new
        model = self.model
        opt = model.optimizer
        if opt is None or new.optimizer != old.optimizer or (new.optimizer == "sgd" and new.momentum and not opt.momentum):
            model.optimizer = new.make_optimizer()  # fresh state; its slots are built at the next step
        else:
            opt.learning_rate = float(new.learning_rate)  # read at every step
            if new.optimizer == "sgd":
                opt.momentum = float(new.momentum)
                opt.nesterov = bool(new.nesterov)
        if (new.regularization, new.regularization_rate) != (old.regularization, old.regularization_rate):
            apply_regularization(model, new.regularization, new.regularization_rate)
        if (new.optimizer, new.learning_rate) != (old.optimizer, old.learning_rate):
            self._rising, self._warned = 0, False   # a new learning rate: watch the loss afresh
        if new.epochs != old.epochs and self._run_active:
            self._target = new.epochs or None
        if new.loss != old.loss or new.metrics != old.metrics:
            model.compile(optimizer=model.optimizer, loss=new.loss, metrics=list(new.metrics))
        return any(getattr(new, k) != getattr(old, k) for k in _STRUCTURAL)

    # ------------------------------------------------------------------ clock and modes
    def _start_clock(self) -> None:
        if self._run_clock is None:
            now = time.perf_counter()
            self._run_clock = now
            self._rate_ref = (now, self._samples)

    def _stop_clock(self) -> None:
        if self._run_clock is not None:
            self._elapsed += time.perf_counter() - self._run_clock
            self._run_clock = None

    def _announce_pause(self) -> None:
        self._stop_clock()
        self._evaluate_test()
        self._publish()
        self._emit("paused")

    def _finish_run(self) -> None:
        self._stop_clock()
        self._mode = STOPPED
        self._budget = None
        self._run_active = False
        self._evaluate_test()
        self._publish()
        self._emit("stopped")

    # ------------------------------------------------------------------ fit
    def _run_fit(self):
        if not self._run_active:  # a new run: the configured epochs from here (None: until paused)
            self._run_active = True
            self._run_start = self._epoch
            self._target = self.config.epochs or None
        self._message = ""
        if self._step == 0 and not math.isfinite(self._start_loss):
            self._measure_start_loss()
        while True:
            self._start_clock()
            self._in_fit = True
            self._fit_exit = "finished"
            try:
                fit(self.model, self.dataset, self.config, epochs=_FOREVER - self._epoch,
                    callbacks=[_Callback(self)], initial_epoch=self._epoch)
                why = self._fit_exit
            except _EndFit as end:
                why = end.args[0]
            except Exception as exc:  # noqa: BLE001 - the data or settings do not fit: say so, keep going
                self._in_fit = False
                self._message = f"Training failed: {exc}"
                self._finish_run()
                self._emit("failed", self._message)
                return None
            finally:
                self._in_fit = False
            if why == "quit":
                return "quit"
            if why == "finished":
                self._finish_run()
                return None
            if why == "diverged":
                return None
            self._batch = 0  # "restart" or "end": the next fit starts the epoch over
            if why == "restart" and (self._mode == RUNNING or self._budget is not None):
                continue
            self._stop_clock()
            if why == "restart":
                self._announce_pause()
            return None  # "end": stop / reset / setup wait at the head of the queue

    def _on_epoch_begin(self, epoch: int) -> None:
        params = self._cb_params
        self._batch = 0
        self._steps_per_epoch = spe = params["steps"]
        self._batch_size = bs = params["batch_size"]
        self._n_train = n = params["samples"]
        self._last_batch_n = n - (spe - 1) * bs

    def _on_batch_end(self, batch: int) -> None:
        loss = self.model.last_batch_loss
        self._batch = batch + 1
        self._step += 1
        self._samples += self._batch_size if self._batch < self._steps_per_epoch else self._last_batch_n
        if not math.isfinite(loss):
            self._diverge("the loss became %s" % ("NaN" if loss != loss else "infinite"), batch)
        x = self._epoch + self._batch / self._steps_per_epoch
        ema = self._ema
        # a moving average over about an epoch, at most 20 batches: with one batch an epoch (the course's six people
        # in one batch) a 20-batch average lagged 20 epochs behind the loss it smooths
        alpha = max(0.05, 2.0 / (self._steps_per_epoch + 1))
        self._ema = ema = loss if ema != ema else ema + alpha * (loss - ema)
        self._batch_rows.rows.append((x, loss, ema))
        now = time.perf_counter()
        if now >= self._next_sample:
            self._sample(x, now, batch)
        if now >= self._next_publish:
            self._publish(now=now, weights=now >= self._next_weights)
        if self._has_commands or self._budget is not None:
            self._checkpoint(at_epoch_end=False)

    def _sample(self, x: float, now: float, batch: int) -> None:
        """Every ``sample_interval``: the gradient norms, and a copy of the weights when they are finite."""
        self._next_sample = now + self.sample_interval
        model = self.model
        if len(self._grad_starts):
            g = model._flat_grads
            self._grad_rows.append(x, *np.sqrt(np.add.reduceat(g * g, self._grad_starts)).tolist())
        flat = model._flat_params
        if math.isfinite(float(flat.sum())):
            np.copyto(self._good, flat)
            if self._good_extra:
                self._good_extra = self._non_trainable(model)
        else:
            self._diverge("the weights became infinite or NaN", batch)

    def _measure_start_loss(self) -> None:
        """The training loss before the first step: what 'the loss is rising' compares with."""
        ds = self.dataset
        x, y = getattr(ds, "x_train", None), getattr(ds, "y_train", None)
        if x is None or not len(x):
            return
        n = min(len(x), START_LOSS_SAMPLES)
        try:
            logs = self.model.evaluate(x[:n], y[:n], batch_size=256, return_dict=True)
        except Exception:  # noqa: BLE001 - no reference, no warning; fit itself will say what does not fit
            return
        self._start_loss = float(logs.get("loss", float("nan")))

    def _watch_loss(self, loss) -> None:
        """Warn once when the epoch loss ends far above the starting loss several epochs in a row: a learning rate
        too high for the loss to come down, though not so high that it turns NaN (SGD at 10 on the spiral)."""
        start = self._start_loss
        if loss is None or not math.isfinite(loss) or not math.isfinite(start) or start <= 0:
            return
        self._rising = self._rising + 1 if loss > RISING_FACTOR * start else 0
        if self._rising < RISING_EPOCHS or self._warned:
            return
        self._warned = True
        lr = float(self.config.learning_rate)
        self._emit("warning", f"The loss is rising: {loss:.3g} after epoch {self._epoch}, against {start:.3g} "
                              f"when training started. A learning rate of {_fmt_lr(lr)} is probably too high for "
                              f"this network: try {_fmt_lr(suggest_learning_rate(lr))} (a new learning rate "
                              f"applies at the next step).")

    def _on_epoch_end(self, epoch: int, logs) -> None:
        self._epoch = epoch + 1
        self._batch = 0
        for key, value in (logs or {}).items():
            rows = self._epoch_rows.get(key)
            if rows is None:
                rows = self._epoch_rows[key] = _Pending(2)
            rows.rows.append((self._epoch, value))
        self._watch_loss((logs or {}).get("loss"))
        now = time.perf_counter()
        # the test split at most every test_interval seconds, and at most 5 % of the time
        if now - self._last_test >= max(self.test_interval, 20 * self._test_cost):
            self._evaluate_test(now)
        if self._target is not None and self._epoch >= self._run_start + self._target:
            self._fit_exit = "finished"
            self.model.stop_training = True
            return
        if self._has_commands or self._budget is not None:
            self._checkpoint(at_epoch_end=True)

    def _checkpoint(self, at_epoch_end: bool) -> None:
        """Between steps: count down a step, apply commands, and block while paused."""
        if (self._budget == "batch" and not at_epoch_end) or (self._budget == "epoch" and at_epoch_end):
            self._budget = None   # this step is done; a queued step command may start the next one
        if self._has_commands:
            action = self._process_commands(in_fit=True)
            if action is not None:
                raise _EndFit(action)
        if self._mode == RUNNING or self._budget is not None:
            return
        self._announce_pause()
        while True:  # paused: the thread sleeps on the condition until a command arrives
            self._settle()
            with self._cond:
                while not self._commands:
                    self._cond.wait()
            action = self._process_commands(in_fit=True)
            if action is not None:
                raise _EndFit(action)
            if self._mode == RUNNING or self._budget is not None:
                self._start_clock()
                return

    def _diverge(self, what: str, batch: int) -> None:
        model = self.model
        np.copyto(model._flat_params, self._good)
        for layer, k, value in self._good_extra:
            layer.params[k][...] = value
        opt = model.optimizer
        if opt is not None and opt.slots:
            opt.build(model._flat_params.size, model.dtype)  # its moments saw the bad step
        lr = float(opt.learning_rate)
        self._message = (f"Training diverged: {what} at epoch {self._epoch + 1}, step {batch + 1}. "
                         f"Training was paused and the weights were restored to the last finite values. "
                         f"Try a lower learning rate, e.g. {_fmt_lr(suggest_learning_rate(lr))} "
                         f"instead of {_fmt_lr(lr)}.")
        self._stop_clock()
        self._mode = DIVERGED
        self._budget = None
        self._batch = 0
        self._publish()
        self._emit("diverged", self._message)
        raise _EndFit("diverged")

    def _evaluate_test(self, now: float | None = None) -> None:
        ds = self.dataset
        x_test = getattr(ds, "x_test", None)
        if x_test is None or not len(x_test) or self.model is None or self._step == 0:
            return
        start = time.perf_counter()
        self._last_test = start if now is None else now
        try:
            logs = self.model.evaluate(x_test, ds.y_test, batch_size=256, return_dict=True)
        except Exception:  # noqa: BLE001 - a test split that does not fit is no reason to stop training
            return
        self._test_cost = time.perf_counter() - start
        self._test_loss = float(logs.get("loss", float("nan")))
        names = [k for k in logs if k != "loss"]
        self._test_metric_name = names[0] if names else ""
        self._test_metric = float(logs[names[0]]) if names else float("nan")
        x = self._epoch + (self._batch / self._steps_per_epoch if self._steps_per_epoch else 0.0)
        for key, value in logs.items():
            rows = self._test_rows.get(key)
            if rows is None:
                rows = self._test_rows[key] = _Pending(2)
            rows.append(x, value)

    # ------------------------------------------------------------------ snapshots
    def _settle(self) -> None:
        """Before waiting for commands: answer pings (after a snapshot of the state reached)."""
        if self._pongs:
            if self.model is not None:
                self._publish()
            else:
                self._answer_pings()

    def _answer_pings(self) -> None:
        pongs, self._pongs = self._pongs, []
        for token in pongs:
            self._emit("pong", token)

    def _state(self) -> str:
        if self._mode == PAUSED and self._budget is not None:
            return RUNNING  # a step in progress
        return self._mode

    def _publish(self, now: float | None = None, weights: bool = True) -> None:
        """Send a snapshot. While running, the weights are copied at most ``weights_interval`` apart (a big
        network's copy costs); every other snapshot (pause, stop, divergence, reset, set-up) carries them."""
        now = time.perf_counter() if now is None else now
        self._next_publish = now + self.publish_interval
        if weights:
            self._next_weights = now + self.weights_interval
        model = self.model
        if model is None:
            return
        state = self._state()
        running = self._run_clock is not None
        if running and self._rate_ref is not None:
            t0, s0 = self._rate_ref
            if now - t0 >= 0.2:
                rate = (self._samples - s0) / (now - t0)
                self._rate = rate if not self._rate else 0.5 * (self._rate + rate)
                self._rate_ref = (now, self._samples)
        elapsed = self._elapsed + (now - self._run_clock if running else 0.0)
        eta = None
        if self._run_active and self._target and self._rate > 0:
            remaining = (self._run_start + self._target - self._epoch) * self._n_train - self._batch * self._batch_size
            eta = max(remaining, 0) / self._rate
        self._version += 1
        scalars = dict(
            state=state, version=self._version, epoch=self._epoch, batch=self._batch,
            steps_per_epoch=self._steps_per_epoch, step=self._step, samples_seen=self._samples,
            batch_size=self._batch_size, run_start_epoch=self._run_start,
            epochs_target=self._target if self._run_active else (self.config.epochs or None),
            batch_loss=float(model.last_batch_loss) if self._step else float("nan"),
            test_loss=self._test_loss, test_metric=self._test_metric, test_metric_name=self._test_metric_name,
            weight_keys=tuple(model.weight_keys()),
            learning_rate=float(model.optimizer.learning_rate) if model.optimizer else float("nan"),
            samples_per_second=self._rate if running else 0.0, elapsed=elapsed, eta=eta, message=self._message)
        wire = {"gen": self._gen, "fields": scalars, "weights": model.get_weights() if weights else None,
                "batch_rows": self._batch_rows.take(), "grad_rows": self._grad_rows.take(),
                "grad_layer_names": self._grad_names,
                "history_rows": {k: p.take() for k, p in self._epoch_rows.items()},
                "test_rows": {k: p.take() for k, p in self._test_rows.items()}}
        self._emit("snapshot", wire)
        if state != self._last_state:
            self._last_state = state
            self._emit("state_changed", state)
        if self._pongs:
            self._answer_pings()


# ============================================================================== the child process
_HEADER = 8


def write_message(stream, obj) -> None:
    """One pickled object, prefixed with its length (so the reader takes it in one read, see below)."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(_HEADER, "little"))
    stream.write(data)
    stream.flush()


def read_message(stream):
    """The next object from ``stream``; EOFError at the end. The bytes are read whole, without the GIL,
    and unpickled at once: ``pickle.load`` on a pipe would take the GIL back for every small read, and
    each time the GUI thread would have to wait for it."""
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        raise EOFError
    n = int.from_bytes(header, "little")
    data = stream.read(n)
    if len(data) < n:
        raise EOFError
    return pickle.loads(data)


def _child_main() -> int:
    """``python -m nnviz.session.training_engine``: commands arrive pickled on stdin, events leave
    pickled on stdout (which nothing else may write to: ``print`` goes to stderr here)."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=1 << 16)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    inp = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    lock = threading.Lock()

    def emit(event, *args):
        with lock:
            try:
                write_message(out, (event, *args))
            except (BrokenPipeError, OSError):
                os._exit(0)  # the GUI is gone

    options = read_message(inp)
    engine = TrainingEngine(emit, **options)

    def read_commands():
        try:
            while True:
                command = read_message(inp)
                engine.send(*command)
                if command[0] == "quit":
                    return
        except (EOFError, OSError, pickle.UnpicklingError):
            engine.send("quit")

    threading.Thread(target=read_commands, name="nnviz-commands", daemon=True).start()
    emit("ready")
    engine.run()
    emit("finished")
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_child_main())
