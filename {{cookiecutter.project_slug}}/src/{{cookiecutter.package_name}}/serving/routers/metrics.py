"""Prometheus scrape endpoint."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from ..deps import MetricsDep

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
)
async def metrics(registry: MetricsDep) -> Response:
    """Return request counts, latency histograms and prediction outcomes."""
    return Response(registry.render(), media_type=registry.content_type)
