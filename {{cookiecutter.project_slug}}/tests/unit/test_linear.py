import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from {{ cookiecutter.package_name }}.data.columns import Coded, Columns
from {{ cookiecutter.package_name }}.inference.encoding import Encoder
from {{ cookiecutter.package_name }}.inference.linear import (
    AGREEMENT,
    LinearScorer,
    linear_scorer,
    probe_columns,
)
from {{ cookiecutter.package_name }}.inference.predictor import (
    INPUT,
    OUTPUTS,
    load_predictor,
    onnx_session,
)
from tests.model_files import production_folder

ENCODER = Encoder(
    ("tenure", "TotalCharges"),
    {"Contract": ("Monthly", "Yearly", "Two year"), "gender": ("F", "M")},
)
#: A logistic regression on the encoded matrix: blanks imputed with 12.0, then scaled.
WEIGHTS = np.array([-0.8, 0.002, 1.3, -0.4, -2.1, 0.25, -0.15])
INTERCEPT = -0.7
MEAN, SCALE = np.array([30.0, 900.0]), np.array([20.0, 1500.0])


def logistic(matrix: np.ndarray) -> np.ndarray:
    numbers = np.where(np.isnan(matrix[:, :2]), 12.0, matrix[:, :2])
    scaled = np.hstack([(numbers - MEAN) / SCALE, matrix[:, 2:]])
    logit = np.asarray(INTERCEPT + scaled @ WEIGHTS)
    return np.asarray(1.0 / (1.0 + np.exp(-logit)))


def test_the_weights_are_read_back_from_the_model_itself() -> None:
    scorer = LinearScorer.read_back(logistic, ENCODER)
    assert scorer.intercept == pytest.approx(INTERCEPT - WEIGHTS[:2] @ (MEAN / SCALE))
    (tenure, slope, blank), (total, total_slope, _) = scorer.numbers
    assert (tenure, total) == ("tenure", "TotalCharges")
    assert slope == pytest.approx(WEIGHTS[0] / SCALE[0])
    assert total_slope == pytest.approx(WEIGHTS[1] / SCALE[1])
    assert blank == pytest.approx(WEIGHTS[0] * 12.0 / SCALE[0])  # a blank is imputed
    assert scorer.levels["Contract"] == pytest.approx(
        {"Monthly": 1.3, "Yearly": -0.4, "Two year": -2.1}
    )


def test_rows_batches_and_codes_score_as_the_model_does(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        scorer = linear_scorer(logistic, ENCODER, "logistic_regression")
    assert scorer is not None
    assert "graph is linear: scored with its weights" in caplog.text
    columns: dict[str, list[Any]] = {
        "tenure": [1, 0, 72, 5, 30],
        "TotalCharges": [29.85, " ", 8684.8, None, float("nan")],
        "Contract": ["Yearly", "Monthly", "Two year", "Weekly", "Monthly"],  # Weekly: unknown
        "gender": ["F", "M", "M", "F", "X"],
    }
    expected = logistic(ENCODER.encode(columns))
    assert scorer.score_columns(columns) == pytest.approx(expected, abs=1e-12)
    rows = [{column: columns[column][i] for column in columns} for i in range(5)]
    assert [scorer.score_row(row) for row in rows] == pytest.approx(expected, abs=1e-12)
    coded: Columns = {
        **columns,
        "Contract": Coded(np.array([1, 0, 2, -1, 0]), ("Monthly", "Yearly", "Two year")),
    }
    assert scorer.score_columns(coded) == pytest.approx(expected, abs=1e-12)


def test_extreme_logits_give_zero_and_one_without_overflow() -> None:
    steep = LinearScorer(0.0, (("tenure", 100.0, 0.0),), {})
    row = {"tenure": 20.0, "TotalCharges": 0.0, "Contract": "Monthly", "gender": "F"}
    assert steep.score_row(row) == 1.0
    assert steep.score_row({**row, "tenure": -20.0}) == 0.0
    columns = {column: [value, value] for column, value in row.items()}
    columns["tenure"] = [20.0, -20.0]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert steep.score_columns(columns).tolist() == [1.0, 0.0]


def test_a_model_that_is_not_linear_keeps_onnx_runtime(caplog: pytest.LogCaptureFixture) -> None:
    def interacting(matrix: np.ndarray) -> np.ndarray:
        bump = 0.3 * matrix[:, 2] * matrix[:, 5]  # Monthly and male together
        return np.asarray(1.0 / (1.0 + np.exp(-(np.log(logistic(matrix)) + bump))))

    with caplog.at_level(logging.WARNING):
        assert linear_scorer(interacting, ENCODER, "logistic_regression") is None
    assert "differ from ONNX Runtime" in caplog.text


def test_other_estimators_are_not_read_back() -> None:
    def unused(matrix: np.ndarray) -> np.ndarray:
        raise AssertionError("a tree model must not be probed")

    assert linear_scorer(unused, ENCODER, "random_forest") is None


def test_probe_customers_cover_every_level_and_blanks() -> None:
    columns = probe_columns(ENCODER)
    for column, levels in ENCODER.levels.items():
        assert set(columns[column]) == set(levels)
    for column in ENCODER.numeric:
        assert any(math.isnan(value) for value in columns[column])
        assert len(set(columns[column])) > 3


def test_the_trained_logistic_regression_scores_as_onnx_runtime(models_dir: Path) -> None:
    predictor = load_predictor(models_dir)
    assert isinstance(getattr(predictor.score_row, "__self__", None), LinearScorer)
    folder = production_folder(models_dir)
    session = onnx_session((folder / predictor.metadata["onnx"]["file"]).read_bytes())
    encoder = Encoder.from_metadata(predictor.metadata["onnx"]["encoding"])
    columns = probe_columns(encoder, 500)
    expected = session.run(OUTPUTS, {INPUT: encoder.encode(columns)})[0][:, 1]
    assert np.max(np.abs(predictor.predict_columns(columns) - expected)) <= AGREEMENT
    rows = [{column: columns[column][i] for column in columns} for i in range(500)]
    single = np.array([predictor.predict_row(row) for row in rows])
    assert np.max(np.abs(single - expected)) <= AGREEMENT
