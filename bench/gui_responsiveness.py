"""GUI responsiveness while training the digits MLP with every training view on screen (offscreen).

Prints, for one run on this machine:

* the event loop's lateness (p50 / p99 / max) of a 16 ms precise QTimer while training, after a warm-up;
* redraws per second (snapshots drawn by the views);
* training samples/s with the GUI, against the same training headless in the same run: the same engine
  with no window (the controller only), and the core's ``fit`` called directly in this process.

Goals: p99 < 25 ms, >= 30 redraws/s, >= 80 % of the headless throughput.

    python bench/gui_responsiveness.py [--seconds 8] [--backend process|thread] [--mnist-csv [PATH]] [--stream-optimizer]

``--mnist-csv`` trains issue 14's real-size case instead: a Kaggle-format MNIST CSV (60,000 rows; without a
PATH the synthetic one bench/real_size.py writes) through load_csv with min-max scaling, on 784-256-128-10
(Adam, batch 128), and adds the resident memory of this process and of the training process at the start
and the end of the measurement (bounded: no growth per epoch; the training process adds up to 8 MiB of a run's
weight checkpoints in its first epochs; bench/engine_memory.py follows it epoch by epoch). Goals there: >= 90 % of
headless, p99 < 25 ms.

``--mnist-csv --cnn`` trains issue 14's same-padding CNN (c16-pool-c32-pool-dense10, batch 64) on those pixels read
as 28×28×1 images. The app's training process keeps each batch in one thread next to the GUI;
``NNVIZ_BATCH_THREADS=2`` in the environment measures it split between two (``nnviz.core.conv_front``).

``--stream-optimizer`` measures the behaviour before issue 14's wire work: every weight copy the training process
sends (~30 a second) carries Adam's state too (bench/engine_wire.py measures the process alone).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from PySide6.QtCore import QEventLoop, Qt, QTimer, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow  # noqa: E402

from nnviz.core import Callback, Conv2D, Dense, Flatten, MaxPooling2D, Sequential  # noqa: E402
from nnviz.core.data import catalog  # noqa: E402
from nnviz.core.training import TrainingConfig, fit  # noqa: E402


def make_model():
    if CNN:
        return Sequential([Conv2D(16, 3, padding="same", activation="relu", input_shape=(28, 28, 1)), MaxPooling2D(2),
                           Conv2D(32, 3, padding="same", activation="relu"), MaxPooling2D(2), Flatten(),
                           Dense(10, activation="softmax")], seed=0)
    if REAL_SIZE:
        return Sequential([Dense(256, activation="relu", input_shape=(784,)), Dense(128, activation="relu"),
                           Dense(10, activation="softmax")], seed=0)
    return Sequential([Dense(32, activation="relu", input_shape=(64,)), Dense(10, activation="softmax")], seed=0)


REAL_SIZE = False
CNN = False


def rss_mib(pid="self") -> float:
    """Resident memory of a process in MiB (Linux), NaN where /proc is not there."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
    except (OSError, StopIteration):
        return float("nan")


