"""Issue 14's figures at real size: fit() against PyTorch CPU, raw 0-255 pixels, an MNIST-size CSV.

    python bench/real_size.py [--seconds 3] [--only fit,raw,csv] [--cases CNN] [--rounds 3]

Prints each figure beside its goal:

* ``fit``: training throughput (steps/s through ``Sequential.fit``) of five networks against the same
  architecture, batch size and optimizer in a plain PyTorch loop measured in the same run, PyTorch
  taking the better of 1 and 2 threads (see ``bench/core_vs_torch.py`` for the loops);
* ``raw``: 784-256-128-10 (Adam, batch 128) on synthetic 28×28 digits, raw 0-255 pixels against
  pixels / 255: seconds per epoch after the first epoch (when dead units and saturated outputs would
  make subnormal numbers);
* ``csv``: a Kaggle-format MNIST CSV (``label, pixel0 … pixel783``, integers 0-255, 60,000 rows,
  synthetic digits written to the temporary folder once) through ``load_csv``: wall and CPU seconds and
  peak traced memory against the float32 data's size.

torch is a bench-only reference (``pip install torch``), never a dependency; without it the ratios are
left out.  OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset in this process only (they slow a current
NumPy; see the environment notes).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc

for _var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_var, None)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

os.environ.setdefault("BENCH_THREADS", "1")   # nnviz as the app trains it: one BLAS thread
import core_vs_torch as cvt  # noqa: E402  (sets the BLAS thread count before NumPy loads)
import numpy as np  # noqa: E402

from nnviz.core import Adam, Dense, Input, Sequential, conv_front  # noqa: E402

FIT_CASES = [
    ("784-256-128-10 (batch 128, Adam)", 1.1, dict(
        x_shape=(784,), classes=10, batch=128, opt="adam",
        layers=[("dense", 256, "relu"), ("dense", 128, "relu"), ("dense", 10, "softmax")])),
    ("CNN same c16-p-c32-p-d10 (batch 64, Adam)", 0.8, dict(
        x_shape=(28, 28, 1), classes=10, batch=64, opt="adam",
        layers=[("conv", 16, "relu", "same"), ("pool",), ("conv", 32, "relu", "same"), ("pool",), ("flatten",),
                ("dense", 10, "softmax")])),
    ("digits LSTM(32) (batch 32, Adam)", 1.2, dict(
        x_shape=(8, 8), classes=10, batch=32, opt="adam", layers=[("lstm", 32), ("dense", 10, "softmax")])),
    ("playground 2-8-8-1 tanh (batch 10, SGD)", 4.5, dict(
        x_shape=(2,), classes=1, batch=10, opt="sgd",
        layers=[("dense", 8, "tanh"), ("dense", 8, "tanh"), ("dense", 1, "sigmoid")])),
    ("digits MLP 64-128-64-10 (batch 32, Adam)", 3.3, dict(
        x_shape=(64,), classes=10, batch=32, opt="adam",
        layers=[("dense", 128, "relu"), ("dense", 64, "relu"), ("dense", 10, "softmax")])),
]


def synthetic_digits(n: int, seed: int = 0, side: int = 28):
    """MNIST-like uint8 images (n, side, side) and labels: per class a few thick strokes, shifted, dimmed, specks."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:side, :side]
    templates = np.zeros((10, side, side), np.float32)
    for c in range(10):
        for _ in range(3):
            x0, y0, x1, y1 = rng.uniform(6, side - 6, 4)
            for t in np.linspace(0, 1, 40):
                px, py = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
                templates[c] = np.maximum(templates[c], np.exp(-((xx - px) ** 2 + (yy - py) ** 2) / 2.0))
    y = rng.integers(0, 10, n)
    shifts = rng.integers(-2, 3, (n, 2))
    gain = rng.uniform(0.7, 1.0, n).astype(np.float32)
    out = np.empty((n, side, side), np.uint8)
    for start in range(0, n, 1000):
        sl = slice(start, min(start + 1000, n))
        img = np.stack([np.roll(templates[c], tuple(s), axis=(0, 1)) for c, s in zip(y[sl], shifts[sl])])
        img = img * gain[sl, None, None] * 255 + (rng.random(img.shape) < 0.02) * 80
        img[img < 30] = 0
        out[sl] = np.clip(img, 0, 255)
    return out, y


def write_mnist_csv(path: str, n: int = 60_000, seed: int = 0) -> None:
    """A Kaggle-format MNIST CSV: header ``label,pixel0,…,pixel783``, then integers 0-255."""
    img, y = synthetic_digits(n, seed)
    table = np.concatenate([y[:, None], img.reshape(n, -1)], axis=1)
    words = np.array([str(i) for i in range(256)], dtype=object)
    with open(path, "w") as f:
        f.write("label," + ",".join(f"pixel{i}" for i in range(img[0].size)) + "\n")
        for start in range(0, n, 5000):
            f.write("\n".join(",".join(r) for r in words[table[start:start + 5000]]) + "\n")


def row(name, ours, ref, ratio, goal, unit=""):
    print(f"  {name:<44} {ours:>12} {ref:>12} {ratio:>8} {goal:>9}{unit}", flush=True)


