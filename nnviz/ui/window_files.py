"""The main window's file lifecycle: New, Open, Save, Save As, Open Recent, File ▸ Examples, the unsaved-changes
prompt and the recovery of an autosave left by a crash.

A project whose data set is a big CSV file (:func:`~nnviz.ui.csv_import.big_csv_job`) has that file read in a
thread with a progress dialog (time left, Cancel) before the document loads the project: the document's
``catalog.load`` then takes the data set already read. Cancel keeps the current project; a file that cannot be
read is said the way any project that cannot be opened is.

:class:`ProjectFilesMixin` is mixed into :class:`~nnviz.ui.main_window.MainWindow`; it uses the window's
``document``, ``settings``, ``autosave``, ``layer_view``, ``neuron_view``, ``menu()``, ``show_error()`` and
``status_message()``. Its dialogs go through small methods (``ask_save_changes``, ``ask_open_path``,
``ask_save_path``, ``ask_recover``) so tests can replace them.
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import QFileDialog, QMessageBox

from nnviz.io.examples import list_examples
from nnviz.session.autosave import AutosaveManager

FILE_FILTER = "nnviz projects (*.nnviz);;All files (*)"
MAX_RECENT = 10


class ProjectFilesMixin:
    """New / open / save / recent / examples / autosave recovery for a main window (see the module's doc)."""

    def maybe_save(self) -> bool:
        """True when it is fine to replace or close the project (saved, discarded or unmodified)."""
        if not self.document.is_modified:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_project(self) -> bool:
        if not self.maybe_save():
            return False
        self.document.new()
        self.layer_view.fit_to_view()
        self.status_message("New project")
        return True

    def open_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        path = self.ask_open_path()
        return self.open_file(path, ask=False) if path else False

    def open_file(self, path: str, ask: bool = True, as_example: bool = False) -> bool:
        """Open ``path``; on any problem show it and keep the current project. ``as_example`` opens an
        untitled copy (Save then asks where)."""
        if ask and not self.maybe_save():
            return False
        from nnviz.io.project import ProjectError, load_project
        try:   # the reader's own error is the only one a file can cause: it says what is wrong and where
            project = load_project(path)
        except ProjectError as exc:
            self.show_error("Cannot open the project", f"{os.path.basename(path)} cannot be opened:\n\n{exc}")
            return False
        name = os.path.basename(path)
        if not self._load_document(project, "" if as_example else os.path.abspath(path), name,
                                   f"{name} cannot be opened"):
            return False
        if not as_example:
            self._add_recent(os.path.abspath(path))
        self.layer_view.select_indices([])
        self.layer_view.fit_to_view()
        if self.neuron_view.isVisible():
            self.neuron_view.fit_to_view()
        self.status_message(f"Opened {self.document.title}" + (f": {self.load_note}" if self.load_note else ""))
        return True

    def open_example(self, path: str) -> bool:
        return self.open_file(path, ask=True, as_example=True)

    def save(self) -> bool:
        if not self.document.path:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        if not path:
            return False
        if not path.endswith(".nnviz"):
            path += ".nnviz"
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        from nnviz.io.data_files import fingerprint
        from nnviz.io.project import ProjectError, save_project
        try:
            project = self.document.to_project()
            project.meta.pop("data_file", None)
            data_file = fingerprint(project.dataset)
            if data_file is not None:   # to tell, when it opens, that its data file changed
                project.meta["data_file"] = data_file
            save_project(path, project)
        except (ProjectError, OSError, ValueError) as exc:
            self.show_error("Cannot save the project", f"{os.path.basename(path)} was not written:\n\n{exc}")
            return False
        self.document.mark_saved(os.path.abspath(path))
        self._add_recent(os.path.abspath(path))
        self.status_message(f"Saved {os.path.basename(path)}")
        return True

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path: str) -> None:
        files = [p for p in self.recent_files() if p != path]
        files.insert(0, path)
        self.settings.setValue("recent_files", files[:MAX_RECENT])
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        menu = self.menu("File/Open Recent")
        menu.clear()
        files = self.recent_files()
        for i, path in enumerate(files):
            a = menu.addAction(f"&{i + 1}  {os.path.basename(path)}" if i < 9 else os.path.basename(path))
            a.setObjectName(f"actionRecent{i}")
            a.setToolTip(path)
            a.setStatusTip(path)
            a.triggered.connect(lambda _c=False, p=path: self._open_recent(p))
        if files:
            menu.addSeparator()
            clear = menu.addAction("Clear Recent")
            clear.setObjectName("actionClearRecent")
            clear.triggered.connect(self._clear_recent)
        else:
            empty = menu.addAction("No recent projects")
            empty.setEnabled(False)

    def _open_recent(self, path: str) -> None:
        if not os.path.exists(path):
            self.settings.setValue("recent_files", [p for p in self.recent_files() if p != path])
            self._fill_recent_menu()
            self.show_error("Cannot open the project", f"{path} no longer exists.")
            return
        self.open_file(path)

    def _clear_recent(self) -> None:
        self.settings.setValue("recent_files", [])
        self._fill_recent_menu()

    def _fill_examples_menu(self) -> None:
        menu = self.menu("File/Examples")
        menu.clear()
        menu.setToolTipsVisible(True)   # each example's description
        found = list_examples()
        for example in found:
            a = menu.addAction(example.title)
            a.setObjectName(f"actionExample_{example.name}")
            tip = f"Open the example '{example.title}' as a new, untitled project"
            a.setStatusTip(tip)
            a.setToolTip(example.description or tip)
            a.triggered.connect(lambda _c=False, p=example.path: self.open_example(p))
        if not found:
            empty = menu.addAction("No examples installed")
            empty.setEnabled(False)

    def _load_document(self, project, path: str, name: str, cannot: str,
                       title: str = "Cannot open the project") -> bool:
        """``document.load_project(project, path)``, its big CSV data set read first with a progress dialog.
        False (the current project kept) on Cancel, or — said as ``cannot`` — when the data set cannot be read.

        A CSV file no longer where the project was saved is looked for beside the project (a folder moved or sent
        with its CSV; ``load_note`` says so, and whether the file changed since the save); one gone for good leaves
        the project to open without its data set — network, weights and history kept — and says which file to import
        again, with which settings (File ▸ Import CSV… starts from them: ``missing_dataset_spec``)."""
        from nnviz.io import csv_fast
        from nnviz.io.data_files import changed_note, csv_settings_text, missing_data_file, relocate_data_file
        project.dataset, moved = relocate_data_file(project.dataset, path)
        changed = changed_note(project.dataset, (project.meta or {}).get("data_file"))
        self.load_note = "; ".join(n for n in (moved, changed) if n)
        missing, spec = missing_data_file(project.dataset), project.dataset
        if missing is not None:
            project.dataset = None
        problem = self.read_big_dataset(project.dataset, name)
        if problem == "cancelled":
            self.status_message(f"Opening {name} cancelled: the current project stays", 10000)
            return False
        try:
            if problem is None:
                self.document.load_project(project, path)
        except (ValueError, OSError) as exc:   # a data file gone or changed since: the document is unchanged
            problem = str(exc) or type(exc).__name__
            if missing is not None:
                problem = f"its data file {missing} is missing, and {problem}"
        finally:
            csv_fast.forget_loaded()   # read for this project: taken by its load now, or never
        if problem is not None:
            self.show_error(title, f"{cannot}:\n\n{problem}")
            return False
        self.missing_dataset_spec = spec if missing is not None else None
        if missing is not None:
            settings = csv_settings_text(spec)
            self.show_error("The data file is missing",
                            f"{name} opened without its data set: {missing} is gone. The network, its weights and "
                            f"its history are kept.\n\nImport the file again with File ▸ Import CSV…"
                            + (f" (it was read with {settings})." if settings else "."))
        return True

    load_note = ""               # what opening the last project found out (its data file moved or changed)
    missing_dataset_spec = None  # the data set of the last project opened without it (its file is gone)

    def read_big_dataset(self, spec, name: str) -> str | None:
        """Read the big CSV file of data set ``spec`` in a thread under a modal progress dialog (its own event
        loop keeps the window drawn and the timers ticking): None when read (or nothing to read), "cancelled",
        or the reading error's message. The document's next load of ``spec`` takes what was read (opening a
        project, a lesson's ``open_example`` and ``dataset`` actions); ``csv_fast.forget_loaded()`` drops it."""
        from PySide6.QtCore import QEventLoop

        from nnviz.ui.csv_import import big_csv_job
        job = big_csv_job(self, spec, None)   # None: the document's load reads the file again, held or not
        if job is None:
            return None
        job.progress.setWindowTitle(f"Opening {name}")
        job.reading = f"Opening {name}: reading its data, {job.name}"
        outcome: list = []
        loop = QEventLoop()
        job.loaded.connect(lambda _ds: outcome.append(None))
        job.failed.connect(outcome.append)
        job.cancelled.connect(lambda: outcome.append("cancelled"))
        job.finished.connect(loop.quit)
        self.open_job = job   # while reading (tests and the screenshot bench find the dialog here)
        try:
            job.start()
            loop.exec()
        finally:
            self.open_job = None
        return outcome[0] if outcome else "cancelled"

    open_job = None   # the CsvLoadJob reading a project's data set while it opens

    # ================================================================== autosave recovery
    def _on_autosave_failed(self, message: str) -> None:
        self.status_message(f"Autosave failed: {message}")

    def offer_recovery(self) -> bool:
        """After a crash: offer the newest autosave left behind. True if one was restored."""
        entries = self.autosave.orphans()
        if not entries:
            return False
        entry = entries[0]
        answer = self.ask_recover(entry)
        if answer == "later":
            return False
        if answer != "recover":
            for e in entries:
                AutosaveManager.discard(e)
            return False
        from nnviz.io.project import ProjectError, load_project
        try:
            project = load_project(entry.project_path)
        except ProjectError as exc:
            self.show_error("Cannot recover the project", f"The autosaved project cannot be opened:\n\n{exc}")
            return False
        if not self._load_document(project, entry.original_path, "the autosaved project",
                                   "The autosaved project cannot be opened", title="Cannot recover the project"):
            return False
        self.document.mark_modified()
        AutosaveManager.discard(entry)
        self.layer_view.fit_to_view()
        self.status_message("Recovered the autosaved project: save it to keep it")
        return True

    # ================================================================== dialogs (replaceable in tests)
    def ask_save_changes(self) -> str:
        """"save", "discard" or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"“{self.document.title}” has unsaved changes. Save them first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        result = box.exec()
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(QMessageBox.StandardButton(result), "cancel")

    def ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", self._last_dir(), FILE_FILTER)
        return path

    def ask_save_path(self) -> str:
        from nnviz.ui.image_export import slug_file_name   # "course-2-3-2.nnviz", not "Course_ 2 → 3 → 2.nnviz"
        start = self.document.path or os.path.join(self._last_dir(),
                                                    slug_file_name(self.document.title, "untitled") + ".nnviz")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, FILE_FILTER)
        return path

    def ask_recover(self, entry) -> str:
        """"recover", "discard" or "later"."""
        box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work",
                          "nnviz did not close properly last time. An autosaved project was found:\n\n"
                          f"{entry.describe()}\n\nRecover it?", QMessageBox.StandardButton.NoButton, self)
        rec = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
        dis = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        return "recover" if clicked is rec else "discard" if clicked is dis else "later"

    def _last_dir(self) -> str:
        if self.document.path:
            return os.path.dirname(self.document.path)
        files = self.recent_files()
        return os.path.dirname(files[0]) if files else os.path.expanduser("~")
