# %% [markdown]
# # 1. The environment in five minutes
#
# Source: [`tutorials/01_environment_in_five_minutes.py`](tutorials/01_environment_in_five_minutes.py), one file
# that is this page, [its notebook](notebooks/01_environment_in_five_minutes.ipynb) and a script
# (`python docs/tutorials/01_environment_in_five_minutes.py`, about a second).
#
# An episode designs **one child network**, one decision (a *token*) per step. The reward is 0 until the
# last token; then the child is evaluated (looked up in a table, or trained) and its validation accuracy is
# the reward.

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

# %% [markdown]
# ## Tokens and observations
#
# `gym.make` an id that `import nas_env` registers. NAS-Bench-201 (`nas_env/NB201-v0`) designs a cell of 6
# edges, one operation each: 6 tokens, 5 choices per token.

# %%
import gymnasium as gym
import matplotlib.pyplot as plt
import numpy as np

import nas_env  # registers the nas_env/* ids

env = gym.make("nas_env/NB201-v0", dataset="cifar10", fidelity=200, render_mode="ansi")
print(env.action_space, env.observation_space)
obs, info = env.reset(seed=0)
decision = env.unwrapped.current_decision
print("first decision:", decision.name, decision.choices)

# %% [markdown]
# Six steps design the cell: `nor_conv_3x3` three times, `skip_connect`, `nor_conv_3x3`, `nor_conv_1x1`. The
# observation holds the tokens so far, shifted by one so that 0 means "not decided yet"; `terminated` becomes
# `True` at the 6th token; `truncated` is always `False`.

# %%
for action in [3, 3, 3, 1, 3, 2]:
    obs, reward, terminated, truncated, info = env.step(action)
    print(f"obs={obs.tolist()} reward={reward:.4f} terminated={terminated} mask={info['action_mask'].tolist()}")

# %% [markdown]
# ## Reward and info
#
# The reward is the validation accuracy as a fraction, at the last step only. `info` says which architecture
# it was and everything the evaluator measured. Test accuracy is *reported*, never rewarded. `cost_seconds` is
# the simulated training time that a benchmark charges. `reward="cubed"` gives Zoph & Le's cubed accuracy;
# any `fn(metrics) -> float` works.

# %%
m = info["metrics"]
print("arch:", info["arch"])
print("tokens:", info["tokens"])
print(f"validation accuracy (the reward) {m['val_accuracy']:.4f}, "
      f"test accuracy (reported, never rewarded) {m['test_accuracy']:.4f}")
print(f"simulated training cost {m['cost_seconds']:.0f} s, {m['params']} parameters")

# %% [markdown]
# `render_mode="ansi"` prints the decisions so far and, at the end, the result:

# %%
print(env.render())

# %% [markdown]
# ## Masks
#
# Decisions may have fewer choices than `Discrete(n)`. In the Zoph & Le CNN grammar a filter size has 4
# choices and a skip connection 2; **with `predict_stride=True`** each layer also has a stride decision of 3
# choices (without it there is no stride decision: every stride is 1). The rest is masked, three ways:
# `env.unwrapped.action_masks()` (a bool array; sb3-contrib's MaskablePPO calls it), `info["action_mask"]` (an
# int8 array, in `reset()` and every `step()`), and `env.action_space.sample(mask=info["action_mask"])` for a
# random *valid* action. Any callable `arch -> accuracy` is an evaluator:

# %%
space = nas_env.ZophLeCNNSpace(num_layers=2, predict_stride=True)  # predict_stride=True: the stride decisions
env = nas_env.NASEnv(space, lambda arch: 0.5)
obs, info = env.reset(seed=0)
env.action_space.seed(0)  # reset(seed=...) seeds the env, not its action space's sampler (Gymnasium's rule)
terminated = False
while not terminated:
    d = env.current_decision
    mask = env.action_masks()  # bool; info["action_mask"] is the same as int8
    assert (mask == info["action_mask"].astype(bool)).all()
    action = env.action_space.sample(mask=info["action_mask"])  # only valid actions
    print(f"{d.name:<22} choices={list(d.choices)} mask={mask.astype(int).tolist()} -> {action}")
    obs, reward, terminated, truncated, info = env.step(action)

# %% [markdown]
# A masked action does not crash: the episode ends with the failure reward (0.0),
# `info["metrics"]["status"] == "invalid"` and `info["invalid_action"]` saying why (`invalid_action="raise"`
# raises instead). An action outside the action space always raises. Here the fourth token is layer 0's
# stride, which has only 3 choices, so action 3 is masked:

# %%
env.reset()
env.step(0), env.step(0), env.step(0)
_, reward, terminated, _, info = env.step(3)
print("masked action ->", terminated, reward, info["metrics"]["status"], "|", info["invalid_action"])

# %% [markdown]
# ## Rendering
#
# `render_mode="rgb_array"` returns an `(H, W, 3)` `uint8` picture of the architecture (also mid-episode, with
# `?` for open decisions): an NB201 cell (a 4-node DAG, edges coloured by operation), a half-built cell, a
# Zoph & Le CNN (layers left to right, inputs as arcs) and a custom `DecisionSpace` (a table of decisions).
# `matplotlib.image.imsave("cell.png", env.render())` saves one as a file.

# %%
cnn_space = nas_env.ZophLeCNNSpace(num_layers=4, predict_stride=True)
toy_space = nas_env.DecisionSpace({"op": ["conv3x3", "conv5x5", "maxpool"], "width": [16, 32, 64], "depth": [2, 4]})
drawn = {
    "NB201 cell": (gym.make("nas_env/NB201-v0", render_mode="rgb_array"), [3, 3, 3, 1, 3, 2]),
    "NB201, half-built": (gym.make("nas_env/NB201-v0", render_mode="rgb_array"), [3, 1]),
    "Zoph & Le CNN": (nas_env.NASEnv(cnn_space, lambda arch: 0.5, render_mode="rgb_array"),
                      list(cnn_space.sample(np.random.default_rng(3)))),
    "DecisionSpace": (nas_env.NASEnv(toy_space, lambda arch: 0.7, render_mode="rgb_array"), [0, 2]),
}
images = {}
for name, (env, tokens) in drawn.items():
    env.reset(seed=0)
    for token in tokens:
        env.step(token)
    images[name] = env.render()
    print(f"{name}: {images[name].shape} {images[name].dtype}")

fig, axes = plt.subplots(2, 2, figsize=(12, 8))
for ax, (name, image) in zip(axes.flat, images.items()):
    ax.imshow(image)
    ax.set_title(name)
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Wrappers
#
# `MaskedObservation` moves the mask into a Dict observation (Tianshou's keys here; RLlib's are
# `"observations"`/`"action_mask"`). `ArchitectureAction` makes one step design the whole architecture
# (bandits, black-box optimisers).

# %%
env = nas_env.MaskedObservation(gym.make("nas_env/NB201-v0"), obs_key="obs", mask_key="mask")
obs, _ = env.reset(seed=0)
print("MaskedObservation:", env.observation_space, "->", {k: v.tolist() for k, v in obs.items()})

env = nas_env.ArchitectureAction(gym.make("nas_env/NB201-v0"))
print("ArchitectureAction:", env.action_space)
env.reset(seed=0)
_, reward, terminated, _, info = env.step(np.array([3, 3, 3, 1, 3, 2]))
print(f"one step, one cell: {info['arch']} reward={reward:.4f} terminated={terminated}")

# %% [markdown]
# Next: [write your own agent](02_your_own_agent.md), or plug in an RL library ([integrations](integrations.md)).
