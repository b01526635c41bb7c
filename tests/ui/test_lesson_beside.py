"""A lesson's "Show me" that opens a view sharing the Lessons dock's tabs puts it below the lesson instead of in
front of it (lessons 04 and 09, "Open Predict": the lesson disappeared behind Predict and its "✓ Done" was seen
only after clicking back); leaving the lesson puts the view back among the tabs."""

from __future__ import annotations


def on_screen(dock) -> bool:
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def test_show_me_opens_predict_below_the_lesson_and_leaving_puts_it_back(app_window, qtbot):
    window, _ = app_window
    ui = window.lessons_ui
    ui.open()
    ui.start("04-data-splits")
    ui.next()
    ui.next()
    assert ui.session.step.check.kind == "view"   # the last step: "Open Predict"
    predict = window.docks["predictDock"][0]
    window.tabifyDockWidget(ui.dock, predict)   # as the default layout has it: a tab beside Lessons
    ui.dock.raise_()
    qtbot.waitUntil(lambda: on_screen(ui.dock) and not on_screen(predict))
    ui.show_me()
    qtbot.waitUntil(lambda: on_screen(predict))
    assert on_screen(ui.dock)                          # the lesson stays in view beside it
    assert ui.dock not in window.tabifiedDockWidgets(predict)
    qtbot.waitUntil(lambda: "✓ Done" in ui.panel.status.text())
    ui.leave()
    assert ui.dock in window.tabifiedDockWidgets(predict)
