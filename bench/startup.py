"""Startup time: from process start to a shown main window whose event loop is running (usable).

    QT_QPA_PLATFORM=offscreen python bench/startup.py [--runs 5]

Each run starts a fresh Python process (as a user's `python main.py` does), which builds the app with
``nnviz.app.build`` — the same code path as ``main`` — and reports when the first event-loop turn after
``show()`` runs. Settings and data go to a temporary folder. Prints every run and the median; the goal
is under 2 s on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child() -> None:
    t0 = time.time()
    sys.path.insert(0, ROOT)
    from nnviz.app import build
    t_import = time.time()
    app, window, _ = build([sys.argv[0], "--no-recovery"])
    t_built = time.time()

    from PySide6.QtCore import QTimer

    def ready():
        t_ready = time.time()
        print(f"READY {t_ready!r} {t0!r} {t_import!r} {t_built!r}", flush=True)
        window.document.mark_saved()
        window.close()
        app.quit()

    QTimer.singleShot(0, ready)
    app.exec()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    totals, rows = [], []
    with tempfile.TemporaryDirectory() as home:
        env["XDG_CONFIG_HOME"] = os.path.join(home, "config")
        env["XDG_DATA_HOME"] = os.path.join(home, "data")
        for i in range(args.runs):
            start = time.time()
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child"], env=env,
                                 capture_output=True, text=True, timeout=120)
            line = next((l for l in out.stdout.splitlines() if l.startswith("READY")), None)
            if line is None:
                raise SystemExit(f"run {i + 1} failed:\n{out.stdout}\n{out.stderr}")
            t_ready, t0, t_import, t_built = (float(v) for v in line.split()[1:])
            total = t_ready - start
            totals.append(total)
            rows.append((total, t0 - start, t_import - t0, t_built - t_import, t_ready - t_built))
            print(f"run {i + 1}: {total * 1000:7.0f} ms  (interpreter {rows[-1][1] * 1000:5.0f}, import "
                  f"{rows[-1][2] * 1000:5.0f}, build + show {rows[-1][3] * 1000:5.0f}, first event loop turn "
                  f"{rows[-1][4] * 1000:4.0f})")
    med = statistics.median(totals)
    print(f"median time to a usable main window: {med * 1000:.0f} ms over {args.runs} runs "
          f"(goal < 2000 ms: {'met' if med < 2.0 else 'NOT met'})")


if __name__ == "__main__":
    main()
