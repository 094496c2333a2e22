"""Tutorial 3: the controller, equation by equation (companion script of docs/03_controller_equation_by_equation.md).

Zoph & Le's LSTM controller and its REINFORCE update, checked step by step on NAS-Bench-201
and on the Zoph & Le CNN grammar: sample a batch, recompute its log-probabilities, check the
anchor-point sigmoid, take one policy-gradient step by hand and watch the probability of the
rewarded architecture rise, then let the real agent run a few updates.

    python docs/tutorials/03_controller_equation_by_equation.py          # ~5 s
    python docs/tutorials/03_controller_equation_by_equation.py --quick
"""

from __future__ import annotations

import argparse
import math

import gymnasium as gym
import numpy as np
import torch
from torch.nn import functional as F

import nas_env  # registers the nas_env/* ids
from nas_env.agents import Budget, make_agent, play_tokens
from nas_env.agents.controller import Controller


def sample_and_score(controller: Controller, m: int, generator: torch.Generator) -> dict:
    """Equations 1-3: sample m architectures in one batch; recompute log P(a_1..a_T) by teacher forcing."""
    out = controller.sample(m, generator)  # one LSTM call per token position for the whole batch
    print(f"sampled {m} architectures; tokens of the first: {out.tokens[0]}")
    print(f"log P(a_1..a_T) per architecture: {[round(x, 3) for x in out.log_prob.tolist()]}")
    print(f"uniform policy would give T * log(1/5) = {6 * math.log(1 / 5):.3f}")
    again = controller.evaluate(out.tokens)  # teacher forcing: the same tokens, read back
    assert torch.allclose(out.log_prob, again.log_prob, atol=1e-5), "sampling and teacher forcing disagree"
    print(f"entropy per token: {(out.entropy / out.num_tokens).tolist()[0]:.4f} nats (max log 5 = {math.log(5):.4f})")
    probs = controller.decision_probs(out.tokens[0])  # the softmax of every decision along the first sample
    print("P(choice) at the first decision:", [round(p, 3) for p in probs[0]])
    return {"tokens": out.tokens, "log_prob": out.log_prob.detach(), "evaluate_log_prob": again.log_prob.detach()}


def anchor_point_attention(seed: int = 0) -> dict:
    """Equation 4: P(j -> i) = sigmoid(v^T tanh(W_prev h_j + W_curr h_i)) is the controller's 2-way softmax."""
    space = nas_env.ZophLeCNNSpace(num_layers=3)
    controller = Controller(space, generator=torch.Generator().manual_seed(seed))
    print("decision types (one embedding + one softmax head each):", controller.types)
    h_j, h_i = torch.randn(1, 35), torch.randn(1, 35)  # stand-ins for layer j's anchor state and the current state
    with torch.no_grad():
        score = controller.v(torch.tanh(controller.w_prev(h_j) + controller.w_curr(h_i))).squeeze(-1)
        p_sigmoid = torch.sigmoid(score)
        logits = torch.stack([torch.zeros_like(score), score], dim=-1)  # what agents/controller.py feeds its softmax
        p_softmax = F.softmax(logits, dim=-1)[:, 1]
    assert torch.allclose(p_sigmoid, p_softmax)
    print(f"sigmoid(score) = {p_sigmoid.item():.6f} = softmax([0, score])[1] = {p_softmax.item():.6f}")
    tokens = space.sample(np.random.default_rng(seed))
    decisions = space.decisions(tokens)
    probs = controller.decision_probs(tokens)
    skips = [(d.name, round(p[1], 3)) for d, p in zip(decisions, probs, strict=True) if d.skip]
    print("P(skip) at each anchor point of a sampled 3-layer CNN:", skips)
    return {"sigmoid": float(p_sigmoid), "softmax": float(p_softmax), "skips": skips}


def one_update_by_hand(seed: int = 0, m: int = 8, lr: float = 0.01) -> dict:
    """Equations 5-6: one REINFORCE step with the EMA baseline; P(best of the batch) rises, P(worst) falls."""
    env = gym.make("nas_env/NB201-v0")  # reward: validation accuracy (fraction)
    env.reset(seed=seed)
    space = env.unwrapped.space
    generator = torch.Generator().manual_seed(seed)
    controller = Controller(space, generator=generator)
    optimizer = torch.optim.Adam(controller.parameters(), lr=lr)
    out = controller.sample(m, generator)
    rewards = np.array([play_tokens(env, tokens)[0] for tokens in out.tokens])
    signal = rewards**3  # the paper's CIFAR signal (reward_transform="cubed")
    baseline = float(signal.mean())  # the agent starts its EMA at the first batch's mean
    adv = torch.as_tensor(signal - baseline, dtype=torch.float32)
    loss = -(adv * out.log_prob).mean()  # (1/m) sum_k (R_k - b) * log P(a^k); its gradient is REINFORCE's
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    best, worst = int(rewards.argmax()), int(rewards.argmin())
    before = out.log_prob.detach()
    after = controller.evaluate(out.tokens).log_prob.detach()
    for name, k in (("best", best), ("worst", worst)):
        print(f"{name:>5} of the batch: reward {rewards[k]:.4f}, advantage {adv[k]:+.4f}, "
              f"log P {before[k]:.4f} -> {after[k]:.4f} ({after[k] - before[k]:+.4f})")
    decay = 0.9
    baseline = decay * baseline + (1 - decay) * float(signal.mean())
    print(f"EMA baseline after the update: {baseline:.4f} (of the cubed signal)")
    env.close()
    return {"rewards": rewards, "before": before, "after": after, "best": best, "worst": worst}


def few_updates_with_the_agent(budget: int, seed: int = 0) -> dict:
    """The same loop inside agents/reinforce.py: entropy per token falls, P(best found) rises."""
    env = gym.make("nas_env/NB201-v0")
    agent = make_agent("reinforce", lr=0.01)  # NATS-Bench's rate; the paper's 0.0006 needs far more updates
    result = agent.run(env, Budget(evaluations=budget), seed=seed)
    diag, snaps = result.extras["diagnostics"], result.extras["snapshots"]
    print(f"{len(diag['update'])} updates of m={agent.config.m}: entropy per token "
          f"{diag['entropy_per_token'][0]:.3f} -> {diag['entropy_per_token'][-1]:.3f} nats; "
          f"P(best architecture found) {snaps['prob_best'][0]:.2e} -> {snaps['prob_best'][-1]:.2e}")
    print(f"best: {result.best.arch} reward {result.best.reward:.4f}")
    env.close()
    return {"entropy": diag["entropy_per_token"], "prob_best": snaps["prob_best"]}


def main(quick: bool = False) -> dict:
    """Run every section; ``quick`` shrinks the agent's budget."""
    torch.manual_seed(0)
    space = gym.make("nas_env/NB201-v0").unwrapped.space
    controller = Controller(space, generator=torch.Generator().manual_seed(0))
    print("\n== 1-3. sample a batch, score it ==")
    sampled = sample_and_score(controller, m=4, generator=torch.Generator().manual_seed(1))
    print("\n== 4. anchor-point attention ==")
    anchor = anchor_point_attention()
    print("\n== 5-6. one REINFORCE step by hand ==")
    step = one_update_by_hand()
    print("\n== the agent: a few updates ==")
    run = few_updates_with_the_agent(budget=120 if quick else 400)
    return {"sampled": sampled, "anchor": anchor, "step": step, "run": run}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller budget for the agent")
    main(quick=parser.parse_args().quick)
