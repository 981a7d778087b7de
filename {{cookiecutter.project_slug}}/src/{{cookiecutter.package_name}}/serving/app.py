"""Assemble the FastAPI app: settings, model lifespan, middleware, handlers and routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

from .. import __version__
from ..inference.predictor import load_predictor
from .admin import router as admin_router
from .deps import AppState
from .handlers import add_exception_handlers
from .observability import ObservabilityMiddleware, ServiceMetrics, configure_logging
from .reload import Reloader
from .routes import DIRECT_ENDPOINTS, router
from .score_log import ScoreLog
from .service import Loader, ModelService, ScoringModel
from .settings import ServingSettings, load_settings
from .validation import BodyValidators

TITLE = "Customer churn prediction API"
DOCS_ASSETS = "/docs/assets"
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


def _offline_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from the swagger-ui-bundle package: no CDN, works offline."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        assets = request.scope.get("root_path", "") + DOCS_ASSETS
        return get_swagger_ui_html(
            openapi_url=request.scope.get("root_path", "") + "/openapi.json",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
        )


class DirectRoutes:
    """Call the prediction endpoints straight from the ASGI scope, without FastAPI's router.

    Those endpoints take only the ``Request`` and return a ``Response``, so FastAPI's
    per-request dispatch (route matching, the dependency solver, the exception and exit-stack
    middlewares) adds nothing to them but time: about a third of a single-row prediction.
    They stay declared on the router, so /openapi.json documents them, and any other method
    or path (or a request under a ``root_path``) goes on to FastAPI. A client error is
    answered by the app's own exception handlers, as FastAPI would; anything else propagates
    to the server-error handler, as from a routed endpoint. This middleware sits inside
    ``ObservabilityMiddleware``: request ids, metrics and access logs see every request.
    """

    def __init__(self, app: ASGIApp, routes: Mapping[str, APIRoute], handlers: Mapping[Any, Any]):
        """Wrap ``app``; ``routes`` maps a POST path to its route, ``handlers`` are the app's."""
        self.app = app
        self.routes = routes
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a POST to a direct route; pass everything else on."""
        route = None
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            route = self.routes.get(scope["path"])
        if route is None:
            await self.app(scope, receive, send)
            return
        scope["route"], scope["endpoint"] = route, route.endpoint
        request = Request(scope, receive, send)
        try:
            response = await route.endpoint(request)
        except Exception as exc:
            handler = self._handler(exc)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)

    def _handler(self, exc: Exception) -> Any:
        """Return the app's handler of ``exc``'s class or a base (not the catch-all 500)."""
        for cls in type(exc).__mro__:
            if cls is Exception:
                return None
            if cls in self.handlers:
                return self.handlers[cls]
        return None


def _direct_routes() -> dict[str, APIRoute]:
    """Return the POST routes whose endpoints ``DirectRoutes`` may call, by path.

    They are read from the router itself: the app's own route list may hold the included
    router as one wrapper (FastAPI 0.16x) rather than its routes.
    """
    return {
        route.path: route
        for route in router.routes
        if isinstance(route, APIRoute)
        and route.endpoint in DIRECT_ENDPOINTS
        and route.methods == {"POST"}
    }


def _score_log(settings: ServingSettings) -> ScoreLog | None:
    """Return the score log the settings ask for (CHURN_SCORE_LOG_DIR), if any."""
    if settings.score_log_dir is None:
        return None
    return ScoreLog(
        settings.score_log_dir,
        with_ids=settings.score_log_ids,
        max_bytes=settings.score_log_max_bytes,
        backups=settings.score_log_backups,
    )


def create_app(settings: ServingSettings | None = None, loader: Loader = load_predictor) -> FastAPI:
    """Build the service; the model loads when the app starts and follows production."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    metrics = ServiceMetrics()

    def publish_model(model: ScoringModel | None) -> None:
        """Show the model about to serve (or none) in the metrics, before requests see it."""
        if model is None:
            metrics.set_model(None, None)
            return
        # A loader of the Loader protocol (a benchmark's constant model, say) may record no
        # training data, and a model trained before `predicted_churn_share` was measured has
        # none: what is missing is not exported, and the churn-share alert stays quiet.
        rate = model.metadata.get("data", {}).get("churn_rate")
        share = model.metadata.get("metrics", {}).get("predicted_churn_share")
        metrics.set_model(
            model.version,
            None if rate is None else float(rate),
            None if share is None else float(share),
        )

    service = ModelService(settings.models_dir, settings.threshold, loader, publish_model)
    state = AppState(
        settings=settings,
        service=service,
        metrics=metrics,
        validators=BodyValidators(settings.max_batch_size),
        reloader=Reloader(service, settings.reload_interval),
        score_log=_score_log(settings),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.service.load()
        async with state.reloader.running():
            yield
        if state.score_log is not None:
            state.score_log.close()

    app = FastAPI(
        title=TITLE,
        description=DESCRIPTION,
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served offline below, after the API routes (matched in order)
        redoc_url=None,
    )
    app.state.churn = state
    add_exception_handlers(app)
    app.include_router(router)
    app.include_router(admin_router)
    # Added first, so it runs inside the observability middleware (the last one added).
    app.add_middleware(DirectRoutes, routes=_direct_routes(), handlers=app.exception_handlers)
    app.add_middleware(
        ObservabilityMiddleware, metrics=state.metrics, access_log=settings.access_log
    )
    _offline_docs(app)
    app.openapi = _openapi(app, state.validators)  # type: ignore[method-assign]
    return app
