"""Request and response schemas, derived from the one raw data schema in ``data/schema.py``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import typing_extensions
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ..data.schema import (
    BLANK_ALLOWED,
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    ID_COLUMN,
    INTEGER_COLUMNS,
    NUMERIC_RANGES,
)

#: Blank TotalCharges as in the raw file (new customers, tenure 0); null is accepted too.
BLANKS = ("", " ")
ID_MAX_LENGTH = 64

EXAMPLE_CUSTOMER: dict[str, Any] = {
    "customerID": "7590-VHVEG",
    "gender": "Female",
    "SeniorCitizen": 0,
    "Partner": "Yes",
    "Dependents": "No",
    "tenure": 1,
    "PhoneService": "No",
    "MultipleLines": "No phone service",
    "InternetService": "DSL",
    "OnlineSecurity": "No",
    "OnlineBackup": "Yes",
    "DeviceProtection": "No",
    "TechSupport": "No",
    "StreamingTV": "No",
    "StreamingMovies": "No",
    "Contract": "Month-to-month",
    "PaperlessBilling": "Yes",
    "PaymentMethod": "Electronic check",
    "MonthlyCharges": 29.85,
    "TotalCharges": 29.85,
}
NEW_CUSTOMER = {**EXAMPLE_CUSTOMER, "customerID": "NEW-0001", "tenure": 0, "TotalCharges": " "}
_STRICT: Any = {"strict": True}  # JSON numbers only: no "12" strings, no true/false


def _one_of(levels: tuple[Any, ...]) -> Any:
    """Return ``Literal[levels]`` built at run time (a fast enum of the allowed values)."""
    return Literal.__getitem__(levels)


def _feature_type(column: str) -> Any:
    """Return the validated type of one raw feature column."""
    if column in CATEGORICAL_LEVELS:
        return _one_of(CATEGORICAL_LEVELS[column])
    low, high = NUMERIC_RANGES[column]
    if column in INTEGER_COLUMNS:
        number: Any = Annotated[int, Field(ge=int(low), le=int(high), **_STRICT)]
    else:
        number = Annotated[float, Field(ge=low, le=high, allow_inf_nan=False, **_STRICT)]
    if column in BLANK_ALLOWED:
        return number | _one_of(BLANKS) | None
    return number


def _typed_dict(name: str, fields: dict[str, Any], examples: list[Any]) -> Any:
    """Return a TypedDict class built at run time, which pydantic validates into plain dicts."""
    # typing_extensions: pydantic needs its TypedDict before Python 3.12 (and NotRequired 3.11).
    typed_dict: Any = typing_extensions.TypedDict  # the functional form, with computed fields
    built = typed_dict(name, fields)
    built.__pydantic_config__ = ConfigDict(extra="forbid", json_schema_extra={"examples": examples})
    return built


#: One customer: the raw columns without Churn; customerID may be left out.
Customer = _typed_dict(
    "Customer",
    {
        ID_COLUMN: typing_extensions.NotRequired[
            Annotated[str | None, Field(max_length=ID_MAX_LENGTH)]
        ],
        **{
            column: Annotated[_feature_type(column), Field(title=column)]
            for column in FEATURE_COLUMNS
        },
    },
    [EXAMPLE_CUSTOMER, NEW_CUSTOMER],
)


def batch_type(max_size: int) -> Any:
    """Return the batch request type: ``{"customers": [...]}`` with 1 to ``max_size`` items."""
    customers = Annotated[list[Customer], Field(min_length=1, max_length=max_size)]  # type: ignore[valid-type]
    return _typed_dict(
        "BatchRequest", {"customers": customers}, [{"customers": [EXAMPLE_CUSTOMER]}]
    )


def customer_adapter() -> TypeAdapter[Any]:
    """Return a validator of one customer's raw JSON bytes."""
    return TypeAdapter(Customer)


def batch_adapter(max_size: int) -> TypeAdapter[Any]:
    """Return a validator of a batch request's raw JSON bytes."""
    return TypeAdapter(batch_type(max_size))


class _Output(BaseModel):
    """Base of the response schemas (``model_version`` is a field name here, not pydantic's)."""

    model_config = ConfigDict(protected_namespaces=())


class Prediction(_Output):
    """The churn prediction for one customer."""

    model_config = ConfigDict(
        protected_namespaces=(),
        json_schema_extra={
            "examples": [
                {
                    "customerID": "7590-VHVEG",
                    "churn_probability": 0.6421,
                    "churn": True,
                    "model_version": "20250101T120000Z-1a2b3c4d",
                }
            ]
        },
    )

    customerID: str | None = Field(description="The request's customerID (null if not sent).")  # noqa: N815
    churn_probability: float = Field(ge=0.0, le=1.0)
    churn: bool = Field(description="churn_probability >= the decision threshold.")
    model_version: str


class BatchItem(_Output):
    """One customer's prediction inside a batch answer."""

    customerID: str | None  # noqa: N815
    churn_probability: float = Field(ge=0.0, le=1.0)
    churn: bool


class BatchPrediction(_Output):
    """Predictions for a batch, in request order."""

    model_version: str
    predictions: list[BatchItem]


class Health(_Output):
    """The process is alive."""

    status: Literal["ok"] = "ok"


class Readiness(_Output):
    """Whether a model is loaded, and why not."""

    status: Literal["ready", "not ready"]
    model_version: str | None = None
    backend: str | None = None
    reason: str | None = None


class ModelInfo(_Output):
    """The loaded model: version, backend, threshold in use, metrics and saved metadata."""

    model_version: str
    backend: str
    threshold: float
    metrics: dict[str, float | int]
    metadata: dict[str, Any]


class ErrorItem(_Output):
    """One problem with the request; ``loc`` names the field."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(_Output):
    """A 4xx/5xx answer: a message, or the list of invalid fields."""

    detail: str | list[ErrorItem]
