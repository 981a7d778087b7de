import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from {{ cookiecutter.package_name }}.config import parse_config
from {{ cookiecutter.package_name }}.data.load import (
    parse_raw,
    split_xy,
)
from {{ cookiecutter.package_name }}.models.predict import predict_proba
from {{ cookiecutter.package_name }}.models.train import (
    build_pipeline,
    fit_pipeline,
)

from tests.conftest import SMALL_ESTIMATORS


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("logistic_regression", LogisticRegression),
        ("random_forest", RandomForestClassifier),
        ("hist_gradient_boosting", HistGradientBoostingClassifier),
    ],
)
def test_each_configured_estimator_fits_and_scores(
    raw_frame: pd.DataFrame, name: str, kind: type
) -> None:
    model_config = parse_config({"model": {"estimator": name, name: SMALL_ESTIMATORS[name]}}).model
    assert isinstance(build_pipeline(model_config, seed=0).named_steps["model"], kind)
    features, target = split_xy(parse_raw(raw_frame))
    pipeline = fit_pipeline(model_config, features, target, seed=0)
    probabilities = predict_proba(pipeline, features)
    assert probabilities.shape == (len(features),)
    assert ((probabilities >= 0) & (probabilities <= 1)).all()


def test_hyper_parameters_come_from_the_config() -> None:
    model_config = parse_config({"model": {"logistic_regression": {"C": 0.25}}}).model
    assert build_pipeline(model_config, seed=0).named_steps["model"].C == 0.25
