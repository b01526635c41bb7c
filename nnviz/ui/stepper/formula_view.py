"""The formula of the current step: its title, the rule in the course's notation, the same rule with
this step's numbers put in (``step.to_html(link_numbers=True)``), and the step's note.

Numbers show 4 significant digits; hovering one shows every digit (``linkHovered`` → tooltip and the
read-out under the formula, and ``number_hovered``); clicking one copies it.
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from nnviz.ui import theme, zoom

#: the family the formulas are set in (DejaVu has every symbol the course uses: ∂ Σ δ ⊙ √ …)
FORMULA_FONT = "'DejaVu Serif', 'STIX Two Math', 'Cambria Math', 'Times New Roman', serif"

_PHASE_NAMES = {"forward": "Forward pass", "loss": "Loss", "backward": "Backward pass", "update": "Update"}

# `_x`, `_jk`, `_0,j`, `_{...}` → <sub>; `^(l)`, `^(l−1)`, `^t`, `^{...}` → <sup>. An underscore after two letters
# is a name's (a layer "dense_1", the loss "mean_squared_error"), not a subscript
_SUB = re.compile(r"(?<![A-Za-z][A-Za-z])_(\{[^}]*\}|[A-Za-z0-9]+(?:,[A-Za-z0-9]+)?)")
_SUP = re.compile(r"\^(\{[^}]*\}|\([^)]*\)|[A-Za-z0-9]+)")


def notation_html(text: str) -> str:
    """Text in the course's notation as the trace writes it (``z_0^(1)``, ``w_jk^(l)``, ``∂C_0/∂a_j``) as rich
    text with sub- and superscripts: z₀⁽¹⁾ as the formula sets it. The one formatting of notation for whatever
    the stepper shows: rule, title, note, Predict first's prompts and verdicts, the worked example's
    explanation (:func:`notation_markdown`) and the lessons' ``$…$``."""
    s = html.escape(text, quote=False)

    def strip(g: str) -> str:
        return g[1:-1] if g.startswith("{") else g

    s = _SUB.sub(lambda m: f"<sub>{strip(m.group(1))}</sub>", s)
    return _SUP.sub(lambda m: f"<sup>{strip(m.group(1))}</sup>", s)


def template_html(text: str) -> str:
    """A plain-text formula of the trace (``z_j^(l) = Σ_k w_jk^(l)·a_k^(l−1) + b_j^(l)``) as rich text
    with sub- and superscripts (its rules, joined by ";  ", one a line)."""
    return notation_html(text).replace(";  ", "<br>")


def notation_markdown(markdown: str) -> str:
    """Markdown whose text is in the trace's notation, with the notation set as :func:`notation_html` sets it
    (inline ``<sub>``/``<sup>``, which Qt's Markdown reader keeps): the worked example's explanation reads as
    its formulas do."""
    return "\n".join(notation_html(line) for line in markdown.split("\n"))


def number_from_href(href: str) -> float | None:
    """The full-precision value a ``num:`` link of ``Step.to_html(link_numbers=True)`` carries."""
    if not href.startswith("num:"):
        return None
    try:
        return float(href[4:])
    except ValueError:
        return None


def phase_color(phase: str) -> str:
    dark = theme.current_name() == "dark"
    return {"forward": "#5b9bff" if dark else "#2563eb", "loss": "#f0b429" if dark else "#b7791f",
            "backward": "#ff6b6b" if dark else "#d62d20", "update": "#34d399" if dark else "#0f9d58"}.get(phase, "#888")


