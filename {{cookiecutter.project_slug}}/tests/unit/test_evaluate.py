import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.models.evaluate import (
    METRIC_NAMES,
    compute_metrics,
)


def test_perfect_scores_give_perfect_metrics() -> None:
    target = pd.Series([0, 0, 1, 1])
    metrics = compute_metrics(target, np.array([0.1, 0.2, 0.8, 0.9]), threshold=0.5)
    assert set(metrics) == set(METRIC_NAMES)
    assert metrics["roc_auc"] == 1.0
    assert metrics["accuracy"] == 1.0
    assert metrics["brier"] == pytest.approx(0.025)


def test_the_threshold_moves_the_labels() -> None:
    target = pd.Series([0, 1, 1, 0])
    probabilities = np.array([0.3, 0.4, 0.9, 0.2])
    assert compute_metrics(target, probabilities, 0.5)["recall"] == 0.5
    assert compute_metrics(target, probabilities, 0.35)["recall"] == 1.0
