"""Zoph & Le's Figure 6 on recurrent cells (tinyshakespeare), with real training: the ``rnn-*`` protocols.

==============================  =========================================================================
``rnn-tinyshakespeare``         recurrent cells (``nas_env/ZophLeRNN-v0``, base 8), every child trained
                                stand-alone: reward = bits saved (``1 - val_bpc / log2 65``) after one
                                epoch on 45,000 characters; 300 evaluations per run, 5 seeds x {random,
                                REINFORCE lr 0.01} by default (about 18 min on 2 cores); report =
                                next-character test accuracy. For Figure 6 (top-k average reward vs
                                random search, with CIs over seeds).
``rnn-tinyshakespeare-paper``   the same with the paper's reward ``c / perplexity^2`` (c scaled from 80 to
                                3.15 for character perplexity, ``nas_env.rewards.CHAR_PPL_C``; reported
                                as a reward, never as a percentage) and lr 0.0006
``rnn-tinyshakespeare-shared``  the same space with ENAS-style shared weights as the search reward; each
                                run's 15 best cells under its final shared weights re-trained stand-alone
                                (as ``rnn-tinyshakespeare`` trains every cell): the final numbers
==============================  =========================================================================

``nas-env benchmark --budget`` counts evaluations (cells) under these protocols. By default they run seeds
100-104, disjoint from the seeds of every run that chose their settings (``Protocol.tuning_seeds``, named in
the notes).
"""

from __future__ import annotations

from typing import Any

from nas_env.agents.budget import Budget
from nas_env.benchmarks.protocols.base import Protocol
from nas_env.benchmarks.protocols.registry import register_protocol
from nas_env.rewards import CHAR_PPL_C

__all__ = ["RNN_FIGURE6_CELLS", "RNN_FIRST_SEED", "RNN_RETRAIN_TOP", "RNN_SHARED_STEPS", "rnn_protocol",
           "rnn_shared_protocol"]

#: Cells per run of the recurrent-cell Figure 6 protocols (5 seeds x 2 agents fit in 30 minutes on 2 cores).
RNN_FIGURE6_CELLS = 300
#: the recurrent-cell protocol keeps REINFORCE's lr 0.01 (see its notes)
_RNN_AGENT_KWARGS: dict[str, dict[str, Any]] = {"reinforce": {"lr": 0.01}}
#: rnn-tinyshakespeare-paper: the paper's lr, and its reward (80 / ppl^2) used as the signal itself
_RNN_PAPER_AGENT_KWARGS: dict[str, dict[str, Any]] = {"reinforce": {"lr": 0.0006, "reward_transform": "identity"}}

#: The reported seeds start here; every run that chose a setting of these protocols used seeds below it:
#: lr 0.01 on seed 0 (1 seed of 500 and 1,500 cells), the 5-seed runs of 0-4 that MEASUREMENTS.md reported
#: before issue 27, and CHAR_PPL_C on random search seed 900 (nas_env.rewards).
RNN_FIRST_SEED = 100
_RNN_TUNING_SEEDS = (0, 1, 2, 3, 4)

#: Shared-weight TBPTT windows per cell of ``rnn-tinyshakespeare-shared`` (the shared LM backend's default)
RNN_SHARED_STEPS = 10
#: Cells per run of ``rnn-tinyshakespeare-shared`` re-trained stand-alone: Figure 6's top 15 (as ``cnn-digits``)
RNN_RETRAIN_TOP = 15

