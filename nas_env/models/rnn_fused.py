"""Fused CPU time loop for :class:`~nas_env.models.rnn_cell.ZophLeRNNCellModule` (issue 13).

Eager mode runs a searched cell as ~30 small torch ops per time step (a combination
and an activation per tree node) and autograd records each of them; for base-8 cells
that per-op overhead, not arithmetic, is what makes a cell ~10x slower than the
fused ``torch.nn.LSTM``. Here, as ``nn.LSTM`` does, the ``W x_t`` part of every leaf and
every step is one matrix product before the loop; then **one** call into a small C kernel runs
the whole time loop (``rnn_tree_sequence.c``): per block of batch rows and step, the
recurrent product ``U h_{t-1}`` of every leaf (``rnn_tree_gemm.c``) and the whole tree for
every ``(batch, hidden)`` element with the biases ``b`` and ``d`` (``rnn_tree_kernel.c``),
one vectorised pass per node (combination and activation together), while the block's
values are in L1. The backward pass is written by hand the same way: one kernel call for
the whole sequence (the tree's gradient, ``ghp U`` and the bias gradients), and the
recurrent weight's gradient is one matrix product over all steps at the end (in torch).
The semantics are exactly the eager module's (:mod:`nas_env.spaces.zoph_le_rnn`); results agree within float rounding
(``tests/nas_env/models/test_rnn_fused.py``).

The kernel is compiled on first use with the system C compiler (``$CC``, else ``cc``)
into ``$NAS_ENV_KERNEL_CACHE`` (default ``~/.cache/nas_env/kernels``), keyed by a
hash of the sources, compiler, flags and architecture, so it is built once per machine
(about 3 s on a quiet core). No ``-march`` flag: an AVX-512, an AVX2 and a baseline
version of each loop are built and picked at load time, and all three give the same bits
(element-wise IEEE operations only, no FMA contraction (``-ffp-contract=off``); the matrix
products are explicit fused multiply-adds in a fixed order in every version;
``tests/nas_env/models/test_rnn_fused.py`` compares them, and a ``-march=native`` build).
With no compiler, :func:`fused_available` is ``False``, :func:`why_unavailable`
says why, and the cell module silently runs eagerly. Only CPU float32/float64
tensors take the fused path; CUDA and other dtypes run eagerly.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

import torch

from nas_env.spaces.zoph_le_rnn import RNN_ACTIVATIONS, RNN_COMBINATIONS, ZophLeRNNCell

__all__ = ["TreeProgram", "build_kernel", "fused_available", "fused_sequence", "why_unavailable"]

#: the kernel's C sources, built into one library: the tree of one step, the matrix products, the time loop
_SOURCES = tuple(Path(__file__).with_name(f"rnn_tree_{part}.c") for part in ("kernel", "gemm", "sequence"))
_FLAGS = ("-O3", "-fno-trapping-math", "-ffp-contract=off", "-std=c99", "-shared", "-fPIC")
_DTYPES = {torch.float32: "f32", torch.float64: "f64"}
_BUFFERS = ("xl", "bx", "d", "wt", "w", "h0", "c0", "hp", "save", "out", "cs", "gh", "g_out", "gc_a", "gc_b",
            "gxl", "ghp", "work", "gd", "gbx")


class _Sequence(ctypes.Structure):
    """The kernel's ``Sequence`` struct (``rnn_tree_sequence.c``): sizes, the program, every buffer."""

    _fields_ = [
        *((name, ctypes.c_int) for name in ("B", "H", "steps", "keep")),
        ("prog", ctypes.c_void_p),
        *((name, ctypes.c_void_p) for name in _BUFFERS),
    ]


def _cache_dir() -> Path:
    return Path(os.environ.get("NAS_ENV_KERNEL_CACHE") or Path.home() / ".cache" / "nas_env" / "kernels")


@functools.lru_cache(maxsize=1)
def _load() -> tuple[ctypes.CDLL | None, str]:
    """The kernel of this process: built and loaded once (see :func:`build_kernel`)."""
    return build_kernel(os.environ.get("CC") or "cc", _cache_dir())


