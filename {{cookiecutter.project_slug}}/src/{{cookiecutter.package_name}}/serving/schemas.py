"""Request and response schemas, derived from the one column table in ``data/schema.py``.

Each request type exists twice, built by the same function from the same table: as a
msgspec Struct (the fast decoder of valid bodies) and as a pydantic TypedDict (the
documented schema, and the error list of a 422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec
import typing_extensions
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter

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
#: The fields of a customer, in the order the decoded columns come out.
FIELDS = (ID_COLUMN, *FEATURE_COLUMNS)

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

#: How one library spells "a number in [low, high]" (integer or not) and "at most n chars".
NumberType = Callable[[float, float, bool], Any]
MaxLength = Callable[[int], Any]


def _integral(value: Any) -> Any:
    """Accept ``1.0`` where an integer is expected (JSON Schema counts it as one)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _pydantic_number(low: float, high: float, integer: bool) -> Any:
    """Strict JSON numbers in range: no "12" strings, no true/false, no NaN; 1.0 is 1."""
    if integer:
        return Annotated[
            int, Field(ge=int(low), le=int(high), strict=True), BeforeValidator(_integral)
        ]
    return Annotated[float, Field(ge=low, le=high, allow_inf_nan=False, strict=True)]


def _msgspec_number(low: float, high: float, integer: bool) -> Any:
    """Return the same ranges for msgspec (which refuses strings, booleans and NaN here).

    It refuses ``1.0`` for an integer too; such a body goes to pydantic, which accepts it.
    """
    if integer:
        return Annotated[int, msgspec.Meta(ge=int(low), le=int(high))]
    return Annotated[float, msgspec.Meta(ge=low, le=high)]


def customer_fields(number: NumberType, max_length: MaxLength) -> dict[str, Any]:
    """Return each customer field's type, customerID first, in one library's constraints."""
    fields: dict[str, Any] = {ID_COLUMN: Annotated[str, max_length(ID_MAX_LENGTH)] | None}
    for column in FEATURE_COLUMNS:
        if column in CATEGORICAL_LEVELS:
            fields[column] = Literal.__getitem__(CATEGORICAL_LEVELS[column])
            continue
        low, high = NUMERIC_RANGES[column]
        fields[column] = number(low, high, column in INTEGER_COLUMNS)
        if column in BLANK_ALLOWED:
            fields[column] = fields[column] | Literal.__getitem__(BLANKS) | None
    return fields


# --- pydantic: the documented schema and the 422 error list -------------------------------


def _typed_dict(name: str, fields: dict[str, Any], examples: list[Any]) -> Any:
    """Return a TypedDict built at run time, which pydantic validates into plain dicts."""
    # typing_extensions: pydantic needs its TypedDict before Python 3.12 (and NotRequired 3.11).
    typed_dict: Any = typing_extensions.TypedDict  # the functional form, with computed fields
    built = typed_dict(name, fields)
    built.__pydantic_config__ = ConfigDict(extra="forbid", json_schema_extra={"examples": examples})
    return built


_PYDANTIC_FIELDS = customer_fields(_pydantic_number, lambda n: Field(max_length=n))
#: One customer: the raw columns without Churn; customerID may be left out.
Customer = _typed_dict(
    "Customer",
    {
        ID_COLUMN: typing_extensions.NotRequired[_PYDANTIC_FIELDS[ID_COLUMN]],
        **{
            column: Annotated[_PYDANTIC_FIELDS[column], Field(title=column)]
            for column in FEATURE_COLUMNS
        },
    },
    [EXAMPLE_CUSTOMER, NEW_CUSTOMER],
)


def customer_adapter() -> TypeAdapter[Any]:
    """Return a validator of one customer's raw JSON bytes."""
    return TypeAdapter(Customer)


def batch_adapter(max_size: int) -> TypeAdapter[Any]:
    """Return a validator of a batch request: ``{"customers": [...]}``, 1 to ``max_size``."""
    customers = Annotated[list[Customer], Field(min_length=1, max_length=max_size)]  # type: ignore[valid-type]
    batch = _typed_dict(
        "BatchRequest", {"customers": customers}, [{"customers": [EXAMPLE_CUSTOMER]}]
    )
    return TypeAdapter(batch)


# --- msgspec: the same types, decoded and checked in one C pass ---------------------------

_STRUCT: Any = {"forbid_unknown_fields": True, "kw_only": True, "gc": False}


def customer_struct() -> Any:
    """Return the msgspec Struct of one customer: unknown fields refused, customerID optional.

    Its fields come in ``FIELDS`` order, so ``msgspec.structs.astuple`` lines a decoded
    customer up with ``FIELDS`` (keyword-only fields let the optional one come first).
    """
    types = customer_fields(_msgspec_number, lambda n: msgspec.Meta(max_length=n))
    fields: list[Any] = [(ID_COLUMN, types[ID_COLUMN], None)]
    fields.extend((column, types[column]) for column in FEATURE_COLUMNS)
    return msgspec.defstruct("Customer", fields, **_STRUCT)


def batch_struct(customer: Any, max_size: int) -> Any:
    """Return the msgspec Struct of a batch request: 1 to ``max_size`` customers."""
    size = msgspec.Meta(min_length=1, max_length=max_size)
    customers = Annotated[list.__class_getitem__(customer), size]  # type: ignore[valid-type]
    return msgspec.defstruct("BatchRequest", [("customers", customers)], **_STRUCT)


#: One row of a batch answer, encoded by msgspec (documented by ``BatchItem`` below).
PredictionRow = msgspec.defstruct(
    "PredictionRow",
    [(ID_COLUMN, str | None), ("churn_probability", float), ("churn", bool)],
    gc=False,
)


# --- responses: what each endpoint answers, as published in /openapi.json -----------------


class _Output(BaseModel):
    """Base of the response schemas (``model_version`` is a field name here, not pydantic's)."""

    model_config = ConfigDict(protected_namespaces=(), extra="forbid")


class Prediction(_Output):
    """The churn prediction for one customer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "customerID": "7590-VHVEG",
                    "churn_probability": 0.6421,
                    "churn": True,
                    "model_version": "20250101T120000Z-1a2b3c4d",
                }
            ]
        }
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
    reload_error: str | None = Field(
        None, description="Why the production version was refused (the old one still serves)."
    )


class ModelInfo(_Output):
    """The loaded model: version, backend, threshold in use and metrics (metadata if enabled)."""

    model_version: str
    backend: str
    threshold: float
    metrics: dict[str, float | int]
    metadata: dict[str, Any] | None = Field(
        None, description="Everything saved with the model; only with CHURN_EXPOSE_METADATA."
    )
    reload_error: str | None = Field(
        None, description="Why the production version was refused (this one still serves)."
    )


class ReloadResult(_Output):
    """What an asked-for reload did, and the model serving now."""

    outcome: Literal["reloaded", "unchanged", "refused"]
    model_version: str | None = None
    reason: str | None = Field(None, description="Why a version was refused, if one was.")


class ErrorItem(_Output):
    """One problem with the request; ``loc`` names the field."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(_Output):
    """A 4xx/5xx answer: a message, or the list of invalid fields."""

    detail: str | list[ErrorItem]
    request_id: str | None = Field(None, description="Set on a 500, to find it in the log.")
