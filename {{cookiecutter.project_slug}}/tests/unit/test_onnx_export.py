import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from {{ cookiecutter.package_name }}.config import (
    Config,
    parse_config,
)
from {{ cookiecutter.package_name }}.data.load import (
    load_labelled,
    parse_raw,
    split_xy,
)
from {{ cookiecutter.package_name }}.data.schema import FEATURE_COLUMNS
from {{ cookiecutter.package_name }}.files import sha256_file
from {{ cookiecutter.package_name }}.inference import onnx_export
from {{ cookiecutter.package_name }}.inference.predictor import (
    OUTPUTS,
    load_predictor,
    onnx_inputs,
    onnx_session,
)
from {{ cookiecutter.package_name }}.models.train import fit_pipeline
from {{ cookiecutter.package_name }}.pipelines.training import (
    TrainingResult,
    run_training,
)
from {{ cookiecutter.package_name }}.registry.artifacts import (
    ONNX_FILE,
    load_model,
)
from {{ cookiecutter.package_name }}.registry.manifest import read_manifest
from {{ cookiecutter.package_name }}.registry.store import HOLDOUT_FILE

from tests.conftest import SMALL_ESTIMATORS as ESTIMATORS
from tests.conftest import make_config


@pytest.fixture(scope="module")
def split(raw_frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Training features and target, and hold-out features with a blank TotalCharges."""
    frame = parse_raw(raw_frame)
    features, target = split_xy(frame)
    holdout = features.iloc[-120:].copy()
    holdout.iloc[0, holdout.columns.get_loc("TotalCharges")] = np.nan
    return features.iloc[:-120], target.iloc[:-120], holdout


def fit(
    name: str, split: tuple[pd.DataFrame, pd.Series, pd.DataFrame], *, log_numbers: bool = True
) -> Pipeline:
    model = {"estimator": name, name: ESTIMATORS[name], "log_numbers": log_numbers}
    config = parse_config({"model": model})
    return fit_pipeline(config.model, split[0], split[1], seed=0)


def onnx_probabilities(path: Path, features: pd.DataFrame) -> np.ndarray:
    session = onnx_session(path.read_bytes())
    columns = {column: features[column].to_numpy() for column in features.columns}
    return np.asarray(session.run(OUTPUTS, onnx_inputs(columns))[0][:, 1])


@pytest.mark.parametrize("log_numbers", [True, False], ids=["log", "plain"])
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_every_estimator_exports_with_parity(
    tmp_path: Path,
    split: tuple[pd.DataFrame, pd.Series, pd.DataFrame],
    name: str,
    log_numbers: bool,
) -> None:
    pipeline = fit(name, split, log_numbers=log_numbers)
    holdout = split[2]
    export = onnx_export.export_onnx(pipeline, holdout, tmp_path)
    assert export["file"] == ONNX_FILE, export["reason"]
    assert export["precision"] == "float64"
    assert 0 <= export["max_abs_diff"] <= export["tolerance"] == 1e-5
    expected = pipeline.predict_proba(holdout)[:, 1]
    assert onnx_probabilities(tmp_path / ONNX_FILE, holdout) == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_every_estimator_trains_and_serves_from_its_onnx_file(
    tmp_path: Path, raw_csv: Path, name: str
) -> None:
    model: dict[str, Any] = {"estimator": name, name: ESTIMATORS[name]}
    config = make_config(tmp_path, **model)
    version = run_training(config).version_dir
    predictor = load_predictor(config.paths.models_dir)
    assert predictor.backend == "onnx"
    holdout = split_xy(load_labelled(version / HOLDOUT_FILE))[0]
    expected = load_model(version).pipeline.predict_proba(holdout)[:, 1]
    assert predictor.predict_frame(holdout) == pytest.approx(expected, abs=1e-5)


def test_the_whole_pipeline_is_exported_as_fitted(
    tmp_path: Path, split: tuple[pd.DataFrame, pd.Series, pd.DataFrame]
) -> None:
    pipeline = fit("logistic_regression", split)
    pipeline[0].set_params(categorical__drop="first").fit(split[0])
    pipeline[-1].fit(pipeline[0].transform(split[0]), split[1])
    export = onnx_export.export_onnx(pipeline, split[2], tmp_path)
    assert export["file"] == ONNX_FILE, export["reason"]
    expected = pipeline.predict_proba(split[2])[:, 1]
    assert onnx_probabilities(tmp_path / ONNX_FILE, split[2]) == pytest.approx(expected, abs=1e-5)


def test_training_writes_the_onnx_file_and_its_checksum(
    trained: tuple[Config, TrainingResult],
) -> None:
    folder = trained[1].version_dir
    export = json.loads((folder / "metadata.json").read_text())["onnx"]
    assert export["file"] == ONNX_FILE
    assert read_manifest(folder)[ONNX_FILE] == sha256_file(folder / ONNX_FILE)
    assert export["opset"]["ai.onnx"] >= 1
    graph = onnx.load(folder / ONNX_FILE).graph
    assert tuple(node.name for node in graph.input) == FEATURE_COLUMNS
    # No unused label branch; a linear model's encoded features, which explanations read.
    assert [node.name for node in graph.output] == ["probabilities", "features"]
    assert "ONNX Runtime" in (folder / "model_card.md").read_text()


def test_a_model_the_converter_rejects_falls_back_with_a_warning(
    tmp_path: Path,
    split: tuple[pd.DataFrame, pd.Series, pd.DataFrame],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pipeline = fit("logistic_regression", split)
    (tmp_path / ONNX_FILE).write_bytes(b"stale")

    def refuse(_: Pipeline) -> object:
        raise NotImplementedError("no converter for this model")

    monkeypatch.setattr(onnx_export, "to_onnx", refuse)
    with caplog.at_level(logging.WARNING):
        export = onnx_export.export_onnx(pipeline, split[2], tmp_path)
    assert export["file"] is None
    assert "no converter for this model" in export["reason"]
    assert not (tmp_path / ONNX_FILE).exists()
    assert "scikit-learn" in caplog.text


def test_a_model_that_fails_the_parity_check_is_not_written(
    tmp_path: Path,
    split: tuple[pd.DataFrame, pd.Series, pd.DataFrame],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline = fit("logistic_regression", split)
    monkeypatch.setattr(onnx_export, "max_abs_diff", lambda *_: 0.5)
    export = onnx_export.export_onnx(pipeline, split[2], tmp_path)
    assert export["file"] is None
    assert "differs from scikit-learn by 0.5" in export["reason"]
    assert not (tmp_path / ONNX_FILE).exists()
