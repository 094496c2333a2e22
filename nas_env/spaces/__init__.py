"""Search spaces: the token grammar of each family."""

from nas_env.spaces.base import Decision, InvalidArchitectureError, SearchSpace
from nas_env.spaces.decisions import Config, DecisionSpace
from nas_env.spaces.fixed import FixedSearchSpace
from nas_env.spaces.macro import MACRO_OPS, MacroArch, MacroSpace
from nas_env.spaces.nb201 import NB201_EDGES, NB201_OPS, NB201Cell, NB201Space
from nas_env.spaces.zoph_le_cnn import CNNLayer, ZophLeCNNArch, ZophLeCNNSpace
from nas_env.spaces.zoph_le_rnn import ZophLeRNNCell, ZophLeRNNSpace

__all__ = [
    "CNNLayer",
    "Config",
    "Decision",
    "DecisionSpace",
    "FixedSearchSpace",
    "InvalidArchitectureError",
    "MACRO_OPS",
    "MacroArch",
    "MacroSpace",
    "NB201_EDGES",
    "NB201_OPS",
    "NB201Cell",
    "NB201Space",
    "SearchSpace",
    "ZophLeCNNArch",
    "ZophLeCNNSpace",
    "ZophLeRNNCell",
    "ZophLeRNNSpace",
]
