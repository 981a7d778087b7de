import json
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.errors import ModelError
from {{ cookiecutter.package_name }}.models.artifacts import (
    METADATA_FILE,
    MODEL_FILE,
    load_model,
)


def test_a_saved_model_loads_with_its_metadata(models_dir: Path) -> None:
    loaded = load_model(models_dir)
    assert loaded.version.endswith(loaded.metadata["data"]["sha256"][:8])
    assert loaded.threshold == 0.5


def test_a_missing_model_says_to_train_first(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="run train first"):
        load_model(tmp_path)


def test_a_tampered_model_file_is_refused(models_dir: Path) -> None:
    with (models_dir / MODEL_FILE).open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match="checksum"):
        load_model(models_dir)


def test_metadata_cannot_point_outside_the_models_dir(models_dir: Path) -> None:
    path = models_dir / METADATA_FILE
    metadata = json.loads(path.read_text())
    metadata["model_file"] = "../elsewhere.joblib"
    path.write_text(json.dumps(metadata))
    with pytest.raises(ModelError, match="inside"):
        load_model(models_dir)


def test_corrupt_metadata_is_a_model_error(models_dir: Path) -> None:
    (models_dir / METADATA_FILE).write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_model(models_dir)