def build_kernel(
    compiler: str, cache_dir: Path, extra_flags: tuple[str, ...] = ()
) -> tuple[ctypes.CDLL | None, str]:
    """Compile the kernel with ``compiler`` into ``cache_dir`` (unless there already) and load it.

    ``extra_flags`` go after the usual ones (the tests build variants: ``-march=native``, the
    baseline alone). Returns ``(library, "")``, or ``(None, reason)`` when there is no such
    compiler or it fails.
    """
    if shutil.which(compiler) is None:
        return None, f"no C compiler: {compiler!r} is not on PATH (set $CC)"
    source = b"".join(path.read_bytes() for path in _SOURCES)
    flags = (*_FLAGS, *extra_flags)
    key = hashlib.sha256(source + " ".join((compiler, *flags, platform.machine())).encode()).hexdigest()[:16]
    target = Path(cache_dir) / f"rnn_tree_kernel-{key}.so"
    if not target.exists():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
            os.close(fd)
            done = subprocess.run(
                [compiler, *flags, "-o", tmp, *map(str, _SOURCES), "-lm"], capture_output=True, text=True, timeout=120
            )
            if done.returncode != 0:
                os.unlink(tmp)
                return None, f"compiling {_SOURCES[0].name} failed: {done.stderr.strip()[:500]}"
            os.replace(tmp, target)  # atomic: concurrent processes never load a half-written file
        except (OSError, subprocess.SubprocessError) as exc:
            return None, f"compiling {_SOURCES[0].name} failed: {exc}"
    try:
        lib = ctypes.CDLL(str(target))
    except OSError as exc:
        return None, f"loading {target} failed: {exc}"
    for suffix in _DTYPES.values():
        for way in ("forward", "backward"):
            fn = getattr(lib, f"tree_{way}_{suffix}")
            fn.argtypes, fn.restype = [ctypes.POINTER(_Sequence)], None
    return lib, ""


def fused_available() -> bool:
    """Whether the fused kernel compiled and loaded on this machine."""
    return _load()[0] is not None


def why_unavailable() -> str:
    """Why the fused kernel is unavailable (``""`` when it is available)."""
    return _load()[1]


class TreeProgram:
    """A cell as the kernel's program: combination and activation codes per node, cell indices.

    Picklable and deep-copyable (the ctypes arrays the kernel reads are rebuilt on demand).
    """

    def __init__(self, cell: ZophLeRNNCell):
        self.base = cell.base
        self.num_nodes = cell.num_nodes
        self.comb_codes = tuple(RNN_COMBINATIONS.index(c) for c, _ in cell.nodes)
        self.act_codes = tuple(RNN_ACTIVATIONS.index(a) for _, a in cell.nodes)
        self._inject = (
            cell.cell_out, cell.cell_inject,
            RNN_COMBINATIONS.index(cell.inject[0]), RNN_ACTIVATIONS.index(cell.inject[1]),
        )
        self._array: ctypes.Array | None = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_array": None}

    def sequence(self, batch: int, hidden: int, steps: int, keep: bool, **buffers: torch.Tensor | None) -> _Sequence:
        """The kernel's struct for one sequence; ``buffers`` by name (``None``: NULL; see ``rnn_tree_sequence.c``)."""
        if self._array is None:
            prog = (self.base, *self._inject, *self.comb_codes, *self.act_codes)
            self._array = (ctypes.c_int * len(prog))(*prog)
        seq = _Sequence(batch, hidden, steps, int(keep), ctypes.addressof(self._array))
        for name, tensor in buffers.items():
            if tensor is not None:
                setattr(seq, name, tensor.data_ptr())
        return seq

    def supports(self, x: torch.Tensor) -> bool:
        """Whether ``x`` can take the fused path (CPU, float32/float64, kernel available)."""
        return x.device.type == "cpu" and x.dtype in _DTYPES and fused_available()