def cpu_seconds(pid="self") -> float:
    """User + system CPU seconds a process has used so far (Linux /proc), NaN where /proc is not there."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def worker_pid(controller):
    proc = getattr(getattr(controller, "worker", None), "_proc", None)
    return getattr(proc, "pid", None)


CONFIG = TrainingConfig(optimizer="adam", learning_rate=0.003, batch_size=32, epochs=0, seed=0)


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def plain_fit(dataset, seconds: float) -> float:
    """samples/s of nnviz.core.training.fit in this process, no GUI, no worker."""

    class Stopper(Callback):
        def on_train_begin(self, logs=None):
            self.t0 = time.perf_counter()
            self.samples = 0

        def on_train_batch_end(self, batch, logs=None):
            self.samples += CONFIG.batch_size
            if time.perf_counter() - self.t0 >= seconds:
                self.model.stop_training = True

    model = make_model()
    CONFIG.compile_model(model)
    stopper = Stopper()
    fit(model, dataset, CONFIG, epochs=10 ** 9, callbacks=[stopper])
    return stopper.samples / (time.perf_counter() - stopper.t0)


def measure_rate(controller, seconds: float, warmup: float = 1.0) -> float:
    wait(int(warmup * 1000))
    s0 = controller.latest_snapshot
    t0 = time.perf_counter()
    wait(int(seconds * 1000))
    s1 = controller.latest_snapshot
    return (s1.samples_seen - s0.samples_seen) / (time.perf_counter() - t0)


def bench_csv_dialog(path: str) -> None:
    """Seconds to open the CSV import dialog on ``path``: previewing its head (today) and reading it whole (as
    before), and Import's threaded read with the event loop's worst lateness meanwhile."""
    from nnviz.io import csv_fast
    from nnviz.ui.csv_dialog import CsvImportDialog
    from nnviz.ui.csv_import import CsvLoadJob

    times = {}
    for name, head_bytes in (("head", csv_fast.HEAD_BYTES), ("whole file", float("inf"))):
        csv_fast.HEAD_BYTES = head_bytes
        t = time.perf_counter()
        dialog = CsvImportDialog(path=path, batch_size=128)
        times[name] = time.perf_counter() - t
        assert dialog.is_valid(), dialog.error
        dialog.deleteLater()
    csv_fast.HEAD_BYTES = 4 * 2**20
    job = CsvLoadJob(None, {"path": path, "label_column": "label", "images": True})
    gaps, last = [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    job.finished.connect(loop.quit)
    t = time.perf_counter()
    timer.start()
    job.start()
    loop.exec()
    timer.stop()
    load = time.perf_counter() - t
    csv_fast.forget_loaded()
    print(f"{'open the import dialog, head':34s} {times['head']:6.2f} s   (whole file, as before: "
          f"{times['whole file']:.2f} s)")
    print(f"{'Import: threaded read as images':34s} {load:6.2f} s   longest event-loop gap meanwhile "
          f"{max(gaps, default=0) * 1000:.0f} ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--backend", choices=("process", "thread"), default="process")
    parser.add_argument("--screenshot", default="", help="save a screenshot of the window at the end")
    parser.add_argument("--mnist-csv", nargs="?", const="", default=None,
                        help="train the real-size MNIST CSV case (default file: bench/real_size.py's)")
    parser.add_argument("--cnn", action="store_true",
                        help="--mnist-csv: train issue 14's same-padding CNN on the pixels read as 28x28x1 images "
                             "(NNVIZ_BATCH_THREADS=2 splits its batches between two threads, as fit() in a script does)")
    parser.add_argument("--stream-optimizer", action="store_true",
                        help="as before: the optimizer state in every weight copy the training process sends")
    parser.add_argument("--no-dialog", action="store_true", help="--mnist-csv: leave out the import dialog's figures")
    args = parser.parse_args(argv)
    global REAL_SIZE, CNN, CONFIG

    warnings = []
    qInstallMessageHandler(lambda mode, ctx, msg: warnings.append(msg)
                           if "propagateSizeHints" not in msg else None)  # an offscreen-platform notice
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from nnviz.session.worker import TrainingController, TrainingWorker
    from nnviz.ui.training.integration import attach_training
    from nnviz.ui.training.standalone import StandaloneDocument

    if args.mnist_csv is not None:
        import real_size
        from nnviz.io.csv_data import load_csv
        path = args.mnist_csv or real_size.mnist_csv_path()
        REAL_SIZE, CNN = True, args.cnn
        CONFIG = TrainingConfig(optimizer="adam", learning_rate=0.001, batch_size=64 if CNN else 128, epochs=0, seed=0)
        dataset = load_csv(path, "label", scaling="minmax", images=CNN)
        network = ("CNN c16-p-c32-p-d10 ('same', 28x28x1 images; batch split between threads: "
                   f"{'yes' if os.environ.get('NNVIZ_BATCH_THREADS', '1') != '1' else 'no'})" if CNN
                   else "MLP 784-256-128-10")
        print(f"MNIST-size CSV {os.path.basename(path)}: {network}, Adam, batch {CONFIG.batch_size}; "
              f"{dataset.summary()}")
    else:
        dataset = catalog.load("digits", flatten=True)
        print(f"digits MLP 64-32-10 (relu, softmax), Adam, batch {CONFIG.batch_size}; {dataset.summary()}")
    if args.stream_optimizer:
        TrainingWorker.engine_options = {"stream_optimizer": True}
    print(f"machine: {os.cpu_count()} cores; training backend: {args.backend}; {args.seconds:.0f} s per measurement; "
          f"optimizer state {'in every weight copy (as before)' if args.stream_optimizer else 'on pause / sync only'}; "
          f"load average {os.getloadavg()[0]:.1f}")

    # 1. headless: the core's fit in this process
    headless_fit = plain_fit(dataset, min(args.seconds, 5.0))

    # 2. headless: the same engine, no window
    controller = TrainingController(backend=args.backend)
    controller.set_setup(make_model(), dataset, CONFIG)
    controller.train()
    headless_engine = measure_rate(controller, min(args.seconds, 5.0))
    controller.shutdown()

    # 3. with the GUI: every view on screen
    document = StandaloneDocument(make_model(), dataset, CONFIG)
    window = QMainWindow()
    window.setCentralWidget(QLabel("network editor"))
    window.resize(1920, 1080)
    controller = attach_training(window, document, backend=args.backend)
    ui = window.training_ui
    ui.show_all_views()
    window.show()
    wait(500)
    hidden = [name for name, dock in ui.docks.items() if not dock.widget().isVisible()]
    controller.train()
    wait(1000)  # warm-up: first paints, font caches, the process's first epochs

    lateness = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        lateness.append(now - last[0] - 0.016)
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.setInterval(16)
    timer.timeout.connect(tick)
    s0, r0, t0 = controller.latest_snapshot, ui.redraws, time.perf_counter()
    pid = worker_pid(controller)
    rss0 = (rss_mib(), rss_mib(pid) if pid else float("nan"))
    cpu0 = (cpu_seconds(), cpu_seconds(pid) if pid else float("nan"))
    last[0] = t0
    timer.start()
    wait(int(args.seconds * 1000))
    timer.stop()
    elapsed = time.perf_counter() - t0
    s1, r1 = controller.latest_snapshot, ui.redraws
    rss1 = (rss_mib(), rss_mib(pid) if pid else float("nan"))
    cpu1 = (cpu_seconds(), cpu_seconds(pid) if pid else float("nan"))
    gui_rate = (s1.samples_seen - s0.samples_seen) / elapsed
    redraws = (r1 - r0) / elapsed
    if args.screenshot:
        window.grab().save(args.screenshot)
    controller.pause()
    t = time.perf_counter()
    window.close()
    close_s = time.perf_counter() - t

    late = np.maximum(np.array(lateness), 0.0) * 1e3
    p50, p99, mx = np.percentile(late, 50), np.percentile(late, 99), late.max()
    print()
    print(f"{'views on screen':34s} {len(ui.docks) - len(hidden)} of {len(ui.docks)}"
          + (f" (hidden: {', '.join(hidden)})" if hidden else ""))
    print(f"{'event-loop lateness, 16 ms timer':34s} p50 {p50:5.1f} ms   p99 {p99:5.1f} ms   max {mx:5.1f} ms"
          f"   ({len(late)} ticks)")
    print(f"{'redraws per second':34s} {redraws:5.1f}")
    print(f"{'samples/s, with the GUI':34s} {gui_rate:9,.0f}")
    print(f"{'samples/s, same engine, no GUI':34s} {headless_engine:9,.0f}   GUI/headless {gui_rate / headless_engine:6.1%}")
    print(f"{'samples/s, core fit in-process':34s} {headless_fit:9,.0f}   GUI/headless {gui_rate / headless_fit:6.1%}")
    trained = max(s1.samples_seen - s0.samples_seen, 1)
    print(f"{'CPU us per sample trained':34s} GUI process {(cpu1[0] - cpu0[0]) / trained * 1e6:5.1f}   "
          f"training process {(cpu1[1] - cpu0[1]) / trained * 1e6:5.1f}")
    print(f"{'closing the window mid-training':34s} {close_s * 1000:5.0f} ms")
    epochs = (s1.samples_seen - s0.samples_seen) / max(dataset.n_train, 1)
    print(f"{'resident memory, GUI process':34s} {rss0[0]:6.0f} -> {rss1[0]:6.0f} MiB over {epochs:.1f} epochs")
    if pid:
        print(f"{'resident memory, training process':34s} {rss0[1]:6.0f} -> {rss1[1]:6.0f} MiB")
    print(f"{'Qt warnings':34s} {len(warnings)}" + (f": {warnings[:3]}" if warnings else ""))
    share = 0.9 if REAL_SIZE else 0.8
    ok = p99 < 25 and redraws >= 30 and gui_rate >= share * min(headless_engine, headless_fit)
    print()
    print(f"goals (p99 < 25 ms, >= 30 redraws/s, >= {share:.0%} of headless):", "met" if ok else "NOT met")
    del window, ui, controller
    app.processEvents()
    if REAL_SIZE and not args.no_dialog:   # after the training's figures: the dialog's whole-file read would inflate the memory figures
        print()
        bench_csv_dialog(args.mnist_csv or real_size.mnist_csv_path())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
