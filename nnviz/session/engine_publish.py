"""The training engine's snapshots: what it sends, when, and what each one carries. No Qt.

A snapshot leaves the engine as a small "wire" dict (the scalar fields, perhaps a copy of the weights, and only the
curve rows added since the one before); :class:`~nnviz.session.snapshot.SnapshotAssembler` builds the
:class:`~nnviz.session.snapshot.TrainingSnapshot` on the other side of the pipe.

What each kind carries:

* the steady stream while training (every ``publish_interval``, and every batch in slow motion): the scalars and
  curve rows; a weight copy at most every ``weights_interval``; never the optimizer state. Adam's m and v are
  twice the weights: pickled with every copy they cost the MNIST-size MLP 7–29 % of its training time
  (bench/engine_wire.py) and nothing in the stream needs them;
* every other snapshot — pause (and each step's end), stop, divergence, reset, set-up — and the one that answers a
  ping (``sync``): the weights and the optimizer state reached, exactly, taken together between two steps. What an
  undo entry records and training resumes from (an edit while training pauses and waits for that one,
  :meth:`~nnviz.session.worker.TrainingController.pause_and_wait`).
"""

from __future__ import annotations

import time

from nnviz.core.state import optimizer_state
from nnviz.session.snapshot import PAUSED, RUNNING


class PublishMixin:
    """Mixed into :class:`~nnviz.session.training_engine.TrainingEngine`: its snapshots."""

    #: True: every weight copy carries the optimizer state, as before it was left out of the stream (for the
    #: "before" figures of bench/engine_wire.py)
    stream_optimizer = False

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

    def _publish_batch(self, now: float, weights: bool, batch_x=None) -> None:
        """A snapshot of the steady stream, after a batch; the full state instead when a ping waits for it."""
        exact = bool(self._pongs)
        self._publish(now=now, weights=weights or exact, batch_x=batch_x, stream=not exact)

    def _publish(self, now: float | None = None, weights: bool = True, batch_x=None, stream: bool = False) -> None:
        """Send a snapshot. ``stream``: one of the steady stream while running, which carries no optimizer state
        (the weights at most ``weights_interval`` apart: a big network's copy costs); every other snapshot
        (pause, stop, divergence, reset, set-up, a ping's answer) carries the weights and the optimizer state."""
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
        with_optimizer = weights and (not stream or self.stream_optimizer)
        scalars = dict(
            state=state, version=self._version, epoch=self._epoch, batch=self._batch,
            steps_per_epoch=self._steps_per_epoch, step=self._step, samples_seen=self._samples,
            batch_size=self._batch_size, run_start_epoch=self._run_start,
            epochs_target=self._target if self._run_active else (self.config.epochs or None),
            batch_loss=float(model.last_batch_loss) if self._step else float("nan"),
            test_loss=self._test_loss, test_metric=self._test_metric, test_metric_name=self._test_metric_name,
            weight_keys=tuple(model.weight_keys()),
            learning_rate=float(model.optimizer.learning_rate) if model.optimizer else float("nan"),
            samples_per_second=self._rate if running else 0.0, elapsed=elapsed, eta=eta, message=self._message,
            setup_id=self._setup_id, run_id=self._run_id if self._run_active or self._step else 0,
            optimizer_state=optimizer_state(model) if with_optimizer else None,
            batch_x=batch_x)
        if state != RUNNING:
            self._add_checkpoints(scalars, weights)
        wire = {"gen": self._gen, "fields": scalars, "weights": model.get_weights() if weights else None,
                "batch_rows": self._batch_rows.take(), "grad_rows": self._grad_rows.take(),
                "grad_layer_names": self._grad_names,
                "history_rows": {k: p.take() for k, p in self._epoch_rows.items()},
                "test_rows": {k: p.take() for k, p in self._test_rows.items()}}
        self._emit("snapshot", wire)
        if state != self._last_state:
            self._last_state = state
            self._emit("state_changed", state)
        if self._pongs and not stream:
            self._answer_pings()
