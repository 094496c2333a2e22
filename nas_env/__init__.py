"""nas-env: neural architecture search as a Gymnasium environment.

``import nas_env`` registers ``nas_env/NB201-v0``, ``nas_env/Macro-v0``,
``nas_env/Synthetic-v0``, ``nas_env/ZophLeCNN-v0``, ``nas_env/ZophLeRNN-v0`` and
``nas_env/NASBenchGraph-v0`` (torch is imported only by the training envs, when they are made;
NAS-Bench-Graph's tables need ``pip install "nas-env[graph]"`` when it is made).
"""

# first: in the nas-env command's own process, Ctrl-C while it imports prints one line (nas_env/interrupt.py)
from nas_env import interrupt as _interrupt  # noqa: F401
from nas_env.env import NASEnv
from nas_env.evaluators import (
    Evaluator,
    FunctionEvaluator,
    MetricsError,
    TableEvaluator,
    failure_metrics,
    make_metrics,
)
from nas_env.registration import ENV_IDS, register_envs
from nas_env.rewards import Penalized, make_reward
from nas_env.spaces import (
    Decision,
    DecisionSpace,
    FixedSearchSpace,
    InvalidArchitectureError,
    MacroSpace,
    NB201Space,
    SearchSpace,
    ZophLeCNNSpace,
    ZophLeRNNSpace,
)
from nas_env.wrappers import ArchitectureAction, MaskedObservation

__version__ = "0.2.0"

register_envs()

__all__ = [
    "ENV_IDS",
    "ArchitectureAction",
    "Decision",
    "DecisionSpace",
    "Evaluator",
    "FixedSearchSpace",
    "FunctionEvaluator",
    "InvalidArchitectureError",
    "MacroSpace",
    "MaskedObservation",
    "MetricsError",
    "NASEnv",
    "NB201Space",
    "Penalized",
    "SearchSpace",
    "TableEvaluator",
    "ZophLeCNNSpace",
    "ZophLeRNNSpace",
    "__version__",
    "failure_metrics",
    "make_metrics",
    "make_reward",
    "register_envs",
]
