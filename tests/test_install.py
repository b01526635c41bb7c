"""A real install (issue 13): the wheel holds every package and every resource the code names, resources are
found through importlib.resources, the launch paths (``nnviz FILE.nnviz``, ``python -m nnviz``, the GUI entry
point), the desktop integration under a temporary XDG_DATA_HOME, one line for missing Qt system libraries, and
``.ci/setup`` as a user without root or sudo."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import nnviz
from nnviz import cli, desktop, resources, system_libs

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PYPI_LIST = Path("/work/.library/env/packages/pypi.tsv")


def _check_install():
    """``.ci/check_install.py`` (what CI runs on the installed wheel) as a module."""
    spec = importlib.util.spec_from_file_location("check_install", ROOT / ".ci" / "check_install.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_install = _check_install()


# ------------------------------------------------------------------------------------------------ resources
def test_resources_are_the_checkouts_top_level_folder_through_importlib_resources():
    assert Path(nnviz.__file__).resolve().parent == ROOT / "nnviz"
    assert resources.path() == ROOT / "resources"
    assert sys.modules[resources.PACKAGE].__file__ == str(ROOT / "resources" / "__init__.py")
    assert resources.read_text("style.qss") == (ROOT / "resources" / "style.qss").read_text(encoding="utf-8")
    assert resources.files().joinpath("icons", "fit.svg").is_file()


def test_every_resource_the_code_names_exists_in_the_package():
    named = check_install.named_resources(ROOT / "nnviz")
    # the scan sees each way the code names a resource
    for name in ("style.qss", "data/digits.npz", "examples", "desktop/nnviz.svg", "icons/fit.svg",   # resources.*
                 "icons/undo.svg",             # icons.icon("undo")
                 "icons/zoom-in.svg",          # the icon argument of MainWindow._action, through its alias A
                 "icons/save-as.svg",          # ExportSpec's icon field, by position
                 "icons/lstm.svg"):            # the ui's table of layer icons
        assert name in named, name
    assert check_install.missing_resources(ROOT / "nnviz") == {}


def _own_paths_to_resources(source: str) -> list[int]:
    """Lines that build a path to ``resources/`` by hand: "resources" joined to a path, or a path / "resources"."""
    import ast

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and any(isinstance(a, ast.Constant) and a.value == "resources" for a in node.args):
            lines.append(node.lineno)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and \
                isinstance(node.right, ast.Constant) and node.right.value == "resources":
            lines.append(node.lineno)
    return lines


def test_no_code_builds_its_own_path_to_the_resources_folder():
    """A path beside the package works in a checkout only: in a wheel the files are nnviz/_resources. Code
    asks nnviz.resources (importlib.resources) instead."""
    bad = {str(p.relative_to(ROOT)): lines for p in sorted((ROOT / "nnviz").rglob("*.py"))
           if p.name != "resources.py" and (lines := _own_paths_to_resources(p.read_text(encoding="utf-8")))}
    assert not bad, f"use nnviz.resources.path(...) here: {bad}"
    assert _own_paths_to_resources('RES = os.path.join(os.path.dirname(HERE), "resources", "examples")') == [1]
    assert _own_paths_to_resources('RES = Path(__file__).parents[3] / "resources"') == [1]


def test_the_scan_reports_a_resource_the_code_names_but_the_package_lacks(tmp_path):
    pkg = tmp_path / "nnviz"
    pkg.mkdir()
    (pkg / "views.py").write_text(
        "from dataclasses import dataclass\n"
        "from nnviz import resources\n"
        "from nnviz.ui import icons\n"
        "LAYER_ICONS = {'Dense': 'dense', 'Odd': 'no-such-layer'}\n"
        "CATEGORY_LOOKS = {'core': ('dense', '#2563eb'), 'odd': ('no-such-category', '#000000')}\n"
        "@dataclass\n"
        "class Spec:\n"
        "    kind: str\n"
        "    icon: str | None = None\n"
        "SPECS = [Spec('a', 'no-such-spec'), Spec('b', icon='fit')]\n"
        "class W:\n"
        "    def _action(self, name, text, icon_name=None): ...\n"
        "    def build(self):\n"
        "        A = self._action\n"
        "        A('x', 'X', 'no-such-action')\n"
        "        icons.icon('no-such-icon')\n"
        "        resources.path('data', 'no-such.npz')\n"
        "        resources.read_text('style.qss')\n", encoding="utf-8")
    missing = check_install.missing_resources(pkg)
    assert set(missing) == {"icons/no-such-layer.svg", "icons/no-such-category.svg", "icons/no-such-spec.svg", "icons/no-such-action.svg",
                            "icons/no-such-icon.svg", "data/no-such.npz"}
    assert missing["icons/no-such-action.svg"] == ["nnviz/views.py:15"]


# ------------------------------------------------------------------------------------------------ the wheel
def test_every_package_under_nnviz_is_listed_for_the_wheel():
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "nnviz").rglob("__init__.py")}
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert on_disk <= listed, f"add these to [tool.setuptools] packages in pyproject.toml: {sorted(on_disk - listed)}"
    resource_dirs = {"nnviz._resources." + p.name for p in (ROOT / "resources").iterdir()
                     if p.is_dir() and p.name != "__pycache__"}
    assert resource_dirs <= listed, sorted(resource_dirs - listed)


def _setuptools_fits() -> bool:
    try:
        return int(importlib.metadata.version("setuptools").split(".")[0]) >= 77
    except importlib.metadata.PackageNotFoundError:
        return False


def test_the_wheel_holds_the_code_every_named_resource_and_both_entry_points(tmp_path):
    args = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path)]
    if _setuptools_fits():   # else pip fetches setuptools>=77 into an isolated build environment
        args.append("--no-build-isolation")
    shutil.copytree(ROOT, tmp_path / "src", ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "bench"))
    done = subprocess.run([*args, str(tmp_path / "src")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("*.whl")
    assert wheel.name.startswith("nnviz_studio-")
    names = set(zipfile.ZipFile(wheel).namelist())
    for py in (ROOT / "nnviz").rglob("*.py"):
        assert py.relative_to(ROOT).as_posix() in names, py
    for name in check_install.named_resources(ROOT / "nnviz"):
        target = f"nnviz/_resources/{name}"
        assert target in names or any(n.startswith(target + "/") for n in names), name
    for example in (ROOT / "resources" / "examples").glob("*.nnviz"):
        assert f"nnviz/_resources/examples/{example.name}" in names
    assert not any(n.startswith("resources/") for n in names)   # no top-level 'resources' package in site-packages
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    with zipfile.ZipFile(wheel) as zf:
        entry_points = zf.read(f"{dist_info}/entry_points.txt").decode()
        metadata = zf.read(f"{dist_info}/METADATA").decode()
    assert re.search(r"\[console_scripts\]\s*nnviz = nnviz.cli:main", entry_points)
    assert re.search(r"\[gui_scripts\]\s*nnviz-gui = nnviz.app:main", entry_points)
    assert "Name: nnviz-studio" in metadata


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.mark.skipif(not PYPI_LIST.is_file(), reason="the package index's name list is not on this machine")
def test_the_distribution_name_is_free_on_the_package_index():
    ours = _normalized(PYPROJECT["project"]["name"])
    assert ours == "nnviz-studio"
    taken = set()
    with PYPI_LIST.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            if line[:5].lower() == "nnviz" or line[:6].lower() == "nn-viz":
                taken.add(_normalized(line.split("\t", 1)[0]))
    assert "nnviz" in taken               # why the distribution is not called nnviz
    assert ours not in taken


# ------------------------------------------------------------------------------------------------ launching
def test_a_project_file_or_the_apps_options_open_the_app_and_commands_stay_the_cli(monkeypatch, tmp_path):
    import nnviz.app

    project = tmp_path / "mine.nnviz"
    shutil.copy(ROOT / "resources" / "examples" / "xor.nnviz", project)
    calls = []
    monkeypatch.setattr(nnviz.app, "main", lambda argv=None: calls.append(argv[1:] if argv else argv) or 0)
    assert cli.main([str(project)]) == 0
    assert cli.main(["--open", str(project)]) == 0
    assert cli.main(["--theme", "dark"]) == 0
    assert calls == [[str(project)], ["--open", str(project)], ["--theme", "dark"]]
    assert cli.main(["summary", str(project)]) == 0 and len(calls) == 3


def test_a_project_file_that_does_not_exist_is_one_line_not_an_empty_window(monkeypatch, capsys, tmp_path):
    import nnviz.app

    monkeypatch.setattr(nnviz.app, "main", lambda *a: pytest.fail("the app was started"))
    assert cli.main([str(tmp_path / "typo.nnviz")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"nnviz: error: no such project file: {tmp_path / 'typo.nnviz'}"]


def test_python_dash_m_nnviz_is_the_nnviz_command(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "nnviz", "--version"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == f"nnviz {nnviz.__version__}"
    done = subprocess.run([sys.executable, "-m", "nnviz", "summary", str(ROOT / "resources" / "examples" / "xor.nnviz")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Total params" in done.stdout


def test_every_window_has_the_apps_icon(qapp):
    from PySide6.QtWidgets import QMainWindow

    from nnviz.app import identify

    identify(qapp)
    assert qapp.desktopFileName() == "nnviz" and not qapp.windowIcon().isNull()
    window = QMainWindow()
    image = window.windowIcon().pixmap(64, 64).toImage()
    edge = image.pixelColor(6, 32)                       # the blue tile, not a blank or a generic icon
    assert edge.alpha() == 255 and edge.blue() > edge.red() + 60
    window.deleteLater()


# ------------------------------------------------------------------------------------------------ the desktop
def test_install_desktop_writes_the_launcher_icon_and_file_type_under_xdg_data_home(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert cli.main(["install-desktop", "--user"]) == 0
    share = tmp_path / "share"
    entry = (share / "applications" / "nnviz.desktop").read_text(encoding="utf-8")
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    command = desktop.launch_command()
    assert Path(command[0]).is_absolute() and exec_line.endswith(" %f")
    assert "MimeType=application/x-nnviz;" in entry and "Icon=nnviz" in entry
    assert (share / "icons/hicolor/scalable/apps/nnviz.svg").read_bytes() == resources.read_bytes("desktop", "nnviz.svg")
    assert (share / "icons/hicolor/scalable/mimetypes/application-x-nnviz.svg").is_file()
    mime = (share / "mime/packages/nnviz.xml").read_text(encoding="utf-8")
    assert 'type="application/x-nnviz"' in mime and 'pattern="*.nnviz"' in mime
    if shutil.which("update-mime-database"):       # the desktop's own database now knows the type
        assert "application/x-nnviz" in (share / "mime" / "globs2").read_text(encoding="utf-8")
    out = capsys.readouterr().out
    assert out.count("wrote ") == 4 and "the launcher runs: " in out
    if shutil.which("desktop-file-validate"):
        done = subprocess.run(["desktop-file-validate", str(share / "applications" / "nnviz.desktop")],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    assert cli.main(["install-desktop", "--remove"]) == 0
    assert not (share / "applications" / "nnviz.desktop").exists()
    assert not (share / "mime/packages/nnviz.xml").exists()


def test_the_desktop_entry_quotes_a_launcher_path_with_spaces():
    entry = desktop.desktop_entry(["/opt/my apps/bin/nnviz-gui"])
    assert 'Exec="/opt/my apps/bin/nnviz-gui" %f' in entry.splitlines()
    assert "TryExec=/opt/my apps/bin/nnviz-gui" in entry.splitlines()
    entry = desktop.desktop_entry(["/usr/bin/python3", "-m", "nnviz"])
    assert "Exec=/usr/bin/python3 -m nnviz %f" in entry.splitlines()


# ------------------------------------------------------------------------------------------------ system libraries
def test_missing_qt_libraries_are_one_line_naming_the_debian_packages(monkeypatch, capsys):
    import nnviz.app

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setattr(system_libs, "_loads", lambda soname: soname not in ("libEGL.so.1", "libxcb-cursor.so.0"))
    monkeypatch.setitem(sys.modules, "PySide6.QtGui", None)      # what a missing libEGL.so.1 does to the import
    monkeypatch.setattr(nnviz.app, "build", lambda *a: pytest.fail("Qt was started"))
    assert cli.main([]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "nnviz: error: Qt cannot start: system libraries are missing (libEGL.so.1, libxcb-cursor.so.0); install "
        "them with: sudo apt-get install libegl1 libxcb-cursor0"]


def test_an_import_error_naming_another_library_still_says_what_to_do():
    message = system_libs.missing_message(ImportError("libfoo.so.3: cannot open shared object file"),
                                          xcb=False, loads=lambda soname: True)
    assert message == ("Qt cannot start: the system library libfoo.so.3 is missing; install the Debian package that "
                       "provides it (apt-file search libfoo.so.3)")
    assert system_libs.missing_message(None, xcb=True, loads=lambda soname: True) is None


@pytest.mark.parametrize("env, xcb", [
    ({"DISPLAY": ":0"}, True), ({"QT_QPA_PLATFORM": "xcb"}, True), ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, False),
    ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}, False), ({}, False),
])
def test_which_platform_needs_the_xcb_libraries(monkeypatch, env, xcb):
    monkeypatch.setattr(sys, "platform", "linux")
    assert system_libs.uses_xcb(env) == xcb


def _setup_lists() -> dict[str, list[str]]:
    text = (ROOT / ".ci" / "setup").read_text(encoding="utf-8")
    return {name: re.search(rf'^{name}="([^"]*)"', text, re.M).group(1).split() for name in ("QT_LIBS", "XCB_LIBS")}


def test_ci_setup_installs_the_packages_the_app_names():
    lists = _setup_lists()
    assert lists["QT_LIBS"] == list(system_libs.QT_LIBS.values())
    assert lists["XCB_LIBS"] == list(system_libs.XCB_LIBS.values())


# ------------------------------------------------------------------------------------------------ .ci/setup
def _fake_tool(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(0o755)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the set-up script is for Debian")
def test_ci_setup_without_root_or_sudo_prints_the_apt_get_line_and_still_makes_the_venv(tmp_path):
    """A user account (``id -u`` is 1000) on a Debian with apt-get but no sudo, where every package is missing."""
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "setup", repo / ".ci" / "setup")
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    for tool in ("dirname", "cat", "mkdir", "chmod"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    _fake_tool(bin_dir, "id", 'echo 1000')
    _fake_tool(bin_dir, "dpkg", 'exit 1')                                 # nothing is installed
    _fake_tool(bin_dir, "apt-get", f'echo "apt-get $*" >> {log}; exit 100')
    # python3 lacks ensurepip (no python3-venv) yet makes a venv whose python logs what pip is asked to do
    _fake_tool(bin_dir, "python3", f'''echo "python3 $*" >> {log}
[ "$1" = "-c" ] && exit 1
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    mkdir -p "$3/bin"
    printf '#!/bin/sh\\necho "venv-python $*" >> {log}\\n' > "$3/bin/python"
    chmod +x "$3/bin/python"
fi''')
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    done = subprocess.run(["/bin/bash", str(repo / ".ci" / "setup")], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    assert not [c for c in calls if c.startswith("apt-get")], calls     # no attempt to install as a user
    assert "python3 -m venv .venv" in calls
    assert 'venv-python -m pip install -q -e .[test]' in calls
    lines = done.stderr.splitlines()
    expected = ("apt-get install -y --no-install-recommends " + " ".join(
        [*system_libs.QT_LIBS.values(), *system_libs.XCB_LIBS.values(), "xvfb", "xauth", "python3-venv"]))
    assert "ask an administrator to run:" in lines[0]
    assert lines[1].strip() == expected
