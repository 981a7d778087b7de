"""Hyper-parameter search with Optuna: the mean ROC AUC of stratified cross-validation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
from sklearn.model_selection import StratifiedKFold, cross_val_score

from ..config import ModelConfig
from .train import build_pipeline

#: The metric each trial maximises: the mean over the folds.
SCORING = "roc_auc"


def _logistic_regression(trial: optuna.Trial) -> dict[str, Any]:
    """Regularisation strength over five decades, and class weights."""
    return {
        "C": trial.suggest_float("C", 1e-3, 100.0, log=True),
        "class_weight": trial.suggest_categorical("class_weight", [None, "balanced"]),
    }


def _random_forest(trial: optuna.Trial) -> dict[str, Any]:
    """Trees, leaf size (the forest's smoothing) and class weights; the rest as configured."""
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 500, log=True),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 100, log=True),
        "class_weight": trial.suggest_categorical("class_weight", [None, "balanced"]),
    }


def _hist_gradient_boosting(trial: optuna.Trial) -> dict[str, Any]:
    """Learning rate with the number of iterations, tree size and regularisation."""
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "max_iter": trial.suggest_int("max_iter", 50, 500, log=True),
        "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 4, 64, log=True),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 100, log=True),
        "l2_regularization": trial.suggest_float("l2_regularization", 1e-3, 10.0, log=True),
    }


#: The search space of each estimator: the hyper-parameters a trial draws, with their ranges.
SEARCH_SPACES: dict[str, Callable[[optuna.Trial], dict[str, Any]]] = {
    "logistic_regression": _logistic_regression,
    "random_forest": _random_forest,
    "hist_gradient_boosting": _hist_gradient_boosting,
}


@dataclass(frozen=True)
class TrialReport:
    """One finished trial: its number, hyper-parameters, score, and the study's best score."""

    number: int
    params: dict[str, Any]
    score: float
    best_score: float


def with_params(config: ModelConfig, params: dict[str, Any]) -> ModelConfig:
    """Return ``config`` with the chosen estimator's hyper-parameters updated and validated."""
    section = getattr(config, config.estimator)
    updated = type(section).model_validate({**section.model_dump(), **params})
    return config.model_copy(update={config.estimator: updated})


def cv_score(
    config: ModelConfig, features: pd.DataFrame, target: pd.Series, seed: int, folds: int
) -> float:
    """Return the mean ROC AUC of seeded, stratified ``folds``-fold cross-validation."""
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed)
    scores = cross_val_score(
        build_pipeline(config, seed), features, target, cv=splits, scoring=SCORING
    )
    return float(np.mean(scores))


def open_study(storage: Path, name: str, seed: int, baseline: dict[str, Any]) -> optuna.Study:
    """Create the study in a SQLite file, or load it to continue where the last run stopped.

    A new study first tries ``baseline`` (the configured values), so its best is never
    worse than them.
    """
    storage.parent.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(
        storage=f"sqlite:///{storage.resolve().as_posix()}",
        study_name=name,
        direction="maximize",
        load_if_exists=True,
    )
    # Seeded, and the seed moves on with the study: a resumed run draws new points.
    study.sampler = optuna.samplers.TPESampler(seed=seed + len(study.trials))
    if not study.trials:
        study.enqueue_trial(baseline)
    return study


def search(
    study: optuna.Study,
    config: ModelConfig,
    features: pd.DataFrame,
    target: pd.Series,
    *,
    seed: int,
    folds: int,
    trials: int,
    timeout: float | None,
    on_trial: Callable[[TrialReport], None],
) -> None:
    """Run up to ``trials`` more trials (or until ``timeout`` seconds) on these rows only."""
    suggest = SEARCH_SPACES[config.estimator]

    def objective(trial: optuna.Trial) -> float:
        return cv_score(with_params(config, suggest(trial)), features, target, seed, folds)

    def report(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if trial.value is not None:  # a failed trial has none
            on_trial(TrialReport(trial.number, trial.params, trial.value, study.best_value))

    study.optimize(objective, n_trials=trials, timeout=timeout, callbacks=[report])
