"""Hold-out metrics and permutation feature importance."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.pipeline import Pipeline

from .predict import churn_labels


def compute_metrics(
    target: pd.Series, probabilities: np.ndarray, threshold: float
) -> dict[str, float]:
    """Return ranking, threshold and calibration metrics of churn probabilities.

    ``target`` must hold both classes; ``check_both_classes`` says so to the user first.
    """
    predicted = churn_labels(probabilities, threshold)
    metrics = {
        "roc_auc": roc_auc_score(target, probabilities),
        "pr_auc": average_precision_score(target, probabilities),
        "f1": f1_score(target, predicted, zero_division=0),
        "precision": precision_score(target, predicted, zero_division=0),
        "recall": recall_score(target, predicted, zero_division=0),
        "accuracy": accuracy_score(target, predicted),
        "brier": brier_score_loss(target, probabilities),
        "log_loss": log_loss(target, probabilities, labels=[0, 1]),
        # What the service's share of churn predictions should be on customers like these:
        # the churn-share alert compares with it (not with the churn rate: a threshold
        # below or above 0.5 predicts more or fewer churners than there are).
        "predicted_churn_share": predicted.mean(),
    }
    return {name: round(float(value), 6) for name, value in metrics.items()}


def feature_importance(
    model: Pipeline, features: pd.DataFrame, target: pd.Series, repeats: int, seed: int
) -> pd.DataFrame:
    """Return the drop in ROC AUC when each raw column is shuffled (mean, std), largest first."""
    found = permutation_importance(
        model, features, target, scoring="roc_auc", n_repeats=repeats, random_state=seed
    )
    importances = pd.DataFrame(
        {"importance": found.importances_mean, "importance_std": found.importances_std},
        index=features.columns,
    )
    return importances.sort_values("importance", ascending=False)
