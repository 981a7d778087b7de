"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from ..deps import ServiceDep
from ..handlers import json_response
from ..schemas import Health, Readiness

router = APIRouter(tags=["health"])
_ALIVE = Health().model_dump_json().encode()


@router.get("/health", response_model=Health, summary="The process is alive")
async def health() -> Response:
    """Answer 200 while the process runs, whether or not a model is loaded."""
    return Response(_ALIVE, media_type="application/json")


@router.get(
    "/ready",
    response_model=Readiness,
    summary="A model is loaded and predictions can be served",
    responses={503: {"model": Readiness, "description": "No model loaded; `reason` says why."}},
)
async def ready(service: ServiceDep) -> Response:
    """Answer 200 with the model version once loaded, else 503 with the reason."""
    if service.model is None:
        return json_response({"status": "not ready", "reason": service.error}, 503)
    model = service.model
    return json_response(
        {"status": "ready", "model_version": model.version, "backend": model.backend}
    )
