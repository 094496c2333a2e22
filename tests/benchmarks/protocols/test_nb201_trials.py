"""Emulated NAS-Bench-201 trial noise (``nas_env.benchmarks.protocols.nb201_trials``): per query or per cell."""

from __future__ import annotations

import numpy as np
import pytest

from nas_env.agents.play import play_tokens
from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.protocols.nb201_trials import RewardNoise


def _rewards(env, cells: list[tuple[int, ...]]) -> list[float]:  # type: ignore[no-untyped-def]
    env.reset(seed=0)
    return [play_tokens(env, tokens)[0] for tokens in cells]


@pytest.mark.parametrize("per", ["query", "cell"])
def test_noise_per_query_is_redrawn_and_per_cell_is_fixed(per: str) -> None:
    base = get_protocol("nb201-cifar10").make_env()
    a, b = (1, 2, 3, 4, 0, 1), (4, 3, 2, 1, 0, 0)
    clean = _rewards(base, [a, b, a])
    noisy = _rewards(RewardNoise(base, 0.5, seed=7, per=per), [a, b, a])
    offsets = np.subtract(noisy, clean)
    assert np.all(offsets != 0) and np.all(np.abs(offsets) < 0.05)  # 0.5 pp = 0.005 as a fraction: < 10 std
    assert (offsets[0] == offsets[2]) == (per == "cell")  # the same cell queried twice
    again = _rewards(RewardNoise(base, 0.5, seed=7, per=per), [a, b, a])
    assert again == noisy  # seeded
    base.close()


def test_a_bad_kind_of_noise_is_refused() -> None:
    base = get_protocol("nb201-cifar10").make_env()
    with pytest.raises(ValueError, match=r"unknown per 'trial'; valid: \['query', 'cell'\]"):
        RewardNoise(base, 0.5, seed=0, per="trial")
    base.close()
