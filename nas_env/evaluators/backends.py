"""Which reward backend an env runs on: one vocabulary of names, one place that builds each family's evaluator.

An env with a ``backend`` argument asks :func:`make_evaluator` for its evaluator; the names are the same
across the families (:data:`BACKENDS`), each family accepts some of them (:data:`FAMILIES`):

==========  ======================================================  ==================================
backend     the reward                                              families (evaluator)
==========  ======================================================  ==================================
``table``   looked up in the benchmark's table                      NB201, Macro (the env's table)
``train``   the child trained stand-alone from scratch              NB201, Macro, CNN
                                                                    (``TrainEvaluator``); RNN
                                                                    (``LMTrainEvaluator``)
``shared``  a shared-weight estimate (ENAS): the child trains one   CNN (``SharedWeightEvaluator``),
            set of weights for a few steps and is measured with it  RNN (``SharedWeightLMEvaluator``)
==========  ======================================================  ==================================

``train_kwargs`` are the chosen backend's evaluator's own keyword arguments (beyond what the env passes
from its own arguments); they are checked here, with one message style naming the bad value and the
valid ones. With ``"shared"`` they may override the env's data and machine arguments (``batch_size``,
``device`` ...); with ``"train"`` those are set on the env only. :func:`standalone_env_kwargs` turns a
run's env kwargs into its stand-alone (``"train"``) version, what re-training finalists uses.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nas_env.evaluators.base import RENAMED_ARGUMENTS, Evaluator
from nas_env.validation import check_choice

__all__ = [
    "BACKENDS", "FAMILIES", "SHARED_DATA_KWARGS", "Backend", "make_evaluator", "rescoring_env_kwargs",
    "standalone_env_kwargs",
]

#: every backend name, across the families
BACKENDS = ("table", "train", "shared")
#: ``train_kwargs`` of a non-``train`` run that are about the data and the machine, not the backend's model:
#: its stand-alone version keeps them (the same splits, threads and device)
SHARED_DATA_KWARGS = ("device", "data_root", "download", "val_fraction", "split_seed", "max_train_samples",
                      "num_threads", "eval_batch_size")
_WINDOWS = "a shared child trains train_kwargs['steps'] windows"


@dataclass(frozen=True)
class Backend:
    """How one family builds the evaluator of one backend.

    Attributes:
        evaluator: ``"module:Class"`` of the evaluator (imported on use: torch only when training);
            ``""`` for ``table``, which the env supplies.
        fixed: the env's arguments passed on that ``train_kwargs`` may not repeat.
        defaults: the env's arguments passed on that ``train_kwargs`` may override.
        takes_space: the evaluator's first argument is the env's search space.
        train_only: ``(argument, default, why)``: env arguments of the stand-alone trainer that must stay
            at their default with this backend (setting one raises; ``why`` may be empty).
    """

    evaluator: str = ""
    fixed: tuple[str, ...] = ()
    defaults: tuple[str, ...] = ()
    takes_space: bool = False
    train_only: tuple[tuple[str, Any, str], ...] = ()

    def evaluator_class(self) -> type[Evaluator]:
        module, name = self.evaluator.split(":")
        return getattr(importlib.import_module(module), name)

    def valid_train_kwargs(self) -> list[str]:
        """The names ``train_kwargs`` may hold with this backend, sorted."""
        params = inspect.signature(self.evaluator_class()).parameters
        taken = {*self.fixed, "space"}
        return sorted(n for n, p in params.items() if p.kind is not p.VAR_KEYWORD and n not in taken)


_TABLE = Backend()
_IMAGE_TRAIN = "nas_env.evaluators.image_train:TrainEvaluator"
#: name -> the backends the family accepts (the env's default first)
FAMILIES: dict[str, dict[str, Backend]] = {
    "nb201": {"table": _TABLE, "train": Backend(_IMAGE_TRAIN)},
    "macro": {"table": _TABLE, "train": Backend(_IMAGE_TRAIN)},
    "cnn": {
        "train": Backend(_IMAGE_TRAIN, fixed=("dataset", "epochs", "batch_size", "lr", "weight_decay", "device",
                                              "max_train_seconds", "reward_metric", "data_root")),
        "shared": Backend("nas_env.evaluators.image_shared:SharedWeightEvaluator", fixed=("dataset",),
                          defaults=("batch_size", "weight_decay", "device", "data_root"), takes_space=True,
                          train_only=(("max_train_seconds", None, ""),
                                      ("reward_metric", "final", "'shared' uses 'final'"))),
    },
    "rnn": {
        "train": Backend("nas_env.evaluators.lm_train:LMTrainEvaluator",
                         fixed=("dataset", "data_root", "max_chars", "epochs", "max_train_seconds", "max_steps",
                                "seq_len", "batch_size", "hidden_size", "num_layers", "lr", "device")),
        "shared": Backend("nas_env.evaluators.lm_shared:SharedWeightLMEvaluator", fixed=("dataset",),
                          defaults=("data_root", "max_chars", "seq_len", "batch_size", "hidden_size", "num_layers",
                                    "device"), takes_space=True,
                          train_only=(("epochs", 1, _WINDOWS), ("max_train_seconds", None, _WINDOWS),
                                      ("max_steps", None, _WINDOWS),
                                      ("lr", 1e-2, "set the shared weights' learning rate in train_kwargs['lr'], "
                                                   "default 0.001"))),
    },
}
assert all(set(family) <= set(BACKENDS) for family in FAMILIES.values())


def _check_train_kwargs(backend: str, spec: Backend, train_kwargs: Mapping[str, Any]) -> None:
    """``ValueError`` for a ``train_kwargs`` name the backend's evaluator does not take (naming the valid ones)."""
    for name in train_kwargs:
        if name in RENAMED_ARGUMENTS:
            raise ValueError(f"train_kwargs {name!r} was renamed {RENAMED_ARGUMENTS[name]!r}; "
                             f"use train_kwargs={{{RENAMED_ARGUMENTS[name]!r}: {train_kwargs[name]!r}}}")
    repeated = sorted(set(train_kwargs) & set(spec.fixed))
    if repeated:
        raise ValueError(f"train_kwargs {repeated} repeat the env's own arguments with backend={backend!r}; "
                         "set them on the env")
    valid = spec.valid_train_kwargs()
    unknown = sorted(set(train_kwargs) - set(valid))
    if unknown:
        raise ValueError(f"unknown train_kwargs {unknown} for backend={backend!r}; valid: {valid}")


