"""The model behind the service: loaded once at start-up, or the reason it is not."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from ..errors import ChurnError
from ..models.inference import load_predictor

logger = logging.getLogger(__name__)


class ScoringModel(Protocol):
    """What the service needs from a loaded model (``models.inference.Predictor`` has it)."""

    @property
    def version(self) -> str:
        """Return the model version."""

    @property
    def threshold(self) -> float:
        """Return the decision threshold saved with the model."""

    @property
    def backend(self) -> str:
        """Return the inference backend name."""

    @property
    def metadata(self) -> dict[str, Any]:
        """Return the saved model metadata."""

    def predict_columns(self, columns: Mapping[str, Any]) -> Any:
        """Return one churn probability per row of the feature columns."""

    def predict_row(self, row: Mapping[str, Any]) -> float:
        """Return the churn probability of one customer (feature name -> value)."""


Loader = Callable[[Path], ScoringModel]


class ModelService:
    """Holds the loaded model, or why loading failed, and the threshold in use."""

    def __init__(
        self, models_dir: Path, threshold: float | None, loader: Loader = load_predictor
    ) -> None:
        """Remember where the model is; nothing is loaded until ``load``."""
        self.models_dir = models_dir
        self.threshold_override = threshold
        self.loader = loader
        self.model: ScoringModel | None = None
        self.error: str | None = "model not loaded yet"

    def load(self) -> None:
        """Load the model from the models folder; on failure keep the reason, never raise."""
        try:
            self.model = self.loader(self.models_dir)
        except ChurnError as exc:
            self.model, self.error = None, str(exc)
        except Exception as exc:  # a broken artifact must not crash-loop the service
            self.model, self.error = None, f"cannot load model: {type(exc).__name__}: {exc}"
        else:
            self.error = None
        if self.model is None:
            logger.error("model not loaded: %s", self.error)
        else:
            logger.info("model %s loaded (%s backend)", self.model.version, self.model.backend)

    def threshold_for(self, model: ScoringModel) -> float:
        """Return the decision threshold: the override if set, else the model's own."""
        return model.threshold if self.threshold_override is None else self.threshold_override
