"""Churn predictions for one customer or a batch, on the fast path (raw bytes in and out)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from ...data.schema import ID_COLUMN
from ..deps import MetricsDep, RawBody, ReadyServiceDep, ValidatorsDep
from ..handlers import json_response
from ..schemas import EXAMPLE_CUSTOMER, NEW_CUSTOMER, BatchPrediction, ErrorBody, Prediction
from ..wire import BatchItem

router = APIRouter(tags=["predictions"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "The body exceeds the configured size limit."},
    415: {"model": ErrorBody, "description": "The body is not application/json."},
    422: {"model": ErrorBody, "description": "Invalid body; each error's `loc` names the field."},
    503: {"model": ErrorBody, "description": "No model loaded (see GET /ready)."},
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
    summary="Predict churn for one customer",
    responses=_ERRORS,
    openapi_extra=_json_body(
        "Customer", {"existing customer": EXAMPLE_CUSTOMER, "new customer": NEW_CUSTOMER}
    ),
)
async def predict(
    service: ReadyServiceDep, validators: ValidatorsDep, metrics: MetricsDep, body: RawBody
) -> Response:
    """Score one customer given in the raw Telco columns (without Churn)."""
    row = validators.customer_row(body)
    probability = service.probability(row)
    churn = probability >= service.threshold
    metrics.count_predictions(int(churn), 1)
    return json_response(
        {
            ID_COLUMN: row.get(ID_COLUMN),
            "churn_probability": probability,
            "churn": churn,
            "model_version": service.model.version if service.model else "",
        }
    )


@router.post(
    "/predict/batch",
    response_model=BatchPrediction,
    summary="Predict churn for a batch of customers",
    responses=_ERRORS,
    openapi_extra=_json_body(
        "BatchRequest", {"two customers": {"customers": [EXAMPLE_CUSTOMER, NEW_CUSTOMER]}}
    ),
)
async def predict_batch(
    service: ReadyServiceDep, validators: ValidatorsDep, metrics: MetricsDep, body: RawBody
) -> Response:
    """Score up to the configured number of customers; predictions come back in order."""
    columns = validators.batch_columns(body)
    probabilities = service.probabilities(columns)
    threshold = service.threshold
    flags = [probability >= threshold for probability in probabilities]
    predictions = list(map(BatchItem, columns[ID_COLUMN], probabilities, flags))
    metrics.count_predictions(sum(flags), len(flags))
    version = service.model.version if service.model else ""
    return json_response({"model_version": version, "predictions": predictions})
