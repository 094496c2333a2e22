"""Checks of a run's env that :meth:`nas_env.benchmarks.run.search.SearchRun.open` makes before writing anything.

``gym.make`` accepts some kwargs that only fail once the search has started: a ``render_mode``
the env does not draw itself (``"human"`` is wrapped lazily and needs pygame at the first
``reset``), or a reward that needs a metric the evaluator does not report (``reward="ppl"`` on a
table of accuracies fails at the first evaluation). Both are refused here with a ``ValueError``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["check_env"]


def check_env(env: gym.Env) -> None:
    """Raise ``ValueError`` for a render mode the env cannot use or a reward its evaluator cannot pay."""
    base: Any = env.unwrapped
    modes = list(base.metadata.get("render_modes", []))
    if env.render_mode is not None and env.render_mode not in modes:
        raise ValueError(f"render_mode {env.render_mode!r} is not supported by {env.spec.id if env.spec else base}; "
                         f"valid: {modes} or None (a search renders nothing)")
    evaluator = getattr(base, "evaluator", None)
    if evaluator is None or evaluator.expensive or getattr(evaluator, "stateful", False):
        # a training env's reward is checked at its first evaluation (env.finish names the metric); a
        # stateful one (shared weights) must not be trained on a child the search never chose
        return
    tokens = base.space.sample(np.random.default_rng(0))  # a cheap evaluator: try the reward on one child
    metrics = evaluator.evaluate(base.space.decode(tokens), seed=0)
    if metrics.get("status") == "ok":
        try:
            base.reward_fn(metrics)
        except KeyError as exc:
            raise ValueError(f"reward {base.reward_spec!r} needs metrics[{exc}], which {type(evaluator).__name__} "
                             f"does not report (its metrics: {sorted(metrics)}); valid rewards for it: "
                             "'accuracy', 'cubed' or a callable") from exc
