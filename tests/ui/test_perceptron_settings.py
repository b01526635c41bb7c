"""On a perceptron project the settings Rosenblatt's rule does not read are greyed with the reason, and the step
action says it steps one sample; a network project gets them back."""

from __future__ import annotations

from tests.ui.test_loose_ends import open_example


def test_perceptron_project_greys_what_the_rule_ignores_and_steps_samples(app_window, qtbot):
    window, controller = app_window
    panel, controls = window.training_ui.panel, window.training_ui.controls
    open_example(window, controller, qtbot, "perceptron-and.nnviz")
    assert not panel.rule_note.isHidden() and "η" in panel.rule_note.text()
    for w in (panel.optimizer_combo, panel.loss_combo, panel.batch_spin, panel.reg_combo, panel.val_spin,
              panel.momentum_spin):
        assert not w.isEnabled(), w.objectName()
    assert panel.lr_spin.isEnabled() and panel.epochs_spin.isEnabled() and panel.seed_spin.isEnabled()
    assert controls.action_step_batch.text() == "Step sample"
    assert "one sample" in controls.action_step_batch.toolTip()

    open_example(window, controller, qtbot, "course-2-3-2.nnviz")
    assert panel.rule_note.isHidden()
    assert panel.optimizer_combo.isEnabled() and panel.loss_combo.isEnabled() and panel.batch_spin.isEnabled()
    assert controls.action_step_batch.text() == "Step batch"
