"""The registered environments, one per file."""

from nas_env.envs.macro import MacroEnv
from nas_env.envs.nb201 import NB201Env
from nas_env.envs.synthetic import SyntheticEnv

__all__ = ["MacroEnv", "NB201Env", "SyntheticEnv"]
