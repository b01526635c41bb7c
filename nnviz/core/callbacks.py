"""Keras-style training callbacks: the hooks the GUI's training worker drives training through."""

from __future__ import annotations

import math
import sys
import time


class Callback:
    """Override any of the ``on_*`` methods. Set ``self.model.stop_training = True`` to stop."""

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...


_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_begin", "on_test_end")


class CallbackList:
    """Calls every callback's hook in order; hooks nobody overrides cost nothing per batch."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)
        for hook in _HOOKS:
            bound = [getattr(cb, hook) for cb in self.callbacks
                     if hook in vars(cb) or getattr(type(cb), hook, None) is not getattr(Callback, hook)]
            setattr(self, "wants_" + hook[3:], bool(bound))
            setattr(self, hook, self._caller(bound))

    @staticmethod
    def _caller(bound):
        if not bound:
            return lambda *args, **kwargs: None

        def call(*args, **kwargs):
            for fn in bound:
                fn(*args, **kwargs)
        return call


class History(Callback):
    """``history.history`` maps each log key to its per-epoch list; ``history.epoch`` the epoch indices."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


class LambdaCallback(Callback):
    """``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if name not in _HOOKS:
                raise ValueError(f"unknown callback hook {name!r}; valid hooks are: {', '.join(_HOOKS)}")
            setattr(self, name, fn)


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch's loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: invalid loss, terminating training")
            self.model.stop_training = True


def format_logs(logs: dict) -> str:
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


class ProgbarLogger(Callback):
    """Keras' console output: ``verbose=1`` a progress bar, ``verbose=2`` one line per epoch::

        Epoch 3/20
        168/168 - 0s - loss: 0.5748 - accuracy: 0.7010
    """

    def __init__(self, verbose: int = 1, stream=None):
        super().__init__()
        self.verbose = verbose
        self.stream = stream

    @property
    def out(self):
        return self.stream or sys.stdout

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._last_draw = 0.0
        print(f"Epoch {epoch + 1}/{self.params['epochs']}", file=self.out)

    def _bar(self, done, steps, logs, final):
        width = 30
        filled = int(width * done / steps) if steps else width
        bar = "=" * max(filled - 1, 0) + (">" if filled < width else "=") + "." * (width - filled)
        elapsed = time.perf_counter() - self._start
        if final:
            timing = f"{elapsed:.0f}s {1000 * elapsed / max(done, 1):.0f}ms/step"
        else:
            timing = f"ETA: {elapsed / max(done, 1) * (steps - done):.0f}s"
        width_n = len(str(steps))
        return f"\r{done:>{width_n}}/{steps} [{bar}] - {timing} - {format_logs(logs)}"

    def on_train_batch_end(self, batch, logs=None):
        if self.verbose != 1:
            return
        now = time.perf_counter()
        if now - self._last_draw > 0.05:
            self._last_draw = now
            self.out.write(self._bar(batch + 1, self.params["steps"], logs or {}, final=False))
            self.out.flush()

    def on_epoch_end(self, epoch, logs=None):
        steps = self.params["steps"]
        elapsed = time.perf_counter() - self._start
        if self.verbose == 1:
            self.out.write(self._bar(steps, steps, logs or {}, final=True) + "\n")
        elif self.verbose == 2:
            print(f"{steps}/{steps} - {elapsed:.0f}s - {format_logs(logs or {})}", file=self.out)
        self.out.flush()
