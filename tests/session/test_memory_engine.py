"""The training process's memory stays bounded (issue 14): nothing the engine keeps grows with the epochs, ``fit``
holds no shuffled copy of the training split, and a big set-up crosses the pipe without a second copy.

Measured with tracemalloc (deterministic: NumPy reports its buffers to it), never with RSS or wall-clock times;
bench/engine_memory.py prints the resident figures.
"""

from __future__ import annotations

import copy
import gc
import io
import threading
import tracemalloc

import numpy as np
import pytest

from nnviz.core import Dense, Sequential
from nnviz.core import step as core_step
from nnviz.core.data.dataset import Dataset
from nnviz.core.training import TrainingConfig
from nnviz.session.training_engine import TrainingEngine
from nnviz.session.wire import OUT_OF_BAND_BYTES, read_message, write_message


def _dataset(n_train: int = 240, n_features: int = 8) -> Dataset:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n_train + 60, n_features)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return Dataset(name="blobs", task="multiclass", x_train=x[:n_train], y_train=y[:n_train],
                   x_val=x[:0], y_val=y[:0], x_test=x[n_train:], y_test=y[n_train:],
                   feature_names=[f"f{i}" for i in range(n_features)], class_names=["a", "b"])


def _model() -> Sequential:
    return Sequential([Dense(16, activation="relu", input_shape=(8,)), Dense(2, activation="softmax")], seed=0)


@pytest.fixture
def traced():
    tracemalloc.start(1)
    yield
    tracemalloc.stop()


def _nnviz_blocks() -> tuple[int, int]:
    """(blocks, bytes) alive that nnviz's own lines allocated (after a collection: an engine is a cycle)."""
    gc.collect()
    snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, "*nnviz*")])
    stats = snap.statistics("filename")
    return sum(s.count for s in stats), sum(s.size for s in stats)


def _train_engine(epochs: int):
    """A TrainingEngine (no Qt, no process) trained for ``epochs`` epochs to the end; what is alive of nnviz's
    allocations then (the engine still holding its state), and the engine."""
    done = threading.Event()
    last = {}

    def emit(event, *args):
        if event == "snapshot":
            last["snapshot"] = args[0]   # only the newest: the receiving side's business is not measured here
        elif event in ("stopped", "failed"):
            last["end"] = (event, *args)
            done.set()

    engine = TrainingEngine(emit, publish_interval=0.0, sample_interval=0.0, test_interval=0.0)
    config = TrainingConfig(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=epochs, seed=0)
    thread = threading.Thread(target=engine.run, daemon=True)
    thread.start()
    engine.send("setup", _model().get_config(), None, _dataset(64), config.to_dict(), None)
    engine.send("train")
    assert done.wait(60), "the run did not end"
    assert last["end"] == ("stopped",)
    blocks = _nnviz_blocks()
    engine.send("quit")
    thread.join(10)
    return blocks, engine


def test_engine_keeps_a_bounded_state_however_many_epochs(traced):
    """A run nine times as long leaves the engine holding no more: checkpoints thinned to their bound, curve rows
    sent and dropped, fit's History emptied. One object kept per epoch would add 800 blocks here (what the engine
    holds differs by up to ~100 with the moment it stopped)."""
    (short_blocks, short_bytes), short = _train_engine(100)
    short_checkpoints = len(short._checkpoints)
    del short
    (long_blocks, long_bytes), long = _train_engine(900)
    assert long._epoch == 900
    assert len(long._checkpoints) == short_checkpoints <= long._checkpoints.max_count
    assert not long._batch_rows.rows and not long._grad_rows.rows
    assert all(not p.rows for p in (*long._epoch_rows.values(), *long._test_rows.values()))
    print(f"kept by nnviz after 100 epochs: {short_blocks} blocks, {short_bytes} bytes; after 900: {long_blocks}, "
          f"{long_bytes}")
    assert long_blocks - short_blocks < 400, (short_blocks, long_blocks)
    assert long_bytes - short_bytes < 32 * 1024, (short_bytes, long_bytes)


def test_fit_gathers_each_shuffled_batch_without_a_copy_of_the_split(traced, monkeypatch):
    """The batches are those of the shuffled order (as when a shuffled copy of the split was sliced), and the
    peak of one epoch stays below half a copy of x."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4096, 64)).astype(np.float32)
    y = rng.integers(0, 2, size=4096)
    model = Sequential([Dense(2, activation="softmax", input_shape=(64,))], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x[:64], y[:64], batch_size=64, epochs=1, verbose=0)   # workspaces and slots built
    perm = copy.deepcopy(model.rng).permutation(len(x))   # the order fit draws next
    seen = []
    real_step = core_step.train_step

    def spy(m, xb, yb):
        seen.append((xb.copy(), yb.copy()))
        return real_step(m, xb, yb)

    monkeypatch.setattr(core_step, "train_step", spy)
    model.fit(x, y, batch_size=1024, epochs=1, verbose=0)
    assert len(seen) == 4
    for i, (xb, yb) in enumerate(seen):
        np.testing.assert_array_equal(xb, x[perm][i * 1024:(i + 1) * 1024])
        np.testing.assert_array_equal(yb, y[perm][i * 1024:(i + 1) * 1024])
    monkeypatch.setattr(core_step, "train_step", real_step)
    seen.clear()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    model.fit(x, y, batch_size=64, epochs=1, verbose=0)
    _, peak = tracemalloc.get_traced_memory()
    assert peak - before < x.nbytes // 2, (peak - before, x.nbytes)   # (a check of x for NaN: x.size bytes)


def test_a_big_array_crosses_the_wire_without_a_second_copy(traced):
    """A data set's split travels out of band: read straight into the buffer the array wraps, so reading it
    needs about its size once (in band: the pickle's bytes and the array, twice)."""
    big = np.arange(OUT_OF_BAND_BYTES // 2, dtype=np.float32).reshape(-1, 64)   # 2 × the threshold's bytes
    small = np.ones((3, 4), np.float32)
    strided = big[::2, ::2]
    stream = io.BytesIO()
    write_message(stream, ("setup", big, small, strided, {"k": 1}))
    write_message(stream, ("ping", 7))
    stream.seek(0)
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    message = read_message(stream)
    _, peak = tracemalloc.get_traced_memory()
    assert peak - before < big.nbytes * 1.4 + strided.nbytes, (peak - before, big.nbytes)
    kind, got_big, got_small, got_strided, extra = message
    assert kind == "setup" and extra == {"k": 1}
    np.testing.assert_array_equal(got_big, big)
    np.testing.assert_array_equal(got_small, small)
    np.testing.assert_array_equal(got_strided, strided)
    assert got_big.flags.writeable and got_big.dtype == np.float32
    assert read_message(stream) == ("ping", 7)
    with pytest.raises(EOFError):
        read_message(stream)
