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
    METRICS,
    bootstrap_intervals,
    compute_metrics,
    feature_importance,
    weighted_metrics,
)
from {{ cookiecutter.package_name }}.models.predict import churn_labels
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


def test_weighted_metrics_equal_scikit_learns_with_sample_weight() -> None:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 300).astype(float)
    scores = np.round(rng.random(300), 2)  # ties, as a tree model's scores have
    weights = rng.integers(0, 3, (5, 300)).astype(float)  # zeros: rows a resample missed
    found = weighted_metrics(labels, scores, 0.4, weights)
    flags = churn_labels(scores, 0.4)
    for name, metric in METRICS.items():
        for row, weight in enumerate(weights):
            kept = weight > 0
            # A weight of 2 is the row drawn twice: scikit-learn on the repeated rows.
            repeated = np.repeat(np.flatnonzero(kept), weight[kept].astype(int))
            expected = metric(labels[repeated], scores[repeated], flags[repeated])
            assert found[name][row] == pytest.approx(expected, abs=1e-9), name


def test_a_bootstrap_interval_holds_the_metric() -> None:
    rng = np.random.default_rng(4)
    target = pd.Series(rng.integers(0, 2, 500))
    scores = np.clip(target * 0.3 + rng.random(500) * 0.7, 0, 1)
    intervals = bootstrap_intervals(target, [(scores, 0.5)], resamples=200, seed=0)
    point = compute_metrics(target, scores, 0.5)
    for name in METRICS:
        low, high = intervals[name]
        assert low < point[name] < high, name
    assert intervals == bootstrap_intervals(target, [(scores, 0.5)], resamples=200, seed=0)


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
