"""``Sequential.fit``'s loop: epochs of shuffled batches through the one training step, with callbacks,
metrics and validation, as Keras runs it."""

from __future__ import annotations

import math

from nnviz.core import step as _step
from nnviz.core.callbacks import CallbackList, History, ProgbarLogger


def fit(model, x=None, y=None, batch_size: int | None = 32, epochs: int = 1, verbose: int = 1, callbacks=None,
        validation_split: float = 0.0, validation_data=None, shuffle: bool = True, initial_epoch: int = 0) -> History:
    """Train the compiled ``model`` (see ``Sequential.fit``); its History."""
    model._require_compiled()
    x = model._check_x(x)
    y = model._check_y(y, len(x))
    batch_size = int(batch_size or 32)
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if validation_data is not None:
        if len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (x_val, y_val)")
        x_val = model._check_x(validation_data[0], "validation x")
        y_val = model._check_y(validation_data[1], len(x_val), "validation y")
    elif validation_split:
        if not 0.0 < validation_split < 1.0:
            raise ValueError(f"validation_split must be between 0 and 1, got {validation_split}")
        split = int(len(x) * (1.0 - validation_split))  # Keras takes the last fraction, before shuffling
        if split == 0 or split == len(x):
            raise ValueError(f"validation_split={validation_split} leaves no samples for training or validation")
        x, x_val, y, y_val = x[:split], x[split:], y[:split], y[split:]
    else:
        x_val = y_val = None
    n = len(x)
    steps = math.ceil(n / batch_size)
    metrics = model._resolve_metrics(y)
    model._ensure_optimizer()

    history = History()
    cb_list = [history] + list(callbacks or [])
    if verbose:
        cb_list.append(ProgbarLogger(verbose))
    params = {"verbose": verbose, "epochs": epochs, "steps": steps, "batch_size": batch_size, "samples": n}
    cbs = CallbackList(cb_list, model, params)
    model.history = history
    model.stop_training = False
    cbs.on_train_begin()
    logs: dict = {}
    for epoch in range(initial_epoch, epochs):
        cbs.on_epoch_begin(epoch)
        # the shuffled order, each batch gathered when it trains: a shuffled copy of the whole split (MNIST's
        # 48,000 rows: 144 MiB, two of them as an epoch turns) held the training process's memory up all run
        order = model.rng.permutation(n) if shuffle else None
        loss_sum = 0.0
        metric_sums = [0.0] * len(metrics)
        seen = 0
        for step in range(steps):
            if cbs.wants_train_batch_begin:
                cbs.on_train_batch_begin(step)
            start = step * batch_size
            if order is None:
                xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            else:
                rows = order[start:start + batch_size]
                xb, yb = x[rows], y[rows]
            loss, y_pred = _step.train_step(model, xb, yb)
            nb = len(xb)
            seen += nb
            loss_sum += loss * nb
            model.last_batch_loss = loss
            for i, m in enumerate(metrics):
                metric_sums[i] += float(m(yb, y_pred).sum())
            if cbs.wants_train_batch_end:
                batch_logs = {"loss": loss_sum / seen}
                for i, m in enumerate(metrics):
                    batch_logs[m.name] = metric_sums[i] / seen
                cbs.on_train_batch_end(step, batch_logs)
            if model.stop_training:
                break
        logs = {"loss": float(loss_sum / max(seen, 1))}
        for i, m in enumerate(metrics):
            logs[m.name] = float(metric_sums[i] / max(seen, 1))
        if x_val is not None and seen:
            val = model.evaluate(x_val, y_val, batch_size=max(batch_size, 256), verbose=0, return_dict=True)
            logs.update({"val_" + k: v for k, v in val.items()})
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cbs.on_train_end(logs)
    return history
