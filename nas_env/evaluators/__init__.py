"""Reward backends: table lookup, real training, synthetic functions, user callables."""

from nas_env.evaluators.base import (
    FAILURE_STATUSES,
    STATUS_OK,
    Evaluator,
    as_generator,
    failure_metrics,
    make_metrics,
)
from nas_env.evaluators.contract import MetricsError, check_metrics
from nas_env.evaluators.function import FunctionEvaluator, TableEvaluator, as_evaluator
from nas_env.evaluators.macro_table import MacroTableEvaluator
from nas_env.evaluators.nb201_table import NB201_DATASETS, NB201_FIDELITIES, NB201Table, NB201TableEvaluator
from nas_env.evaluators.synthetic import SyntheticEvaluator

__all__ = [
    "FAILURE_STATUSES",
    "NB201_DATASETS",
    "NB201_FIDELITIES",
    "STATUS_OK",
    "Evaluator",
    "FunctionEvaluator",
    "MacroTableEvaluator",
    "MetricsError",
    "NB201Table",
    "NB201TableEvaluator",
    "SyntheticEvaluator",
    "TableEvaluator",
    "as_evaluator",
    "as_generator",
    "check_metrics",
    "failure_metrics",
    "make_metrics",
]
