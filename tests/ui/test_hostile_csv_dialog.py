"""The CSV dialog with bad rows (issue 12): every problem listed, and 'Skip bad rows' imports the rest
and says how many were left out; the choice is kept in the data set's spec."""

from __future__ import annotations

import pytest

from nnviz.core.data import catalog
from nnviz.ui.csv_dialog import CsvImportDialog


@pytest.fixture
def dialog(qtbot, tmp_path):
    lines = ["x,y,label"] + [f"{i},{i * 2},{'yes' if i % 2 else 'no'}" for i in range(30)]
    lines[4] = "n/a,3,yes"
    lines[7] = "1,2"
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    d = CsvImportDialog(None, path=str(path))
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def test_skip_bad_rows_turns_a_refused_file_into_a_data_set_and_says_how_many(dialog):
    assert dialog.table is None and "row 8 has 2 fields, expected 3" in dialog.error_label.text()
    assert dialog.skip_check.isEnabled() and not dialog.ok_button.isEnabled()
    dialog.skip_check.setChecked(True)
    assert dialog.ok_button.isEnabled() and dialog.dataset is not None
    assert dialog.dataset.n_train + dialog.dataset.n_test == 28
    assert "2 bad rows skipped" in dialog.summary_label.text()
    spec = dialog.spec()
    assert spec["params"]["skip_bad_rows"] is True
    again = catalog.load(spec["name"], **spec["params"])
    assert again.n_train == dialog.dataset.n_train
    dialog.skip_check.setChecked(False)
    assert not dialog.ok_button.isEnabled() and "skip_bad_rows" not in dialog.spec()["params"]


def test_a_reopened_spec_keeps_skipping(qtbot, dialog):
    dialog.skip_check.setChecked(True)
    again = CsvImportDialog(None, params=dialog.spec()["params"])
    qtbot.addWidget(again)
    assert again.skip_check.isChecked() and again.ok_button.isEnabled()
