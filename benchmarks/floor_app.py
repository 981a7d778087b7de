"""The floor: the generated service, built by its own create_app, with a constant for a model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np


class ConstantModel:
    """Stands in for the model: every customer gets the same probability, at no cost."""

    version = "floor"
    threshold = 0.5
    backend = "constant"
    metadata: ClassVar[dict[str, Any]] = {"model_version": "floor", "threshold": 0.5}

    def predict_columns(self, columns: Mapping[str, Any]) -> np.ndarray:
        """Return 0.25 for every row."""
        return np.full(len(next(iter(columns.values()))), 0.25)

    def predict_row(self, row: Mapping[str, Any]) -> float:
        """Return 0.25."""
        return 0.25


def create_app(package: str, create_service_app: Callable[..., Any]) -> Any:
    """Build the service exactly as `serve` does, with a loader that loads the constant."""

    def load_constant(_models_dir: Path) -> ConstantModel:
        return ConstantModel()

    return create_service_app(loader=load_constant)
