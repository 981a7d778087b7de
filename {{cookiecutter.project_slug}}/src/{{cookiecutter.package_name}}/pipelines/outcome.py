"""What a training run produced, and the tracker interface the flows are given to record it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..config import Config
from .reporting import Evaluation


@dataclass(frozen=True)
class TrainingResult:
    """What a training run produced."""

    metadata: dict[str, Any]
    evaluation: Evaluation
    models_dir: Path


class Tracker(Protocol):
    """An experiment tracker: the training and promotion flows receive one, never import one."""

    def log_training_run(self, config: Config, result: TrainingResult) -> str | None:
        """Record one training run and return the tracker's run id (None: nothing recorded)."""
        ...  # pragma: no cover
