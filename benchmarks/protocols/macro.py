"""The NAS-Bench-Macro protocol: a table without training times, so evaluations are counted.

==========================  =============================================================================
``macro-cifar10``           NAS-Bench-Macro (``nas_env/Macro-v0``, signal seed 0): reward = the signal
                            seed's accuracy, 100 evaluations; report = test accuracy averaged over the
                            two non-signal seeds (as the env gives it).
==========================  =============================================================================

``nas-env benchmark --budget`` counts evaluations under this protocol.
"""

from __future__ import annotations

from nas_env.agents.budget import Budget
from nas_env.benchmarks.protocols.base import Protocol
from nas_env.benchmarks.protocols.registry import register_protocol

__all__: list[str] = []

register_protocol(Protocol(
    name="macro-cifar10",
    env_id="nas_env/Macro-v0",
    env_kwargs={"signal_seed": 0},
    budget=Budget(evaluations=100),
    reward="NAS-Bench-Macro accuracy of training seed 0 (the signal seed), as a fraction",
    cost="the table has no training times: evaluations are counted, cost_seconds is 0",
    reporter="macro",
    reporter_option=0,
))
