"""A user-defined space: a list of named decisions, each with its choices."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nas_env.spaces.base import Decision, FixedSearchSpace, InvalidArchitectureError

__all__ = ["Config", "DecisionSpace"]


@dataclass(frozen=True)
class Config:
    """A decoded architecture of a :class:`DecisionSpace`: (name, value) pairs in order.

    ``str(config)`` is ``"name=value,name=value"``; ``config["name"]`` reads a value.
    """

    items: tuple[tuple[str, Any], ...]

    def __str__(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.items)

    def __getitem__(self, name: str) -> Any:
        for k, v in self.items:
            if k == name:
                return v
        raise KeyError(f"no decision named {name!r}; names: {[k for k, _ in self.items]}")

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self.items)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.items)


class DecisionSpace(FixedSearchSpace):
    """A space made of named decisions, e.g. ``DecisionSpace({"op": ["conv", "pool"], "width": [16, 32]})``.

    Args:
        decisions: a mapping name -> choices, or a sequence of ``(name, choices)`` pairs.
            Choices may be any hashable values; their ``str()`` is used in canonical strings.
        name: name of the space (used in stores and logs).
    """

    def __init__(
        self,
        decisions: Mapping[str, Sequence[Any]] | Sequence[tuple[str, Sequence[Any]]],
        name: str = "custom",
    ):
        pairs = list(decisions.items()) if isinstance(decisions, Mapping) else list(decisions)
        for pair in pairs:
            if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)):
                raise ValueError(f"each decision must be a (name, choices) pair, got {pair!r}")
            if len(pair[1]) == 0:
                raise ValueError(f"decision {pair[0]!r} has no choices")
        self.name = name
        self._values = {n: tuple(c) for n, c in pairs}
        super().__init__(
            [Decision(n, n, tuple(str(v) for v in c)) for n, c in self._values.items()]
        )

    def config(self) -> dict:
        return {"name": self.name, "decisions": {k: list(map(str, v)) for k, v in self._values.items()}}

    def decode(self, tokens: Sequence[int]) -> Config:
        tokens = self._check_complete(tokens)
        return Config(tuple((n, vals[t]) for (n, vals), t in zip(self._values.items(), tokens)))

    def encode(self, arch: Config | Mapping[str, Any]) -> tuple[int, ...]:  # type: ignore[override]
        values = arch.as_dict() if isinstance(arch, Config) else dict(arch)
        if set(values) != set(self._values):
            raise InvalidArchitectureError(
                f"{self.name}: expected decisions {list(self._values)}, got {list(values)}"
            )
        out = []
        for n, vals in self._values.items():
            v = values[n]
            if v not in vals:
                raise InvalidArchitectureError(f"{self.name}: {n}={v!r} is not one of {list(vals)}")
            out.append(vals.index(v))
        return tuple(out)

    def from_string(self, text: str) -> Config:
        labels = {}
        for part in text.split(","):
            name, sep, label = part.partition("=")
            if not sep or name not in self._values:
                raise InvalidArchitectureError(
                    f"{self.name}: cannot parse {text!r}; expected 'name=value,...' with names {list(self._values)}"
                )
            labels[name] = label
        tokens = []
        for d in self._decisions:
            if d.name not in labels or labels[d.name] not in d.choices:
                raise InvalidArchitectureError(
                    f"{self.name}: {d.name}={labels.get(d.name)!r} is not one of {list(d.choices)}"
                )
            tokens.append(d.choices.index(labels[d.name]))
        return self.decode(tokens)
