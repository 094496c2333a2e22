# %% [markdown]
# # 3. The controller, equation by equation
#
# Source: [`tutorials/03_controller_equation_by_equation.py`](tutorials/03_controller_equation_by_equation.py), one
# file that is this page, [its notebook](notebooks/03_controller_equation_by_equation.ipynb) and a script
# (`python docs/tutorials/03_controller_equation_by_equation.py`, a few seconds).
#
# Zoph & Le ("Neural Architecture Search with Reinforcement Learning", ICLR 2017) generate a child network
# with a recurrent **controller**: an LSTM that emits the architecture one token at a time, trained with
# **REINFORCE** to maximise the expected validation accuracy of the children it samples. This page puts each
# equation next to the lines of [`agents/controller.py`](../agents/controller.py) and
# [`agents/reinforce.py`](../agents/reinforce.py) that implement it. Every code block headed
# `# file:lines` is a verbatim quote (common indentation removed); `tests/project/test_tutorials.py` checks that the quoted
# lines are still at those line numbers, so this page cannot silently drift from the code.
#
# Notation: an architecture is a token sequence `a_1 .. a_T`; the env's grammar (`nas_env.spaces`) says which
# decision `d_t` comes at position `t` (its *type*, e.g. `op` on NAS-Bench-201, `filter_height` or `skip` on
# the Zoph & Le CNN space, and its number of choices).

# %% tags=["install"]
# Setup for a hosted notebook (Colab, Binder, ...); where nas_env already imports, it does nothing.
# nas-env is not on PyPI: it installs what NAS_ENV_PIP names (a wheel built in a checkout with
# `pip wheel --no-deps .`, a git URL or a checkout's path), else the checkout this notebook sits in.
import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

if importlib.util.find_spec("nas_env") is None:
    here = [Path.cwd(), *Path.cwd().parents]
    source = os.environ.get("NAS_ENV_PIP") or next((str(d) for d in here if (d / "nas_env").is_dir()), None)
    if source is None:
        raise RuntimeError("nas-env is not installed, and not on PyPI: set os.environ['NAS_ENV_PIP'] to a wheel, "
                           "a git URL or the path of a checkout, then run this cell again")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", source], check=True)
    importlib.invalidate_caches()

# %%
import math

import gymnasium as gym
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch.nn import functional as F

import nas_env  # registers the nas_env/* ids
from nas_env.agents import Budget, make_agent, play_tokens
from nas_env.agents.controller import Controller

torch.manual_seed(0)
nb201 = gym.make("nas_env/NB201-v0").unwrapped.space
controller = Controller(nb201, generator=torch.Generator().manual_seed(0))
print("decision types:", controller.types)

# %% [markdown]
# ## 1. The LSTM reads the previous token
#
# At step `t` the controller feeds the embedding of the previous token `a_{t-1}` (looked up in the embedding
# table of *that token's decision type*; a learned start vector at `t = 1`) into a 2-layer LSTM with 35 units
# per layer:
#
# ```
# x_t = E_{type(d_{t-1})}[a_{t-1}]       (x_1 = start)
# h_t^(1), c_t^(1) = LSTMCell_1(x_t,     h_{t-1}^(1), c_{t-1}^(1))
# h_t^(2), c_t^(2) = LSTMCell_2(h_t^(1), h_{t-1}^(2), c_{t-1}^(2))        h_t := h_t^(2)
# ```
#
# The parameters: a start vector, one embedding table and one softmax head per decision type, two LSTM cells.
#
# ```python
# # agents/controller.py:95-100
# self.start = nn.Parameter(torch.empty(1, emb))
# self.embeddings = nn.ModuleDict({self._key(t): nn.Embedding(n, emb) for t, n in self.types.items()})
# self.heads = nn.ModuleDict({self._key(t): nn.Linear(hidden_size, n) for t, n in self.types.items()})
# self.cells = nn.ModuleList(
#     [nn.LSTMCell(emb if i == 0 else hidden_size, hidden_size) for i in range(num_layers)]
# )
# ```
#
# All weights start uniform in `[-0.08, 0.08]`, as in the paper:
#
# ```python
# # agents/controller.py:105-106
# for p in self.parameters():
#     nn.init.uniform_(p, -init_range, init_range, generator=generator)
# ```
#
# The input is the embedding of each row's previous token, looked up in the table of that token's type (`self.embeddings[...]`, lines 159-165; rows of the batch that faced the same decision type share one lookup). Then one LSTM step for the whole batch:
#
# ```python
# # agents/controller.py:170-176
# for layer, cell in enumerate(self.cells):
#     h, c = cell(inp, (hs[layer], cs[layer]))
#     new_h.append(h)
#     new_c.append(c)
#     inp = h
# hs, cs = new_h, new_c
# out = hs[-1]
# ```

