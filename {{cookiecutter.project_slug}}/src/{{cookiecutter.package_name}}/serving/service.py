"""The model behind the service: loaded once, or the reason it is not; scores customer rows."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..data.schema import BLANK_ALLOWED, FEATURE_COLUMNS
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


def model_columns(columns: Mapping[str, Sequence[Any]]) -> dict[str, Sequence[Any]]:
    """Return the feature columns of validated customers, a blank TotalCharges as None."""
    features: dict[str, Sequence[Any]] = {column: columns[column] for column in FEATURE_COLUMNS}
    for column in BLANK_ALLOWED:  # "" or " " for a new customer, like null
        features[column] = [None if isinstance(value, str) else value for value in features[column]]
    return features


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

    @property
    def threshold(self) -> float:
        """Return the decision threshold: the override if set, else the model's own."""
        if self.threshold_override is not None:
            return self.threshold_override
        return self.model.threshold if self.model is not None else 0.5

    def _loaded(self) -> ScoringModel:
        if self.model is None:
            raise RuntimeError(f"model not loaded: {self.error}")
        return self.model

    def probability(self, row: Mapping[str, Any]) -> float:
        """Return the churn probability of one validated customer."""
        return float(self._loaded().predict_row(row))

    def probabilities(self, columns: Mapping[str, Sequence[Any]]) -> list[float]:
        """Return the churn probability of each validated customer given as columns, in order."""
        scores = self._loaded().predict_columns(model_columns(columns))
        probabilities: list[float] = np.asarray(scores, dtype=np.float64).ravel().tolist()
        return probabilities
