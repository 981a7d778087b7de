"""Service settings read from ``CHURN_*`` environment variables, built on demand."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..errors import ConfigError

ENV_PREFIX = "CHURN_"
LogLevel = Literal["critical", "error", "warning", "info", "debug"]


class ServingSettings(BaseSettings):
    """How the service runs; every field can be set as ``CHURN_<FIELD>`` (e.g. CHURN_PORT)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, case_sensitive=False
    )

    models_dir: Path = Field(
        Path("models"),
        description="The model store (its production version is served), or one version's folder.",
    )
    reload_interval: Annotated[float, Field(ge=0.0, le=3600.0)] = Field(
        2.0, description="Seconds between checks of the production pointer; 0 turns them off."
    )
    admin_token: SecretStr | None = Field(
        None, description="Bearer token of POST /admin/reload; unset disables the route."
    )
    threshold: Annotated[float, Field(gt=0.0, lt=1.0)] | None = Field(
        None, description="Decision threshold; unset means the one saved with the model."
    )
    max_batch_size: Annotated[int, Field(ge=1, le=100_000)] = Field(
        1000, description="Most customers accepted by POST /predict/batch."
    )
    max_body_bytes: Annotated[int, Field(ge=1024)] = Field(
        4 * 1024 * 1024, description="Largest request body accepted (413 above it)."
    )
    max_header_bytes: Annotated[int, Field(ge=1024)] = Field(
        8192, description="Largest request line plus headers (431 above it)."
    )
    header_timeout: Annotated[float, Field(gt=0)] = Field(
        10.0, description="Seconds a client has to send a request's line and headers (408)."
    )
    body_timeout: Annotated[float, Field(gt=0)] = Field(
        30.0, description="Seconds a client has to send a request's body after its headers (408)."
    )
    keep_alive_timeout: Annotated[int, Field(ge=1)] = Field(
        5, description="Seconds an idle keep-alive connection stays open."
    )
    max_queued: Annotated[int, Field(ge=1)] = Field(
        32, description="Requests queued or running per worker before new ones get 503."
    )
    max_connections: Annotated[int, Field(ge=1)] = Field(
        1024, description="Open connections per worker before uvicorn answers 503 to all."
    )
    retry_after: Annotated[int, Field(ge=1)] = Field(
        1, description="Seconds in the Retry-After header of a 503 for load."
    )
    log_level: LogLevel = "info"
    access_log: bool = Field(True, description="Write one JSON line per request.")
    expose_metadata: bool = Field(
        False, description="GET /model also returns all metadata saved with the model."
    )
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8000
    score_log_dir: Path | None = Field(
        None,
        description="Log each scored customer (features, probability, model version) as JSON "
        "lines in rotating files here; `monitor drift --current` reads the folder.",
    )
    score_log_ids: bool = Field(False, description="Also log customerID in the score log.")
    score_log_max_bytes: Annotated[int, Field(ge=1024)] = Field(
        10 * 1024 * 1024, description="Rotate a score log file at this size."
    )
    score_log_backups: Annotated[int, Field(ge=0)] = Field(
        5, description="Rotated score log files kept per worker."
    )


def load_settings(**overrides: object) -> ServingSettings:
    """Read the settings from the environment, with explicit overrides taking precedence."""
    try:
        return ServingSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ENV_PREFIX + ".".join(str(part) for part in first["loc"]).upper()
        raise ConfigError(f"{name}: {first['msg']} (got {first['input']!r})") from None
