"""msgspec types of the bodies on the fast path, from the same data schema as ``schemas.py``."""

from __future__ import annotations

from operator import attrgetter
from typing import Annotated, Any, Literal

import msgspec

from ..data.schema import (
    BLANK_ALLOWED,
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    ID_COLUMN,
    INTEGER_COLUMNS,
    NUMERIC_RANGES,
)
from .schemas import BLANKS, ID_MAX_LENGTH

#: The fields of a customer in the order the decoded columns come out.
FIELDS = (ID_COLUMN, *FEATURE_COLUMNS)
_STRUCT: Any = {"forbid_unknown_fields": True, "kw_only": True, "gc": False}


def _field_type(column: str) -> Any:
    """Return the msgspec type of one raw feature column (as strict as the pydantic one)."""
    if column in CATEGORICAL_LEVELS:
        return Literal.__getitem__(CATEGORICAL_LEVELS[column])
    low, high = NUMERIC_RANGES[column]
    if column in INTEGER_COLUMNS:
        number: Any = Annotated[int, msgspec.Meta(ge=int(low), le=int(high))]
    else:
        number = Annotated[float, msgspec.Meta(ge=low, le=high)]
    if column in BLANK_ALLOWED:
        return number | Literal.__getitem__(BLANKS) | None
    return number


def customer_struct() -> Any:
    """Return the msgspec Struct of one customer: unknown fields refused, customerID optional."""
    identifier = Annotated[str, msgspec.Meta(max_length=ID_MAX_LENGTH)] | None
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [
        (column, _field_type(column)) for column in FEATURE_COLUMNS
    ]
    fields.append((ID_COLUMN, identifier, None))
    return msgspec.defstruct("Customer", fields, **_STRUCT)


def batch_struct(customer: Any, max_size: int) -> Any:
    """Return the msgspec Struct of a batch request: 1 to ``max_size`` customers."""
    items = list.__class_getitem__(customer)  # list[customer], built at run time
    size = msgspec.Meta(min_length=1, max_length=max_size)
    customers = Annotated[items, size]  # type: ignore[valid-type]
    return msgspec.defstruct("BatchRequest", [("customers", customers)], **_STRUCT)


#: One customer's prediction in a batch answer (encoded by msgspec as a JSON object).
BatchItem = msgspec.defstruct(
    "BatchItem",
    [(ID_COLUMN, str | None), ("churn_probability", float), ("churn", bool)],
    gc=False,
)


class Decoders:
    """Decode and validate raw JSON bodies in one pass; ``None`` means "not valid here"."""

    def __init__(self, max_batch_size: int) -> None:
        """Build the decoders once, for the configured batch limit."""
        customer = customer_struct()
        self._customer = msgspec.json.Decoder(customer)
        self._batch = msgspec.json.Decoder(batch_struct(customer, max_batch_size))
        self._fields = attrgetter(*FIELDS)
        self._columns = [(field, attrgetter(field)) for field in FIELDS]

    def customer(self, body: bytes) -> dict[str, Any] | None:
        """Return one customer's fields as a dict, or None if the body is not valid."""
        try:
            decoded = self._customer.decode(body)
        except (msgspec.ValidationError, msgspec.DecodeError):
            return None
        return dict(zip(FIELDS, self._fields(decoded), strict=True))

    def batch_columns(self, body: bytes) -> dict[str, list[Any]] | None:
        """Return a batch as one list per field (customerID first), or None if not valid."""
        try:
            customers = self._batch.decode(body).customers
        except (msgspec.ValidationError, msgspec.DecodeError):
            return None
        return {field: list(map(getter, customers)) for field, getter in self._columns}
