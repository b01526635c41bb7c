"""The wire format between the GUI's training worker and the engine's child process: length-prefixed pickles.

A message is an 8-byte header, the pickle, and then the raw bytes of its big arrays. Arrays of
``OUT_OF_BAND_BYTES`` or more (a data set's splits) travel out of band (pickle protocol 5): written straight from
the array, read straight into the buffer the unpickled array then wraps. Pickled in band, a data set's bytes and
the arrays made of them were both alive at once: the MNIST CSV's 179 MiB set-up took the training process's
memory to 392 MiB, its plateau 220. The header's low 48 bits are the pickle's length; the high 16 bits count the
out-of-band buffers, whose 8-byte lengths come next (none: the plain format of before).
"""

from __future__ import annotations

import pickle

_HEADER = 8
_LENGTH_BITS = 48
#: arrays this big or bigger travel out of band; smaller ones (a snapshot's weights) stay in the pickle
OUT_OF_BAND_BYTES = 1 << 22


def write_message(stream, obj) -> None:
    """One pickled object, prefixed with its length (so the reader takes it in one read, see below), then the
    raw bytes of its big arrays."""
    buffers: list = []

    def out_of_band(buffer) -> bool:
        if buffer.raw().nbytes < OUT_OF_BAND_BYTES:
            return True   # in band
        buffers.append(buffer)
        return False

    data = pickle.dumps(obj, protocol=5, buffer_callback=out_of_band)
    stream.write((len(data) | len(buffers) << _LENGTH_BITS).to_bytes(_HEADER, "little"))
    if buffers:
        stream.write(b"".join(b.raw().nbytes.to_bytes(_HEADER, "little") for b in buffers))
    stream.write(data)
    for buffer in buffers:
        stream.write(buffer.raw())
    stream.flush()


def read_message(stream):
    """The next object from ``stream``; EOFError at the end. The bytes are read whole, without the GIL,
    and unpickled at once: ``pickle.load`` on a pipe would take the GIL back for every small read, and
    each time the GUI thread would have to wait for it."""
    header = _read_exactly(stream, _HEADER)
    word = int.from_bytes(header, "little")
    n, count = word & ((1 << _LENGTH_BITS) - 1), word >> _LENGTH_BITS
    sizes = []
    if count:
        table = _read_exactly(stream, _HEADER * count)
        sizes = [int.from_bytes(table[i:i + _HEADER], "little") for i in range(0, len(table), _HEADER)]
    data = _read_exactly(stream, n)
    buffers = []
    for size in sizes:
        buffer = bytearray(size)
        view = memoryview(buffer)
        got = 0
        while got < size:
            k = stream.readinto(view[got:])
            if not k:
                raise EOFError
            got += k
        buffers.append(buffer)
    return pickle.loads(data, buffers=buffers)


def _read_exactly(stream, n: int) -> bytes:
    data = stream.read(n)
    if len(data) < n:
        raise EOFError
    return data
