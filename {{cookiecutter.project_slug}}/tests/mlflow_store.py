"""Pytest plugin: runs logged during the tests go to a temporary MLflow store."""

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def temporary_tracking_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Point MLFLOW_TRACKING_URI at a SQLite file under the session's temporary folder."""
    root = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{(root / 'mlflow.db').as_posix()}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        yield uri
