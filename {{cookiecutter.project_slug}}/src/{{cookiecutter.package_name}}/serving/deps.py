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

NO_MODEL = "no model loaded; GET /ready says why"


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
    """Return the loaded model, or answer 503 when there is none.

    The reason names server paths, so it goes to ``GET /ready`` and the log, not to every
    client. ``Retry-After`` is the next check of the production pointer.
    """
    model = state.service.model
    if model is None:
        retry = str(max(1, math.ceil(state.settings.reload_interval)))
        raise HTTPException(503, NO_MODEL, headers={"Retry-After": retry})
    return model


ModelDep = Annotated[Predictor, Depends(get_model)]