# %% [markdown]
# ## 2. A softmax head per decision type
#
# An ordinary decision of type `τ` with `n` choices is a softmax over a linear head of the top LSTM output:
#
# ```
# P(a_t = k | a_<t) = softmax(W_τ h_t + b_τ)_k,     k = 0 .. n-1
# ```
#
# In the code that is `self.heads[...]` of the decision's type applied to the top LSTM output `h_rows` (agents/controller.py, line 201; the heads themselves are created in line 96 above).
#
# When decisions of one type have different numbers of choices (variable grammars), the extra logits are
# masked to `-inf` (lines 202-209). Then the log-softmax, the sampled (or teacher-forced) choice, its
# log-probability and the entropy of the distribution:
#
# ```python
# # agents/controller.py:214-216
# logp_all = F.log_softmax(logits, dim=-1)
# if forced is None:
#     choice = torch.multinomial(logp_all.detach().exp(), 1, generator=generator).squeeze(-1)
# ```
#
# ```python
# # agents/controller.py:219-221
# lp = logp_all.gather(1, choice[:, None]).squeeze(1)
# p_all = logp_all.exp()
# ent = -(p_all * logp_all.masked_fill(p_all == 0, 0.0)).sum(-1)
# ```
#
# `lp` is summed over positions into `log P(a_1..a_T) = Σ_t log P(a_t | a_<t)` (`ControllerOutput.log_prob`).
# Below, sampling and teacher forcing (`Controller.evaluate`) give the same log-probabilities, and a fresh
# controller is nearly uniform: on NAS-Bench-201 (6 decisions of 5 choices)
# `log P ≈ 6 log(1/5) = -9.657` and the entropy per token is `≈ log 5 = 1.609` nats.

# %%
m = 4
out = controller.sample(m, torch.Generator().manual_seed(1))  # one LSTM call per token position for the batch
print(f"sampled {m} architectures; tokens of the first: {out.tokens[0]}")
print(f"log P(a_1..a_T) per architecture: {[round(x, 3) for x in out.log_prob.tolist()]}")
print(f"uniform policy would give T * log(1/5) = {6 * math.log(1 / 5):.3f}")
again = controller.evaluate(out.tokens)  # teacher forcing: the same tokens, read back
assert torch.allclose(out.log_prob, again.log_prob, atol=1e-5), "sampling and teacher forcing disagree"
print(f"entropy per token: {(out.entropy / out.num_tokens).tolist()[0]:.4f} nats (max log 5 = {math.log(5):.4f})")
probs = controller.decision_probs(out.tokens[0])  # the softmax of every decision along the first sample
print("P(choice) at the first decision:", [round(p, 3) for p in probs[0]])

# %% [markdown]
# ## 3. Skip connections: anchor-point attention
#
# In the Zoph & Le CNN space layer `i` has one binary *skip* decision per earlier layer `j` ("does layer `j`
# feed layer `i`?"). Instead of a softmax head, the paper scores it with an attention between the **anchor
# state** `h_j` of layer `j` and the current state `h_i`:
#
# ```
# P(j -> i) = sigmoid(v^T tanh(W_prev h_j + W_curr h_i))
# ```
#
# ```python
# # agents/controller.py:102-104
# self.w_prev = nn.Linear(hidden_size, hidden_size, bias=False)
# self.w_curr = nn.Linear(hidden_size, hidden_size, bias=False)
# self.v = nn.Linear(hidden_size, 1, bias=False)
# ```
#
# The anchor state of layer `j` is recorded when the LSTM has just read layer `j`'s last ordinary token (the
# paper leaves the exact point open; the module docstring states the choice):
#
# ```python
# # agents/controller.py:182
# anchors[r][self._layer_of(pd, skip_targets[r])] = out[r]
# ```
#
# and the sigmoid is written as a two-way softmax over `[0, score]`, because
# `softmax([0, s])_1 = e^s / (1 + e^s) = sigmoid(s)`; that way skip decisions go through the same
# log-softmax, sampling and entropy lines as every other decision:
#
# ```python
# # agents/controller.py:199-200
# score = self.v(torch.tanh(self.w_prev(h_src) + self.w_curr(h_rows))).squeeze(-1)
# logits = torch.stack([torch.zeros_like(score), score], dim=-1)  # softmax = [1-sig, sig]
# ```
#
# Below, the sigmoid computed both ways on random states, and the skip probabilities of a 3-layer CNN (all
# ≈ 0.5 for an untrained controller):

