"""Every registered layer type in the editor: a palette tile with the catalog's words, added with its defaults
to a valid network, each of its options editable through the inspector's own widget (the document and the
rebuilt model change), a block title, an icon and a colour (a layer without an entry of its own draws in its
category's)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from nnviz.core.catalog import CATALOG, OptionSpec
from nnviz.session.document import ProjectDocument
from nnviz.ui import theme
from nnviz.ui.inspector import InspectorWidget
from nnviz.ui.layer_view import LayerView
from nnviz.ui.palette import LayerPalette
from tests.layer_hosts import index_in_host, input_shape, takes_token_ids

NAMES = list(CATALOG)


@pytest.fixture
def editor(qtbot):
    document = ProjectDocument()
    inspector = InspectorWidget(document)
    qtbot.addWidget(inspector)
    return document, inspector


def host_document(document, name) -> int:
    """The document holding the test network around ``name``, added as the palette adds it; its index."""
    document.remove_layers(range(document.layer_count()))
    document.set_input_shape(input_shape(name))
    if not takes_token_ids(name):
        document.add_layer(0, {"class_name": "Dense", "config": {"units": input_shape(name)[-1]}})
    index = document.add_layer(document.layer_count(), name)       # by class name: what a palette drop does
    if len(document.layer_info()[index]["output_shape"] or ()) > 2:
        document.add_layer(document.layer_count(), "Flatten")
    document.add_layer(document.layer_count(), {"class_name": "Dense", "config": {"units": 2}})
    assert index == index_in_host(name)
    return index


def other_value(option: OptionSpec, current, name: str):
    """A different, valid value of ``option`` (what a user would pick)."""
    if option.kind == "int":
        return int(current) + 1 if option.maximum is None or current < option.maximum else int(current) - 1
    if option.kind == "float":
        lo, hi = option.minimum or 0.0, option.maximum or 1.0
        value = round(lo + 0.37 * (hi - lo), option.decimals or 3)
        return value if abs(value - float(current)) > 1e-9 else round(lo + 0.61 * (hi - lo), option.decimals or 3)
    if option.kind == "bool":
        return not current
    if option.kind == "choice":
        return next(c for c in option.choices if c != current)
    if option.kind == "activation":
        return "sigmoid" if current != "sigmoid" else "tanh"
    if option.kind == "pair":
        return [1, 2] if list(current) != [1, 2] else [2, 1]
    if option.kind == "shape":
        n = 1
        for s in input_shape(name):
            n *= s
        return [2, -1] if list(current) != [2, -1] else [n]
    raise AssertionError(option.kind)


def edit(qtbot, editor, option: OptionSpec, value) -> None:
    """Set ``value`` through the editor widget the way a user does."""
    if option.kind == "int":
        editor.setValue(value)
    elif option.kind == "float":
        editor.setValue(value)
    elif option.kind == "bool":
        editor.click()                      # what a mouse click on the box does
    elif option.kind in ("choice", "activation"):
        i = editor.findText(value)
        editor.setCurrentIndex(i)
        editor.activated.emit(i)
    elif option.kind == "pair":
        editor.a.setValue(value[0])
        editor.b.setValue(value[1])
    elif option.kind == "shape":
        editor.selectAll()
        qtbot.keyClicks(editor, ", ".join(map(str, value)))
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    else:
        raise AssertionError(option.kind)


def test_the_palette_lists_every_layer_in_catalog_order_with_its_words(qtbot):
    palette = LayerPalette()
    qtbot.addWidget(palette)
    assert [palette.item(i).data(Qt.ItemDataRole.UserRole) for i in range(palette.count())] == NAMES
    for name, spec in CATALOG.items():
        tip = palette.item_for(name).toolTip()
        assert spec.summary.lower() in tip and spec.description in tip


@pytest.mark.parametrize("name", NAMES)
def test_added_with_its_defaults_the_layer_builds(editor, name):
    document, _ = editor
    index = host_document(document, name)
    assert document.is_valid, document.error
    assert document.model.layers[index].layer_type == name
    assert document.layer_entry(index)["config"].items() >= CATALOG[name].default_config().items()


@pytest.mark.parametrize("name", NAMES)
def test_each_option_is_editable_in_the_inspector(editor, qtbot, name):
    document, inspector = editor
    index = host_document(document, name)
    inspector.set_selection([index])
    spec = CATALOG[name]
    assert inspector.title_label.text() == spec.describe(document.layer_options(index))
    assert inspector.description.text() == spec.description
    assert set(inspector.editors) == {o.key for o in spec.options}
    for option in spec.options:
        before = document.undo_stack.count()
        value = other_value(option, document.layer_options(index)[option.key], name)
        edit(qtbot, inspector.editors[option.key], option, value)
        assert document.layer_options(index)[option.key] == value, option.key
        assert document.undo_stack.count() > before, f"{option.key}: not an undo command"
        assert document.is_valid, f"{option.key}={value!r}: {document.error}"
        assert document.model.layers[index].get_config()[option.key] == value, option.key   # the network too


@pytest.mark.parametrize("name", NAMES)
def test_every_layer_draws_a_block_with_its_title_icon_and_colour(editor, qtbot, name):
    document, _ = editor
    index = host_document(document, name)
    view = LayerView(document)
    qtbot.addWidget(view)
    block = view.block_item(index)
    assert block.title == CATALOG[name].describe(document.layer_options(index))
    icon_name, colour = theme.layer_look(name)
    assert theme.type_color(name).name() == colour
    assert not view.grab().isNull()


def test_a_layer_without_a_look_of_its_own_takes_its_categorys(monkeypatch):
    monkeypatch.delitem(theme.LAYER_LOOKS, "LSTM")
    assert theme.layer_look("LSTM") == theme.CATEGORY_LOOKS["recurrent"]
    assert theme.layer_look("NoSuchLayer")[0] == "dense"


@pytest.mark.parametrize("name", NAMES)
def test_the_stepper_steps_through_a_network_holding_the_layer(qtbot, name):
    from nnviz.ui.stepper import StepperWidget
    from tests.layer_hosts import batch, host_model

    stepper = StepperWidget()
    qtbot.addWidget(stepper)
    stepper.resize(1280, 720)
    model = host_model(name, dtype="float32")
    x, y = batch(name, n=1)
    stepper.set_model(model)
    stepper.set_sample(x[0], y[0])
    l = index_in_host(name) + 1
    titles = []
    for i in range(stepper.step_count):          # every step shows, none fails to draw
        stepper.go_to(i)
        if stepper.current_step.layer_index == l:
            titles.append(stepper.current_step.title)
    assert any(t.startswith("Forward") for t in titles) and any(t.startswith("Backward") for t in titles), titles
    assert not stepper.grab().isNull()


def test_a_target_shape_that_cannot_fit_is_explained_and_undone(editor, qtbot):
    document, inspector = editor
    index = host_document(document, "Reshape")            # input (6,), Reshape((-1,))
    inspector.set_selection([index])
    field = inspector.editors["target_shape"]
    assert field.text() == "-1"
    field.selectAll()
    qtbot.keyClicks(field, "4, x-1")                       # the field takes integers and commas only
    assert field.text() == "4, -1"
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert not document.is_valid and document.error.layer_index == index
    assert inspector.error_label.isVisibleTo(inspector)
    assert "6 is not a multiple of 4" in inspector.error_label.text()
    document.undo_stack.undo()
    assert document.is_valid and document.layer_options(index)["target_shape"] == [-1]
    assert field.text() == "-1"
