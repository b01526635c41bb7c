"""The training engine behind :mod:`nnviz.session.worker`: commands, the ``fit`` callback, snapshots. No Qt.

:class:`TrainingEngine` runs a command loop and drives :func:`nnviz.core.training.fit` (the one training
path) through a callback. Between batches the callback looks at the command queue: pausing blocks on a
condition variable (no polling), stepping lets one batch (or the rest of an epoch) through, and stop /
reset / a new model end the ``fit`` call by raising a private exception after a finished step. Divergence is
the core's :class:`~nnviz.core.callbacks.DivergenceGuard` (the policy the CLI and scripts share): here it
pauses training in the "diverged" state with the guard's message.

The engine reports through one function, ``emit(event, *args)``: ``("snapshot", wire)``,
``("state_changed", state)``, ``("started",)``, ``("paused",)``, ``("stopped",)``, ``("diverged", message)``,
``("weights_reset",)``, ``("failed", message)``, ``("pong", token)`` (the answer to ``("ping", token)``, once
every command sent before it has been carried out, after a snapshot with the exact state reached). A snapshot
travels as a small "wire" dict: the scalar fields, a copy of the weights (and, out of the steady stream, the
optimizer state: see :mod:`~nnviz.session.engine_publish`), and only the curve rows added since the previous one; a
:class:`~nnviz.session.snapshot.SnapshotAssembler` on the receiving side appends them to its curves and builds
the immutable :class:`~nnviz.session.snapshot.TrainingSnapshot`. So a snapshot costs the same after an hour of
training as after a second, and it can cross a process boundary.

Why a process: a tiny network's training loop is bound by Python, not by NumPy, so it holds the GIL
nearly all the time. In a thread next to the GUI, every C++→Python call of pyqtgraph's painting waits
for the GIL (measured: 9 plots fell from 31 to 3 frames/s, 236 ms event-loop lateness). In a child
process (:mod:`nnviz.session.engine_process`, pickled messages over its stdin / stdout, :mod:`nnviz.session.wire`)
the GUI and the training each keep a core. The worker also offers the engine in a thread, for scripts.

The parts: :mod:`~nnviz.session.series` (curves), :mod:`~nnviz.session.snapshot` (what views draw),
:mod:`~nnviz.session.engine_publish` (what the engine sends when), :mod:`~nnviz.session.engine_runs` (slow motion),
:mod:`~nnviz.session.wire` and :mod:`~nnviz.session.engine_process` (the child process), this module (the loop).
"""

from __future__ import annotations

import collections
import math
import threading
import time

import numpy as np

from nnviz.core.callbacks import EVALUATION_BATCH, Callback, DivergenceGuard, suggest_learning_rate
from nnviz.core.model import Sequential
from nnviz.core.runs import Checkpoints
from nnviz.core.state import set_optimizer_state
from nnviz.session.engine_publish import PublishMixin
from nnviz.session.engine_runs import RunsMixin
from nnviz.core.perceptron_fit import fit_function   # the network's fit, or the perceptron rule
from nnviz.core.training import TrainingConfig, apply_regularization
from nnviz.session.series import EMPTY_CURVE, Curve, PendingRows, Series
from nnviz.session.snapshot import (DIVERGED, PAUSED, RUNNING, STATES, STOPPED, SnapshotAssembler,
                                    TrainingSnapshot)
from nnviz.session.wire import read_message, write_message

__all__ = ["TrainingEngine", "fresh_model", "suggest_learning_rate", "Curve", "EMPTY_CURVE", "Series",
           "TrainingSnapshot", "SnapshotAssembler", "read_message", "write_message",
           "RUNNING", "PAUSED", "STOPPED", "DIVERGED", "STATES"]

#: a "run until paused" fit is one call with this many epochs; the engine ends it itself
_FOREVER = 10 ** 12
#: settings that change how ``fit`` iterates: changing them restarts the epoch in progress
_STRUCTURAL = ("loss", "metrics", "batch_size", "validation_split")


