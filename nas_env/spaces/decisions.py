"""A user-defined space: a list of named decisions, each with its choices."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nas_env.spaces.base import Decision, InvalidArchitectureError
from nas_env.spaces.fixed import FixedSearchSpace

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


def _check_round_trip(name: str, choices: Sequence[Any]) -> None:
    """Raise unless ``name`` and every choice's label survive ``"name=label,..."`` parsing."""
    if not name or "," in name or "=" in name:
        raise ValueError(f"decision name {name!r} is not valid: it must be non-empty and contain neither ',' nor "
                         "'=' (they separate the canonical string 'name=value,name=value')")
    seen: dict[str, Any] = {}
    for value in choices:
        try:
            hash(value)
        except TypeError:
            raise ValueError(f"decision {name!r}: choice {value!r} is unhashable ({type(value).__name__}); "
                             "use a hashable value such as a tuple or a string label") from None
        label = str(value)
        if "," in label:
            suggestion = label.strip("()[] ").replace(", ", "x").replace(",", "x")
            raise ValueError(f"decision {name!r}: choice {value!r} prints as {label!r}, which contains ',', so "
                             "its architecture string could not be parsed back; use a label without ',' (e.g. "
                             f"{suggestion!r}) and map it to the value in your evaluator")
        if label in seen:
            raise ValueError(f"decision {name!r}: choices {seen[label]!r} and {value!r} both print as {label!r}; "
                             "labels must be distinct for the architecture string to name one choice")
        seen[label] = value


class DecisionSpace(FixedSearchSpace):
    """A space made of named decisions, e.g. ``DecisionSpace({"op": ["conv", "pool"], "width": [16, 32]})``.

    Args:
        decisions: a mapping name -> choices, or a sequence of ``(name, choices)`` pairs.
            Choices may be any hashable values; their ``str()`` is their label in the
            canonical string ``"name=label,name=label"``.
        name: name of the space (used in stores and logs).

    Every architecture round-trips through its string (``from_string(str(config)) ==
    config``), so the constructor rejects, with a ``ValueError`` naming the culprit,
    what would break that: a decision name that is empty or contains ``,`` or ``=``;
    a choice whose label contains ``,`` (a tuple ``(3, 3)`` prints as ``"(3, 3)"``:
    use a label such as ``"3x3"`` and map it in the evaluator); two choices of one
    decision with the same label (``1`` and ``"1"``); an unhashable choice (a list).
    Labels may contain ``=`` (only the first ``=`` of a part separates the name).
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
            _check_round_trip(*pair)
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
