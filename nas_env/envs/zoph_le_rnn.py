"""``nas_env/ZophLeRNN-v0``: design a Zoph & Le recurrent cell token by token and train a language model with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nas_env.env import NASEnv
from nas_env.evaluators.backends import make_evaluator
from nas_env.rewards import RewardFn
from nas_env.spaces.zoph_le_rnn import ZophLeRNNSpace
from nas_env.training.corpora import CORPORA, check_corpus_name

__all__ = ["DEFAULT_REWARDS", "ZophLeRNNEnv"]

#: Default reward per corpus level.
DEFAULT_REWARDS: dict[str, str] = {"word": "ppl", "char": "bpc"}


class ZophLeRNNEnv(NASEnv):
    """Label every node of a tree-shaped recurrent cell, then wire in the memory ``c_{t-1}``/``c_t``.

    The search space of Zoph & Le (ICLR 2017, Section 3.4; :mod:`nas_env.spaces.zoph_le_rnn`):
    a full binary tree with ``base`` leaves; each node gets a combination and an
    activation; leaves combine ``W x_t`` and ``U h_{t-1}`` (own weights per leaf), inner
    nodes combine their two children; the "cell inject" tokens merge ``c_{t-1}`` into
    the node named by the second "cell index"; the first "cell index" names the node
    whose pre-activation becomes ``c_t``; the root's output is ``h_t``. At the last token
    a language model (embedding, the cell, softmax) is trained on ``dataset`` with
    truncated BPTT (:class:`nas_env.evaluators.lm_train.LMTrainEvaluator`).

    With ``backend="shared"`` the reward is instead a **shared-weight estimate** (ENAS,
    ``nas_env.evaluators.lm_shared``): every child is a slice of one language model
    whose weights live as long as the env (per leaf, one set of weights per combination
    choice; one embedding and softmax); evaluating a child trains those weights on it for
    ``train_kwargs["steps"]`` truncated-BPTT windows (default 10) and scores it on the
    first ``train_kwargs["val_chars"]`` (default 2048) validation tokens with them, through
    the same ``reward``. It is cheap, but it is **not** the cell's stand-alone score and it
    **depends on the order of evaluations** (every earlier child changed the weights);
    deterministic for a seed. Re-train finalists stand-alone (``--retrain-top K``).

    ## Action Space

    ``Discrete(max(4, 2*base - 1))`` (15 for base 8): the index of the choice at the
    current decision. In order, ``2 * (2*base - 1) + 4`` tokens (34 for base 8, 10 for base 2):

    | Decision                      | Choices                               | Actions (base 8)   |
    |-------------------------------|---------------------------------------|--------------------|
    | node i combination (each node)| add, elem_mult                        | 0-1 (2-14 masked)  |
    | node i activation (each node) | identity, tanh, sigmoid, relu         | 0-3 (4-14 masked)  |
    | cell inject combination       | add, elem_mult                        | 0-1                |
    | cell inject activation        | identity, tanh, sigmoid, relu         | 0-3                |
    | cell index 1: ``c_t`` node    | node 0 .. 2*base-2 (pre-activation)   | 0-14               |
    | cell index 2: inject node     | node 0 .. 2*base-2                    | 0-14               |

    Nodes are numbered level by level (leaves ``0 .. base-1``, root ``2*base - 2``).
    Masked actions follow ``invalid_action``.

    ## Observation Space

    ``MultiDiscrete([max_choices + 1] * max_length)``: slot ``i`` is 0 while token ``i``
    is open and ``action + 1`` once taken.

    ## Rewards

    0.0 for every token but the last. At the last, ``reward`` of the child's metrics
    (``backend="shared"``: its shared-weight metrics after ``steps`` windows, a shared-weight
    estimate that depends on the order of evaluations):

    | ``reward``     | value                                                                 |
    |----------------|-----------------------------------------------------------------------|
    | ``None``       | the corpus's default: ``"bpc"`` for characters, ``"ppl"`` for words   |
    | ``"ppl"``      | ``80 / val_perplexity ** 2`` (the paper's, c = 80, word-level PTB)     |
    | ``"char_ppl"`` | ``3.15 / val_perplexity ** 2``: the paper's with c scaled for          |
    |                | characters (``nas_env.rewards.CHAR_PPL_C``); not a fraction           |
    | ``"bpc"``      | ``max(0, 1 - val_bpc / log2(vocab_size))`` in [0, 1]: the fraction of |
    |                | a uniform guess's bits saved (tinyshakespeare: ``log2 65`` = 6.02)    |
    | ``"accuracy"`` | next-character (or next-word) validation accuracy, a fraction         |
    | callable       | ``fn(metrics) -> float``                                              |

    A child whose loss becomes NaN, infinite or explodes (overflowing activations),
    that times out or fails to train gets ``failure_reward``. Test perplexity is in
    ``info["metrics"]``, never in the reward.

    ## Episode End

    Terminates after the last token (or a masked action under ``invalid_action="penalty"``).
    Never truncated.

    ## Info

    ``action_mask`` every step; at the end ``arch`` (e.g.
    ``"add:tanh,elem_mult:relu,elem_mult:sigmoid|inject=add:relu@0|c_t=1"``), ``tokens`` and
    ``metrics``: ``status``, ``val_perplexity``, ``test_perplexity``, ``val_bpc``,
    ``test_bpc``, ``val_loss``, ``test_loss``, ``val_accuracy``, ``test_accuracy``,
    ``cost_seconds`` (measured), ``params``, ``cell_params``, ``epochs_completed``,
    ``steps``, ``tokens_seen``, ``stopped_by``, ``vocab_size``, ``device``, ``seed``, ``error``.
    ``backend="shared"``: the same but ``epochs_completed`` and ``stopped_by``, plus
    ``reward_kind`` (``"shared_weights"``) and ``evaluation`` (its number in the env's life).

    ## Arguments

    | Argument             | Default            | Meaning                                                     |
    |----------------------|--------------------|-------------------------------------------------------------|
    | ``base``             | ``8``              | leaves of the tree, a power of two >= 2 (paper: 8)          |
    | ``dataset``          | ``tinyshakespeare``| ``tinyshakespeare`` (chars, bundled) or ``ptb`` (words)     |
    | ``backend``          | ``train``          | ``train`` (stand-alone) or ``shared`` (weight sharing)      |
    | ``data_root``        | ``None``           | PTB directory: ``ptb.train.txt``, ``ptb.valid.txt``,        |
    |                      |                    | ``ptb.test.txt``                                            |
    | ``max_chars``        | ``100_000``        | corpus prefix (PTB: training tokens); ``None`` = all        |
    | ``seq_len``          | ``32``             | truncated-BPTT length (>= 2)                                |
    | ``batch_size``       | ``32``             | parallel columns of the training stream                     |
    | ``hidden_size``      | ``64``             | size of ``h_t`` and ``c_t``                                 |
    | ``num_layers``       | ``1``              | 1 or 2 layers of the cell                                   |
    | ``epochs``           | ``1``              | passes over the training data; ``None``: train for          |
    |                      |                    | ``max_train_seconds`` / ``max_steps``, then evaluate        |
    | ``max_train_seconds``| ``None``           | with ``epochs``: a limit (status ``timeout``); without: the |
    |                      |                    | training budget                                             |
    | ``max_steps``        | ``None``           | stop after this many optimiser steps, then evaluate         |
    | ``lr``               | ``0.01``           | Adam learning rate (``optimizer="sgd"`` in ``train_kwargs``)|
    | ``device``           | ``auto``           | ``auto`` (CUDA if available), ``cpu``, ``cuda[:N]``         |
    | ``reward``           | ``None``           | see Rewards                                                 |
    | ``train_kwargs``     | ``None``           | further ``LMTrainEvaluator`` kwargs (``dropout``,           |
    |                      |                    | ``tie_weights``, ``optimizer``, ``grad_clip``, ...);        |
    |                      |                    | ``shared``: ``SharedWeightLMEvaluator`` kwargs (``steps``,  |
    |                      |                    | ``warmup_steps``, ``val_chars``, ``optimizer``, ...)        |
    | ``failure_reward``   | ``0.0``            | reward of a failed, diverged, timed-out or invalid child    |
    | ``invalid_action``   | ``penalty``        | ``penalty`` or ``raise`` for masked actions                 |
    | ``render_mode``      | ``None``           | ``None``, ``ansi`` or ``rgb_array``                         |

    With the defaults one child (base 8, 90,000 training characters, one epoch, 88
    steps of 32 x 32 characters) trains in about 2 s on one CPU core with the fused cells
    (5-6 s with ``train_kwargs={"fast_cells": False}``, the eager loop).
    With ``backend="shared"`` (10 windows, 2048 validation and 2048 test tokens) a child
    costs about 0.3 s at the ``rnn-tinyshakespeare`` settings (``max_chars=50_000``), where a
    stand-alone child costs about 1.1 s (one loaded core; ``nas_env.benchmarks.measure.shared_rnn``).
    Seeding goes through ``reset(seed=...)``: each child's training seed is drawn from
    the env's ``np_random``.

    ``backend="shared"`` uses ``dataset``, ``data_root``, ``max_chars``, ``seq_len``,
    ``batch_size``, ``hidden_size``, ``num_layers`` and ``device``; ``epochs``,
    ``max_train_seconds``, ``max_steps`` and ``lr`` belong to ``backend="train"`` (setting
    them with ``shared`` raises: a shared child trains ``train_kwargs["steps"]`` windows,
    with its own Adam ``train_kwargs["lr"]``, default 0.001: the shared weights rank cells
    better with it than with 0.01).
    The backends and the ``train_kwargs`` each takes are defined in :mod:`nas_env.evaluators.backends`.

    ```python
    import gymnasium as gym, nas_env
    env = gym.make("nas_env/ZophLeRNN-v0", base=2, max_chars=20_000)
    shared = gym.make("nas_env/ZophLeRNN-v0", backend="shared", train_kwargs={"steps": 10})
    env = gym.make("nas_env/ZophLeRNN-v0", dataset="ptb", data_root="~/data/ptb", max_chars=None,
                   hidden_size=200, epochs=2)
    ```
    """

    def __init__(
        self,
        base: int = 8,
        dataset: str = "tinyshakespeare",
        data_root: str | None = None,
        max_chars: int | None = 100_000,
        seq_len: int = 32,
        batch_size: int = 32,
        hidden_size: int = 64,
        num_layers: int = 1,
        epochs: int | None = 1,
        max_train_seconds: float | None = None,
        max_steps: int | None = None,
        lr: float = 1e-2,
        device: str = "auto",
        reward: str | RewardFn | None = None,
        train_kwargs: Mapping[str, Any] | None = None,
        failure_reward: float = 0.0,
        invalid_action: str = "penalty",
        render_mode: str | None = None,
        backend: str = "train",
    ):
        space = ZophLeRNNSpace(base)
        evaluator = make_evaluator(
            "rnn", backend, train_kwargs, space=space, dataset=check_corpus_name(dataset), data_root=data_root,
            max_chars=max_chars, epochs=epochs, max_train_seconds=max_train_seconds, max_steps=max_steps,
            seq_len=seq_len, batch_size=batch_size, hidden_size=hidden_size, num_layers=num_layers, lr=lr,
            device=device,
        )
        self.dataset = dataset
        super().__init__(
            space,
            evaluator,
            reward=DEFAULT_REWARDS[CORPORA[dataset]] if reward is None else reward,
            failure_reward=failure_reward,
            invalid_action=invalid_action,
            render_mode=render_mode,
        )

