"""The convolutional front of an (unobserved) training step: ReLU and max pooling fused, the batch on two cores.

A CNN's training step spends most of its time in its front — the leading Conv2D / pooling / Flatten layers —
in NumPy calls that release the GIL (copies, element-wise ufuncs, GEMMs).  :func:`run_front` takes the front
of a training step that nobody observes (``fit``, ``train_on_batch``; the backprop trace passes an observer and
runs every layer as written) and speeds it up twice:

* **ReLU and 2×2 max pooling fused.**  max(relu(z)) = relu(max(z)), so a ReLU Conv2D followed by a 2×2 /
  stride-2 max pooling takes the window maxima of z first and applies the ReLU to a quarter of the values;
  backward sends ∂C/∂out · [max > 0] to each window's maximal cell of z.  Those are the two layers' own
  numbers, bit for bit: a window whose maximum is ≤ 0 gets no gradient either way, and among positive values
  the same cell is maximal in z as in relu(z).  Two full-size passes (the ReLU and its mask) become
  quarter-size ones.
* **The batch split between two threads.**  A batch of :data:`MIN_BATCH` or more samples whose convolutions
  take :data:`MIN_SPLIT_MACS` multiply-adds or more (less does not pay for the hand-over) is cut in two halves: one
  persistent worker thread takes the second half through the whole front while the calling thread takes
  the first; the two outputs are joined for the rest of the network (the small dense head, the loss and the
  update, in one thread) and the gradient is split again on the way back — two hand-overs a step, not two a
  layer.  A layer's gradient is its halves' gradients added, always first + second: the same numbers run to
  run, equal to the unsplit step's to float32 rounding (a sum over the batch taken in another order).

Each half runs through *twins* of the front layers: the same class and settings, reading the layer's own
weights, but with their own ``cache``, workspaces and gradient arrays, so the halves never write the same
memory and the layers' own caches are left alone.  ``NNVIZ_BATCH_THREADS=1`` in the environment, or
:func:`set_batch_threads` ``(1)``, keeps every batch in one thread (fused still, bit-equal to the layers run
one by one): the app does so for its training process, where a split batch trained no faster next to the GUI
and made the GUI later.  BLAS must run one thread per caller meanwhile, as nnviz sets it (two BLAS pools in two threads
oversubscribe two cores).
"""

from __future__ import annotations

import os
import queue
import threading

import numpy as np

from nnviz.core.layers.conv import Conv2D
from nnviz.core.layers.core import Flatten
from nnviz.core.layers.pooling import AveragePooling2D, MaxPooling2D

__all__ = ["MIN_BATCH", "MIN_SPLIT_MACS", "batch_threads", "set_batch_threads", "front_length", "run_front"]

#: the smallest batch split between two threads
MIN_BATCH = 32
#: the least work (the front's convolutions' multiply-adds for the whole batch) split between two threads: less
#: does not pay for the hand-over.  bench/conv_split.py on an idle machine, split against one thread: 28×28 CNN
#: c16-p-c32 at batch 32 (33 M) 0.97×, batch 64 (65 M) 1.25×, batch 128 1.49×; 8×8 digits (3–11 M) 0.45–0.60×
MIN_SPLIT_MACS = 48 * 10**6

#: layers whose forward and backward treat every sample on its own and need no random numbers: a batch
#: split in two halves gives the same outputs and, added, the same gradients (these classes exactly: a
#: subclass may not keep to that)
_SPLITTABLE = (Conv2D, MaxPooling2D, AveragePooling2D, Flatten)

_threads = 2 if (os.cpu_count() or 1) > 1 and os.environ.get("NNVIZ_BATCH_THREADS", "").strip() != "1" else 1


def batch_threads() -> int:
    """How many threads a training batch of a convolutional network is split between (1 or 2)."""
    return _threads


