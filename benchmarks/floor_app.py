"""The floor: the generated service, built by its own create_app, with a constant for a model."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import numpy as np


def create_app() -> Any:
    """Build the service exactly as `serve` does, with a loader that loads a constant."""
    package = os.environ["BENCH_PACKAGE"]
    service = importlib.import_module(f"{package}.serving.app")
    predictor = importlib.import_module(f"{package}.inference.predictor")

    class ConstantModel(predictor.Predictor):  # type: ignore[misc, name-defined]
        """Every customer gets the same probability, at no cost."""

        backend = "onnx"

        def predict_columns(self, columns: Any) -> np.ndarray:
            return np.full(len(next(iter(columns.values()))), 0.25)

    def load_constant(_models_dir: Path) -> Any:
        return ConstantModel({"model_version": "floor", "threshold": 0.5, "metrics": {}})

    return service.create_app(loader=load_constant)
