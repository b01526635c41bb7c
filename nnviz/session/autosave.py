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
import os
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal

AUTOSAVE_INTERVAL_MS = 60_000


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
    except OSError:
        return False
    return True


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
        from nnviz.io.project import save_project
        try:
            os.makedirs(self.directory, exist_ok=True)
            save_project(self.project_file, self.document.to_project())
            meta = {"pid": self._pid, "original_path": self.document.path, "title": self.document.title,
                    "saved_at": time.time()}
            tmp = self.meta_file + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(meta, f)
            os.replace(tmp, self.meta_file)
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
        """Autosaves of processes that are gone, newest first."""
        out = []
        try:
            names = os.listdir(self.directory)
        except OSError:
            return []
        for name in names:
            if not (name.startswith("autosave-") and name.endswith(".json")):
                continue
            meta_path = os.path.join(self.directory, name)
            project_path = meta_path[:-5] + ".nnviz"
            try:
                pid = int(name[len("autosave-"):-5])
            except ValueError:
                continue
            if _pid_alive(pid) or not os.path.exists(project_path):
                continue
            try:
                with open(meta_path, encoding="utf-8") as f:
                    meta = json.load(f)
            except (OSError, ValueError):
                meta = {}
            if not isinstance(meta, dict):
                meta = {}
            out.append(RecoveryEntry(project_path=project_path, meta_path=meta_path,
                                     original_path=str(meta.get("original_path") or ""),
                                     title=str(meta.get("title") or "Untitled"),
                                     saved_at=float(meta.get("saved_at") or os.path.getmtime(project_path))))
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
