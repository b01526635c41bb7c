"""Training throughput of nnviz's NumPy core versus PyTorch CPU, measured in the same run.

    pip install torch==2.13.0        # bench-only reference, never a dependency of nnviz
    python bench/core_vs_torch.py [--seconds 3]

For four networks it trains the same architecture with the same batch size and optimizer through
``Sequential.fit`` and through a plain PyTorch loop, and prints steps/s for both and the ratio.
Both run with the same number of threads (2 by default, like the machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

THREADS = os.environ.get("BENCH_THREADS", "2")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = THREADS

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from nnviz.core import LSTM, SGD, Adam, Conv2D, Dense, Flatten, Input, MaxPooling2D, Sequential  # noqa: E402


def case_specs():
    return [
        dict(name="playground 2-8-8-1 tanh (batch 10, SGD)", x_shape=(2,), classes=1, batch=10, opt="sgd",
             layers=[("dense", 8, "tanh"), ("dense", 8, "tanh"), ("dense", 1, "sigmoid")]),
        dict(name="digits MLP 64-128-64-10 (batch 32, Adam)", x_shape=(64,), classes=10, batch=32, opt="adam",
             layers=[("dense", 128, "relu"), ("dense", 64, "relu"), ("dense", 10, "softmax")]),
        dict(name="MNIST MLP 784-256-128-10 (batch 128, Adam)", x_shape=(784,), classes=10, batch=128, opt="adam",
             layers=[("dense", 256, "relu"), ("dense", 128, "relu"), ("dense", 10, "softmax")]),
        dict(name="CNN 28x28x1 c16-p-c32-p-d10 (batch 64, Adam)", x_shape=(28, 28, 1), classes=10, batch=64,
             opt="adam", layers=[("conv", 16, "relu"), ("pool",), ("conv", 32, "relu"), ("pool",), ("flatten",),
                                 ("dense", 10, "softmax")]),
        dict(name="digits LSTM 8x8 -> LSTM(32) -> 10 (batch 32, Adam)", x_shape=(8, 8), classes=10, batch=32,
             opt="adam", layers=[("lstm", 32), ("dense", 10, "softmax")]),
    ]


def make_data(spec, steps, rng):
    n = spec["batch"] * steps
    x = rng.random((n,) + spec["x_shape"], dtype=np.float32)
    if spec["classes"] == 1:
        y = rng.integers(0, 2, n).astype(np.float32)
    else:
        y = rng.integers(0, spec["classes"], n)
    return x, y


def nnviz_model(spec):
    layers = [Input(spec["x_shape"])]
    for entry in spec["layers"]:
        kind = entry[0]
        if kind == "dense":
            layers.append(Dense(entry[1], activation=entry[2]))
        elif kind == "conv":
            layers.append(Conv2D(entry[1], 3, activation=entry[2], padding=entry[3] if len(entry) > 3 else "valid"))
        elif kind == "pool":
            layers.append(MaxPooling2D(2))
        elif kind == "lstm":
            layers.append(LSTM(entry[1]))
        else:
            layers.append(Flatten())
    model = Sequential(layers, seed=0)
    opt = SGD(0.01) if spec["opt"] == "sgd" else Adam(0.001)
    loss = "binary_crossentropy" if spec["classes"] == 1 else "sparse_categorical_crossentropy"
    model.compile(optimizer=opt, loss=loss, metrics=["accuracy"])
    return model


def bench_nnviz(spec, seconds, rng):
    model = nnviz_model(spec)
    x, y = make_data(spec, 50, rng)
    model.fit(x, y, batch_size=spec["batch"], epochs=1, verbose=0)  # warm-up
    steps, epochs = 0, 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        model.fit(x, y, batch_size=spec["batch"], epochs=1, verbose=0)
        steps += 50
        epochs += 1
    return steps / (time.perf_counter() - start)


def bench_torch(spec, seconds, rng, threads=None):
    import torch
    from torch import nn

    class LastStep(nn.Module):
        """Keras' LSTM output: the last step's state."""

        def __init__(self, rnn):
            super().__init__()
            self.rnn = rnn

        def forward(self, x):
            return self.rnn(x)[0][:, -1]

    torch.set_num_threads(int(threads or THREADS))
    torch.manual_seed(0)
    mods = []
    channels = spec["x_shape"][-1]
    flat = int(np.prod(spec["x_shape"]))
    size = spec["x_shape"][0]
    for entry in spec["layers"]:
        kind = entry[0]
        if kind == "dense":
            mods.append(nn.Linear(flat, entry[1]))
            flat = entry[1]
            act = entry[2]
            if act == "tanh":
                mods.append(nn.Tanh())
            elif act == "relu":
                mods.append(nn.ReLU())
            elif act == "sigmoid":
                mods.append(nn.Sigmoid())
            # softmax is folded into CrossEntropyLoss
        elif kind == "conv":
            same = len(entry) > 3 and entry[3] == "same"
            mods += [nn.Conv2d(channels, entry[1], 3, padding=1 if same else 0), nn.ReLU()]
            channels = entry[1]
            size -= 0 if same else 2
        elif kind == "pool":
            mods.append(nn.MaxPool2d(2))
            size //= 2
        elif kind == "lstm":
            mods.append(LastStep(nn.LSTM(spec["x_shape"][-1], entry[1], batch_first=True)))
            flat = entry[1]
        else:
            mods.append(nn.Flatten())
            flat = channels * size * size
    net = nn.Sequential(*mods)
    opt = torch.optim.SGD(net.parameters(), lr=0.01) if spec["opt"] == "sgd" else torch.optim.Adam(
        net.parameters(), lr=0.001, eps=1e-7)
    loss_fn = nn.BCELoss() if spec["classes"] == 1 else nn.CrossEntropyLoss()
    x, y = make_data(spec, 50, rng)
    if len(spec["x_shape"]) == 3:
        x = x.transpose(0, 3, 1, 2).copy()
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y).float().unsqueeze(1) if spec["classes"] == 1 else torch.from_numpy(y)
    b = spec["batch"]

    def epoch():
        perm = torch.randperm(len(xt))
        for i in range(50):
            idx = perm[i * b:(i + 1) * b]
            xb, yb = xt[idx], yt[idx]
            opt.zero_grad()
            out = net(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            # the same per-batch bookkeeping fit() does: a loss value and an accuracy
            loss.item()
            (out.argmax(1) == yb).float().mean().item() if spec["classes"] > 1 else ((out > 0.5) == yb).float().mean().item()

    epoch()
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        epoch()
        steps += 50
    return steps / (time.perf_counter() - start)


GOALS = [4.5, 2.6, 0.95, 0.6, None]   # the goals; none was set for the LSTM


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement (default 3)")
    parser.add_argument("--only", type=int, default=None, help="run only case N (0-4)")
    args = parser.parse_args()
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("torch is not installed (pip install torch==2.13.0): printing nnviz figures only")
    rng = np.random.default_rng(0)
    print(f"threads: {THREADS}, numpy {np.__version__}" + (f", torch {torch.__version__}" if have_torch else ""))
    print(f"{'network':<48} {'nnviz steps/s':>14} {'torch steps/s':>14} {'ratio':>7} {'goal':>6}")
    for i, spec in enumerate(case_specs()):
        if args.only is not None and i != args.only:
            continue
        ours = bench_nnviz(spec, args.seconds, rng)
        theirs = bench_torch(spec, args.seconds, rng) if have_torch else float("nan")
        ratio = ours / theirs
        goal = f"{GOALS[i]:>5}x" if GOALS[i] else "     -"
        print(f"{spec['name']:<48} {ours:>14.0f} {theirs:>14.0f} {ratio:>6.2f}x {goal}", flush=True)


if __name__ == "__main__":
    main()
