"""The wire format between the GUI's training worker and the engine's child process: length-prefixed pickles."""

from __future__ import annotations

import pickle

_HEADER = 8


def write_message(stream, obj) -> None:
    """One pickled object, prefixed with its length (so the reader takes it in one read, see below)."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(_HEADER, "little"))
    stream.write(data)
    stream.flush()


def read_message(stream):
    """The next object from ``stream``; EOFError at the end. The bytes are read whole, without the GIL,
    and unpickled at once: ``pickle.load`` on a pipe would take the GIL back for every small read, and
    each time the GUI thread would have to wait for it."""
    header = stream.read(_HEADER)
    if len(header) < _HEADER:
        raise EOFError
    n = int.from_bytes(header, "little")
    data = stream.read(n)
    if len(data) < n:
        raise EOFError
    return pickle.loads(data)

