"""nas-env: neural architecture search as a Gymnasium environment."""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent

EXTRAS = {
    "sb3": ["stable-baselines3>=2.3", "sb3-contrib>=2.3"],
    "ray": ["ray>=2.9"],
    "tensorboard": ["tensorboard>=2.10"],
    "optuna": ["optuna>=3.4"],  # the tpe and nsga2 agents (ask/tell)
    "integrations": ["tianshou>=2.0"],
    # RLlib's own dependencies, listed here because `ray[rllib]` pins gymnasium==1.2.2 (we test with 1.4)
    "rllib": ["ray>=2.60", "dm-tree", "lz4", "pyarrow>=17", "pydantic>=2.5,<3", "ormsgpack>=1.7",
              "tensorboardX>=1.9", "scipy", "pyyaml", "pandas", "fsspec", "requests"],
    # every torchrl wheel (0.11-0.14) also installs a top-level `benchmarks/` folder (no __init__.py) into
    # site-packages. Our regular package wins over that namespace portion as long as it is found by a path
    # entry, hence package_dir={"": "."} below: an editable install then adds a plain path to sys.path
    # instead of a meta-path finder that runs after site-packages (tests/test_install_layout.py).
    "torchrl": ["torchrl>=0.14", "tensordict>=0.14"],
    "notebooks": ["nbclient>=0.10", "nbformat>=5", "ipykernel>=6"],
    "dev": ["pytest>=7", "hypothesis>=6", "ruff>=0.5"],
}
EXTRAS["all"] = sorted(
    {dep for group in ("sb3", "ray", "tensorboard", "integrations", "optuna", "rllib", "torchrl", "notebooks")
     for dep in EXTRAS[group]}
)

setup(
    name="nas-env",
    version="0.1.0",
    description="Neural architecture search as a Gymnasium environment, with Zoph & Le's REINFORCE "
    "controller, baselines and a benchmark harness",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    package_dir={"": "."},  # a plain path entry in an editable install (see the torchrl note above)
    packages=find_packages(include=["nas_env", "nas_env.*", "agents", "agents.*", "benchmarks", "benchmarks.*"]),
    package_data={"nas_env": ["data/*.npz", "data/*.txt.gz", "data/README.md", "models/*.c"]},
    include_package_data=True,
    install_requires=[
        "gymnasium>=1.0",
        "numpy>=1.23",
        "torch>=2.2",
        "tqdm>=4.60",
        "matplotlib>=3.6",  # rendering, reports
        "scikit-learn>=1.2",  # the bundled digits dataset (default for real training)
    ],
    extras_require=EXTRAS,
    entry_points={"console_scripts": ["nas-env=benchmarks.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "License :: OSI Approved :: MIT License",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
