"""The training process's throughput and what it pickles to the GUI, with and without Adam's state in the stream.

    python bench/engine_wire.py [--seconds 8] [--rounds 3] [--warmup 2]

Issue 14's real-size case through the real engine process (``python -m nnviz.session.engine_process``, driven over
its pipes exactly as :class:`~nnviz.session.worker.TrainingWorker` drives it, without Qt): 784-256-128-10, Adam
(lr 0.001), batch 128, on 60,000 synthetic 28×28 digits / 255 (bench/real_size.py's), 10,000 in the test split,
one BLAS thread. Each round runs both, interleaved (the machine's load moves):

* ``before``: every weight copy (~30 a second) carries the optimizer state, as before (``stream_optimizer=True``);
* ``after``: the steady stream carries none; pauses and syncs do.

Printed per run: the training process's samples/s over ``--seconds`` after ``--warmup``, the bytes it pickled to
this process per second, and the snapshots, weight copies and optimizer states per second; then the time an edit
mid-run waits for the exact state (a pause without the test evaluation, then a sync, as
``TrainingController.pause_and_wait``); and, once, the core's
``fit`` in this process (no engine, no snapshots) as the ceiling, and the cost of pickling one snapshot.
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import real_size  # noqa: E402  (one BLAS thread, as the app trains)
from gui_responsiveness import cpu_seconds  # noqa: E402
import numpy as np  # noqa: E402

from nnviz.core import Callback, Dense, Sequential  # noqa: E402
from nnviz.core.data.dataset import Dataset  # noqa: E402
from nnviz.core.state import optimizer_state  # noqa: E402
from nnviz.core.training import TrainingConfig, fit  # noqa: E402
from nnviz.session.wire import read_message, write_message  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = TrainingConfig(optimizer="adam", learning_rate=0.001, batch_size=128, epochs=0, seed=0)


def mnist_size() -> Dataset:
    img, y = real_size.synthetic_digits(70_000)
    x = img.reshape(len(img), -1).astype(np.float32) / 255
    n = 60_000
    return Dataset(name="synthetic MNIST", task="multiclass", x_train=x[:n], y_train=y[:n],
                   x_val=x[:0], y_val=y[:0], x_test=x[n:], y_test=y[n:],
                   feature_names=[f"pixel{i}" for i in range(784)], class_names=[str(c) for c in range(10)])


def make_model() -> Sequential:
    return Sequential([Dense(256, activation="relu", input_shape=(784,)), Dense(128, activation="relu"),
                       Dense(10, activation="softmax")], seed=0)


class _Counted:
    """A pipe that counts the bytes read from it."""

    def __init__(self, stream):
        self.stream, self.bytes = stream, 0

    def read(self, n: int) -> bytes:
        data = self.stream.read(n)
        self.bytes += len(data)
        return data

    def readinto(self, buffer) -> int:
        got = self.stream.readinto(buffer)
        self.bytes += got or 0
        return got


class Engine:
    """The engine process, over its pipes; counts the bytes of every message it sends."""

    def __init__(self, **options):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, env.get("PYTHONPATH")) if p)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        self.proc = subprocess.Popen([sys.executable, "-m", "nnviz.session.engine_process"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.counted = _Counted(self.proc.stdout)
        self.send(options)
        assert self.read()[0] == "ready"

    def send(self, obj) -> None:
        write_message(self.proc.stdin, obj)

    def read(self):
        return read_message(self.counted)   # the engine's own format: big arrays travel after the pickle

    def until(self, predicate):
        while True:
            event = self.read()
            if predicate(event):
                return event

    def close(self) -> None:
        self.send(("quit",))
        self.proc.stdin.close()
        while self.read()[0] != "finished":
            pass
        self.proc.wait(5)


def run_engine(dataset, stream_optimizer: bool, seconds: float, warmup: float) -> dict:
    engine = Engine(publish_interval=0.025, stream_optimizer=stream_optimizer)
    model = make_model()
    engine.send(("setup", model.get_config(), model.get_weights(), dataset, CONFIG.to_dict(), {}, {"setup_id": 1}))
    engine.until(lambda e: e[0] == "snapshot")
    engine.send(("train",))
    t_end = time.perf_counter() + warmup
    last = engine.until(lambda e: e[0] == "snapshot" and e[1]["fields"]["state"] == "running")
    while time.perf_counter() < t_end:
        event = engine.read()
        if event[0] == "snapshot":
            last = event[1]
    s0, b0, t0 = last["fields"]["samples_seen"], engine.counted.bytes, time.perf_counter()
    c0, r0 = cpu_seconds(engine.proc.pid), time.process_time()
    snaps = copies = states = 0
    while time.perf_counter() - t0 < seconds:
        event = engine.read()
        if event[0] == "snapshot":
            last = event[1]
            snaps += 1
            copies += last["weights"] is not None
            states += last["fields"]["optimizer_state"] is not None
    elapsed = time.perf_counter() - t0
    cpu, reader = cpu_seconds(engine.proc.pid) - c0, time.process_time() - r0
    samples = last["fields"]["samples_seen"] - s0
    pickled = engine.counted.bytes - b0
    t = time.perf_counter()
    engine.send(("pause", False))   # as TrainingController.pause_and_wait: no test evaluation first
    engine.send(("ping", 1))
    paused = None
    while True:
        event = engine.read()
        if event[0] == "snapshot":
            paused = event[1]
        elif event == ("pong", 1):
            break
    settle = time.perf_counter() - t
    exact = paused["fields"]["optimizer_state"]
    assert exact is not None and int(exact["iterations"]) == paused["fields"]["step"], "no exact state at the pause"
    engine.close()
    return {"rate": samples / elapsed, "mb_s": pickled / elapsed / 1e6, "snaps": snaps / elapsed,
            "copies": copies / elapsed, "states": states / elapsed, "settle": settle,
            "cpu_us": cpu / samples * 1e6, "reader_us": reader / samples * 1e6}


def plain_fit(dataset, seconds: float) -> float:
    """samples/s of the core's fit in this process: no engine, no snapshots."""

    class Stopper(Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.n += 1
            if self.n == 20:
                self.t0 = time.perf_counter()
                self.n0 = self.n
            if self.n > 20 and time.perf_counter() - self.t0 >= seconds:
                self.model.stop_training = True

    model = make_model()
    CONFIG.compile_model(model)
    stopper = Stopper()
    stopper.n = 0
    fit(model, dataset, CONFIG, epochs=10 ** 6, callbacks=[stopper])
    return (stopper.n - stopper.n0) * CONFIG.batch_size / (time.perf_counter() - stopper.t0)


def pickle_costs(dataset) -> tuple[float, float, int, int]:
    """ms to pickle one snapshot's weights, and its optimizer state; their sizes in bytes."""
    model = make_model()
    CONFIG.compile_model(model)
    model.train_on_batch(dataset.x_train[:128], dataset.y_train[:128])
    out = []
    for obj in (model.get_weights(), optimizer_state(model)):
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        t = time.perf_counter()
        for _ in range(20):
            pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        out.append(((time.perf_counter() - t) / 20 * 1000, len(data)))
    return out[0][0], out[1][0], out[0][1], out[1][1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    dataset = mnist_size()
    print(f"784-256-128-10, Adam, batch {CONFIG.batch_size}, {dataset.n_train:,} x 784 (test {len(dataset.x_test):,}); "
          f"engine process, one BLAS thread; {args.seconds:.0f} s per run after {args.warmup:.0f} s; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    w_ms, s_ms, w_bytes, s_bytes = pickle_costs(dataset)
    print(f"pickling one snapshot: weights {w_bytes / 1e6:.2f} MB in {w_ms:.2f} ms, "
          f"optimizer state {s_bytes / 1e6:.2f} MB in {s_ms:.2f} ms", flush=True)
    print(f"{'run':8} {'samples/s':>10} {'CPU us/sample':>14} {'reader us/sample':>17} {'MB/s pickled':>13} "
          f"{'snapshots/s':>12} {'weights/s':>10} {'opt. states/s':>14} {'edit waits':>11}", flush=True)
    results = {"before": [], "after": []}
    for _ in range(args.rounds):
        for name in ("before", "after"):
            r = run_engine(dataset, name == "before", args.seconds, args.warmup)
            results[name].append(r)
            print(f"{name:8} {r['rate']:10,.0f} {r['cpu_us']:14.1f} {r['reader_us']:17.1f} {r['mb_s']:13.1f} "
                  f"{r['snaps']:12.1f} {r['copies']:10.1f} {r['states']:14.1f} {r['settle'] * 1000:8.0f} ms",
                  flush=True)
    ceiling = plain_fit(dataset, min(args.seconds, 5.0))
    print(f"core fit() in this process (no engine, no snapshots): {ceiling:,.0f} samples/s", flush=True)
    before = statistics.median(r["rate"] for r in results["before"])
    after = statistics.median(r["rate"] for r in results["after"])
    med = {k: {f: statistics.median(r[f] for r in rs) for f in ("mb_s", "cpu_us", "reader_us", "settle")}
           for k, rs in results.items()}
    print(f"median: before {before:,.0f} samples/s ({before / ceiling:.0%} of fit), {med['before']['mb_s']:.1f} MB/s; "
          f"after {after:,.0f} samples/s ({after / ceiling:.0%} of fit), {med['after']['mb_s']:.1f} MB/s; "
          f"after/before {after / before:.2f}x")
    cb, ca = med["before"]["cpu_us"], med["after"]["cpu_us"]
    print(f"training process CPU per sample: before {cb:.1f} us, after {ca:.1f} us ({ca / cb - 1:+.0%}); "
          f"the reader (the GUI's part) {med['before']['reader_us']:.1f} -> {med['after']['reader_us']:.1f} us; "
          f"an edit mid-run waits {med['after']['settle'] * 1000:.0f} ms (median); "
          f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
