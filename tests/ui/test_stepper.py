"""The backprop stepper: what it shows is the trace's numbers (read back from the widgets), stepping is
reversible, Apply is ``train_on_batch``, and the worked example matches a computation done by hand.

The course's 2-3-2 network (2 inputs → Dense(3, relu) → Dense(2, softmax)) in float64 throughout.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from nnviz.core import SGD, Adam, Dense, Sequential
from nnviz.core.trace import (BackwardUnit, ForwardUnit, LayerBackward, LossStep, WeightUpdate, backprop_trace,
                              format_number)
from nnviz.core.worked_example import worked_example
from nnviz.ui.stepper import StepperWidget
from nnviz.ui.stepper.formula_view import notation_html, number_from_href
from nnviz.ui.stepper.value_table import NOT_YET

X = np.array([[0.6, -0.4]])
LABEL = 1
LINK = re.compile(r'<a href="(num:[^"]+)"[^>]*>(.*?)</a>')


# ============================================================================ helpers
def course_model(optimizer=None, warm: int = 0, seed: int = 3):
    model = Sequential([Dense(3, activation="relu", input_shape=(2,)), Dense(2, activation="softmax")],
                       dtype="float64", seed=seed)
    model.compile(optimizer=optimizer or SGD(0.1), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(seed)
    for _ in range(warm):   # optimizer state that is not all zeros
        model.train_on_batch(rng.normal(size=(4, 2)), rng.integers(0, 2, size=4))
    return model


def twin(model):
    """A clone with the same weights and optimizer state (what train_on_batch is compared with)."""
    other = model.clone()
    other.compile(optimizer=model.optimizer.copy(), loss=model.loss)
    other.optimizer.set_state(model.optimizer.state())
    return other


def plain(html: str) -> str:
    doc = QTextDocument()
    doc.setHtml(html)
    return doc.toPlainText()


def shown_numbers(stepper) -> list[tuple[float, str]]:
    """Every number in the formula label: (the full value its link carries, the text on screen)."""
    return [(number_from_href(href), plain(text)) for href, text in LINK.findall(stepper.formula.html())]


def table_values(stepper) -> dict:
    """(layer, unit) -> {quantity: text} as the table shows them."""
    out = {}
    layer = None
    for row in stepper.table.cell_texts():
        if row[0]:
            layer = int(row[0].split(" · ")[0])
        out[(layer, int(row[1]))] = dict(zip(("z", "a", "d_a", "delta"), row[2:]))
    return out


def shows(text: str, value: float) -> bool:
    """The text a cell or formula shows for ``value``: 4 significant digits (HTML minus sign)."""
    return text.strip("()") == format_number(value, html=True).replace("<sup>", "").replace("</sup>", "") or \
        text == format_number(value)


def view_state(stepper):
    return (stepper.index, stepper.formula.html(), stepper.formula.title.text(), stepper.formula.note.text(),
            stepper.table.cell_texts(), stepper.diagram.highlighted(), stepper.position_label.text(),
            tuple((i, n.value, n.delta) for i, n in sorted(stepper.diagram.nodes.items(), key=str)),
            stepper.apply_button.isEnabled())


def numpy_pass(model, x, label):
    """The course's forward and backward pass, written out with NumPy (softmax + cross-entropy)."""
    W1, b1, W2, b2 = model.get_weights()
    z1 = x @ W1 + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2 + b2
    a2 = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
    delta2 = a2 - np.eye(2)[label]
    d_a1 = delta2 @ W2.T
    delta1 = d_a1 * (z1 > 0)
    return dict(z1=z1[0], a1=a1[0], z2=z2[0], a2=a2[0], delta2=delta2[0], d_a1=d_a1[0], delta1=delta1[0],
                dW1=x.T @ delta1, dW2=a1.T @ delta2)


@pytest.fixture
def stepper(qtbot):
    w = StepperWidget()
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def course(stepper):
    model = course_model()
    stepper.set_model(model, feature_names=["x0", "x1"], class_names=["blue", "orange"])
    stepper.set_sample(X[0], LABEL)
    return stepper, model


