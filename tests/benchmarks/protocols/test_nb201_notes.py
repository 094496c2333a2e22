"""The nb201 protocols' notes: each dataset its own, and every number they quote about the data true (issue 24)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.protocols.nb201_notes import CIFAR10_HALF_INTEGER_SHARE, NB201_DATA_IMAGES
from nas_env.benchmarks.report.benchmark.data import ReportData
from nas_env.benchmarks.report.benchmark.protocol_notes import protocol_notes_markdown

#: CIFAR-10's published numbers and our CIFAR-10 measurements: none belongs in another dataset's report
CIFAR10_NUMBERS = ("93.70", "93.85", "93.76", "93.92", "93.75", "94.37", "N = 500")


@pytest.mark.parametrize("name", ["nb201-cifar100", "nb201-imagenet16-120"])
def test_other_datasets_print_no_cifar10_numbers(name: str) -> None:
    p = get_protocol(name)
    text = "\n".join(protocol_notes_markdown(ReportData(Path("."), {}, p, p.make_reporter(), {})))
    text += p.notes + p.reward + p.cost
    assert "## Protocol notes" in text
    for number in CIFAR10_NUMBERS:
        assert number not in text, number
    assert "no comparator" in text and "searched on **CIFAR-10**" in text and not p.published


def test_cifar10_notes_keep_its_published_comparison_and_describe_the_data() -> None:
    p = get_protocol("nb201-cifar10")
    text = "\n".join(p.differences)
    assert "93.70 ± 0.36" in text and "mean of its available 12-epoch trials" in text
    assert "49.7% of the CIFAR-10 values are half-integer" in text and "200-epoch training time x 12/200" in text
    assert "the mean of the cell's available 12-epoch trials" in p.reward


def _half_integer_share(dataset: str) -> float:
    from nas_env.evaluators.nb201_table import NB201Table

    counts = NB201Table(dataset).val12 * NB201_DATA_IMAGES[dataset]
    assert np.allclose(2 * counts, np.round(2 * counts), atol=1e-3)  # whole or half image counts: the right split
    return float(np.mean(np.abs(counts - np.round(counts)) > 0.25))


def test_the_quoted_share_of_two_trial_means_is_the_tables() -> None:
    assert _half_integer_share("cifar10") == pytest.approx(CIFAR10_HALF_INTEGER_SHARE, abs=5e-4)
    assert _half_integer_share("cifar100") == 0 and _half_integer_share("imagenet16-120") == 0


def test_a_benchmark_saved_with_older_wording_still_resumes(tmp_path: Path) -> None:
    from nas_env.benchmarks.run.directory import write_meta

    saved = {**get_protocol("nb201-cifar100").to_json(), "notes": "older notes", "reward": "older reward text"}
    write_meta(tmp_path, saved, ["random"], [0], "nas-env benchmark", {})
    meta = write_meta(tmp_path, get_protocol("nb201-cifar100").to_json(), ["random"], [1], "nas-env benchmark", {})
    assert meta["protocol"]["notes"] == get_protocol("nb201-cifar100").notes and meta["seeds"] == [0, 1]
    with pytest.raises(ValueError, match="another protocol"):
        write_meta(tmp_path, get_protocol("nb201-cifar100", budget=100).to_json(), ["random"], [0], None, {})
