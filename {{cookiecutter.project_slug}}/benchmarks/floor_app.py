"""The HTTP floor: the real service and request parsing, with a constant answer for a model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.inference.predictor import Predictor
from {{ cookiecutter.package_name }}.serving import app as service


class ConstantModel(Predictor):
    """Stands in for the model: every customer gets the same probability, at no cost."""

    backend = "onnx"

    def predict_columns(self, columns: Any) -> np.ndarray:
        """Return 0.25 for every row."""
        return np.full(len(columns["tenure"]), 0.25)


def _constant(_: Path) -> Predictor:
    """Load nothing."""
    return ConstantModel({"model_version": "constant", "threshold": 0.5, "metrics": {}})


def create_app() -> FastAPI:
    """Build the service exactly as ``serve`` does, but with the constant model."""
    return service.create_app(loader=_constant)
