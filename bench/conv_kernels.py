"""Conv2D / pooling kernels against PyTorch CPU: forward + backward per batch, in ms.

The network is the issue's benchmark CNN without its Dense head:
28×28×1 → Conv2D(16, 3×3, relu) → MaxPooling2D(2) → Conv2D(32, 3×3, relu) → MaxPooling2D(2), batch 64,
float32, with 'valid' padding (``--padding same``: issue 14's same-padding CNN).  Both sides use 2 threads (torch.set_num_threads(2); OpenBLAS's default on this 2-core machine).

    python bench/conv_kernels.py [--rounds 3] [--number 20] [--batch 64] [--padding same] [--tune-malloc]

torch runs in a child process: its OpenMP workers spin after every call and would steal the cores
from OpenBLAS if both lived in one process.  The machine is shared, so ours and torch alternate for
a few rounds and each keeps its best.  The ratio printed is torch_ms / ours_ms, i.e. our throughput
as a fraction of torch's (≥ 1: at least as fast).
"""

from __future__ import annotations

import argparse
import inspect
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from nnviz.core.layers.conv import Conv2D  # noqa: E402
from nnviz.core.layers.pooling import AveragePooling2D, MaxPooling2D  # noqa: E402

TORCH_SCRIPT = r"""
import sys, time
import torch
import torch.nn.functional as F
torch.set_num_threads(2)
n, number, repeat, pad = (int(v) for v in sys.argv[1:5])
side = 7 if pad else 5   # 28 -> (28 or 26) -> 14 or 13 -> (14 or 11) -> 7 or 5
x = torch.rand(n, 1, 28, 28)
w1 = torch.randn(16, 1, 3, 3, requires_grad=True)
b1 = torch.zeros(16, requires_grad=True)
w2 = torch.randn(32, 16, 3, 3, requires_grad=True)
b2 = torch.zeros(32, requires_grad=True)
g = torch.randn(n, 32, side, side)

def step():
    h = F.max_pool2d(torch.relu(F.conv2d(x, w1, b1, padding=pad)), 2)
    h = F.max_pool2d(torch.relu(F.conv2d(h, w2, b2, padding=pad)), 2)
    w1.grad = w2.grad = b1.grad = b2.grad = None
    h.backward(g)

model = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 3, padding=pad), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                            torch.nn.Conv2d(16, 32, 3, padding=pad), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                            torch.nn.Flatten(), torch.nn.Linear(32 * side * side, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
y = torch.randint(0, 10, (n,))

def train_step():
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()
"""
#: what the child prints, after TORCH_SCRIPT and :func:`best_ms` (the same timing loop as ours)
TORCH_PRINT = "print(torch.__version__, best_ms(step, repeat, number, 3), best_ms(train_step, repeat, number, 3))\n"


