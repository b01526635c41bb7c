"""Training runs kept as records: configuration, curves, final metrics, duration and weight checkpoints. No Qt.

A :class:`RunRecord` is one run (Train until it ended, was stopped, or paused and left): the configuration it
trained with (data set, architecture, optimizer and its settings, batch size, seed), its per-epoch curves, the
final train / validation / test metrics, how long it trained, and weight checkpoints on a bounded schedule.

The checkpoint schedule (:class:`Checkpoints`) keeps the start, the end and a geometric spread of epochs in
between: while there are more than ``max_count``, the inner checkpoint whose neighbours are closest on a
logarithmic epoch axis goes. So a 10-epoch run keeps every epoch and a 10,000-epoch run keeps about as many
checkpoints, dense early (where learning happens fastest) and sparse late. :class:`RunHistory` bounds the total
memory of every run's checkpoints: past ``budget_bytes`` the oldest runs are thinned down to start and end.

:func:`config_differences` and :func:`describe_difference` say what differs between runs ("lr 0.01 vs 1"),
:func:`runs_csv` writes the comparison table. :class:`TrainingState` is what an undo entry of training restores:
weights, optimizer state and curves.
"""

from __future__ import annotations

import csv
import io
import math
import time
import uuid
from dataclasses import dataclass, field

import numpy as np

#: checkpoints one run keeps at most; fewer when its weights are large (see :func:`max_checkpoints`)
MAX_CHECKPOINTS = 40
#: bytes of checkpoints one run may hold
RUN_BUDGET_BYTES = 8 * 2 ** 20
#: bytes of checkpoints all runs of a project may hold
TOTAL_BUDGET_BYTES = 64 * 2 ** 20


def weights_nbytes(weights) -> int:
    values = weights.values() if isinstance(weights, dict) else weights
    return int(sum(np.asarray(w).nbytes for w in values))