# %%
cnn = nas_env.ZophLeCNNSpace(num_layers=3)
cnn_controller = Controller(cnn, generator=torch.Generator().manual_seed(0))
print("decision types (one embedding + one softmax head each):", cnn_controller.types)
h_j, h_i = torch.randn(1, 35), torch.randn(1, 35)  # stand-ins for layer j's anchor state and the current state
with torch.no_grad():
    score = cnn_controller.v(torch.tanh(cnn_controller.w_prev(h_j) + cnn_controller.w_curr(h_i))).squeeze(-1)
    p_sigmoid = torch.sigmoid(score)
    logits = torch.stack([torch.zeros_like(score), score], dim=-1)  # what agents/controller.py feeds its softmax
    p_softmax = F.softmax(logits, dim=-1)[:, 1]
assert torch.allclose(p_sigmoid, p_softmax)
print(f"sigmoid(score) = {p_sigmoid.item():.6f} = softmax([0, score])[1] = {p_softmax.item():.6f}")
tokens = cnn.sample(np.random.default_rng(0))
skips = [(d.name, round(p[1], 3)) for d, p in zip(cnn.decisions(tokens), cnn_controller.decision_probs(tokens),
                                                  strict=True) if d.skip]
print("P(skip) at each anchor point of a sampled 3-layer CNN:", skips)

# %% [markdown]
# ## 4. REINFORCE with a baseline
#
# The controller's parameters `θ` maximise `J(θ) = E_{a ~ P_θ}[R(a)]`. With `m` sampled architectures per
# update, the paper's estimate of the gradient is
#
# ```
# ∇_θ J ≈ (1/m) Σ_{k=1..m} Σ_{t=1..T} ∇_θ log P(a_t^k | a_<t^k; θ) (R_k − b)
# ```
#
# where `R_k` is the training signal of child `k` (the paper's CIFAR signal is the validation accuracy cubed)
# and `b` a baseline that lowers the variance without biasing the gradient. Each update in
# `Reinforce.search`:
#
# 1. samples `m` architectures as one batch (one LSTM call per position for the whole batch):
#
# ```python
# # agents/reinforce.py:183
# out = self.controller.sample(c.m, self.generator, space=space)
# ```
#
# 2. plays each through the env, which trains (or looks up) the child and returns its reward:
#
# ```python
# # agents/reinforce.py:191
# reward, info = play_tokens(play_env, tokens)
# ```
#
# 3. turns rewards into the signal `R_k` (`reward_transform`, `"cubed"` by default):
#
# ```python
# # agents/reinforce.py:44
# "cubed": lambda r: r**3,  # the paper's CIFAR signal: (max validation accuracy)^3
# ```
#
# 4. forms the advantages `R_k − b` and the loss whose gradient is the estimate above (`out.log_prob` already
#    holds `Σ_t log P(a_t | a_<t)`; `.mean()` is the `1/m`; the minus sign turns gradient *ascent* on `J` into
#    the optimizer's descent; the entropy bonus is off by default, as in the paper):
#
# ```python
# # agents/reinforce.py:217-226
# signal = transform(np.asarray(rewards, dtype=np.float64))
# if self.baseline is None:
#     self.baseline = float(signal.mean())
# adv = torch.as_tensor(signal - self.baseline, dtype=torch.float32)
# ent_per_token = out.entropy / out.num_tokens
# loss = -(adv * out.log_prob).mean() - c.entropy_coef * ent_per_token.mean()
# if c.lr > 0:  # (lr 0, the no-learning ablation: Adam would move nothing; skip the backward)
#     self.optimizer.zero_grad()
#     loss.backward()
#     self.optimizer.step()
# ```
#
# Adam with the paper's learning rate 0.0006 is the default (`ReinforceConfig.lr`).