# ============================================================================ the numbers on screen
def test_every_step_shows_the_traces_numbers(course):
    stepper, model = course
    trace = stepper.trace
    ref = backprop_trace(model, X, np.array([LABEL]))
    assert len(trace) == len(ref) == 30 and stepper.granularity == "unit"
    np_ = numpy_pass(model, X, LABEL)
    for i, step in enumerate(trace):
        stepper.go_to(i)
        assert stepper.formula.title.text() == notation_html(step.title)   # w_00^(1) set as w₀₀⁽¹⁾
        numbers = shown_numbers(stepper)
        assert numbers, step.title
        for value, text in numbers:          # every number: 4 significant digits of the value it carries
            assert shows(text, value), (step.title, value, text)
        carried = [v for v, _ in numbers]
        # the step's own results are among them, bit for bit, and equal the NumPy computation
        if isinstance(step, ForwardUnit):
            l, j = step.layer_index, step.unit
            assert step.z[0] in carried and step.a[0] in carried
            z_np, a_np = (np_["z1"], np_["a1"]) if l == 1 else (np_["z2"], np_["a2"])
            assert step.z[0] == pytest.approx(z_np[j], abs=1e-12) and step.a[0] == pytest.approx(a_np[j], abs=1e-12)
        elif isinstance(step, BackwardUnit):
            l, j = step.layer_index, step.unit
            assert step.delta[0] in carried and all(g in carried for g in step.d_w)
            delta_np, dW = (np_["delta1"], np_["dW1"]) if l == 1 else (np_["delta2"], np_["dW2"])
            assert step.delta[0] == pytest.approx(delta_np[j], abs=1e-12)
            np.testing.assert_allclose(step.d_w, dW[:, j], rtol=0, atol=1e-12)
        elif isinstance(step, WeightUpdate):
            assert step.new in carried and step.old in carried and step.grad in carried
            key = f"{step.layer_name}/{step.param}"
            new = dict(zip(trace.weight_keys, trace.new_weights))[key][step.index]
            assert step.new == new
        elif isinstance(step, LossStep):
            assert step.per_sample[0] in carried
            assert step.per_sample[0] == pytest.approx(-math.log(np_["a2"][LABEL]), abs=1e-12)
        # the table: every value known so far, as the trace's summary gives it
        rows = trace.summary_table(i)
        cells = table_values(stepper)
        for row in rows:
            for q in ("z", "a", "d_a", "delta"):
                v = getattr(row, q)
                text = cells[(row.layer, row.unit)][q]
                if v is None:
                    assert text in (NOT_YET, ""), (i, row, q, text)
                else:
                    assert text == format_number(v), (i, row, q, text)
    # at the end the table holds the whole pass: compare with NumPy, independently of the trace
    cells = table_values(stepper)
    for l, (z, a, delta) in {1: ("z1", "a1", "delta1"), 2: ("z2", "a2", "delta2")}.items():
        for j in range(len(np_[z])):
            assert cells[(l, j)]["z"] == format_number(np_[z][j])
            assert cells[(l, j)]["a"] == format_number(np_[a][j])
            assert cells[(l, j)]["delta"] == format_number(np_[delta][j])
    for k in range(3):
        assert cells[(1, k)]["d_a"] == format_number(np_["d_a1"][k])
    # full precision behind the 4 digits
    item = stepper.table.item(4, 2)   # layer 1, unit 2, z
    assert item.data(Qt.ItemDataRole.UserRole) == pytest.approx(np_["z1"][2], abs=1e-12)
    assert item.toolTip() == repr(item.data(Qt.ItemDataRole.UserRole))


def test_formula_is_rich_text_in_the_course_notation(course):
    stepper, _ = course
    html = stepper.formula.html()
    assert "z<sub>0</sub><sup>(1)</sup>" in html and "w<sub>00</sub><sup>(1)</sup>" in html
    assert "a<sub>0</sub><sup>(0)</sup>" in html
    assert "<sub>k</sub>" in stepper.formula.rule.text()    # the rule: z_j^(l) = Σ_k w_jk^(l)·a_k^(l−1) + b_j^(l)
    stepper.jump_to_phase("backward")
    assert "∂C<sub>0</sub>/∂" in stepper.formula.html() and "δ<sub>" in stepper.formula.html()


def test_hovering_a_number_shows_every_digit(course, qtbot):
    stepper, _ = course
    href, _text = LINK.findall(stepper.formula.html())[-1]    # the result z_0^(1)
    value = number_from_href(href)
    assert value == stepper.current_step.a[0] or value == stepper.current_step.z[0]
    with qtbot.waitSignal(stepper.number_hovered) as blocker:
        stepper.formula.formula.linkHovered.emit(href)
    assert blocker.args == [repr(value)]
    assert repr(value) in stepper.formula.readout.text()
    stepper.formula.formula.linkHovered.emit("")
    assert repr(value) not in stepper.formula.readout.text()


