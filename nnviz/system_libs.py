"""The Debian packages Qt needs from the system, and one line naming the missing ones.

The PySide6 wheel brings Qt itself but not the system libraries below it (OpenGL, fontconfig, X11's xcb
family). Without them ``import PySide6.QtGui`` fails with an ImportError naming one library, and the xcb
platform plugin makes Qt abort the whole process. :func:`missing_message` tells both cases before Qt
does, in one line with the ``apt-get install`` command. ``.ci/setup`` installs the same packages
(``tests/test_install.py`` keeps the two lists equal). Stdlib only.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys

#: libraries the Qt modules link against (the offscreen platform needs only these) -> Debian package
QT_LIBS = {
    "libGL.so.1": "libgl1", "libEGL.so.1": "libegl1", "libfontconfig.so.1": "libfontconfig1",
    "libglib-2.0.so.0": "libglib2.0-0", "libxkbcommon.so.0": "libxkbcommon0", "libdbus-1.so.3": "libdbus-1-3",
    "libX11.so.6": "libx11-6",
}

#: what Qt's xcb platform plugin (a window on an X11 display) needs on top (``ldd libqxcb.so``)
XCB_LIBS = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0", "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-image.so.0": "libxcb-image0", "libxcb-xkb.so.1": "libxcb-xkb1", "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-sync.so.1": "libxcb-sync1", "libxcb-shm.so.0": "libxcb-shm0", "libxcb-render.so.0": "libxcb-render0",
    "libxcb-util.so.1": "libxcb-util1", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
}


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(environ=None) -> bool:
    """Whether Qt will open its window through the xcb (X11) platform plugin here."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return False
    wanted = [entry.split(":")[0].strip() for entry in env.get("QT_QPA_PLATFORM", "").split(";") if entry.strip()]
    if wanted:
        return wanted[0] == "xcb"
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland":
        return False
    return bool(env.get("DISPLAY"))


def missing(xcb: bool, loads=None) -> dict[str, str]:
    """``{soname: package}`` of the libraries that cannot be loaded (the xcb ones too when ``xcb``)."""
    loads = loads or _loads
    table = {**QT_LIBS, **(XCB_LIBS if xcb else {})}
    return {soname: package for soname, package in table.items() if not loads(soname)}


def missing_message(import_error: BaseException | None = None, xcb: bool | None = None, loads=None) -> str | None:
    """One line saying which Debian packages to install, or None when nothing is missing.

    ``import_error`` is the ImportError of importing PySide6's GUI modules, if there was one: the
    library it names is reported even when it is not in our tables.
    """
    if not sys.platform.startswith("linux"):
        return None
    libs = missing(uses_xcb() if xcb is None else xcb, loads)
    if libs:
        packages = " ".join(dict.fromkeys(libs.values()))
        return (f"Qt cannot start: system libraries are missing ({', '.join(libs)}); install them with: "
                f"sudo apt-get install {packages}")
    if import_error is None:
        return None
    named = re.match(r"\s*([^\s:]+\.so[.\d]*)\s*:", str(import_error))
    if named:
        return (f"Qt cannot start: the system library {named.group(1)} is missing; install the Debian package "
                f"that provides it (apt-file search {named.group(1)})")
    return f"Qt cannot start: {' '.join(str(import_error).split())}"
