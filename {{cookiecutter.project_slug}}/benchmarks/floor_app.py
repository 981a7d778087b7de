"""The HTTP floor: the real service and request parsing, with a constant answer for a model."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.serving import app as service


class ConstantModel:
    """Stands in for the model: every customer gets the same probability, at no cost."""

    version = "constant"
    threshold = 0.5
    backend = "constant"
    metadata: ClassVar[dict[str, Any]] = {"model_version": "constant", "metrics": {}}

    def predict_columns(self, columns: Mapping[str, Any]) -> list[float]:
        """Return 0.25 for every row."""
        return [0.25] * len(columns["tenure"])

    def predict_row(self, row: Mapping[str, Any]) -> float:
        """Return 0.25."""
        return 0.25


def _constant(_: Path) -> ConstantModel:
    """Load nothing."""
    return ConstantModel()


def create_app() -> FastAPI:
    """Build the service exactly as ``serve`` does, but with the constant model."""
    return service.create_app(loader=_constant)
