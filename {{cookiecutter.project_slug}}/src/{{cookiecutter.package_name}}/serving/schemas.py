"""Request and response bodies; a customer's fields come from the table in ``data/schema.py``."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, create_model
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from ..data.examples import EXAMPLE_CUSTOMER, NEW_CUSTOMER
from ..data.schema import (
    BLANK_ALLOWED,
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    ID_COLUMN,
    INTEGER_COLUMNS,
    NUMERIC_RANGES,
)
from ..inference.explain import BASELINE, REASONS, Reason

ID_MAX_LENGTH = 64


def _integral(value: Any) -> Any:
    """Accept ``1.0`` where an integer is expected (JSON Schema counts it as one)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _blank_is_none(value: Any) -> Any:
    """Read a blank number (as the raw file has it) as null."""
    return None if isinstance(value, str) else value


def _field(column: str) -> Any:
    """Return the type of one feature: its levels, or a JSON number in its range."""
    if column in CATEGORICAL_LEVELS:
        return Literal[CATEGORICAL_LEVELS[column]]
    low, high = NUMERIC_RANGES[column]
    if column in INTEGER_COLUMNS:
        number: Any = Annotated[
            int, Field(ge=int(low), le=int(high), strict=True), BeforeValidator(_integral)
        ]
    else:
        number = Annotated[float, Field(ge=low, le=high, strict=True, allow_inf_nan=False)]
    if column in BLANK_ALLOWED:  # blank as in the raw file, or null
        return Annotated[number | Literal["", " "] | None, AfterValidator(_blank_is_none)]
    return number


_CUSTOMER_FIELDS: dict[str, Any] = {
    ID_COLUMN: NotRequired[Annotated[str, Field(max_length=ID_MAX_LENGTH)] | None],
    **{column: _field(column) for column in FEATURE_COLUMNS},
}
#: One customer in the raw Telco columns, without Churn; customerID may be left out. A
#: TypedDict: pydantic validates it into a plain dict, twice as fast as into a model.
_typed_dict: Any = TypedDict  # the functional form, with fields computed from the table
Customer: Any = _typed_dict("Customer", _CUSTOMER_FIELDS)
Customer.__pydantic_config__ = ConfigDict(
    extra="forbid", json_schema_extra={"examples": [EXAMPLE_CUSTOMER, NEW_CUSTOMER]}
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


def batch_request(max_size: int) -> Any:
    """Return the body of a batch: 1 to ``max_size`` customers (serving.max_batch_size)."""
    customers = Annotated[list[Customer], Field(min_length=1, max_length=max_size)]
    return create_model("BatchRequest", __base__=_Body, customers=(customers, ...))


class Prediction(_Body):
    """The churn prediction for one customer."""

    customerID: str | None = Field(description="The request's customerID (null if not sent).")  # noqa: N815
    churn_probability: float = Field(ge=0.0, le=1.0)
    churn: bool = Field(description="churn_probability >= the decision threshold.")
    model_version: str
    reasons: list[Reason] | None = Field(default=None, description=REASONS)
    baseline: float | None = Field(default=None, description=BASELINE)


class BatchItem(TypedDict):
    """One customer's prediction inside a batch answer (a plain dict: a batch has many)."""

    customerID: str | None
    churn_probability: Annotated[float, Field(ge=0.0, le=1.0)]
    churn: bool


class BatchPrediction(_Body):
    """Predictions for a batch, in request order."""

    model_version: str
    predictions: list[BatchItem]


class Health(_Body):
    """The process is alive."""

    status: Literal["ok"] = "ok"


class Readiness(_Body):
    """Whether a model is loaded, and why not."""

    status: Literal["ready", "not ready"]
    model_version: str | None = None
    backend: str | None = None
    reason: str | None = Field(default=None, description="Why no model is loaded.")
    reload_error: str | None = Field(default=None, description="Why a new version was refused.")
    score_log_failing: bool | None = Field(default=None, description="The score log cannot write.")


class ModelInfo(_Body):
    """The loaded model: version, backend, threshold in use and metrics (metadata if enabled)."""

    model_version: str
    backend: str
    threshold: float
    metrics: dict[str, float | int]
    metadata: dict[str, Any] | None = Field(default=None, description="serving.expose_metadata")
    reload_error: str | None = None


class ErrorBody(_Body):
    """A 4xx/5xx answer: a message, or the list of invalid fields (``loc`` names each)."""

    detail: str | list[dict[str, Any]]
    request_id: str | None = Field(default=None, description="Set on a 500, to find it in the log.")
