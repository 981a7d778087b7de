"""Schemathesis against the service's own /openapi.json on a live server, every check on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS

from {{ cookiecutter.package_name }}.serving.app import create_app

from .conftest import served, serving_config

#: A small batch limit keeps generated batches quick to score.
SETTINGS: dict[str, Any] = {"max_batch_size": 5, "access_log": False}
schema = schemathesis.openapi.from_dict(
    create_app(serving_config(Path("models"), **SETTINGS)).openapi()
)
# Valid and invalid requests. `list(GenerationMode)` rather than naming the two: mypy for
# Python 3.10 reads schemathesis' members as plain str (its StrEnum is 3.11+).
schema.config.generation.update(modes=list(GenerationMode))


@pytest.fixture(scope="module")
def base_url(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server (`serve`, Granian) serving the trained model."""
    with served(models_dir, tmp_path_factory.mktemp("fuzz"), **SETTINGS) as url:
        yield url


@schema.parametrize()
@settings(
    max_examples=30,  # per operation and mode: bounded, so the suite stays quick
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_honours_its_own_schema(case: Any, base_url: str) -> None:
    case.call_and_validate(base_url=base_url, checks=CHECKS.get_all(), timeout=10)
