"""Drawing an architecture or building a report leaves the user's matplotlib backend alone (issue 26): a
notebook's inline backend must survive ``env.render()`` and ``import nas_env.benchmarks``, or its figures stop
showing. Run in a fresh interpreter, where pyplot is imported first with a chosen backend."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO

SCRIPT = """
import matplotlib.pyplot as plt
plt.switch_backend("svg")  # what a notebook's inline backend stands for: any backend the user chose
import gymnasium as gym
import nas_env
env = gym.make("nas_env/NB201-v0", render_mode="rgb_array")
env.reset(seed=0)
env.step(3)
assert env.render().shape[2] == 3
print(plt.get_backend())
import nas_env.benchmarks.report.style
print(plt.get_backend())
"""


def test_render_and_report_style_keep_the_backend() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["svg", "svg"]
