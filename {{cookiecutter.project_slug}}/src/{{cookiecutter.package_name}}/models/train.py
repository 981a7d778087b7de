"""Build and fit the scikit-learn Pipeline chosen in the configuration."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from ..config import ModelConfig
from ..features.build import build_preprocessor

#: Folds of the out-of-fold scores that the campaign threshold is chosen on.
FOLDS = 5


def build_estimator(config: ModelConfig, seed: int) -> ClassifierMixin:
    """Return the unfitted estimator named in ``config`` with its hyper-parameters."""
    params = config.estimator_params()
    if config.estimator == "logistic_regression":
        return LogisticRegression(**params)
    if config.estimator == "random_forest":
        return RandomForestClassifier(**params, random_state=seed)
    return HistGradientBoostingClassifier(**params, random_state=seed)


def build_pipeline(config: ModelConfig, seed: int) -> Pipeline:
    """Return the unfitted preprocessing + estimator pipeline."""
    preprocess = build_preprocessor(config.log_numbers)
    return Pipeline([("preprocess", preprocess), ("model", build_estimator(config, seed))])


def fit_pipeline(
    config: ModelConfig, features: pd.DataFrame, target: pd.Series, seed: int
) -> Pipeline:
    """Fit a new pipeline on parsed raw features and the 0/1 target."""
    return build_pipeline(config, seed).fit(features, target)


def out_of_fold(
    config: ModelConfig, features: pd.DataFrame, target: pd.Series, seed: int, folds: int = FOLDS
) -> np.ndarray:
    """Return each row's churn probability from a pipeline fitted on the other folds."""
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed)
    found = cross_val_predict(
        build_pipeline(config, seed), features, target, cv=splits, method="predict_proba"
    )
    return np.asarray(found[:, 1])
