"""The fused time loop of searched recurrent cells (nas_env.models.rnn_fused) against the eager loop."""

from __future__ import annotations

import copy
import math
import os
import pickle

import numpy as np
import pytest
import torch

from nas_env.evaluators.lm_train import LMTrainEvaluator
from nas_env.models import rnn_fused
from nas_env.models.rnn_cell import ZophLeRNNCellModule
from nas_env.models.rnn_fused import TreeProgram, build_kernel, fused_sequence
from nas_env.models.rnn_lm import RNNLanguageModel
from nas_env.spaces.zoph_le_rnn import ZophLeRNNCell, ZophLeRNNSpace

SPACE2, SPACE4, SPACE8 = ZophLeRNNSpace(2), ZophLeRNNSpace(4), ZophLeRNNSpace(8)


def _cells() -> list[tuple[str, ZophLeRNNCell]]:
    rng = np.random.default_rng(13)
    cells = [("lstm_like", SPACE8.lstm_like()), ("paper_example", SPACE2.paper_example())]
    cells += [(f"random8_{i}", SPACE8.decode(SPACE8.sample(rng))) for i in range(5)]
    cells += [(f"random4_{i}", SPACE4.decode(SPACE4.sample(rng))) for i in range(2)]
    return cells


CELLS = _cells()


def _outputs_and_grads(module, x, h0, c0, fast: bool) -> list[torch.Tensor]:
    """Outputs, final state and the gradients of every input and parameter of one weighted loss."""
    module.fast = fast
    module.zero_grad(set_to_none=True)
    for t in (x, h0, c0):
        t.grad = None
    out, (h, c) = module(x, (h0, c0))
    gen = torch.Generator().manual_seed(1)
    weights = [torch.randn(t.shape, generator=gen, dtype=t.dtype) for t in (out, h, c)]
    loss = sum((t * w).sum() for t, w in zip((out, h, c), weights))
    loss.backward()
    return [out, h, c, x.grad, h0.grad, c0.grad] + [p.grad for p in module.parameters()]


def _pair(cell: ZophLeRNNCell, dtype: torch.dtype, steps: int, bias: bool = True, eager: bool = True):
    """Fused and eager results (``eager=False``: the fused ones alone) of one seeded module and input."""
    torch.manual_seed(0)
    module = ZophLeRNNCellModule(cell, 6, 5, bias=bias).to(dtype)
    x = torch.randn(3, steps, 6, dtype=dtype, requires_grad=True)
    h0 = torch.randn(3, 5, dtype=dtype, requires_grad=True)
    c0 = torch.randn(3, 5, dtype=dtype, requires_grad=True)
    fused = _outputs_and_grads(module, x, h0, c0, fast=True)
    return fused, _outputs_and_grads(module, x, h0, c0, fast=False) if eager else None


def test_kernel_compiles_here():
    assert rnn_fused.fused_available(), rnn_fused.why_unavailable()
    assert rnn_fused.why_unavailable() == ""


@pytest.mark.parametrize("name,cell", CELLS, ids=[n for n, _ in CELLS])
@pytest.mark.parametrize("steps", [1, 6])
def test_fused_equals_eager_float64(name, cell, steps):
    """Outputs, h_T, c_T and the gradients of x, h_0, c_0 and every weight: same to 1e-10 (odd and even lengths)."""
    fused, eager = _pair(cell, torch.float64, steps)
    assert len(fused) == 10  # out, h, c, 3 input grads, 2 weights + 2 biases
    for a, b in zip(fused, eager):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name,cell", CELLS, ids=[n for n, _ in CELLS])
def test_fused_equals_eager_float32(name, cell):
    """In float32 the fused kernel's exp/tanh differ from torch's by a few ulps: agreement to 1e-5."""
    fused, eager = _pair(cell, torch.float32, 6)
    for a, b in zip(fused, eager):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_fused_equals_eager_without_biases():
    fused, eager = _pair(SPACE8.lstm_like(), torch.float64, 5, bias=False)
    assert len(fused) == 8
    for a, b in zip(fused, eager):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


