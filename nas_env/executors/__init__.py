"""Executors: evaluate many children at once (in process, local processes, Ray)."""

from nas_env.executors.base import Executor, ExecutorError, InProcessExecutor, Request, safe_evaluate
from nas_env.executors.process import ProcessExecutor
from nas_env.validation import check_choice

EXECUTORS = ("inprocess", "process", "ray")


def make_executor(kind: str, evaluator, **kwargs) -> Executor:  # type: ignore[no-untyped-def]
    """``"inprocess"``, ``"process"`` or ``"ray"`` (lazy import, optional extra)."""
    check_choice("executor", kind, EXECUTORS)
    if kind == "inprocess":
        return InProcessExecutor(evaluator)
    if kind == "process":
        return ProcessExecutor(evaluator, **kwargs)
    from nas_env.executors.ray_executor import RayExecutor

    return RayExecutor(evaluator, **kwargs)


__all__ = ["EXECUTORS", "Executor", "ExecutorError", "InProcessExecutor", "ProcessExecutor", "Request", "make_executor",
           "safe_evaluate"]
