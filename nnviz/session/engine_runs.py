"""The training engine's part for runs you can watch and undo: slow motion (one batch every 1 / speed seconds,
each published with its weights and its samples), and the test curve a set-up brings back (after an undo). No Qt.
"""

from __future__ import annotations

import time

import numpy as np

from nnviz.session.series import PendingRows


class RunsMixin:
    """Mixed into :class:`~nnviz.session.training_engine.TrainingEngine`; uses its condition, clock and publish."""

    def _seed_test_rows(self, test_history) -> None:
        for key, rows in (test_history or {}).items():   # the test curve and "Test loss" survive an undo
            pending = self._test_rows.setdefault(key, PendingRows(2))
            for x, v in rows:
                pending.append(float(x), float(v))
            if rows and key == "loss":
                self._test_loss = float(rows[-1][1])
            elif rows and not self._test_metric_name:
                self._test_metric_name, self._test_metric = key, float(rows[-1][1])

    def _slow_motion(self, now: float) -> None:
        """One batch every 1 / speed seconds: publish this batch (weights and its samples), then wait for the
        next one's time, or for a command (pause, a new speed) that cuts the wait short."""
        self._publish_batch(now, weights=True, batch_x=self._current_batch_input())
        due = max(self._next_batch_due, now) + 1.0 / self.speed
        self._next_batch_due = due
        self._stop_clock()
        with self._cond:
            while not self._commands:
                left = due - time.perf_counter()
                if left <= 0:
                    break
                self._cond.wait(left)
        self._start_clock()

    def _current_batch_input(self):
        """The inputs of the batch just trained (the first layer keeps them for its backward pass), or None."""
        layers = self.model.layers
        cache = getattr(layers[0], "cache", None) if layers else None
        for value in (cache or {}).values():
            if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[1] == 2:
                return value.copy()
        return None

    def fractional_epoch(self) -> float:
        return self._epoch + (self._batch / self._steps_per_epoch if self._steps_per_epoch else 0.0)

    def _add_checkpoints(self, scalars: dict, weights: bool) -> None:
        """A snapshot out of the running state (pause, stop, divergence) carries the run's checkpoints, the weights
        of that moment the last of them."""
        if weights and self._run_active:
            self._checkpoints.add(self.fractional_epoch(), self.model.get_weights())   # the end (so far)
            self._checkpoints_sent = False
        if not self._checkpoints_sent:
            scalars["checkpoints"] = tuple(self._checkpoints.items)
            self._checkpoints_sent = True