def test_backward_passes_gradcheck():
    """The hand-written backward against finite differences, through every argument."""
    rng = np.random.default_rng(5)
    for _ in range(2):
        cell = SPACE4.decode(SPACE4.sample(rng))
        program = TreeProgram(cell)
        g = torch.Generator().manual_seed(2)
        args = [torch.randn(s, generator=g, dtype=torch.float64, requires_grad=True)
                for s in ((2, 3, 4 * 3), (2, 3), (2, 3), (4 * 3, 3), (4 * 3,), (4 * 3,))]
        assert torch.autograd.gradcheck(lambda *a, prog=program: fused_sequence(prog, *a), args), str(cell)


@pytest.mark.parametrize("flags", [("-DNAS_ENV_KERNEL_BASELINE",), ("-march=native",)], ids=["baseline", "native"])
def test_kernel_bits_do_not_depend_on_the_instruction_set(flags, tmp_path, monkeypatch):
    """The library this process loaded (its AVX-512, AVX2 or baseline loops, picked for this CPU) and a
    build with only the baseline loops, or with ``-march=native``, give the same bits, float32 and float64."""
    compiler = os.environ.get("CC") or "cc"
    variant, why = build_kernel(compiler, tmp_path, flags)
    assert variant is not None, why
    for dtype in (torch.float32, torch.float64):
        for _, cell in CELLS[:4]:
            results = []
            for lib in (rnn_fused._load()[0], variant):
                monkeypatch.setattr(rnn_fused, "_load", lambda lib=lib: (lib, ""))
                results.append(_pair(cell, dtype, 6, eager=False)[0])
                monkeypatch.undo()
            assert all(torch.equal(a, b) for a, b in zip(*results)), (str(cell), dtype, flags)


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "relu", "identity"])
def test_activations_match_torch_over_the_float_range(act):
    """The kernel's float32 exp/tanh: values and gradients as torch's from -1e4 to 1e4, incl. overflow."""
    values = torch.tensor([-1e4, -100.0, -89.0, -88.5, -87.0, -20.0, -9.0, -0.63, -0.62, -1e-3, -1e-8, 0.0,
                           1e-8, 1e-3, 0.62, 0.63, 9.0, 20.0, 87.0, 88.5, 89.0, 100.0, 1e4])
    n = len(values)
    # leaf 0 = act(x), leaf 1 = 0 (zero weights), root = leaf 0 + leaf 1; inject adds c_0 = 0 at leaf 1
    cell = ZophLeRNNCell(((("add", act)), ("add", "identity"), ("add", "identity")), ("add", "identity"), 0, 1)
    module = ZophLeRNNCellModule(cell, n, n, bias=False)
    module.set_leaf(0, torch.eye(n), torch.zeros(n, n))
    module.set_leaf(1, torch.zeros(n, n), torch.zeros(n, n))
    results = []
    for fast in (True, False):
        module.fast = fast
        x = values.reshape(1, 1, n).clone().requires_grad_()
        out = module(x)[0]
        out.sum().backward()
        results.append((out.detach(), x.grad))
    (out_f, grad_f), (out_e, grad_e) = results
    torch.testing.assert_close(out_f, out_e, rtol=1e-6, atol=1e-7)
    torch.testing.assert_close(grad_f, grad_e, rtol=1e-6, atol=1e-7)


def test_overflow_and_nan_propagate_like_eager():
    """Exploding cells must still look diverged: inf and NaN come out where the eager loop has them."""
    cell = ZophLeRNNCell((("elem_mult", "identity"),) * 3, ("elem_mult", "identity"), 2, 2)
    module = ZophLeRNNCellModule(cell, 4, 4)
    with torch.no_grad():
        for p in module.parameters():
            p.fill_(3.0)
    x = torch.full((2, 12, 4), 5.0)
    x[0, 0, 0] = math.nan  # sequence 0 is NaN from the start; sequence 1 overflows
    outs = []
    for fast in (True, False):
        module.fast = fast
        with torch.no_grad():
            outs.append(module(x, (torch.ones(2, 4), torch.ones(2, 4)))[0])
    fused, eager = outs
    assert torch.isnan(eager[0]).all() and torch.isinf(eager[1, -1]).all()
    assert torch.equal(torch.isnan(fused), torch.isnan(eager))
    assert torch.equal(torch.isinf(fused), torch.isinf(eager))


