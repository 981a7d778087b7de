"""Unit-test fixtures: a private, writable copy of the shared trained model."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # pytest imports this file before collecting: nothing heavy here
    from {{ cookiecutter.package_name }}.config import Config
    from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult


@pytest.fixture
def models_dir(tmp_path: Path, trained: tuple[Config, TrainingResult]) -> Path:
    """A copy of the session's trained models folder that a test may tamper with."""
    copy = tmp_path / "models"
    shutil.copytree(trained[1].models_dir, copy)
    return copy
