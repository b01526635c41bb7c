"""The status bar's fields fit its width, at any UI zoom and beside any message.

The window and the training controls put eight fields in the status bar (validity, layers and parameters, the
diagram's zoom, the training state, epoch, step, loss, speed). At 1280 px and a UI zoom of 175 % they need more than
the width there is, and Qt squeezed every one of them to a clipped stub ("Epoch 30 (30/30 this ru"). The
:class:`StatusBarFitter` instead takes whole fields away, the least important first (``DROP_ORDER``), until the rest
fit at their full text; a temporary message (``showMessage``) gets its room the same way, and the fields come back
when the room does. The epoch and the loss always stay.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QSizeGrip, QStatusBar, QWidget

#: the fields taken away when room runs out, first to last (object names); any other field always stays
DROP_ORDER = ("statusZoom", "statusSpeed", "statusStep", "statusParams", "statusValidity", "statusTraining")
#: room per field for the layout's spacing and the field's frame, and for the bar's margins and size grip
SPACING, MARGINS = 10, 28


class StatusBarFitter(QObject):
    """Keeps the fields of ``bar`` within its width (see the module docstring); ``dropped()`` names those away."""

    def __init__(self, bar: QStatusBar):
        super().__init__(bar)
        self.bar = bar
        self._dropped: list[QWidget] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        bar.installEventFilter(self)
        bar.messageChanged.connect(self.fit)   # (at once: the message is painted with the room it has now)

    def eventFilter(self, obj, event):
        if event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest, QEvent.Type.Show):
            self._timer.start()   # (a field's text changed, the bar resized, the zoom changed the fonts)
        return False

    def dropped(self) -> list[str]:
        return [w.objectName() for w in self._dropped]

    def _fields(self) -> list[QWidget]:
        """The bar's own widgets that are shown, or hidden only by us."""
        return [w for w in self.bar.findChildren(QWidget) if w.parentWidget() is self.bar and not w.isWindow()
                and not isinstance(w, QSizeGrip) and (w in self._dropped or not w.isHidden())]

    def fit(self) -> None:
        bar = self.bar
        fields = self._fields()
        widths = {w: max(w.sizeHint().width(), w.minimumWidth()) + SPACING for w in fields}
        need = sum(widths.values())
        message = bar.currentMessage()
        if message:
            need += bar.fontMetrics().horizontalAdvance(message) + 2 * SPACING
        room = bar.width() - MARGINS
        by_name = {w.objectName(): w for w in fields}
        drop = []
        for name in DROP_ORDER:
            if need <= room:
                break
            if name in by_name:
                drop.append(by_name[name])
                need -= widths[by_name[name]]
        for w in fields:
            if w in drop and not w.isHidden():
                w.hide()
                self._dropped.append(w)
            elif w not in drop and w in self._dropped:
                self._dropped.remove(w)
                w.show()