def max_checkpoints(weights_bytes: int, budget: int = RUN_BUDGET_BYTES, cap: int = MAX_CHECKPOINTS) -> int:
    """How many checkpoints of ``weights_bytes`` each fit in ``budget`` (at least start and end)."""
    if weights_bytes <= 0:
        return cap
    return int(max(2, min(cap, budget // weights_bytes)))


def thin_index(epochs) -> int | None:
    """The index of the checkpoint to drop so the rest stay a geometric spread: the inner one whose neighbours are
    closest on a log(epoch + 1) axis (never the first or the last). None with fewer than three."""
    if len(epochs) < 3:
        return None
    logs = [math.log1p(max(float(e), 0.0)) for e in epochs]
    gaps = [logs[i + 1] - logs[i - 1] for i in range(1, len(logs) - 1)]
    return 1 + int(np.argmin(gaps))


class Checkpoints:
    """Weight checkpoints of one run on the bounded schedule: ``add(epoch, weights)`` keeps the list in epoch order,
    replaces a checkpoint of the same epoch, and thins the inner ones past ``max_count``."""

    def __init__(self, max_count: int | None = None, items=None):
        self.max_count = max_count
        self.items: list[tuple[float, list[np.ndarray]]] = list(items or [])

    def clear(self) -> None:
        self.items = []

    def add(self, epoch: float, weights) -> None:
        weights = [np.array(w, copy=True) for w in weights]
        if self.max_count is None:
            self.max_count = max_checkpoints(weights_nbytes(weights))
        epoch = float(epoch)
        if self.items and self.items[-1][0] == epoch:
            self.items[-1] = (epoch, weights)
            return
        if self.items and self.items[-1][0] > epoch:   # an earlier epoch: the run was rewound
            self.items = [it for it in self.items if it[0] < epoch]
        self.items.append((epoch, weights))
        self.thin(self.max_count)

    def thin(self, count: int) -> None:
        while len(self.items) > max(2, count):
            self.items.pop(thin_index([e for e, _ in self.items]))

    @property
    def epochs(self) -> list[float]:
        return [e for e, _ in self.items]

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class RunRecord:
    """One training run. ``history`` holds the curves as they were when the run ended (Keras log keys; epoch i is
    index i - 1): the run's own epochs are those after ``start_epoch``. ``test_history`` maps a key to
    (fractional epoch, value) rows; ``checkpoints`` are ``(epoch, {weight key: array})`` in epoch order."""

    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    config: dict = field(default_factory=dict)      # {"dataset": spec, "architecture": ..., "training": ...}
    history: dict = field(default_factory=dict)
    test: dict = field(default_factory=dict)        # final test metrics: {"loss": ..., "accuracy": ...}
    test_history: dict = field(default_factory=dict)
    start_epoch: int = 0
    duration: float = 0.0                           # seconds of training, pauses excluded
    started: float = field(default_factory=time.time)
    ended_as: str = "paused"                        # finished / stopped / paused / diverged
    checkpoints: list = field(default_factory=list)
    label: str = ""

    # ------------------------------------------------------------------ what the table shows
    @property
    def end_epoch(self) -> int:
        return max((len(v) for v in self.history.values()), default=0)

    @property
    def epochs(self) -> int:
        """Epochs this run trained."""
        return max(self.end_epoch - self.start_epoch, 0)

    def final_metrics(self) -> dict[str, float]:
        """The last value of every curve, then ``test_<name>`` for the test split."""
        out = {k: float(v[-1]) for k, v in self.history.items() if len(v)}
        out.update({f"test_{k}": float(v) for k, v in self.test.items()})
        return out

    @property
    def nbytes(self) -> int:
        return sum(weights_nbytes(w) for _, w in self.checkpoints)

    def settings(self) -> dict:
        """The configuration flattened to the short names the table and legends use."""
        return flat_settings(self.config)

    def checkpoint_near(self, epoch: float):
        """The checkpoint ``(epoch, weights)`` closest to ``epoch``, or None."""
        if not self.checkpoints:
            return None
        return min(self.checkpoints, key=lambda c: abs(c[0] - float(epoch)))

    def thin(self, count: int) -> None:
        cps = Checkpoints(count, self.checkpoints)
        cps.thin(count)
        self.checkpoints = cps.items


#: short names of the settings, in the order the table shows them
SETTING_NAMES = (("dataset", "data"), ("architecture", "network"), ("optimizer", "optimizer"),
                 ("learning_rate", "lr"), ("momentum", "momentum"), ("batch_size", "batch"),
                 ("regularization", "reg"), ("regularization_rate", "reg rate"), ("loss", "loss"),
                 ("validation_split", "val split"), ("seed", "seed"))


def _describe_architecture(arch: dict) -> str:
    parts = []
    for layer in (arch or {}).get("layers", []):
        cls, cfg = layer.get("class_name", "?"), layer.get("config", {})
        if cls == "InputLayer":
            continue
        if cls == "Dense":
            parts.append(f"{cfg.get('units')}{(cfg.get('activation') or '')[:4]}")
        elif cls == "Conv2D":
            parts.append(f"C{cfg.get('filters')}")
        else:
            parts.append(cls[:4])
    return "-".join(str(p) for p in parts)


def _describe_dataset(spec) -> str:
    if not spec:
        return ""
    params = spec.get("params") or {}
    extra = ",".join(f"{k}={v}" for k, v in sorted(params.items()) if not isinstance(v, (dict, list)))
    return f"{spec.get('name')}({extra})" if extra else str(spec.get("name"))


def flat_settings(config: dict) -> dict:
    """``{"data": "spiral", "network": "8tanh-8tanh-2soft", "lr": 0.03, ...}`` for a run's configuration."""
    training = dict(config.get("training") or {})
    out = {"data": _describe_dataset(config.get("dataset")),
           "network": _describe_architecture(config.get("architecture") or {})}
    for key, short in SETTING_NAMES[2:]:
        if key in training:
            out[short] = training[key]
    return out


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return a == b


def config_differences(runs) -> list[str]:
    """The short setting names whose values are not the same in every run (table columns to highlight)."""
    runs = list(runs)
    if len(runs) < 2:
        return []
    settings = [r.settings() for r in runs]
    keys = [k for _, k in SETTING_NAMES]
    return [k for k in keys if any(not _same(s.get(k), settings[0].get(k)) for s in settings[1:])]


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def describe_difference(run, others) -> str:
    """What sets ``run`` apart from ``others``: ``"lr 0.01"`` (its values of the differing settings), or the run's
    label when nothing differs. A legend pairs them: "lr 0.01 vs 1" reads across the legend's lines."""
    keys = config_differences([run, *others])
    s = run.settings()
    text = ", ".join(f"{k} {_fmt(s.get(k))}" for k in keys)
    return text or run.label or run.run_id


def difference_summary(runs) -> str:
    """One line for a set of runs: ``"lr 0.01 vs 0.1 vs 1"``."""
    runs = list(runs)
    keys = config_differences(runs)
    if not keys:
        return ""
    return "; ".join(f"{k} " + " vs ".join(_fmt(r.settings().get(k)) for r in runs) for k in keys)


def runs_csv(runs) -> str:
    """The comparison table as CSV: run, started, settings, final metrics, epochs, seconds."""
    runs = list(runs)
    setting_keys = [k for _, k in SETTING_NAMES]
    metric_keys: list[str] = []
    for r in runs:
        for k in r.final_metrics():
            if k not in metric_keys:
                metric_keys.append(k)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["run", "started", *setting_keys, "epochs", *metric_keys, "seconds", "ended"])
    for r in runs:
        s, m = r.settings(), r.final_metrics()
        w.writerow([r.label or r.run_id, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.started)),
                    *[_fmt(s.get(k, "")) for k in setting_keys], r.epochs,
                    *[("" if k not in m else f"{m[k]:.6g}") for k in metric_keys], f"{r.duration:.2f}", r.ended_as])
    return buf.getvalue()


