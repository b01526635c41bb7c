"""The data file a project reads (a CSV data set's ``path``), when it is no longer where the project was saved.

A project keeps its CSV file's absolute path. A user who moves the project's folder, or sends it with its CSV to a
colleague, has both files side by side somewhere else: :func:`relocate_data_file` finds the CSV beside the project
(under its relative path first, then its name). A file gone for good is not a reason to lose the network, its
weights and its history: :func:`missing_data_file` names it and :func:`csv_settings_text` says what the data set
was, so the project can open without it and the user can import the file again with the same settings. A file
changed since the project was saved gives other rows, another split and scaling than the network was trained on:
:func:`fingerprint` (kept in the project's meta data) and :func:`changed_note` say so.
"""

from __future__ import annotations

import hashlib
import os

#: bytes hashed at each end of a data file for its fingerprint
FINGERPRINT_BYTES = 1 << 16


def _csv_path(spec) -> str | None:
    if not isinstance(spec, dict) or spec.get("name") != "csv":
        return None
    path = (spec.get("params") or {}).get("path")
    return path if isinstance(path, str) and path else None


def missing_data_file(spec) -> str | None:
    """The path of CSV data set ``spec``'s file when there is no such file (None otherwise, or not a CSV)."""
    path = _csv_path(spec)
    return path if path is not None and not os.path.exists(path) else None


def relocate_data_file(spec, project_path: str) -> tuple[dict | None, str]:
    """``(spec, note)``: ``spec`` with its CSV file found beside the project at ``project_path`` when it is not
    where it was (the same path relative to the project's folder, else the same name in it), and a note saying
    so; ``spec`` unchanged and ``""`` when the file is where it was, is not found either, or is no CSV file."""
    path = missing_data_file(spec)
    if path is None or not project_path:
        return spec, ""
    folder = os.path.dirname(os.path.abspath(project_path))
    candidates = [os.path.join(folder, path)] if not os.path.isabs(path) else []
    candidates.append(os.path.join(folder, os.path.basename(path.replace("\\", "/"))))
    found = next((c for c in candidates if os.path.isfile(c)), None)
    if found is None:
        return spec, ""
    found = os.path.abspath(found)
    moved = {**spec, "params": {**spec["params"], "path": found}}
    return moved, f"its data file {os.path.basename(found)} was read from the project's folder ({path} is gone)"


def csv_settings_text(spec) -> str:
    """What CSV data set ``spec`` learned from what, to import its file again: "label 'animal'; features
    'weight_kg', 'height_cm'; min-max scaling" (fewer parts when the spec says less)."""
    params = (spec or {}).get("params") or {}
    parts = []
    if params.get("label_column"):
        parts.append(f"label {params['label_column']!r}")
    features = params.get("feature_columns")
    if features:
        shown = ", ".join(repr(f) for f in features[:6])
        parts.append(f"features {shown}" + (f", … ({len(features) - 6} more)" if len(features) > 6 else ""))
    scaling = {"minmax": "min-max scaling", "standardize": "standardized"}.get(params.get("scaling"))
    if scaling:
        parts.append(scaling)
    if params.get("images"):
        parts.append("pixels read as images")
    return "; ".join(parts)


def fingerprint(spec) -> dict | None:
    """A CSV data set's file as it is now: its size and the SHA-1 of its first and last 64 kB (a copy keeps them;
    100 MB cost nothing), or None for another data set or a file that cannot be read."""
    path = _csv_path(spec)
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(FINGERPRINT_BYTES)
            f.seek(max(0, size - FINGERPRINT_BYTES))
            tail = f.read(FINGERPRINT_BYTES)
    except OSError:
        return None
    return {"size": size, "sha1_head": hashlib.sha1(head).hexdigest(), "sha1_tail": hashlib.sha1(tail).hexdigest()}


def changed_note(spec, saved) -> str:
    """What to say when CSV data set ``spec``'s file is not the one whose :func:`fingerprint` is ``saved`` ("" when
    it is, or when nothing was saved)."""
    now = fingerprint(spec) if isinstance(saved, dict) else None
    if now is None or now == {k: saved.get(k) for k in now}:
        return ""
    name = os.path.basename(_csv_path(spec))
    return (f"{name} changed since the project was saved: its rows, and so the split and the scaling, may differ "
            f"from those the network was trained on")
