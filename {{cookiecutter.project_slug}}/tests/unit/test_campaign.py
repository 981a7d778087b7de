import json

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import (
    CampaignConfig,
    Config,
)
from {{ cookiecutter.package_name }}.data.load import (
    load_labelled,
    split_xy,
)
from {{ cookiecutter.package_name }}.inference.predictor import load_predictor
from {{ cookiecutter.package_name }}.models.campaign import (
    best_threshold,
    campaign_metrics,
)
from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult
from {{ cookiecutter.package_name }}.registry.store import HOLDOUT_FILE

# Each churner reached is worth 0.5 x 100 = 50 and each call costs 10: calling the top
# 1, 2, 3 or 4 customers earns 40, 30, 70 or 60.
TARGET = pd.Series([1, 0, 1, 0])
SCORES = np.array([0.9, 0.8, 0.7, 0.1])


@pytest.mark.parametrize(("budget", "expected"), [(None, 0.7), (2, 0.9), (0.5, 0.9)])
def test_the_threshold_maximises_profit_within_the_budget(
    budget: float | None, expected: float
) -> None:
    campaign = CampaignConfig(contact_cost=10, retained_value=100, save_rate=0.5, budget=budget)
    assert best_threshold(TARGET, SCORES, campaign) == expected


def test_lift_capture_and_profit_of_a_threshold() -> None:
    campaign = CampaignConfig(contact_cost=10, retained_value=100, save_rate=0.5, budget=0.5)
    metrics = campaign_metrics(TARGET, SCORES, 0.7, campaign)
    assert metrics["expected_profit"] == 70
    assert metrics["profit_call_everyone"] == 60
    assert metrics["contacted_share"] == 0.75
    assert metrics["capture_top_decile"] == 0.5  # the top decile of 4 rows is 1 customer
    assert metrics["lift_top_decile"] == 2.0
    assert metrics["capture_at_budget"] == 0.5


def test_the_campaign_threshold_beats_one_half_on_the_hold_out(
    trained: tuple[Config, TrainingResult],
) -> None:
    config, result = trained
    reported = json.loads(result.evaluation.metrics_path.read_text())
    assert reported["threshold_source"] == "campaign_out_of_fold"
    assert result.metadata["threshold"] == reported["threshold"]
    for key in ("lift_top_decile", "capture_top_decile", "expected_profit", "threshold"):
        assert isinstance(reported[key], float)
    features, target = split_xy(load_labelled(result.version_dir / HOLDOUT_FILE))
    scores = load_predictor(result.version_dir).predict_frame(features)
    at_half = campaign_metrics(target, scores, 0.5, config.campaign)["expected_profit"]
    assert reported["expected_profit"] > at_half
