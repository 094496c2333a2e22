"""A worker process's thread budget, set without importing torch where the worker does not use it."""

from __future__ import annotations

import os
import sys

__all__ = ["limit_worker_threads"]

#: the variables OpenMP, MKL and OpenBLAS (and so torch, when it is imported) read their thread count from
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def limit_worker_threads(num_threads: int) -> None:
    """``num_threads`` intra-op threads (one inter-op thread) for this process: through the environment for a torch
    that a job imports later, and directly where torch is loaded already (a training evaluator's module imports it).
    A worker that only reads tables never imports torch, which costs a process 1-2 s of CPU."""
    for var in THREAD_VARIABLES:
        os.environ[var] = str(num_threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(num_threads)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # torch allows it only before its first inter-op work
            pass
