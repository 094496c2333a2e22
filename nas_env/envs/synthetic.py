"""``nas_env/Synthetic-v0``: a seeded synthetic objective over a grid of decisions (tests, teaching)."""

from __future__ import annotations

from nas_env.env import NASEnv
from nas_env.evaluators.synthetic import SyntheticEvaluator
from nas_env.rewards import RewardFn
from nas_env.spaces.decisions import DecisionSpace
from nas_env.validation import check_int


class SyntheticEnv(NASEnv):
    """Pick a value for each of ``num_decisions`` decisions; the score has main effects and interactions.

    Instant, deterministic for a ``seed`` (unless ``noise > 0``), with structure an
    agent can learn: per-position main effects plus sparse pairwise interactions
    (see :class:`nas_env.evaluators.SyntheticEvaluator`).

    ## Action Space

    ``Discrete(num_choices)``: the value of the current decision (``x0``, ``x1``, ...).

    ## Observation Space

    ``MultiDiscrete([num_choices + 1] * num_decisions)``: 0 while open, ``value + 1`` once chosen.

    ## Rewards

    0.0 until the last decision, then the synthetic validation accuracy in [0.10, 0.95]
    through ``reward``. ``test_accuracy`` differs slightly (a fixed per-architecture shift).

    ## Episode End

    Terminates after ``num_decisions`` steps. Never truncated.

    ## Arguments

    | Argument          | Default      | Meaning                                              |
    |-------------------|--------------|------------------------------------------------------|
    | ``num_decisions`` | ``8``        | number of decisions (episode length)                 |
    | ``num_choices``   | ``4``        | choices per decision                                 |
    | ``seed``          | ``0``        | seed of the objective's coefficients                 |
    | ``noise``         | ``0.0``      | std of Gaussian noise on the signal (env RNG)        |
    | ``reward``        | ``accuracy`` | ``accuracy``, ``cubed`` or a callable                |
    | ``failure_reward``| ``0.0``      | reward of an invalid child                           |
    | ``invalid_action``| ``penalty``  | ``penalty`` or ``raise``                             |
    | ``render_mode``   | ``None``     | ``None``, ``ansi`` or ``rgb_array``                  |
    """

    def __init__(
        self,
        num_decisions: int = 8,
        num_choices: int = 4,
        seed: int = 0,
        noise: float = 0.0,
        reward: str | RewardFn = "accuracy",
        failure_reward: float = 0.0,
        invalid_action: str = "penalty",
        render_mode: str | None = None,
    ):
        check_int("num_decisions", num_decisions)
        check_int("num_choices", num_choices)
        space = DecisionSpace(
            [(f"x{i}", list(range(num_choices))) for i in range(num_decisions)], name="synthetic"
        )
        super().__init__(
            space,
            SyntheticEvaluator(space, seed=seed, noise=noise),
            reward=reward,
            failure_reward=failure_reward,
            invalid_action=invalid_action,
            render_mode=render_mode,
        )
