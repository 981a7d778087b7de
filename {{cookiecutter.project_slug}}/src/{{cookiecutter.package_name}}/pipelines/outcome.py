"""What a training run produced, and the tracker interface the flows are given to record it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # reporting imports scikit-learn; `models list` and `rollback` need neither
    from ..config import Config
    from ..models.tuning import TrialReport
    from .reporting import Evaluation


@dataclass(frozen=True)
class TrainingResult:
    """What a training run produced."""

    metadata: dict[str, Any]
    evaluation: Evaluation
    models_dir: Path
    version_dir: Path
    production: bool


class Tracker(Protocol):
    """An experiment tracker: the training, tuning and promotion flows get one, never import one."""

    def open(self) -> None:
        """Check that the tracker's store can be used; the flows call it before their work."""
        ...  # pragma: no cover

    def log_training_run(self, config: Config, result: TrainingResult) -> str | None:
        """Record one training run and return the tracker's run id (None: nothing recorded)."""
        ...  # pragma: no cover

    def promoted(self, version: str) -> None:
        """Record that ``version`` is now the production model."""
        ...  # pragma: no cover

    def tuning(self, study: str) -> AbstractContextManager[Callable[[TrialReport], None]]:
        """Record one ``tune`` run; yield the function that records each of its trials."""
        ...  # pragma: no cover
