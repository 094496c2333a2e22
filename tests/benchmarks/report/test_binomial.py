"""Issue 27: one test accuracy's interval accounts for the test-set size (Wilson score interval)."""

from __future__ import annotations

import math

import pytest

from nas_env.benchmarks.report.binomial import wilson_interval
from nas_env.training.datasets import TEST_SIZES, load_dataset


def test_wilson_interval_matches_the_closed_form_and_narrows_with_n() -> None:
    lo, hi = wilson_interval(0.8, 10_000)
    assert (lo, hi) == pytest.approx((0.79204560, 0.80772400), abs=1e-8)
    lo_d, hi_d = wilson_interval(0.99, 359)
    assert (lo_d, hi_d) == pytest.approx((0.97333514, 0.99628945), abs=1e-8)
    assert wilson_interval(1.0, 359)[1] == 1.0 and wilson_interval(0.0, 359)[0] == 0.0
    p, n = 0.8, 10_000  # large n: about the normal interval
    assert hi - lo == pytest.approx(2 * 1.96 * math.sqrt(p * (1 - p) / n), rel=1e-3)
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        wilson_interval(0.5, 0)
    with pytest.raises(ValueError, match=r"fraction in \[0, 1\], got 1.5"):
        wilson_interval(1.5, 10)


def test_the_test_split_sizes_are_the_loaded_ones() -> None:
    assert TEST_SIZES["digits"] == len(load_dataset("digits").test_y)


def test_fashion_mnist_has_10000_test_images_where_installed() -> None:
    from nas_env.training.dataset_files import DatasetError, find_fashion_mnist, read_idx

    try:
        folder = find_fashion_mnist()
    except DatasetError as exc:  # not installed here: the message names the fix
        assert "apt install dataset-fashion-mnist" in str(exc) and "zalandoresearch/fashion-mnist" in str(exc)
        pytest.skip("dataset-fashion-mnist is not installed")
    assert len(read_idx(folder / "t10k-labels-idx1-ubyte.gz")) == TEST_SIZES["fashion_mnist_14"] == 10_000