def fresh_model(model_or_config, config: TrainingConfig) -> Sequential:
    """A new model with the architecture of ``model_or_config`` (a Sequential or its ``get_config()``),
    weights initialised from ``config.seed``, compiled with ``config``."""
    cfg = dict(model_or_config.get_config() if isinstance(model_or_config, Sequential) else model_or_config)
    cfg["seed"] = int(config.seed)
    fresh = Sequential.from_config(cfg)
    config.compile_model(fresh)
    return fresh


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

    def on_train_begin(self, logs=None):
        guard = self.e._guard
        guard.set_model(self.model)
        guard.on_train_begin(logs)

    def on_epoch_begin(self, epoch, logs=None):
        self.e._guard.on_epoch_begin(epoch)
        self.e._on_epoch_begin(epoch)

    def on_train_batch_end(self, batch, logs=None):
        self.e._guard.on_train_batch_end(batch, logs)  # a non-finite loss ends the step here
        self.e._on_batch_end(batch)

    def on_epoch_end(self, epoch, logs=None):
        self.e._on_epoch_end(epoch, logs)
        history = getattr(self.model, "history", None)   # fit's History: the engine sends the curves and drops them;
        if history is not None:                           # kept, a run until paused held two floats an epoch, forever
            history.epoch.clear()
            for values in history.history.values():
                values.clear()


