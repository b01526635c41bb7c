"""The data panel suggests scaling when a data set's inputs span more than about 100 units."""

from __future__ import annotations

import pytest

from nnviz.session.document import ProjectDocument
from nnviz.ui.data_panel import DataPanel


@pytest.fixture
def panel(qtbot, qapp):
    p = DataPanel(ProjectDocument())
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    return p


def test_raw_pixels_get_a_scaling_suggestion_and_scaled_ones_none(qtbot, panel, tmp_path):
    path = tmp_path / "pixels.csv"
    rows = [",".join([str(i % 3)] + [str((i * 7 + j * 13) % 256) for j in range(16)]) for i in range(30)]
    path.write_text("label," + ",".join(f"pixel{j}" for j in range(16)) + "\n" + "\n".join(rows) + "\n")
    doc = panel.document
    doc.set_dataset({"name": "csv", "params": {"path": str(path), "label_column": "label"}})
    qtbot.waitUntil(lambda: "Scaling" in panel.hint_label.text(), timeout=3000)
    assert "0 … 255" in panel.hint_label.text() and "255" in panel.hint_label.text()
    doc.set_dataset({"name": "csv", "params": {"path": str(path), "label_column": "label", "scaling": "minmax"}})
    qtbot.waitUntil(lambda: "Scaling" not in panel.hint_label.text(), timeout=3000)
    assert "Output layer" in panel.hint_label.text()
