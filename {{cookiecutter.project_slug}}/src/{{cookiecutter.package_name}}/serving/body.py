"""Read and validate request bodies: size and media-type limits, then msgspec or pydantic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request
from pydantic import TypeAdapter, ValidationError
from starlette.requests import ClientDisconnect

from ..data.schema import ID_COLUMN
from .schemas import batch_adapter, customer_adapter
from .wire import FIELDS, Decoders


class InvalidBodyError(Exception):
    """The body is not valid JSON for the schema; ``errors`` are pydantic's, loc first."""

    def __init__(self, error: ValidationError) -> None:
        """Keep the validation error for the 422 answer."""
        super().__init__(str(error))
        self.error = error


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def read_body(request: Request, limit: int) -> bytes:
    """Return the raw body; refuse a non-JSON media type (415) or over ``limit`` bytes (413)."""
    content_type = request.headers.get("content-type")
    if content_type is not None and not _is_json(content_type):
        raise HTTPException(
            415, f"Content-Type must be application/json, not {content_type[:80]!r}"
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise HTTPException(413, f"request body larger than the limit of {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:  # the client hung up mid-body: nobody will read the answer
        raise HTTPException(400, "client disconnected before sending the whole body") from None
    return b"".join(chunks)


@dataclass(frozen=True)
class BodyValidators:
    """Validators of the raw JSON bytes of each request body, built once.

    msgspec decodes and validates valid bodies in one pass; a body it refuses goes
    through pydantic's validator (the documented schema), whose errors make the 422 answer.
    """

    customer: TypeAdapter[Any]
    batch: TypeAdapter[Any]
    max_batch_size: int
    fast: Decoders

    @classmethod
    def build(cls, max_batch_size: int) -> BodyValidators:
        """Build the validators once, for the configured batch limit."""
        return cls(
            customer_adapter(),
            batch_adapter(max_batch_size),
            max_batch_size,
            Decoders(max_batch_size),
        )

    def customer_row(self, body: bytes) -> dict[str, Any]:
        """Validate one customer and return its fields as a dict (customerID None if absent)."""
        row = self.fast.customer(body)
        if row is not None:
            return row
        try:
            checked: dict[str, Any] = self.customer.validate_json(body)
        except ValidationError as exc:
            raise InvalidBodyError(exc) from None
        return {ID_COLUMN: None, **checked}

    def batch_columns(self, body: bytes) -> dict[str, list[Any]]:
        """Validate a batch and return one list per field (customerID first), in order."""
        columns = self.fast.batch_columns(body)
        if columns is not None:
            return columns
        try:
            rows: list[dict[str, Any]] = self.batch.validate_json(body)["customers"]
        except ValidationError as exc:
            raise InvalidBodyError(exc) from None
        return {field: [row.get(field) for row in rows] for field in FIELDS}