class FormulaView(QWidget):
    """Title, rule, numbers and note of one step."""

    number_hovered = Signal(str)     # the full value of the number under the mouse ("" when it leaves)
    number_copied = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("formulaView")
        self.step = None
        self.phase_label = QLabel(self)
        self.phase_label.setObjectName("stepPhase")
        self.title = QLabel(self)
        self.title.setObjectName("stepTitle")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        f = self.title.font()
        f.setPointSizeF(max(f.pointSizeF(), 9.5) + 2)
        f.setBold(True)
        self.title.setFont(f)
        self.rule = QLabel(self)
        self.rule.setObjectName("stepRule")
        self.rule.setTextFormat(Qt.TextFormat.RichText)
        self.rule.setWordWrap(True)
        self.formula = QLabel(self)
        self.formula.setObjectName("formulaLabel")
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.formula.setOpenExternalLinks(False)
        self.formula.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.formula.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.formula.linkHovered.connect(self._on_formula_link_hovered)
        self.formula.linkActivated.connect(self._on_formula_link_activated)
        self.note = QLabel(self)
        self.note.setObjectName("stepNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.readout = QLabel(self)
        self.readout.setObjectName("numberReadout")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setWordWrap(True)
        self.hovered_value: str = ""

        body = QWidget()
        body.setObjectName("formulaBody")
        bl = QVBoxLayout(body)
        bl.setContentsMargins(12, 10, 12, 10)
        bl.setSpacing(8)
        bl.addWidget(self.phase_label)
        bl.addWidget(self.title)
        bl.addWidget(self.rule)
        bl.addWidget(self.formula)
        bl.addWidget(self.note)
        bl.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.scroll, 1)
        lay.addWidget(self.readout)
        self._apply_style()
        self.set_step(None)
        theme.state().theme_changed.connect(self._on_theme_changed)

    # ------------------------------------------------------------------ content
    def set_step(self, step, message: str = "") -> None:
        """Show ``step`` (None: ``message`` instead)."""
        self.step = step
        if step is None:
            self.phase_label.setText("")
            self.title.setText(html.escape(message or "Nothing to step through yet."))
            self.rule.setText("")
            self.formula.setText("")
            self.note.setText("")
            self.note.setVisible(False)
            self._set_readout("")
            return
        color = phase_color(step.phase)
        self.phase_label.setText(f"<span style='color:{color}; font-weight:bold; letter-spacing:1px'>"
                                 f"{_PHASE_NAMES.get(step.phase, step.phase).upper()}</span>")
        self.title.setText(notation_html(step.title))
        c = theme.colors()
        self.rule.setText(f"<div style='color:{c['muted']}; font-size:{zoom.pt(8.5)}'>THE RULE</div>"
                          f"<div style=\"font-family:{FORMULA_FONT}; font-size:{zoom.pt(11.5)}; color:{c['muted']}\">"
                          f"{template_html(step.template)}</div>"
                          f"<div style='color:{c['muted']}; font-size:{zoom.pt(8.5)}; margin-top:6px'>"
                          f"WITH THIS SAMPLE'S NUMBERS</div>")
        self.formula.setText(self.formula_html(step))
        self.note.setText(notation_html(step.note) if step.note else "")
        self.note.setVisible(bool(step.note))
        self._set_readout("")

    @staticmethod
    def formula_html(step) -> str:
        """What the formula label shows for ``step``: its equations with every number a link carrying
        its full value, in the formula font."""
        body = step.to_html(precision=4, link_numbers=True)
        c = theme.colors()
        # numbers: the text colour, not the link colour (the trace asks for "inherit", which Qt lacks)
        body = body.replace("color: inherit;", f"color: {c['text']};")
        # a remark after a line ("(D = 2, the number of outputs: …)"): the size of the explanation's text, muted
        body = body.replace("<small>", f"<span style=\"font-size:{zoom.pt(10)}; color:{c['muted']}\">") \
            .replace("</small>", "</span>")
        return (f"<div style=\"font-family:{FORMULA_FONT}; font-size:{zoom.pt(13)}; line-height:160%\">"
                f"{body}</div>")

    def html(self) -> str:
        return self.formula.text()

    def plain_text(self) -> str:
        """The formula as plain text (sub- and superscripts flattened): what a reader sees, in order."""
        from PySide6.QtGui import QTextDocument
        doc = QTextDocument()
        doc.setHtml(self.formula.text())
        return doc.toPlainText()

    # ------------------------------------------------------------------ hover
    def _on_formula_link_hovered(self, href: str) -> None:
        value = number_from_href(href)
        if value is None:
            self.formula.setToolTip("")
            self._set_readout("")
            self.number_hovered.emit("")
            return
        text = repr(value)
        # the label's tool tip follows the number under the mouse: Qt shows it where the mouse rests
        self.formula.setToolTip(f"{text}<br><small>full precision · click to copy</small>")
        self._set_readout(text)
        self.number_hovered.emit(text)

    def _on_formula_link_activated(self, href: str) -> None:
        value = number_from_href(href)
        if value is None:
            return
        QGuiApplication.clipboard().setText(repr(value))
        self.number_copied.emit(repr(value))
        self._set_readout(repr(value), copied=True)

    def _set_readout(self, text: str, copied: bool = False) -> None:
        self.hovered_value = text
        c = theme.colors()
        if text:
            self.readout.setText(f"<span style='color:{c['muted']}'>{'Copied' if copied else 'Full precision'}:</span>"
                                 f" <b>{text}</b>")
        else:
            self.readout.setText(f"<span style='color:{c['muted']}'>Values show 4 significant digits; "
                                 f"hover a number for all of them, click to copy it.</span>")

    # ------------------------------------------------------------------ style
    def _apply_style(self) -> None:
        c = theme.colors()
        self.setStyleSheet(
            f"QWidget#formulaBody {{ background: {c['base']}; }}"
            f"QLabel#stepNote {{ color: {c['text']}; background: {c['alt_base']}; border-left: 3px solid {c['border']};"
            f" padding: 6px 8px; }}"
            f"QLabel#numberReadout {{ padding: 4px 12px; border-top: 1px solid {c['border']};"
            f" background: {c['window']}; }}")

    def _on_theme_changed(self, _name: str) -> None:
        self._apply_style()
        self.set_step(self.step)
