"""A layout that wraps its widgets onto the next line when the width runs out (the stepper's control bar)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QWidgetItem


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto the next line when the width runs out (the control bar).
    ``addWidget(w, right=True)`` puts ``w`` at the right end of its line; ``addBreak()`` starts a line."""

    def __init__(self, parent=None, h_spacing: int = 12, v_spacing: int = 6):
        super().__init__(parent)
        self._items: list = []          # (QWidgetItem | None for a break, right)
        self._h, self._v = h_spacing, v_spacing

    def addItem(self, item) -> None:
        self._items.append((item, False))

    def addWidget(self, widget, right: bool = False) -> None:
        self.addChildWidget(widget)
        self._items.append((QWidgetItem(widget), right))
        self.invalidate()

    def insertWidget(self, index: int, widget, right: bool = False) -> None:
        self.addChildWidget(widget)
        self._items.insert(index, (QWidgetItem(widget), right))
        self.invalidate()

    def moveWidget(self, widget, before=None) -> None:
        """Move ``widget`` in front of ``before`` (a widget, or the first break when ``before`` is ``"break"``:
        after it with ``"after break"``; None: to the end), keeping its alignment."""
        entry = next(((i, r) for i, r in self._items if i is not None and i.widget() is widget), None)
        if entry is None:
            return
        self._items.remove(entry)
        if before is None:
            at = len(self._items)
        elif before in ("break", "after break"):
            at = next(n for n, (i, _r) in enumerate(self._items) if i is None) + (before == "after break")
        else:
            at = next(n for n, (i, _r) in enumerate(self._items) if i is not None and i.widget() is before)
        self._items.insert(at, entry)
        self.invalidate()

    def addBreak(self) -> None:
        self._items.append((None, False))

    def count(self) -> int:
        return sum(1 for i, _ in self._items if i is not None)

    def itemAt(self, index: int):
        items = [i for i, _ in self._items if i is not None]
        return items[index] if 0 <= index < len(items) else None

    def takeAt(self, index: int):
        item = self.itemAt(index)
        if item is not None:
            self._items = [(i, r) for i, r in self._items if i is not item]
        return item

    def expandingDirections(self):
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._layout(QRect(0, 0, width, 0), apply=False)

    def line_count(self, width: int) -> int:
        """How many lines the visible widgets take ``width`` px wide (margins included)."""
        return len([line for line in self._lines(width - self.contentsMargins().left() - self.contentsMargins().right())
                    if line])

    def setGeometry(self, rect) -> None:
        super().setGeometry(rect)
        self._layout(rect, apply=True)

    def sizeHint(self):
        return self.minimumSize()

    def minimumSize(self):
        size = QSize()
        for item, _ in self._items:
            if item is not None and not item.isEmpty():
                size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _lines(self, width: int) -> list:
        """The visible items, line by line, ``width`` px wide: ``[(item, right), …]`` per line."""
        lines, line, used = [], [], 0
        for item, right in self._items:
            if item is None:
                lines.append(line)
                line, used = [], 0
                continue
            if item.isEmpty():
                continue
            w = item.sizeHint().width()
            if line and used + self._h + w > width:
                lines.append(line)
                line, used = [], 0
            used += (self._h if line else 0) + w
            line.append((item, right))
        lines.append(line)
        return lines

    def _layout(self, rect, apply: bool) -> int:
        m = self.contentsMargins()
        r = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        lines = self._lines(r.width())
        y = r.y()
        for line in lines:
            if not line:
                continue
            h = max(item.sizeHint().height() for item, _ in line)
            if apply:
                x = r.x()
                for item, right in line:
                    if not right:
                        sh = item.sizeHint()
                        item.setGeometry(QRect(QPoint(x, y + (h - sh.height()) // 2), sh))
                        x += sh.width() + self._h
                xr = r.right() + 1
                for item, right in reversed(line):
                    if right:
                        sh = item.sizeHint()
                        left = max(xr - sh.width(), x)
                        item.setGeometry(QRect(QPoint(left, y + (h - sh.height()) // 2), sh))
                        xr = left - self._h
            y += h + self._v
        return y - self._v - r.y() + m.top() + m.bottom()
