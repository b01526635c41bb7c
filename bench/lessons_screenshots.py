"""Lessons played as a student would, in the assembled window at 1280 × 720, with a screenshot mid-way (issue 19).

    QT_QPA_PLATFORM=offscreen python bench/lessons_screenshots.py [OUT_DIR] [lesson ...]

Lessons: ``neuron-layer`` (01: select the hidden layer), ``learning-rate`` (03: both runs trained, compared in the Runs panel), ``backprop`` (07: the stepper asks
for a weighted sum after a wrong and a right prediction), ``overfitting`` (05: validation loss turns up). Each is
played through the Lessons dock's own buttons (Next, Show me) and the stepper's bar; every step's check text is
printed, so what a student reads can be read here too. Files: ``lessons-<lesson>.png``.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.shot_window import close_window, open_window, settle as _settle  # noqa: E402

SIZE = (1280, 720)
LESSONS = ("neuron-layer", "learning-rate", "overfitting", "backprop")   # backprop last: it rearranges the docks


def _wait(app, condition, timeout: float = 180.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


def _say(ui, label: str) -> None:
    p = ui.panel
    status = p.status.text().replace("<b>", "").replace("</b>", "")
    print(f"  [{label}] {p.progress.text()} {p.step_title.text()!r}: {status}")


def _shot(app, window, directory: str, name: str) -> str:
    window.resize(*SIZE)
    window.statusBar().clearMessage()
    _settle(app)
    window.hide_stale_tab_bars()
    _settle(app)
    path = os.path.join(directory, f"lessons-{name}.png")
    window.grab().save(path)
    return path


def _neuron_layer(app, window, ui, directory):
    ui.start("01-neuron-and-layer")
    _wait(app, lambda: not window.training_ui._rebuild_pending)
    for _ in range(2):
        ui.next()
        _settle(app)
        _say(ui, "entered")
    _settle(app, 60)
    return _shot(app, window, directory, "neuron-layer")


def _learning_rate(app, window, ui, directory):
    ui.start("03-learning-rate")
    _wait(app, lambda: not window.training_ui._rebuild_pending)
    _say(ui, "start")
    for _ in range(3):                  # steps 2 and 3 by Show me (each trains a run), then on to the comparison
        ui.next()
        _wait(app, lambda: not window.training_ui._rebuild_pending)
        _say(ui, "entered")
        if ui.session.step.show_me and ui.session.step.check.kind != "runs":
            ui.panel.show_me_button.click()
            _wait(app, lambda: "✓ Done" in ui.panel.status.text())
            _wait(app, lambda: not window.training_ui.controller.is_running)
            _settle(app, 100)
            _say(ui, "shown")
    _wait(app, lambda: "✓ Done" in ui.panel.status.text(), 30)
    _settle(app, 100)
    _say(ui, "runs")
    return _shot(app, window, directory, "learning-rate")


def _backprop(app, window, ui, directory):
    from nnviz.core.trace import format_number

    ui.start("07-backprop-by-hand")
    _settle(app)
    _say(ui, "start")
    ui.next()
    _settle(app)
    _say(ui, "entered")
    bar = window.stepper_ui.stepper.check_bar
    s = window.stepper_ui.stepper.session
    print(f"  bar asks {bar.prompt.text()!r}")
    bar.answer_edit.setText(format_number(s.question().value + 0.4))     # a slip first
    bar.check_button.click()
    _settle(app)
    _say(ui, "wrong z")
    print(f"  bar asks {bar.prompt.text()!r}")
    ui.panel.show_me_button.click()
    _settle(app)
    print(f"  bar asks {bar.prompt.text()!r}")
    bar.answer_edit.setText(format_number(s.question().value))
    bar.check_button.click()
    _settle(app, 60)
    _say(ui, "right z")
    print(f"  bar asks {bar.prompt.text()!r}")
    return _shot(app, window, directory, "backprop-by-hand")


def _overfitting(app, window, ui, directory):
    ui.start("05-overfitting")
    _wait(app, lambda: not window.training_ui._rebuild_pending)
    _say(ui, "start")
    ui.next()
    _wait(app, lambda: not window.training_ui._rebuild_pending)
    ui.panel.show_me_button.click()
    _wait(app, lambda: "✓ Done" in ui.panel.status.text())
    _wait(app, lambda: not window.training_ui.controller.is_running)
    _settle(app, 100)
    _say(ui, "trained")
    return _shot(app, window, directory, "overfitting")


def save(directory: str, lessons=LESSONS) -> list[str]:
    app, window, controller = open_window(SIZE, prefix="nnviz-lessons-")
    _wait(app, lambda: getattr(controller, "latest_snapshot", True) is not None, 20)
    ui = window.lessons_ui
    ui.open()
    _settle(app)
    players = {"neuron-layer": _neuron_layer, "learning-rate": _learning_rate, "backprop": _backprop, "overfitting": _overfitting}
    paths = []
    for name in lessons:
        print(name)
        paths.append(players[name](app, window, ui, directory))
        ui.leave()
        if window.stepper_ui.dock.isVisible():
            window.stepper_ui.dock.hide()
        _settle(app)
    close_window(app, window, controller)
    return paths


if __name__ == "__main__":
    args = sys.argv[1:]
    out = args[0] if args else "docs"
    for p in save(out, tuple(args[1:]) or LESSONS):
        print(p)
