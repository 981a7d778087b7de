import logging
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io

from {{ cookiecutter.package_name }}.data.load import (
    parse_raw,
    split_xy,
)
from {{ cookiecutter.package_name }}.errors import ModelError
from {{ cookiecutter.package_name }}.inference.predictor import (
    Predictor,
    SklearnPredictor,
    load_predictor,
)
from {{ cookiecutter.package_name }}.registry.artifacts import (
    MODEL_FILE,
    ONNX_FILE,
    load_model,
)
from {{ cookiecutter.package_name }}.registry.manifest import write_manifest

from tests.model_files import edit_metadata, production_folder


@pytest.fixture
def features(raw_frame: pd.DataFrame) -> pd.DataFrame:
    return split_xy(parse_raw(raw_frame.head(50)))[0]


def without_onnx(models_dir: Path) -> None:
    folder = edit_metadata(
        models_dir, lambda m: m.update(onnx={"file": None, "reason": "converter failed"})
    )
    (folder / ONNX_FILE).unlink()
    write_manifest(folder, folder.name)


def test_a_trained_model_is_served_by_onnx_runtime(models_dir: Path) -> None:
    predictor = load_predictor(models_dir)
    assert predictor.backend == "onnx"
    assert predictor.threshold == predictor.metadata["threshold"]
    assert predictor.version == predictor.metadata["model_version"]


def test_records_columns_and_frames_score_identically(
    models_dir: Path, features: pd.DataFrame
) -> None:
    predictor = load_predictor(models_dir)
    records = features.to_dict("records")
    from_frame = predictor.predict_frame(features)
    assert np.array_equal(predictor.predict_records(records), from_frame)
    columns = {column: [record[column] for record in records] for column in features}
    assert np.array_equal(predictor.predict_columns(columns), from_frame)
    one_by_one = [predictor.predict_records([record])[0] for record in records]
    assert one_by_one == pytest.approx(from_frame, abs=1e-12)


def test_onnx_runtime_agrees_with_the_scikit_learn_reference(
    models_dir: Path, features: pd.DataFrame
) -> None:
    onnx = load_predictor(models_dir)
    loaded = load_model(models_dir)
    reference = SklearnPredictor(loaded.metadata, loaded.pipeline)
    assert (onnx.backend, reference.backend) == ("onnx", "sklearn")
    records = features.to_dict("records")
    tolerance = onnx.metadata["onnx"]["tolerance"]
    assert onnx.predict_records(records) == pytest.approx(
        reference.predict_records(records), abs=tolerance
    )


@pytest.mark.parametrize("blank", [None, float("nan")])
def test_a_blank_total_charges_scores_as_zero(
    models_dir: Path, features: pd.DataFrame, blank: object
) -> None:
    predictor = load_predictor(models_dir)
    record = {**features.iloc[0].to_dict(), "tenure": 0}
    blank_score = predictor.predict_records([{**record, "TotalCharges": blank}])
    zero_score = predictor.predict_records([{**record, "TotalCharges": 0.0}])
    assert blank_score == pytest.approx(zero_score, abs=1e-12)
    assert 0.0 <= blank_score[0] <= 1.0


def test_an_unknown_level_scores_like_scikit_learn_ignoring_it(
    models_dir: Path, features: pd.DataFrame
) -> None:
    predictor = load_predictor(models_dir)
    frame = features.head(3).copy()
    frame["Contract"] = "Weekly"
    expected = load_model(models_dir).pipeline.predict_proba(frame)[:, 1]
    assert predictor.predict_frame(frame) == pytest.approx(expected, abs=1e-5)
    first = predictor.predict_records([frame.iloc[0].to_dict()])[0]
    assert first == pytest.approx(expected[0], abs=1e-5)


def test_a_graph_whose_inputs_are_not_the_schema_columns_is_refused(
    models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from {{ cookiecutter.package_name }}.data.schema import FEATURE_COLUMNS
    from {{ cookiecutter.package_name }}.inference import predictor

    monkeypatch.setattr(predictor, "FEATURE_COLUMNS", (*FEATURE_COLUMNS, "Extra"))
    with pytest.raises(ModelError, match="not the feature columns"):
        load_predictor(models_dir)


def test_a_tampered_onnx_file_is_refused(models_dir: Path) -> None:
    with (production_folder(models_dir) / ONNX_FILE).open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match=r"model\.onnx does not match its checksum"):
        load_predictor(models_dir)


def test_a_missing_onnx_file_named_in_the_metadata_is_refused(models_dir: Path) -> None:
    (production_folder(models_dir) / ONNX_FILE).unlink()
    with pytest.raises(ModelError, match=r"model\.onnx is missing"):
        load_predictor(models_dir)


def test_the_onnx_file_must_lie_inside_the_version(models_dir: Path) -> None:
    edit_metadata(models_dir, lambda metadata: metadata["onnx"].update(file="../model.onnx"))
    with pytest.raises(ModelError, match=r"onnx\.file"):
        load_predictor(models_dir)


def test_a_tampered_fallback_file_is_refused_even_with_onnx(models_dir: Path) -> None:
    with (production_folder(models_dir) / MODEL_FILE).open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match="checksum"):
        load_predictor(models_dir)


def test_with_onnx_the_fallback_file_is_never_deserialised(
    models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the skops file was loaded")

    monkeypatch.setattr(skops.io, "loads", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    assert load_predictor(models_dir).backend == "onnx"


def test_without_onnx_it_falls_back_to_scikit_learn_with_a_warning(
    models_dir: Path, features: pd.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    onnx = load_predictor(models_dir).predict_frame(features)
    without_onnx(models_dir)
    with caplog.at_level(logging.WARNING):
        predictor: Predictor = load_predictor(models_dir)
    assert predictor.backend == "sklearn"
    assert "converter failed" in caplog.text
    records = features.to_dict("records")
    assert predictor.predict_records(records) == pytest.approx(onnx, abs=1e-5)
    assert np.array_equal(predictor.predict_frame(features), predictor.predict_records(records))
