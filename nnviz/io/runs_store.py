"""A project's run history in its ``.nnviz`` zip: ``runs/index.json`` (every run's configuration, curves, metrics,
duration, checkpoint epochs) and ``runs/<run id>.npz`` (its weight checkpoints).

A damaged run history never stops a project from opening: :func:`read_runs` returns the runs it could read and
one message per run it dropped (or one for an unreadable index), which the window shows.
"""

from __future__ import annotations

import json
import math
import re
import zipfile

import numpy as np

from nnviz.core.runs import RunRecord
from nnviz.io.archive import read_member
from nnviz.io.weights import WeightsError, npz_bytes, read_npz

INDEX_JSON = "runs/index.json"
MAX_INDEX_BYTES = 64 << 20
MAX_CHECKPOINT_BYTES = 256 << 20
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class RunsError(ValueError):
    pass


def _finite(values):
    return [float(v) if v is not None and math.isfinite(float(v)) else None for v in values]


def _member(run_id: str) -> str:
    return f"runs/{run_id}.npz"


def members(runs) -> list[tuple[str, bytes]]:
    """The zip members holding ``runs`` (nothing for no runs)."""
    runs = list(runs or [])
    if not runs:
        return []
    index, out = [], []
    for r in runs:
        index.append({
            "run_id": r.run_id, "label": r.label, "config": r.config, "start_epoch": int(r.start_epoch),
            "duration": float(r.duration), "started": float(r.started), "ended_as": r.ended_as,
            "history": {k: _finite(v) for k, v in r.history.items()},
            "test_history": {k: [[float(x), _finite([v])[0]] for x, v in rows] for k, rows in r.test_history.items()},
            "test": {k: _finite([v])[0] for k, v in r.test.items()},
            "checkpoints": [float(e) for e, _ in r.checkpoints],
        })
        arrays = {f"c{i}~{key.replace('/', '~')}": w
                  for i, (_, ws) in enumerate(r.checkpoints) for key, w in ws.items()}
        if arrays:
            out.append((_member(r.run_id), npz_bytes(arrays)))
    from nnviz.io.project import _plain
    out.insert(0, (INDEX_JSON, (json.dumps(_plain(index)) + "\n").encode("utf-8")))
    return out


def _nan(values):
    return [float("nan") if v is None else float(v) for v in values]


def _record(entry: dict) -> RunRecord:
    if not isinstance(entry, dict) or not isinstance(entry.get("run_id"), str) or not _ID.match(entry["run_id"]):
        raise RunsError("it has no valid id")
    history = entry.get("history") or {}
    if not isinstance(history, dict) or not all(isinstance(v, list) for v in history.values()):
        raise RunsError("its curves are not lists of numbers")
    tests = entry.get("test_history") or {}
    return RunRecord(run_id=entry["run_id"], label=str(entry.get("label") or ""),
                     config=dict(entry.get("config") or {}),
                     history={str(k): _nan(v) for k, v in history.items()},
                     test_history={str(k): [(float(x), _nan([v])[0]) for x, v in rows] for k, rows in tests.items()},
                     test={str(k): _nan([v])[0] for k, v in (entry.get("test") or {}).items()},
                     start_epoch=int(entry.get("start_epoch") or 0), duration=float(entry.get("duration") or 0.0),
                     started=float(entry.get("started") or 0.0), ended_as=str(entry.get("ended_as") or "stopped"))


def _checkpoints(zf: zipfile.ZipFile, run: RunRecord, epochs, label: str) -> list:
    if not epochs:
        return []
    raw = read_member(zf, _member(run.run_id), label, MAX_CHECKPOINT_BYTES, RunsError, "its checkpoints are too large")
    arrays = read_npz(raw, _member(run.run_id), MAX_CHECKPOINT_BYTES)
    out: list = [(float(e), {}) for e in epochs]
    for name, value in arrays.items():
        index, _, key = name.partition("~")
        i = int(index[1:])
        out[i][1][key.replace("~", "/")] = np.asarray(value)
    if any(not ws for _, ws in out):
        raise RunsError("a checkpoint has no weights")
    return out


def read_runs(zf: zipfile.ZipFile, label: str = "the file") -> tuple[list[RunRecord], list[str]]:
    """The runs stored in ``zf`` and a message for each one dropped as damaged."""
    names = set(zf.namelist())
    if INDEX_JSON not in names:
        return [], []
    try:
        raw = read_member(zf, INDEX_JSON, label, MAX_INDEX_BYTES, RunsError, "the run history is too large")
        index = json.loads(raw.decode("utf-8"))
        if not isinstance(index, list):
            raise RunsError("it is not a list of runs")
    except (RunsError, ValueError, UnicodeDecodeError) as exc:
        return [], [f"The run history of {label} is damaged ({exc}); every run was dropped."]
    runs, dropped = [], []
    for n, entry in enumerate(index, 1):
        name = entry.get("label") if isinstance(entry, dict) and entry.get("label") else f"run {n}"
        try:
            run = _record(entry)
            run.checkpoints = _checkpoints(zf, run, entry.get("checkpoints") or [], label)
        except (RunsError, WeightsError, ValueError, TypeError, KeyError, IndexError) as exc:
            dropped.append(f"{name} was dropped: {exc}")
            continue
        runs.append(run)
    if dropped:
        dropped.insert(0, f"The run history of {label} is damaged; {len(dropped)} of {len(index)} runs were dropped:")
    return runs, dropped
