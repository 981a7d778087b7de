"""Exception handlers: every client mistake becomes a 4xx JSON body naming the problem."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import msgspec
from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from .validation import InvalidBodyError

logger = logging.getLogger(__name__)

JSON = "application/json"
_encode = msgspec.json.Encoder().encode


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """Return ``payload`` serialised by msgspec (C), with no response model pass."""
    return Response(_encode(payload), status_code=status, media_type=JSON, headers=headers)


async def invalid_body(_: Request, exc: Exception) -> Response:
    """Answer 422 with the fields that failed validation of the raw body."""
    assert isinstance(exc, InvalidBodyError)
    return json_response({"detail": exc.errors}, 422)


async def http_error(_: Request, exc: Exception) -> Response:
    """Answer an ``HTTPException`` with its status and message."""
    assert isinstance(exc, HTTPException)
    return json_response({"detail": exc.detail}, exc.status_code, exc.headers)


async def server_error(request: Request, exc: Exception) -> Response:
    """Log an unexpected error with its request id and answer a generic 500."""
    request_id = request.scope.get("state", {}).get("request_id")
    logger.exception("unhandled error (request_id=%s)", request_id, exc_info=exc)
    return json_response({"detail": "internal server error", "request_id": request_id}, 500)


def add_exception_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(InvalidBodyError, invalid_body)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, server_error)
