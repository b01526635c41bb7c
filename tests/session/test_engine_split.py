"""The training engine's shape: split by job, each part small, and no reach into the model's flat buffers or the
optimizer's internals (the engine saves and restores state through ``nnviz.core.state``)."""

from __future__ import annotations

import os
import re

import pytest

SESSION = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "nnviz",
                       "session")
ENGINE_FILES = ["training_engine.py", "series.py", "snapshot.py", "wire.py", "engine_process.py", "worker.py"]
PRIVATE_REACHES = re.compile(r"_flat_params|_flat_grads|_slices|\.slots\b|\.build\(\s*\w+\.size|_ensure_optimizer")


@pytest.mark.parametrize("name", ENGINE_FILES)
def test_engine_parts_are_small_and_keep_out_of_the_model_internals(name):
    with open(os.path.join(SESSION, name), encoding="utf-8") as f:
        text = f.read()
    assert text.count("\n") < 600
    assert PRIVATE_REACHES.findall(text) == []


def test_every_name_the_views_and_tests_import_is_still_there():
    from nnviz.session import training_engine, worker

    for name in ("Curve", "EMPTY_CURVE", "Series", "SnapshotAssembler", "TrainingEngine", "TrainingSnapshot",
                 "fresh_model", "suggest_learning_rate", "read_message", "write_message", "RUNNING", "PAUSED",
                 "STOPPED", "DIVERGED", "STATES"):
        assert hasattr(training_engine, name), name
    for name in worker.__all__:
        assert hasattr(worker, name), name
