"""The document's Qt-free half (task "split"): architecture, build, weight store."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.training import TrainingConfig
from nnviz.session.architecture import Architecture, parse_architecture, shape_tuple, values_equal


def dense(name, units, activation="tanh"):
    return {"class_name": "Dense", "config": {"name": name, "units": units, "activation": activation}}


def test_build_valid_and_invalid():
    arch = Architecture()
    arch.replace([dense("dense", 3), dense("dense_1", 2, "softmax")], (2,), "sequential", "float32", 0,
                 TrainingConfig())
    assert arch.valid and arch.model is not None and arch.error is None and arch.model.optimizer is not None
    assert [r["params"] for r in arch.layer_info()] == [9, 8]
    arch.insert(0, {"class_name": "Conv2D", "config": {"name": "conv2d", "filters": 2, "kernel_size": [3, 3]}})
    arch.build()
    assert not arch.valid and arch.model is None and arch.error.layer_index == 0
    assert "conv2d" in arch.layer_info()[0]["error"]
    arch.remove(0)
    arch.build()
    assert arch.valid


def test_weights_survive_an_edit_that_keeps_their_shapes_and_come_back_after_a_removal():
    arch = Architecture()
    arch.replace([dense("dense", 3), dense("dense_1", 2)], (2,), "sequential", "float32", 0)
    trained = [np.full_like(w, 0.5) for w in arch.model.get_weights()]
    arch.set_weights(trained)
    arch.set_option(0, "activation", "relu")        # same shapes: weights kept
    arch.build()
    np.testing.assert_array_equal(arch.model.get_weights()[0], trained[0])
    removed = arch.remove_many([1])
    arch.build()
    assert arch.unique_name("dense") not in ("dense", "dense_1")   # a removed layer's name is not reused
    arch.insert_many(removed)
    arch.build()
    np.testing.assert_array_equal(arch.model.get_weights()[-1], trained[-1])
    arch.set_option(0, "units", 4)                  # new shapes: fresh weights for that layer only
    arch.build()
    assert arch.model.get_weights()[0].shape == (2, 4)
    with pytest.raises(ValueError):
        arch.set_weights([np.zeros((9, 9))])


def test_a_config_round_trips_and_unnamed_layers_get_the_cores_names():
    arch = Architecture()
    arch.replace([dense("a", 3), dense("b", 1)], (5,), "net", "float32", 7)
    weights = {k: np.ones_like(v) for k, v in arch.weights().items()}
    layers, shape = parse_architecture(arch.config())
    assert shape == (5,) and [e["config"]["name"] for e in layers] == ["a", "b"]
    other = Architecture()
    other.replace(layers, shape, "net", "float32", 7, weights=weights)
    assert all(np.all(w == 1) for w in other.model.get_weights())
    layers, shape = parse_architecture({"layers": [{"class_name": "Dense", "config": {"units": 2, "input_shape": [3]}},
                                                   {"class_name": "Dense", "config": {"units": 1}}]})
    assert shape == (3,) and [e["config"]["name"] for e in layers] == ["dense", "dense_1"]
    with pytest.raises(ValueError, match="not a known layer"):
        parse_architecture({"layers": [{"class_name": "Nope"}]})
    with pytest.raises(ValueError):
        shape_tuple((0, 2))
    assert values_equal([3, 3], (3, 3)) and not values_equal([3], [3, 3])


def test_the_document_fits_its_output_layer_in_one_undo_step(qapp):
    from nnviz.core.compat import fit_problem
    from nnviz.session.document import ProjectDocument
    doc = ProjectDocument()
    doc.set_dataset({"name": "digits", "params": {"flatten": True}})
    why, fix = fit_problem(doc.model, doc.dataset)
    assert fix == ("output", 10, "softmax")
    count = doc.undo_stack.count()
    doc.fit_output_layer(*fix[1:])
    assert doc.undo_stack.count() == count + 1 and fit_problem(doc.model, doc.dataset) == ("", None)
    assert doc.layer_options(doc.layer_count() - 1)["units"] == 10
    doc.undo_stack.undo()
    assert doc.layer_options(doc.layer_count() - 1)["units"] == 2
    doc.add_layer(doc.layer_count(), "Dropout")
    with pytest.raises(ValueError, match="Dense"):
        doc.fit_output_layer(10, "softmax")
