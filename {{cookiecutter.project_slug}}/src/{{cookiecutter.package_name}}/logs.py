"""JSON logs: one line per record on stderr, for the package and for the HTTP server."""

from __future__ import annotations

import logging
import logging.config
from typing import Any

#: The top-level package, whose loggers (``<package>.serving...``) the service writes to.
PACKAGE = __name__.split(".")[0]
_JSON = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "{asctime}{levelname}{name}{message}",
    "style": "{",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    "json_ensure_ascii": False,
}


def logging_config(level: str, loggers: tuple[str, ...] = ("_granian", "granian.access")) -> Any:
    """Return a ``logging.config.dictConfig`` mapping: the package and ``loggers``, as JSON."""
    logger = {"handlers": ["json"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": _JSON},
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {name: logger for name in (PACKAGE, *loggers)},
    }


def configure_logging(level: str) -> None:
    """Log the package as JSON unless its logger is configured already (``serve`` does it)."""
    if logging.getLogger(PACKAGE).handlers:
        logging.getLogger(PACKAGE).setLevel(level.upper())
    else:
        logging.config.dictConfig(logging_config(level, loggers=()))
