"""Rosenblatt's single-layer perceptron: a step activation and the perceptron rule, one sample at a time.

    ŷ = step(w·x + b) = 1 if w·x + b ≥ 0 else 0
    w ← w + η (t − ŷ) x,   b ← b + η (t − ŷ)          (only a mistake, t ≠ ŷ, changes anything)

Keras-style where Keras has an equivalent: ``Perceptron(learning_rate=1.0)``, ``fit(x, y, epochs=...)``
returning a ``History`` (``history.history["mistakes"]`` per epoch, ``"accuracy"``), ``predict``,
``get_weights`` / ``set_weights`` (``[kernel (features, units), bias (units,)]``, a ``Dense``'s layout).

* **Convergence**: an epoch without a mistake; training stops there (``converged``, ``converged_epoch``).
* **Non-convergence** is named after the perceptron convergence theorem: when a line separates the classes
  with margin γ (inputs within radius R, the bias counted as an input of 1), the rule makes at most (R/γ)²
  mistakes. After M mistakes, no line separates the classes with a margin above R/√M; and when the weights
  at the start of an epoch repeat those of an earlier epoch (samples in a fixed order) the rule cycles for
  ever, which proves that **no straight line separates these classes** (XOR).
* **More than two classes**: one unit per class, each trained by the rule on "this class or not"
  (one-vs-rest); ``predict`` picks the unit with the largest w·x + b. Stated in :attr:`Perceptron.scheme`.

:meth:`Perceptron.updates` yields every sample's step (a :class:`PerceptronStep`) for views that show the
decision line moving after each mistake; ``fit`` runs the same generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.core.callbacks import History


@dataclass(frozen=True)
class PerceptronStep:
    """One sample seen by the rule. ``kernel``/``bias`` are the weights after the step (copies)."""
    epoch: int
    index: int            # the sample's row in x
    x: np.ndarray
    target: int           # class index
    predicted: int        # ŷ before the update (class index)
    mistake: bool
    kernel: np.ndarray
    bias: np.ndarray
    delta_kernel: np.ndarray   # η (t − ŷ) x per unit
    delta_bias: np.ndarray

    def explain(self, learning_rate: float) -> str:
        """The update in the course's notation: w ← w + η (t − ŷ) x, with the numbers."""
        if not self.mistake:
            return f"sample {self.index}: ŷ = {self.predicted}, t = {self.target}: no mistake, no change"
        parts = []
        for k, d in enumerate(self.delta_bias):
            if d:
                unit = "" if len(self.delta_bias) == 1 else f"unit {k}: "
                sign = "+" if d > 0 else "−"
                parts.append(f"{unit}w ← w {sign} η·x, b ← b {sign} η")
        return (f"sample {self.index}: ŷ = {self.predicted}, t = {self.target} → " + "; ".join(parts)
                + f" (η = {learning_rate:g})")


