"""Bundled NAS-Bench-201 / NAS-Bench-Macro tables: exact values from the source files."""

from __future__ import annotations

import time

import numpy as np
import pytest

from nas_env.data import tables
from nas_env.evaluators import MacroTableEvaluator, NB201Table, NB201TableEvaluator
from nas_env.spaces import MacroArch, NB201Cell
from tests.helpers import BEST_NB201_CELL

# NB201 index 1 in the source CSVs
ROW1 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
# NB201 index 0
ROW0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"


def test_nb201_exact_rows_cifar10():
    t = NB201Table("cifar10")
    r1 = t.row(ROW1)
    assert t.nb201_index[r1] == 1 and t.arch_str[r1] == ROW1
    # shb_cifar10.pkl '334131': val_acc seeds, train_time; nb201_cifar10_200ep.csv test_top1
    assert t.val200[r1].tolist() == [90.71199999511718 / 100, 90.71599999023438 / 100, 90.87999998779297 / 100]
    assert t.train_time200[r1] == 2169.641375541687
    assert t.test200[r1] == pytest.approx(0.9366000000000001, abs=1e-15)
    # nb201_all_12ep.csv row 1
    assert t.val12[r1] == pytest.approx(0.8283399999389648, abs=1e-15)
    assert t.test12[r1] == pytest.approx(0.8822, abs=1e-15)
    assert t.params[r1] == 802426
    r0 = t.row(ROW0)
    assert t.nb201_index[r0] == 0
    assert t.test200[r0] == pytest.approx(0.8586333333333334, abs=1e-15)
    assert t.latency_ms[r0, t.latency_devices.index("gold_6226")] == pytest.approx(10.524625778198242)


def test_nb201_other_datasets_and_seed_counts():
    c100 = NB201Table("cifar100")
    r1 = c100.row(ROW1)
    assert c100.val200[r1].tolist() == [70.23999989013672 / 100, 69.79999996948243 / 100, 69.44000000610352 / 100]
    assert c100.test200 is None
    assert c100.val12[r1] == pytest.approx(0.5779999996948242, abs=1e-12)
    img = NB201Table("imagenet16-120")
    assert img.train_time200[img.row(ROW1)] == 13165.383866786944
    counts = np.bincount(NB201Table("cifar10").num_seeds)
    assert counts[2] == 7456 and counts[3] == 8169


def test_nb201_best_cell():
    t = NB201Table("cifar10")
    assert t.arch_str[t.best_row] == BEST_NB201_CELL  # tied with NB201 index 13714 at 94.3733%; lower index wins
    assert t.nb201_index[t.best_row] == 6111
    assert t.test200[t.best_row] == pytest.approx(0.9437, abs=1e-4)
    info = t.lookup(BEST_NB201_CELL, 200)
    assert info["test_accuracy"] == pytest.approx(0.94373333, abs=1e-6)


def test_nb201_reference_optimum():
    ref = NB201Table("cifar10").reference_optimum()
    assert list(ref) == ["arch", "test_accuracy", "val_accuracy"]
    assert ref["arch"] == BEST_NB201_CELL and isinstance(ref["arch"], str)
    assert ref["test_accuracy"] == 0.9437333333333333  # 94.37%: mean test_top1 of the 200-epoch runs
    assert ref["val_accuracy"] == 0.9160666665039061
    # no 200-epoch test accuracy: ranked by the seed-mean validation accuracy, named so
    c100 = NB201Table("cifar100").reference_optimum()
    assert list(c100) == ["arch", "val_accuracy_mean", "val_accuracy"]
    assert c100["arch"] == (
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    )
    assert c100["val_accuracy_mean"] == c100["val_accuracy"] == 0.7349333332519531


