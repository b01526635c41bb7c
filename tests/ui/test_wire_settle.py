"""An edit while training makes the run its own undo entry with the exact state the engine paused at — the weights
and Adam's m, v and step count of one moment, although the snapshots streamed while training carry no optimizer
state — and undo then Train goes on from there. The engine runs in a thread here, so the test can compare with
the engine's own model bit for bit (a stale or missing optimizer state fails)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QAction

from nnviz.core.state import optimizer_state
from nnviz.ui.training.integration import attach_training

TIMEOUT = 20_000


def same_state(a: dict, b: dict, where: str) -> None:
    assert a is not None and b is not None, where
    assert a.keys() == b.keys(), where
    for k in a:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=f"{where}: {k}")


def settle(qtbot, controller):
    with qtbot.waitSignal(controller.synced, timeout=TIMEOUT):
        qtbot.wait(0)   # the training docks send their new set-up from the event loop
        controller.sync()


def test_an_edit_mid_run_records_the_engines_exact_state_and_undo_resumes_adam_there(qtbot, main_window):
    window = main_window
    d = window.document
    controller = attach_training(window, d, backend="thread")
    try:
        assert d.training_config.optimizer == "adam"
        settle(qtbot, controller)
        window.training_ui.panel.epochs_spin.setValue(0)     # until paused
        with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT,
                              check_params_cb=lambda s: s.state == "running" and s.step >= 30 and s.weights):
            window.findChild(QAction, "actionTrain").trigger()
        assert controller.latest_snapshot.optimizer_state is None     # the stream leaves it out

        d.set_layer_option(0, "units", 5)            # an edit mid-run: the run so far becomes an entry first
        engine = controller.worker._engine           # paused where the edit stopped it (no new set-up sent yet)
        stack = d.undo_stack
        assert stack.count() == 2 and stack.text(0).startswith("Train")
        stack.setIndex(1)                            # the trained state, inside the entry
        trained = engine.model
        same_state(d.optimizer_state, optimizer_state(trained), "the entry's optimizer state")
        for k, w in zip(trained.weight_keys(), trained.get_weights()):
            np.testing.assert_array_equal(d.weights()[k], w, err_msg=k)
        steps = int(d.optimizer_state["iterations"])
        assert steps >= 30
        recorded = {k: np.array(v, copy=True) for k, v in d.optimizer_state.items()}

        # undo the edit, then Step: Adam goes on from step `steps`, with the m and v it had
        stack.setIndex(2)
        d.undo()
        assert stack.index() == 1 and d.model.layers[0].units != 5
        settle(qtbot, controller)
        resumed = controller.worker._engine.model
        same_state(optimizer_state(resumed), recorded, "the engine after undo")
        with qtbot.waitSignal(controller.paused, timeout=TIMEOUT):
            controller.step_batch()
        qtbot.waitUntil(lambda: controller.latest_snapshot.optimizer_state is not None
                        and controller.latest_snapshot.step == 1, timeout=TIMEOUT)
        assert int(controller.latest_snapshot.optimizer_state["iterations"]) == steps + 1
    finally:
        window.ask_save_changes = lambda: "discard"
        controller.shutdown()
