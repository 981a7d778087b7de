"""The state the routes share, and the ``Annotated`` dependencies that hand it to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..config import ServingConfig
from ..inference.predictor import Predictor
from ..inference.service import ModelService
from ..monitoring.score_log import ScoreLog
from .observability import ServiceMetrics


@dataclass(frozen=True)
class AppState:
    """Everything the routes share, built once by ``create_app``."""

    settings: ServingConfig
    service: ModelService
    metrics: ServiceMetrics
    score_log: ScoreLog | None


async def get_state(request: Request) -> AppState:
    """Return the state ``create_app`` stored on the app."""
    state: AppState = request.app.state.churn
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_model(state: StateDep) -> Predictor:
    """Return the loaded model, or answer 503 with the reason when there is none."""
    model = state.service.model
    if model is None:
        raise HTTPException(503, f"model not loaded: {state.service.error}")
    return model


ModelDep = Annotated[Predictor, Depends(get_model)]