class Perceptron:
    """Rosenblatt's perceptron on ``(n, features)`` inputs and integer class labels ``(n,)``."""

    def __init__(self, learning_rate: float = 1.0, shuffle: bool = False, seed: int | None = 0,
                 name: str = "perceptron"):
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate}")
        self.learning_rate = float(learning_rate)
        self.shuffle = bool(shuffle)
        self.seed = seed
        self.name = name
        self.kernel: np.ndarray | None = None
        self.bias: np.ndarray | None = None
        self.num_classes: int | None = None
        self.converged = False
        self.converged_epoch: int | None = None
        self.cycled = False
        self.total_mistakes = 0
        self.radius: float | None = None
        self.history = History()

    # ------------------------------------------------------------------------------------ weights
    @property
    def units(self) -> int:
        return 1 if self.num_classes in (None, 2) else int(self.num_classes)

    @property
    def scheme(self) -> str:
        if self.units == 1:
            return "two classes: one unit, ŷ = step(w·x + b)"
        return (f"{self.num_classes} classes: one unit per class, each trained on 'this class or not' "
                f"(one-vs-rest); the prediction is the unit with the largest w·x + b")

    def build(self, features: int, num_classes: int = 2) -> None:
        """Zero weights (Rosenblatt's start) for ``features`` inputs and ``num_classes`` classes."""
        if num_classes < 2:
            raise ValueError(f"a perceptron separates at least 2 classes, got {num_classes}")
        self.num_classes = int(num_classes)
        self.kernel = np.zeros((int(features), self.units))
        self.bias = np.zeros(self.units)

    def get_weights(self) -> list[np.ndarray]:
        self._require_built()
        return [self.kernel.copy(), self.bias.copy()]

    def set_weights(self, weights) -> None:
        self._require_built()
        kernel, bias = (np.asarray(w, dtype=np.float64) for w in weights)
        if kernel.shape != self.kernel.shape or bias.shape != self.bias.shape:
            raise ValueError(f"set_weights expects kernel {self.kernel.shape} and bias {self.bias.shape}, "
                             f"got {kernel.shape} and {bias.shape}")
        self.kernel, self.bias = kernel.copy(), bias.copy()

    def _require_built(self):
        if self.kernel is None:
            raise ValueError("the perceptron has no weights yet: call build(features, num_classes) or fit")

    # ------------------------------------------------------------------------------------ predict
    def decision_function(self, x) -> np.ndarray:
        """w·x + b per unit, shaped ``(n, units)``."""
        self._require_built()
        return self._check_x(x) @ self.kernel + self.bias

    def predict(self, x) -> np.ndarray:
        """Class indices ``(n,)``: step(w·x + b) for two classes, the largest unit for more."""
        z = self.decision_function(x)
        return (z[:, 0] >= 0).astype(np.int64) if self.units == 1 else np.argmax(z, axis=1).astype(np.int64)

    def evaluate(self, x, y) -> dict:
        y = np.asarray(y).astype(np.int64)
        predicted = self.predict(x)
        return {"mistakes": int(np.sum(predicted != y)), "accuracy": float(np.mean(predicted == y))}

    def _check_x(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"a perceptron takes a table of features (n, features); got shape {x.shape}. "
                             f"Flatten images first.")
        if self.kernel is not None and x.shape[1] != self.kernel.shape[0]:
            raise ValueError(f"the perceptron has {self.kernel.shape[0]} inputs, x has {x.shape[1]} features")
        return x

    # ------------------------------------------------------------------------------------ training
    def prepare(self, x, y):
        """Check ``x`` and ``y`` (class indices), build the weights when there are none, measure R; ``(x, y)``."""
        x = self._check_x(x)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or len(y) != len(x) or not np.all(np.equal(np.mod(y, 1), 0)) or (len(y) and y.min() < 0):
            raise ValueError("a perceptron learns class labels: y must hold one class index (0, 1, ...) per row "
                             "of x")
        y = y.astype(np.int64)
        if self.kernel is None:
            self.build(x.shape[1], max(2, int(y.max()) + 1 if len(y) else 2))
        elif len(y) and y.max() >= self.num_classes:
            raise ValueError(f"y holds class {int(y.max())}, the perceptron has {self.num_classes} classes")
        self.radius = float(np.sqrt(np.max(np.sum(x ** 2, axis=1) + 1.0))) if len(x) else 0.0
        return x, y

    def _targets(self, label: int) -> np.ndarray:
        """t per unit: the class bit for one unit, one-hot (one-vs-rest) for several."""
        if self.units == 1:
            return np.array([float(label)])
        t = np.zeros(self.units)
        t[label] = 1.0
        return t

    def updates(self, x, y, epochs: int = 100):
        """Yield a :class:`PerceptronStep` per sample seen, epoch after epoch, updating the weights as it goes.

        Stops after the first epoch without a mistake (``converged``), when the weights at an epoch's start
        repeat an earlier epoch's (``cycled``: no line separates the classes), or after ``epochs``. Each
        epoch's mistakes (samples that changed the weights) and its accuracy at its end go to ``history``."""
        x, y = self.prepare(x, y)
        rng = np.random.default_rng(self.seed)
        seen: set[bytes] = set()
        start = len(self.history.epoch)
        self.converged, self.converged_epoch, self.cycled = False, None, False
        for epoch in range(start, start + int(epochs)):
            if self.repeats(seen):
                return
            order = rng.permutation(len(x)) if self.shuffle else np.arange(len(x))
            mistakes = 0
            for position, i in enumerate(order):
                step = self.learn(x[i], int(y[i]), epoch, int(i))
                mistakes += step.mistake
                if position == len(order) - 1:   # the epoch's figures before its last step is shown
                    self.history.on_epoch_end(epoch, self.epoch_logs(x, y, mistakes))
                yield step
            if mistakes == 0:
                self.converged, self.converged_epoch = True, epoch
                return

    def learn(self, xi, label: int, epoch: int = 0, index: int = 0) -> PerceptronStep:
        """The rule on one sample (a row of features and its class): ŷ = step(w·x + b); after a mistake
        w ← w + η (t − ŷ) x and b ← b + η (t − ŷ), per unit."""
        z = xi @ self.kernel + self.bias
        fired = (z >= 0).astype(np.float64)
        error = self._targets(label) - fired                       # (t − ŷ) per unit: −1, 0 or +1
        predicted = int(fired[0]) if self.units == 1 else int(np.argmax(z))
        mistake = bool(np.any(error))
        d_kernel = self.learning_rate * np.outer(xi, error)
        d_bias = self.learning_rate * error
        if mistake:
            self.kernel += d_kernel
            self.bias += d_bias
            self.total_mistakes += int(np.count_nonzero(error))
        return PerceptronStep(epoch, index, np.array(xi, dtype=np.float64), label, predicted, mistake,
                              self.kernel.copy(), self.bias.copy(), d_kernel, d_bias)

    def repeats(self, seen: set) -> bool:
        """At an epoch's start: True (and ``cycled``) when the weights are those an earlier epoch of this run began
        with, samples in a fixed order: the rule would repeat its mistakes for ever. Else remembers them."""
        state = np.concatenate([self.kernel.ravel(), self.bias]).tobytes()
        if not self.shuffle and state in seen:
            self.cycled = True
            return True
        seen.add(state)
        return False

    def epoch_logs(self, x, y, mistakes: int) -> dict:
        """An epoch's figures: the accuracy at its end and the mistakes (samples that changed the weights)."""
        return {"accuracy": float(np.mean(self.predict(x) == y)), "mistakes": float(mistakes)}

    def fit(self, x, y, epochs: int = 100, verbose: int = 0) -> History:
        """Train with the rule until an epoch has no mistake, the weights cycle, or ``epochs`` have passed."""
        for _ in self.updates(x, y, epochs):
            pass
        if verbose:
            print(self.outcome())
        return self.history

    # ------------------------------------------------------------------------------------ outcome
    def margin_bound(self) -> float | None:
        """R/√M: no line separates the training classes with a larger margin, after M mistakes."""
        if not self.total_mistakes or self.radius is None:
            return None
        return self.radius / np.sqrt(self.total_mistakes)

    def outcome(self) -> str:
        """What training showed, in a sentence."""
        epochs = len(self.history.epoch)
        if self.converged:
            mistakes = f"{self.total_mistakes} mistake" + ("" if self.total_mistakes == 1 else "s")
            return (f"converged: epoch {self.converged_epoch + 1} had no mistake ({mistakes} in all); a straight "
                    f"line separates these classes" if self.units == 1 else
                    f"converged: epoch {self.converged_epoch + 1} had no mistake; every class is separated from "
                    f"the rest by a straight line (one-vs-rest)")
        if self.cycled:
            return (f"no straight line separates these classes: after {epochs} epochs the weights came back to "
                    f"where an earlier epoch began, so the rule repeats its mistakes for ever")
        bound = self.margin_bound()
        last = int(self.history.history["mistakes"][-1]) if epochs else 0
        text = f"not converged after {epochs} epochs ({last} mistakes in the last)"
        if bound is not None:
            text += (f": after {self.total_mistakes} mistakes, no straight line separates these classes with a "
                     f"margin above R/√M = {bound:.3g} (the convergence theorem's bound (R/γ)²)")
        return text

    def headline(self) -> str:
        """The outcome in a few words (:meth:`outcome` says it in full)."""
        if self.converged:
            return f"Converged: epoch {self.converged_epoch + 1} had no mistake"
        if self.cycled:
            return "No straight line separates these classes"
        return f"Not converged after {len(self.history.epoch)} epochs"

    def get_config(self) -> dict:
        return {"name": self.name, "learning_rate": self.learning_rate, "shuffle": self.shuffle, "seed": self.seed}


def convergence_bound(x, y, kernel, bias) -> tuple[float, float, float]:
    """``(R, γ, (R/γ)²)`` for a separating line ``kernel·x + bias`` of two classes ``y`` ∈ {0, 1}: R the
    largest norm of (x, 1), γ the smallest signed distance of a sample to the line in (x, 1)-space (the
    separator normalised to unit length, bias included). γ ≤ 0 means the line does not separate."""
    x = np.asarray(x, dtype=np.float64)
    aug = np.hstack([x, np.ones((len(x), 1))])
    w = np.append(np.asarray(kernel, dtype=np.float64).ravel(), float(np.ravel(bias)[0]))
    sign = np.where(np.asarray(y) > 0, 1.0, -1.0)
    radius = float(np.max(np.linalg.norm(aug, axis=1)))
    gamma = float(np.min(sign * (aug @ w)) / np.linalg.norm(w))
    return radius, gamma, (radius / gamma) ** 2 if gamma > 0 else float("inf")
