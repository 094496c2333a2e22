"""Reward backends: table lookup, real training, synthetic functions, user callables.

Which backend an env runs on (``table``, ``train``, ``shared``) is decided in
:mod:`nas_env.evaluators.backends`; the training evaluators share :mod:`nas_env.evaluators.skeleton`.
"""

from nas_env.evaluators.backends import BACKENDS, make_evaluator
from nas_env.evaluators.base import Evaluator, as_generator, failure_metrics, make_metrics
from nas_env.evaluators.contract import FAILURE_STATUSES, STATUS_OK, MetricsError, check_metrics
from nas_env.evaluators.function import FunctionEvaluator, as_evaluator
from nas_env.evaluators.macro_table import MacroTableEvaluator
from nas_env.evaluators.nb201_table import NB201_DATASETS, NB201_FIDELITIES, NB201Table, NB201TableEvaluator
from nas_env.evaluators.synthetic import SyntheticEvaluator
from nas_env.evaluators.table import TableEvaluator

__all__ = [
    "BACKENDS",
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
    "make_evaluator",
    "make_metrics",
]
