"""A search state as data that cannot run code: a JSON tree plus numeric arrays in one ``.npz`` file.

A run's checkpoint (agent ``state_dict``, RNG states, a shared-weight evaluator's weights) is written by
:func:`encode` and read back by :func:`decode`. The file is a NumPy ``.npz`` archive (zip, compressed):
entry ``tree`` holds UTF-8 JSON as a ``uint8`` array, entries ``a0``, ``a1``, ... one numeric array each.
It is read with ``np.load(allow_pickle=False)`` and a strict decoder, so a crafted file can only fail to
load (:class:`StateFormatError`), never execute anything. Equal arrays are stored once.

The JSON tree encodes these values (anything else is refused when writing, naming where it sits):

==============================  =======================================================================
``None``, ``bool``, ``str``     as JSON
``int``                         as JSON (any size: a PCG64 state holds 128-bit integers)
``float``                       as JSON; ``nan``, ``inf`` and ``-inf`` as ``{"$": "float", "v": "nan"}``
``list``                        as JSON
``dict``                        a JSON object when every key is a ``str`` and none is ``"$"``, else
                                ``{"$": "dict", "items": [[key, value], ...]}`` (optimizer states' int keys)
``tuple``                       ``{"$": "tuple", "items": [...]}``
``numpy`` scalar                ``{"$": "scalar", "dtype": "float32", "v": ...}``
``numpy.ndarray``               ``{"$": "ndarray", "ref": "a3"}`` (numeric and bool dtypes only)
``torch.Tensor``                ``{"$": "tensor", "ref": "a4", "dtype": "float32"}`` (dense; read back on the CPU)
``bytes``                       ``{"$": "bytes", "ref": "a5"}``
==============================  =======================================================================
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from typing import Any

import numpy as np

__all__ = ["FORMAT", "StateFormatError", "UnencodableError", "decode", "encode"]

#: the ``format`` field of every encoded tree
FORMAT = "nas-env-state"
VERSION = 1
#: NumPy dtype kinds an array may have: bool, signed and unsigned int, float, complex
_KINDS = "biufc"
_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class StateFormatError(ValueError):
    """The bytes are not an encoded state (foreign, corrupted or hand-edited); the message says why."""


class UnencodableError(TypeError, ValueError):
    """A state holds a value of another type (an agent's ``state_dict`` that is not plain data); a
    ``ValueError`` too, so the command line reports it in one line."""


# ------------------------------------------------------------------ writing
class _Writer:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._refs: dict[tuple[str, tuple[int, ...], bytes], str] = {}

    def ref(self, array: np.ndarray) -> str:
        array = array if array.flags.c_contiguous else np.ascontiguousarray(array)  # (never 0-d: those are)
        key = (array.dtype.str, array.shape, hashlib.sha256(array.tobytes()).digest())
        if key not in self._refs:  # equal arrays (an untrained controller's snapshots) are stored once
            self._refs[key] = f"a{len(self.arrays)}"
            self.arrays[self._refs[key]] = array
        return self._refs[key]

    def node(self, obj: Any, where: str) -> Any:
        if isinstance(obj, np.generic) and obj.dtype.kind in _KINDS:  # before float: np.float64 is a float
            return {"$": "scalar", "dtype": obj.dtype.name, "v": self.node(obj.item(), where)}
        if obj is None or isinstance(obj, (bool, str, int)):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"$": "float", "v": repr(obj)}
        if isinstance(obj, list):
            return [self.node(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"$": "tuple", "items": [self.node(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            if all(isinstance(k, str) for k in obj) and "$" not in obj:
                return {k: self.node(v, f"{where}.{k}") for k, v in obj.items()}
            return {"$": "dict", "items": [[self.node(k, f"{where} key"), self.node(v, f"{where}[{k!r}]")]
                                           for k, v in obj.items()]}
        if isinstance(obj, (bytes, bytearray)):
            return {"$": "bytes", "ref": self.ref(np.frombuffer(bytes(obj), dtype=np.uint8))}
        if isinstance(obj, np.ndarray) and obj.dtype.kind in _KINDS:
            return {"$": "ndarray", "ref": self.ref(obj)}
        torch = _torch_if_tensor(obj)
        if torch is not None and obj.layout == torch.strided:
            t = obj.detach().cpu()
            dtype = str(t.dtype).removeprefix("torch.")
            array = t.view(torch.int16).numpy() if t.dtype == torch.bfloat16 else t.numpy()
            return {"$": "tensor", "ref": self.ref(array), "dtype": dtype}
        raise UnencodableError(f"{where}: a {type(obj).__module__}.{type(obj).__qualname__} cannot be saved in a "
                        "checkpoint (valid: None, bool, int, float, str, list, tuple, dict, bytes, numpy arrays "
                        "and scalars, torch tensors)")


def _torch_if_tensor(obj: Any) -> Any:
    """The ``torch`` module when ``obj`` is a tensor (torch is imported only when it already is)."""
    import sys

    torch = sys.modules.get("torch")
    return torch if torch is not None and isinstance(obj, torch.Tensor) else None


def encode(state: Any) -> bytes:
    """``state`` as the bytes of a compressed ``.npz`` file (see the module docstring).

    Raises:
        UnencodableError: a value of another type, named with where it sits (``state.agent.diagnostics``).
    """
    writer = _Writer()
    tree = {"format": FORMAT, "version": VERSION, "state": writer.node(state, "state")}
    text = json.dumps(tree, allow_nan=False, separators=(",", ":"))
    buf = io.BytesIO()
    np.savez_compressed(buf, tree=np.frombuffer(text.encode("utf-8"), dtype=np.uint8), **writer.arrays)
    return buf.getvalue()


# ------------------------------------------------------------------ reading
class _Reader:
    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays

    def array(self, node: dict[str, Any], where: str) -> np.ndarray:
        ref = node.get("ref")
        if not isinstance(ref, str) or ref not in self.arrays:
            raise StateFormatError(f"{where} refers to a missing array {ref!r}")
        return self.arrays[ref].copy()  # a fresh array per node: equal arrays stored once never alias

    def node(self, node: Any, where: str) -> Any:
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        if isinstance(node, list):
            return [self.node(v, f"{where}[{i}]") for i, v in enumerate(node)]
        if not isinstance(node, dict):
            raise StateFormatError(f"{where} is a {type(node).__name__}")
        if "$" not in node:
            return {k: self.node(v, f"{where}.{k}") for k, v in node.items()}
        return self._tagged(node, where)

    def _tagged(self, node: dict[str, Any], where: str) -> Any:
        kind = node["$"]
        keys = _TAGS.get(kind) if isinstance(kind, str) else None
        if keys is None or set(node) != keys:
            raise StateFormatError(f"{where} is an unknown node {_short(node)}")
        if kind == "float":
            if node["v"] not in _SPECIAL:
                raise StateFormatError(f"{where} is not a float: {node['v']!r}")
            return _SPECIAL[node["v"]]
        if kind in ("tuple", "dict"):
            items = node["items"]
            if not isinstance(items, list):
                raise StateFormatError(f"{where}: items must be a list")
            if kind == "tuple":
                return tuple(self.node(v, f"{where}[{i}]") for i, v in enumerate(items))
            if not all(isinstance(p, list) and len(p) == 2 for p in items):
                raise StateFormatError(f"{where}: items must be [key, value] pairs")
            pairs = [(self.node(k, f"{where} key"), self.node(v, f"{where}[{i}]")) for i, (k, v) in enumerate(items)]
            try:
                return dict(pairs)
            except TypeError as exc:  # an unhashable key (a list)
                raise StateFormatError(f"{where}: a key is not hashable") from exc
        if kind == "bytes":
            array = self.array(node, where)
            if array.dtype != np.uint8 or array.ndim != 1:
                raise StateFormatError(f"{where}: bytes must be a 1-d uint8 array")
            return array.tobytes()
        if kind == "ndarray":
            return self.array(node, where)
        if kind == "scalar":
            dtype = _dtype(node["dtype"], where)
            value = self.node(node["v"], where)
            if isinstance(value, (list, dict, tuple, str)) or value is None:
                raise StateFormatError(f"{where}: a scalar must hold a number")
            return dtype.type(value)
        return self._tensor(node, where)

    def _tensor(self, node: dict[str, Any], where: str) -> Any:
        import torch

        name = node["dtype"]
        dtype = getattr(torch, name) if name in _TENSOR_DTYPES else None
        if not isinstance(dtype, torch.dtype):
            raise StateFormatError(f"{where}: unknown tensor dtype {name!r}")
        array = self.array(node, where)
        if dtype == torch.bfloat16:
            if array.dtype != np.int16:
                raise StateFormatError(f"{where}: a bfloat16 tensor must be stored as int16")
            return torch.from_numpy(array).view(torch.bfloat16)
        tensor = torch.from_numpy(array)
        if tensor.dtype != dtype:
            raise StateFormatError(f"{where}: a {name} tensor is stored as {array.dtype}")
        return tensor


_TAGS: dict[str, set[str]] = {
    "float": {"$", "v"}, "tuple": {"$", "items"}, "dict": {"$", "items"}, "bytes": {"$", "ref"},
    "ndarray": {"$", "ref"}, "scalar": {"$", "dtype", "v"}, "tensor": {"$", "ref", "dtype"},
}


#: the torch dtypes a tensor may have (names of ``torch`` attributes)
_TENSOR_DTYPES = frozenset({"bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64",
                            "float16", "bfloat16", "float32", "float64", "complex64", "complex128"})


def _dtype(name: Any, where: str) -> np.dtype:
    try:
        dtype = np.dtype(name) if isinstance(name, str) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in _KINDS:
        raise StateFormatError(f"{where}: unknown dtype {name!r}")
    return dtype


def _short(node: Any) -> str:
    text = json.dumps(node)
    return text if len(text) <= 60 else text[:57] + "..."


def decode(data: bytes) -> Any:
    """The state that :func:`encode` wrote.

    Raises:
        StateFormatError: ``data`` is not an encoded state (not an ``.npz`` archive, no ``tree``, an object
            array, unknown nodes, missing arrays); the message says which.
    """
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, zipfile.LargeZipFile) as exc:
        raise StateFormatError(f"not a .npz archive of arrays ({type(exc).__name__}: {exc})") from exc
    for name, array in arrays.items():
        if not isinstance(array, np.ndarray):  # a member without the .npy header comes back as raw bytes
            raise StateFormatError(f"not a .npz archive of arrays (member {name!r} is not an array)")
        if array.dtype.kind not in _KINDS:
            raise StateFormatError(f"array {name!r} has dtype {array.dtype}, not a numeric one")
    text = arrays.pop("tree", None)
    if text is None or text.dtype != np.uint8 or text.ndim != 1:
        raise StateFormatError("it has no 'tree' entry")
    try:
        tree = json.loads(text.tobytes().decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise StateFormatError(f"its tree is not JSON ({type(exc).__name__}: {exc})") from exc
    if not isinstance(tree, dict) or tree.get("format") != FORMAT or set(tree) != {"format", "version", "state"}:
        raise StateFormatError(f"its tree is not a {FORMAT} record")
    if tree["version"] != VERSION:
        raise StateFormatError(f"format version {tree['version']!r} is not {VERSION} (written by a newer nas-env?)")
    try:
        return _Reader(arrays).node(tree["state"], "state")
    except RecursionError as exc:
        raise StateFormatError("its tree is nested too deeply") from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"bare {name} is not valid")
