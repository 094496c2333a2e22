"""``fixed:<env-id>``: any registered nas-env search env for a fixed number of evaluations.

==========================  =============================================================================
``fixed:<env-id>``          any registered nas-env search env, ``module:id`` too (``--env-kwargs`` JSON),
                            for a fixed number of evaluations (``--budget N``, default 100); report =
                            the env's ``test_accuracy`` (``val_accuracy`` where it has none).
==========================  =============================================================================

``nas-env benchmark --budget`` counts evaluations under these protocols. Gymnasium's ``module:id`` imports the
module first; :func:`nas_env.benchmarks.protocols.get_protocol` makes the env once, so a bad id, module or
kwargs fails before any run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from nas_env.agents.budget import EVALUATIONS_UNIT, Budget
from nas_env.benchmarks.protocols.base import Protocol
from nas_env.benchmarks.protocols.registry import ProtocolFamily, register_protocol_family
from nas_env.benchmarks.run.environment import resolve_env_id

__all__ = ["DEFAULT_FIXED_EVALUATIONS", "FIXED_PREFIX", "fixed_protocol"]

FIXED_PREFIX = "fixed:"
DEFAULT_FIXED_EVALUATIONS = 100


def fixed_protocol(env_id: str, env_kwargs: Mapping[str, Any]) -> Protocol:
    """``fixed:<env_id>`` with ``env_kwargs``, :data:`DEFAULT_FIXED_EVALUATIONS` evaluations; ``ValueError`` for an
    id that is not registered (or whose module does not import)."""
    try:
        resolve_env_id(env_id)  # imports the module of a 'module:id'; the protocol keeps the full id
    except ValueError as exc:
        raise ValueError(f"protocol '{FIXED_PREFIX}{env_id}': {exc}") from exc
    return Protocol(
        name=f"{FIXED_PREFIX}{env_id}",
        env_id=env_id,
        env_kwargs=dict(env_kwargs),
        budget=Budget(evaluations=DEFAULT_FIXED_EVALUATIONS),
        reward=f"the env's terminal reward ({json.dumps(dict(env_kwargs))})",
        cost="evaluations are counted; the env's metrics['cost_seconds'] is summed as simulated time",
        reporter="env",
    )


def _check_env(protocol: Protocol) -> None:
    """Fail before any run starts on an env that is not a search env (CartPole-v1) or on bad kwargs."""
    try:
        protocol.make_env().close()
    except ValueError as exc:
        raise ValueError(f"protocol {protocol.name!r}: {exc}") from exc


register_protocol_family(ProtocolFamily(FIXED_PREFIX, "<env-id>", EVALUATIONS_UNIT, fixed_protocol, _check_env))
