"""The app's training process keeps a CNN's batches in one thread (core.conv_front): split next to the GUI they
trained no faster and made the GUI later (bench/gui_responsiveness.py --mnist-csv --cnn)."""

from __future__ import annotations

import sys

import pytest

from nnviz.session.worker import TrainingController


def child_environment(controller) -> dict:
    pid = controller.worker._proc.pid
    with open(f"/proc/{pid}/environ", "rb") as f:
        entries = f.read().split(b"\0")
    return dict(e.decode().split("=", 1) for e in entries if b"=" in e)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("given, expected", [(None, "1"), ("2", "2")])
def test_the_training_process_keeps_batches_in_one_thread_unless_asked(qtbot, monkeypatch, given, expected):
    if given is None:
        monkeypatch.delenv("NNVIZ_BATCH_THREADS", raising=False)
    else:
        monkeypatch.setenv("NNVIZ_BATCH_THREADS", given)
    controller = TrainingController()
    try:
        env = child_environment(controller)
        assert env["NNVIZ_BATCH_THREADS"] == expected
    finally:
        controller.shutdown()
