"""Structured logging: one JSON object per line, for the service's and uvicorn's loggers."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

#: The top-level package, whose loggers (``<package>.serving...``) the service writes to.
PACKAGE = __name__.split(".")[0]
ACCESS_LOGGER = f"{PACKAGE}.access"


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line; ``extra={"fields": {...}}`` adds keys."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as compact JSON."""
        payload: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            payload.update(fields)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def logging_config(level: str) -> dict[str, Any]:
    """Return a ``logging.config.dictConfig`` mapping for uvicorn and the package, as JSON."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    logger = {"handlers": ["json"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": handler},
        "loggers": {"uvicorn": logger, "uvicorn.access": logger, PACKAGE: logger},
    }


def configure_logging(level: str) -> None:
    """Give the package logger a JSON handler unless one is configured (e.g. by ``serve``)."""
    package_logger = logging.getLogger(PACKAGE)
    package_logger.setLevel(level.upper())
    if not package_logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        package_logger.addHandler(handler)
        package_logger.propagate = False
