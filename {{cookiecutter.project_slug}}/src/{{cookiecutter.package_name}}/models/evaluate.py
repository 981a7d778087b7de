"""Hold-out metrics and permutation feature importance."""

from __future__ import annotations

from collections.abc import Callable

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

Metric = Callable[[np.ndarray, np.ndarray, np.ndarray], float]
#: Each metric of (0/1 target, probabilities, flags at the threshold).
METRICS: dict[str, Metric] = {
    "roc_auc": lambda target, scores, _: roc_auc_score(target, scores),
    "pr_auc": lambda target, scores, _: average_precision_score(target, scores),
    "f1": lambda target, _, flags: f1_score(target, flags, zero_division=0),
    "precision": lambda target, _, flags: precision_score(target, flags, zero_division=0),
    "recall": lambda target, _, flags: recall_score(target, flags, zero_division=0),
    "accuracy": lambda target, _, flags: accuracy_score(target, flags),
    "brier": lambda target, scores, _: brier_score_loss(target, scores),
    "log_loss": lambda target, scores, _: log_loss(target, scores, labels=[0, 1]),
}


def compute_metrics(
    target: pd.Series, probabilities: np.ndarray, threshold: float
) -> dict[str, float]:
    """Return ranking, threshold and calibration metrics of churn probabilities.

    ``target`` must hold both classes; ``check_both_classes`` says so to the user first.
    """
    flags = churn_labels(probabilities, threshold)
    metrics = {name: metric(target, probabilities, flags) for name, metric in METRICS.items()}
    # What the service's share of churn predictions should be on customers like these:
    # the churn-share alert compares with it (not with the churn rate: a threshold
    # below or above 0.5 predicts more or fewer churners than there are).
    metrics["predicted_churn_share"] = flags.mean()
    return {name: round(float(value), 6) for name, value in metrics.items()}


def bootstrap_interval(
    target: pd.Series,
    scored: list[tuple[np.ndarray, float]],
    metric: str,
    resamples: int,
    seed: int,
) -> tuple[float, float]:
    """Return the 95% interval of a metric, or of its paired difference, by resampling rows.

    ``scored`` holds one model's (probabilities, threshold), or two: then each resample
    of the rows scores both, and the interval is of the first's metric minus the second's.
    Resamples with one class only are skipped.
    """
    rng = np.random.default_rng(seed)
    labels = np.asarray(target)
    values = []
    for _ in range(resamples):
        rows = rng.integers(0, len(labels), len(labels))
        if labels[rows].min() == labels[rows].max():
            continue
        each = [
            METRICS[metric](labels[rows], scores[rows], churn_labels(scores[rows], threshold))
            for scores, threshold in scored
        ]
        values.append(each[0] - each[1] if len(each) == 2 else each[0])
    low, high = np.percentile(values, [2.5, 97.5])
    return round(float(low), 6), round(float(high), 6)


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
