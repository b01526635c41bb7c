"""Atomic file writes: a crash or an exception mid-write never destroys the previous file.

    with atomic_write("model.weights.h5") as f:
        f.write(data)

The data goes to a temporary file in the same folder (so ``os.replace`` is a rename on one file
system), is flushed and fsynced, and only then replaces ``path`` (or, when ``path`` is a symbolic
link, the file it points to: the link stays). On an exception the temporary file is deleted and
``path`` is left exactly as it was. A save that is killed cannot delete its temporary file: the next
save of the same file does (a save holds a lock on its temporary file, so one still writing is kept).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time

try:
    import fcntl
except ImportError:  # Windows: a temporary file counts as in use while it is younger than STALE_AFTER
    fcntl = None

#: without file locks, how old an unfinished temporary file must be to count as left by a killed save
STALE_AFTER = 3600.0


def _create_temporary(folder: str, name: str) -> tuple[int, str]:
    """A new, empty file ``.<name>.<random>.tmp`` in ``folder``, opened for writing. It is created with
    mode 0o666 for the kernel to apply the umask, as for any new file: reading the umask means setting
    it (``os.umask``), which would give a file another thread creates at that moment no umask at all."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        if fcntl is not None:  # held until the file is closed, or its process dies: "a save is writing this"
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd, tmp
    raise FileExistsError(f"cannot write {os.path.join(folder, name)!r}: no free temporary file name next to it")


def _in_use(path: str) -> bool:
    """Whether a save is still writing the temporary file ``path`` (it holds its lock)."""
    if fcntl is None:
        try:
            return time.time() - os.stat(path).st_mtime < STALE_AFTER
        except OSError:
            return True
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # releases the lock taken just now
    return False


def remove_stale_temporaries(folder: str, name: str) -> list[str]:
    """Delete the ``.<name>.<8 hex>.tmp`` files in ``folder`` that no save is writing any more (left by
    a save that was killed); returns their paths. Every :func:`atomic_write` of ``name`` calls it."""
    pattern = re.compile(re.escape(f".{name}.") + r"[0-9a-f]{8}\.tmp")
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False) and not _in_use(entry.path):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(entry.path)
    return removed


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", encoding: str | None = None, newline: str | None = None):
    """Yield a file object opened with ``mode`` ("wb" or "w") on a temporary file next to ``path``;
    replace ``path`` with it when the block ends without an exception.

    Text mode defaults to UTF-8. The new file keeps the permissions of the file it replaces (or gets
    the usual ``0o666 & ~umask`` of a new file, not ``mkstemp``'s private 0o600).
    """
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_write opens files for writing only ('w' or 'wb'), got mode {mode!r}")
    path = os.fspath(path)
    if os.path.islink(path):  # write the file the link points to; replacing the link would cut it off
        path = os.path.realpath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path!r}: the folder {folder!r} does not exist")
    try:
        perms = os.stat(path).st_mode & 0o7777
    except OSError:
        perms = None  # a new file: the umask applied when the temporary file was created is right
    remove_stale_temporaries(folder, os.path.basename(path))  # what killed saves of this file left behind
    fd, tmp = _create_temporary(folder, os.path.basename(path))
    binary = "b" in mode
    try:
        if binary:
            f = os.fdopen(fd, "wb")
        else:
            f = os.fdopen(fd, "w", encoding=encoding or "utf-8", newline=newline)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if perms is not None:
            os.chmod(tmp, perms)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path, data: bytes) -> None:
    with atomic_write(path, "wb") as f:
        f.write(data)


def atomic_write_text(path, text: str) -> None:
    with atomic_write(path, "w") as f:
        f.write(text)
