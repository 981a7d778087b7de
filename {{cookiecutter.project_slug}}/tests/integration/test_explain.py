"""Reasons per customer: exact for the linear model, shap for trees, off unless asked."""

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import parse_config
from {{ cookiecutter.package_name }}.data.examples import EXAMPLE_CUSTOMER
from {{ cookiecutter.package_name }}.data.io import BatchReader, BatchWriter
from {{ cookiecutter.package_name }}.data.load import parse_raw, split_xy
from {{ cookiecutter.package_name }}.data.schema import (
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    NUMERIC_FEATURES,
)
from {{ cookiecutter.package_name }}.errors import ExplainError
from {{ cookiecutter.package_name }}.features.build import build_preprocessor
from {{ cookiecutter.package_name }}.inference.explain import (
    Explanation,
    encoded_columns,
)
from {{ cookiecutter.package_name }}.inference.predictor import (
    Predictor,
    SklearnPredictor,
    load_predictor,
)
from {{ cookiecutter.package_name }}.models.train import fit_pipeline
from {{ cookiecutter.package_name }}.pipelines.batch_inference import (
    REASON_COLUMNS,
    score_file,
)
from {{ cookiecutter.package_name }}.registry.artifacts import load_model
from {{ cookiecutter.package_name }}.registry.metadata import LinearTerms

from .conftest import ServeFactory, held_request
from tests.conftest import SMALL_ESTIMATORS
from tests.model_files import edit_metadata

HAS_SHAP = importlib.util.find_spec("shap") is not None


@pytest.fixture(scope="module")
def features(raw_frame: pd.DataFrame) -> pd.DataFrame:
    return split_xy(parse_raw(raw_frame.head(80)))[0]


def logit(p: np.ndarray) -> np.ndarray:
    return np.asarray(np.log(p) - np.log1p(-p))


def predictors(models_dir: Path) -> dict[str, Predictor]:
    loaded = load_model(models_dir)
    return {
        "onnx": load_predictor(models_dir),
        "sklearn": SklearnPredictor(loaded.metadata, loaded.pipeline),
    }


@pytest.mark.parametrize("backend", ["onnx", "sklearn"])
@pytest.mark.parametrize("rows", [1, 80])
def test_reasons_and_baseline_add_up_to_the_logit(
    models_dir: Path, features: pd.DataFrame, backend: str, rows: int
) -> None:
    predictor = predictors(models_dir)[backend]
    frame = features.head(rows)
    explanation = predictor.explain_frame(frame)
    assert explanation.scale == "log_odds"
    assert explanation.contributions.shape == (rows, len(FEATURE_COLUMNS))
    total = explanation.baseline + explanation.contributions.sum(axis=1)
    assert total == pytest.approx(logit(predictor.predict_frame(frame)), abs=1e-6)
    decision = load_model(models_dir).pipeline.decision_function(frame)
    assert total == pytest.approx(decision, abs=1e-6)


def test_a_contribution_is_the_coefficient_times_the_encoded_value(
    models_dir: Path, features: pd.DataFrame
) -> None:
    pipeline = load_model(models_dir).pipeline
    terms = load_predictor(models_dir).metadata["explain"]
    [index] = [i for i, column in enumerate(terms["columns"]) if column == "tenure"]
    encoded = pipeline[:-1].transform(features.head(3))[:, index]
    expected = pipeline[-1].coef_[0, index] * encoded
    explanation = load_predictor(models_dir).explain_frame(features.head(3))
    assert explanation.contributions[:, FEATURE_COLUMNS.index("tenure")] == pytest.approx(expected)
    # A categorical column: the coefficient of the customer's level (the others' are 0).
    level = features["Contract"].iloc[0]
    [index] = [
        i
        for i, name in enumerate(pipeline[0].get_feature_names_out())
        if name == f"Contract_{level}"
    ]
    column = explanation.contributions[0, FEATURE_COLUMNS.index("Contract")]
    assert column == pytest.approx(pipeline[-1].coef_[0, index])
    assert explanation.baseline[0] == pytest.approx(pipeline[-1].intercept_[0])


