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


def weighted_metrics(
    labels: np.ndarray, scores: np.ndarray, threshold: float, weights: np.ndarray
) -> dict[str, np.ndarray]:
    """Return each metric of ``METRICS`` for every row of ``weights`` (one weight per row).

    The values equal scikit-learn's metrics with ``sample_weight`` (the unit tests check),
    computed for many weightings at once: a bootstrap resample is a weighting (how often
    each row is drawn), and calling scikit-learn per resample takes about 40 ms per model.
    """
    flags = churn_labels(scores, threshold).astype(np.float64)
    total = weights.sum(axis=1)
    tp, fp = weights @ (labels * flags), weights @ ((1 - labels) * flags)
    fn, tn = weights @ (labels * (1 - flags)), weights @ ((1 - labels) * (1 - flags))
    eps = np.finfo(np.float64).eps
    clipped = np.clip(scores, eps, 1 - eps)
    # The curves' thresholds: the rows grouped by distinct score, highest first.
    order = np.argsort(-scores, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(scores[order]) != 0])
    drawn = weights[:, order]
    pos = np.add.reduceat(drawn * labels[order], starts, axis=1)
    neg = np.add.reduceat(drawn * (1 - labels[order]), starts, axis=1)
    cum_pos, cum_neg = pos.cumsum(axis=1), neg.cumsum(axis=1)
    n_pos, n_neg = cum_pos[:, -1], cum_neg[:, -1]
    # Each positive outranks the negatives scored lower, and half of those tied with it.
    below = n_neg[:, None] - cum_neg + neg / 2
    flagged = cum_pos + cum_neg
    precision_at = np.divide(cum_pos, flagged, out=np.ones_like(cum_pos), where=flagged > 0)

    def ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        return np.asarray(np.divide(top, bottom, out=np.zeros_like(top), where=bottom > 0))

    return {
        "roc_auc": ratio((pos * below).sum(axis=1), n_pos * n_neg),
        "pr_auc": ratio((pos * precision_at).sum(axis=1), n_pos),
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
        "precision": ratio(tp, tp + fp),
        "recall": ratio(tp, tp + fn),
        "accuracy": (tp + tn) / total,
        "brier": weights @ (scores - labels) ** 2 / total,
        "log_loss": weights
        @ -(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped))
        / total,
    }


def bootstrap_intervals(
    target: pd.Series, scored: list[tuple[np.ndarray, float]], resamples: int, seed: int
) -> dict[str, tuple[float, float]]:
    """Return the 95% interval of every metric, or of its paired difference, by resampling.

    ``scored`` holds one model's (probabilities, threshold), or two: then each resample
    of the rows scores both, and an interval is of the first's metric minus the second's.
    Resamples with one class only are skipped.
    """
    labels = np.asarray(target, dtype=np.float64)
    rows = len(labels)
    rng = np.random.default_rng(seed)
    chunk = max(1, 4_000_000 // rows)  # resamples at a time: bounds the weights' memory
    found: dict[str, list[np.ndarray]] = {name: [] for name in METRICS}
    for start in range(0, resamples, chunk):
        count = min(chunk, resamples - start)
        drawn = rng.integers(0, rows, (count, rows)) + rows * np.arange(count)[:, None]
        weights = np.bincount(drawn.ravel(), minlength=count * rows).reshape(count, rows)
        both = weights @ labels
        kept = weights[(both > 0) & (both < rows)].astype(np.float64)
        each = [weighted_metrics(labels, scores, cut, kept) for scores, cut in scored]
        for name in METRICS:
            found[name].append(each[0][name] - each[1][name] if len(each) == 2 else each[0][name])
    intervals = {}
    for name, values in found.items():
        low, high = np.percentile(np.concatenate(values), [2.5, 97.5])
        intervals[name] = (round(float(low), 6), round(float(high), 6))
    return intervals


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
