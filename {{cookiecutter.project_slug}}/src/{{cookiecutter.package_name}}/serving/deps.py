"""Dependencies of the routers, as ``Annotated`` aliases (async: no thread-pool hop)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from .body import BodyValidators, read_body
from .metrics import ServiceMetrics
from .service import ModelService
from .settings import ServingSettings


async def get_settings(request: Request) -> ServingSettings:
    """Return the settings the app was built with."""
    settings: ServingSettings = request.app.state.settings
    return settings


async def get_service(request: Request) -> ModelService:
    """Return the app's model service, loaded or not."""
    service: ModelService = request.app.state.service
    return service


async def get_ready_service(request: Request) -> ModelService:
    """Return the model service, or answer 503 with the reason when no model is loaded."""
    service: ModelService = request.app.state.service
    if service.model is None:
        raise HTTPException(503, f"model not loaded: {service.error}")
    return service


async def get_metrics(request: Request) -> ServiceMetrics:
    """Return the app's Prometheus metrics."""
    metrics: ServiceMetrics = request.app.state.metrics
    return metrics


async def get_validators(request: Request) -> BodyValidators:
    """Return the app's cached request-body validators."""
    validators: BodyValidators = request.app.state.validators
    return validators


async def get_body(request: Request) -> bytes:
    """Return the raw JSON body within the configured size limit."""
    settings: ServingSettings = request.app.state.settings
    return await read_body(request, settings.max_body_bytes)


SettingsDep = Annotated[ServingSettings, Depends(get_settings)]
ServiceDep = Annotated[ModelService, Depends(get_service)]
ReadyServiceDep = Annotated[ModelService, Depends(get_ready_service)]
MetricsDep = Annotated[ServiceMetrics, Depends(get_metrics)]
ValidatorsDep = Annotated[BodyValidators, Depends(get_validators)]
RawBody = Annotated[bytes, Depends(get_body)]
