"""Choosing between a table and real training for spaces that have both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nas_env.evaluators.base import Evaluator

BACKENDS = ("table", "train")


def select_evaluator(backend: str, table: Callable[[], Evaluator], train_kwargs: dict[str, Any] | None) -> Evaluator:
    """``backend="table"`` -> ``table()``; ``"train"`` -> a ``TrainEvaluator(**train_kwargs)``."""
    if backend == "table":
        if train_kwargs:
            raise ValueError(f"train_kwargs {sorted(train_kwargs)} given but backend='table'; use backend='train'")
        return table()
    if backend == "train":
        from nas_env.evaluators.image_train import TrainEvaluator  # torch is imported only when training

        return TrainEvaluator(**(train_kwargs or {}))
    raise ValueError(f"unknown backend {backend!r}; valid: {list(BACKENDS)}")
