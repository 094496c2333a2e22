"""``nas_env/ZophLeCNN-v0``: design a Zoph & Le CNN layer by layer and train it for real."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nas_env.env import NASEnv
from nas_env.evaluators.backends import make_evaluator
from nas_env.rewards import RewardFn
from nas_env.spaces.zoph_le_cnn import ZophLeCNNSpace


class ZophLeCNNEnv(NASEnv):
    """Choose each layer's filter size, number of filters, (stride) and skip connections.

    The search space of Zoph & Le (ICLR 2017, Section 3): layer ``i`` is
    ``conv(height x width, filters, stride)`` + BN + ReLU; its anchor-point tokens
    choose which earlier layers feed it (concatenated in depth, smaller maps
    zero-padded; no input = the image); outputs no later layer consumed are
    concatenated before global pooling and the classifier. At the last token the
    child is built and trained on ``dataset`` (``nas_env.evaluators.image_train``).

    With ``backend="shared"`` the reward is instead a **shared-weight estimate** (ENAS,
    ``nas_env.evaluators.image_shared``): every child is a slice of one set of weights that
    lives as long as the env; evaluating a child trains those weights on it for
    ``train_kwargs["steps"]`` minibatches (default 10) and returns its validation accuracy
    with them. It is cheap, but it is **not** the child's stand-alone accuracy and it
    **depends on the order of evaluations** (every earlier child changed the weights);
    deterministic for a seed. Re-train finalists stand-alone (``--retrain-top K``).

    ## Action Space

    ``Discrete(max_choices)`` (4 with the default choices): the index of the choice at
    the current decision. Per layer ``i``, in order:

    | Decision             | Choices (defaults)   | Actions                      |
    |----------------------|----------------------|------------------------------|
    | filter height        | 1, 3, 5, 7           | 0-3                          |
    | filter width         | 1, 3, 5, 7           | 0-3                          |
    | number of filters    | 24, 36, 48, 64       | 0-3                          |
    | stride (if searched) | 1, 2, 3              | 0-2 (3 masked)               |
    | skip from layer j<i  | no, yes              | 0-1 (2, 3 masked)            |

    Layer 0 has no skip tokens; ``num_layers=3`` gives 3*3 + 0+1+2 = 12 tokens
    (15 with ``predict_stride=True``). Masked actions follow ``invalid_action``.

    ## Observation Space

    ``MultiDiscrete([max_choices + 1] * max_length)``: slot ``i`` is 0 while token ``i``
    is open and ``action + 1`` once taken.

    ## Rewards

    0.0 for every token but the last. At the last: the child's validation accuracy
    (a fraction, on a split carved from the training data) after ``epochs`` epochs
    (``backend="shared"``: after ``steps`` minibatches on the shared weights),
    through ``reward`` (``"accuracy"``; ``"cubed"`` with ``reward_metric="max_last5"`` is
    the paper's (max val accuracy of the last 5 epochs)^3; or a callable on metrics).
    A child that fails to build (strides shrinking a map below 1x1), times out
    (``max_train_seconds``) or diverges gets ``failure_reward``. Test accuracy is in
    ``info["metrics"]``, never in the reward.

    ## Episode End

    Terminates after the last token (or a masked action under ``invalid_action="penalty"``).
    Never truncated.

    ## Info

    ``action_mask`` every step; at the end ``arch`` (e.g.
    ``"3x3-36-s1<img | 3x3-48-s1<0 | 3x3-64-s1<1"``), ``tokens`` and ``metrics``:
    ``status``, ``val_accuracy``, ``val_accuracy_final``, ``val_accuracy_max_last5``,
    ``val_accuracy_per_epoch``, ``test_accuracy``, ``cost_seconds`` (measured),
    ``params``, ``flops``, ``device``, ``epochs``, ``seed``, ``error``.

    ## Arguments

    | Argument             | Default      | Meaning                                                  |
    |----------------------|--------------|----------------------------------------------------------|
    | ``dataset``          | ``digits``   | ``digits`` (8x8, bundled), ``fashion_mnist``, ``cifar10``|
    | ``backend``          | ``train``    | ``train`` (stand-alone) or ``shared`` (weight sharing)   |
    | ``num_layers``       | ``3``        | layers, or ``(min, max)`` for a searched depth           |
    | ``predict_stride``   | ``False``    | add a stride token per layer                             |
    | ``epochs``           | ``2``        | training epochs per child (the fidelity)                 |
    | ``batch_size``       | ``64``       | training batch size                                      |
    | ``lr``               | ``0.1``      | peak SGD learning rate (Nesterov, cosine)                |
    | ``weight_decay``     | ``5e-4``     | L2 weight decay                                          |
    | ``device``           | ``auto``     | ``auto`` (CUDA if available), ``cpu``, ``cuda[:N]``      |
    | ``max_train_seconds``| ``None``     | wall-clock budget per child -> status ``timeout``        |
    | ``reward``           | ``accuracy`` | ``accuracy``, ``cubed`` or a callable on metrics         |
    | ``reward_metric``    | ``final``    | ``final`` or ``max_last5`` (paper) into ``val_accuracy`` |
    | ``data_root``        | ``None``     | directory of the dataset files                           |
    | ``filter_sizes``     | (1,3,5,7)    | filter height/width choices                              |
    | ``num_filters``      | (24,...,64)  | number-of-filters choices                                |
    | ``strides``          | (1, 2, 3)    | stride choices                                           |
    | ``train_kwargs``     | ``None``     | further ``TrainEvaluator`` kwargs (e.g. ``num_threads``);|
    |                      |              | ``shared``: ``SharedWeightEvaluator`` kwargs (``steps``, |
    |                      |              | ``warmup_steps``, ``lr``, ...)                           |
    | ``failure_reward``   | ``0.0``      | reward of a failed, timed-out, diverged or invalid child |
    | ``invalid_action``   | ``penalty``  | ``penalty`` or ``raise`` for masked actions              |
    | ``render_mode``      | ``None``     | ``None``, ``ansi`` or ``rgb_array``                      |

    Seeding goes through ``reset(seed=...)``: each child's training seed is drawn from
    the env's ``np_random``, so a seeded episode sequence trains reproducibly.

    ``backend="shared"`` uses ``dataset``, ``batch_size``, ``weight_decay``, ``device`` and
    ``data_root``; ``epochs``, ``lr`` (its own default 0.05, set it in ``train_kwargs``),
    ``max_train_seconds`` and ``reward_metric`` belong to ``backend="train"`` (the last two
    raise if set with ``shared``).
    The backends and the ``train_kwargs`` each takes are defined in :mod:`nas_env.evaluators.backends`.

    ```python
    import gymnasium as gym, nas_env
    env = gym.make("nas_env/ZophLeCNN-v0", num_layers=4, predict_stride=True, epochs=2)
    shared = gym.make("nas_env/ZophLeCNN-v0", num_layers=4, backend="shared", train_kwargs={"steps": 10})
    ```

    The NAS-Bench-201 and NAS-Bench-Macro envs train for real with
    ``backend="train"`` and the same ``TrainEvaluator`` kwargs in ``train_kwargs``,
    e.g. ``gym.make("nas_env/NB201-v0", backend="train", train_kwargs={"epochs": 2,
    "model_options": {"channels": 8, "cells_per_stage": 1}})``.
    """

    def __init__(
        self,
        dataset: str = "digits",
        num_layers: int | tuple[int, int] = 3,
        predict_stride: bool = False,
        epochs: int = 2,
        batch_size: int = 64,
        lr: float = 0.1,
        weight_decay: float = 5e-4,
        device: str = "auto",
        max_train_seconds: float | None = None,
        reward: str | RewardFn = "accuracy",
        reward_metric: str = "final",
        data_root: str | None = None,
        filter_sizes: Sequence[int] = (1, 3, 5, 7),
        num_filters: Sequence[int] = (24, 36, 48, 64),
        strides: Sequence[int] = (1, 2, 3),
        train_kwargs: Mapping[str, Any] | None = None,
        failure_reward: float = 0.0,
        invalid_action: str = "penalty",
        render_mode: str | None = None,
        backend: str = "train",
    ):
        space = ZophLeCNNSpace(
            num_layers=num_layers,
            predict_stride=predict_stride,
            filter_sizes=filter_sizes,
            num_filters=num_filters,
            strides=strides,
        )
        evaluator = make_evaluator(
            "cnn", backend, train_kwargs, space=space, dataset=dataset, epochs=epochs, batch_size=batch_size, lr=lr,
            weight_decay=weight_decay, device=device, max_train_seconds=max_train_seconds,
            reward_metric=reward_metric, data_root=data_root,
        )
        super().__init__(
            space,
            evaluator,
            reward=reward,
            failure_reward=failure_reward,
            invalid_action=invalid_action,
            render_mode=render_mode,
        )

