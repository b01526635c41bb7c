"""What the engine's snapshots carry over the wire: the steady stream while training has no optimizer state (Adam's m
and v, twice the weights, pickled ~30 times a second for nothing); a pause, a stop and a sync's answer carry the exact
state reached, the weights and the optimizer state of the same moment. Waits on events, never on time."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nnviz.core import Dense, Sequential
from nnviz.core.data import catalog
from nnviz.core.state import optimizer_state
from nnviz.core.training import TrainingConfig
from nnviz.session.snapshot import SnapshotAssembler
from nnviz.session.training_engine import TrainingEngine
from nnviz.session.worker import TrainingController

TIMEOUT = 60


@pytest.fixture(scope="module")
def digits():
    return catalog.load("digits", flatten=True)


def digits_model():
    return Sequential([Dense(32, activation="relu", input_shape=(64,)), Dense(10, activation="softmax")], seed=0)


CONFIG = TrainingConfig(optimizer="adam", learning_rate=0.003, batch_size=32, epochs=0, seed=0)


class Recorder:
    """The engine's events, as the worker would get them, in a thread of its own."""

    def __init__(self, **options):
        self.events = []
        self.cond = threading.Condition()
        self.engine = TrainingEngine(self.emit, **options)
        self.thread = threading.Thread(target=self.engine.run, daemon=True)

    def emit(self, *event):
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def wait_for(self, predicate) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: predicate(self.events), TIMEOUT), "the engine did not get there"

    def snapshots(self, events=None):
        return [e[1] for e in (self.events if events is None else events) if e[0] == "snapshot"]

    def start(self, dataset, **options):
        self.thread.start()
        model = digits_model()
        self.engine.send("setup", model.get_config(), model.get_weights(), dataset, CONFIG.to_dict(), {})
        self.engine.send("train")

    def running_with_weights(self, events=None):
        return [w for w in self.snapshots(events) if w["fields"]["state"] == "running" and w["weights"] is not None]

    def pause_and_sync(self, *pause, token=1):
        """Send a pause (``("pause",)`` unless given) and a ping; wait for the pong."""
        self.engine.send(*(pause or ("pause",)))
        self.engine.send("ping", token)
        self.wait_for(lambda events: ("pong", token) in events)

    def quit(self):
        self.engine.send("quit")
        self.thread.join(TIMEOUT)


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=k)


def test_the_stream_has_no_optimizer_state_and_a_pause_has_the_exact_one(digits):
    rec = Recorder()
    rec.start(digits)
    rec.wait_for(lambda events: len(rec.running_with_weights(events)) >= 5)
    rec.pause_and_sync()
    try:
        streamed = rec.running_with_weights()
        assert streamed and all(w["fields"]["optimizer_state"] is None for w in streamed)
        last = rec.snapshots()[-1]   # the snapshot the pong came after: the pause's
        fields = last["fields"]
        assert fields["state"] == "paused" and fields["step"] >= max(w["fields"]["step"] for w in streamed)
        state = fields["optimizer_state"]
        assert state is not None and int(state["iterations"]) == fields["step"]
        # the engine sits paused: the snapshot holds its state bit for bit, weights and optimizer of one moment
        model = rec.engine.model
        _same(state, optimizer_state(model))
        for a, b in zip(last["weights"], model.get_weights()):
            np.testing.assert_array_equal(a, b)
    finally:
        rec.quit()


def test_a_sync_while_running_is_answered_with_the_exact_state_and_training_goes_on(digits):
    rec = Recorder()
    rec.start(digits)
    rec.wait_for(lambda events: len(rec.running_with_weights(events)) >= 2)
    rec.engine.send("ping", 7)
    rec.wait_for(lambda events: ("pong", 7) in events)
    n = len(rec.events)
    rec.wait_for(lambda events: len(rec.running_with_weights(events[n:])) >= 2)   # still training
    rec.quit()
    answer = max(i for i, e in enumerate(rec.events) if e == ("pong", 7))
    before = rec.snapshots(rec.events[:answer])[-1]["fields"]
    assert before["state"] == "running"
    assert before["optimizer_state"] is not None and int(before["optimizer_state"]["iterations"]) == before["step"]
    assert all(w["fields"]["optimizer_state"] is None for w in rec.running_with_weights(rec.events[answer:]))