# ============================================================================ navigation
def test_next_then_previous_returns_to_the_identical_view(course, qtbot):
    stepper, _ = course
    n = stepper.step_count
    for i in range(n - 1):
        stepper.go_to(i)
        before = view_state(stepper)
        qtbot.mouseClick(stepper.next_button, Qt.MouseButton.LeftButton)
        assert stepper.index == i + 1
        assert view_state(stepper) != before
        qtbot.mouseClick(stepper.prev_button, Qt.MouseButton.LeftButton)
        assert view_state(stepper) == before, i


def test_highlights_follow_the_step(course):
    stepper, _ = course
    trace = stepper.trace
    # forward, layer 2 unit 0: inputs a^(1) and the weights w_0k^(2) used; the unit computed
    stepper.go_to(3)
    nodes, edges = stepper.diagram.highlighted()
    assert ((2, 0), "current") in nodes and {((1, k), "input") for k in range(3)} <= nodes
    assert edges == {((2, 0, k), "input") for k in range(3)}
    # backward, layer 1 unit 1: the error flows back from both output units along w_i1^(2)
    i = next(i for i, s in enumerate(trace) if isinstance(s, BackwardUnit) and s.layer_index == 1 and s.unit == 1)
    stepper.go_to(i)
    nodes, edges = stepper.diagram.highlighted()
    assert {((2, 0), "error"), ((2, 1), "error"), ((1, 1), "current")} <= nodes
    assert {((2, 0, 1), "error"), ((2, 1, 1), "error")} <= edges
    assert {((1, 1, 0), "current"), ((1, 1, 1), "current")} <= edges
    # what is not involved is dimmed
    assert stepper.diagram.nodes[(1, 0)].dimmed and not stepper.diagram.nodes[(1, 1)].dimmed
    # the diagram shows the values known so far: a in the unit, δ under it
    assert stepper.diagram.nodes[(1, 1)].delta == trace[i].delta[0]
    assert stepper.diagram.nodes[(2, 1)].value == trace.summary_table(i)[-1].a


def test_arrow_keys_step_when_the_stepper_has_focus(course, qtbot):
    stepper, _ = course
    stepper.activateWindow()
    stepper.setFocus()
    qtbot.waitUntil(stepper.hasFocus)
    qtbot.keyClick(stepper, Qt.Key.Key_Right)
    qtbot.keyClick(stepper, Qt.Key.Key_Right)
    assert stepper.index == 2
    qtbot.keyClick(stepper, Qt.Key.Key_Left)
    assert stepper.index == 1
    # with a button of the panel focused the arrows still step
    stepper.next_button.setFocus()
    qtbot.waitUntil(stepper.next_button.hasFocus)
    qtbot.keyClick(stepper.next_button, Qt.Key.Key_Right)
    assert stepper.index == 2
    qtbot.keyClick(stepper.next_button, Qt.Key.Key_End)
    qtbot.keyClick(stepper, Qt.Key.Key_End)
    assert stepper.at_end
    # in a text field they move the cursor instead
    edit = stepper.input_edits[0]
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    edit.setCursorPosition(1)
    qtbot.keyClick(edit, Qt.Key.Key_Left)
    assert edit.cursorPosition() == 0 and stepper.at_end


def test_play_steps_on_its_own_and_stops_at_the_end(course, qtbot):
    stepper, _ = course
    stepper.set_speed(5)
    assert stepper.play_timer.interval() == 200 and stepper.speed_label.text() == "5 steps/s"
    qtbot.mouseClick(stepper.play_button, Qt.MouseButton.LeftButton)
    assert stepper.is_playing and stepper.play_button.text().endswith("Pause")
    for expected in (1, 2, 3):
        stepper.play_timer.timeout.emit()
        assert stepper.index == expected
    qtbot.mouseClick(stepper.play_button, Qt.MouseButton.LeftButton)     # pause
    assert not stepper.is_playing and stepper.play_button.text().endswith("Play")
    stepper.play_timer.timeout.emit()                                      # a late tick after the pause
    assert stepper.index == 3
    stepper.play()
    for _ in range(stepper.step_count):
        if stepper.is_playing:
            stepper.play_timer.timeout.emit()
    assert stepper.at_end and not stepper.is_playing and stepper.apply_button.isEnabled()


