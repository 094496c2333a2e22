"""An Optuna study as plain data: its trials and its sampler's random states, and back.

A checkpoint holds no pickled study (unpickling runs whatever the bytes say, and Optuna >= 5
studies do not pickle at all: they hold locks). Instead :func:`study_state` records what the study
knows as JSON-able data -- each trial's state, values, parameters with their distributions
(``optuna.distributions.distribution_to_json``), user and system attributes, the study's system
attributes -- and the state of every NumPy random generator inside the sampler (TPE and NSGA-II
keep theirs in ``LazyRandomState`` objects). :func:`restore_study` rebuilds an equal study around a
freshly made sampler: same trials in the same order, same random states, so a resumed search asks
for exactly the trials an uninterrupted one would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["restore_study", "study_state"]

#: how deep to look for random generators inside a sampler (Optuna's sit at depth 1 or 2)
_MAX_DEPTH = 4


def _random_states(obj: Any, path: str = "", depth: int = 0, seen: set[int] | None = None
                   ) -> Iterator[tuple[str, np.random.RandomState]]:
    """``(attribute path, RandomState)`` for every NumPy generator held by the Optuna object ``obj``."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > _MAX_DEPTH:
        return
    seen.add(id(obj))
    if isinstance(obj, np.random.RandomState):
        yield path, obj
        return
    if type(obj).__name__ == "LazyRandomState":
        yield path, obj.rng
        return
    if not type(obj).__module__.startswith("optuna") or not hasattr(obj, "__dict__"):
        return
    for key, value in sorted(vars(obj).items()):
        yield from _random_states(value, f"{path}.{key}" if path else key, depth + 1, seen)


def _rng_to_data(rs: np.random.RandomState) -> list[Any]:
    name, keys, pos, has_gauss, cached = rs.get_state(legacy=True)  # type: ignore[misc]
    return [name, [int(k) for k in keys], int(pos), int(has_gauss), float(cached)]


def study_state(study: Any) -> dict[str, Any]:
    """Everything needed to rebuild ``study`` exactly, as JSON-able data."""
    from optuna.distributions import distribution_to_json

    trials = []
    for t in study.get_trials(deepcopy=False):
        trials.append({
            "state": t.state.name,
            "values": None if t.values is None else [float(v) for v in t.values],
            "params": dict(t.params),
            "distributions": {k: distribution_to_json(d) for k, d in t.distributions.items()},
            "user_attrs": dict(t.user_attrs),
            "system_attrs": dict(t.system_attrs),
            "intermediate_values": {str(k): float(v) for k, v in t.intermediate_values.items()},
        })
    return {
        "directions": [d.name for d in study.directions],
        "system_attrs": dict(study._storage.get_study_system_attrs(study._study_id)),
        "user_attrs": dict(study.user_attrs),
        "trials": trials,
        "random_states": {path: _rng_to_data(rs) for path, rs in _random_states(study.sampler)},
    }


def restore_study(optuna: Any, sampler: Any, state: dict[str, Any]) -> Any:
    """A study equal to the one :func:`study_state` recorded, driven by ``sampler`` (made as before).

    ``ValueError`` where the state does not fit (another sampler, or an Optuna version that keeps
    its random generators elsewhere).
    """
    from optuna.distributions import json_to_distribution
    from optuna.trial import TrialState, create_trial

    try:
        study = optuna.create_study(sampler=sampler, directions=[d.lower() for d in state["directions"]])
        for key, value in state["system_attrs"].items():
            study._storage.set_study_system_attr(study._study_id, key, value)
        for key, value in state["user_attrs"].items():
            study.set_user_attr(key, value)
        for t in state["trials"]:
            trial_state = TrialState[t["state"]]
            values = t["values"] if trial_state == TrialState.COMPLETE else None
            study.add_trial(create_trial(
                state=trial_state, values=values, params=t["params"],
                distributions={k: json_to_distribution(d) for k, d in t["distributions"].items()},
                user_attrs=t["user_attrs"], system_attrs=t["system_attrs"],
                intermediate_values={int(k): v for k, v in t["intermediate_values"].items()}))
        states = dict(_random_states(study.sampler))
        if set(states) != set(state["random_states"]):
            raise ValueError(f"the sampler keeps random states at {sorted(states)}, the checkpoint has "
                             f"{sorted(state['random_states'])}")
        for path, (name, keys, pos, has_gauss, cached) in state["random_states"].items():
            states[path].set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"an Optuna study state that does not parse: {exc!r}") from exc
    return study
