"""Fixtures for the HTTP API tests: an app serving the model trained once per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult
from {{ cookiecutter.package_name }}.serving.app import create_app
from {{ cookiecutter.package_name }}.serving.settings import ServingSettings

ServeFactory = Callable[..., TestClient]


def _serve(models_dir: Path, **settings: object) -> TestClient:
    """Return a client of an app serving ``models_dir`` (enter it to run the lifespan)."""
    options = ServingSettings.model_validate(
        {"models_dir": models_dir, "access_log": False, **settings}
    )
    return TestClient(create_app(options), raise_server_exceptions=False)


@pytest.fixture(scope="session")
def serve() -> ServeFactory:
    """Build a client for given settings: ``with serve(models_dir, threshold=0.2) as c:``."""
    return _serve


@pytest.fixture(scope="session")
def models_dir(trained: tuple[Config, TrainingResult]) -> Path:
    """The models folder of the session's trained model."""
    return trained[0].paths.models_dir


@pytest.fixture(scope="session")
def client(models_dir: Path) -> Iterator[TestClient]:
    """A client of the service with the trained model loaded (shared: tests only read)."""
    with _serve(models_dir) as test_client:
        yield test_client