def set_batch_threads(n: int) -> int:
    """Split training batches between ``n`` threads from now on (1 turns it off, at most 2); returns the old value."""
    global _threads
    old, _threads = _threads, max(1, min(2, int(n)))
    return old


def front_length(layers) -> int:
    """How many leading layers :func:`run_front` takes: the leading run of splittable layers, never the last
    layer (the loss needs the whole batch's output), and 0 when that run holds no Conv2D (nothing to gain)."""
    count = 0
    for layer in layers[:-1]:
        if type(layer) not in _SPLITTABLE:
            break
        count += 1
    return count if any(isinstance(layer, Conv2D) for layer in layers[:count]) else 0


class _Twin:
    """One half-batch's copy of a front layer: its class and settings, the layer's own weights (looked up anew
    at each step, so updates and edits show), its own cache, workspaces and gradients."""

    def __init__(self, layer):
        self.layer = layer
        self.twin = object.__new__(type(layer))
        self.own = {"cache": {}, "_scratch": {}, "_grads": None}

    def sync(self):
        """The twin, its settings and weights refreshed from the layer, its own arrays kept."""
        layer, twin, own = self.layer, self.twin, self.own
        grads = own["_grads"]
        if grads is None or grads.keys() != layer.grads.keys() or any(
                grads[k].shape != v.shape or grads[k].dtype != v.dtype for k, v in layer.grads.items()):
            own["_grads"] = type(layer.grads)({k: np.zeros_like(v) for k, v in layer.grads.items()})
        state = twin.__dict__
        state.clear()
        state.update(layer.__dict__)
        state.update(own)
        return twin


class _Front:
    """The two halves' twins of a model's front layers, kept between steps."""

    def __init__(self, layers):
        self.layers = list(layers)
        self.halves = [[_Twin(layer) for layer in self.layers] for _ in range(2)]

    def macs_per_sample(self) -> int:
        """The front's convolutions' multiply-adds for one sample (from the shapes the layers were built for)."""
        total = 0
        for layer in self.layers:
            if isinstance(layer, Conv2D) and layer.input_shape is not None:
                out_h, out_w, filters = layer.compute_output_shape(layer.input_shape)
                kh, kw = layer.kernel_size
                total += out_h * out_w * kh * kw * layer.input_shape[-1] * filters
        return total

    def matches(self, layers) -> bool:
        return len(layers) == len(self.layers) and all(a is b for a, b in zip(layers, self.layers))


class _Worker:
    """One persistent daemon thread running the functions it is given, one at a time."""

    def __init__(self):
        self.pid = os.getpid()
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.done: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._run, name="nnviz-batch-half", daemon=True).start()

    def _run(self):
        while True:
            fn = self.jobs.get()
            try:
                self.done.put((fn(), None))
            except BaseException as exc:  # noqa: BLE001 (re-raised in the calling thread)
                self.done.put((None, exc))

    def both(self, mine, theirs):
        """``(mine(), theirs())``, ``theirs`` run by the worker meanwhile; an error in either is raised here."""
        self.jobs.put(theirs)
        try:
            first = mine()
        finally:
            second, error = self.done.get()
        if error is not None:
            raise error
        return first, second


_worker: _Worker | None = None
_worker_lock = threading.Lock()


def _the_worker() -> _Worker:
    """The worker, started the first time it is needed — and again in a forked child, which has no threads."""
    global _worker
    with _worker_lock:
        if _worker is None or _worker.pid != os.getpid():
            _worker = _Worker()
        return _worker


def _fuses(conv, pool, x_shape) -> bool:
    """A ReLU Conv2D followed by a 2×2 / stride-2 max pooling that needs no padding on the Conv2D's output for a
    batch of ``x_shape``: pooled before the ReLU."""
    return (isinstance(conv, Conv2D) and conv.activation.name == "relu" and isinstance(pool, MaxPooling2D)
            and pool._halving(x_shape[:1] + conv.compute_output_shape(x_shape[1:])))


