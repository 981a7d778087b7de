"""Service settings read from ``CHURN_*`` environment variables, built on demand."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError
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
        Path("models"), description="Folder holding model.joblib and metadata.json."
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
    log_level: LogLevel = "info"
    access_log: bool = Field(True, description="Write one JSON line per request.")
    expose_metadata: bool = Field(
        False, description="GET /model also returns all metadata saved with the model."
    )
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8000


def load_settings(**overrides: object) -> ServingSettings:
    """Read the settings from the environment, with explicit overrides taking precedence."""
    try:
        return ServingSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ENV_PREFIX + ".".join(str(part) for part in first["loc"]).upper()
        raise ConfigError(f"{name}: {first['msg']} (got {first['input']!r})") from None