def test_top_reasons_are_the_largest_positive_contributions() -> None:
    contributions = np.zeros((2, len(FEATURE_COLUMNS)))
    contributions[0, [2, 5, 7, 9]] = [0.1, 0.4, 0.2, 0.3]
    contributions[1, [3]] = [0.5]
    contributions[1, [4]] = [-1.0]
    top = Explanation(contributions, np.zeros(2), "log_odds").top()
    names = FEATURE_COLUMNS
    assert [column[0] for column in top] == [names[5], names[9], names[7]]
    assert [column[1] for column in top] == [names[3], None, None]


def test_the_api_explains_only_when_asked(client: TestClient) -> None:
    plain = client.post("/predict", json=EXAMPLE_CUSTOMER).json()
    assert plain["reasons"] is None
    assert plain["baseline"] is None
    answer = client.post("/predict", params={"explain": "true"}, json=EXAMPLE_CUSTOMER).json()
    contributions = [reason["contribution"] for reason in answer["reasons"]]
    assert sorted(reason["feature"] for reason in answer["reasons"]) == sorted(FEATURE_COLUMNS)
    assert contributions == sorted(contributions, reverse=True)
    p = answer["churn_probability"]
    assert answer["baseline"] + sum(contributions) == pytest.approx(np.log(p / (1 - p)), abs=1e-6)
    assert p == plain["churn_probability"]


