"""The decision boundary's square: the playground's [-6, 6]² for its sets, the square around the points for
data that sits in a corner of it (the logic gates' 0s and 1s filled about 10 px of the plot)."""

from __future__ import annotations

from nnviz.core.data import catalog
from nnviz.core.plane import DOMAIN, plane_of


def test_logic_gate_points_fill_the_plane_with_a_margin():
    plane = plane_of(catalog.load("logic_gate", gate="and"))
    assert plane.square and plane.x_range == plane.y_range
    lo, hi = plane.x_range
    assert -0.5 <= lo < 0 and 1 < hi <= 1.5             # 0 and 1 inside, with room for the line between them
    assert (hi - lo) < 0.2 * (DOMAIN[1] - DOMAIN[0])


def test_playground_sets_keep_the_playground_square():
    for name in ("circle", "spiral", "xor"):
        plane = plane_of(catalog.load(name))
        assert plane.x_range == DOMAIN == plane.y_range, name
