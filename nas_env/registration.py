"""Gymnasium ids registered at ``import nas_env``."""

from __future__ import annotations

import gymnasium as gym

ENV_IDS: dict[str, str] = {
    "nas_env/NB201-v0": "nas_env.envs.nb201:NB201Env",
    "nas_env/Macro-v0": "nas_env.envs.macro:MacroEnv",
    "nas_env/Synthetic-v0": "nas_env.envs.synthetic:SyntheticEnv",
    "nas_env/ZophLeCNN-v0": "nas_env.envs.zoph_le_cnn:ZophLeCNNEnv",
    "nas_env/ZophLeRNN-v0": "nas_env.envs.zoph_le_rnn:ZophLeRNNEnv",
    "nas_env/NASBenchGraph-v0": "nas_env.envs.nbgraph:NASBenchGraphEnv",  # needs nas-env[graph]
}


def register_envs() -> None:
    """Register every id once (re-importing never warns about overrides)."""
    for env_id, entry_point in ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry_point, disable_env_checker=False)
