"""How long a deep network takes to load: ``Sequential.from_config`` and ``read_project`` + ``build_model``
for n Dense(4) layers, named as ``get_config`` names them and unnamed (hand-written configs).

    python bench/model_from_config.py [--layers 1000 5000 10000] [--runs 3]

Prints the median of a few runs per size, next to ``json.loads`` of the same architecture as a reference
measured in the same run: loading should stay a small, constant multiple of parsing (linear in the layers).
Then, for sizes up to 2,000, the app's ``ProjectDocument.load_project`` (which builds layer by layer) for
comparison. The figures size ``nnviz.io.project.MAX_LAYERS``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from nnviz.core import Sequential  # noqa: E402
from nnviz.core.training import TrainingConfig  # noqa: E402
from nnviz.io import project  # noqa: E402


def architecture(n: int, named: bool) -> dict:
    layers = [{"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}}]
    for i in range(n):
        config = {"units": 4, "activation": "relu"}
        if named:
            config["name"] = f"dense_{i}" if i else "dense"
        layers.append({"class_name": "Dense", "config": config})
    return {"name": "deep", "layers": layers, "seed": 1}


def project_file(n: int) -> bytes:
    return project.project_bytes(project.Project(architecture=architecture(n, True),
                                                 training=TrainingConfig().to_dict(),
                                                 dataset={"name": "xor", "params": {}}))


def median_time(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        function()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, nargs="+", default=[1000, 5000, 10000])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"median of {args.runs} runs; Dense(4) layers; project files allow {project.MAX_LAYERS:,} layers")
    project.MAX_LAYERS = max(args.layers)  # measure past the guard
    for n in args.layers:
        for named in (True, False):
            arch = architecture(n, named)
            text = json.dumps(arch)
            t_json = median_time(lambda: json.loads(text), args.runs)
            t_core = median_time(lambda: Sequential.from_config(json.loads(text)), args.runs)
            print(f"  {n:6,} layers, {'named' if named else 'unnamed'}: from_config {t_core * 1000:7.0f} ms "
                  f"({t_core / t_json:5.0f}x json.loads, {t_json * 1000:.1f} ms)")
        data = project_file(n)
        t_project = median_time(lambda: project.read_project(data).build_model(), args.runs)
        print(f"  {n:6,} layers, a .nnviz file: read_project + build_model {t_project * 1000:7.0f} ms")
    from nnviz.session.document import ProjectDocument  # QtCore only

    for n in [n for n in args.layers if n <= 2000] or [1000]:
        loaded = project.read_project(project_file(n))
        doc = ProjectDocument(load_default=False)
        t_doc = median_time(lambda: doc.load_project(loaded), 1)
        print(f"  {n:6,} layers, the app's document: load_project {t_doc * 1000:7.0f} ms (one run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