def _relu_pool_forward(conv, pool, z):
    """relu(2×2 max of z) for a fused pair; keeps, for backward, which cell of each window gets the window's
    gradient: the pooling's own choice (top row, then left cell, on ties) where the maximum is > 0, none
    elsewhere — one mask per cell of the window, a quarter of z's size each."""
    pooled = pool.forward(z, training=True)
    left_top, left_bottom, top = pool.cache["halving"]
    positive = pooled > 0
    upper = positive & top
    lower = np.greater(positive, top)                    # positive and not top
    conv.cache["pool_cells"] = z.shape, (upper & left_top, np.greater(upper, left_top),
                                         lower & left_bottom, np.greater(lower, left_bottom))
    np.maximum(pooled, 0, out=pooled)
    return pooled


def _relu_pool_backward(conv, d):
    """∂C/∂z of a fused pair from ∂C/∂(its output): each window's gradient to its chosen cell of z, if any."""
    shape, cells = conv.cache["pool_cells"]
    d_z = MaxPooling2D._windows_gradient(shape, d.dtype)
    for cell, chosen in zip(MaxPooling2D._quarters(d_z), cells):
        np.multiply(d, chosen, out=cell)
    return d_z


def _forward(twins, x, training):
    """``x`` (a half or the whole batch) through the twins, ReLU Conv2D + max pooling pairs fused (see the module
    docstring); returns the output and the indices of the fused pairs' Conv2D."""
    fused = []
    i = 0
    while i < len(twins):
        layer = twins[i]
        if training and i + 1 < len(twins) and _fuses(layer, twins[i + 1], x.shape):
            x = _relu_pool_forward(layer, twins[i + 1], layer.forward_z(x, training=True))
            fused.append(i)
            i += 2
        else:
            x = layer.forward(x, training=training)
            i += 1
    return x, fused


def _backward(twins, fused, d):
    i = len(twins) - 1
    while i >= 0:
        if i - 1 in fused:   # the pooling of a fused pair: both layers at once
            conv = twins[i - 1]
            d = conv.backward_from_z(_relu_pool_backward(conv, d))
            i -= 2
        else:
            d = twins[i].backward(d)
            i -= 1
    return d


def run_front(model, x: np.ndarray, training: bool):
    """The front of ``model`` (:func:`front_length` layers) on batch ``x``: returns ``(its output for the whole
    batch, back, number of front layers)``, where ``back(d)`` takes ∂C/∂(that output) back through the front
    and fills the front layers' gradients.  None when the model has no convolutional front."""
    count = front_length(model.layers)
    if not count:
        return None
    front = getattr(model, "_conv_front", None)
    if front is None or not front.matches(model.layers[:count]):
        front = model._conv_front = _Front(model.layers[:count])
    if _threads < 2 or len(x) < MIN_BATCH or len(x) * front.macs_per_sample() < MIN_SPLIT_MACS:
        twins = [t.sync() for t in front.halves[0]]
        out, fused = _forward(twins, x, training)

        def back_whole(d):
            _backward(twins, fused, d)
            for layer, twin in zip(front.layers, twins):
                for k, g in layer.grads.items():
                    np.copyto(g, twin.grads[k])

        return out, back_whole, count

    halves = [[t.sync() for t in twins] for twins in front.halves]
    mid = len(x) // 2
    worker = _the_worker()
    (out_a, fused_a), (out_b, fused_b) = worker.both(lambda: _forward(halves[0], x[:mid], training),
                                                     lambda: _forward(halves[1], x[mid:], training))

    def back(d):
        worker.both(lambda: _backward(halves[0], fused_a, d[:mid]), lambda: _backward(halves[1], fused_b, d[mid:]))
        for layer, a, b in zip(front.layers, halves[0], halves[1]):
            for k, g in layer.grads.items():
                np.add(a.grads[k], b.grads[k], out=g)

    return np.concatenate([out_a, out_b]), back, count
