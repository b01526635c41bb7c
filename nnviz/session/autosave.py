"""Autosave: every minute the modified project is written to the user's data folder, and after a crash
the next start offers it back.

Each running nnviz writes ``autosave-<pid>.nnviz`` plus a small ``autosave-<pid>.json`` (the file the
project came from, its title, the time) into ``<AppDataLocation>/autosave``. A clean exit, a save or
a project with no unsaved changes removes them, so files whose process is gone are exactly what a
crash (or a kill) left behind: :meth:`AutosaveManager.orphans` lists those, newest first.

QtCore only; the file format is :mod:`nnviz.io.project`'s.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal

_log = logging.getLogger(__name__)

AUTOSAVE_INTERVAL_MS = 60_000
MAX_PID = 2 ** 31 - 1      # pid_t is a 32-bit int: a larger number in a name is no process id
MAX_META_BYTES = 64 << 10  # an autosave's .json is a few hundred bytes


def default_directory() -> str:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return os.path.join(base or os.path.expanduser("~/.nnviz"), "autosave")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    except (OSError, OverflowError, ValueError):
        return False
    return True


def _read_meta(meta_path: str) -> tuple[dict, str]:
    """The autosave's meta data and, if it is malformed, why (then ``{}``: defaults stand in)."""
    try:
        if os.path.getsize(meta_path) > MAX_META_BYTES:
            return {}, "its .json is implausibly large"
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError, RecursionError) as exc:
        return {}, f"its .json cannot be read ({type(exc).__name__})"
    if not isinstance(meta, dict):
        return {}, "its .json is not an object"
    return meta, ""


def _valid_time(value) -> bool:
    """A ``time.time()`` that ``time.localtime`` can show (not a string, NaN, negative or centuries away)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and 0 < value < 2 ** 33)


@dataclass(frozen=True)
class RecoveryEntry:
    """An autosave left behind by a process that is gone."""

    project_path: str     # the autosave file to open
    meta_path: str
    original_path: str    # the file the project was opened from ("" if it was never saved)
    title: str
    saved_at: float       # time.time() of the autosave

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        where = self.original_path or "never saved"
        return f"{self.title} ({where}), autosaved {when}"


class AutosaveManager(QObject):
    """Writes the document to the autosave folder on a timer while it has unsaved changes."""

    autosaved = Signal(str)          # the autosave file written
    autosave_failed = Signal(str)    # the error message

    def __init__(self, document, directory: str | None = None, interval_ms: int = AUTOSAVE_INTERVAL_MS,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.directory = directory or default_directory()
        self.malformed: list[str] = []   # what the last orphans() found malformed (see there)
        self._pid = os.getpid()
        self._timer = QTimer(self)
        self._timer.setInterval(int(interval_ms))
        self._timer.timeout.connect(self._on_timer_timeout)
        self._dirty = False
        for signal in (document.architecture_changed, document.weights_changed, document.dataset_changed,
                       document.training_config_changed, document.history_changed):
            signal.connect(self._on_document_changed)
        document.modified_changed.connect(self._on_document_modified_changed)

    # ------------------------------------------------------------------ paths
    @property
    def project_file(self) -> str:
        return os.path.join(self.directory, f"autosave-{self._pid}.nnviz")

    @property
    def meta_file(self) -> str:
        return os.path.join(self.directory, f"autosave-{self._pid}.json")

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def is_active(self) -> bool:
        return self._timer.isActive()

    def autosave_now(self) -> bool:
        """Write the autosave if the document has unsaved changes; returns True if a file was written."""
        if not self.document.is_modified:
            self.discard_own()
            return False
        from nnviz.io.atomic import atomic_write_text
        from nnviz.io.project import save_project
        try:
            os.makedirs(self.directory, exist_ok=True)
            save_project(self.project_file, self.document.to_project())
            meta = {"pid": self._pid, "original_path": self.document.path, "title": self.document.title,
                    "saved_at": time.time()}
            atomic_write_text(self.meta_file, json.dumps(meta))
        except (OSError, ValueError) as exc:
            self.autosave_failed.emit(str(exc))
            return False
        self._dirty = False
        self.autosaved.emit(self.project_file)
        return True

    def discard_own(self) -> None:
        """Remove this process's autosave (after a save, on a clean exit)."""
        for path in (self.project_file, self.meta_file):
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
            except OSError:
                pass

    # ------------------------------------------------------------------ recovery
    def orphans(self) -> list[RecoveryEntry]:
        """Autosaves of processes that are gone, newest first. Malformed autosave files never stop this:
        a name that holds no valid process id is skipped, a .json that cannot be read or holds a bad
        field gives way to defaults (the project is still offered), and :attr:`malformed` lists each
        (``"autosave-x.json: why"``) for the caller to report."""
        out = []
        self.malformed: list[str] = []
        try:
            names = os.listdir(self.directory)
        except OSError:
            return []
        for name in names:
            if not (name.startswith("autosave-") and name.endswith(".json")):
                continue
            meta_path = os.path.join(self.directory, name)
            project_path = meta_path[:-5] + ".nnviz"
            text = name[len("autosave-"):-5]
            if not (text.isdigit() and text.isascii() and 0 < int(text) <= MAX_PID):
                self.malformed.append(f"{name}: its name holds no valid process id")
                continue
            pid = int(text)
            if _pid_alive(pid) or not os.path.isfile(project_path):
                continue
            meta, problem = _read_meta(meta_path)
            saved_at = meta.get("saved_at")
            if not _valid_time(saved_at):
                if saved_at is not None:
                    problem = problem or f"its saved_at {str(saved_at)[:40]!r} is not a time"
                try:
                    saved_at = os.path.getmtime(project_path)
                except OSError:
                    continue
            original, title = meta.get("original_path"), meta.get("title")
            if (original is not None and not isinstance(original, str)) or (
                    title is not None and not isinstance(title, str)):
                problem = problem or "its original_path or title is not text"
                original = original if isinstance(original, str) else ""
                title = title if isinstance(title, str) else ""
            if problem:
                self.malformed.append(f"{name}: {problem}")
            out.append(RecoveryEntry(project_path=project_path, meta_path=meta_path,
                                     original_path=(original or "")[:4096],
                                     title=(title or "Untitled")[:200],
                                     saved_at=float(saved_at)))
        for problem in self.malformed:
            _log.warning("malformed autosave file ignored or read with defaults: %s", problem)
        out.sort(key=lambda e: e.saved_at, reverse=True)
        return out

    @staticmethod
    def discard(entry: RecoveryEntry) -> None:
        for path in (entry.project_path, entry.meta_path):
            try:
                os.remove(path)
            except OSError:
                pass

    # ------------------------------------------------------------------ slots
    def _on_document_changed(self) -> None:
        self._dirty = True

    def _on_document_modified_changed(self, modified: bool) -> None:
        if not modified:
            self.discard_own()

    def _on_timer_timeout(self) -> None:
        if self._dirty or (self.document.is_modified and not os.path.exists(self.project_file)):
            self.autosave_now()
