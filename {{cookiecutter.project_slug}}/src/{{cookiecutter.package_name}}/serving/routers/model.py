"""The loaded model's version, backend, threshold, metrics and metadata."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from ..deps import ReadyServiceDep
from ..handlers import json_response
from ..schemas import ErrorBody, ModelInfo

router = APIRouter(tags=["model"])


@router.get(
    "/model",
    response_model=ModelInfo,
    summary="Describe the loaded model",
    responses={503: {"model": ErrorBody, "description": "No model loaded."}},
)
async def model_info(service: ReadyServiceDep) -> Response:
    """Return the metadata saved with the model at training time, with its metrics."""
    model = service.model
    assert model is not None  # ReadyServiceDep answered 503 otherwise
    metadata = model.metadata
    return json_response(
        {
            "model_version": model.version,
            "backend": model.backend,
            "threshold": service.threshold,
            "metrics": metadata.get("metrics", {}),
            "metadata": metadata,
        }
    )