def test_the_assembler_never_pairs_weights_with_an_older_optimizer_state(digits):
    rec = Recorder()
    rec.start(digits)
    rec.wait_for(lambda events: len(rec.running_with_weights(events)) >= 3)
    rec.pause_and_sync()
    rec.engine.send("train")
    n = len(rec.events)
    rec.wait_for(lambda events: len(rec.running_with_weights(events[n:])) >= 2)
    rec.quit()
    assembler = SnapshotAssembler()
    snaps = [assembler.assemble(w) for w in rec.snapshots()]
    paused = [s for s in snaps if s.state == "paused"]
    assert paused and all(s.optimizer_state is not None for s in paused)
    for s in snaps:    # a snapshot has the state of its own weights, or none
        assert s.optimizer_state is None or int(s.optimizer_state["iterations"]) == s.step
    assert snaps[-1].state == "running" and snaps[-1].optimizer_state is None


def test_stream_optimizer_puts_the_state_back_in_every_weight_copy(digits):
    """The behaviour before (bench/engine_wire.py's reference): every weight copy carried the optimizer state."""
    rec = Recorder(stream_optimizer=True)
    rec.start(digits)
    rec.wait_for(lambda events: len(rec.running_with_weights(events)) >= 3)
    rec.quit()
    assert all(w["fields"]["optimizer_state"] is not None for w in rec.running_with_weights())


def test_pause_and_wait_returns_the_paused_state_from_the_training_process(qtbot, digits):
    controller = TrainingController()   # the real thing: the engine in its child process
    try:
        with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT * 1000):
            controller.set_setup(digits_model(), digits, CONFIG)
        with qtbot.waitSignal(controller.snapshot_ready, timeout=TIMEOUT * 1000,
                              check_params_cb=lambda s: s.state == "running" and s.step >= 20 and s.weights):
            controller.train()
        streamed = controller.latest_snapshot
        assert streamed.optimizer_state is None
        synced = []
        controller.synced.connect(synced.append)
        snap = controller.pause_and_wait()
        assert snap is not None and snap.state == "paused" and snap.step >= streamed.step
        assert snap.optimizer_state is not None and int(snap.optimizer_state["iterations"]) == snap.step
        assert snap.optimizer_state["m"].shape == snap.optimizer_state["v"].shape != (0,)
        token = controller.sync()
        with qtbot.waitSignal(controller.synced, timeout=TIMEOUT * 1000, check_params_cb=lambda t: t == token):
            pass
        assert synced == [token]    # pause_and_wait's own sync is nobody else's
        assert controller.state == "paused" and controller.latest_snapshot.step == snap.step
    finally:
        controller.shutdown()


@pytest.mark.parametrize("look", [True, False])
def test_a_pause_looks_at_the_test_split_unless_told_not_to(digits, look):
    """An edit waits for its pause: that one skips the test evaluation (0.1 s at MNIST size); a Pause click does not."""
    rec = Recorder(test_interval=1e9)   # the test split once at the first epoch's end, then only on a pause

    def tests(events):
        return [row for w in rec.snapshots(events) for row in w["test_rows"].get("loss", [])]

    rec.start(digits)
    rec.wait_for(lambda events: tests(events) and len(rec.running_with_weights(events)) >= 2)
    rec.pause_and_sync(*(("pause",) if look else ("pause", False)))
    rec.quit()
    paused = [w["fields"] for w in rec.snapshots() if w["fields"]["state"] == "paused"]
    assert len(paused) == 1 and paused[0]["optimizer_state"] is not None
    rows = tests(rec.events)
    assert len(rows) == (2 if look else 1)
    if look:   # the test loss of the paused weights
        assert rows[-1][0] == pytest.approx(paused[0]["step"] / paused[0]["steps_per_epoch"])
