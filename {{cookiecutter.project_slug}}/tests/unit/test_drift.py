import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.data.load import parse_raw
from {{ cookiecutter.package_name }}.monitoring.drift import (
    categorical_drift,
    feature_drift,
    numeric_drift,
    prediction_drift,
    wasserstein_norm,
)
from {{ cookiecutter.package_name }}.monitoring.settings import DriftConfig


def test_the_wasserstein_distance_is_in_reference_standard_deviations() -> None:
    reference = np.array([0.0, 2.0, 4.0, 6.0])
    assert wasserstein_norm(reference, reference + 1.0) == pytest.approx(1.0 / reference.std())
    assert wasserstein_norm(reference, reference) == 0.0


def test_a_constant_reference_compares_in_raw_units() -> None:
    assert wasserstein_norm(np.zeros(5), np.ones(5)) == pytest.approx(1.0)


def test_a_shifted_numeric_column_drifts_and_blanks_are_ignored() -> None:
    rng = np.random.default_rng(0)
    reference = pd.Series(rng.normal(50, 10, 2000))
    same = pd.Series(np.append(rng.normal(50, 10, 2000), np.nan))
    shifted = pd.Series(rng.normal(56, 10, 2000))
    assert not numeric_drift(reference, same, 0.1).drift
    found = numeric_drift(reference, shifted, 0.1)
    assert found.drift
    assert found.score == pytest.approx(0.6, abs=0.1)
    assert found.current["mean"] == pytest.approx(56, abs=1)


def test_a_numeric_column_blank_in_every_current_row_is_left_out(
    raw_frame: pd.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    reference = parse_raw(raw_frame, require_target=False)
    new = raw_frame.assign(tenure="0", TotalCharges=" ")  # new customers only
    found = feature_drift(reference, parse_raw(new, require_target=False), DriftConfig())
    assert "TotalCharges" not in found
    assert found["tenure"].drift
    assert "TotalCharges is blank in every row" in caplog.text


def test_categorical_drift_compares_level_shares_including_new_levels() -> None:
    reference = pd.Series(["a"] * 50 + ["b"] * 50)
    assert categorical_drift(reference, reference.sample(frac=1, random_state=1), 0.1).score == 0
    found = categorical_drift(reference, pd.Series(["a"] * 50 + ["c"] * 50), 0.1)
    assert found.drift
    assert found.current == {"a": 0.5, "b": 0.0, "c": 0.5}
    assert found.score == pytest.approx(np.sqrt(0.5))


def test_prediction_drift_reports_the_share_predicted_to_churn() -> None:
    reference = np.array([0.1, 0.2, 0.6, 0.7])
    found = prediction_drift(reference, reference + 0.35, 0.1, decision=0.5)
    assert found["drift"] is True
    assert found["reference"]["churn_share"] == 0.5
    assert found["current"]["churn_share"] == 0.75
