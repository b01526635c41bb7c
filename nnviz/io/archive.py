"""Reading members of zip archives (``.nnviz`` projects, ``.npz`` and ``.keras`` files) with a bound.

A zip's size fields may lie, and ``ZipFile.read`` inflates a whole deflate stream (bzip2 and LZMA:
without any bound) before it cuts the result to the declared size, so a file of a few hundred bytes
can cost seconds and gigabytes to refuse. :func:`read_member` checks the declared size first and then
inflates no more than it.
"""

from __future__ import annotations

import zipfile

READABLE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what zipfile reads with a bound


def read_member(zf: zipfile.ZipFile, member: str, label: str, limit: int, error: type[Exception],
                too_large: str) -> bytes:
    """The bytes of ``member`` of ``zf``, inflating no more than its declared size, which must be at
    most ``limit``. Anything else raises ``error`` with a message naming ``member`` in ``label``
    (``too_large`` says what an oversized member means)."""
    info = zf.getinfo(member)
    if info.compress_type not in READABLE_COMPRESSION:
        method = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}.get(info.compress_type,
                                                                          f"method {info.compress_type}")
        raise error(f"{member} in {label} uses a compression nnviz does not read ({method}); "
                    f"nnviz writes and reads deflate or stored members")
    if info.file_size > limit:
        raise error(f"{member} in {label} is implausibly large ({info.file_size:,} bytes); {too_large}")
    try:
        with zf.open(info) as f:
            return f.read(info.file_size)  # reading to the declared size checks the CRC too
    except Exception as exc:  # noqa: BLE001 — CRC errors, zlib errors, encryption, truncation, ...
        raise error(f"{member} in {label} cannot be read; the file is damaged or truncated ({exc})") from None