def test_nb201_rank_counts_strictly_better_cells():
    t = NB201Table("cifar10")
    acc = np.asarray(t.test200)
    v = acc[t.row(ROW1)]
    better = len(acc) - int(np.searchsorted(np.sort(acc), v, side="right"))  # independent of NB201Table.rank
    expected = {"rank": better + 1, "of": 15625, "top_percent": 100.0 * (better + 1) / 15625, "by": "test_accuracy"}
    assert t.rank(ROW1) == expected == {"rank": 257, "of": 15625, "top_percent": 1.6448, "by": "test_accuracy"}
    assert t.rank(NB201Cell.from_string(ROW1)) == expected
    tied = int(np.flatnonzero(t.nb201_index == 13714)[0])  # shares 94.3733% with BEST_NB201_CELL: nothing is better
    assert t.rank(BEST_NB201_CELL)["rank"] == t.rank(str(t.arch_str[tied]))["rank"] == 1
    assert NB201Table("cifar100").rank(ROW1) == {
        "rank": 917, "of": 15625, "top_percent": 5.8688, "by": "val_accuracy_mean",
    }


def test_nb201_evaluator_draws_a_seed_with_the_rng():
    ev = NB201TableEvaluator("cifar10")
    cell = NB201Cell.from_string(ROW1)
    seen = {ev.evaluate(cell, seed=np.random.default_rng(s))["seed_index"] for s in range(30)}
    assert seen == {0, 1, 2}
    m = ev.evaluate(cell, seed=0)
    assert m["val_accuracy"] == ev.table.val200[ev.table.row(cell), m["seed_index"]]
    assert m["cost_seconds"] == 2169.641375541687
    m12 = ev.evaluate(cell, fidelity=12, seed=0)
    assert m12["cost_seconds"] == pytest.approx(2169.641375541687 * 12 / 200)
    assert m12["val_accuracy"] == pytest.approx(0.8283399999389648)
    assert m12["test_accuracy"] == pytest.approx(0.8822)
    assert set(m["latency_ms"]) == {"eyeriss", "fpga", "gold_6226", "pixel2", "pixel3", "raspi4", "titan_rtx_256"}


def test_nb201_bad_dataset_and_fidelity():
    with pytest.raises(ValueError, match=r"unknown NAS-Bench-201 dataset 'cifar1000'.*cifar100"):
        NB201TableEvaluator("cifar1000")
    ev = NB201TableEvaluator()
    with pytest.raises(ValueError, match=r"unknown fidelity 50; valid: \[12, 200\]"):
        ev.evaluate(NB201Cell.from_string(BEST_NB201_CELL), fidelity=50)


def test_macro_table_exact_row():
    ev = MacroTableEvaluator()
    m = ev.evaluate(MacroArch.from_string("02012100"))
    assert m["val_accuracy"] == pytest.approx(0.8947000122070312)
    assert m["test_accuracy"] == pytest.approx((0.8894999694824219 + 0.8916999816894531) / 2)
    assert m["params"] == 890666 and m["flops"] == 47327744
    m1 = MacroTableEvaluator(signal_seed=1).evaluate(MacroArch.from_string("02012100"))
    assert m1["val_accuracy"] == pytest.approx(0.8894999694824219)
    with pytest.raises(ValueError, match=r"signal_seed must be an int in 0..2, got 3"):
        MacroTableEvaluator(signal_seed=3)


def test_table_loads_fast_and_reports_corrupt_files(tmp_path, monkeypatch):
    tables.load_npz.cache_clear()
    t0 = time.process_time()  # this process's CPU time: busy cores beside it or a cold disk do not count
    NB201Table("cifar10")
    assert time.process_time() - t0 < 1.0  # generous: typically ~0.1 s
    monkeypatch.setattr(tables, "DATA_DIR", tmp_path)
    tables.load_npz.cache_clear()
    with pytest.raises(tables.TableFileError, match=r"nb201.npz is missing"):
        NB201Table("cifar10")
    (tmp_path / "nb201.npz").write_bytes(b"not a zip file")
    tables.load_npz.cache_clear()
    with pytest.raises(tables.TableFileError, match=r"nb201.npz is corrupt"):
        NB201Table("cifar10")
    monkeypatch.undo()
    tables.load_npz.cache_clear()