# ============================================================================== the engine
class TrainingEngine(PublishMixin, RunsMixin):
    """The command loop and the training. ``send`` is thread-safe; ``run`` blocks until "quit"."""

    def __init__(self, emit, publish_interval: float = 0.025, sample_interval: float = 0.01,
                 test_interval: float = 0.02, weights_interval: float = 1 / 30, stream_optimizer: bool = False):
        self._emit = emit
        self.stream_optimizer = bool(stream_optimizer)   # True: the optimizer state with every weight copy (as before)
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
        self._setup_id = self._run_id = 0
        self._checkpoints, self._checkpoints_sent = Checkpoints(), True
        self._test_on_pause = True
        #: slow motion: batches a second (0 = full speed); every batch is published with its weights
        self.speed = self._next_batch_due = 0.0

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
        elif kind == "pause":   # ("pause", False): without a look at the test split (an edit waits for this pause)
            if self._mode == RUNNING or self._budget is not None:
                self._mode = PAUSED
                self._budget = None
                self._test_on_pause = len(command) < 2 or bool(command[1])
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
            _, model_config, weights, dataset, config, history, *extra = command
            extra = extra[0] if extra else {}
            self._setup_id = int(extra.get("setup_id", 0))
            self._fit = fit_function(extra.get("system"))
            self._setup(model_config, weights, dataset, config, history, extra.get("optimizer"), extra.get("test_history"))
            self._publish()
        elif kind == "speed":
            self.speed = max(float(command[1] or 0.0), 0.0)
            self._next_batch_due = 0.0
        elif kind == "config":
            return self._apply_config(command[1]) and in_fit
        elif kind == "ping":
            self._pongs.append(command[1])  # answered after the next snapshot, which shows the state reached
        return False

    # ------------------------------------------------------------------ set-up and reset
    def _setup(self, model_config, weights, dataset, config, history=None, optimizer=None,
               test_history=None) -> None:
        config = TrainingConfig.from_dict(dict(config))
        model = Sequential.from_config(model_config)
        if weights is not None:
            model.set_weights(weights)
        config.compile_model(model)
        if optimizer and model.optimizer is not None:
            set_optimizer_state(model, optimizer)   # training continues where it stopped
        self.model = model
        self.dataset = dataset
        self.config = config
        self._mode = STOPPED
        self._budget = None
        self._run_active = False
        self._clear(history, test_history)

    def _clear(self, history=None, test_history=None) -> None:
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
        self._batch_rows = PendingRows(3)
        self._ema = float("nan")
        self._epoch_rows: dict[str, PendingRows] = {}
        self._test_rows: dict[str, PendingRows] = {}
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
        # divergence: the core's guard; it measures the starting loss when the next fit begins, and checks the
        # weights (keeping the last finite state) when the engine samples, about 100 times a second
        ds = self.dataset
        x, y = getattr(ds, "x_train", None), getattr(ds, "y_train", None)
        self._guard = DivergenceGuard(reference=None if x is None else (x, y), check_every=0, verbose=0,
                                      stop=False, on_diverged=self._on_diverged)
        # gradient norms: one column per layer with trainable weights
        self._grad_layers = [layer for layer in model.layers if layer.trainable_names]
        names = tuple(layer.name for layer in self._grad_layers)
        self._grad_names = names
        self._grad_rows = PendingRows(1 + len(names))
        now = time.perf_counter()
        self._next_sample = now
        self._next_publish = now
        for key, values in (history or {}).items():
            rows = self._epoch_rows.setdefault(key, PendingRows(2))
            for i, v in enumerate(values):
                rows.append(i + 1, float(v))
        if history:
            self._epoch = self._run_start = max(len(v) for v in history.values())
        self._seed_test_rows(test_history)
        self._checkpoints, self._checkpoints_sent = Checkpoints(), True

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
            if self._guard.model is model:
                self._guard.checkpoint()  # a divergence restores this optimizer's state, not the old one's
        else:
            opt.learning_rate = float(new.learning_rate)  # read at every step
            if new.optimizer == "sgd":
                opt.momentum = float(new.momentum)
                opt.nesterov = bool(new.nesterov)
        if (new.regularization, new.regularization_rate) != (old.regularization, old.regularization_rate):
            apply_regularization(model, new.regularization, new.regularization_rate)
        if new.epochs != old.epochs and self._run_active:
            self._target = new.epochs or None
        if new.loss != old.loss or new.metrics != old.metrics:
            model.compile(optimizer=model.optimizer, loss=new.loss, metrics=list(new.metrics))
        if (new.regularization, new.regularization_rate, new.loss) != (old.regularization, old.regularization_rate,
                                                                      old.loss):
            self._guard.new_reference()  # the loss has a new meaning: "rising" compares with its value now
        elif (new.optimizer, new.learning_rate) != (old.optimizer, old.learning_rate):
            self._guard.rearm()   # a new learning rate: watch the loss afresh
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
        if self._test_on_pause:
            self._evaluate_test()
        self._test_on_pause = True
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
            self._run_id += 1
            self._checkpoints = Checkpoints()
            self._checkpoints.add(self._epoch, self.model.get_weights())   # the start
        self._message = ""
        while True:
            self._start_clock()
            self._in_fit = True
            self._fit_exit = "finished"
            try:
                done = self._fit(self.model, self.dataset, self.config, epochs=_FOREVER - self._epoch,
                                 callbacks=[_Callback(self)], initial_epoch=self._epoch)
                why, self._message = self._fit_exit, getattr(done, "outcome", "")
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
        if self.speed:
            self._slow_motion(now)
        elif now >= self._next_publish or self._pongs:
            self._publish_batch(now, weights=now >= self._next_weights)
        if self._has_commands or self._budget is not None:
            self._checkpoint(at_epoch_end=False)

    def _sample(self, x: float, now: float, batch: int) -> None:
        """Every ``sample_interval``: the gradient norms, and the divergence guard's look at the weights."""
        self._next_sample = now + self.sample_interval
        if self._grad_layers:
            norms = [math.sqrt(sum(float(np.vdot(g, g)) for g in layer.grads.values()))
                     for layer in self._grad_layers]
            self._grad_rows.append(x, *norms)
        self._guard.checkpoint(batch)  # finite: the state a divergence restores; else diverged (ends the step)

    def _on_epoch_end(self, epoch: int, logs) -> None:
        self._epoch = epoch + 1
        self._batch = 0
        for key, value in (logs or {}).items():
            rows = self._epoch_rows.get(key)
            if rows is None:
                rows = self._epoch_rows[key] = PendingRows(2)
            rows.rows.append((self._epoch, value))
        self._guard.on_epoch_end(epoch, logs)  # a loss exploding or oscillating far above its start: diverged
        self._checkpoints.add(self._epoch, self.model.get_weights())
        self._checkpoints_sent = False
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

    def _on_diverged(self, divergence) -> None:
        """The guard found the loss or the weights no longer finite (it has restored the last finite state), or
        the loss far above its start: pause in the "diverged" state and say what to try."""
        self._message = divergence.message("paused")
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
            logs = self.model.evaluate(x_test, ds.y_test, batch_size=EVALUATION_BATCH, return_dict=True)
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
                rows = self._test_rows[key] = PendingRows(2)
            rows.append(x, value)
