"""Train a child network on in-memory tensors: deterministic, cheap per batch, never spawns workers.

One call of :func:`train_model` runs SGD (momentum 0.9, Nesterov, weight decay)
with a per-step cosine learning-rate schedule for ``epochs`` epochs, measuring
validation accuracy after every epoch (large batches, ``torch.inference_mode``)
and test accuracy once at the end (reported, never a reward).

Outcomes (:attr:`TrainResult.status`):

* ``"ok"``: all epochs ran;
* ``"timeout"``: the wall-clock budget ``max_train_seconds`` ran out (checked before every batch);
* ``"diverged"``: the loss became NaN or infinite (checked every batch on CPU, where
  reading a scalar is free, and once per epoch on an accumulated loss elsewhere, to
  avoid a device sync per batch).

Exceptions (shape errors, out of memory) propagate: the evaluator turns them into
``"failed"`` results. Determinism: pass ``seed``; shuffling uses its own
``torch.Generator``. Seeding the model's initial weights is the caller's job
(see :class:`nas_env.evaluators.image_train.TrainEvaluator`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from nas_env.training.datasets import Dataset

__all__ = ["TrainResult", "accuracy", "resolve_device", "train_model"]


@dataclass
class TrainResult:
    """What one training run produced.

    Attributes:
        status: ``"ok"``, ``"timeout"`` or ``"diverged"``.
        val_accuracy_per_epoch: validation accuracy (fraction) after each completed epoch.
        test_accuracy: test accuracy after the last epoch (``None`` unless ``status == "ok"``).
        seconds: wall-clock seconds of training and validation.
        epochs_completed: number of full epochs run.
        error: a readable reason for a non-ok status.
    """

    status: str = "ok"
    val_accuracy_per_epoch: list[float] = field(default_factory=list)
    test_accuracy: float | None = None
    seconds: float = 0.0
    epochs_completed: int = 0
    error: str | None = None

    @property
    def val_accuracy(self) -> float | None:
        """Validation accuracy after the last completed epoch."""
        return self.val_accuracy_per_epoch[-1] if self.val_accuracy_per_epoch else None

    @property
    def val_accuracy_max_last5(self) -> float | None:
        """The paper's signal: the best validation accuracy of the last 5 epochs."""
        return max(self.val_accuracy_per_epoch[-5:]) if self.val_accuracy_per_epoch else None


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; other strings must name an available device.

    Raises:
        ValueError: not a device string, or CUDA requested but not available.
    """
    if isinstance(device, torch.device):
        dev = device
    elif device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            dev = torch.device(device)
        except (RuntimeError, TypeError) as e:
            raise ValueError(f"unknown device {device!r}; valid: 'auto', 'cpu', 'cuda', 'cuda:N'") from e
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available; valid here: 'auto', 'cpu'")
    return dev


@torch.inference_mode()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 2048) -> float:
    """Fraction of correct predictions, in eval mode and large batches (model left in eval mode)."""
    model.eval()
    if len(y) == 0:
        return 0.0
    correct = torch.zeros((), dtype=torch.long, device=y.device)
    for start in range(0, len(y), batch_size):
        logits = model(x[start:start + batch_size])
        correct += (logits.argmax(dim=1) == y[start:start + batch_size]).sum()
    return correct.item() / len(y)


def train_model(
    model: nn.Module,
    data: Dataset,
    *,
    epochs: int,
    batch_size: int = 64,
    lr: float = 0.1,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    seed: int = 0,
    max_train_seconds: float | None = None,
    eval_batch_size: int = 2048,
    evaluate_test: bool = True,
) -> TrainResult:
    """Train ``model`` in place on ``data`` (tensors already on the model's device).

    Args:
        model: the network, on the same device as ``data``.
        data: train/val/test tensors.
        epochs: number of epochs (>= 1).
        batch_size: training batch size; the last, smaller batch of an epoch is kept.
        lr: peak learning rate of the cosine schedule (decays per step to 0).
        momentum: Nesterov momentum.
        weight_decay: L2 weight decay.
        seed: seeds the shuffling generator.
        max_train_seconds: wall-clock budget, checked before every batch; ``None`` = no limit.
        eval_batch_size: batch size for validation and test.
        evaluate_test: compute test accuracy at the end.
    """
    device = data.train_x.device
    n = len(data.train_y)
    steps_per_epoch = math.ceil(n / batch_size)
    total_steps = max(1, epochs * steps_per_epoch)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=lr, momentum=momentum, nesterov=momentum > 0, weight_decay=weight_decay
    )
    shuffle = torch.Generator(device="cpu").manual_seed(int(seed))
    check_every_batch = device.type == "cpu"
    deadline = None if max_train_seconds is None else time.perf_counter() + max_train_seconds
    result = TrainResult()
    start = time.perf_counter()
    step = 0
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=shuffle).to(device)
        loss_sum = torch.zeros((), device=device)
        for b in range(steps_per_epoch):
            if deadline is not None and time.perf_counter() > deadline:
                result.status = "timeout"
                result.error = (
                    f"training exceeded max_train_seconds={max_train_seconds} "
                    f"(epoch {epoch + 1}/{epochs}, batch {b + 1}/{steps_per_epoch})"
                )
                result.seconds = time.perf_counter() - start
                return result
            idx = perm[b * batch_size:(b + 1) * batch_size]
            for group in optimizer.param_groups:
                group["lr"] = 0.5 * lr * (1.0 + math.cos(math.pi * step / total_steps))
            loss = F.cross_entropy(model(data.train_x[idx]), data.train_y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            if check_every_batch:
                value = loss.item()
                if not math.isfinite(value):
                    return _diverged(result, start, value, epoch, epochs, b, steps_per_epoch)
            else:
                loss_sum += loss.detach()
        if not check_every_batch:
            value = loss_sum.item()
            if not math.isfinite(value):
                return _diverged(result, start, value, epoch, epochs, steps_per_epoch - 1, steps_per_epoch)
        result.val_accuracy_per_epoch.append(accuracy(model, data.val_x, data.val_y, eval_batch_size))
        result.epochs_completed = epoch + 1
    if evaluate_test:
        result.test_accuracy = accuracy(model, data.test_x, data.test_y, eval_batch_size)
    result.seconds = time.perf_counter() - start
    return result


def _diverged(
    result: TrainResult, start: float, value: float, epoch: int, epochs: int, batch: int, steps: int
) -> TrainResult:
    result.status = "diverged"
    result.error = f"loss became {value} (epoch {epoch + 1}/{epochs}, batch {batch + 1}/{steps})"
    result.seconds = time.perf_counter() - start
    return result
