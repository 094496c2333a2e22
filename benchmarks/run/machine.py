"""What a result was produced on: platform, CPUs and the versions of the packages that shape results."""

from __future__ import annotations

import os
import platform
import sys
from functools import lru_cache
from importlib import metadata
from typing import Any

__all__ = ["PACKAGES", "machine_info", "package_versions"]

#: distributions whose versions are recorded with every run and benchmark
PACKAGES = ("nas-env", "numpy", "torch", "gymnasium", "stable-baselines3", "sb3-contrib", "scipy", "matplotlib")


def package_versions() -> dict[str, str | None]:
    """Installed versions of :data:`PACKAGES` (None when not installed)."""
    return dict(_package_versions())


@lru_cache(maxsize=1)
def _package_versions() -> dict[str, str | None]:
    """Read once per process: the metadata lookups cost ~40 ms, paid by every benchmark job otherwise."""
    versions: dict[str, str | None] = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    if versions.get("nas-env") is None:
        import nas_env

        versions["nas-env"] = f"{nas_env.__version__} (source tree)"
    return versions


def machine_info() -> dict[str, Any]:
    """Platform, processor, CPU count, Python and :func:`package_versions` (summary.json, benchmark.json)."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "versions": package_versions(),
    }
