"""The Python HTTP limit: a bare ASGI app that reads the body, scans it and answers a constant."""

from __future__ import annotations

import os
from typing import Any

import msgspec

from {{ cookiecutter.package_name }}.data.schema import ID_COLUMN

#: One prediction as the real service writes it, so answers have the right length.
_ITEM = {ID_COLUMN: "0000-AAAAA", "churn_probability": 0.25, "churn": False}
_VERSION = "20250101T120000Z-1a2b3c4d"
_READY = b'{"status":"ready"}'
_HEADERS = [(b"content-type", b"application/json")]
_scan = msgspec.json.Decoder().decode  # parses the JSON, builds no typed object, checks nothing


def _answers(batch_rows: int) -> dict[str, bytes]:
    encode = msgspec.json.encode
    return {
        "/predict": encode({**_ITEM, "model_version": _VERSION}),
        "/predict/batch": encode({"model_version": _VERSION, "predictions": [_ITEM] * batch_rows}),
    }


def create_app() -> Any:
    """Return the ASGI callable (no framework, no validation, no model, no metrics, no log)."""
    answers = _answers(int(os.environ.get("BENCH_BATCH_ROWS", "1000")))

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # lifespan: accept startup and shutdown
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if body:
            _scan(body)
        answer = answers.get(scope["path"], _READY)
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        await send({"type": "http.response.body", "body": answer})

    return app
