"""Why a script that calls ``run_benchmark`` needs no ``if __name__ == "__main__":`` surprise.

``run_benchmark`` runs jobs in worker processes started with the ``spawn`` method (safe with torch). Each such
worker first runs the script that started the benchmark again (as ``__mp_main__``), so that the script's classes
and registrations exist in the worker: a script whose top level calls ``run_benchmark`` would start the benchmark
again in every worker, and Python's multiprocessing fails with a traceback. :func:`check_main_guard` finds that
call before any worker starts and says in one line what to add; :func:`refuse_in_worker_bootstrap` stops such a
call inside a worker (if the first check could not read the script) with the same line instead of a traceback.
"""

from __future__ import annotations

import ast
import multiprocessing
import sys
from pathlib import Path
from types import FrameType

__all__ = ["MainGuardError", "check_main_guard", "refuse_in_worker_bootstrap", "unguarded_main_line"]


class MainGuardError(RuntimeError):
    """The benchmark was started from a script's top level, which every worker process runs again."""


def _message(where: str) -> str:
    return (f"run_benchmark starts worker processes, and each runs your script again: {where} would start the "
            f"benchmark again in every worker; put the call under `if __name__ == \"__main__\":` (or pass "
            f"workers=0 to run in this process)")


def _main_frame(frame: FrameType | None, main_globals: dict) -> FrameType | None:
    while frame is not None and not (frame.f_globals is main_globals and frame.f_code.co_name == "<module>"):
        frame = frame.f_back
    return frame


def _guarded(source: str, line: int) -> bool:
    """Whether ``line`` lies in an ``if`` whose test reads ``__name__`` (``if __name__ == "__main__":``)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test) \
                and node.lineno <= line <= (node.end_lineno or node.lineno):
            return True
    return False


def unguarded_main_line() -> str | None:
    """``"line N of FILE"``: the top-level line of the ``__main__`` script that led to this call when that line is not
    under an ``if __name__ ...:`` (spawned workers would run it again); ``None`` otherwise or when unknown (no
    script file, as in ``python -c`` or a notebook, whose workers run nothing again)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or not path:
        return None
    module = getattr(getattr(main, "__spec__", None), "name", None)
    if module is not None and (module == "__main__" or module.endswith(".__main__")):
        return None  # `python -m package`: multiprocessing runs a package's __main__ again in no worker
    frame = _main_frame(sys._getframe(1), vars(main))
    if frame is None:
        return None
    try:
        guarded = _guarded(Path(path).read_text(encoding="utf-8"), frame.f_lineno)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None
    return None if guarded else f"line {frame.f_lineno} of {path}"


def check_main_guard() -> None:
    """Raise :class:`MainGuardError` (one line) before workers start when the benchmark was called from the top level
    of the ``__main__`` script (see the module docstring)."""
    where = unguarded_main_line()
    if where is not None:
        raise MainGuardError(_message(where))


def refuse_in_worker_bootstrap() -> None:
    """In a worker process still running the parent's script (``__mp_main__``), stop with the one-line message
    (``SystemExit``: no traceback) instead of starting a benchmark inside the worker."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise SystemExit(f"nas-env: {_message('its top-level call of run_benchmark')}")
