"""Read and validate request bodies: size and media-type limits, then msgspec or pydantic."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice
from typing import Any

import msgspec
from fastapi import HTTPException, Request
from msgspec.structs import astuple
from pydantic import ValidationError

from .schemas import (
    FIELDS,
    batch_adapter,
    batch_struct,
    customer_adapter,
    customer_struct,
)

_NOT_VALID = (msgspec.ValidationError, msgspec.DecodeError)
#: Most validation errors listed in one answer (a bad 1,000-row batch stays small).
MAX_ERRORS = 20


class InvalidBodyError(Exception):
    """The body is not valid for the schema; ``errors`` are FastAPI-style (loc, msg, type)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        """Keep the error items for the 422 answer."""
        super().__init__(errors[0]["msg"] if errors else "invalid body")
        self.errors = errors

    @classmethod
    def from_pydantic(cls, error: ValidationError) -> InvalidBodyError:
        """Return the first errors of ``error``, without echoing the input."""
        found = error.errors(include_url=False, include_input=False, include_context=False)
        return cls(
            [
                {"loc": ["body", *item["loc"]], "msg": str(item["msg"]), "type": str(item["type"])}
                for item in islice(found, MAX_ERRORS)
            ]
        )

    @classmethod
    def from_unicode(cls, error: UnicodeDecodeError) -> InvalidBodyError:
        """Return the one error of a body that is not UTF-8 (JSON text must be)."""
        byte = error.object[error.start : error.start + 1].hex()
        message = f"body is not valid UTF-8: byte 0x{byte} at position {error.start}"
        return cls([{"loc": ["body"], "msg": message, "type": "json_invalid"}])


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def read_body(request: Request, limit: int) -> bytes:
    """Return the raw body; refuse a non-JSON media type (415) or over ``limit`` bytes (413).

    Reads the ASGI messages itself: Starlette's ``Request.stream`` and ``headers`` cost
    more than the whole body check on a single-row request.
    """
    content_type = content_length = None
    for name, value in request.scope["headers"]:
        if name == b"content-type":
            content_type = value.decode("latin-1")
        elif name == b"content-length":
            content_length = value
    if content_type is not None and not _is_json(content_type):
        raise HTTPException(
            415, f"Content-Type must be application/json, not {content_type[:80]!r}"
        )
    if content_length is not None and content_length.isdigit() and int(content_length) > limit:
        raise HTTPException(413, f"request body larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    receive = request.receive
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client hung up: nobody reads the answer
            raise HTTPException(400, "client disconnected before sending the whole body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"request body larger than the limit of {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class BodyValidators:
    """Validate the raw JSON bytes of each request body; built once per app.

    msgspec decodes and validates a valid body in one pass; a body it refuses goes
    through pydantic (the documented schema), whose error list makes the 422 answer, or
    which accepts the few spellings msgspec does not (``1.0`` for an integer).
    """

    def __init__(self, max_batch_size: int) -> None:
        """Build the decoders and validators for the configured batch limit."""
        customer = customer_struct()
        self._customer = msgspec.json.Decoder(customer).decode
        self._batch = msgspec.json.Decoder(batch_struct(customer, max_batch_size)).decode
        self._customer_adapter = customer_adapter()
        self._batch_adapter = batch_adapter(max_batch_size)
        #: The pydantic validators, whose JSON schemas document the request bodies.
        self.adapters = (self._customer_adapter, self._batch_adapter)

    def _checked(self, adapter: Any, body: bytes) -> Any:
        try:
            return adapter.validate_json(body)
        except ValidationError as exc:
            raise InvalidBodyError.from_pydantic(exc) from None

    def customer_row(self, body: bytes) -> dict[str, Any]:
        """Return one customer's fields as a dict (customerID None when absent)."""
        try:
            return dict(zip(FIELDS, astuple(self._customer(body)), strict=True))
        except UnicodeDecodeError as exc:
            raise InvalidBodyError.from_unicode(exc) from None
        except _NOT_VALID:
            row: dict[str, Any] = self._checked(self._customer_adapter, body)
        return {field: row.get(field) for field in FIELDS}

    def batch_columns(self, body: bytes) -> dict[str, Sequence[Any]]:
        """Return a batch as one sequence per field (customerID first), in request order.

        Each customer becomes one tuple (``astuple``, a C copy of its fields) and ``zip``
        turns the rows into column tuples: a third of the time of one getter per field.
        """
        try:
            customers = self._batch(body).customers
        except UnicodeDecodeError as exc:
            raise InvalidBodyError.from_unicode(exc) from None
        except _NOT_VALID:
            rows: list[dict[str, Any]] = self._checked(self._batch_adapter, body)["customers"]
            return {field: [row.get(field) for row in rows] for field in FIELDS}
        # Not strict: every tuple has the struct's fields, one per name in FIELDS.
        return dict(zip(FIELDS, zip(*map(astuple, customers), strict=False), strict=False))
