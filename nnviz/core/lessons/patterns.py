"""Detectors of what a learning curve shows, as the course names it (NumPy + stdlib only).

Each takes the Keras ``History.history`` lists and answers a yes/no question with a reason a student can read:

- :func:`oscillates` — the loss goes up and down instead of down ("too large a learning rate → oscillations");
- :func:`crawls` — the loss falls steadily but slowly ("too low → slow convergence");
- :func:`overfits` — validation loss turns up while training loss keeps falling;
- :func:`at_chance` — accuracy stays at the level of guessing (underfitting, a single neuron on XOR).

Every detector needs a minimum number of epochs and says "not enough epochs yet" below it: a pattern is never
read into two points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_EPOCHS = 8


@dataclass(frozen=True)
class Finding:
    """A detector's answer: ``found`` and why, in words."""

    found: bool
    reason: str

    def __bool__(self) -> bool:
        return self.found


def _finite(values) -> np.ndarray:
    a = np.asarray(list(values or []), dtype=float)
    return a[np.isfinite(a)]


def oscillates(loss, window: int = 12, guess: float | None = None) -> Finding:
    """The last ``window`` epochs' loss changes direction often (≥ 40 % of steps) by more than noise, or the loss
    has diverged: non-finite values; three epochs above 1.5 × the first epoch's or 1.5 × ``guess`` (the loss of
    always guessing, what the app's divergence policy compares with before it pauses training); or it ends above
    where it started."""
    raw = np.asarray(list(loss or []), dtype=float)
    if raw.size and not np.all(np.isfinite(raw)):
        return Finding(True, "the loss is no longer a finite number: the steps overshoot")
    if guess and raw.size >= 3 and np.all(raw[-3:] > 1.5 * guess):
        return Finding(True, f"the loss stays at {raw[-1]:.3g}, above 1.5 × the loss of guessing ({guess:.3g}): "
                             "the steps overshoot")
    if raw.size >= 3 and np.all(raw[-3:] > 1.5 * raw[0]):
        # what the app's divergence policy pauses on: three epochs above 1.5 × the starting loss
        return Finding(True, f"the loss rose to {raw[-1]:.3g} from {raw[0]:.3g}: the steps overshoot")
    if raw.size < MIN_EPOCHS:
        return Finding(False, f"not enough epochs yet ({raw.size} of {MIN_EPOCHS})")
    tail = raw[-window:]
    d = np.diff(tail)
    scale = max(float(np.mean(np.abs(tail))), 1e-12)
    big = np.abs(d) > 0.01 * scale
    flips = np.sum((np.sign(d[1:]) != np.sign(d[:-1])) & big[1:] & big[:-1])
    share = flips / max(len(d) - 1, 1)
    if share >= 0.4:
        return Finding(True, f"the loss changed direction in {int(flips)} of the last {len(d) - 1} epochs")
    if raw[-1] > raw[0] * 1.05:
        return Finding(True, f"the loss ended higher ({raw[-1]:.3g}) than it started ({raw[0]:.3g})")
    return Finding(False, "the loss goes down without swinging up and down")


def crawls(loss, max_drop: float = 0.25) -> Finding:
    """The loss falls almost every epoch but by less than ``max_drop`` (a share of where it started) overall."""
    a = _finite(loss)
    if a.size < MIN_EPOCHS:
        return Finding(False, f"not enough epochs yet ({a.size} of {MIN_EPOCHS})")
    d = np.diff(a)
    falling = float(np.mean(d <= 1e-12))
    drop = (a[0] - a[-1]) / max(abs(a[0]), 1e-12)
    if falling >= 0.8 and 0.0 <= drop < max_drop:
        return Finding(True, f"the loss falls steadily but only by {100 * drop:.0f} % in {a.size} epochs")
    if falling < 0.8:
        return Finding(False, "the loss does not fall steadily")
    return Finding(False, f"the loss fell by {100 * drop:.0f} %: that is not slow")


def overfits(loss, val_loss, rise: float = 0.1) -> Finding:
    """Validation loss (averaged over a few epochs) rose by more than ``rise`` (relative) above its minimum, which
    lies at least a tenth of the epochs (3 or more) back, while the training loss kept falling over the same epochs."""
    tr, va = _finite(loss), _finite(val_loss)
    n = min(tr.size, va.size)
    if va.size == 0:
        return Finding(False, "there is no validation loss: set a validation split")
    if n < MIN_EPOCHS:
        return Finding(False, f"not enough epochs yet ({n} of {MIN_EPOCHS})")
    tr, va = tr[:n], va[:n]
    # smoothed over a few epochs: a small validation set jitters, and a jitter at the end is not a turn
    k = max(3, n // 20)
    kernel = np.ones(k) / k
    sva = np.convolve(va, kernel, mode="valid")
    str_ = np.convolve(tr, kernel, mode="valid")
    best = int(np.argmin(sva))
    if len(sva) - 1 - best < max(3, n // 10):
        return Finding(False, "the validation loss is still near its lowest")
    turned = sva[-1] > sva[best] * (1 + rise) + 1e-3
    fell = str_[-1] < str_[best]
    best += k // 2
    if turned and fell:
        return Finding(True, f"validation loss was lowest near epoch {best + 1} ({va[best]:.3g}) and rose to "
                             f"{va[-1]:.3g} while the training loss fell to {tr[-1]:.3g}")
    if not turned:
        return Finding(False, "the validation loss has not turned up")
    return Finding(False, "the training loss is not falling any more either")


def at_chance(accuracy, chance: float, tolerance: float = 0.15, window: int = 5) -> Finding:
    """The last ``window`` epochs' accuracy all lie within ``tolerance`` of ``chance`` (guessing)."""
    a = _finite(accuracy)
    if a.size < max(window, MIN_EPOCHS):
        return Finding(False, f"not enough epochs yet ({a.size} of {max(window, MIN_EPOCHS)})")
    tail = a[-window:]
    if np.all(np.abs(tail - chance) <= tolerance):
        return Finding(True, f"accuracy stays at {tail[-1]:.2f}, about chance ({chance:.2f})")
    return Finding(False, f"accuracy {tail[-1]:.2f} is away from chance ({chance:.2f})")


DETECTORS = ("oscillates", "crawls", "overfits", "at_chance")