def test_jump_to_phase_and_granularity(course, qtbot):
    stepper, _ = course
    for phase in ("loss", "backward", "update", "forward"):
        qtbot.mouseClick(stepper.phase_buttons[phase], Qt.MouseButton.LeftButton)
        assert stepper.current_step.phase == phase and stepper.index == stepper.trace.phase_start(phase)
        assert stepper.phase_buttons[phase].isChecked()
    # backward, layer 1 unit 1 at unit level → its layer's step → the whole backward pass
    i = next(i for i, s in enumerate(stepper.trace)
             if isinstance(s, BackwardUnit) and s.layer_index == 1 and s.unit == 1)
    stepper.go_to(i)
    combo = stepper.granularity_combo
    combo.setCurrentIndex(combo.findData("layer"))
    combo.activated.emit(combo.currentIndex())
    step = stepper.current_step
    assert stepper.step_count == 7 and isinstance(step, LayerBackward) and step.layer_index == 1
    assert "∂C<sub>0</sub>/∂W<sup>(1)</sup>" in stepper.formula.html()
    stepper.set_granularity("phase")
    assert stepper.step_count == 4 and stepper.current_step.phase == "backward"
    stepper.set_granularity("unit")
    assert stepper.current_step.phase == "backward" and stepper.step_count == 30


# ============================================================================ apply and discard
@pytest.mark.parametrize("make_optimizer", [lambda: SGD(0.1), lambda: SGD(0.05, momentum=0.9), lambda: Adam(0.01)],
                         ids=["sgd", "momentum", "adam"])
def test_stepping_a_whole_pass_and_applying_equals_train_on_batch(stepper, qtbot, make_optimizer):
    model = course_model(make_optimizer(), warm=3)
    reference = twin(model)
    stepper.set_model(model)
    stepper.set_sample(X[0], LABEL)
    assert not stepper.apply_button.isEnabled()
    clicks = 0
    while stepper.next_button.isEnabled():
        qtbot.mouseClick(stepper.next_button, Qt.MouseButton.LeftButton)
        clicks += 1
    assert clicks == stepper.step_count - 1 and stepper.apply_button.isEnabled()
    with qtbot.waitSignal(stepper.update_applied) as blocker:
        qtbot.mouseClick(stepper.apply_button, Qt.MouseButton.LeftButton)
    loss = reference.train_on_batch(X, np.array([LABEL]))
    for got, want in zip(model.get_weights(), reference.get_weights()):
        assert np.array_equal(got, want)
    state, ref_state = model.optimizer.state(), reference.optimizer.state()
    assert state.keys() == ref_state.keys() and all(np.array_equal(state[k], ref_state[k]) for k in state)
    update = blocker.args[0]
    assert update.loss == loss and update.model is model
    assert all(np.array_equal(a, b) for a, b in zip(update.weights, reference.get_weights()))
    # the stepper starts over on the updated network
    assert stepper.index == 0 and not stepper.apply_button.isEnabled()
    assert stepper.current_step.z[0] == pytest.approx(numpy_pass(reference, X, LABEL)["z1"][0], abs=1e-12)
    assert "applied" in stepper.status.text()


def test_discard_leaves_the_model_as_it_was(course, qtbot):
    stepper, model = course
    before = [w.copy() for w in model.get_weights()]
    stepper.last()
    with qtbot.waitSignal(stepper.update_discarded):
        qtbot.mouseClick(stepper.discard_button, Qt.MouseButton.LeftButton)
    assert stepper.index == 0
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_apply_on_a_changed_model_computes_the_steps_again(course):
    stepper, model = course
    stepper.last()
    model.train_on_batch(X, np.array([0]))                # the weights move behind the stepper's back
    after = [w.copy() for w in model.get_weights()]
    assert stepper.apply() is None
    assert all(np.array_equal(a, b) for a, b in zip(after, model.get_weights()))
    assert "changed" in stepper.status.text()
    assert all(np.array_equal(a, b) for a, b in zip(stepper.trace.old_weights, after))