# %% [markdown]
# ## 5. The exponential-moving-average baseline
#
# The paper's baseline is "an exponential moving average of the previous architecture accuracies". After each
# update:
#
# ```
# b ← β b + (1 − β) mean_k R_k          (β = baseline_decay = 0.9; the paper does not give its value)
# ```
#
# ```python
# # agents/reinforce.py:227
# self.baseline = c.baseline_decay * self.baseline + (1 - c.baseline_decay) * float(signal.mean())
# ```
#
# Note the order: the advantages of a batch use the baseline *before* that batch moves it (and the very first
# batch starts the average at its own mean, so its advantages are centred).

# %% [markdown]
# ## 6. Watching it work
#
# One update by hand on NAS-Bench-201 (m = 8, Adam lr 0.01) and recomputes the log-probabilities
# of the same 8 architectures afterwards. The architecture with a positive advantage becomes more probable, the one with a negative advantage less:

# %%
env = gym.make("nas_env/NB201-v0")  # reward: validation accuracy (fraction)
env.reset(seed=0)
generator = torch.Generator().manual_seed(0)
policy = Controller(env.unwrapped.space, generator=generator)
optimizer = torch.optim.Adam(policy.parameters(), lr=0.01)
batch = policy.sample(8, generator)
rewards = np.array([play_tokens(env, tokens)[0] for tokens in batch.tokens])
signal = rewards**3  # the paper's CIFAR signal (reward_transform="cubed")
baseline = float(signal.mean())  # the agent starts its EMA at the first batch's mean
adv = torch.as_tensor(signal - baseline, dtype=torch.float32)
loss = -(adv * batch.log_prob).mean()  # (1/m) sum_k (R_k - b) * log P(a^k); its gradient is REINFORCE's
optimizer.zero_grad()
loss.backward()
optimizer.step()
best, worst = int(rewards.argmax()), int(rewards.argmin())
before = batch.log_prob.detach()
after = policy.evaluate(batch.tokens).log_prob.detach()
for name, k in (("best", best), ("worst", worst)):
    print(f"{name:>5} of the batch: reward {rewards[k]:.4f}, advantage {adv[k]:+.4f}, "
          f"log P {before[k]:.4f} -> {after[k]:.4f} ({after[k] - before[k]:+.4f})")
baseline = 0.9 * baseline + (1 - 0.9) * float(signal.mean())
print(f"EMA baseline after the update: {baseline:.4f} (of the cubed signal)")

# %% [markdown]
# Then the real agent (`make_agent("reinforce", lr=0.01)`, 400 evaluations): the entropy per token falls from the
# uniform 1.609 nats and the probability of the best architecture found rises by orders of magnitude.

# %%
agent = make_agent("reinforce", lr=0.01)  # NATS-Bench's rate; the paper's 0.0006 needs far more updates
result = agent.run(gym.make("nas_env/NB201-v0"), Budget(evaluations=400), seed=0)
diag, snaps = result.extras["diagnostics"], result.extras["snapshots"]
print(f"{len(diag['update'])} updates of m={agent.config.m}: entropy per token "
      f"{diag['entropy_per_token'][0]:.3f} -> {diag['entropy_per_token'][-1]:.3f} nats; "
      f"P(best architecture found) {snaps['prob_best'][0]:.2e} -> {snaps['prob_best'][-1]:.2e}")
print(f"best: {result.best.arch} reward {result.best.reward:.4f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
ax1.plot(diag["evaluations"], diag["entropy_per_token"])
ax1.set(xlabel="evaluations", ylabel="entropy per token (nats)", title="the policy sharpens")
ax2.semilogy(snaps["evaluations"], snaps["prob_best"], marker="o")
ax2.set(xlabel="evaluations", ylabel="P(best architecture found)", title="and favours the best cell")
fig.tight_layout()
plt.show()

# %% [markdown]
# With the paper's lr 0.0006 the same happens, only over many more updates: see the token-probability heatmap
# that `nas-env report DIR` draws for a `nas-env search --agent reinforce` run (about 500 evaluations on
# NAS-Bench-201 show the sharpening clearly), or watch it live with `--tensorboard DIR`
# ([browsing runs](browsing_runs.md)).
#
# ```bash
# nas-env search --env nas_env/NB201-v0 --agent reinforce --budget 500 --out runs/rf
# nas-env report runs/rf      # runs/rf/report.md, runs/rf/figures/token_probabilities.png
# ```
