"""The loss landscape's cost: a 33×33 grid (1,089 losses) over the PCA plane of a short run's checkpoints, for every
bundled example up to ~20k parameters. The target (issue 16) is ≤ 5 s on 2 cores.

    python bench/landscape.py [--resolution 33] [--epochs 5] [--max-params 20000]

For each example: parameters, the samples the landscape evaluates (at most 1,000, fewer as
nnviz.core.landscape.samples_for_budget measures the network's cost against the budget), seconds for the grid
(choosing the samples included), and the same figure against one forward pass over those samples as a reference
measured in the same run (grid seconds / (1,089 × one loss evaluation)).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from nnviz.core.data import catalog  # noqa: E402
from nnviz.core.landscape import compute_landscape, loss_at, sample, samples_for_budget  # noqa: E402
from nnviz.core.runs import Checkpoints  # noqa: E402
from nnviz.core.training import fit  # noqa: E402
from nnviz.io.project import load_project  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "resources", "examples")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resolution", type=int, default=33)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--max-params", type=int, default=20000)
    ap.add_argument("--budget", type=float, default=3.5, help="seconds the sample count is chosen for")
    args = ap.parse_args()
    grid = f"{args.resolution}×{args.resolution}"
    print(f"{'example':<22}{'params':>8}{'samples':>9}{'grid s':>9}{'ratio':>8}  ({grid})")
    for name in sorted(os.listdir(EXAMPLES)):
        if not name.endswith(".nnviz"):
            continue
        project = load_project(os.path.join(EXAMPLES, name))
        model = project.build_model()
        if model.count_params() > args.max_params or not project.dataset:
            continue
        config = project.training_config()
        dataset = catalog.load(project.dataset["name"], **(project.dataset.get("params") or {}))
        cps = Checkpoints()
        cps.add(0, model.get_weights())
        for e in range(args.epochs):
            fit(model, dataset, config, epochs=1, initial_epoch=e)
            cps.add(e + 1, model.get_weights())
        x, y = sample(dataset.x_train, dataset.y_train)
        t0 = time.perf_counter()
        n = samples_for_budget(model, x, y, args.resolution ** 2, args.budget)
        x, y = x[:n], y[:n]
        choose = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(20):
            loss_at(model, x, y)
        one = (time.perf_counter() - t0) / 20
        t0 = time.perf_counter()
        land = compute_landscape(model, x, y, [w for _, w in cps.items], cps.epochs, resolution=args.resolution)
        grid = time.perf_counter() - t0 + choose
        ratio = grid / (args.resolution ** 2 * one)
        print(f"{name[:-6]:<22}{model.count_params():>8,}{len(x):>9}{grid:>9.2f}{ratio:>8.2f}  {land.kind}")


if __name__ == "__main__":
    main()
