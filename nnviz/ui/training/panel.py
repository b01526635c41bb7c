"""The training settings panel: optimizer, learning rate (log scale), loss (only those that fit the output
layer and the task, with why the others are hidden), batch size, epochs or "until paused", validation
split, L1/L2 regularization and its rate, and the seed.

The panel edits a :class:`~nnviz.core.training.TrainingConfig`: a user's edit emits ``config_changed``
with the new config; ``set_config`` shows one without emitting.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QSlider,
                               QSpinBox, QVBoxLayout, QWidget)

from nnviz.core.compat import ALL_LOSSES, loss_choices, metrics_for, output_activation  # noqa: F401
from nnviz.core.training import TrainingConfig

OPTIMIZERS = [("SGD", "sgd"), ("Adam", "adam"), ("RMSprop", "rmsprop"), ("Adagrad", "adagrad")]
#: the learning rates TensorFlow Playground offers, extended to 1e-5 … 10
LR_LADDER = [1e-5, 3e-5, 1e-4, 3e-4, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
RATE_LADDER = [1e-6, 1e-5, 1e-4, 3e-4, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
LR_MIN, LR_MAX = 1e-5, 10.0
_SLIDER_STEPS = 600   # log10 from -5 to 1 in hundredths

class LogSpinBox(QDoubleSpinBox):
    """A spin box for rates spanning decades: shows 0.003 or 1e-05, steps along a 1–3–10 ladder."""

    def __init__(self, ladder, minimum, maximum, parent=None):
        super().__init__(parent)
        self.ladder = list(ladder)
        self.setDecimals(8)
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)
        self.setAccelerated(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:.3g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text, pos):
        from PySide6.QtGui import QValidator
        t = text.strip().replace(",", ".")
        if not t:
            return QValidator.Intermediate, text, pos
        try:
            v = float(t)
        except ValueError:
            ok = all(c in "0123456789.eE-+" for c in t)
            return (QValidator.Intermediate if ok else QValidator.Invalid), text, pos
        return (QValidator.Acceptable if self.minimum() <= v <= self.maximum() else QValidator.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:
        v = self.value()
        ladder = [x for x in self.ladder if self.minimum() <= x <= self.maximum()]
        if steps > 0:
            bigger = [x for x in ladder if x > v * 1.0001]
            target = bigger[min(steps, len(bigger)) - 1] if bigger else v
        else:
            smaller = [x for x in ladder if x < v * 0.9999]
            target = smaller[-min(-steps, len(smaller))] if smaller else v
        self.setValue(target)


class TrainingPanel(QWidget):
    """Edits a TrainingConfig. ``config_changed(TrainingConfig)`` on every user edit."""

    config_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self._config = TrainingConfig()
        self._updating = False
        self._model = None
        self._dataset = None

        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName("optimizerCombo")
        self.optimizer_combo.setToolTip("How the gradients move the weights: SGD (plain, or with momentum), or Adam, "
                                        "RMSprop and Adagrad, which scale each weight's step by its own gradient "
                                        "history. Applies at the next step.")
        for label, key in OPTIMIZERS:
            self.optimizer_combo.addItem(label, key)
        self.momentum_spin = QDoubleSpinBox()
        self.momentum_spin.setObjectName("momentumSpin")
        self.momentum_spin.setRange(0.0, 0.999)
        self.momentum_spin.setDecimals(3)
        self.momentum_spin.setSingleStep(0.05)
        self.momentum_spin.setToolTip("SGD momentum μ: v ← μ·v − η·g, w ← w + v (0 = plain gradient descent)")
        self.nesterov_box = QCheckBox("Nesterov")
        self.nesterov_box.setObjectName("nesterovBox")
        self.nesterov_box.setToolTip("Nesterov momentum: the gradient is taken where the momentum is about to carry "
                                     "the weights (needs a momentum above 0)")

        self.lr_slider = QSlider(Qt.Horizontal)
        self.lr_slider.setObjectName("learningRateSlider")
        self.lr_slider.setRange(0, _SLIDER_STEPS)
        self.lr_slider.setToolTip("Learning rate η on a logarithmic scale, 0.00001 … 10")
        self.lr_spin = LogSpinBox(LR_LADDER, LR_MIN, LR_MAX)
        self.lr_spin.setObjectName("learningRateSpin")
        self.lr_spin.setToolTip("Learning rate η: how far each step moves the weights. Applies at the next step.")

        self.loss_combo = QComboBox()
        self.loss_combo.setObjectName("lossCombo")
        self.loss_hint = QLabel("")
        self.loss_hint.setObjectName("lossHint")
        self.loss_hint.setWordWrap(True)
        small = self.loss_hint.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.loss_hint.setFont(small)

        self.batch_spin = QSpinBox()
        self.batch_spin.setObjectName("batchSizeSpin")
        self.batch_spin.setRange(1, 4096)
        self.batch_spin.setToolTip("Samples per gradient step")
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setObjectName("epochsSpin")
        self.epochs_spin.setRange(0, 1_000_000)
        self.epochs_spin.setSpecialValueText("until paused")
        self.epochs_spin.setToolTip("Epochs per Train; 0 trains until you pause, as TensorFlow Playground does")
        self.val_spin = QDoubleSpinBox()
        self.val_spin.setObjectName("validationSplitSpin")
        self.val_spin.setRange(0.0, 0.5)
        self.val_spin.setSingleStep(0.05)
        self.val_spin.setDecimals(2)
        self.val_spin.setSpecialValueText("none")
        self.val_spin.setToolTip("Share of the training samples held back and evaluated after every epoch "
                                 "(validation loss and accuracy); none trains on all of them")
        self.val_note = QLabel("")
        self.val_note.setWordWrap(True)
        self.val_note.setFont(small)

        self.reg_combo = QComboBox()
        self.reg_combo.setObjectName("regularizationCombo")
        self.reg_combo.setToolTip("A penalty on large weights, added to the loss: L1 (λ·Σ|w|) drives weights to "
                                  "exactly zero, L2 (λ·Σw²) keeps them all small")
        for label, key in (("None", "none"), ("L1", "l1"), ("L2", "l2")):
            self.reg_combo.addItem(label, key)
        self.reg_spin = LogSpinBox(RATE_LADDER, 1e-6, 10.0)
        self.reg_spin.setObjectName("regularizationRateSpin")
        self.reg_spin.setToolTip("Regularization rate λ: the penalty λ·Σ|w| (L1) or λ·Σw² (L2) on every kernel")
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("seedSpin")
        self.seed_spin.setRange(0, 2 ** 31 - 1)
        self.seed_spin.setToolTip("Seed for the initial weights (Reset weights) and the shuffling")

        sgd_row = QHBoxLayout()
        sgd_row.addWidget(self.momentum_spin)
        sgd_row.addWidget(self.nesterov_box)
        lr_row = QHBoxLayout()
        lr_row.addWidget(self.lr_slider, 1)
        lr_row.addWidget(self.lr_spin)
        reg_row = QHBoxLayout()
        reg_row.addWidget(self.reg_combo)
        reg_row.addWidget(QLabel("rate"))
        reg_row.addWidget(self.reg_spin, 1)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.addRow("Optimizer", self.optimizer_combo)
        form.addRow("Momentum", sgd_row)
        form.addRow("Learning rate", lr_row)
        form.addRow("Loss", self.loss_combo)
        form.addRow("", self.loss_hint)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Validation split", self.val_spin)
        form.addRow("", self.val_note)
        form.addRow("Regularization", reg_row)
        form.addRow("Seed", self.seed_spin)
        self.live_note = QLabel("Learning rate, optimizer and regularization apply to a running training at the "
                                "next step; loss, batch size and validation split restart the epoch.")
        self.live_note.setWordWrap(True)
        self.live_note.setFont(small)
        self.rule_note = QLabel("Rosenblatt's rule w ← w + η (t − ŷ) x trains this perceptron, one sample at a "
                                "time: only the learning rate η, the epochs and the seed play a part.")
        self.rule_note.setObjectName("perceptronRuleNote")
        self.rule_note.setWordWrap(True)
        self.rule_note.setVisible(False)
        self._rule: str | None = None
        self._own_val = False
        layout = QVBoxLayout(self)
        layout.addWidget(self.rule_note)
        layout.addLayout(form)
        layout.addWidget(self.live_note)
        layout.addStretch(1)

        self.set_config(self._config)
        self.optimizer_combo.currentIndexChanged.connect(self._on_edited)
        self.momentum_spin.valueChanged.connect(self._on_edited)
        self.nesterov_box.toggled.connect(self._on_edited)
        self.lr_slider.valueChanged.connect(self._on_lr_slider_changed)
        self.lr_spin.valueChanged.connect(self._on_lr_spin_changed)
        self.loss_combo.currentIndexChanged.connect(self._on_edited)
        self.batch_spin.valueChanged.connect(self._on_edited)
        self.epochs_spin.valueChanged.connect(self._on_edited)
        self.val_spin.valueChanged.connect(self._on_edited)
        self.reg_combo.currentIndexChanged.connect(self._on_edited)
        self.reg_spin.valueChanged.connect(self._on_edited)
        self.seed_spin.valueChanged.connect(self._on_edited)

    # ------------------------------------------------------------------ public
    @property
    def config(self) -> TrainingConfig:
        return TrainingConfig.from_dict(self._config.to_dict())

    def set_config(self, config: TrainingConfig) -> None:
        """Show ``config`` (no ``config_changed``)."""
        self._config = TrainingConfig.from_dict(config.to_dict())
        self._updating = True
        try:
            c = self._config
            self.optimizer_combo.setCurrentIndex(max(self.optimizer_combo.findData(c.optimizer), 0))
            self.momentum_spin.setValue(c.momentum)
            self.nesterov_box.setChecked(c.nesterov)
            self.lr_spin.setValue(c.learning_rate)
            self.lr_slider.setValue(self._lr_to_slider(c.learning_rate))
            self._fill_losses(adjust=False)
            self.batch_spin.setValue(c.batch_size)
            self.epochs_spin.setValue(c.epochs)
            self.val_spin.setValue(c.validation_split)
            self.reg_combo.setCurrentIndex(max(self.reg_combo.findData(c.regularization), 0))
            self.reg_spin.setValue(c.regularization_rate)
            self.seed_spin.setValue(c.seed)
        finally:
            self._updating = False
        self._update_enabled()

    def set_context(self, model, dataset) -> None:
        """The model and data set to fit: losses are filtered for them. When the configured loss does not fit
        but another does, the best fit is chosen and ``config_changed`` emitted."""
        self._model, self._dataset = model, dataset
        self._updating = True
        try:
            changed = self._fill_losses()
        finally:
            self._updating = False
        own_val = self._own_val = dataset is not None and len(getattr(dataset, "x_val", ())) > 0
        self.val_spin.setEnabled(not own_val and self._rule is None)
        self.val_note.setText(f"The data set has its own validation split ({len(dataset.x_val)} samples)."
                              if own_val else "")
        self.val_note.setVisible(own_val)
        metrics = metrics_for(dataset)
        if dataset is not None and list(self._config.metrics) != metrics:
            self._config.metrics = metrics
            changed = True
        if changed:
            self.config_changed.emit(self.config)

    # ------------------------------------------------------------------ losses
    def _fill_losses(self, adjust: bool = True) -> bool:
        """Refill the loss combo; True when the config's loss had to change. ``adjust=False`` (a config being
        shown, perhaps before the context of its own network and data arrives) keeps the config's loss, listed
        even when the current context would not offer it: a project opened after another one of two softmax
        outputs lost its binary cross-entropy here and came back marked modified."""
        allowed, hidden, suggested = loss_choices(self._model, self._dataset)
        combo = self.loss_combo
        blocked = combo.blockSignals(True)
        combo.clear()
        for name in allowed:
            combo.addItem(name, name)
        changed = False
        loss = self._config.loss
        if not adjust and loss not in allowed:
            combo.addItem(loss, loss)
        elif loss not in allowed and allowed:
            loss = suggested if suggested in allowed else allowed[0]
            self._config.loss = loss
            changed = True
        combo.setCurrentIndex(max(combo.findData(loss), 0))
        combo.setEnabled(bool(allowed) and self._rule is None)
        combo.blockSignals(blocked)
        tip = "The loss the optimizer minimizes. Only the losses that fit the output layer and the data are offered."
        if hidden:
            reasons: dict[str, list[str]] = {}
            for name, why in hidden.items():
                reasons.setdefault(why, []).append(name)
            lines = [f"<b>{', '.join(names)}</b>: {why}." for why, names in reasons.items()]
            if allowed:   # one short line; which losses are left out, and why, on hover
                n = len(hidden)
                self.loss_hint.setText(f"{n} other loss{'es' if n != 1 else ''} do{'' if n != 1 else 'es'} not fit "
                                       "this output layer and data: hover for why.")
            else:         # every loss is out for the same reason: say it
                self.loss_hint.setText(f"No loss fits: {next(iter(reasons))}.")
            self.loss_hint.setToolTip("Not offered:<br>" + "<br>".join(lines))
            tip += "<br><br>Not offered:<br>" + "<br>".join(lines)
        else:
            self.loss_hint.setText("")
            self.loss_hint.setToolTip("")
        combo.setToolTip(tip)
        self.loss_hint.setVisible(bool(hidden))
        return changed

    # ------------------------------------------------------------------ edits
    @staticmethod
    def _lr_to_slider(lr: float) -> int:
        return int(round((math.log10(min(max(lr, LR_MIN), LR_MAX)) + 5) * 100))

    @staticmethod
    def _slider_to_lr(v: int) -> float:
        lr = 10 ** (v / 100 - 5)
        exp = math.floor(math.log10(lr))
        return float(f"{lr / 10 ** exp:.2g}") * 10 ** exp  # two significant digits: 0.0032, not 0.003162…

    def _on_lr_slider_changed(self, v: int) -> None:
        if self._updating:
            return
        lr = self._slider_to_lr(v)
        self._updating = True
        self.lr_spin.setValue(lr)
        self._updating = False
        self._on_edited()

    def _on_lr_spin_changed(self, lr: float) -> None:
        if self._updating:
            return
        self._updating = True
        self.lr_slider.setValue(self._lr_to_slider(lr))
        self._updating = False
        self._on_edited()

    def set_rule(self, rule: str | None) -> None:
        """``"perceptron"``: Rosenblatt's rule trains, not an optimizer on a loss — the settings it does not read
        (optimizer, loss, batch size, validation split, regularization) are greyed, and a note says why."""
        self._rule = rule
        self.rule_note.setVisible(rule is not None)
        self._update_enabled()

    def _update_enabled(self) -> None:
        net = self._rule is None
        sgd = self.optimizer_combo.currentData() == "sgd"
        self.momentum_spin.setEnabled(net and sgd)
        self.nesterov_box.setEnabled(net and sgd and self.momentum_spin.value() > 0)
        self.reg_spin.setEnabled(net and self.reg_combo.currentData() != "none")
        for w in (self.optimizer_combo, self.batch_spin, self.reg_combo):
            w.setEnabled(net)
        self.loss_combo.setEnabled(net and self.loss_combo.count() > 0)
        self.val_spin.setEnabled(net and not self._own_val)

    def _on_edited(self, *_args) -> None:
        self._update_enabled()
        if self._updating:
            return
        try:
            cfg = TrainingConfig(
                optimizer=self.optimizer_combo.currentData(), learning_rate=float(self.lr_spin.value()),
                momentum=float(self.momentum_spin.value()), nesterov=self.nesterov_box.isChecked(),
                loss=self.loss_combo.currentData() or self._config.loss, metrics=list(self._config.metrics),
                batch_size=self.batch_spin.value(), epochs=self.epochs_spin.value(),
                validation_split=float(self.val_spin.value()), regularization=self.reg_combo.currentData(),
                regularization_rate=float(self.reg_spin.value()), seed=self.seed_spin.value())
        except ValueError:
            return
        if cfg.to_dict() == self._config.to_dict():
            return
        self._config = cfg
        self.config_changed.emit(self.config)
