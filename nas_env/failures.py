"""Whose failure is it: the child's or the machine's?

* **The child's**: it does not build (too-small feature maps, a cell of another space) or it diverges
  (an inf/NaN loss). Training it again would fail again: an evaluation store keeps its failure
  status and serves it like any result.
* **The machine's**: memory refused (``MemoryError``, PyTorch's ``can't allocate memory``, CUDA out
  of memory, ``ENOMEM``), its worker killed, a timeout (the executor's, or a trainer's
  ``max_train_seconds``: the same child finishes on a freer machine). Its metrics carry
  ``transient=True``; the run's history keeps them, an evaluation store keeps them as ``retry``
  (in the record, never served), and the next query trains the child again.

:func:`machine_failure` tells an exception's side (:mod:`nas_env.executors.base`,
:mod:`nas_env.evaluators.skeleton` and :func:`nas_env.training.child.run_child` use it).
"""

from __future__ import annotations

import errno

__all__ = ["machine_failure"]

#: what an allocation the machine refused says (PyTorch's CPU allocator, CUDA, the C library)
_OUT_OF_MEMORY = ("can't allocate memory", "cannot allocate memory", "out of memory")


def machine_failure(exc: BaseException) -> bool:
    """``exc`` is the machine's failure, not the child's: memory it refused (``MemoryError``, PyTorch's
    ``can't allocate memory``, CUDA out of memory, ``ENOMEM``). The child may well train on another
    machine or later, so its metrics carry ``transient=True``: kept in the history, never served
    from an evaluation store (the next query trains it again). Every other exception is the child's."""
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":  # torch.cuda.OutOfMemoryError
        return True
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOMEM
    return isinstance(exc, RuntimeError) and any(text in str(exc).lower() for text in _OUT_OF_MEMORY)