# ============================================================================ samples
def test_samples_from_the_data_set_and_typed_in(stepper, qtbot):
    from nnviz.core.data import catalog
    ds = catalog.load("circle")
    model = course_model()
    stepper.set_model(model, ds)
    assert stepper.source == "train"
    np.testing.assert_array_equal(stepper.trace.x, ds.x_train[:1].astype(np.float64))
    stepper.sample_spin.setValue(7)
    np.testing.assert_array_equal(stepper.trace.x, ds.x_train[7:8].astype(np.float64))
    assert int(stepper.trace.y[0]) == int(ds.y_train[7])
    assert stepper.target_combo.currentIndex() == int(ds.y_train[7])
    stepper.source_combo.setCurrentIndex(stepper.source_combo.findData("test"))
    stepper.source_combo.activated.emit(stepper.source_combo.currentIndex())
    np.testing.assert_array_equal(stepper.trace.x, ds.x_test[7:8].astype(np.float64))
    # typing a value in makes a sample of one's own
    edit = stepper.input_edits[1]
    edit.clear()
    qtbot.keyClicks(edit, "0.25")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert stepper.source == "typed"
    assert stepper.trace.x[0, 1] == 0.25 and stepper.trace.x[0, 0] == float(ds.x_test[7, 0])   # not rounded
    combo = stepper.target_combo
    combo.setCurrentIndex(1 - combo.currentIndex())
    combo.activated.emit(combo.currentIndex())
    assert int(stepper.trace.y[0]) == combo.currentIndex()
    assert stepper.formula.title.text() == stepper.current_step.title


def test_a_model_the_stepper_cannot_trace_says_why(stepper):
    model = course_model()
    stepper.set_model(model)
    stepper._x = np.zeros((1, 2))
    stepper._y = np.array([5])          # not a class of a 2-unit output
    stepper.rebuild()
    assert stepper.trace is None and "cannot be computed" in stepper.formula.title.text()
    assert not stepper.next_button.isEnabled() and not stepper.apply_button.isEnabled()


def test_big_networks_default_to_layer_steps_and_images_step_by_layer(stepper):
    from nnviz.core import Conv2D, Flatten
    from nnviz.ui.stepper import stepper_widget
    wide = Sequential([Dense(32, activation="relu", input_shape=(64,)), Dense(10, activation="softmax")],
                      dtype="float64", seed=0)
    wide.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    stepper.set_model(wide)
    assert stepper.granularity == "layer" and stepper.step_count == 7
    unit_item = stepper.granularity_combo.model().item(0)
    assert unit_item.isEnabled()                       # offered, just not the default
    stepper.set_granularity("unit")
    assert stepper.step_count == stepper_widget.unit_step_count(wide, 64)
    assert len(stepper.diagram.nodes) == 8 + 8 + 8     # wide layers: their first 8 units drawn
    assert stepper.input_edits == [] and stepper.findChild(type(stepper.position_label), "inputShapeLabel")
    # a convolutional network: the image and the feature maps are blocks, stepped layer by layer
    cnn = Sequential([Conv2D(2, 3, activation="relu", input_shape=(6, 6, 1)), Flatten(),
                      Dense(3, activation="softmax")], dtype="float64", seed=0)
    cnn.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    stepper.set_model(cnn)
    stepper.set_sample(np.linspace(0, 1, 36).reshape(6, 6, 1), 2)
    assert stepper.trace is not None and (0, None) in stepper.diagram.nodes and (1, None) in stepper.diagram.nodes
    stepper.jump_to_phase("backward")
    assert stepper.current_step.phase == "backward" and stepper.formula.html()
    stepper.last()
    assert stepper.apply_button.isEnabled()