def tune_malloc() -> None:
    """Stop glibc from handing freed multi-MB blocks back to the OS after every batch (each fresh
    block then costs a page fault per 4 KiB on first touch: ~450 faults, ~0.5-1 ms per batch here)."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6")
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 * 2**20)   # glibc's maximum; blocks up to 32 MB come from the heap
    libc.mallopt(m_trim_threshold, 256 * 2**20)  # and stay there when freed


def best_ms(fn, repeat: int, number: int, warmup: int = 2) -> float:
    """ms per call of ``fn``: the best of ``repeat`` rounds of ``number`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best * 1e3


PADDING = "valid"   # set by --padding


def build_ours(first_input_grad: bool, pool_cls=MaxPooling2D):
    rng = np.random.default_rng(0)
    layers = [Conv2D(16, 3, activation="relu", padding=PADDING), pool_cls(2),
              Conv2D(32, 3, activation="relu", padding=PADDING), pool_cls(2)]
    shape = (28, 28, 1)
    for layer in layers:
        layer.build(shape, rng=rng, dtype="float32")
        shape = layer.compute_output_shape(shape)
    layers[0].needs_input_grad = first_input_grad
    return layers, shape


def torch_ms(batch: int, number: int, repeat: int):
    """(version, conv+pool ms, whole train step ms) from a child process, or Nones without torch."""
    script = "\n".join([TORCH_SCRIPT, inspect.getsource(best_ms), TORCH_PRINT])
    try:
        out = subprocess.run([sys.executable, "-c", script, str(batch), str(number), str(repeat),
                              str(int(PADDING == "same"))],
                             capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None, None, None
    if out.returncode != 0:
        return None, None, None
    version, ms, train_ms = out.stdout.split()
    return version, float(ms), float(train_ms)


def ours_train_step(x, rng):
    """The whole CNN with a Dense(10) head, softmax cross-entropy and plain SGD, without any model
    loop: what a fit() step costs at best with these layers."""
    from nnviz.core.layers.core import Dense, Flatten

    layers, shape = build_ours(False)
    for layer in (Flatten(), Dense(10)):
        layer.build(shape, rng=np.random.default_rng(2), dtype="float32")
        shape = layer.compute_output_shape(shape)
        layers.append(layer)
    n = x.shape[0]
    onehot = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    lr = np.float32(0.01)

    def step():
        h = x
        for layer in layers:
            h = layer.forward(h, training=True)
        p = np.exp(h - h.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        d = (p - onehot) / np.float32(n)           # softmax + cross-entropy, fused
        for layer in reversed(layers):
            d = layer.backward(d)
        for layer in layers:
            for k, g in layer.grads.items():
                layer.params[k] -= lr * g

    return step


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--number", type=int, default=20)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--padding", choices=("valid", "same"), default="valid", help="both convolutions' padding")
    ap.add_argument("--tune-malloc", action="store_true",
                    help="keep freed memory in glibc's heap (mallopt) instead of returning it to the OS")
    args = ap.parse_args()
    global PADDING
    PADDING = args.padding
    if args.tune_malloc:
        tune_malloc()
    n = args.batch
    rng = np.random.default_rng(1)
    x = rng.random((n, 28, 28, 1), dtype=np.float32)

    steps = {}
    for label, first_grad, pool_cls in [("ours (first layer skips dC/dx)", False, MaxPooling2D),
                                        ("ours (first layer computes dC/dx)", True, MaxPooling2D),
                                        ("ours, AveragePooling2D, skips dC/dx", False, AveragePooling2D)]:
        layers, out_shape = build_ours(first_grad, pool_cls)
        d_top = rng.standard_normal((n,) + out_shape).astype(np.float32)

        def step(layers=layers, d_top=d_top):
            h = x
            for layer in layers:
                h = layer.forward(h, training=True)
            d = d_top
            for layer in reversed(layers):
                d = layer.backward(d)

        steps[label] = step
    steps["ours: whole train step (+Dense head, CE, SGD)"] = ours_train_step(x, rng)
    train_label = "ours: whole train step (+Dense head, CE, SGD)"

    results = {label: float("inf") for label in steps}
    reference, train_reference, version = float("inf"), float("inf"), None
    for _ in range(args.rounds):
        for label, step in steps.items():
            results[label] = min(results[label], best_ms(step, args.repeat, args.number))
        v, ms, train_ms = torch_ms(n, args.number, args.repeat)
        if ms is not None:
            version, reference, train_reference = v, min(reference, ms), min(train_reference, train_ms)

    # per-layer breakdown of the first configuration
    layers, out_shape = build_ours(False)
    acts = [x]
    for layer in layers:
        acts.append(layer.forward(acts[-1], training=True))
    grads_in = [rng.standard_normal(a.shape).astype(np.float32) for a in acts[1:]]
    breakdown = []
    for i, layer in enumerate(layers):
        f = best_ms(lambda: layer.forward(acts[i], training=True), args.repeat * args.rounds, args.number)
        layer.forward(acts[i], training=True)
        b = best_ms(lambda: layer.backward(grads_in[i]), args.repeat * args.rounds, args.number)
        breakdown.append((f"{layer.layer_type}{layer.output_shape}", f, b))

    print(f"batch {n}, 28x28x1 -> Conv2D(16,3x3,relu) -> MaxPool(2) -> Conv2D(32,3x3,relu) -> MaxPool(2), float32, "
          f"padding {PADDING!r}; load average {os.getloadavg()[0]:.1f}")
    print("forward + backward per batch (best round):")
    train_ms = results.pop(train_label)
    for label, ms in results.items():
        ratio = f"   torch/ours = {reference / ms:.2f}x" if version else ""
        print(f"  {label:46s} {ms:7.3f} ms{ratio}")
    if version:
        print(f"  {'torch ' + version + ' (2 threads)':46s} {reference:7.3f} ms")
    else:
        print("  torch not available: no reference figure")
    print("whole train step (+Flatten, Dense(10), softmax cross-entropy, SGD update):")
    ratio = f"   torch/ours = {train_reference / train_ms:.2f}x" if version else ""
    print(f"  {'ours (layers only, no model loop)':46s} {train_ms:7.3f} ms{ratio}")
    if version:
        print(f"  {'torch ' + version + ' (2 threads)':46s} {train_reference:7.3f} ms")
    print("per layer, in isolation (ours, first layer skipping dC/dx; Conv2D includes its ReLU): forward / backward ms")
    for name, f, b in breakdown:
        print(f"  {name:46s} {f:7.3f} / {b:7.3f}")


if __name__ == "__main__":
    main()