def test_the_openapi_schema_documents_explain(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/predict"]["post"]
    assert {"name": "explain", "in": "query"}.items() <= operation["parameters"][0].items()
    assert "501" in operation["responses"]
    answer = schema["paths"]["/predict"]["post"]["responses"]["200"]["content"]
    name = answer["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = schema["components"]["schemas"][name]["properties"]
    assert {"reasons", "baseline"} <= set(fields)
    assert set(schema["components"]["schemas"]["Reason"]["properties"]) == {
        "feature",
        "contribution",
    }


def test_predict_explain_writes_three_reason_columns(
    models_dir: Path, raw_frame: pd.DataFrame, tmp_path: Path
) -> None:
    source, output = tmp_path / "in.csv", tmp_path / "out.parquet"
    raw_frame.head(50).to_csv(source, index=False)
    score_file(BatchReader(source), BatchWriter(output), models_dir, chunk_size=20, explain=True)
    written = pd.read_parquet(output)
    assert list(written.columns[-3:]) == REASON_COLUMNS
    assert written["reason_1"].isin(FEATURE_COLUMNS).all()
    plain = tmp_path / "plain.parquet"
    score_file(BatchReader(source), BatchWriter(plain), models_dir)
    assert not set(REASON_COLUMNS) & set(pd.read_parquet(plain).columns)


def test_the_cli_takes_explain(
    trained: Any, raw_frame: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = trained[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "configs").mkdir()
    models = json.dumps({"paths": {"models_dir": str(config.paths.models_dir)}})
    (tmp_path / "configs" / "config.yaml").write_text(models)  # JSON is YAML
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    raw_frame.head(10).to_csv(source, index=False)
    result = CliRunner().invoke(app, ["predict", "-i", str(source), "-o", str(output), "--explain"])
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(output).columns[-3:]) == REASON_COLUMNS


def test_older_metadata_without_terms_still_loads_and_explains_no_reasons(
    models_dir: Path, tmp_path_factory: pytest.TempPathFactory, features: pd.DataFrame
) -> None:
    import shutil

    copy = tmp_path_factory.mktemp("older") / "models"
    shutil.copytree(models_dir, copy)
    edit_metadata(copy, lambda m: m.update(schema_version=3) or m.pop("explain"))
    predictor = load_predictor(copy)
    with pytest.raises(ExplainError, match="train again"):
        predictor.explain_frame(features.head(2))


def test_terms_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="length"):
        LinearTerms(columns=["tenure"], coefficients=[1.0, 2.0], intercept=0.0)


def fitted(name: str, features: pd.DataFrame, raw_frame: pd.DataFrame) -> SklearnPredictor:
    config = parse_config({"model": {"estimator": name, name: SMALL_ESTIMATORS[name]}})
    pipeline = fit_pipeline(config.model, *split_xy(parse_raw(raw_frame)), seed=0)
    return SklearnPredictor({"model_version": "t", "explain": None}, pipeline)


@pytest.mark.skipif(not HAS_SHAP, reason="shap is not installed (the `explain` extra)")
@pytest.mark.parametrize(
    ("name", "scale"),
    [("hist_gradient_boosting", "log_odds"), ("random_forest", "probability")],
)
def test_a_tree_model_is_explained_by_shap(
    name: str, scale: str, features: pd.DataFrame, raw_frame: pd.DataFrame
) -> None:
    predictor = fitted(name, features, raw_frame)
    explanation = predictor.explain_frame(features.head(5))
    assert explanation.scale == scale
    total = explanation.baseline + explanation.contributions.sum(axis=1)
    probability = predictor.predict_frame(features.head(5))
    expected = logit(probability) if scale == "log_odds" else probability
    assert total == pytest.approx(expected, abs=1e-6)


def test_without_shap_a_tree_model_names_the_extra(
    features: pd.DataFrame, raw_frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "shap", None)  # import shap then raises ImportError
    predictor = fitted("hist_gradient_boosting", features, raw_frame)
    with pytest.raises(ExplainError, match="`explain` extra"):
        predictor.explain_frame(features.head(2))


def test_the_api_answers_501_when_it_cannot_explain(
    serve: ServeFactory, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object) -> Explanation:
        raise ExplainError("explaining needs shap: install the `explain` extra")

    monkeypatch.setattr(Predictor, "explain_records", refuse)
    with serve(models_dir) as client:
        answer = client.post("/predict?explain=true", json=EXAMPLE_CUSTOMER)
        assert answer.status_code == 501
        assert isinstance(answer.json()["detail"], str)
        assert client.post("/predict", json=EXAMPLE_CUSTOMER).status_code == 200


def test_an_explanation_in_progress_holds_up_no_other_request(
    serve: ServeFactory, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An explanation runs in a worker thread (a tree model's first one loads shap), so the
    event loop answers /health and /predict while it is still in progress."""
    with (
        serve(models_dir) as client,
        held_request(
            client,
            monkeypatch,
            Predictor,
            "explain_records",
            "/predict?explain=true",
            json=EXAMPLE_CUSTOMER,
        ) as explained,
    ):
        health = client.get("/health")
        predicted = client.post("/predict", json=EXAMPLE_CUSTOMER)
        in_progress = not explained.done()
    answer = explained.result(timeout=30)
    assert (health.status_code, predicted.status_code) == (200, 200)
    assert in_progress
    assert answer.status_code == 200
    assert answer.json()["reasons"]


def test_the_onnx_graph_is_asked_for_features_only_to_explain(models_dir: Path) -> None:
    predictor = load_predictor(models_dir)
    asked: list[list[str]] = []
    session = predictor.session  # type: ignore[attr-defined]

    class Spy:
        def run(self, outputs: list[str], inputs: dict[str, Any]) -> Any:
            asked.append(outputs)
            return session.run(outputs, inputs)

        def get_outputs(self) -> Any:
            return session.get_outputs()

    predictor.session = Spy()  # type: ignore[attr-defined]
    predictor.predict_records([EXAMPLE_CUSTOMER])
    assert asked == [["probabilities"]]
    predictor.explain_records([EXAMPLE_CUSTOMER])
    assert asked[-1] == ["features"]


@pytest.mark.parametrize("drop", [None, "first"])
def test_each_encoded_feature_maps_to_its_column(features: pd.DataFrame, drop: str | None) -> None:
    preprocessor = build_preprocessor().set_params(categorical__drop=drop).fit(features)
    columns = encoded_columns(preprocessor)
    assert len(columns) == preprocessor.transform(features).shape[1]
    assert columns[: len(NUMERIC_FEATURES)] == list(NUMERIC_FEATURES)
    levels = len(CATEGORICAL_LEVELS["Contract"]) - (drop is not None)
    assert columns.count("Contract") == levels
