"""The state the routes share, and the ``Annotated`` dependencies that hand it to them."""

from __future__ import annotations

import math
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
    """Return the loaded model, else 503: why is in ``GET /ready`` (it names server paths)."""
    model = state.service.model
    if model is None:
        retry = {"Retry-After": str(math.ceil(state.settings.reload_interval) or 1)}  # next check
        raise HTTPException(503, "no model loaded; GET /ready says why", headers=retry)
    return model


ModelDep = Annotated[Predictor, Depends(get_model)]