class RunHistory:
    """Every run of a project, oldest first, with the total memory of their checkpoints bounded."""

    def __init__(self, runs=None, budget_bytes: int = TOTAL_BUDGET_BYTES):
        self.runs: list[RunRecord] = list(runs or [])
        self.budget_bytes = budget_bytes

    def __iter__(self):
        return iter(self.runs)

    def __len__(self) -> int:
        return len(self.runs)

    def get(self, run_id: str) -> RunRecord | None:
        return next((r for r in self.runs if r.run_id == run_id), None)

    def put(self, record: RunRecord) -> None:
        """Add ``record``, or replace the record with its id (a paused run that went on)."""
        for i, r in enumerate(self.runs):
            if r.run_id == record.run_id:
                self.runs[i] = record
                break
        else:
            if not record.label:
                record.label = f"run {len(self.runs) + 1}"
            self.runs.append(record)
        self.enforce_budget(keep=record.run_id)

    def remove(self, run_id: str) -> None:
        self.runs = [r for r in self.runs if r.run_id != run_id]

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes for r in self.runs)

    def enforce_budget(self, keep: str | None = None) -> None:
        """Oldest runs first: thin to start and end until the total fits (the run ``keep`` last)."""
        order = [r for r in self.runs if r.run_id != keep] + [r for r in self.runs if r.run_id == keep]
        for r in order:
            if self.nbytes <= self.budget_bytes:
                return
            r.thin(2)


@dataclass(frozen=True)
class TrainingState:
    """What an undo entry of training puts back: the weights (by key), the optimizer's state (slots and iteration
    count; None = fresh), the epoch curves and the test curves (key -> list of (x, value))."""

    weights: dict
    optimizer: dict | None = None
    history: dict = field(default_factory=dict)
    test_history: dict = field(default_factory=dict)

    def same_weights(self, other: "TrainingState") -> bool:
        return self.weights.keys() == other.weights.keys() and all(
            np.array_equal(v, other.weights[k]) for k, v in self.weights.items())
def restore_optimizer(model, state: dict) -> bool:
    """Put an optimizer state (``Optimizer.state()``) back when its slots fit the model's trainable weights (an
    edited network's old state does not: the optimizer then starts fresh). True when restored."""
    n = sum(layer.params[k].size for layer in model.layers for k in layer.trainable_names)
    slots = {k: v for k, v in state.items() if k != "iterations"}
    if any(np.asarray(v).size != n for v in slots.values()):
        return False
    model.optimizer.set_state({k: np.array(v, copy=True) for k, v in state.items()})
    return True


