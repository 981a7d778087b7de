"""Assemble the FastAPI app: settings, model lifespan, middleware, handlers and routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .. import __version__
from ..models.inference import load_predictor
from .deps import AppState
from .handlers import add_exception_handlers
from .observability import ObservabilityMiddleware, ServiceMetrics, configure_logging
from .routes import router
from .service import Loader, ModelService
from .settings import ServingSettings, load_settings
from .validation import BodyValidators

TITLE = "Customer churn prediction API"
DESCRIPTION = (
    "Score customers given in the raw IBM Telco columns. Invalid input gets a 4xx naming "
    "the field; `GET /ready` says whether a model is loaded and, if not, why."
)


def _openapi(app: FastAPI, validators: BodyValidators) -> Callable[[], dict[str, Any]]:
    """Return an OpenAPI builder that also documents the raw-validated request bodies."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            ref = "#/components/schemas/{model}"
            for adapter in validators.adapters:
                body_schema = adapter.json_schema(ref_template=ref)
                components.update(body_schema.pop("$defs", {}))
                components[body_schema["title"]] = body_schema
            app.openapi_schema = schema
        return app.openapi_schema

    return build


def create_app(settings: ServingSettings | None = None, loader: Loader = load_predictor) -> FastAPI:
    """Build the service; the model is loaded once, when the app starts (its lifespan)."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    state = AppState(
        settings=settings,
        service=ModelService(settings.models_dir, settings.threshold, loader),
        metrics=ServiceMetrics(),
        validators=BodyValidators(settings.max_batch_size),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.service.load()
        state.metrics.model_ready.set(state.service.model is not None)
        yield

    app = FastAPI(title=TITLE, description=DESCRIPTION, version=__version__, lifespan=lifespan)
    app.state.churn = state
    app.add_middleware(
        ObservabilityMiddleware, metrics=state.metrics, access_log=settings.access_log
    )
    add_exception_handlers(app)
    app.include_router(router)
    app.openapi = _openapi(app, state.validators)  # type: ignore[method-assign]
    return app
