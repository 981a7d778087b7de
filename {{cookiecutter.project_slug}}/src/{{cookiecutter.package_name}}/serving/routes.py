"""The six endpoints; the two prediction routes come first (routes are matched in order)."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from starlette.responses import Response

from ..data.schema import ID_COLUMN
from .deps import ModelDep, StateDep, app_state
from .handlers import json_response
from .schemas import (
    EXAMPLE_CUSTOMER,
    NEW_CUSTOMER,
    BatchPrediction,
    ErrorBody,
    Health,
    ModelInfo,
    Prediction,
    PredictionRow,
    Readiness,
)
from .validation import read_body

router = APIRouter()
_ALIVE = Health().model_dump_json().encode()
_NO_MODEL: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorBody, "description": "No model loaded (see GET /ready)."}
}
_BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "The body exceeds the configured size limit."},
    415: {"model": ErrorBody, "description": "The body is not application/json."},
    422: {"model": ErrorBody, "description": "Invalid body; each error's `loc` names the field."},
    **_NO_MODEL,
}


def _json_body(schema: str, examples: dict[str, Any]) -> dict[str, Any]:
    """Document a request body that the endpoint validates itself from the raw bytes."""
    content = {
        "schema": {"$ref": f"#/components/schemas/{schema}"},
        "examples": {name: {"value": value} for name, value in examples.items()},
    }
    return {"requestBody": {"required": True, "content": {"application/json": content}}}


@router.post(
    "/predict",
    response_model=Prediction,
    tags=["predictions"],
    summary="Predict churn for one customer",
    responses=_BODY_ERRORS,
    openapi_extra=_json_body(
        "Customer", {"existing customer": EXAMPLE_CUSTOMER, "new customer": NEW_CUSTOMER}
    ),
)
async def predict(request: Request) -> Response:
    """Score one customer given in the raw Telco columns (without Churn)."""
    state = app_state(request)
    model = state.ready_model()
    row = state.validators.customer_row(await read_body(request, state.settings.max_body_bytes))
    probability = float(model.predict_row(row))
    churn = probability >= state.service.threshold_for(model)
    state.metrics.count_predictions(int(churn), 1)
    if state.score_log is not None:
        state.score_log.write_row(row, probability, model.version)
    return json_response(
        {
            ID_COLUMN: row[ID_COLUMN],
            "churn_probability": probability,
            "churn": churn,
            "model_version": model.version,
        }
    )


@router.post(
    "/predict/batch",
    response_model=BatchPrediction,
    tags=["predictions"],
    summary="Predict churn for a batch of customers",
    responses=_BODY_ERRORS,
    openapi_extra=_json_body(
        "BatchRequest", {"two customers": {"customers": [EXAMPLE_CUSTOMER, NEW_CUSTOMER]}}
    ),
)
async def predict_batch(request: Request) -> Response:
    """Score up to the configured number of customers; predictions come back in order."""
    state = app_state(request)
    model = state.ready_model()
    columns = state.validators.batch_columns(
        await read_body(request, state.settings.max_body_bytes)
    )
    probabilities: list[float] = np.asarray(
        model.predict_columns(columns), dtype=np.float64
    ).tolist()
    threshold = state.service.threshold_for(model)
    flags = [probability >= threshold for probability in probabilities]
    predictions = list(map(PredictionRow, columns[ID_COLUMN], probabilities, flags))
    state.metrics.count_predictions(sum(flags), len(flags))
    if state.score_log is not None:
        state.score_log.write_columns(columns, probabilities, model.version)
    return json_response({"model_version": model.version, "predictions": predictions})


#: Endpoints that take only the ``Request`` and return a ``Response``: ``app.DirectRoutes``
#: calls them straight from the ASGI scope (FastAPI's dispatch would add nothing to them).
#: An endpoint given a ``Depends`` or a typed parameter must leave this tuple.
DIRECT_ENDPOINTS = (predict, predict_batch)


@router.get("/health", response_model=Health, tags=["health"], summary="The process is alive")
async def health() -> Response:
    """Answer 200 while the process runs, whether or not a model is loaded."""
    return Response(_ALIVE, media_type="application/json")


@router.get(
    "/ready",
    response_model=Readiness,
    tags=["health"],
    summary="A model is loaded and predictions can be served",
    responses={503: {"model": Readiness, "description": "No model loaded; `reason` says why."}},
)
async def ready(state: StateDep) -> Response:
    """Answer 200 with the model version once loaded, else 503 with the reason."""
    service = state.service
    model = service.model
    if model is None:
        return json_response({"status": "not ready", "reason": service.error}, 503)
    answer = {"status": "ready", "model_version": model.version, "backend": model.backend}
    if service.reload_error is not None:
        answer["reload_error"] = service.reload_error
    return json_response(answer)


# Uptime checkers and load balancers often probe with HEAD: the same answers, without a body
# (the server drops it). Left out of the schema, where HTTP implies HEAD beside GET.
for _path, _endpoint in (("/health", health), ("/ready", ready)):
    router.add_api_route(_path, _endpoint, methods=["HEAD"], include_in_schema=False)


@router.get(
    "/model",
    response_model=ModelInfo,
    response_model_exclude_none=True,
    tags=["model"],
    summary="Describe the loaded model",
    responses=_NO_MODEL,
)
async def model_info(state: StateDep, model: ModelDep) -> Response:
    """Return the model's version, backend, threshold in use and metrics."""
    info: dict[str, Any] = {
        "model_version": model.version,
        "backend": model.backend,
        "threshold": state.service.threshold_for(model),
        "metrics": model.metadata.get("metrics", {}),
    }
    if state.settings.expose_metadata:
        info["metadata"] = model.metadata
    if state.service.reload_error is not None:
        info["reload_error"] = state.service.reload_error
    return json_response(info)


@router.get(
    "/metrics",
    tags=["metrics"],
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
)
async def metrics(state: StateDep) -> Response:
    """Return request counts, latency histograms and prediction outcomes."""
    return Response(state.metrics.render(), media_type=state.metrics.content_type)
