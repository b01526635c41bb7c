"""A practitioner's files in the real import dialog and data panel: a bad cell or a ragged row points to Skip bad
rows, a file with decimal commas imports as numbers, and a regression target of house prices gets advice."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.ui.test_real_size_app import panel  # noqa: F401 — the fixture


def test_bad_rows_point_to_skip_bad_rows_which_takes_them_out(qtbot, panel, tmp_path):  # noqa: F811
    path = tmp_path / "measurements.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(40)) + "NA,3,1\n4,,0\n")
    dialog = panel.import_csv(str(path))
    assert not dialog.is_valid() and "row 42, column 'a': 'NA' is not a number" in dialog.error
    assert "Tick “Skip bad rows”" in dialog.error_label.text() and "Skip" not in dialog.error
    dialog.skip_check.setChecked(True)
    assert dialog.is_valid() and not dialog.error_label.isVisible()
    assert "2 bad rows skipped" in dialog.dataset.description

    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,label\n1,2,0\n3,4\n5,6,1\n7,8,0\n")
    dialog.skip_check.setChecked(False)
    dialog.set_path(str(ragged))
    assert "row 3 has 2 fields, expected 3" in dialog.error and "Skip bad rows" in dialog.error_label.text()
    dialog.reject()


def test_a_semicolon_file_with_decimal_commas_imports_as_numbers(qtbot, panel, tmp_path):  # noqa: F811
    rng = np.random.default_rng(0)
    rows = [f"{w:.1f};{h:.1f};{'Hund' if w > 15 else 'Katze'}".replace(".", ",")
            for w, h in zip(rng.uniform(2, 30, 60), rng.uniform(20, 70, 60))]
    path = tmp_path / "tiere.csv"
    path.write_text("Gewicht;Größe;Tier\n" + "\n".join(rows) + "\n", encoding="utf-8")
    dialog = panel.import_csv(str(path))
    assert dialog.is_valid(), dialog.error
    assert "decimal comma" in dialog.file_info.text() and "semicolon-separated" in dialog.file_info.text()
    assert dialog.feature_columns() == ["Gewicht", "Größe"] and dialog.label_column() == "Tier"
    with qtbot.waitSignal(panel.dataset_applied):
        dialog.ok_button.click()
    ds = panel.document.dataset
    assert ds.class_names == ["Hund", "Katze"] and float(ds.x_train.max()) > 15   # 28,4 read as 28.4


def test_the_data_panel_advises_dividing_a_target_of_house_prices(qtbot, panel, tmp_path):  # noqa: F811
    rng = np.random.default_rng(0)
    area = rng.uniform(30, 200, 100)
    path = tmp_path / "house.csv"
    path.write_text("area,price\n" + "".join(f"{a:.1f},{1500 * a + rng.normal(0, 5000):.0f}\n" for a in area))
    dialog = panel.import_csv(str(path))
    dialog.scaling_combo.setCurrentIndex(dialog.scaling_combo.findData("standardize"))
    with qtbot.waitSignal(panel.dataset_applied):
        dialog.ok_button.click()
    hint = panel.hint_label.text()
    assert "<b>Target:</b> the target spans" in hint and "Divide the target column by 100,000" in hint
    assert "<b>Scaling:</b>" not in hint                                  # the inputs are standardized
    assert panel.hint_label.textFormat() != Qt.TextFormat.PlainText


def test_pixels_imported_as_images_onto_dense_layers_offer_to_insert_flatten(qtbot, panel, tmp_path):  # noqa: F811
    from PySide6.QtWidgets import QLabel, QPushButton

    from tests.ui.test_real_size_app import pixel_csv
    dialog = panel.import_csv(str(pixel_csv(tmp_path / "digits.csv")))
    assert dialog.pixels_check.isChecked()
    with qtbot.waitSignal(panel.dataset_applied):
        dialog.ok_button.click()
    window, doc = panel.window(), panel.document
    assert [c["class_name"] for c in doc.layer_configs()] == ["Dense", "Dense", "Dense"]   # the default network
    train = window.findChild(type(window.actionNew), "actionTrain")
    qtbot.waitUntil(lambda: not train.isEnabled())
    button = next(b for b in window.findChildren(QPushButton) if b.text() == "Insert Flatten")
    notice = window.findChild(QLabel, "noticeBannerText")
    assert notice.isVisible() and "add Flatten before the first Dense layer" in notice.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert [c["class_name"] for c in doc.layer_configs()][:2] == ["Flatten", "Dense"]
    fix = next((b for b in window.findChildren(QPushButton) if b.isVisible() and b.text().startswith("Make the last")),
               None)
    if fix is not None:                                  # 3 classes: the output layer's own fix comes next
        qtbot.mouseClick(fix, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(train.isEnabled)
    assert doc.model.output_shape == (None, 3)
