"""``python main.py`` where there is no display: one line saying so and exit code 1, not Qt's abort (a core
dump, exit code 134)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nnviz.app import no_display

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NO_DISPLAY = "nnviz: error: there is no display to open the app on (neither DISPLAY nor WAYLAND_DISPLAY is set)"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and Wayland displays are Linux's")
@pytest.mark.parametrize("platform", [None, "xcb"])
def test_main_py_without_a_display_says_so_and_exits_1(tmp_path, platform):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["HOME"] = str(tmp_path)  # settings and autosaves, should the app start after all
    if platform:
        env["QT_QPA_PLATFORM"] = platform
    done = subprocess.run([sys.executable, os.path.join(ROOT, "main.py")], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(NO_DISPLAY) and "nnviz summary | train | export" in lines[0]
    assert done.stdout == ""


@pytest.mark.parametrize("platform, display, problem", [
    (None, None, True), ("xcb", None, True), ("wayland", None, True), ("wayland;xcb", None, True),
    (None, ":0", False), ("xcb", ":0", False),
    ("offscreen", None, False), ("minimal", None, False), ("offscreen:fontengine=freetype", None, False),
    ("wayland;offscreen", None, False), ("vnc", None, False),
])
def test_which_platforms_need_a_display(monkeypatch, platform, display, problem):
    monkeypatch.setattr(sys, "platform", "linux")
    for name, value in (("QT_QPA_PLATFORM", platform), ("DISPLAY", display), ("WAYLAND_DISPLAY", None)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert (no_display() is not None) == problem
    monkeypatch.setattr(sys, "platform", "darwin")
    assert no_display() is None
