"""The session layer (QtCore only): the project document, undo commands, autosave, the training worker."""


def _guard_none_refcount() -> None:
    """Work around a PySide6 bug that kills the process with "Fatal Python error: none_dealloc".

    PySide6 6.12.0 on Python 3.11 drops one reference to ``None`` on every call of a C++ method that
    returns void (``setPen``, ``setText``, ``setObjectName``, ...), so after some ten thousand calls
    ``None`` is deallocated and CPython aborts. Python 3.12+ makes ``None`` immortal; here we do the
    same by giving it a huge reference count, but only when the bug is measured, so a fixed PySide6
    is left alone.
    """
    import sys
    if sys.version_info >= (3, 12):
        return
    from PySide6.QtCore import QObject
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(50):
        probe.setObjectName("probe")
    if sys.getrefcount(None) < before - 25:
        import ctypes
        refcount = ctypes.c_ssize_t.from_address(id(None))
        if refcount.value < 1 << 40:
            refcount.value += 1 << 40


_guard_none_refcount()
