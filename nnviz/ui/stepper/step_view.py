"""What the stepper shows of one step: the diagram, the formula, the table of values, the explanation.

:class:`StepView` is the stepper's splitter; what it shows is a function of ``(trace, index)`` only, so
going back and forth always shows the same view.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from nnviz.core.trace import WeightUpdate, format_number
from nnviz.core.worked_example import explanation_shown
from nnviz.ui import zoom
from nnviz.ui.stepper.diagram import DiagramPanel
from nnviz.ui.stepper.formula_view import FormulaView, notation_markdown
from nnviz.ui.stepper.value_table import QUANTITIES, ValueTable

#: below this width the diagram goes on top of the rest
VERTICAL_BELOW = 760
#: a short panel (docked under the canvas at 1280×720) keeps the diagram beside the rest and gives the formula
#: the full height: formula and table side by side when wide enough, else the formula alone (the table's
#: numbers are the formula's, and it comes back when the panel is taller)
SHORT_BELOW_HEIGHT = 480
SIDE_BY_SIDE_FROM_WIDTH = 1000
#: the diagram's drawing is about this many times as wide as tall: a panel wider than that draws it no larger
DIAGRAM_ASPECT = 2.0
#: a formula-over-table pane less tall than this (at 100 %; it grows with the UI zoom, as the formula's lines do)
#: gives the formula two thirds of it
SHORT_PANE = 320


class StepView(QSplitter):
    """The diagram (left), the formula over the table (middle) and the worked example's explanation (right,
    while it is shown)."""

    def __init__(self, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("stepperSplitter")
        self.diagram_panel = DiagramPanel(self)
        self.diagram = self.diagram_panel.diagram
        self.formula = FormulaView(self)
        self.table = ValueTable(self)
        self.table_title = QLabel("Every unit's values so far", self)
        self.table_title.setObjectName("tableTitle")
        table_box = self.table_box = QWidget(self)
        tl = QVBoxLayout(table_box)
        tl.setContentsMargins(0, 4, 0, 0)
        tl.setSpacing(2)
        tl.addWidget(self.table_title)
        tl.addWidget(self.table, 1)
        self.explanation = QTextBrowser(self)
        self.explanation.setObjectName("explanationBrowser")
        self.explanation.setOpenExternalLinks(True)
        self.explanation.setVisible(False)
        right = self.right_splitter = QSplitter(Qt.Orientation.Vertical, self)
        right.setObjectName("stepperRightSplitter")
        right.addWidget(self.formula)
        right.addWidget(table_box)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setChildrenCollapsible(False)
        self.addWidget(self.diagram_panel)
        self.addWidget(right)
        self.addWidget(self.explanation)
        self.setStretchFactor(0, 9)
        self.setStretchFactor(1, 11)
        self.setStretchFactor(2, 7)
        self.setChildrenCollapsible(False)
        self._sized_rows = -1
        self._explanation: str | None = None         # the explanation's Markdown (None: not shown)
        self._explanation_shown: str | None = None   # what it shows of it (paragraphs hidden while predicting)

    def show_trace(self, trace, index: int, feature_names=None, message: str = ""):
        """Draw ``trace``'s network and show step ``index`` (or ``message`` when there is no trace);
        returns the step's highlights ``(nodes, edges)``."""
        self.diagram.set_trace(trace, feature_names)
        if trace is None:
            self.formula.set_step(None, message)
            self.table.set_rows([])
            return (), ()
        shown = self.show_step(trace, index)
        if self.table.rowCount() != self._sized_rows:
            self.size_table()
        return shown

    def show_step(self, trace, i: int):
        """Step ``i`` of ``trace``: its formula, the values known so far, its highlights on the diagram;
        returns the highlights ``(nodes, edges)``."""
        step = trace[i]
        self.formula.set_step(step)
        rows = trace.summary_table(i)
        before = trace.summary_table(i - 1)
        fresh = frozenset((r.layer, r.unit, q) for r, p in zip(rows, before) for q in QUANTITIES
                          if getattr(r, q) is not None and getattr(p, q) is None)
        units_by_layer = {}
        for r in rows:
            units_by_layer.setdefault(r.layer, []).append(r.unit)
        current = set()
        for n in step.highlights.nodes:
            if n.role == "current":
                current.update((n.layer, u) for u in (units_by_layer.get(n.layer, []) if n.unit is None else [n.unit]))
        self.table.set_rows(rows, fresh, frozenset(current))
        self.diagram.set_values(rows)
        labels = {}
        if isinstance(step, WeightUpdate) and step.k is not None:      # the weight's old and new value
            old, new = format_number(step.old, 3), format_number(step.new, 3)
            labels[(step.layer_index, step.j, step.k)] = f"{old} → {new}"
        self.diagram.highlight(step.highlights.nodes, step.highlights.edges, labels)
        return tuple(step.highlights.nodes), tuple(step.highlights.edges)

    def set_explanation(self, markdown: str | None) -> None:
        """Show the worked example's explanation beside the rest (None hides it). Its notation (``z_0^(1)``) is
        set as the formulas set it (:func:`notation_markdown`)."""
        self._explanation = markdown
        self._explanation_shown = None
        if markdown is not None:
            self._set_explanation_text(markdown)
        self.explanation.setVisible(markdown is not None)

    def show_explanation(self, trace, index: int, predict: bool, hidden: bool) -> None:
        """The explanation at step ``index``: with Predict first on, its paragraphs that give away numbers not yet
        answered (or revealed) are hidden, as the table hides them (``hidden``: step ``index``'s are not yet)."""
        if self._explanation is None or trace is None:
            return
        markdown = explanation_shown(self._explanation, trace, index, hidden) if predict else self._explanation
        self._set_explanation_text(markdown)

    def _set_explanation_text(self, markdown: str) -> None:
        if markdown == self._explanation_shown:
            return
        self._explanation_shown = markdown
        bar = self.explanation.verticalScrollBar()
        at = bar.value()
        self.explanation.setMarkdown(notation_markdown(markdown))
        bar.setValue(at)   # (a paragraph shown or hidden keeps the student's place)

    def fit_width(self, width: int, height: int | None = None) -> bool:
        """Diagram beside the rest, or on top of it below ``VERTICAL_BELOW`` pixels; formula and table side by
        side in a wide, short panel; True when that changed."""
        short = height is not None and height < SHORT_BELOW_HEIGHT
        orientation = Qt.Orientation.Vertical if width < VERTICAL_BELOW and not short else Qt.Orientation.Horizontal
        inner = Qt.Orientation.Horizontal if short and width >= SIDE_BY_SIDE_FROM_WIDTH else Qt.Orientation.Vertical
        table = not short or width >= SIDE_BY_SIDE_FROM_WIDTH
        self.formula.readout.setVisible(not short)   # short: the numbers' tool tips carry every digit
        if orientation == self.orientation() and inner == self.right_splitter.orientation() \
                and table == self.table_box.isVisibleTo(self):
            return False
        self.setOrientation(orientation)
        self.right_splitter.setOrientation(inner)
        self.table_box.setVisible(table)
        return True

    @property
    def side_by_side(self) -> bool:
        return self.right_splitter.orientation() == Qt.Orientation.Horizontal

    def size_parts(self) -> None:
        """Diagram : formula and table : explanation as 9 : 11 : 7 (the explanation only while it is shown)."""
        vertical = self.orientation() == Qt.Orientation.Vertical
        total = max(self.height() if vertical else self.width(), 300)
        parts = [9, 11 if self.table_box.isVisibleTo(self) else 13, 7 if self.explanation.isVisibleTo(self) else 0]
        sizes = [int(total * p / sum(parts)) for p in parts]
        if not vertical:   # a short, wide panel draws the network to its height: the width it cannot use goes to
            #                the formula (docked at 175 % the diagram kept a third of the width, 100 px tall)
            spare = sizes[0] - max(self.diagram_panel.minimumSizeHint().width(), int(DIAGRAM_ASPECT * self.height()))
            if spare > 0:
                sizes[0] -= spare
                sizes[1] += spare
        self.setSizes(sizes)
        self.size_table()

    def formula_height(self) -> int:
        """The height the formula pane's text needs at its width (with the read-out line when it shows)."""
        body = self.formula.scroll.widget()
        width = self.formula.scroll.viewport().width()
        need = body.heightForWidth(width) if body.hasHeightForWidth() else -1
        need = need if need > 0 else body.sizeHint().height()
        if self.formula.readout.isVisibleTo(self.formula):
            need += self.formula.readout.sizeHint().height()
        return need + 2 * self.formula.scroll.frameWidth() + 4

    def size_table(self) -> None:
        """The table as tall as its rows (at most half the height); the formula gets the rest."""
        if self.side_by_side:   # formula | table: the formula gets the larger share of the width
            total = self.right_splitter.width()
            self.right_splitter.setSizes([total * 11 // 20, total - total * 11 // 20])
            return
        total = self.right_splitter.height()
        if total < 100:
            return
        self._sized_rows = self.table.rowCount()
        header = max(self.table.horizontalHeader().height(), self.table.horizontalHeader().sizeHint().height())
        want = (header + self.table.verticalHeader().defaultSectionSize() * self._sized_rows
                + 2 * self.table.frameWidth() + self.table_title.sizeHint().height() + 12)
        # the formula is what the step explains: it gets the height its text needs, up to two thirds (half left
        # its rule cut after one line at 175 % on a 1280 × 720 screen, its last line at 100 %); the table's rows
        # scroll. A short pane drops the read-out line under the formula (the numbers' tool tips carry every digit)
        if total < SHORT_PANE * zoom.factor():
            self.formula.readout.setVisible(False)
        table = min(max(want, 120), total // 2)
        need = self.formula_height()
        if total - table < need:
            table = max(total - need, min(want, total // 3))
        self.right_splitter.setSizes([total - table, table])
