"""Hold-out metrics and permutation feature importance."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    get_scorer,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state

from ..features.build import feature_blocks
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


def permutation_scores(
    model: Pipeline, features: pd.DataFrame, target: pd.Series, repeats: int, seed: int
) -> tuple[float, np.ndarray]:
    """Return the ROC AUC and, per raw column and repeat, the ROC AUC with that column shuffled.

    The same numbers as ``sklearn.inspection.permutation_importance(model, features, ...)``
    (one seed drawn from ``seed``, the same shuffles for every column), but ``features`` is
    encoded once: shuffling a raw column shuffles the rows of its block of the encoded
    matrix (``feature_blocks``), so only the estimator runs again for each shuffle.
    """
    if len(model.steps) != 2:
        raise ValueError("permutation_scores expects a preprocessor and an estimator")
    preprocessor, estimator = model[0], model[-1]
    blocks = feature_blocks(preprocessor)
    encoded = preprocessor.transform(features)
    scorer = get_scorer("roc_auc")
    baseline = float(scorer(estimator, encoded, target))
    random_seed = check_random_state(seed).randint(np.iinfo(np.int32).max + 1)
    scores = np.full((features.shape[1], repeats), baseline)
    for index, column in enumerate(features.columns):
        block = blocks.get(str(column))
        if block is None:  # a column the preprocessor drops: shuffling it changes nothing
            continue
        random_state = check_random_state(random_seed)
        permuted = encoded.copy()
        order = np.arange(len(encoded))
        for repeat in range(repeats):
            random_state.shuffle(order)
            permuted[:, block] = permuted[order, block]
            scores[index, repeat] = scorer(estimator, permuted, target)
    return baseline, scores


def feature_importance(
    model: Pipeline, features: pd.DataFrame, target: pd.Series, repeats: int, seed: int
) -> pd.DataFrame:
    """Return the drop in ROC AUC when each raw column is shuffled (mean, std), largest first."""
    baseline, scores = permutation_scores(model, features, target, repeats, seed)
    drops = baseline - scores
    importances = pd.DataFrame(
        {"importance": drops.mean(axis=1), "importance_std": drops.std(axis=1)},
        index=features.columns,
    )
    return importances.sort_values("importance", ascending=False)
