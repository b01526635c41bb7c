"""Desktop integration on Linux (freedesktop.org): a launcher entry, the app icon and the ``.nnviz`` file type.

``nnviz install-desktop`` copies ``resources/desktop/`` into the XDG data folder, so menus list nnviz
and file managers open ``.nnviz`` projects in it (``--remove`` takes it out again)::

    $XDG_DATA_HOME/applications/nnviz.desktop                   (default ~/.local/share)
    $XDG_DATA_HOME/icons/hicolor/scalable/apps/nnviz.svg
    $XDG_DATA_HOME/icons/hicolor/scalable/mimetypes/application-x-nnviz.svg
    $XDG_DATA_HOME/mime/packages/nnviz.xml                      (application/x-nnviz: *.nnviz)

The launcher runs this installation's ``nnviz-gui`` by its full path (or ``python -m nnviz``), so it
works from a virtual environment that is not on PATH. Stdlib only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from nnviz import resources

SYSTEM_DATA_HOME = "/usr/local/share"


def data_home(system: bool = False) -> Path:
    """Where the files go: ``$XDG_DATA_HOME`` (default ``~/.local/share``), or /usr/local/share for everyone."""
    if system:
        return Path(SYSTEM_DATA_HOME)
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def launch_command() -> list[str]:
    """The command that opens the app from this installation."""
    gui = Path(sys.executable).parent / ("nnviz-gui.exe" if os.name == "nt" else "nnviz-gui")
    if gui.is_file():
        return [str(gui)]
    return [sys.executable, "-m", "nnviz"]


def _exec_line(command: list[str]) -> str:
    """A desktop entry's Exec value: arguments with reserved characters in double quotes (the spec's rules)."""
    def quote(arg: str) -> str:
        if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`='):
            return arg
        return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    return " ".join(quote(a) for a in command)


def desktop_entry(command: list[str] | None = None) -> str:
    """``resources/desktop/nnviz.desktop`` with Exec and TryExec pointing at ``command``."""
    command = command or launch_command()
    lines = []
    for line in resources.read_text("desktop", "nnviz.desktop").splitlines():
        if line.startswith("Exec="):
            line = f"Exec={_exec_line(command)} %f"
        elif line.startswith("TryExec="):
            line = f"TryExec={command[0]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def targets(home: Path) -> dict[Path, bytes]:
    """``{path: content}`` of every file installed under ``home``."""
    icon = resources.read_bytes("desktop", "nnviz.svg")
    return {
        home / "applications" / "nnviz.desktop": desktop_entry().encode("utf-8"),
        home / "icons" / "hicolor" / "scalable" / "apps" / "nnviz.svg": icon,
        home / "icons" / "hicolor" / "scalable" / "mimetypes" / "application-x-nnviz.svg": icon,
        home / "mime" / "packages" / "nnviz.xml": resources.read_bytes("desktop", "nnviz.xml"),
    }


def _refresh(home: Path) -> None:
    """Rebuild the desktop's caches where their tools exist (a desktop also notices the files by itself)."""
    for tool, folder in (("update-mime-database", home / "mime"),
                         ("update-desktop-database", home / "applications"),
                         ("gtk-update-icon-cache", home / "icons" / "hicolor")):
        path = shutil.which(tool)
        if path and folder.is_dir():
            args = [path, "-q", "-t", str(folder)] if tool == "gtk-update-icon-cache" else [path, str(folder)]
            subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def install(home: Path) -> list[Path]:
    """Write the launcher, icons and MIME type under ``home``; returns the files written."""
    written = []
    for path, content in targets(home).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    _refresh(home)
    return written


def remove(home: Path) -> list[Path]:
    """Delete what :func:`install` wrote under ``home``; returns the files removed."""
    removed = []
    for path in targets(home):
        if path.exists():
            path.unlink()
            removed.append(path)
    _refresh(home)
    return removed