# ============================================================================ the worked example
def test_worked_example_numbers_match_a_hand_computation(stepper, qtbot):
    stepper.open_worked_example()
    ex_model = stepper.model
    assert stepper.mode == "example" and stepper.explanation.isVisible()
    assert "Backpropagation by hand" in stepper.explanation.toPlainText()
    trace = stepper.trace

    def text_of(pred):
        stepper.go_to(next(i for i, s in enumerate(trace) if pred(s)))
        return stepper.formula.plain_text()

    # by hand. x = (1, 0.5), y = (1, 0); hidden ReLU layer, sigmoid output, C_0 = ½ Σ (a_j − y_j)², η = 0.5
    x0, x1 = 1.0, 0.5
    z1 = [0.5 * x0 + 1.0 * x1 + 0.0, 0.25 * x0 + 0.5 * x1 + 0.25]          # 1, 0.75
    a1 = [max(z, 0.0) for z in z1]
    z2 = [0.75 * a1[0] - 1.0 * a1[1] + 0.0, 0.5 * a1[0] + 1.0 * a1[1] - 0.25]   # 0, 1
    sig = [1 / (1 + math.exp(-z)) for z in z2]                             # 0.5, 0.7311
    c0 = ((sig[0] - 1) ** 2 + (sig[1] - 0) ** 2) / 2                       # 0.3922
    d2 = [(sig[0] - 1) * sig[0] * (1 - sig[0]), (sig[1] - 0) * sig[1] * (1 - sig[1])]   # −0.125, 0.1437
    d_a1 = [0.75 * d2[0] + 0.5 * d2[1], -1.0 * d2[0] + 1.0 * d2[1]]        # −0.02188, 0.2687
    d1 = [d_a1[0] * 1.0, d_a1[1] * 1.0]                                    # ReLU′ = 1: both z > 0
    f = format_number
    assert z1 == [1.0, 0.75] and z2 == [0.0, 1.0]

    t = text_of(lambda s: isinstance(s, ForwardUnit) and s.layer_index == 1 and s.unit == 0)
    assert "= 0.5·1 + 1·0.5 + 0 = 1" in t and t.endswith("= relu(1) = 1")
    t = text_of(lambda s: isinstance(s, ForwardUnit) and s.layer_index == 1 and s.unit == 1)
    assert "= 0.25·1 + 0.5·0.5 + 0.25 = 0.75" in t
    t = text_of(lambda s: isinstance(s, ForwardUnit) and s.layer_index == 2 and s.unit == 1)
    assert "= 0.5·1 + 1·0.75 + (−0.25) = 1" in t and t.endswith(f"sigmoid(1) = {f(sig[1])}")
    assert f(sig[1]) == "0.7311"
    t = text_of(lambda s: isinstance(s, LossStep))
    assert t.endswith(f"= {f(c0)}") and f(c0) == "0.3922"
    t = text_of(lambda s: isinstance(s, BackwardUnit) and s.layer_index == 2 and s.unit == 0)
    assert f"= −0.5 · 0.25 = −0.125" in t
    assert f"= −0.125·0.75 = {f(d2[0] * a1[1]).replace('-', '−')}" in t and f(d2[0] * a1[1]) == "-0.09375"
    t = text_of(lambda s: isinstance(s, BackwardUnit) and s.layer_index == 1 and s.unit == 0)
    assert f"= 0.75·(−0.125) + 0.5·{f(d2[1])} = {f(d_a1[0]).replace('-', '−')}" in t
    assert f(d_a1[0]) == "-0.02188"
    t = text_of(lambda s: isinstance(s, WeightUpdate) and s.layer_index == 2 and s.j == 0 and s.k == 1)
    assert t.endswith("= −1 − 0.5·(−0.09375) = −0.9531")

    stepper.last()
    cells = table_values(stepper)
    for j in range(2):
        assert cells[(1, j)]["z"] == f(z1[j]) and cells[(1, j)]["a"] == f(a1[j])
        assert cells[(2, j)]["z"] == f(z2[j]) and cells[(2, j)]["a"] == f(sig[j])
        assert cells[(2, j)]["delta"] == f(d2[j]) and cells[(1, j)]["delta"] == f(d1[j])
        assert cells[(1, j)]["d_a"] == f(d_a1[j])

    # Apply: every weight moves by −η·∂C_0/∂w, computed by hand
    W1, b1, W2, b2 = [w.copy() for w in ex_model.get_weights()]
    qtbot.mouseClick(stepper.apply_button, Qt.MouseButton.LeftButton)
    new = ex_model.get_weights()
    eta = 0.5
    hand_W2 = np.array([[W2[k, j] - eta * d2[j] * a1[k] for j in range(2)] for k in range(2)])
    hand_W1 = np.array([[W1[k, j] - eta * d1[j] * (x0, x1)[k] for j in range(2)] for k in range(2)])
    np.testing.assert_allclose(new[2], hand_W2, rtol=0, atol=1e-15)
    np.testing.assert_allclose(new[3], b2 - eta * np.array(d2), rtol=0, atol=1e-15)
    np.testing.assert_allclose(new[0], hand_W1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(new[1], b1 - eta * np.array(d1), rtol=0, atol=1e-15)


def test_worked_example_and_back(stepper, qtbot):
    model = course_model()
    stepper.set_model(model)
    stepper.set_sample(X[0], LABEL)
    stepper.go_to(5)
    stepper.open_worked_example()
    assert stepper.banner.isVisible() and stepper.back_button.isVisible()
    assert stepper.trace.model is not model
    qtbot.mouseClick(stepper.back_button, Qt.MouseButton.LeftButton)
    assert stepper.mode == "model" and stepper.trace.model is model and not stepper.explanation.isVisible()
    np.testing.assert_array_equal(stepper.trace.x, X)


def test_the_worked_example_does_not_carry_the_last_networks_status(stepper, qtbot):
    """'Update discarded: the model is unchanged' stayed under the worked example's banner, about a network that
    was no longer on screen (and back again)."""
    stepper.set_model(course_model())
    stepper.set_sample(X[0], LABEL)
    stepper.last()
    with qtbot.waitSignal(stepper.update_discarded):
        qtbot.mouseClick(stepper.discard_button, Qt.MouseButton.LeftButton)
    assert stepper.status.isVisible() and "discarded" in stepper.status.text()
    stepper.open_worked_example()
    assert not stepper.status.isVisible()
    stepper.last()
    with qtbot.waitSignal(stepper.update_discarded):
        qtbot.mouseClick(stepper.discard_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(stepper.back_button, Qt.MouseButton.LeftButton)
    assert not stepper.status.isVisible()


def test_open_worked_example_builds_a_stepper_on_its_own(qtbot):
    from nnviz.ui.stepper import open_worked_example
    w = open_worked_example()
    qtbot.addWidget(w)
    ex = worked_example()
    assert w.mode == "example" and not w.back_button.isVisible()
    np.testing.assert_array_equal(w.trace.x, ex.x)
    assert [a.tolist() for a in w.model.get_weights()] == [a.tolist() for a in ex.model.get_weights()]
    assert w.explanation.toMarkdown().strip().startswith("### Backpropagation by hand")


# ============================================================================ on the main window
class FakeController:
    def __init__(self):
        self.is_running = True
        self.paused = 0

    def pause(self):
        self.is_running = False
        self.paused += 1


def _main_window_stepper(make_main_window, controller=None):
    from nnviz.ui.stepper.integration import attach_stepper
    w = make_main_window()
    ui = attach_stepper(w, w.document, controller)
    return w, ui


def test_main_window_mode_action_and_dock(make_main_window, qtbot):
    controller = FakeController()
    w, ui = _main_window_stepper(make_main_window, controller)
    action = w.findChild(type(w.actionNew), "actionStepper")
    assert action is ui.action and action.shortcut().toString() == "Ctrl+B"
    assert action in w.menu("View").actions()
    assert not ui.dock.isVisible()
    action.trigger()
    qtbot.waitUntil(ui.dock.isVisible)
    assert controller.paused == 1 and not controller.is_running       # training paused for the stepper
    stepper = ui.stepper
    assert stepper.trace is not None and stepper.trace.model is w.document.model
    np.testing.assert_array_equal(stepper.trace.x, w.document.dataset.x_train[:1].astype(stepper.trace.x.dtype))
    # the main window's neuron view mirrors the step's highlights
    stepper.jump_to_phase("backward")
    view = w.neuron_view
    step = stepper.current_step
    nodes = {n for n in view.node_ids() if view.node_item(n).highlighted}
    L = len(w.document.model.layers)
    assert {(n.layer, n.unit) for n in step.highlights.nodes if n.unit is not None} <= nodes   # the same ids
    assert {(e.layer, e.j, e.k) for e in step.highlights.edges} <= set(view.edge_ids())
    assert all(view.node_item((n.layer, n.unit)).role == n.role for n in step.highlights.nodes if n.unit is not None)
    ui.dock.hide()
    assert not any(view.node_item(n).highlighted for n in view.node_ids())


def test_apply_on_the_main_window_is_one_step_and_one_undo_entry(make_main_window, qtbot):
    from nnviz.core.state import capture_state

    w, ui = _main_window_stepper(make_main_window)
    ui.open()
    doc = w.document
    model = doc.model
    reference = twin(model)
    stepper = ui.stepper
    x, y = stepper.x, stepper.y
    # mid-pass Apply is visibly off, and says why
    stepper.go_to(1)
    assert not stepper.apply_button.isEnabled()
    assert "last step" in stepper.apply_button.toolTip()
    assert "Apply at the end" in stepper.position_label.text() or stepper.controls.fold_level   # (short of room: the tip)
    # Discard leaves nothing behind
    untouched = capture_state(model)
    entries = doc.undo_stack.count()
    qtbot.mouseClick(stepper.discard_button, Qt.MouseButton.LeftButton)
    assert capture_state(model).equals(untouched) and doc.undo_stack.count() == entries
    stepper.last()
    assert stepper.apply_button.isEnabled()
    history_before = {k: list(v) for k, v in doc.history.items()}
    with qtbot.waitSignal(doc.weights_changed):
        qtbot.mouseClick(stepper.apply_button, Qt.MouseButton.LeftButton)
    reference.train_on_batch(x, y)
    for got, want in zip(doc.model.get_weights(), reference.get_weights()):
        assert np.array_equal(got, want)
    assert doc.model.optimizer.iterations == untouched.iterations + 1
    assert doc.history == history_before            # one step, not an epoch: the epoch counter stays
    assert doc.undo_stack.count() == entries + 1 and doc.is_modified
    assert stepper.index == 0 and stepper.trace.model is doc.model
    assert all(np.array_equal(a, b) for a, b in zip(stepper.trace.old_weights, doc.model.get_weights()))
    applied = capture_state(model)
    doc.undo_stack.undo()                            # the weights, optimizer slots and count come back
    now = capture_state(model)
    assert all(np.array_equal(a, b) for a, b in zip(now.weights, untouched.weights))
    assert now.iterations == untouched.iterations
    doc.undo_stack.redo()
    assert all(np.array_equal(a, b) for a, b in zip(capture_state(model).weights, applied.weights))


def test_apply_is_refused_while_training_runs(make_main_window, qtbot):
    controller = FakeController()
    w, ui = _main_window_stepper(make_main_window, controller)
    ui.open()
    controller.is_running = True                     # training started again behind the stepper
    before = [a.copy() for a in w.document.model.get_weights()]
    ui.stepper.last()
    assert ui.stepper.apply() is None
    assert "pause" in ui.stepper.status.text()
    assert all(np.array_equal(a, b) for a, b in zip(before, w.document.model.get_weights()))


def test_worked_example_in_the_examples_menu(make_main_window, qtbot):
    w, ui = _main_window_stepper(make_main_window)
    menu = w.menu("File/Examples")
    menu.aboutToShow.emit()                          # the window refills the menu; the entry stays
    entry = w.findChild(type(w.actionNew), "actionWorkedExample")
    assert entry in menu.actions()
    weights = [a.copy() for a in w.document.model.get_weights()]
    entry.trigger()
    qtbot.waitUntil(ui.dock.isVisible)
    assert ui.stepper.mode == "example" and ui.stepper.explanation.isVisible()
    ui.stepper.last()
    qtbot.mouseClick(ui.stepper.apply_button, Qt.MouseButton.LeftButton)
    assert all(np.array_equal(a, b) for a, b in zip(weights, w.document.model.get_weights()))   # document untouched
    qtbot.mouseClick(ui.stepper.back_button, Qt.MouseButton.LeftButton)
    assert ui.stepper.trace.model is w.document.model


def test_the_dock_floats_at_a_comfortable_size_the_first_time(make_main_window):
    w, ui = _main_window_stepper(make_main_window)
    ui._place_dock(floating=True)
    assert ui.dock.isFloating() and ui.dock.width() >= min(1240, w.screen().availableGeometry().width() - 40)


def test_the_stepper_follows_architecture_edits(make_main_window, qtbot):
    w, ui = _main_window_stepper(make_main_window)
    ui.open()
    doc = w.document
    doc.set_layer_option(0, "units", 5)
    assert ui.stepper.trace.model is doc.model
    assert [info.units for info in ui.stepper.trace.layers][0] == 5
    assert (1, 4) in ui.stepper.diagram.nodes


@pytest.mark.parametrize("width", [260, 330, 420])
def test_the_diagram_legend_wraps_between_its_phrases_only(qtbot, width):
    """At the stepper's usual width the legend broke 'under it: δ' into 'under' / 'it: δ'."""
    from PySide6.QtGui import QTextDocument

    from nnviz.ui.stepper.diagram import DiagramPanel

    panel = DiagramPanel()
    qtbot.addWidget(panel)
    doc = QTextDocument()
    doc.setDefaultFont(panel.legend.font())
    doc.setHtml(panel.legend.text())
    doc.setTextWidth(width)
    doc.size()   # (lays the text out)
    block, lines = doc.begin(), []
    while block.isValid():
        layout = block.layout()
        text = block.text()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            lines.append(text[line.textStart():line.textStart() + line.textLength()].replace("\u00a0", " ").strip())
        block = block.next()
    for phrase in ("thicker = larger |w|", "in a unit: its a", "under it: δ"):
        assert any(phrase in line for line in lines), (phrase, lines)
