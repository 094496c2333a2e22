"""Hardware-aware NAS-Bench-201 protocols: CIFAR-10 accuracy under a latency constraint (HW-NAS-Bench).

==============================  =======================================================================
``nb201-latency-<device>``      NAS-Bench-201 on CIFAR-10 as ``nb201-cifar10`` (12-epoch validation
                                accuracy, charged its 12-epoch training time, 12,000 simulated seconds),
                                but a cell whose HW-NAS-Bench latency on ``<device>`` exceeds the limit
                                earns reward 0; report = 200-epoch CIFAR-10 test accuracy of the
                                best-reward cell. Devices: ``pixel3``, ``raspi4``, ``fpga``.
==============================  =======================================================================

**A hard constraint, not a penalised reward.** MnasNet's soft penalty (:class:`nas_env.Penalized`) mixes
accuracy and latency into one number whose optimum depends on its exponent; a hard limit keeps the reported
number an accuracy (comparable with ``nb201-cifar10``) and gives the task a plain table optimum: the best
200-epoch test accuracy among the cells within the limit. Each limit is the median latency of the 15,625 cells
on that device (rounded to 0.01 ms), so about half the space is feasible and the unconstrained best cell
(94.37%) is not: the best feasible cell is 93.66% (pixel3), 93.75% (raspi4), 93.91% (fpga).

The env is ``nas_env/NB201Latency-v0`` (registered when this module is imported, as every protocol module is):
``nas_env/NB201-v0`` with a :class:`LatencyConstrained` reward built from JSON-able kwargs ``device`` and
``max_latency_ms``, so the protocol is saved and compared as plain data. An infeasible cell stays a
successful evaluation (``status "ok"``, its metrics and latency recorded): only its reward is 0. A run that
finds no feasible cell at all answers with its first cell (reward 0, the earliest on ties); at these limits and
~109 evaluations that has probability about 2^-109.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from nas_env.agents.budget import Budget
from nas_env.benchmarks.protocols.base import Protocol
from nas_env.benchmarks.protocols.nb201 import NB201_BUDGET_SECONDS, NB201_DEFAULT_AGENTS, NB201_REINFORCE_LR
from nas_env.benchmarks.protocols.registry import register_protocol
from nas_env.validation import check_real

__all__ = ["LATENCY_ENV_ID", "LATENCY_LIMITS_MS", "LatencyConstrained", "latency_protocol", "make_latency_env"]

LATENCY_ENV_ID = "nas_env/NB201Latency-v0"
#: device -> latency limit in ms: the median HW-NAS-Bench latency of the 15,625 cells, rounded to 0.01 ms
LATENCY_LIMITS_MS: dict[str, float] = {"pixel3": 10.68, "raspi4": 25.68, "fpga": 3.72}


@dataclass(frozen=True)
class LatencyConstrained:
    """Reward ``val_accuracy`` when ``metrics["latency_ms"][device] <= max_latency_ms``, else 0.0."""

    device: str
    max_latency_ms: float

    @property
    def __name__(self) -> str:  # NASEnv names its reward by it in errors
        return f"accuracy if latency_ms.{self.device} <= {self.max_latency_ms}"

    def __call__(self, metrics: Mapping[str, Any]) -> float:
        latency = float(metrics["latency_ms"][self.device])
        return float(metrics["val_accuracy"]) if latency <= self.max_latency_ms else 0.0


def make_latency_env(device: str = "pixel3", max_latency_ms: float | None = None, dataset: str = "cifar10",
                     fidelity: int = 12, **kwargs: Any) -> gym.Env:
    """``nas_env/NB201-v0`` rewarded by :class:`LatencyConstrained` (``max_latency_ms`` defaults to the device's
    limit in :data:`LATENCY_LIMITS_MS`); other kwargs go to ``NB201Env``."""
    from nas_env.envs.nb201 import NB201Env
    from nas_env.evaluators.nb201_table import NB201Table

    devices = NB201Table(dataset).latency_devices
    if device not in devices:
        raise ValueError(f"unknown HW-NAS-Bench device {device!r}; valid: {list(devices)}")
    limit = LATENCY_LIMITS_MS.get(device) if max_latency_ms is None else max_latency_ms
    if limit is None:
        raise ValueError(f"device {device!r} has no default max_latency_ms; give one (a number of ms > 0)")
    check_real("max_latency_ms", limit, low=0, low_open=True)
    return NB201Env(dataset=dataset, fidelity=fidelity, reward=LatencyConstrained(device, float(limit)), **kwargs)


if LATENCY_ENV_ID not in gym.registry:
    gym.register(id=LATENCY_ENV_ID, entry_point=make_latency_env, disable_env_checker=False)


def latency_protocol(device: str) -> Protocol:
    """``nb201-latency-<device>``: CIFAR-10 accuracy under the device's latency limit (module docstring)."""
    limit = LATENCY_LIMITS_MS[device]
    return Protocol(
        name=f"nb201-latency-{device}",
        env_id=LATENCY_ENV_ID,
        env_kwargs={"device": device, "max_latency_ms": limit},
        budget=Budget(cost_seconds=NB201_BUDGET_SECONDS["cifar10"]),
        reward=f"12-epoch CIFAR-10 validation accuracy if the cell's HW-NAS-Bench latency on {device} is at most "
        f"{limit} ms (the median over the space), else 0",
        cost="each evaluation is charged its tabulated 12-epoch training time (200-epoch train_time x 12/200)",
        reporter="nb201",
        reporter_option="cifar10",
        agent_kwargs={"evolution": {"variant": "nb201"}, "reinforce": {"lr": NB201_REINFORCE_LR}},  # as nb201-cifar10
        default_agents=NB201_DEFAULT_AGENTS,
        notes="A hard latency constraint (benchmarks/protocols/latency.py): reward 0 above the limit; the reported "
        "number is the 200-epoch CIFAR-10 test accuracy of the best-reward cell.",
    )


for _device in LATENCY_LIMITS_MS:
    register_protocol(latency_protocol(_device))
