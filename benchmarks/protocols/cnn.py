"""Zoph & Le's Figure 6 on their CNN space (digits), with shared-weight search rewards: the ``cnn-*`` protocols.

==========================  =============================================================================
``cnn-digits``              the Zoph & Le CNN space (``nas_env/ZophLeCNN-v0``, 4 layers, digits) with
                            ENAS-style **shared weights** as the search reward, 300 children per run, 5
                            seeds x {random, REINFORCE lr 0.01}; each run's 15 best children under its
                            final shared weights are re-trained stand-alone (2 epochs), and those
                            re-trained numbers are the final ones (Figure 6 on the re-trained numbers)
==========================  =============================================================================

``nas-env benchmark --budget`` counts evaluations (children) under this protocol.

Also here: :func:`shared_env_kwargs`, the README demo's search on ``backend="shared"``, which the measurement
scripts ``weight_sharing`` and ``cuda_check`` run.
"""

from __future__ import annotations

from typing import Any

from nas_env.agents.budget import Budget
from nas_env.benchmarks.protocols.base import Protocol
from nas_env.benchmarks.protocols.registry import register_protocol

__all__ = ["CNN_FIGURE6_CHILDREN", "CNN_RETRAIN_EPOCHS", "CNN_RETRAIN_TOP", "CNN_SHARED_STEPS", "README_DEMO_KWARGS",
           "cnn_protocol", "shared_env_kwargs"]

#: Children per run of ``cnn-digits`` (shared-weight rewards), finalists re-trained, and their epochs.
CNN_FIGURE6_CHILDREN = 300
CNN_RETRAIN_TOP = 15
CNN_RETRAIN_EPOCHS = 2
#: Shared-weight minibatches per child of ``cnn-digits`` (as ``python -m nas_env.benchmarks.measure.weight_sharing``)
CNN_SHARED_STEPS = 2
#: REINFORCE's lr under ``cnn-digits``: the README demo's 0.01 on this space, NOT tuned under this protocol
_CNN_AGENT_KWARGS: dict[str, dict[str, Any]] = {"reinforce": {"lr": 0.01}}
#: The README demo's env kwargs on this space (REINFORCE lr 0.01, 96 children: 1 stand-alone epoch each)
README_DEMO_KWARGS: dict[str, Any] = {"num_layers": 4, "epochs": 1}


def cnn_protocol() -> Protocol:
    """Figure 6 on the Zoph & Le CNN space: shared-weight search rewards, re-trained finalists as final numbers."""
    return Protocol(
        name="cnn-digits",
        env_id="nas_env/ZophLeCNN-v0",
        env_kwargs={"num_layers": 4, "epochs": CNN_RETRAIN_EPOCHS, "device": "cpu", "backend": "shared",
                    "train_kwargs": {"steps": CNN_SHARED_STEPS, "num_threads": 1, "evaluate_test": False}},
        budget=Budget(evaluations=CNN_FIGURE6_CHILDREN),
        reward=(f"shared-weight validation accuracy on digits (ENAS-style: each child trains one set of shared "
                f"weights for {CNN_SHARED_STEPS} minibatches of 64, then is measured with them): an estimate that "
                "depends on the order of evaluations, not the child's stand-alone accuracy"),
        cost="evaluations are counted; metrics['cost_seconds'] is the measured time of each child's minibatches",
        reporter="env",
        agent_kwargs=_CNN_AGENT_KWARGS,
        default_seeds=5,
        default_agents=("random", "reinforce"),
        retrain_top=CNN_RETRAIN_TOP,
        retrain_epochs=CNN_RETRAIN_EPOCHS,
        notes="Zoph & Le's Figure 6 on their CNN space (4 layers; filter sizes 1/3/5/7, 24/36/48/64 filters, skip "
        "connections) on scikit-learn's digits, with ENAS-style weight sharing (Pham et al., 2018) as the search "
        f"reward. Each agent's run has its own shared weights, trained only on the children it samples "
        f"({CNN_FIGURE6_CHILDREN} per run; random search with shared weights is Li & Talwalkar's RS-WS). "
        f"After the search, every distinct child of the run is measured with the run's final shared weights "
        f"and the {CNN_RETRAIN_TOP} best are re-trained stand-alone from scratch ({CNN_RETRAIN_EPOCHS} epochs, "
        "seed 0, nas_env.evaluators.image_train): the top-1/5/15 averages of those stand-alone validation "
        "accuracies and the test accuracy of the best re-trained one are the final numbers. The search-time "
        "curves (anytime, top-k over samples) show shared-weight estimates, each agent's from its own shared "
        "weights (a focused controller also raises its own estimates): compare agents on the re-trained "
        "numbers. REINFORCE: Adam lr 0.01, the README demo's setting on this space, not tuned under this "
        "protocol. 5 seeds x {random, reinforce} take about 20 minutes on 2 cores.",
    )


def shared_env_kwargs(steps: int = 2, warmup_steps: int = 0, threads: int | None = 2, val_samples: int | None = None,
                      **train_kwargs: Any) -> dict[str, Any]:
    """The README demo's search on ``backend="shared"`` with no per-child test pass (``threads`` ``None``: torch's
    default; ``train_kwargs``: e.g. ``device``), as ``python -m nas_env.benchmarks.measure.weight_sharing`` runs it."""
    train = {"steps": steps, "warmup_steps": warmup_steps, "evaluate_test": False, **train_kwargs,
             **({} if threads is None else {"num_threads": threads}),
             **({} if val_samples is None else {"val_samples": val_samples})}
    return {**README_DEMO_KWARGS, "backend": "shared", "train_kwargs": train}


register_protocol(cnn_protocol())
