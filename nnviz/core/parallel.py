"""A training batch split between two threads for the convolution and pooling layers.

NumPy releases the GIL inside its copies, ufuncs and GEMMs, so two threads each working on half of a batch's
samples — into their halves of preallocated outputs and workspaces — run on two cores.  The calling thread does
the first half itself, one persistent worker (created the first time it is needed) the second; what is summed over
the batch (a kernel's gradient) is summed per half and the halves added in a fixed order, so results are the same
from run to run.

Used only when ``batch_threads() > 1`` and the batch has at least ``MIN_BATCH`` samples (smaller batches do not
pay for the hand-over).  ``NNVIZ_BATCH_THREADS=1`` in the environment, or ``set_batch_threads(1)``, turns it off —
the app's training next to the GUI, where a second busy core costs GUI latency, and tests that pin exact numbers.
BLAS must run one thread per caller meanwhile (two BLAS pools in two threads oversubscribe the cores).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

#: the smallest batch split between threads (the regression fixture's CNN trains batches of 16, kept in one)
MIN_BATCH = 32
#: a split batch is cut into this many runs of samples, taken by whichever thread is free
PARTS = 4

_threads = max(1, min(2, int(os.environ.get("NNVIZ_BATCH_THREADS", "2") or 1), os.cpu_count() or 1))
_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def batch_threads() -> int:
    """How many threads a big enough batch is split between (1 or 2)."""
    return _threads


def set_batch_threads(n: int) -> int:
    """Split batches between ``n`` threads from now on (1 turns the split off; at most 2); returns the old value."""
    global _threads
    old, _threads = _threads, max(1, min(2, int(n)))
    return old


def batch_parts(n: int) -> list[slice]:
    """The slices of an ``n``-sample batch that ``run_parts`` works on: the whole batch, or ``PARTS`` runs of
    consecutive samples (which depend on ``n`` only, never on which thread takes them)."""
    if _threads < 2 or n < MIN_BATCH:
        return [slice(0, n)]
    count = min(PARTS, n)
    bounds = [n * i // count for i in range(count + 1)]
    return [slice(a, b) for a, b in zip(bounds, bounds[1:])]


def _worker() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(1, thread_name_prefix="nnviz-batch")
        return _pool


def run_parts(fn, parts: list[slice]) -> None:
    """``fn(index, part)`` for every part, each exactly once: this thread and the worker take the next part
    not yet taken until none is left, and this thread returns when every part is done.  On a busy machine,
    where the worker may get a core late or not at all, this thread simply does more of the parts itself
    (never waiting for a worker that has not started); ``fn`` must write only its own part's outputs."""
    if len(parts) == 1:
        fn(0, parts[0])
        return
    state = {"next": 0, "done": 0, "error": None}
    cond = threading.Condition()

    def take_parts():
        while True:
            with cond:
                i = state["next"]
                if i >= len(parts) or state["error"] is not None:
                    return
                state["next"] = i + 1
            try:
                fn(i, parts[i])
            except BaseException as exc:  # noqa: BLE001 (re-raised in the calling thread)
                with cond:
                    state["error"] = state["error"] or exc
            with cond:
                state["done"] += 1
                cond.notify_all()

    _worker().submit(take_parts)
    take_parts()
    with cond:   # wait only for parts the worker has taken (the untaken were done here)
        cond.wait_for(lambda: state["done"] == state["next"])
        if state["error"] is not None:
            raise state["error"]
