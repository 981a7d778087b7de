"""The Python HTTP limit: a bare ASGI app that reads the body, parses it and answers a constant."""

from __future__ import annotations

import json
from typing import Any

#: One prediction as the service writes it, so answers have about the right length.
_ITEM = {"customerID": "0000-AAAAA", "churn_probability": 0.25, "churn": False}
_HEADERS = [(b"content-type", b"application/json")]


def create_app() -> Any:
    """Return the ASGI callable: no framework, no validation, no model, no metrics, no log."""
    answers = {
        "/predict": json.dumps({**_ITEM, "model_version": "bare"}).encode(),
        "/predict/batch": json.dumps(
            {"model_version": "bare", "predictions": [_ITEM] * 1000}
        ).encode(),
    }

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # accept startup and shutdown
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if body:
            json.loads(body)
        answer = answers.get(scope["path"], b'{"status":"ready"}')
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        await send({"type": "http.response.body", "body": answer})

    return app
