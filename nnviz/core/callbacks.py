"""Keras-style training callbacks: the hooks the GUI's training worker drives training through.

Divergence has one policy for the app, the CLI and scripts: :class:`DivergenceGuard` (on in the app's training
engine and in ``nnviz train``) stops training when the loss or the weights stop being finite, or when the loss
explodes or oscillates far above where training started without overflowing; it restores the last finite
weights and names a learning rate to try. :class:`TerminateOnNaN` is Keras' callback, for scripts.

``Sequential.fit`` itself, like Keras, does not stop a diverging run unless one of them is in its callbacks; with
``verbose`` on it says once that the loss is no longer finite and what would stop it (:class:`ProgbarLogger`).
"""

from __future__ import annotations

import collections
import math
import sys
import time
from dataclasses import dataclass

import numpy as np


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
    """Keras' callback: stops training as soon as a batch's loss is NaN or infinite (the weights stay as they are;
    :class:`DivergenceGuard` also restores the last finite ones and names a learning rate to try)."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


# ============================================================================== divergence
#: "the loss is exploding": this many epochs in a row end above RISING_FACTOR times the loss training started from
RISING_FACTOR, RISING_EPOCHS = 1.5, 3
#: "the loss is oscillating": this many of the last OSCILLATING_WINDOW epochs end above that line
OSCILLATING_EPOCHS, OSCILLATING_WINDOW = 6, 10
#: reference samples the starting loss is measured on
REFERENCE_SAMPLES = 2000
#: the batch size of the evaluations that run beside training (the guard's reference, the engine's test split).
#: Not 256: the 28×28 same-padding CNN's inference temporaries at 256 (28 MiB of im2col columns) raised glibc's
#: mmap threshold (and with it the free memory it keeps) to their size, and the training process held 186-229 MiB
#: where 103-118 do (bench/engine_memory.py --cnn)
EVALUATION_BATCH = 64


def suggest_learning_rate(lr: float) -> float:
    """A tenth of ``lr`` rounded to one significant digit: 0.03 -> 0.003."""
    x = lr / 10
    exp = math.floor(math.log10(x))
    return float(f"{round(x / 10 ** exp)}e{exp}")


def format_learning_rate(lr: float) -> str:
    return f"{lr:.3g}"


@dataclass(frozen=True)
class Divergence:
    """What :class:`DivergenceGuard` found: ``kind`` is "nan" (the loss or the weights are no longer finite;
    the last finite weights were restored) or "rising" (the loss exploded or oscillated far above its start)."""

    kind: str
    what: str                   # "the loss became NaN at epoch 3, step 5", "the loss rose to 3.79 after epoch 3, ..."
    epoch: int                  # 1-based
    learning_rate: float
    restored: bool

    @property
    def suggested_learning_rate(self) -> float:
        return suggest_learning_rate(self.learning_rate)

    def message(self, action: str = "stopped") -> str:
        """One paragraph for the user; ``action`` is what happened to training ("stopped", "paused")."""
        lr = self.learning_rate
        if self.restored:
            done = f"Training was {action} and the weights were restored to the last finite values."
        elif self.kind == "nan":
            done = f"Training was {action}."
        else:
            done = f"Training was {action}; the weights are finite but the network is not learning."
        if not math.isfinite(lr) or lr <= 0:
            return f"Training diverged: {self.what}. {done} Try a lower learning rate."
        return (f"Training diverged: {self.what}. {done} Try a lower learning rate, e.g. "
                f"{format_learning_rate(suggest_learning_rate(lr))} instead of {format_learning_rate(lr)}.")


def average_guess_loss(model, y) -> float:
    """The loss of a network that always predicts the average of ``y`` (the class frequencies for a classifier):
    the loss any training should beat, as the scale a rising loss is measured on. NaN when it does not apply."""
    try:
        loss, out = model.loss, tuple(model.output_shape[1:])
        y = np.asarray(y)
        n = len(y)
        if loss.name == "sparse_categorical_crossentropy":
            y = y.reshape(n).astype(np.int64)
            mean = np.bincount(y, minlength=out[-1]) / n
        else:
            y = y.reshape((n,) + out).astype(model.dtype)
            mean = y.mean(axis=0)
        value = float(loss(y, np.broadcast_to(mean.astype(model.dtype), (n,) + out)))
    except Exception:  # noqa: BLE001 - a loss or labels this does not fit: no floor, the starting loss alone
        return float("nan")
    return value if math.isfinite(value) else float("nan")


def weights_are_finite(model) -> bool:
    """True when every weight of ``model`` is finite (one sum per array: NaN and infinity both survive a sum)."""
    try:
        return all(math.isfinite(float(w.sum())) for layer in model.layers for w in layer.params.values())
    except OverflowError:
        return False


class DivergenceGuard(Callback):
    """Stops training that has diverged, puts back the last finite weights and names a learning rate to try.

    Diverged means: a batch's loss is NaN or infinite, or the weights are (checked every ``check_every``
    batches; 0 leaves the checks to whoever calls :meth:`checkpoint`); or the epoch's loss ends above
    ``RISING_FACTOR`` times the loss training started from for ``RISING_EPOCHS`` epochs in a row (exploding) or
    in ``OSCILLATING_EPOCHS`` of the last ``OSCILLATING_WINDOW`` (oscillating) — a learning rate too high for the
    loss to come down that never overflows (SGD at 10 on XOR: the clipped cross-entropy swings between 0.5 and
    3.8). In the non-finite case the whole training state as of the last finite check is restored (weights,
    optimizer slots and step count, random generators: see :mod:`nnviz.core.state`); a rising loss leaves the
    weights, which are finite, and is reported once per learning rate (until :meth:`rearm`): training that goes on
    after it is the user's choice.

    The starting loss is measured on ``reference`` (``(x, y)``, at most ``REFERENCE_SAMPLES`` of them) when
    training begins, else taken from the first batch (its loss is computed before the first update). With
    reference data the line is never below the loss of always guessing the average (:func:`average_guess_loss`):
    training on from well-trained weights wobbles far above their tiny loss without diverging. Once it is
    known, later ``fit`` calls with the same guard compare with it too; :meth:`reset` forgets it (new weights)
    and :meth:`rearm` forgets only the epochs counted so far (a new learning rate).

    After a divergence ``guard.divergence`` holds a :class:`Divergence` (its ``message()`` is printed when
    ``verbose``), ``on_diverged(divergence)`` is called, and ``model.stop_training`` is set (when ``stop``).
    """

    def __init__(self, reference=None, check_every: int = 1, verbose: int = 1, stop: bool = True, on_diverged=None):
        super().__init__()
        self.reference = reference
        self.check_every = int(check_every)
        self.verbose = verbose
        self.stop = stop
        self.on_diverged = on_diverged
        self.divergence: Divergence | None = None
        self.start_loss = float("nan")
        self.average_loss = float("nan")
        self._good = None
        self._epoch = 0
        self._since_check = 0
        self._above: collections.deque = collections.deque(maxlen=OSCILLATING_WINDOW)
        self._rising_armed = True

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """New weights: measure the starting loss afresh and forget the last good state."""
        self.start_loss = float("nan")
        self._good = None
        self.divergence = None
        self.rearm()

    def rearm(self) -> None:
        """Count exploding / oscillating epochs afresh, and report them again (after a new learning rate)."""
        self._above.clear()
        self._rising_armed = True

    def new_reference(self) -> None:
        """The loss means something else now (another loss function or regularization): measure the starting
        loss afresh, from the weights as they are (at once when the guard has a model and reference data)."""
        self.start_loss = float("nan")
        self.rearm()
        if self.model is not None and self.reference is not None:
            self.measure_start_loss(*self.reference)

    def measure_start_loss(self, x, y) -> float:
        """The loss of the model as it is, on at most ``REFERENCE_SAMPLES`` of ``(x, y)``: the reference a rising
        loss is compared with. NaN when it cannot be measured."""
        n = min(len(x), REFERENCE_SAMPLES)
        if not n:
            return float("nan")
        try:
            logs = self.model.evaluate(x[:n], y[:n], batch_size=EVALUATION_BATCH, return_dict=True)
        except Exception:  # noqa: BLE001 - no reference, no rising-loss check; fit itself says what does not fit
            return float("nan")
        self.start_loss = float(logs.get("loss", float("nan")))
        self.average_loss = average_guess_loss(self.model, y[:n])
        return self.start_loss

    @property
    def rising_reference(self) -> float:
        """What a rising loss is compared with: the starting loss, but never less than the loss of always guessing
        the average (when known), so a well-trained network's small wobbles are no divergence."""
        start, floor = self.start_loss, self.average_loss
        return max(start, floor) if math.isfinite(floor) else start

    def checkpoint(self, batch: int | None = None) -> bool:
        """Check the weights: finite, they become the state a divergence restores (True); otherwise diverge."""
        from nnviz.core.state import capture_state

        if weights_are_finite(self.model):
            self._good = capture_state(self.model)
            return True
        where = f" at epoch {self._epoch + 1}" + ("" if batch is None else f", step {batch + 1}")
        self._diverge("nan", "the weights became infinite or NaN" + where)
        return False

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, logs=None):
        self.divergence = None
        if self.reference is not None and not math.isfinite(self.start_loss):
            self.measure_start_loss(*self.reference)
        if self.check_every > 0 or self._good is None:
            self.checkpoint()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = self.model.last_batch_loss
        if not math.isfinite(loss):
            kind = "NaN" if loss != loss else "infinite"
            self._diverge("nan", f"the loss became {kind} at epoch {self._epoch + 1}, step {batch + 1}")
            return
        if batch == 0 and self.start_loss != self.start_loss:
            self.start_loss = float(loss)  # no reference data: the first batch's loss, taken before the update
        if self.check_every > 0:
            self._since_check += 1
            if self._since_check >= self.check_every:
                self._since_check = 0
                self.checkpoint(batch)

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        start = self.start_loss
        ref = self.rising_reference
        if loss is None or not math.isfinite(loss) or not math.isfinite(ref) or ref <= 0 or not self._rising_armed:
            return
        above = self._above
        above.append(loss > RISING_FACTOR * ref)
        in_a_row = len(above) >= RISING_EPOCHS and all(list(above)[-RISING_EPOCHS:])
        if not in_a_row and sum(above) < OSCILLATING_EPOCHS:
            return
        how = "for %d epochs in a row" % RISING_EPOCHS if in_a_row else \
            "in %d of the last %d epochs" % (sum(above), len(above))
        against = f"against {start:.3g} when training started"
        if ref > start:
            against += f" and {ref:.3g} for always guessing the average"
        self._diverge("rising", f"the loss rose to {loss:.3g} after epoch {epoch + 1}, {against} (above "
                                f"{RISING_FACTOR:g} times that {how})")

    def _diverge(self, kind: str, what: str) -> None:
        from nnviz.core.state import restore_state

        model = self.model
        restored = False
        if kind == "nan":
            if self._good is not None:
                restore_state(model, self._good)
                restored = True
            # the last finite weights may be far out already: a rising loss is measured from where training resumes
            self.start_loss = float("nan")
            self.rearm()
        else:
            self._above.clear()
            self._rising_armed = False
        opt = model.optimizer
        lr = float(opt.learning_rate) if opt is not None else float("nan")
        self.divergence = Divergence(kind=kind, what=what, epoch=self._epoch + 1, learning_rate=lr,
                                     restored=restored)
        if self.verbose:
            print(self.divergence.message("stopped" if self.stop else "left running"))
        if self.stop:
            model.stop_training = True
        if self.on_diverged is not None:
            self.on_diverged(self.divergence)


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

    def on_train_begin(self, logs=None):
        self._warned = False

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
        loss = (logs or {}).get("loss")
        if (loss is not None and not math.isfinite(loss) and not getattr(self, "_warned", False)
                and not self.model.stop_training):  # (a callback that stopped training has said why)
            self._warned = True  # Keras trains on regardless; say once what happened and what would stop it
            opt = getattr(self.model, "optimizer", None)
            lr = getattr(opt, "learning_rate", None)
            hint = (f" (try e.g. {format_learning_rate(suggest_learning_rate(lr))} instead of "
                    f"{format_learning_rate(lr)})" if lr and math.isfinite(lr) and lr > 0 else "")
            print(f"Warning: the loss is {loss}: training has diverged, the learning rate is probably too high{hint}. "
                  f"callbacks=[DivergenceGuard()] stops training and restores the last finite weights; "
                  f"TerminateOnNaN() stops it.", file=self.out)
        self.out.flush()
