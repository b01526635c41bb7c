"""The training engine in a child process: ``python -m nnviz.session.engine_process``.

Commands arrive pickled on stdin, events leave pickled on stdout (:mod:`nnviz.session.wire`). Why a process: a
tiny network's training loop is bound by Python, not by NumPy, so it holds the GIL nearly all the time; in a
thread next to the GUI every C++→Python call of pyqtgraph's painting waits for it (see
:mod:`nnviz.session.training_engine`).
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import tracemalloc

from nnviz.session.training_engine import TrainingEngine
from nnviz.session.wire import read_message, write_message


def main() -> int:
    """``python -m nnviz.session.engine_process``: commands arrive pickled on stdin, events leave
    pickled on stdout (which nothing else may write to: ``print`` goes to stderr here)."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=1 << 16)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    inp = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    lock = threading.Lock()

    def emit(event, *args):
        with lock:
            try:
                write_message(out, (event, *args))
            except (BrokenPipeError, OSError):
                os._exit(0)  # the GUI is gone

    if os.environ.get("NNVIZ_TRACEMALLOC"):   # bench/engine_memory.py --tracemalloc: allocations with their lines
        tracemalloc.start(int(os.environ["NNVIZ_TRACEMALLOC"]))
    options = read_message(inp)
    engine = TrainingEngine(emit, **options)

    def read_commands():
        try:
            while True:
                command = read_message(inp)
                if command[0] == "memory_snapshot":   # bench/engine_memory.py: what holds memory, at once
                    _dump_memory(command[1])
                    continue
                engine.send(*command)
                if command[0] == "quit":
                    return
        except (EOFError, OSError, pickle.UnpicklingError):
            engine.send("quit")

    threading.Thread(target=read_commands, name="nnviz-commands", daemon=True).start()
    emit("ready")
    engine.run()
    emit("finished")
    out.flush()
    return 0

def _dump_memory(path: str) -> None:
    """Write a tracemalloc snapshot (when tracing: ``NNVIZ_TRACEMALLOC=<frames>``) to ``path``, else nothing."""
    if tracemalloc.is_tracing():
        tracemalloc.take_snapshot().dump(path)


if __name__ == "__main__":
    raise SystemExit(main())
