"""Runs written into an Optuna storage (``nas-env export DIR --optuna URL``): one study per run, idempotent.

**One study per run**, named ``<prefix><agent>/seed<k>``, its trials the run's evaluations (:mod:`.trials`).
Each study carries a user attribute ``nas_env_export`` (the run's source directory, how many evaluations
were written and a fingerprint of them, :func:`~nas_env.benchmarks.export.source.fingerprint`). An export
run again:

=============  ============================================================================================
``unchanged``  the study holds exactly this run's evaluations: nothing is written
``appended``   the run has gone on since (a live search): only the new evaluations are added
``replaced``   the study was exported from this directory but no longer matches it (the run was re-made):
               the study is deleted and written anew
``created``    no study of that name: it is made
=============  ============================================================================================

A study of that name that nas-env did not write, or that holds another directory's different run, is never
touched: a one-line error suggests ``--prefix``.

**Bulk writes.** Optuna's ``Study.add_trials`` commits each trial on its own (about 17 s for 500 trials into
SQLite on a loaded 2-core machine); here every trial is validated by ``optuna.trial.create_trial`` and then
all of a study's trials, parameters, values and attributes are inserted in one transaction through
Optuna's own table definitions (``optuna.storages._rdb.models``), about 0.1 s for 500. Should that module
change shape, the export falls back to ``add_trials`` (same trials, slower); tests check both give the
same study.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any

from nas_env.benchmarks.export.source import ExportRun, SpaceCache, fingerprint, run_started
from nas_env.benchmarks.export.trials import TrialRow, directions, objective_names, trial_rows

__all__ = ["MARKER", "StudyOutcome", "export_to_optuna", "open_storage"]

#: the study user attribute that marks a study written by nas-env export
MARKER = "nas_env_export"


@dataclass
class StudyOutcome:
    """What an export did to one study."""

    study: str
    action: str  # created, appended, replaced, unchanged
    trials: int
    new: int
    warnings: list[str] = field(default_factory=list)


def open_storage(url: str) -> Any:
    """Optuna's ``RDBStorage`` for ``url`` (``sqlite:///runs.db``, ``postgresql://...``); ``ValueError`` in one
    line for a URL it cannot open; ``ImportError`` with the install hint without Optuna."""
    from nas_env.agents.optuna_agent import import_optuna

    optuna = import_optuna("nas-env export --optuna")
    if "://" not in str(url):
        raise ValueError(f"--optuna {url!r} is not a database URL; valid: e.g. sqlite:///runs.db, "
                         "postgresql://user@host/db, mysql://user@host/db")
    try:
        return optuna.storages.RDBStorage(str(url))
    except Exception as exc:  # noqa: BLE001 (SQLAlchemy's and the driver's errors: one line)
        raise ValueError(f"--optuna {url!r}: Optuna cannot open this storage: "
                         f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None


def _frozen(rows: Sequence[TrialRow]) -> list[Any]:
    """Validated ``FrozenTrial`` objects (naive local datetimes, as Optuna keeps them)."""
    from optuna.distributions import CategoricalDistribution
    from optuna.trial import TrialState, create_trial

    out = []
    for row in rows:
        ft = create_trial(state=TrialState[row.state], values=row.values,
                          params={k: label for k, (label, _) in row.params.items()},
                          distributions={k: CategoricalDistribution(list(ch)) for k, (_, ch) in row.params.items()},
                          user_attrs=row.user_attrs)
        ft.datetime_start = row.start.astimezone().replace(tzinfo=None)
        ft.datetime_complete = row.complete.astimezone().replace(tzinfo=None)
        out.append(ft)
    return out


def _utc(value: Any) -> Any:
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def _bulk_insert(storage: Any, study_id: int, trials: Sequence[Any]) -> None:
    """All ``trials`` in one transaction, numbered after the study's existing ones (see the module docstring)."""
    import sqlalchemy as sa
    from optuna.distributions import distribution_to_json
    from optuna.storages._rdb import models

    tables = (models.TrialModel.__table__, models.TrialParamModel.__table__, models.TrialValueModel.__table__,
              models.TrialUserAttributeModel.__table__)
    t_trial, t_param, t_value, t_attr = tables
    with storage.engine.begin() as conn:
        first = conn.execute(sa.select(sa.func.count()).select_from(t_trial)
                             .where(t_trial.c.study_id == study_id)).scalar_one()
        res = conn.execute(sa.insert(t_trial).returning(t_trial.c.trial_id, sort_by_parameter_order=True),
                           [{"number": first + i, "study_id": study_id, "state": t.state,
                             "datetime_start": _utc(t.datetime_start), "datetime_complete": _utc(t.datetime_complete)}
                            for i, t in enumerate(trials)])
        params, values, attrs = [], [], []
        for trial_id, t in zip([r[0] for r in res], trials):
            for objective, v in enumerate(t.values or []):
                stored, kind = models.TrialValueModel.value_to_stored_repr(v)
                values.append({"trial_id": trial_id, "objective": objective, "value": stored, "value_type": kind})
            for name, label in t.params.items():
                dist = t.distributions[name]
                params.append({"trial_id": trial_id, "param_name": name, "param_value": dist.to_internal_repr(label),
                               "distribution_json": distribution_to_json(dist)})
            for key, v in t.user_attrs.items():
                attrs.append({"trial_id": trial_id, "key": key, "value_json": json.dumps(v)})
        for table, batch in ((t_param, params), (t_value, values), (t_attr, attrs)):
            if batch:
                conn.execute(sa.insert(table), batch)


