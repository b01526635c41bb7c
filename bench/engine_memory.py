"""The training process's resident memory, epoch by epoch: does it grow while a run trains (issue 14)?

Runs the real engine — a :class:`~nnviz.session.worker.TrainingController` with its child process, no window —
on a slice of the Kaggle-format MNIST CSV (bench/real_size.py writes a synthetic one) for ``--epochs`` epochs,
and prints the child's VmRSS (and its peak, VmHWM) at each epoch's end, then the growth per epoch over the
second half of the run (a leak grows there; a plateau reached in the first epochs does not).

    python bench/engine_memory.py [--rows 6000] [--epochs 24] [--cnn] [--validation-split F] [--tracemalloc [N]] [--csv PATH]

``--cnn``: issue 14's same-padding CNN (c16-pool-c32-pool-dense10, batch 64) on the pixels read as 28×28×1
images, its batches in one thread as the app trains (``NNVIZ_BATCH_THREADS=2`` splits them); else the MLP
784-256-128-10 (batch 128). Adam in both. ``--tracemalloc N`` traces the child's allocations (N frames; it slows
training several times) and prints, from snapshots after the second epoch and at the end, what grew most by line,
and what holds the most memory at the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer  # noqa: E402

from nnviz.core import Conv2D, Dense, Flatten, MaxPooling2D, Sequential  # noqa: E402
from nnviz.core.training import TrainingConfig  # noqa: E402


def proc_status(pid) -> dict:
    """VmRSS and VmHWM of a process in MiB (Linux /proc)."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(line.split()[1]) / 1024
    return out


def make_model(cnn: bool) -> Sequential:
    if cnn:
        return Sequential([Conv2D(16, 3, padding="same", activation="relu", input_shape=(28, 28, 1)), MaxPooling2D(2),
                           Conv2D(32, 3, padding="same", activation="relu"), MaxPooling2D(2), Flatten(),
                           Dense(10, activation="softmax")], seed=0)
    return Sequential([Dense(256, activation="relu", input_shape=(784,)), Dense(128, activation="relu"),
                       Dense(10, activation="softmax")], seed=0)


def load_slice(path: str, rows: int, cnn: bool):
    """The CSV as load_csv reads it (min-max scaled; images for the CNN), its train split cut to ``rows`` and its
    test split to a quarter of that (copies: the engine gets only these)."""
    from nnviz.io.csv_data import load_csv
    ds = load_csv(path, "label", scaling="minmax", images=cnn)
    test = max(rows // 4, 1)
    return dataclasses.replace(ds, x_train=ds.x_train[:rows].copy(), y_train=ds.y_train[:rows].copy(),
                               x_test=ds.x_test[:test].copy(), y_test=ds.y_test[:test].copy())


def wait_until(predicate, timeout: float) -> bool:
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: predicate() and loop.quit())
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    timer.start()
    if not predicate():
        loop.exec()
    timer.stop()
    return predicate()