def rnn_protocol(paper: bool) -> Protocol:
    """Zoph & Le's Figure 6 on tinyshakespeare: our reward and tuned lr, or the paper's reward and lr."""
    if paper:
        name, reward_kw, kwargs = "rnn-tinyshakespeare-paper", {"reward": "char_ppl"}, _RNN_PAPER_AGENT_KWARGS
        reward = (f"the paper's c / val_perplexity^2 with c = {CHAR_PPL_C} for character perplexity (the paper's "
                  "c = 80 was set for word perplexities of 60-80), of a 1-layer, 64-unit char LM around the cell, "
                  "trained 1 epoch (45,000 characters, Adam) on tinyshakespeare; a reward, not a percentage")
        signal = ("REINFORCE as in the paper: Adam lr 0.0006, the reward itself as the signal "
                  "(reward_transform identity). The reward's c is scaled for characters: the paper's c = 80 "
                  "was set for word-level Penn Treebank perplexities of 60-80 (rewards about 0.016); 51 random "
                  "cells here (seed 900) had character perplexity 8.3-25.3, median 13.9, where c = 80 gives "
                  f"0.12-1.16. c = 80 * (13.9 / 70)^2 = {CHAR_PPL_C} maps the median to the paper's typical "
                  "reward. The order of cells, their reward ratios and, with Adam and no entropy bonus, the "
                  "controller's updates do not depend on c (Adam is scale-free up to its epsilon); only the "
                  "printed numbers do. Tuning seeds: 900 (c; and seed 0, the 1-seed probe of issue 27); the lr "
                  "is the paper's")
        tuning, label = (0, 900), f"reward {CHAR_PPL_C} / ppl^2"
    else:
        name, reward_kw, kwargs = "rnn-tinyshakespeare", {}, _RNN_AGENT_KWARGS
        reward = ("bits saved, 1 - val_bpc / log2(65), of a 1-layer, 64-unit char LM around the cell, trained 1 "
                  "epoch (45,000 characters, Adam) on tinyshakespeare")
        signal = ("REINFORCE with Adam lr 0.01 (with the paper's 0.0006 and 500 cells it did not separate from "
                  "random search; the paper's reward and lr are the protocol rnn-tinyshakespeare-paper). Tuning "
                  "seeds: 0 (lr 0.01 chosen on one seed of 500 and 1,500 cells) and 0-4 (the runs reported before "
                  "issue 27)")
        tuning, label = _RNN_TUNING_SEEDS, ""
    return Protocol(
        name=name,
        env_id="nas_env/ZophLeRNN-v0",
        env_kwargs={"base": 8, "max_chars": 50_000, "epochs": 1, "device": "cpu", **reward_kw},
        budget=Budget(evaluations=RNN_FIGURE6_CELLS),
        reward=reward,
        cost="evaluations are counted; metrics['cost_seconds'] is the measured training time",
        reporter="env",
        agent_kwargs=kwargs,
        default_seeds=5,
        default_agents=("random", "reinforce"),
        first_seed=RNN_FIRST_SEED,
        tuning_seeds=tuning,
        reward_label=label,
        notes="Zoph & Le's Figure 6 on their recurrent-cell space (base 8, 34 tokens) at laptop size: compare "
        f"the top-1/5/15 average reward of REINFORCE with random search's over seeds. {signal}. Every child is "
        "trained stand-alone from scratch (the fused cell step program, nas_env.models.rnn_fused; about 0.9 s "
        f"per child on one core), {RNN_FIGURE6_CELLS} cells per run, so the default 5 seeds (100-104, disjoint "
        "from the tuning seeds) x {random, reinforce} take about 20-25 minutes on 2 quiet cores (40 minutes "
        "measured on a 2-vCPU Intel Xeon at load average 7-10). Some random cells "
        "diverge (failure reward 0). "
        "The reported number is the best cell's next-character test accuracy. Reference cells (training seed "
        "0): tanh RNN 0.524 (2.87 bpc), LSTM 0.428.",
    )


def rnn_shared_protocol() -> Protocol:
    """Figure 6 on recurrent cells with shared-weight rewards; the 15 best cells re-trained stand-alone."""
    stand_alone = rnn_protocol(paper=False)
    return Protocol(
        name="rnn-tinyshakespeare-shared",
        env_id="nas_env/ZophLeRNN-v0",
        env_kwargs={"base": 8, "max_chars": 50_000, "device": "cpu", "backend": "shared",
                    "train_kwargs": {"steps": RNN_SHARED_STEPS, "num_threads": 1, "evaluate_test": False}},
        budget=Budget(evaluations=RNN_FIGURE6_CELLS),
        reward=(f"bits saved, 1 - val_bpc / log2(65), of the cell in a shared-weight char LM (ENAS-style: each cell "
                f"trains one set of shared weights for {RNN_SHARED_STEPS} windows of 32 x 32 characters, then is "
                "measured on 2,048 validation characters with them): an estimate that depends on the order of "
                "evaluations, not the cell's stand-alone reward"),
        cost="evaluations are counted; metrics['cost_seconds'] is the measured time of each cell's windows",
        reporter="env",
        agent_kwargs=stand_alone.agent_kwargs,
        default_seeds=5,
        default_agents=("random", "reinforce"),
        retrain_top=RNN_RETRAIN_TOP,
        retrain_epochs=1,
        first_seed=RNN_FIRST_SEED,
        tuning_seeds=_RNN_TUNING_SEEDS,
        notes="rnn-tinyshakespeare's Figure 6 (the same space, corpus, LM and REINFORCE lr 0.01) with ENAS-style "
        "weight sharing (nas_env.evaluators.lm_shared) as the search reward: each agent's run has its own shared "
        f"weights, trained only on the cells it samples ({RNN_FIGURE6_CELLS} per run). After the search every "
        f"distinct cell is measured with the run's final shared weights and the {RNN_RETRAIN_TOP} best are "
        "re-trained stand-alone exactly as rnn-tinyshakespeare trains every cell (1 epoch, seed 0): their "
        "stand-alone rewards (bits saved) give the top-1/5/15 averages and the best one's next-character test "
        "accuracy is the reported number. The search-time curves show shared-weight estimates, each agent's "
        "from its own weights: compare agents on the re-trained numbers. Reported seeds 100-104; tuning seeds "
        "0-4 (lr 0.01 as rnn-tinyshakespeare; the runs reported before issue 27).",
    )


register_protocol(rnn_protocol(paper=False))
register_protocol(rnn_protocol(paper=True))
register_protocol(rnn_shared_protocol())
