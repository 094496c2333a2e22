"""nas-env: neural architecture search as a Gymnasium environment."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
#: one source of the version: nas_env.__version__ (read, not imported: nas_env imports its dependencies)
VERSION = re.search(r'^__version__ = "([^"]+)"', (HERE / "nas_env" / "__init__.py").read_text(encoding="utf-8"),
                    re.M).group(1)

EXTRAS = {
    "sb3": ["stable-baselines3>=2.3", "sb3-contrib>=2.3"],
    "ray": ["ray>=2.9"],
    "tensorboard": ["tensorboard>=2.10"],
    "optuna": ["optuna>=3.4", "optuna-dashboard>=0.15"],  # tpe, nsga2 (ask/tell); nas-env export --optuna
    "integrations": ["tianshou>=2.0"],
    # RLlib's own dependencies, listed here because `ray[rllib]` pins gymnasium==1.2.2 (we test with 1.4)
    "rllib": ["ray>=2.60", "dm-tree", "lz4", "pyarrow>=17", "pydantic>=2.5,<3", "ormsgpack>=1.7",
              "tensorboardX>=1.9", "scipy", "pyyaml", "pandas", "fsspec", "requests"],
    "torchrl": ["torchrl>=0.14", "tensordict>=0.14"],
    "notebooks": ["nbclient>=0.10", "nbformat>=5", "ipykernel>=6", "jupytext>=1.16"],
    "graph": ["nas-bench-graph>=1.4"],  # nas_env/NASBenchGraph-v0: the package's own tables (Apache-2.0)
    # selenium drives report.html's browser test in headless Chromium (apt install chromium chromium-driver)
    "dev": ["pytest>=7", "pytest-xdist>=3.5", "hypothesis>=6", "ruff>=0.5", "selenium>=4.10"],
}
EXTRAS["all"] = sorted(
    {dep for group in ("sb3", "ray", "tensorboard", "integrations", "optuna", "rllib", "torchrl", "notebooks",
                       "graph")
     for dep in EXTRAS[group]}
)

setup(
    name="nas-env",
    version=VERSION,
    description="Neural architecture search as a Gymnasium environment, with Zoph & Le's REINFORCE "
    "controller, baselines and a benchmark harness",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    # One top-level name: the repository's agents/ and benchmarks/ folders install as nas_env.agents and
    # nas_env.benchmarks (wheel and editable install alike), so a user's own `agents` or `benchmarks`
    # package, the OpenAI Agents SDK's or torchrl's top-level benchmarks/ folder never collide with ours.
    package_dir={"nas_env.agents": "agents", "nas_env.benchmarks": "benchmarks"},
    packages=[*find_packages(include=["nas_env", "nas_env.*"]),
              *(f"nas_env.{name}" for name in find_packages(include=["agents", "agents.*", "benchmarks",
                                                                     "benchmarks.*"]))],
    package_data={"nas_env": ["data/*.npz", "data/*.txt.gz", "data/README.md", "data/licenses/*.txt", "models/*.c"],
                  "nas_env.benchmarks": ["report/html/*.js", "report/html/*.css"]},  # report.html's script, style
    include_package_data=True,
    install_requires=[
        "gymnasium>=1.0",
        "numpy>=1.23.2",  # the lowest tested (.ci/lowest): the first with Python 3.11 wheels
        "torch>=2.2",
        "tqdm>=4.60",
        "matplotlib>=3.6",  # rendering, reports
        "scikit-learn>=1.2",  # the bundled digits dataset (default for real training)
        "scipy>=1.9.2",  # Welch's t-test in the benchmark report (also a scikit-learn dependency)
    ],
    extras_require=EXTRAS,
    entry_points={"console_scripts": ["nas-env=nas_env.benchmarks.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.11",  # the version tested (CI); >= 3.10 is allowed
        "License :: OSI Approved :: MIT License",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