def top_lines(before, after, count: int = 12, title: str = "") -> None:
    print(f"\n{title}")
    for stat in after.compare_to(before, "lineno")[:count]:
        frame = stat.traceback[0]
        print(f"  {stat.size_diff / 2**20:+8.2f} MiB  {stat.count_diff:+6d} blocks  "
              f"{os.path.relpath(frame.filename)}:{frame.lineno}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6000, help="training rows (the test split: a quarter of that)")
    parser.add_argument("--epochs", type=int, default=24)
    parser.add_argument("--cnn", action="store_true")
    parser.add_argument("--csv", default="", help="a Kaggle-format MNIST CSV (default: bench/real_size.py's)")
    parser.add_argument("--validation-split", type=float, default=0.0, help="fit's validation split (evaluated each epoch)")
    parser.add_argument("--tracemalloc", type=int, nargs="?", const=8, default=0, metavar="FRAMES")
    args = parser.parse_args(argv)

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    import real_size
    from nnviz.session.worker import TrainingController

    dataset = load_slice(args.csv or real_size.mnist_csv_path(), args.rows, args.cnn)
    config = TrainingConfig(optimizer="adam", learning_rate=0.001, batch_size=64 if args.cnn else 128,
                            epochs=args.epochs, seed=0, validation_split=args.validation_split)
    if args.tracemalloc:
        os.environ["NNVIZ_TRACEMALLOC"] = str(args.tracemalloc)
    controller = TrainingController(backend="process")
    os.environ.pop("NNVIZ_TRACEMALLOC", None)
    pid = controller.worker._proc.pid
    threads = "batches split between threads" if os.environ.get("NNVIZ_BATCH_THREADS", "1") != "1" else "one thread"
    net = f"CNN c16-p-c32-p-d10 ('same', {threads})" if args.cnn else "MLP 784-256-128-10"
    x_mib = (dataset.x_train.nbytes + dataset.x_test.nbytes) / 2**20
    print(f"{net}, Adam, batch {config.batch_size}; {len(dataset.x_train)} training rows, {len(dataset.x_test)} test "
          f"({x_mib:.0f} MiB of inputs), {args.epochs} epochs; tracemalloc "
          f"{'on, ' + str(args.tracemalloc) + ' frames' if args.tracemalloc else 'off'}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'':8s} {'RSS MiB':>9s} {'peak MiB':>9s}")

    controller.set_setup(make_model(args.cnn), dataset, config)
    controller.sync()
    wait_until(lambda: controller.latest_snapshot is not None and controller.latest_snapshot.setup_id
               == controller.setup_id, 60)
    setup = proc_status(pid)
    print(f"{'set up':8s} {setup['VmRSS']:9.1f} {setup['VmHWM']:9.1f}")

    tmp = tempfile.mkdtemp(prefix="nnviz_memory_")
    dumps = {}
    rss = []
    seen = [0]

    def on_epoch(epoch: int) -> None:
        status = proc_status(pid)
        rss.append(status["VmRSS"])
        print(f"epoch {epoch:2d} {status['VmRSS']:9.1f} {status['VmHWM']:9.1f}", flush=True)
        if args.tracemalloc and epoch in (2, args.epochs):
            dumps[epoch] = os.path.join(tmp, f"epoch{epoch}.tracemalloc")
            controller.worker._send("memory_snapshot", dumps[epoch])

    def poll() -> None:
        snap = controller.latest_snapshot
        epoch = snap.epoch if snap is not None else 0
        while seen[0] < epoch:
            seen[0] += 1
            on_epoch(seen[0])

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(poll)
    timer.start()
    t0 = time.perf_counter()
    controller.train()
    wait_until(lambda: seen[0] >= args.epochs, 3600)
    timer.stop()
    seconds = time.perf_counter() - t0
    if args.tracemalloc:
        wait_until(lambda: all(os.path.exists(p) for p in dumps.values()), 60)
        time.sleep(0.5)   # the last dump finishes writing
    controller.shutdown(timeout=5.0)

    half = len(rss) // 2
    tail = rss[half:]
    per_epoch = (tail[-1] - tail[0]) / max(len(tail) - 1, 1) if len(tail) > 1 else float("nan")
    print(f"\n{len(rss)} epochs in {seconds:.1f} s ({len(rss) * len(dataset.x_train) / seconds:,.0f} samples/s); RSS set up {setup['VmRSS']:.0f} -> after epoch 1 {rss[0]:.0f} -> "
          f"end {rss[-1]:.0f} MiB; over the second half (epochs {half + 1}-{len(rss)}): {per_epoch:+.2f} MiB per epoch"
          f" (min {min(tail):.0f}, max {max(tail):.0f})")
    if args.tracemalloc and len(dumps) == 2:
        import tracemalloc
        first, last = (tracemalloc.Snapshot.load(dumps[e]) for e in sorted(dumps))
        top_lines(first, last, title=f"tracemalloc: what grew from epoch 2 to epoch {args.epochs}, by line")
        empty = tracemalloc.Snapshot([], last.traceback_limit)
        top_lines(empty, last, count=20, title=f"tracemalloc: what is held at epoch {args.epochs}, by line")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
