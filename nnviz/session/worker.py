"""Training off the GUI thread: ``TrainingWorker`` drives the training, ``TrainingController`` commands it.

The GUI thread never trains. A :class:`TrainingWorker` (a ``QObject``) is moved to a ``QThread``; it drives a
:class:`~nnviz.session.training_engine.TrainingEngine`, which runs :func:`nnviz.core.training.fit` (the one
training path) and checks its command queue between batches: pause blocks on a condition variable, a
step lets one batch (or the rest of an epoch) through, stop / reset / a new model end ``fit``.

By default the engine runs in a child process (``backend="process"``) and the worker's thread relays
its events; ``backend="thread"`` runs the engine in the worker's thread itself. The process is there
for the GIL: a small network's training loop is Python-bound and, in a thread, starves pyqtgraph's
painting (see :mod:`nnviz.session.training_engine`; the child runs :mod:`nnviz.session.engine_process`).
Either way the worker publishes immutable :class:`TrainingSnapshot` objects through ``snapshot_published`` (at
most every ``publish_interval`` seconds while running, always on a pause, stop, divergence or reset) and never
touches a widget.

:class:`TrainingController` lives in the GUI thread: it owns the thread and the worker, exposes the
commands, keeps only the newest snapshot and re-emits it as ``snapshot_ready`` from a ~30 Hz timer, so
fast training can never flood the event loop. ``shutdown()`` stops everything within a second.

QtCore only.
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import threading
import weakref

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Qt, Signal

from nnviz.core.model import Sequential
from nnviz.core.training import TrainingConfig
from nnviz.core.callbacks import suggest_learning_rate
from nnviz.session.series import EMPTY_CURVE, Curve
from nnviz.session.snapshot import (DIVERGED, PAUSED, RUNNING, STATES, STOPPED, SnapshotAssembler,
                                    TrainingSnapshot)
from nnviz.session.training_engine import TrainingEngine, fresh_model
from nnviz.session.wire import read_message, write_message


__all__ = ["TrainingWorker", "TrainingController", "TrainingSnapshot", "Curve", "EMPTY_CURVE", "fresh_model",
           "suggest_learning_rate", "RUNNING", "PAUSED", "STOPPED", "DIVERGED", "STATES"]

_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class TrainingWorker(QObject):
    """Drives the training engine from its thread. Every command method is thread-safe and returns at once.

    Signals (emitted from the worker thread; they arrive queued in the GUI thread, in order):

    * ``snapshot_published(TrainingSnapshot)`` — throttled while running; always on a state change;
    * ``state_changed(str)`` — after the first snapshot in a new state (running/paused/stopped/diverged);
    * ``started()`` — a Train command took effect;
    * ``paused()`` — after the snapshot of a pause (also after each step); nothing follows until a command;
    * ``stopped()`` — after the snapshot of a stop (a Stop, the end of the run's epochs, a reset);
    * ``diverged(str)`` — the core's divergence policy (:class:`~nnviz.core.callbacks.DivergenceGuard`) paused
      training: the loss or the weights became NaN / infinite (the last finite weights are back), or the loss
      exploded or oscillated far above its start; the message names a learning rate to try;
    * ``weights_reset()``, ``failed(str)`` (the data or settings do not fit, or the process died),
      ``synced(int)`` (the answer to ``sync(token)``: every earlier command has been carried out),
      ``finished()`` (the worker is done; its thread quits).
    """

    snapshot_published = Signal(object)
    synced = Signal(int)
    state_changed = Signal(str)
    started = Signal()
    paused = Signal()
    stopped = Signal()
    diverged = Signal(str)
    weights_reset = Signal()
    failed = Signal(str)
    warned = Signal(str)
    finished = Signal()

    #: more keyword arguments for the :class:`TrainingEngine` of every worker made after setting it (benchmarks:
    #: ``{"stream_optimizer": True}`` puts the optimizer state back into every weight copy, as before)
    engine_options: dict = {}

    def __init__(self, backend: str = "process", publish_interval: float = 0.025, parent: QObject | None = None):
        super().__init__(parent)
        if backend not in ("process", "thread"):
            raise ValueError(f"backend must be 'process' or 'thread', got {backend!r}")
        self.backend = backend
        self._assembler = SnapshotAssembler()
        self._latest = TrainingSnapshot()
        self._done = threading.Event()
        self._send_lock = threading.Lock()
        self._closed = False
        self._pong = threading.Condition()
        self._pong_token = 0       # the newest ping the engine answered
        options = {**self.engine_options, "publish_interval": publish_interval}
        if backend == "process":
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
            env.setdefault("OPENBLAS_NUM_THREADS", "1")
            env.setdefault("OMP_NUM_THREADS", "1")
            env.setdefault("MKL_NUM_THREADS", "1")
            # a CNN's batches in one thread too (core.conv_front): split next to the GUI they trained no faster and
            # made the GUI later (bench/gui_responsiveness.py --mnist-csv --cnn: 7,504 against 7,563 samples/s, p99
            # 28.5 against 17.8 ms); NNVIZ_BATCH_THREADS=2 in the environment splits them anyway
            env.setdefault("NNVIZ_BATCH_THREADS", "1")
            self._proc = subprocess.Popen([sys.executable, "-m", "nnviz.session.engine_process"],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            self._engine = None
            self._write(options)
        else:
            self._proc = None
            self._engine = TrainingEngine(self._on_engine_event, **options)

    # ------------------------------------------------------------------ commands (any thread)
    def _write(self, obj) -> None:
        with self._send_lock:
            if self._closed:
                return
            try:
                write_message(self._proc.stdin, obj)
            except (BrokenPipeError, OSError, ValueError):
                self._closed = True

    def _send(self, *command) -> None:
        if self._proc is not None:
            self._write(command)
        else:
            self._engine.send(*command)

    def train(self) -> None:
        """Start or resume training (the configured epochs, or until paused when epochs is 0)."""
        self._send("train")

    resume = train

    def pause(self, test: bool = True) -> None:
        """Pause after the step in progress; ``test=False``: without evaluating the test split first (at MNIST size
        that takes ~0.1 s, which an edit waiting for the pause should not)."""
        self._send("pause") if test else self._send("pause", False)

    def step_batch(self) -> None:
        """Train exactly one batch, then pause."""
        self._send("step_batch")

    def step_epoch(self) -> None:
        """Train to the end of the epoch in progress (a whole epoch from its start), then pause."""
        self._send("step_epoch")

    def stop(self) -> None:
        """End the run; the weights stay, and Train starts a new run from them."""
        self._send("stop")

    def reset_weights(self) -> None:
        """Stop, and initialise the weights afresh from the seed; counters and curves start over."""
        self._send("reset")

    def set_learning_rate(self, lr: float) -> None:
        """Applies at the next step."""
        self._send("config", {"learning_rate": float(lr)})

    def set_regularization(self, kind: str, rate: float) -> None:
        """Applies at the next step."""
        self._send("config", {"regularization": kind, "regularization_rate": float(rate)})

    def set_config(self, config: TrainingConfig) -> None:
        """Learning rate, optimizer, momentum, regularization and epochs apply at the next step; loss,
        metrics, batch size and validation split restart the epoch in progress; the seed applies at Reset."""
        self._send("config", config.to_dict())

    def set_setup(self, model: Sequential, dataset, config: TrainingConfig, history: dict | None = None,
                  optimizer_state: dict | None = None, test_history: dict | None = None, setup_id: int = 0,
                  system: dict | None = None) -> None:
        """Train a copy of ``model`` (architecture and weights, and the optimizer's state when given) on
        ``dataset``; ends any run. The snapshots that follow carry ``setup_id``. ``system`` names a training loop
        other than the network's fit (``{"system": "perceptron", "shuffle": bool}``: the perceptron rule)."""
        self._send("setup", model.get_config(), model.get_weights(), dataset, config.to_dict(),
                   {k: list(v) for k, v in (history or {}).items()},
                   {"optimizer": optimizer_state, "setup_id": int(setup_id), "system": system,
                    "test_history": {k: [tuple(r) for r in v] for k, v in (test_history or {}).items()}})

    def set_speed(self, batches_per_second: float) -> None:
        """Slow motion: train ``batches_per_second`` batches a second, publishing each (0: full speed)."""
        self._send("speed", float(batches_per_second))

    def sync(self, token: int) -> None:
        """Ask for ``synced(token)`` once every command sent before this one has been carried out."""
        self._send("ping", int(token))

    def wait_synced(self, token: int, timeout: float) -> bool:
        """Block (without holding the GIL, and with no event loop) until the engine has answered ``sync(token)``:
        then :attr:`latest_snapshot` is the snapshot sent just before the answer, with the weights and the
        optimizer state reached. False after ``timeout`` seconds, or when the worker has ended."""
        with self._pong:
            return self._pong.wait_for(lambda: self._pong_token >= token or self._done.is_set(), timeout) \
                and self._pong_token >= token

    def quit(self) -> None:
        """End the worker after the step in progress."""
        self._send("quit")
        if self._proc is not None:
            with self._send_lock:
                self._closed = True
                try:
                    self._proc.stdin.close()
                except OSError:
                    pass

    def wait_done(self, timeout: float | None = None) -> bool:
        """Block (without holding the GIL) until the worker has finished; True when it has."""
        done = self._done.wait(timeout)
        if not done and self._proc is not None:
            self._proc.kill()  # a step that does not end in time: the process goes, the thread follows
            done = self._done.wait(1.0)
        return done

    @property
    def latest_snapshot(self) -> TrainingSnapshot:
        return self._latest

    # ------------------------------------------------------------------ the worker thread
    def run(self) -> None:
        """The worker thread: relay the child's events (or run the engine here) until the end."""
        try:
            if self._proc is None:
                self._engine.run()
            else:
                self._relay()
        finally:
            with self._pong:
                self._done.set()
                self._pong.notify_all()
            app = QCoreApplication.instance()
            if app is not None and self.thread() is not app.thread():
                self.moveToThread(app.thread())  # the GUI thread deletes us once the thread has ended
            self.finished.emit()
            QThread.currentThread().quit()

    def _relay(self) -> None:
        out = self._proc.stdout
        try:
            while True:
                event = read_message(out)  # blocks without the GIL
                if event[0] == "finished":
                    break
                self._on_engine_event(*event)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            if not self._closed:
                self.failed.emit(f"The training process ended unexpectedly ({type(exc).__name__}).")
        finally:
            try:
                self._proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            out.close()

    def _on_engine_event(self, event: str, *args) -> None:
        if event == "snapshot":
            snap = self._assembler.assemble(args[0])
            self._latest = snap
            self.snapshot_published.emit(snap)
        elif event == "state_changed":
            self.state_changed.emit(args[0])
        elif event == "started":
            self.started.emit()
        elif event == "paused":
            self.paused.emit()
        elif event == "stopped":
            self.stopped.emit()
        elif event == "diverged":
            self.diverged.emit(args[0])
        elif event == "weights_reset":
            self.weights_reset.emit()
        elif event == "failed":
            self.failed.emit(args[0])
        elif event == "warning":
            self.warned.emit(args[0])
        elif event == "pong":
            with self._pong:
                self._pong_token = max(self._pong_token, args[0])
                self._pong.notify_all()
            self.synced.emit(args[0])
# ============================================================================== the controller
class TrainingController(QObject):
    """The GUI thread's handle on training: owns the ``QThread`` and the worker, takes commands, and
    re-emits the newest snapshot as ``snapshot_ready`` from a ~30 Hz timer (never more often, never
    a stale one twice). Pauses, stops and divergences flush the newest snapshot at once.

    ``set_setup(model, dataset, config)`` hands the worker a copy of ``model`` (its config and weights); the
    caller's model is never trained. ``shutdown()`` stops the worker and joins the thread.
    """

    snapshot_ready = Signal(object)
    state_changed = Signal(str)
    started = Signal()
    paused = Signal()
    stopped = Signal()
    diverged = Signal(str)
    weights_reset = Signal()
    failed = Signal(str)
    warned = Signal(str)     # training goes on, but something is off (kept for the views; the engine now pauses
                             # a rising loss as a divergence)
    synced = Signal(int)

    def __init__(self, parent: QObject | None = None, interval_ms: int = 30, publish_interval: float = 0.025,
                 backend: str = "process"):
        super().__init__(parent)
        self._latest: TrainingSnapshot | None = None
        self._dirty = False
        self._state = STOPPED
        self._intends_running = False
        self._has_setup = False
        self._closed = False
        self.redraws = 0
        self.setup_id = 0
        self.speed = 0.0
        self.worker = TrainingWorker(backend=backend, publish_interval=publish_interval)
        self.thread = QThread()
        self.thread.setObjectName("nnviz-training")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        w = self.worker
        w.snapshot_published.connect(self._on_worker_snapshot_published)
        w.state_changed.connect(self._on_worker_state_changed)
        w.started.connect(self.started)
        w.paused.connect(self._on_worker_paused)
        w.stopped.connect(self._on_worker_stopped)
        w.diverged.connect(self._on_worker_diverged)
        w.weights_reset.connect(self.weights_reset)
        w.failed.connect(self._on_worker_failed)
        w.warned.connect(self.warned)
        w.synced.connect(self._on_worker_synced)
        self._sync_token = 0
        self._quiet_tokens: set[int] = set()   # pause_and_wait's syncs: nobody else waits for them
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.timer.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        # a script that ends without closing its window (or app.exec) still stops the worker first
        ref = weakref.ref(self)
        self._atexit = lambda: (ref() is not None and ref().shutdown())
        atexit.register(self._atexit)
        self.thread.start()

    # ------------------------------------------------------------------ state
    @property
    def latest_snapshot(self) -> TrainingSnapshot | None:
        return self._latest

    @property
    def state(self) -> str:
        """The last state the worker acknowledged: running / paused / stopped / diverged."""
        return self._state

    @property
    def is_running(self) -> bool:
        return self._intends_running

    @property
    def has_setup(self) -> bool:
        return self._has_setup

    # ------------------------------------------------------------------ commands
    def set_setup(self, model: Sequential, dataset, config: TrainingConfig, history: dict | None = None,
                  optimizer_state: dict | None = None, test_history: dict | None = None,
                  system: dict | None = None) -> int:
        """Train a clone of ``model`` on ``dataset`` with ``config`` (and the optimizer's state, the test curves
        when given; ``system``: a perceptron's rule in place of the network's fit); ends any run in progress. Returns the setup's id, which its snapshots carry
        (``snapshot.setup_id``): a snapshot with another id belongs to a network before."""
        if self._closed:
            return self.setup_id
        self._has_setup = True
        self._intends_running = False
        self.setup_id += 1
        self.worker.set_setup(model, dataset, config, history, optimizer_state, test_history, self.setup_id, system)
        return self.setup_id

    def set_speed(self, batches_per_second: float) -> None:
        """0: full speed; else slow motion at that many batches a second (every view updates each batch)."""
        self.speed = max(float(batches_per_second or 0.0), 0.0)
        self.worker.set_speed(self.speed)

    def clear_setup(self) -> None:
        """Nothing to train (the document is invalid): stop the run in progress."""
        self._has_setup = False
        self.stop()

    def set_config(self, config: TrainingConfig) -> None:
        self.worker.set_config(config)

    def set_learning_rate(self, lr: float) -> None:
        self.worker.set_learning_rate(lr)

    def set_regularization(self, kind: str, rate: float) -> None:
        self.worker.set_regularization(kind, rate)

    #: called before a command that trains (the training UI flushes a setup it has not sent yet)
    before_training = None

    def _prepare(self) -> None:
        if self.before_training is not None:
            self.before_training()

    def train(self) -> None:
        self._prepare()
        self._intends_running = True
        self.worker.train()

    def pause(self) -> None:
        self._intends_running = False
        self.worker.pause()

    def toggle(self) -> None:
        """Train when paused or stopped, pause when running (what Space and the Train button do)."""
        self.pause() if self._intends_running else self.train()

    def step_batch(self) -> None:
        self._prepare()
        self._intends_running = False
        self.worker.step_batch()

    def step_epoch(self) -> None:
        self._prepare()
        self._intends_running = False
        self.worker.step_epoch()

    def stop(self) -> None:
        self._intends_running = False
        self.worker.stop()

    def reset_weights(self) -> None:
        self._intends_running = False
        self.worker.reset_weights()

    def sync(self) -> int:
        """Returns a token; ``synced(token)`` follows once the worker has carried out every earlier command
        (and the snapshots they published have arrived)."""
        self._sync_token += 1
        self.worker.sync(self._sync_token)
        return self._sync_token

    def pause_and_wait(self, timeout: float = 10.0) -> TrainingSnapshot | None:
        """Pause, and block the calling thread until the engine has stopped between two steps and sent its exact
        state: returns that snapshot (the weights and the optimizer state reached, taken together), or None after
        ``timeout`` seconds. What an edit while training records, so that undo and Train go on exactly where the
        run stopped (the steady stream carries no optimizer state). Costs the rest of a batch and the snapshot's
        trip (bench/engine_wire.py: ~10-20 ms for 784-256-128-10 at batch 128); this pause skips the look at the
        test split a pause takes."""
        if self._closed:
            return None
        self._intends_running = False
        self.worker.pause(test=False)   # the test curve keeps its last point: no 0.1 s evaluation to wait for
        self._sync_token += 1
        token = self._sync_token
        self._quiet_tokens.add(token)
        self.worker.sync(token)
        if not self.worker.wait_synced(token, timeout):
            return None
        return self.worker.latest_snapshot

    def shutdown(self, timeout: float = 1.0) -> bool:
        """Stop the worker and join its thread (at most ``timeout`` seconds); True when it ended."""
        if self._closed:
            return not self.thread.isRunning()
        self._closed = True
        self.timer.stop()
        self.worker.quit()
        ended = self.worker.wait_done(timeout)  # releases the GIL while the worker finishes its step
        if ended:
            ended = self.thread.wait(max(int(timeout * 1000), 1))
        app = QCoreApplication.instance()
        if app is not None:
            try:
                app.aboutToQuit.disconnect(self.shutdown)
            except (RuntimeError, TypeError):
                pass
        atexit.unregister(self._atexit)
        return bool(ended)

    # ------------------------------------------------------------------ worker signals (GUI thread)
    def _on_worker_snapshot_published(self, snapshot: TrainingSnapshot) -> None:
        self._latest = snapshot
        self._dirty = True

    def _flush(self) -> None:
        if self._dirty and self._latest is not None:
            self._dirty = False
            self.redraws += 1
            self.snapshot_ready.emit(self._latest)

    def _on_timer_timeout(self) -> None:
        self._flush()

    def _on_worker_state_changed(self, state: str) -> None:
        self._state = state
        if state in (STOPPED, DIVERGED):
            self._intends_running = False
        self.state_changed.emit(state)

    def _on_worker_paused(self) -> None:
        self._state = PAUSED
        self._flush()
        self.paused.emit()

    def _on_worker_stopped(self) -> None:
        self._state = STOPPED
        self._intends_running = False
        self._flush()
        self.stopped.emit()

    def _on_worker_diverged(self, message: str) -> None:
        self._state = DIVERGED
        self._intends_running = False
        self._flush()
        self.diverged.emit(message)

    def _on_worker_synced(self, token: int) -> None:
        if token in self._quiet_tokens:
            self._quiet_tokens.discard(token)
            return
        self._flush()
        self.synced.emit(token)

    def _on_worker_failed(self, message: str) -> None:
        self._intends_running = False
        self._flush()
        self.failed.emit(message)
