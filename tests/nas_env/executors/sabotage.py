"""An evaluator whose worker processes can be made to die while they start, for the executors' fault tests.

It lives in a module of its own (not a test module) because spawned worker processes import it to unpickle it:
unpickling (:meth:`DiesWhileStarting.__setstate__`) is the start-up of a worker, before it reports ready.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np

from nas_env.evaluators.base import Evaluator, make_metrics

__all__ = ["DiesWhileStarting"]


class DiesWhileStarting(Evaluator):
    """Every child scores 0.5, except that:

    * evaluating an architecture named ``kill:K`` the first time kills its worker (``os._exit(1)``) after leaving
      ``K`` *tickets* in ``folder``;
    * a worker process that takes a ticket while it starts (unpickling this evaluator) dies there, exit code 3, before
      it reports ready: the executor's replacement dies while starting, ``K`` times in a row.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = str(folder)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for ticket in sorted(Path(self.folder).glob("ticket-*")):
            try:
                ticket.unlink()  # one process wins each ticket
            except FileNotFoundError:
                continue
            os._exit(3)

    def evaluate(self, arch: Hashable, *, fidelity: Any = None,
                 seed: int | np.random.Generator | None = None) -> dict[str, Any]:
        name = str(arch)
        if name.startswith("kill:"):
            done = Path(self.folder, f"killed-{name[5:]}")
            if not done.exists():
                done.touch()
                for k in range(int(name[5:])):
                    Path(self.folder, f"ticket-{k}").touch()
                os._exit(1)
        return make_metrics(0.5)
