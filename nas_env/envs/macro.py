"""``nas_env/Macro-v0``: choose the block of each layer of a NAS-Bench-Macro network."""

from __future__ import annotations

from typing import Any

from nas_env.env import NASEnv
from nas_env.evaluators.backends import make_evaluator
from nas_env.evaluators.macro_table import MacroTableEvaluator
from nas_env.rewards import RewardFn
from nas_env.spaces.macro import MacroSpace


class MacroEnv(NASEnv):
    """Choose one block for each of the 8 searchable layers of a NAS-Bench-Macro network.

    6,561 networks on CIFAR-10 (Su et al., CVPR 2021), all tabulated.

    ## Action Space

    ``Discrete(3)``: 0 = identity, 1 = MobileNetV2 block expansion 3 kernel 3 (``MB3_K3``),
    2 = expansion 6 kernel 5 (``MB6_K5``). Nothing is ever masked.

    ## Observation Space

    ``MultiDiscrete([4] * 8)``: 0 while a layer is open, ``block + 1`` once chosen.

    ## Rewards

    0.0 for the first 7 steps; then the network's accuracy (fraction) through ``reward``.
    **NAS-Bench-Macro only has test accuracy** (3 seeds): the seed ``signal_seed`` is
    the signal (reported as ``val_accuracy``) and ``test_accuracy`` is the mean of the
    other two seeds, so the reward and the report never share a training run.

    ## Episode End

    Terminates after 8 steps. Never truncated.

    ## Info

    ``action_mask`` every step; at the end ``arch`` (the 8-digit key, e.g. ``"02012100"``),
    ``tokens`` and ``metrics`` (``val_accuracy``, ``test_accuracy``, ``test_accuracy_seeds``,
    ``params``, ``flops``, ``cost_seconds`` = 0 since the table has no training time, ``status``).

    ## Arguments

    | Argument          | Default      | Meaning                                                   |
    |-------------------|--------------|-----------------------------------------------------------|
    | ``signal_seed``   | ``0``        | which of the 3 seeds is the search signal                 |
    | ``reward``        | ``accuracy`` | ``accuracy``, ``cubed`` or a callable on metrics          |
    | ``backend``       | ``table``    | ``table`` or ``train`` (train the network for real)       |
    | ``train_kwargs``  | ``None``     | ``TrainEvaluator`` kwargs when ``backend="train"``        |
    | ``failure_reward``| ``0.0``      | reward of a failed or invalid child                       |
    | ``invalid_action``| ``penalty``  | ``penalty`` or ``raise``                                  |
    | ``render_mode``   | ``None``     | ``None``, ``ansi`` or ``rgb_array``                       |

    The backends and the ``train_kwargs`` each takes are defined in :mod:`nas_env.evaluators.backends`.
    """

    def __init__(
        self,
        signal_seed: int = 0,
        reward: str | RewardFn = "accuracy",
        backend: str = "table",
        train_kwargs: dict[str, Any] | None = None,
        failure_reward: float = 0.0,
        invalid_action: str = "penalty",
        render_mode: str | None = None,
    ):
        self.backend = backend
        evaluator = make_evaluator("macro", backend, train_kwargs, table=lambda: MacroTableEvaluator(signal_seed))
        super().__init__(
            MacroSpace(),
            evaluator,
            reward=reward,
            failure_reward=failure_reward,
            invalid_action=invalid_action,
            render_mode=render_mode,
        )