def fused_sequence(
    program: TreeProgram,
    x_leaves: torch.Tensor,
    h0: torch.Tensor,
    c0: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    x_bias: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Run the cell over ``x_leaves`` (``(B, T, base*H)``, the leaves' ``W x_t``; the kernel adds ``x_bias``).

    ``weight``/``bias`` are the recurrent projection's (``(base*H, H)``, ``(base*H,)``), ``x_bias`` the
    input projection's bias ``b`` (``(base*H,)``; ``None``: none, or already in ``x_leaves``).
    Returns ``(outputs (B, T, H), h_T, c_T)``, differentiable in every tensor argument.
    """
    if x_leaves.shape[1] < 1:
        raise ValueError(f"x_leaves must have at least one time step, got shape {tuple(x_leaves.shape)}")
    grad = torch.is_grad_enabled() and any(
        t is not None and t.requires_grad for t in (x_leaves, h0, c0, weight, bias, x_bias)
    )  # without it nothing is saved for backward: one step's scratch is reused
    return _TreeSequence.apply(x_leaves, h0, c0, weight, bias, x_bias, program, grad)


class _TreeSequence(torch.autograd.Function):
    """The fused loop: one kernel call runs the whole sequence forward, one its backward pass."""

    @staticmethod
    def forward(ctx, x_leaves, h0, c0, weight, bias, x_bias, program: TreeProgram, grad: bool):  # type: ignore[override]
        lib, _ = _load()
        assert lib is not None
        x_leaves = x_leaves.contiguous()
        B, T, L = x_leaves.shape
        H = L // program.base
        kw = {"dtype": x_leaves.dtype}
        d = torch.zeros(L, **kw) if bias is None else bias.detach().contiguous()  # added in the kernel
        bx = torch.zeros(L, **kw) if x_bias is None else x_bias.detach().contiguous()  # so is b
        hp = torch.empty(T if grad else 1, B, L, **kw)  # U h_{t-1} per step
        save = torch.empty(T if grad else 1, program.num_nodes + 1, B, H, **kw)
        out = torch.empty(B, T, H, **kw)
        cs = torch.empty(T, B, H, **kw)
        h0, c0 = h0.detach().contiguous(), c0.detach().contiguous()
        wt = weight.detach().t().contiguous()  # U^T: the forward product's right operand, rows contiguous
        seq = program.sequence(B, H, T, grad, xl=x_leaves, bx=bx, d=d, wt=wt, h0=h0, c0=c0, hp=hp, save=save,
                               out=out, cs=cs)
        getattr(lib, f"tree_forward_{_DTYPES[x_leaves.dtype]}")(ctypes.byref(seq))
        if grad:
            ctx.save_for_backward(x_leaves, h0, c0, weight, out)
            ctx.program, ctx.hp, ctx.save, ctx.cs, ctx.d, ctx.bx = program, hp, save, cs, d, bx
            ctx.has_bias, ctx.has_x_bias = bias is not None, x_bias is not None
        return out, out[:, T - 1].clone(), cs[T - 1].clone()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, g_out, g_h, g_c):  # type: ignore[override]
        x_leaves, h0, c0, weight, out = ctx.saved_tensors
        program: TreeProgram = ctx.program
        lib, _ = _load()
        B, T, L = x_leaves.shape
        H = L // program.base
        kw = {"dtype": x_leaves.dtype}
        gh = g_h.contiguous().clone()  # the kernel adds g_out[:, t] itself; ends as the gradient of h_0
        gc_a, gc_b = g_c.contiguous().clone(), torch.empty(B, H, **kw)  # of c_t and c_{t-1}, alternating
        gxl = torch.empty(B, T, L, **kw)
        ghp = torch.empty(T, B, L, **kw)
        g_bias = torch.zeros(L, **kw) if ctx.has_bias and ctx.needs_input_grad[4] else None  # summed in C
        g_x_bias = torch.zeros(L, **kw) if ctx.has_x_bias and ctx.needs_input_grad[5] else None
        # every buffer is held by a local name until the kernel returns (the struct holds bare addresses)
        w, g_out, work = weight.detach().contiguous(), g_out.contiguous(), torch.empty(program.num_nodes, B, H, **kw)
        seq = program.sequence(
            B, H, T, True, xl=x_leaves, bx=ctx.bx, d=ctx.d, w=w, c0=c0, hp=ctx.hp, save=ctx.save, cs=ctx.cs,
            gh=gh, g_out=g_out, gc_a=gc_a, gc_b=gc_b, gxl=gxl, ghp=ghp, work=work, gd=g_bias, gbx=g_x_bias,
        )
        getattr(lib, f"tree_backward_{_DTYPES[x_leaves.dtype]}")(ctypes.byref(seq))
        g_c0 = gc_b if (T - 1) % 2 == 0 else gc_a  # step 0 wrote the gradient of c_0 there
        g_weight = None
        if ctx.needs_input_grad[3]:
            h_prev = torch.cat((h0.unsqueeze(0), out.transpose(0, 1)[:-1]), dim=0)
            g_weight = ghp.view(T * B, L).t().mm(h_prev.reshape(T * B, H))
        return gxl, gh, g_c0, g_weight, g_bias, g_x_bias, None, None