def make_evaluator(family: str, backend: str, train_kwargs: Mapping[str, Any] | None, *,
                   table: Callable[[], Evaluator] | None = None, space: Any = None, **env_args: Any) -> Evaluator:
    """The evaluator of ``family``'s ``backend`` (see the module docstring).

    Args:
        family: a key of :data:`FAMILIES` (``"nb201"``, ``"macro"``, ``"cnn"``, ``"rnn"``).
        backend: the env's ``backend`` argument.
        train_kwargs: the env's ``train_kwargs`` (the evaluator's own keyword arguments).
        table: builds the family's table evaluator (families with ``"table"``).
        space: the env's search space (backends whose evaluator takes it).
        env_args: the env's arguments the family's backends use (every one named in its :class:`Backend`).

    Raises:
        ValueError: an unknown backend, ``train_kwargs`` with ``"table"``, a train-only env argument set
            with another backend, or a ``train_kwargs`` name the evaluator does not take; each names the
            bad value and what is valid.
    """
    backends = FAMILIES[family]
    check_choice("backend", backend, backends)
    if backend == "table":
        if train_kwargs:
            raise ValueError(f"train_kwargs {sorted(train_kwargs)} given but backend='table'; use backend='train'")
        assert table is not None, f"family {family!r} has a table backend: pass table="
        return table()
    spec = backends[backend]
    for name, default, why in spec.train_only:
        if env_args[name] != default:
            raise ValueError(f"{name}={env_args[name]!r} applies to backend='train' only, not {backend!r}"
                             + (f" ({why})" if why else ""))
    given = dict(train_kwargs or {})
    _check_train_kwargs(backend, spec, given)
    kwargs = {name: env_args[name] for name in (*spec.fixed, *spec.defaults)}
    kwargs.update(given)  # overrides the env's defaults only: train_kwargs never repeat a fixed argument
    return spec.evaluator_class()(*((space,) if spec.takes_space else ()), **kwargs)


def standalone_env_kwargs(env_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The env kwargs of a run's stand-alone trainer: ``backend="train"``, and of another backend's
    ``train_kwargs`` only those about the data and the machine (:data:`SHARED_DATA_KWARGS`; the rest belong
    to that backend's model), ``device`` and ``data_root`` as the env's own arguments."""
    out = dict(env_kwargs)
    if out.get("backend", "train") not in ("train", None):
        out["backend"] = "train"
        kept = {k: v for k, v in (out.pop("train_kwargs", None) or {}).items() if k in SHARED_DATA_KWARGS}
        out.update({k: kept.pop(k) for k in ("device", "data_root") if k in kept})  # the env's own arguments
        if kept:
            out["train_kwargs"] = kept
    return out


def rescoring_env_kwargs(env_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """A shared-weight run's env kwargs with the search-time validation subset (``val_samples``) removed:
    measurements with its final weights use the whole validation split."""
    train_kwargs = env_kwargs.get("train_kwargs") or {}
    if "val_samples" not in train_kwargs:
        return dict(env_kwargs)
    return {**env_kwargs, "train_kwargs": {k: v for k, v in train_kwargs.items() if k != "val_samples"}}
