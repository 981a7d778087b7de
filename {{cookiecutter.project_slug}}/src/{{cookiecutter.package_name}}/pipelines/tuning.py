"""The tuning flow: search hyper-parameters on the training split, write the best for ``train``."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from optuna.trial import TrialState

from ..config import Config
from ..data.load import check_both_classes, split_xy
from ..files import check_writable_dir, sha256_bytes, sha256_file, write_text
from ..models.tuning import TrialReport, open_study, search
from .outcome import Tracker
from .preparation import HoldOut, split_raw

HEADER = """\
# Written by `tune`: the best hyper-parameters found on the training split.
# `train` lays them over the settings file (CHURN_* variables still override them).
# To train with the settings file's values again, replace what follows with `model: {}`.
"""


@dataclass(frozen=True)
class TuningResult:
    """What a ``tune`` run left: its study, the study's best trial, and where it was written."""

    study: str
    trials: int
    best_score: float | None
    best_params: dict[str, Any]
    params_file: Path | None
    stopped: bool


def _ignore(_: TrialReport) -> None:
    """Ignore a finished trial."""


def study_name(config: Config, hold_out: HoldOut) -> str:
    """Name a study by estimator and by what makes its scores comparable (data, split, folds)."""
    setup = [sha256_file(hold_out.source), config.seed, config.split.test_size]
    setup += [config.tuning.folds, config.model.log_numbers]
    return f"{config.model.estimator}-{sha256_bytes(json.dumps(setup).encode())[:8]}"


def write_tuned(path: Path, estimator: str, params: dict[str, Any]) -> None:
    """Set one estimator's section of the tuned file atomically, keeping the others'."""
    tuned = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    sections = dict((tuned or {}).get("model") or {})
    sections[estimator] = params
    write_text(path, HEADER + yaml.safe_dump({"model": sections}, sort_keys=False))


def run_tuning(
    config: Config,
    data_path: Path | None = None,
    *,
    trials: int | None = None,
    timeout: float | None = None,
    on_trial: Callable[[TrialReport], None] = _ignore,
    tracker: Tracker | None = None,
) -> TuningResult:
    """Search the chosen estimator's hyper-parameters by cross-validation on the training split.

    The split is the one ``train`` makes, so the hold-out rows stay unseen. Trials are
    kept in ``tuning.storage``: a second run continues the study, and Ctrl-C stops it with
    every finished trial kept. The study's best goes to ``tuning.params_file``.
    """
    out = config.tuning.params_file
    check_writable_dir(out.parent, "the folder of tuning.params_file")
    if tracker is not None:
        tracker.open()
    hold_out = split_raw(config, data_path or config.data.raw_path, write=False)
    folds = config.tuning.folds
    why = f" for {folds}-fold cross-validation (tuning.folds)"
    check_both_classes(hold_out.train, f"{hold_out.source}, training rows", folds, why)
    name = study_name(config, hold_out)
    estimator = config.model.estimator
    baseline = getattr(config.model, estimator).model_dump()
    study = open_study(config.tuning.storage, name, config.seed, baseline)
    stopped = False
    with tracker.tuning(name) if tracker else nullcontext(_ignore) as log_trial:

        def report(trial: TrialReport) -> None:
            on_trial(trial)
            log_trial(trial)

        try:
            search(
                study,
                config.model,
                *split_xy(hold_out.train),
                seed=config.seed,
                folds=folds,
                trials=trials or config.tuning.trials,
                timeout=timeout or config.tuning.timeout,
                on_trial=report,
            )
        except KeyboardInterrupt:  # Ctrl-C: the trial in progress is dropped, the rest kept
            stopped = True
    finished = study.get_trials(deepcopy=False, states=[TrialState.COMPLETE])
    if not finished:
        return TuningResult(name, 0, None, {}, None, stopped)
    write_tuned(out, estimator, study.best_params)
    return TuningResult(name, len(finished), study.best_value, study.best_params, out, stopped)
