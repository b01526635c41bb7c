"""Zip archives that cost far more to inflate than their size, and a way to measure what refusing one costs."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile


def zip_of(members: dict, method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def zeros_zip(members: dict, name: str, size: int, declared: int | None = None) -> bytes:
    """``members`` and, as ``name``, ``size`` zero bytes deflated a thousandfold; with ``declared``,
    the headers claim that size for ``name`` instead (as a corrupted or hostile file may)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for member, content in members.items():
            zf.writestr(member, content)
        with zf.open(name, "w") as f:
            for _ in range(size >> 20):
                f.write(bytes(1 << 20))
    data = bytearray(buf.getvalue())
    if declared is not None:
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
            struct.pack_into("<I", data, zf.getinfo(name).header_offset + 22, declared)  # the local header
            entry = zf.start_dir
        while True:  # and the central directory entry
            name_len, extra_len, comment_len = struct.unpack_from("<3H", data, entry + 28)
            if data[entry + 46:entry + 46 + name_len] == name.encode():
                struct.pack_into("<I", data, entry + 24, declared)
                break
            entry += 46 + name_len + extra_len + comment_len
    return bytes(data)


def peak_memory_of(function) -> int:
    tracemalloc.start()
    try:
        function()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak
