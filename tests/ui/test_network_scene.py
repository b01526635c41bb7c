"""One network scene, one numbering: the main window's neuron view and the stepper's diagram name every unit
and weight as the course does (layer l from 1, 0 the input; w_jk^(l) from unit k of layer l − 1 to unit j of
layer l), so the stepper's highlights land on the neuron view as they are."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.ui.main_window import EXAMPLES_DIR
from nnviz.ui.network_scene import NetworkScene, role_color, weight_html
from nnviz.ui.stepper import StepperWidget


@pytest.fixture
def stepper(qtbot):
    w = StepperWidget()
    qtbot.addWidget(w)
    w.resize(1280, 720)
    return w


def test_both_views_draw_the_same_scene_and_name_each_weight_alike(main_window, stepper):
    doc = main_window.document
    nv = main_window.neuron_view
    stepper.set_model(doc.model, doc.dataset)
    diagram = stepper.diagram
    assert isinstance(nv.neuron_scene, NetworkScene) and isinstance(diagram.scene(), NetworkScene)
    assert set(nv.edge_ids()) == set(diagram.edges) and len(diagram.edges) == 2 * 4 + 4 * 4 + 4 * 2
    assert set(nv.node_ids()) == set(diagram.nodes)
    for (l, j, k) in nv.edge_ids():
        want = float(doc.model.layers[l - 1].params["kernel"][k, j])
        assert nv.edge_item((l, j, k)).weight == diagram.edges[(l, j, k)].weight == want
        for tip in (nv.edge_item((l, j, k)).toolTip(), diagram.edges[(l, j, k)].toolTip()):
            assert weight_html(l, j, k) in tip and f"to unit {j} of layer {l}" in tip


def test_an_element_wise_layer_after_a_dense_one_shows_on_its_column(main_window, stepper):
    doc = main_window.document
    doc.add_layer(1, {"class_name": "Dropout", "config": {"rate": 0.5}})     # Dense(4) → Dropout → Dense(4) ...
    nv = main_window.neuron_view
    assert [c["layer"] for c in nv.columns()] == [0, 1, 3, 4]
    assert "after dropout" in nv.columns()[2]["subtitle"]
    stepper.set_model(doc.model, doc.dataset)
    # the stepper's forward step of the Dropout (layer 2) computes its units: they light up on layer 1's column
    i = next(i for i, s in enumerate(stepper.trace) if s.phase == "forward" and s.layer_index == 2)
    step = stepper.trace[i]
    nv.highlight(step.highlights.nodes, step.highlights.edges)
    lit = {n for n in nv.node_ids() if nv.node_item(n).highlighted}
    assert {(1, j) for j in range(4)} <= lit and not any(n[0] == 3 for n in lit)
    # the next Dense layer's weights come from the Dropout's units: w_jk^(3), drawn from layer 1's column
    assert (3, 0, 0) in nv.edge_ids() and (2, 0, 0) not in nv.edge_ids()


def test_a_cnn_numbers_its_dense_tail_as_the_trace_does(make_main_window, stepper):
    w = make_main_window()
    assert w.open_example(f"{EXAMPLES_DIR}/course-cnn.nnviz")
    model = w.document.model
    cols = w.neuron_view.columns()
    stepper.set_model(model)
    layers = {info.name: info.index for info in stepper.trace.layers}
    assert cols[0]["layer"] == layers["flatten"] and cols[0]["layer_index"] is None
    assert [c["layer"] for c in cols[1:]] == [layers[c["title"]] for c in cols[1:]]
    assert {e[0] for e in w.neuron_view.edge_ids()} == {c["layer"] for c in cols[1:]}


def test_the_main_views_mirror_shows_the_steps_roles_and_names_them(make_main_window, qtbot):
    from nnviz.ui.stepper.integration import attach_stepper
    w = make_main_window()
    ui = attach_stepper(w, w.document)
    w.set_view_mode("neurons")
    ui.open()
    stepper, nv = ui.stepper, w.neuron_view
    stepper.jump_to_phase("backward")
    step = stepper.current_step
    for e in step.highlights.edges:
        pen = nv.edge_item((e.layer, e.j, e.k)).pen()
        assert pen.color().rgb() == role_color(e.role).rgb()
    roles = {n.role for n in step.highlights.nodes}
    assert all(f"{label}" in nv.legend.text() for r, label in (("error", "error flowing back"),
                                                               ("current", "computed now")) if r in roles)
    ui.dock.hide()
    assert "computed now" not in nv.legend.text()
    assert all(nv.edge_item(e).opacity() == 1.0 for e in nv.edge_ids())


def test_highlights_without_a_role_emphasise_and_unknown_ids_are_ignored(main_window):
    nv = main_window.neuron_view
    nv.highlight([(1, 0), (9, 9), (2, None)], [(1, 0, 1), (7, 0, 0)])
    scene = nv.neuron_scene
    nodes, edges = scene.highlighted()
    assert nodes == {((1, 0), ""), *(((2, j), "") for j in range(4))} and edges == {((1, 0, 1), "")}
    assert nv.node_item((1, 0)).highlighted and nv.node_item((1, 1)).dimmed
    assert np.isclose(nv.edge_item((1, 1, 1)).opacity(), 0.12)
