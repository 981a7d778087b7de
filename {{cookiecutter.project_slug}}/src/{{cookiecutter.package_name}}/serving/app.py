"""Assemble the FastAPI app: the model's lifespan, the routes, observability and offline docs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from .. import __version__
from ..config import Config, load_config
from ..inference.predictor import load_predictor
from ..inference.service import Loader, ModelService
from ..logs import configure_logging
from ..monitoring.score_log import ScoreLog
from .deps import AppState
from .observability import ObservabilityMiddleware, ServiceMetrics
from .routes import batch_router, router

logger = logging.getLogger(__name__)
DOCS_ASSETS = "/docs/assets"
#: The most errors a 422 lists, then how many more (300,000 unknown keys: not 30 MB).
MAX_ERRORS = 20


def _offline_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from the swagger-ui-bundle package: no CDN, works offline."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon-32x32.png",
        )


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    """Answer 422 naming the first ``MAX_ERRORS`` invalid fields (no input: NaN is not JSON)."""
    assert isinstance(exc, RequestValidationError)
    found = exc.errors()
    errors = [{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in found[:MAX_ERRORS]]
    if len(found) > MAX_ERRORS:
        more = f"{len(found) - MAX_ERRORS} more errors not listed"
        errors.append({"loc": ["body"], "msg": more, "type": "too_many_errors"})
    return JSONResponse({"detail": errors}, 422)


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    """Log an unexpected error with its request id and answer a generic 500."""
    request_id = request.scope.get("state", {}).get("request_id")
    logger.error("unhandled error (request_id=%s)", request_id, exc_info=exc)
    return JSONResponse({"detail": "internal server error", "request_id": request_id}, 500)


def create_app(config: Config | None = None, loader: Loader = load_predictor) -> FastAPI:
    """Build the service; the model loads when the app starts and follows production."""
    config = config or load_config()
    settings = config.serving
    configure_logging(settings.log_level)
    metrics = ServiceMetrics()
    score_log = None
    if settings.score_log_dir is not None:
        score_log = ScoreLog(
            settings.score_log_dir,
            with_ids=settings.score_log_ids,
            max_bytes=settings.score_log_max_bytes,
            backups=settings.score_log_backups,
            on_error=metrics.score_log_errors.inc,
        )
    service = ModelService(config.paths.models_dir, loader, metrics.set_model, metrics.refusing.set)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(service.reload, forced=True)
        follower = asyncio.create_task(service.follow(settings.reload_interval))
        yield
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
        if score_log is not None:
            score_log.close()

    app = FastAPI(
        title="Customer churn prediction API",
        description="Score customers given in the raw IBM Telco columns. Invalid input gets a "
        "4xx naming the field; `GET /ready` says whether a model is loaded and, if not, why.",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served offline below
        redoc_url=None,
        max_body_size=settings.max_body_bytes,
    )
    app.state.churn = AppState(settings, service, metrics, score_log)
    app.include_router(router)
    app.include_router(batch_router(settings.max_batch_size))
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, _server_error)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics, access_log=settings.access_log)
    _offline_docs(app)
    return app
