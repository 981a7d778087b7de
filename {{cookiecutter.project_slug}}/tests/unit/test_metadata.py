from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.errors import ModelError
from {{ cookiecutter.package_name }}.inference.predictor import load_predictor

from tests.model_files import edit_metadata

Change = Callable[[dict[str, Any]], None]


def drop(key: str) -> Change:
    return lambda metadata: metadata.pop(key)


def put(key: str, value: object) -> Change:
    return lambda metadata: metadata.update({key: value})


FINDINGS = [
    pytest.param(put("schema_version", 1), "schema_version", id="older-schema"),
    pytest.param(drop("threshold"), "threshold is missing", id="missing-threshold"),
    pytest.param(put("threshold", "high"), "threshold", id="text-threshold"),
    pytest.param(put("threshold", 7), "threshold: Input should be less than 1", id="threshold-7"),
    pytest.param(drop("model_version"), "model_version is missing", id="missing-version"),
    pytest.param(put("model_version", "other"), "does not match its folder", id="other-version"),
    pytest.param(put("surprise", 1), "unknown key surprise", id="unknown-key"),
]


@pytest.mark.parametrize(("change", "reason"), FINDINGS)
def test_metadata_that_fails_its_schema_is_not_loaded(
    models_dir: Path, change: Change, reason: str
) -> None:
    edit_metadata(models_dir, change)
    with pytest.raises(ModelError, match=reason):
        load_predictor(models_dir)


@pytest.mark.parametrize(("change", "reason"), FINDINGS)
def test_any_edit_to_the_metadata_breaks_its_checksum(
    models_dir: Path, change: Change, reason: str
) -> None:
    edit_metadata(models_dir, change, rehash=False)
    with pytest.raises(ModelError, match=r"metadata\.json does not match its checksum"):
        load_predictor(models_dir)
