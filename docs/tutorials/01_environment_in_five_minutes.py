"""Tutorial 1: the environment in five minutes (companion script of docs/01_environment_in_five_minutes.md).

Tokens, masks, rewards, info, rendering (text and pictures) and the two wrappers.

    python docs/tutorials/01_environment_in_five_minutes.py --out-dir out/
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import gymnasium as gym
import numpy as np
from matplotlib.image import imsave  # writes a PNG without opening any window

import nas_env  # (registers the nas_env/* ids)


def tokens_rewards_info() -> dict:
    """1-3. One NB201 cell, token by token: observation, mask, reward and info at every step."""
    env = gym.make("nas_env/NB201-v0", dataset="cifar10", fidelity=200, render_mode="ansi")
    print(env.action_space, env.observation_space)  # Discrete(5) MultiDiscrete([6 6 6 6 6 6])
    obs, info = env.reset(seed=0)
    decision = env.unwrapped.current_decision
    print("first decision:", decision.name, decision.choices)
    for action in [3, 3, 3, 1, 3, 2]:  # nor_conv_3x3 x3, skip_connect, nor_conv_3x3, nor_conv_1x1
        obs, reward, terminated, truncated, info = env.step(action)
        print(f"obs={obs.tolist()} reward={reward:.4f} terminated={terminated} mask={info['action_mask'].tolist()}")
    print(env.render())  # "ansi": the decisions as text, with the result once finished
    m = info["metrics"]
    print("arch:", info["arch"])
    print(f"validation accuracy (the reward) {m['val_accuracy']:.4f}, "
          f"test accuracy (reported, never rewarded) {m['test_accuracy']:.4f}")
    print(f"simulated training cost {m['cost_seconds']:.0f} s, {m['params']} parameters")
    return info


def masks() -> None:
    """4. Masks: decisions with fewer choices than the action space mask the rest."""
    space = nas_env.ZophLeCNNSpace(num_layers=2, predict_stride=True)  # 4 choices, but stride has 3, skip 2
    env = nas_env.NASEnv(space, lambda arch: 0.5)  # any callable arch -> accuracy is an evaluator
    obs, info = env.reset(seed=0)
    terminated = False
    while not terminated:
        d = env.current_decision
        mask = env.action_masks()  # bool; info["action_mask"] is the same as int8
        assert (mask == info["action_mask"].astype(bool)).all()
        action = env.action_space.sample(mask=info["action_mask"])  # sample only valid actions
        print(f"{d.name:<22} choices={list(d.choices)} mask={mask.astype(int).tolist()} -> {action}")
        obs, reward, terminated, truncated, info = env.step(action)
    # a masked action ends the episode with the failure reward (0.0) and says why
    env.reset()
    env.step(0), env.step(0), env.step(0)
    _, reward, terminated, _, info = env.step(3)  # stride has only 3 choices: action 3 is masked
    print("masked action ->", terminated, reward, info["metrics"]["status"], "|", info["invalid_action"])


def rendering(out_dir: Path) -> list[Path]:
    """5. ``render_mode="rgb_array"`` draws the architecture; save the pictures as PNG files."""
    paths = []
    cnn_space = nas_env.ZophLeCNNSpace(num_layers=4, predict_stride=True)
    toy_space = nas_env.DecisionSpace({"op": ["conv3x3", "conv5x5", "maxpool"], "width": [16, 32, 64], "depth": [2, 4]})
    envs = {
        "nb201": (gym.make("nas_env/NB201-v0", render_mode="rgb_array"), [3, 3, 3, 1, 3, 2]),
        "nb201_partial": (gym.make("nas_env/NB201-v0", render_mode="rgb_array"), [3, 1]),
        "zoph_le_cnn": (
            nas_env.NASEnv(cnn_space, lambda arch: 0.5, render_mode="rgb_array"),
            list(cnn_space.sample(np.random.default_rng(3))),
        ),
        "decision_space": (
            nas_env.NASEnv(toy_space, lambda arch: 0.7, render_mode="rgb_array"),
            [0, 2],
        ),
    }
    for name, (env, tokens) in envs.items():
        env.reset(seed=0)
        for tok in tokens:
            env.step(tok)
        image = env.render()
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        path = out_dir / f"render_{name}.png"
        imsave(path, image)
        print(f"saved {path} ({image.shape[1]}x{image.shape[0]})")
        paths.append(path)
    return paths


def wrappers() -> None:
    """6. Wrappers: the mask inside a Dict observation; or the whole architecture as one action."""
    env = nas_env.MaskedObservation(gym.make("nas_env/NB201-v0"), obs_key="obs", mask_key="mask")  # Tianshou keys
    obs, _ = env.reset(seed=0)
    print("MaskedObservation:", env.observation_space, "->", {k: v.tolist() for k, v in obs.items()})

    env = nas_env.ArchitectureAction(gym.make("nas_env/NB201-v0"))
    print("ArchitectureAction:", env.action_space)  # MultiDiscrete([5 5 5 5 5 5])
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(np.array([3, 3, 3, 1, 3, 2]))
    print(f"one step, one cell: {info['arch']} reward={reward:.4f} terminated={terminated}")


def main(quick: bool = False, out_dir: str | Path | None = None) -> dict:
    """Run every section; pictures go to ``out_dir`` (a new temporary directory by default)."""
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="nas_env_tutorial01_"))
    out.mkdir(parents=True, exist_ok=True)
    info = tokens_rewards_info()
    masks()
    pngs = rendering(out)
    wrappers()
    return {"arch": info["arch"], "pngs": pngs}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="(nothing slow here; accepted for symmetry)")
    parser.add_argument("--out-dir", default=None, help="where to save the PNGs (default: a temp dir)")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out_dir)
