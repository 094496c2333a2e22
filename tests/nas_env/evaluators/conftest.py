"""Fixtures of the evaluator tests: ``family``, each training family's tiny shared-weight env in turn."""

from __future__ import annotations

import pytest

from tests.nas_env.evaluators.shared_families import FAMILIES, Family


@pytest.fixture(params=sorted(FAMILIES))
def family(request: pytest.FixtureRequest) -> Family:
    """The CNN family (``ZophLeCNN-v0``), then the RNN family (``ZophLeRNN-v0``), on ``backend="shared"``."""
    return FAMILIES[request.param]
