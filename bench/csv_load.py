"""How long a 100,000-row x 20-column numeric CSV takes to become a data set (read_csv + to_dataset).

    python bench/csv_load.py [--rows 100000] [--cols 20] [--runs 5]

Writes the file to a temporary folder and prints the median of a few runs, split into reading and
building the data set, next to ``np.loadtxt`` on the same file as a reference measured in the same run,
then the same file with text labels (yes/no) and with quoted labels (the csv-module path).
The issue's target: well under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnviz.io.csv_data import read_csv, to_dataset  # noqa: E402


def write_csv(path: Path, rows: int, cols: int, seed: int = 0, labels: str = "numeric") -> None:
    """``cols - 1`` float features and a label: 0/1 ("numeric"), yes/no ("text") or "yes"/"no" ("quoted")."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, cols - 1)) * rng.uniform(1, 100, cols - 1)
    positive = x[:, 0] + x[:, 1] > 0
    names = {"numeric": ("0", "1"), "text": ("no", "yes"), "quoted": ('"no"', '"yes"')}[labels]
    label = np.where(positive, names[1], names[0])
    header = ",".join([f"f{j}" for j in range(cols - 1)] + ["label"])
    lines = [header] + [",".join([f"{v:.6g}" for v in row] + [lab]) for row, lab in zip(x, label)]
    path.write_text("\n".join(lines) + "\n")


def time_load(path: Path, runs: int):
    t_read, t_build, t_total = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        table = read_csv(path)
        t1 = time.perf_counter()
        ds = to_dataset(table, "label", scaling="standardize", test_ratio=0.2, val_ratio=0.1, seed=0)
        t2 = time.perf_counter()
        t_read.append(t1 - t0)
        t_build.append(t2 - t1)
        t_total.append(t2 - t0)
    return statistics.median(t_read), statistics.median(t_build), statistics.median(t_total), ds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--cols", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        write_csv(path, args.rows, args.cols)
        size_mb = path.stat().st_size / 1e6
        t_read, t_build, med, ds = time_load(path, args.runs)
        t0 = time.perf_counter()
        np.loadtxt(path, delimiter=",", skiprows=1)
        t_ref = time.perf_counter() - t0
        variants = {}
        for kind in ("text", "quoted"):
            write_csv(path, args.rows, args.cols, labels=kind)
            variants[kind] = time_load(path, args.runs)[2]
    print(f"CSV {args.rows:,} rows x {args.cols} columns ({size_mb:.1f} MB), median of {args.runs} runs")
    print(f"  read_csv    {t_read * 1000:7.0f} ms")
    print(f"  to_dataset  {t_build * 1000:7.0f} ms")
    print(f"  total       {med * 1000:7.0f} ms   (target: well under 2000 ms)")
    print(f"  np.loadtxt  {t_ref * 1000:7.0f} ms   (reference, one run: numbers only, no header detection, "
          f"split or scaling); ours takes {med / t_ref:.1f}x that")
    print(f"  -> {ds.summary()}, task {ds.task}")
    print("same size, other label columns (read_csv + to_dataset):")
    print(f"  text labels yes/no        {variants['text'] * 1000:7.0f} ms")
    print(f"  quoted labels \"yes\"/\"no\" {variants['quoted'] * 1000:7.0f} ms   (csv module path)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