def bench_fit(seconds: float, have_torch: bool, cases: str = "") -> None:
    print(f"fit() throughput, steps/s (nnviz BLAS threads {cvt.THREADS}; torch best of 1 and 2 threads); "
          f"load average {os.getloadavg()[0]:.1f}")
    row("network", "nnviz", "torch", "ratio", "goal")
    for i, (name, goal, spec) in enumerate(FIT_CASES):
        if cases and cases.lower() not in name.lower():
            continue
        spec = dict(spec, name=name)
        ours = cvt.bench_nnviz(spec, seconds, np.random.default_rng(i))
        note = ""
        if conv_front.front_length(cvt.nnviz_model(spec).layers):
            # a convolutional front: nnviz splits its batches between two threads; also show it unsplit
            old = conv_front.set_batch_threads(1)
            unsplit = cvt.bench_nnviz(spec, seconds, np.random.default_rng(i))
            conv_front.set_batch_threads(old)
            note = f"   (nnviz unsplit {unsplit:.0f}"
        if have_torch:
            by_threads = [cvt.bench_torch(spec, seconds, np.random.default_rng(i), threads=t) for t in (1, 2)]
            theirs = max(by_threads)
            note = (note + "; " if note else "   (") + f"torch 1 / 2 threads: {by_threads[0]:.0f} / {by_threads[1]:.0f})"
            row(name, f"{ours:.0f}", f"{theirs:.0f}", f"{ours / theirs:.2f}x", f">= {goal}x", note)
        else:
            row(name, f"{ours:.0f}", "-", "-", f">= {goal}x", note + (")" if note else ""))


def mnist_mlp(seed=0):
    model = Sequential([Input((784,)), Dense(256, activation="relu"), Dense(128, activation="relu"),
                        Dense(10, activation="softmax")], seed=seed)
    model.compile(optimizer=Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def bench_raw(epochs: int = 4, n: int = 12_000) -> None:
    img, y = synthetic_digits(n, seed=1)
    raw = img.reshape(n, -1).astype(np.float32)
    print(f"raw 0-255 pixels vs /255: 784-256-128-10, Adam, batch 128, {n} synthetic digits, "
          f"seconds per epoch over epochs 2-{epochs}")
    results = {}
    for label, x in (("pixels / 255", raw / 255), ("raw 0-255", raw)):
        model = mnist_mlp()
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)
        t = time.process_time()
        hist = model.fit(x, y, batch_size=128, epochs=epochs - 1, verbose=0)
        results[label] = (time.process_time() - t) / (epochs - 1)
        print(f"  {label:<14} {results[label]:6.2f} s/epoch (CPU)   final loss {hist.history['loss'][-1]:.3f}, "
              f"accuracy {hist.history['accuracy'][-1]:.3f}", flush=True)
    ratio = results["raw 0-255"] / results["pixels / 255"]
    print(f"  raw / scaled time {ratio:.2f}x   (goal <= 1.3x)")


def mnist_csv_path(rows: int = 60_000) -> str:
    """The synthetic Kaggle-format MNIST CSV in the temporary folder, written the first time."""
    path = os.path.join(tempfile.gettempdir(), f"nnviz_bench_mnist_{rows}.csv")
    if not os.path.exists(path):
        print(f"  writing {path} (synthetic digits, once) …", flush=True)
        write_mnist_csv(path + ".part", rows)
        os.replace(path + ".part", path)
    return path


def bench_csv(rows: int = 60_000) -> None:
    from nnviz.io.csv_data import load_csv

    path = mnist_csv_path(rows)
    size = os.path.getsize(path)
    data_bytes = rows * 784 * 4
    print(f"CSV import: {rows:,} rows x 785 integer columns ({size / 1e6:.0f} MB) through load_csv")
    best = None
    for _ in range(3):
        tracemalloc.start()
        t, c = time.perf_counter(), time.process_time()
        ds = load_csv(path, "label")
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        best = min(best or (wall, cpu, peak), (wall, cpu, peak))
        del ds
    wall, cpu, peak = best
    print(f"  import time        {wall:5.2f} s wall, {cpu:5.2f} s CPU (best of 3; goal <= 2 s)")
    print(f"  peak memory        {peak / 2**20:5.0f} MiB = {peak / data_bytes:.2f}x the float32 data "
          f"({data_bytes / 2**20:.0f} MiB; goal <= 3x)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="time per throughput measurement (default 3)")
    ap.add_argument("--only", default="fit,raw,csv", help="comma-separated parts: fit, raw, csv")
    ap.add_argument("--cases", default="", help="fit: only the networks whose name contains this (e.g. CNN)")
    ap.add_argument("--rounds", type=int, default=1, help="fit: measure this many times (the machine may be shared)")
    args = ap.parse_args(argv)
    try:
        import torch
        have_torch = True
        version = f", torch {torch.__version__}"
    except ImportError:
        have_torch, version = False, " (torch not installed: no reference)"
    print(f"numpy {np.__version__}{version}; {os.cpu_count()} cores; load average "
          f"{os.getloadavg()[0]:.1f} at start")
    parts = set(args.only.split(","))
    if "fit" in parts:
        for _ in range(args.rounds):
            bench_fit(args.seconds, have_torch, args.cases)
    if "raw" in parts:
        bench_raw()
    if "csv" in parts:
        bench_csv()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
