"""Where splitting a CNN's training batch between two threads pays (``nnviz.core.conv_front.MIN_SPLIT_MACS``).

    python bench/conv_split.py [--rounds 5] [--steps 40]

For c(f)-pool-c(2f)-pool-dense10 networks ('same' padding, ReLU, Adam) on square one-channel images of a few
sizes and batches, trains the same batches through ``train_step`` with the front in one thread and split
between two (both fused, one BLAS thread each), interleaved round by round, and prints the best steps/s of
each, their ratio and the batch's convolution multiply-adds, with the load average: splitting only pays
with a second core free, so read the figures of a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
for _var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_var, None)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

from nnviz.core import Adam, Conv2D, Dense, Flatten, Input, MaxPooling2D, Sequential, conv_front, step  # noqa: E402

CASES = [(8, 32, 16), (8, 128, 16), (16, 64, 16), (28, 16, 16), (28, 32, 8), (28, 32, 16), (28, 64, 16),
         (28, 128, 16), (32, 64, 32)]


def model_for(side: int, filters: int) -> Sequential:
    model = Sequential(seed=0, layers=[
        Input((side, side, 1)), Conv2D(filters, 3, padding="same", activation="relu"), MaxPooling2D(2),
        Conv2D(2 * filters, 3, padding="same", activation="relu"), MaxPooling2D(2), Flatten(),
        Dense(10, activation="softmax")])
    model.compile(optimizer=Adam(0.001), loss="sparse_categorical_crossentropy")
    return model


def steps_per_second(model, x, y, batch: int, steps: int) -> float:
    start = time.perf_counter()
    for i in range(steps):
        step.train_step(model, x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch])
    return steps / (time.perf_counter() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args(argv)
    threshold, conv_front.MIN_SPLIT_MACS = conv_front.MIN_SPLIT_MACS, 0   # measure both ways whatever it says
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start; "
          f"nnviz splits from MIN_SPLIT_MACS = {threshold / 1e6:.0f} M multiply-adds a batch")
    print(f"  {'image, batch, filters':24} {'batch MACs':>12} {'1 thread':>9} {'split':>9} {'split/1':>8}")
    for side, batch, filters in CASES:
        rng = np.random.default_rng(0)
        x = rng.random((batch * args.steps, side, side, 1), dtype=np.float32)
        y = rng.integers(0, 10, batch * args.steps)
        model = model_for(side, filters)
        best = {1: 0.0, 2: 0.0}
        for _ in range(args.rounds):
            for threads in (1, 2):
                conv_front.set_batch_threads(threads)
                best[threads] = max(best[threads], steps_per_second(model, x, y, batch, args.steps))
        macs = batch * model._conv_front.macs_per_sample()
        print(f"  {f'{side}x{side}, {batch}, {filters}':24} {macs / 1e6:10.1f} M {best[1]:9.0f} {best[2]:9.0f} "
              f"{best[2] / best[1]:7.2f}x", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
