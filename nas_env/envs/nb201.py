"""``nas_env/NB201-v0``: design a NAS-Bench-201 cell, edge by edge."""

from __future__ import annotations

from typing import Any

from nas_env.env import NASEnv
from nas_env.evaluators.backends import make_evaluator
from nas_env.evaluators.nb201_table import NB201TableEvaluator
from nas_env.rewards import RewardFn
from nas_env.spaces.nb201 import NB201Space


class NB201Env(NASEnv):
    """Choose the operation of each of the 6 edges of a NAS-Bench-201 cell.

    The cell has 4 nodes; edge ``j<-i`` applies one operation to node ``i``'s output
    and node ``j`` sums its incoming edges. The network stacks the cell (Dong & Yang,
    ICLR 2020). 15,625 cells, all tabulated.

    ## Action Space

    ``Discrete(5)``: the operation of the current edge.

    | Num | Operation      |
    |-----|----------------|
    | 0   | none (zero)    |
    | 1   | skip_connect   |
    | 2   | nor_conv_1x1   |
    | 3   | nor_conv_3x3   |
    | 4   | avg_pool_3x3   |

    Edges are decided in the order 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2. No action is
    ever masked (every edge has all 5 choices).

    ## Observation Space

    ``MultiDiscrete([6] * 6)``: slot ``i`` is 0 while edge ``i`` is open, ``op + 1`` once chosen.

    ## Rewards

    0.0 for the first 5 steps. At the 6th: the cell's validation accuracy on
    ``dataset`` after ``fidelity`` epochs, as a fraction (200 epochs: one of its 2-3
    training seeds drawn with the env's RNG, as NB201's protocol does), through
    ``reward``. Test accuracy is in ``info["metrics"]``, never in the reward.

    ## Episode End

    Terminates after 6 steps. Never truncated.

    ## Info

    ``action_mask`` every step; at the end ``arch`` (NB201's string, e.g.
    ``|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|``),
    ``tokens``, and ``metrics``: ``val_accuracy``, ``test_accuracy`` (CIFAR-10 at 200
    epochs; all datasets at 12; else ``None``), ``cost_seconds`` (simulated training
    time, 200-epoch ``train_time`` x fidelity / 200), ``params``, ``latency_ms`` (seven
    devices, HW-NAS-Bench), ``seed_index``, ``num_seeds``, ``nb201_index``, ``status``.

    ## Arguments

    | Argument          | Default      | Meaning                                                       |
    |-------------------|--------------|---------------------------------------------------------------|
    | ``dataset``       | ``cifar10``  | ``cifar10``, ``cifar100`` or ``imagenet16-120``               |
    | ``fidelity``      | ``200``      | training epochs behind the reward: ``12`` or ``200``          |
    | ``reward``        | ``accuracy`` | ``accuracy``, ``cubed`` or a callable on metrics              |
    | ``backend``       | ``table``    | ``table`` (lookup) or ``train`` (train the cell for real)     |
    | ``train_kwargs``  | ``None``     | ``TrainEvaluator`` kwargs when ``backend="train"``            |
    | ``failure_reward``| ``0.0``      | reward of a failed or invalid child                           |
    | ``invalid_action``| ``penalty``  | ``penalty`` or ``raise`` for masked actions                   |
    | ``render_mode``   | ``None``     | ``None``, ``ansi`` or ``rgb_array``                           |

    The backends and the ``train_kwargs`` each takes are defined in :mod:`nas_env.evaluators.backends`.

    ```python
    import gymnasium as gym, nas_env
    env = gym.make("nas_env/NB201-v0", dataset="cifar100", fidelity=12)
    ```
    """

    def __init__(
        self,
        dataset: str = "cifar10",
        fidelity: int | None = None,
        reward: str | RewardFn = "accuracy",
        backend: str = "table",
        train_kwargs: dict[str, Any] | None = None,
        failure_reward: float = 0.0,
        invalid_action: str = "penalty",
        render_mode: str | None = None,
    ):
        self.dataset = dataset
        self.backend = backend
        evaluator = make_evaluator("nb201", backend, train_kwargs, table=lambda: NB201TableEvaluator(dataset))
        super().__init__(
            NB201Space(),
            evaluator,
            fidelity=fidelity,
            reward=reward,
            failure_reward=failure_reward,
            invalid_action=invalid_action,
            render_mode=render_mode,
        )