def test_no_grad_path_and_repeat_runs_are_bit_identical():
    """Inference (one reused scratch step) and training give the same bits; so do two runs (determinism)."""
    module = ZophLeRNNCellModule(SPACE8.lstm_like(), 8, 8)
    x = torch.randn(4, 9, 8)
    train_out = module(x)[0]
    with torch.inference_mode():
        infer_out = module(x)[0]
    assert torch.equal(train_out.detach(), infer_out)
    grads = []
    for _ in range(2):
        module.zero_grad(set_to_none=True)
        module(x)[0].square().sum().backward()
        grads.append([p.grad.clone() for p in module.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*grads))


def test_fast_flag_defaults_and_reaches_every_layer():
    lm = RNNLanguageModel(SPACE8.lstm_like(), 10, hidden_size=8, num_layers=2)
    assert [layer.fast for layer in lm.layers] == [True, True]
    lm = RNNLanguageModel(SPACE8.lstm_like(), 10, hidden_size=8, num_layers=2, fast=False)
    assert [layer.fast for layer in lm.layers] == [False, False]
    assert "fast=False" in repr(lm.layers[0])


def test_fused_modules_pickle_and_deepcopy():
    """Modules travel to worker processes: a pickled or deep-copied LM computes the same bits."""
    lm = RNNLanguageModel(SPACE8.lstm_like(), 10, hidden_size=8)
    tokens = torch.randint(10, (2, 5), generator=torch.Generator().manual_seed(0))
    expected = lm(tokens)[0]
    for copy_of in (pickle.loads(pickle.dumps(lm)), copy.deepcopy(lm)):
        assert copy_of.layers[0].fast is True
        assert torch.equal(copy_of(tokens)[0], expected)


def test_lm_training_gives_the_same_perplexity_fused_and_eager():
    """A seeded child trained fused and eager: same validation perplexity (to 1e-4 relative), different config."""
    kw = dict(max_chars=4000, hidden_size=16, seq_len=8, batch_size=8, device="cpu", max_steps=25, epochs=None)
    fused, eager = LMTrainEvaluator(**kw), LMTrainEvaluator(**kw, fast_cells=False)
    cell = SPACE8.lstm_like()
    a, b = fused.evaluate(cell, seed=3), eager.evaluate(cell, seed=3)
    assert a["status"] == b["status"] == "ok"
    assert a["steps"] == b["steps"] == 25
    assert a["val_perplexity"] == pytest.approx(b["val_perplexity"], rel=1e-4)
    assert a["test_perplexity"] == pytest.approx(b["test_perplexity"], rel=1e-4)
    assert a["val_perplexity"] < 0.9 * fused.corpus.vocab_size  # it learned something
    assert fused.config()["fast_cells"] is True and eager.config()["fast_cells"] is False
    assert fused.evaluate(cell, seed=3)["val_perplexity"] == a["val_perplexity"]  # deterministic


def test_fast_cells_must_be_a_bool():
    with pytest.raises(ValueError, match="fast_cells must be True or False, got 'yes'"):
        LMTrainEvaluator(max_chars=2000, hidden_size=8, seq_len=8, batch_size=4, device="cpu", fast_cells="yes")


def test_build_kernel_names_a_missing_compiler(tmp_path):
    lib, why = build_kernel("no-such-compiler-xyz", tmp_path)
    assert lib is None
    assert why == "no C compiler: 'no-such-compiler-xyz' is not on PATH (set $CC)"
    assert list(tmp_path.iterdir()) == []


def test_build_kernel_reuses_the_cached_library():
    """The library this process loaded is in the cache; building again reuses the file (no recompile)."""
    assert rnn_fused.fused_available()
    cache = rnn_fused._cache_dir()
    built = sorted(cache.glob("rnn_tree_kernel-*.so"))
    assert built, f"no kernel in {cache}"
    mtimes = [p.stat().st_mtime_ns for p in built]
    lib, why = build_kernel(os.environ.get("CC") or "cc", cache)
    assert lib is not None and why == ""
    assert sorted(cache.glob("rnn_tree_kernel-*.so")) == built
    assert [p.stat().st_mtime_ns for p in built] == mtimes


def test_fused_sequence_rejects_empty_sequences():
    program = TreeProgram(SPACE2.paper_example())
    with pytest.raises(ValueError, match=r"at least one time step, got shape \(2, 0, 6\)"):
        fused_sequence(program, torch.zeros(2, 0, 6), torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(6, 3), None)
