import io
import zipfile
from pathlib import Path

import pytest
import skops.io

from {{ cookiecutter.package_name }}.data.schema import FEATURE_COLUMNS
from {{ cookiecutter.package_name }}.errors import ModelError
from {{ cookiecutter.package_name }}.registry import artifacts
from {{ cookiecutter.package_name }}.registry.artifacts import (
    MODEL_FILE,
    load_model,
)
from {{ cookiecutter.package_name }}.registry.store import (
    HOLDOUT_FILE,
)

from tests.model_files import edit_metadata, production_folder


def test_the_production_model_loads_with_its_metadata(models_dir: Path) -> None:
    loaded = load_model(models_dir)
    assert loaded.version == production_folder(models_dir).name
    assert loaded.version.endswith(loaded.metadata["data"]["sha256"][:8])
    assert loaded.threshold == loaded.metadata["threshold"]  # the campaign's, set by train


def test_a_version_folder_loads_by_itself(models_dir: Path) -> None:
    folder = production_folder(models_dir)
    assert load_model(folder).version == folder.name


def test_a_missing_model_says_to_train_first(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="run train first"):
        load_model(tmp_path)


def test_a_copy_without_the_hold_out_rows_loads_and_checks_them_when_present(
    models_dir: Path,
) -> None:
    """The images leave each version's holdout.csv out: customer rows, not the model."""
    holdout = production_folder(models_dir) / HOLDOUT_FILE
    holdout.unlink()
    assert load_model(models_dir).version == production_folder(models_dir).name
    holdout.write_text("customerID\n")
    with pytest.raises(ModelError, match=r"holdout\.csv does not match its checksum"):
        load_model(models_dir)


def test_a_tampered_model_file_is_refused(models_dir: Path) -> None:
    with (production_folder(models_dir) / MODEL_FILE).open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match="checksum"):
        load_model(models_dir)


def test_metadata_cannot_point_outside_the_version(models_dir: Path) -> None:
    edit_metadata(models_dir, lambda metadata: metadata.update(model_file="../elsewhere.skops"))
    with pytest.raises(ModelError, match="model_file"):
        load_model(models_dir)


def test_corrupt_metadata_is_a_model_error(models_dir: Path) -> None:
    folder = production_folder(models_dir)
    (folder / "metadata.json").write_text("{not json")
    with pytest.raises(ModelError, match="checksum"):
        load_model(models_dir)


def test_the_fallback_refuses_another_scikit_learn_minor_version(models_dir: Path) -> None:
    edit_metadata(models_dir, lambda m: m["library_versions"].update({"scikit-learn": "0.1.0"}))
    with pytest.raises(ModelError, match=r"saved with scikit-learn 0\.1\.0"):
        load_model(models_dir)


def test_the_fallback_refuses_a_type_off_the_trusted_list(
    models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(artifacts, "TRUSTED_TYPES", frozenset())
    with pytest.raises(ModelError, match="untrusted types"):
        load_model(models_dir)


def test_the_fallback_refuses_a_pipeline_fitted_on_other_columns(
    models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the ONNX path does: a version trained before data/schema.py changed."""
    monkeypatch.setattr(artifacts, "FEATURE_COLUMNS", (*FEATURE_COLUMNS, "Region"))
    with pytest.raises(ModelError, match=r"not the feature columns of data/schema\.py"):
        load_model(models_dir)


def test_the_fallback_file_holds_no_pickle(models_dir: Path) -> None:
    content = (production_folder(models_dir) / MODEL_FILE).read_bytes()
    untrusted = skops.io.get_untrusted_types(data=content)
    assert set(untrusted) <= artifacts.TRUSTED_TYPES
    assert zipfile.is_zipfile(io.BytesIO(content))  # JSON and arrays that skops rebuilds
