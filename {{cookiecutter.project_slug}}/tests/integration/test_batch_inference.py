import shutil
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.data.load import load_raw
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.models.artifacts import load_model
from {{ cookiecutter.package_name }}.models.inference import load_predictor
from {{ cookiecutter.package_name }}.models.predict import predict_proba
from {{ cookiecutter.package_name }}.pipelines.batch_inference import (
    OUTPUT_COLUMNS,
    score_csv,
)
from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult


def test_chunked_scores_equal_whole_file_scores(
    tmp_path: Path, trained: tuple[Config, TrainingResult]
) -> None:
    settings, _ = trained
    source = settings.data.raw_path
    before = source.read_bytes()
    output = tmp_path / "scored.csv"
    seen: list[int] = []
    result = score_csv(
        source, output, settings.paths.models_dir, chunk_size=97, on_rows=seen.append
    )
    assert source.read_bytes() == before
    scored = pd.read_csv(output, dtype={"customerID": str})
    assert tuple(scored.columns) == OUTPUT_COLUMNS
    frame = load_raw(source)
    assert result.rows == len(frame) == len(scored)
    assert seen == [min(97 * (i + 1), len(frame)) for i in range(len(seen))]
    assert scored["customerID"].tolist() == frame["customerID"].tolist()
    expected = predict_proba(load_model(settings.paths.models_dir).pipeline, frame)
    assert scored["churn_probability"].to_numpy() == pytest.approx(expected, abs=1e-6)
    assert ((scored["churn"] == "Yes") == (scored["churn_probability"] >= 0.5)).all()


def test_the_target_column_is_optional(
    tmp_path: Path, trained: tuple[Config, TrainingResult], raw_frame: pd.DataFrame
) -> None:
    settings, _ = trained
    source = tmp_path / "new.csv"
    raw_frame.drop(columns="Churn").head(10).to_csv(source, index=False)
    assert score_csv(source, tmp_path / "out.csv", settings.paths.models_dir).rows == 10


def test_a_bad_row_leaves_no_partial_output(
    tmp_path: Path, trained: tuple[Config, TrainingResult], raw_frame: pd.DataFrame
) -> None:
    settings, _ = trained
    bad = raw_frame.copy()
    bad.loc[450, "InternetService"] = "Satellite"
    source = tmp_path / "bad.csv"
    bad.to_csv(source, index=False)
    output = tmp_path / "out.csv"
    with pytest.raises(DataError, match=r"column 'InternetService'.*'Satellite'.*data row 451"):
        score_csv(source, output, settings.paths.models_dir, chunk_size=100)
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_it_refuses_to_overwrite_its_input(
    tmp_path: Path, trained: tuple[Config, TrainingResult]
) -> None:
    settings, _ = trained
    source = tmp_path / "in.csv"
    shutil.copy(settings.data.raw_path, source)
    with pytest.raises(DataError, match="must differ"):
        score_csv(source, source, settings.paths.models_dir)


def test_a_header_only_file_gives_a_header_only_output(
    tmp_path: Path, trained: tuple[Config, TrainingResult], raw_frame: pd.DataFrame
) -> None:
    settings, _ = trained
    source = tmp_path / "empty.csv"
    raw_frame.head(0).to_csv(source, index=False)
    output = tmp_path / "out.csv"
    assert score_csv(source, output, settings.paths.models_dir).rows == 0
    assert output.read_text().strip() == ",".join(OUTPUT_COLUMNS)


def test_the_cli_output_equals_the_predictor_output(
    tmp_path: Path, trained: tuple[Config, TrainingResult]
) -> None:
    settings, _ = trained
    output = tmp_path / "scored.csv"
    result = score_csv(settings.data.raw_path, output, settings.paths.models_dir, chunk_size=128)
    predictor = load_predictor(settings.paths.models_dir)
    assert result.backend == predictor.backend == "onnx"
    expected = predictor.predict_frame(load_raw(settings.data.raw_path)).round(6)
    scored = pd.read_csv(output, dtype={"customerID": str})
    assert scored["churn_probability"].to_numpy() == pytest.approx(expected, abs=1e-12)