def _write(storage: Any, study_id: int, trials: Sequence[Any], bulk: bool) -> None:
    if not trials:
        return
    if bulk:
        try:
            _bulk_insert(storage, study_id, trials)
            return
        except (ImportError, AttributeError):  # Optuna's private tables changed shape: the public way
            pass
    import optuna

    name = storage.get_study_name_from_id(study_id)
    optuna.load_study(study_name=name, storage=storage).add_trials(trials)


def _study_attrs(run: ExportRun, objectives: list[str]) -> dict[str, Any]:
    rec = run.record
    attrs = {"env_id": rec.run.get("env_id"), "env_kwargs": rec.run.get("env_kwargs") or {}, "agent": rec.agent,
             "seed": rec.seed, "objectives": ["reward", *objectives], "source": str(rec.path.resolve())}
    if run.benchmark:
        attrs["protocol"] = run.benchmark
    return attrs


def _decide(storage: Any, name: str, url: str, run: ExportRun, dirs: list[str]) -> tuple[str, int | None, int]:
    """(action, study id or None, evaluations already written) for study ``name``; ``ValueError`` for a study
    nas-env must not touch."""
    try:
        study_id = storage.get_study_id_from_name(name)
    except KeyError:
        return "created", None, 0
    mark = storage.get_study_user_attrs(study_id).get(MARKER)
    hint = "pass --prefix NAME/ to export beside it, or delete that study"
    if not isinstance(mark, dict):
        raise ValueError(f"study {name!r} in {url} was not written by nas-env export; {hint}")
    rec, done = run.record, int(mark.get("evaluations", -1))
    same_shape = [str(d).lower() for d in mark.get("directions", [])] == dirs
    written = len(storage.get_all_trials(study_id, deepcopy=False))
    if same_shape and 0 <= done <= len(rec.history) and written == done \
            and fingerprint(rec, done) == mark.get("sha256"):
        return ("unchanged" if done == len(rec.history) else "appended"), study_id, done
    if mark.get("source") != str(rec.path.resolve()):
        raise ValueError(f"study {name!r} in {url} holds another directory's run ({mark.get('source')}); {hint}")
    return "replaced", study_id, 0


def export_to_optuna(runs: Sequence[ExportRun], url: str, prefix: str = "", *, bulk: bool = True,
                     spaces: SpaceCache | None = None) -> list[StudyOutcome]:
    """Write each of ``runs`` into its study of the Optuna storage ``url`` (see the module docstring)."""
    import optuna
    from optuna.study import StudyDirection

    storage = open_storage(url)
    spaces = spaces or SpaceCache()
    outcomes = []
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        plans = []  # every study checked before any is written: a refused one leaves the storage as it was
        for run in runs:
            rec, name = run.record, f"{prefix}{run.study}"
            space, why = spaces.get(rec.run)
            objectives = objective_names(rec.run, rec.summary, rec.extras)
            dirs = directions(objectives)
            plans.append((run, name, space, why, objectives, dirs, *_decide(storage, name, url, run, dirs)))
        for run, name, space, why, objectives, dirs, action, study_id, done in plans:
            rec = run.record
            if action == "replaced":
                storage.delete_study(study_id)
                study_id = None
            warnings = [f"{name}: the search space could not be rebuilt ({why}); parameters are token "
                        "positions"] if space is None else []
            if action != "unchanged":
                rows = trial_rows(rec.history[done:], space, objectives, run_started(rec))
                warnings += [w for row in rows for w in row.warnings]
                if study_id is None:
                    study_id = storage.create_new_study([StudyDirection[d.upper()] for d in dirs], name)
                    for key, value in _study_attrs(run, objectives).items():
                        storage.set_study_user_attr(study_id, key, value)
                    storage.set_study_user_attr(study_id, MARKER, _mark(run, 0, dirs))
                _write(storage, study_id, _frozen(rows), bulk)
                storage.set_study_user_attr(study_id, MARKER, _mark(run, len(rec.history), dirs))
            outcomes.append(StudyOutcome(name, action, len(rec.history), len(rec.history) - done
                                         if action != "unchanged" else 0, warnings))
    finally:
        optuna.logging.set_verbosity(verbosity)
    return outcomes


def _mark(run: ExportRun, evaluations: int, dirs: list[str]) -> dict[str, Any]:
    return {"format": 1, "source": str(run.record.path.resolve()), "evaluations": evaluations,
            "sha256": fingerprint(run.record, evaluations), "directions": dirs}
