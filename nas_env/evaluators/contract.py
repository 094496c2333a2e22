"""The metric contract: what an evaluation's metrics dict holds, and the checks that enforce it.

Every evaluator (a table, real training, a user's dict or callable) returns a
plain ``dict``; the env checks it before computing the reward, so a table that
reports accuracy in percent or parameters in millions fails at once with the
key named, instead of being truncated or rescaled silently.

=================  ========  ===================================================================
key                required  type and unit
=================  ========  ===================================================================
``status``         yes       ``"ok"``, or a failure: ``"failed"``, ``"timeout"``, ``"diverged"``,
                             ``"invalid"``
``val_accuracy``   yes       validation accuracy as a **fraction** in [0, 1] (a finite real
                             number) when ``status`` is ``"ok"`` -- the search signal; ``None``
                             on failure
``test_accuracy``  no        test accuracy as a fraction in [0, 1], or ``None``; reported,
                             never rewarded
``cost_seconds``   no        the evaluation's cost in **seconds**, a finite number >= 0
                             (simulated training time for tables, measured for training);
                             default 0
``params``         no        the **number** of parameters: a non-negative integer (an integral
                             float such as ``1200.0`` is accepted and stored as ``1200``;
                             ``1.5``, e.g. millions, is an error), or ``None``
``error``          no        the failure's text (a ``str``), or ``None``
any other key      no        an extra (``flops``, ``latency_ms`` ...), reported as it is; keep it
                             JSON-able, it is written to ``history.jsonl`` and the store
=================  ========  ===================================================================

Booleans are not numbers here (``True`` is not an accuracy). Violations raise
:class:`MetricsError` (a ``ValueError``) naming the key, the value and what is
valid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

__all__ = [
    "FAILURE_STATUSES", "STATUSES", "STATUS_OK", "MetricsError", "check_count", "check_fraction", "check_metrics",
    "check_seconds",
]

#: the status of a child that trained (or was looked up) and has a validation accuracy
STATUS_OK = "ok"
#: the statuses of a child that has no validation accuracy (the reward is the env's ``failure_reward``)
FAILURE_STATUSES = ("failed", "timeout", "diverged", "invalid")
#: every valid ``metrics["status"]``
STATUSES = (STATUS_OK, *FAILURE_STATUSES)


class MetricsError(ValueError):
    """Metrics that break the contract (see the module docstring)."""


def _at(where: str) -> str:
    return f"{where}: " if where else ""


def _real(key: str, value: Any, where: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise MetricsError(f"{_at(where)}metrics[{key!r}] = {value!r} (type {type(value).__name__}) is not valid; "
                           f"expected {what}")
    out = float(value)
    if not math.isfinite(out):
        raise MetricsError(f"{_at(where)}metrics[{key!r}] = {value!r} is not finite; expected {what} "
                           "(report a child whose training blew up with status='diverged')")
    return out


def check_fraction(key: str, value: Any, where: str = "") -> float | None:
    """``value`` as a float in [0, 1] (``None`` passes through); raises naming ``key`` otherwise."""
    if value is None:
        return None
    what = "a fraction in [0, 1] (accuracies are fractions, not percentages), or None"
    out = _real(key, value, where, what)
    if not 0.0 <= out <= 1.0:
        hint = f" (a percentage? use {out / 100:g})" if 1.0 < out <= 100.0 else ""
        raise MetricsError(f"{_at(where)}metrics[{key!r}] = {value!r} is outside [0, 1]{hint}; expected {what}")
    return out


def check_count(key: str, value: Any, where: str = "") -> int | None:
    """``value`` as a non-negative ``int`` (an integral float too; ``None`` passes through)."""
    if value is None:
        return None
    what = "a non-negative integer count, or None"
    if isinstance(value, Integral) and not isinstance(value, bool):
        out = int(value)
    else:
        x = _real(key, value, where, what)
        if not x.is_integer():
            hint = f" (millions? report the count, {round(x * 1e6)})" if 0 < x < 1e4 else ""
            raise MetricsError(f"{_at(where)}metrics[{key!r}] = {value!r} is not an integral count{hint}; "
                               f"expected {what}")
        out = int(x)
    if out < 0:
        raise MetricsError(f"{_at(where)}metrics[{key!r}] = {value!r} is negative; expected {what}")
    return out


def check_seconds(key: str, value: Any, where: str = "") -> float:
    """``value`` as a finite float >= 0."""
    what = "seconds, a finite number >= 0"
    out = _real(key, value, where, what)
    if out < 0:
        raise MetricsError(f"{_at(where)}metrics[{key!r}] = {value!r} is negative; expected {what}")
    return out


def check_metrics(metrics: Any, where: str = "") -> None:
    """Raise :class:`MetricsError` unless ``metrics`` obeys the contract (module docstring); changes nothing."""
    if not isinstance(metrics, Mapping):
        raise MetricsError(f"{_at(where)}expected a metrics dict, got {type(metrics).__name__} {metrics!r}")
    missing = [k for k in ("status", "val_accuracy") if k not in metrics]
    if missing:
        raise MetricsError(f"{_at(where)}metrics lack the required key(s) {missing}; got keys {sorted(metrics)}")
    status = metrics["status"]
    if status not in STATUSES:
        raise MetricsError(f"{_at(where)}metrics['status'] = {status!r} is not valid; expected one of {list(STATUSES)}")
    if status == "ok" and metrics["val_accuracy"] is None:
        raise MetricsError(f"{_at(where)}metrics['val_accuracy'] is None with status 'ok'; expected a fraction in "
                           "[0, 1] (or a failure status)")
    check_fraction("val_accuracy", metrics["val_accuracy"], where)
    check_fraction("test_accuracy", metrics.get("test_accuracy"), where)
    if "cost_seconds" in metrics:
        check_seconds("cost_seconds", metrics["cost_seconds"], where)
    check_count("params", metrics.get("params"), where)
    error = metrics.get("error")
    if error is not None and not isinstance(error, str):
        raise MetricsError(f"{_at(where)}metrics['error'] = {error!r} is not valid; expected a str or None")
