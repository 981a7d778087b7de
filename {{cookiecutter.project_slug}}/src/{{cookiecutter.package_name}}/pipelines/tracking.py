"""Experiment tracking: off (the project was generated without a tracker)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import Config

if TYPE_CHECKING:
    from .training import TrainingResult


def log_training_run(config: Config, result: TrainingResult) -> str | None:
    """Do nothing and return None: no experiment tracker was chosen for this project."""
    return None
