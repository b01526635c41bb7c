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


def test_the_confusion_view_predicts_a_bounded_even_sample_of_a_big_split(qtbot):
    import numpy as np

    from nnviz.core import Dense, Sequential
    from nnviz.core.data import catalog
    from nnviz.ui.training.common import ProbeModel
    from nnviz.ui.training.confusion_view import ConfusionView

    ds = catalog.load("digits", flatten=True)
    model = Sequential([Dense(10, activation="softmax", input_shape=(64,))], seed=0)
    probe = ProbeModel()
    probe.set_model(model)
    view = ConfusionView()
    qtbot.addWidget(view)
    view.max_rows = 100
    view.set_context(probe, ds)
    view.update_snapshot(None, force=True)
    assert view.matrix.sum() == 100 < len(ds.x_test)
    assert f"100 of {len(ds.x_test):,} samples" in view.summary.text()
    rows = np.linspace(0, len(ds.x_test) - 1, 100).astype(np.intp)
    np.testing.assert_array_equal(view.matrix.sum(axis=1), np.bincount(ds.y_test[rows], minlength=10))

    # while training, an update predicts every fourth sample in turn and counts them all; paused, every sample
    from types import SimpleNamespace

    from nnviz.core.confusion import confusion_matrix, predicted_classes
    weights = model.get_weights()
    rng = np.random.default_rng(0)
    snaps = [SimpleNamespace(weights=tuple(w + rng.normal(0, 1, w.shape).astype(np.float32) for w in weights),
                             version=v + 1, state="running") for v in range(5)]
    calls = []
    real = probe.predict
    probe.predict = lambda x: calls.append(len(x)) or real(x)
    for snap in snaps:
        view.update_snapshot(snap, force=True)
    assert calls == [25] * 5 and view.matrix.sum() == 100
    view.update_snapshot(SimpleNamespace(**{**vars(snaps[-1]), "state": "paused", "version": 99}), force=True)
    assert calls[-1] == 100
    expected = confusion_matrix(ds.y_test[rows], predicted_classes(real(ds.x_test[rows])), 10)
    np.testing.assert_array_equal(view.matrix, expected)


def test_a_big_csv_is_not_read_a_second_time_for_the_preview(qtbot, panel, tmp_path, monkeypatch):
    from nnviz.ui import data_panel

    path = tmp_path / "big.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(40)))
    monkeypatch.setattr(data_panel, "CSV_PREVIEW_BYTES", 10)
    monkeypatch.setattr(data_panel, "read_csv", lambda *a, **k: pytest.fail("read for the preview"))
    panel.document.set_dataset({"name": "csv", "params": {"path": str(path), "label_column": "y"}})
    assert panel.preview.mode == "table" and panel.document.dataset.n_train > 0
