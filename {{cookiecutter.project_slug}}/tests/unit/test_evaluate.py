import numpy as np
import pandas as pd
import pytest
from sklearn.inspection import permutation_importance

from {{ cookiecutter.package_name }}.config import parse_config
from {{ cookiecutter.package_name }}.data.load import (
    parse_raw,
    split_xy,
)
from {{ cookiecutter.package_name }}.models.evaluate import (
    compute_metrics,
    feature_importance,
)
from {{ cookiecutter.package_name }}.models.train import fit_pipeline


def test_perfect_scores_give_perfect_metrics() -> None:
    target = pd.Series([0, 0, 1, 1])
    metrics = compute_metrics(target, np.array([0.1, 0.2, 0.8, 0.9]), threshold=0.5)
    assert set(metrics) == {
        "roc_auc",
        "pr_auc",
        "f1",
        "precision",
        "recall",
        "accuracy",
        "brier",
        "log_loss",
        "predicted_churn_share",
    }
    assert metrics["roc_auc"] == 1.0
    assert metrics["accuracy"] == 1.0
    assert metrics["brier"] == pytest.approx(0.025)


def test_the_threshold_moves_the_labels() -> None:
    target = pd.Series([0, 1, 1, 0])
    probabilities = np.array([0.3, 0.4, 0.9, 0.2])
    assert compute_metrics(target, probabilities, 0.5)["recall"] == 0.5
    assert compute_metrics(target, probabilities, 0.35)["recall"] == 1.0
    # The share the service's churn-share alert expects: 1 then 2 of 4 predicted to churn.
    assert compute_metrics(target, probabilities, 0.5)["predicted_churn_share"] == 0.25
    assert compute_metrics(target, probabilities, 0.35)["predicted_churn_share"] == 0.5


def test_feature_importance_equals_scikit_learns_permutation_importance(
    raw_frame: pd.DataFrame,
) -> None:
    # One estimator is enough: the importance does not depend on which one is fitted
    # (a forest would triple the test's time).
    model_config = parse_config({"model": {"estimator": "logistic_regression"}}).model
    features, target = split_xy(parse_raw(raw_frame))
    pipeline = fit_pipeline(model_config, features.iloc[:400], target.iloc[:400], seed=0)
    hold_out, hold_out_target = features.iloc[400:], target.iloc[400:]
    expected = permutation_importance(
        pipeline, hold_out, hold_out_target, scoring="roc_auc", n_repeats=2, random_state=11
    )
    importances = feature_importance(pipeline, hold_out, hold_out_target, repeats=2, seed=11)
    assert importances["importance"].is_monotonic_decreasing
    ordered = importances.loc[hold_out.columns]
    assert np.allclose(ordered["importance"], expected.importances_mean)
    assert np.allclose(ordered["importance_std"], expected.importances_std)
    assert ordered["importance"].abs().sum() > 0
