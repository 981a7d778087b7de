from typing import get_args

import optuna
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import EstimatorName, ModelConfig
from {{ cookiecutter.package_name }}.data.load import parse_raw, split_xy
from {{ cookiecutter.package_name }}.models.tuning import (
    SEARCH_SPACES,
    TrialReport,
    search,
    with_params,
)


def test_every_offered_estimator_has_a_search_space() -> None:
    assert set(SEARCH_SPACES) == set(get_args(EstimatorName))


@pytest.mark.parametrize("estimator", sorted(SEARCH_SPACES))
def test_every_point_of_a_space_is_a_valid_setting(estimator: str) -> None:
    config = ModelConfig.model_validate({"estimator": estimator})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(50):
        params = SEARCH_SPACES[estimator](study.ask())
        tuned = with_params(config, params).estimator_params()
        assert tuned == {**config.estimator_params(), **params}


def test_a_trial_reports_its_mean_cross_validated_score(raw_frame: pd.DataFrame) -> None:
    config = ModelConfig()
    features, target = split_xy(parse_raw(raw_frame))
    study = optuna.create_study(direction="maximize")
    reports: list[TrialReport] = []
    search(
        study,
        config,
        features,
        target,
        seed=0,
        folds=2,
        trials=1,
        timeout=None,
        on_trial=reports.append,
    )
    (report,) = reports
    assert 0.5 < report.score <= 1.0
    assert report.best_score == report.score
    assert set(report.params) <= set(config.estimator_params())
