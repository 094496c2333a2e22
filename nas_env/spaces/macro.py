"""NAS-Bench-Macro's chain space (Su et al., CVPR 2021): 8 layers x 3 blocks = 6,561 networks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nas_env.spaces.base import Decision, InvalidArchitectureError
from nas_env.spaces.fixed import FixedSearchSpace

__all__ = ["MACRO_OPS", "MacroArch", "MacroSpace"]

#: Block vocabulary: identity, MobileNetV2 block (expansion 3, kernel 3), (expansion 6, kernel 5).
MACRO_OPS: tuple[str, ...] = ("identity", "MB3_K3", "MB6_K5")
NUM_LAYERS = 8


@dataclass(frozen=True)
class MacroArch:
    """The block chosen for each of the 8 searchable layers.

    ``str(arch)`` is NAS-Bench-Macro's key: one digit per layer (``"02012100"``).
    """

    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.ops) != NUM_LAYERS or any(op not in MACRO_OPS for op in self.ops):
            raise InvalidArchitectureError(
                f"Macro architecture needs {NUM_LAYERS} ops from {list(MACRO_OPS)}, got {self.ops!r}"
            )

    def __str__(self) -> str:
        return "".join(str(MACRO_OPS.index(op)) for op in self.ops)

    @classmethod
    def from_string(cls, text: str) -> MacroArch:
        if len(text) != NUM_LAYERS or any(c not in "012" for c in text):
            raise InvalidArchitectureError(
                f"not a NAS-Bench-Macro key: {text!r}; expected {NUM_LAYERS} digits from 0, 1, 2"
            )
        return cls(tuple(MACRO_OPS[int(c)] for c in text))


class MacroSpace(FixedSearchSpace):
    """Eight tokens, one per searchable layer, three choices each."""

    name = "macro"

    def __init__(self) -> None:
        super().__init__([Decision(f"layer_{i}", "block", MACRO_OPS) for i in range(NUM_LAYERS)])

    def decode(self, tokens: Sequence[int]) -> MacroArch:
        tokens = self._check_complete(tokens)
        return MacroArch(tuple(MACRO_OPS[t] for t in tokens))

    def encode(self, arch: MacroArch) -> tuple[int, ...]:  # type: ignore[override]
        if not isinstance(arch, MacroArch):
            raise InvalidArchitectureError(f"expected a MacroArch, got {type(arch).__name__}")
        return tuple(MACRO_OPS.index(op) for op in arch.ops)

    def from_string(self, text: str) -> MacroArch:
        return MacroArch.from_string(text)
