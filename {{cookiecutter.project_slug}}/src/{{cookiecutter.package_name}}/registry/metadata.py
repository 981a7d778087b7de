"""The schema of a model version's metadata.json, validated whenever a model is loaded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import ModelError

METADATA_FILE = "metadata.json"
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
FileName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class _Strict(BaseModel):
    # No protected namespace: pydantic before 2.10 warns about `model_version` and `model_file`.
    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())


class OnnxExport(_Strict):
    """The ONNX export, or why there is none (then ``file`` is None)."""

    file: FileName | None
    reason: str | None = None
    precision: Literal["float64"] | None = None
    max_abs_diff: Number | None = None
    tolerance: Number | None = None
    opset: dict[str, int] | None = None

    @model_validator(mode="after")
    def _complete(self) -> OnnxExport:
        """Require the reason when there is no ONNX file."""
        if self.file is None and not self.reason:
            raise ValueError("without an ONNX file the reason is required")
        return self


class DataInfo(_Strict):
    """The training data: file, checksum, size and churn rate."""

    path: str
    sha256: Sha256
    rows: Annotated[int, Field(ge=2)]
    churn_rate: Annotated[float, Field(ge=0.0, le=1.0)]


class SplitInfo(_Strict):
    """The stratified hold-out split."""

    test_size: Annotated[float, Field(gt=0.0, lt=1.0)]
    seed: int


class LinearTerms(_Strict):
    """What explains a linear model exactly, one entry per encoded feature (schema 4)."""

    columns: list[str] = Field(description="The feature column each encoded feature comes from.")
    coefficients: list[Number]
    intercept: Number

    @model_validator(mode="after")
    def _aligned(self) -> LinearTerms:
        """Require one coefficient per encoded feature."""
        if len(self.columns) != len(self.coefficients):
            raise ValueError("columns and coefficients differ in length")
        return self


class ModelMetadata(_Strict):
    """Everything recorded about one model version (``metadata.json``)."""

    schema_version: Literal[2, 3, 4]
    model_version: Annotated[str, Field(pattern=VERSION_PATTERN)]
    created_at: str
    estimator: str
    params: dict[str, Any]
    #: Where ``params`` came from: "settings", or the file ``tune`` wrote.
    params_source: str = "settings"
    threshold: Annotated[Number, Field(gt=0.0, lt=1.0)]
    #: "campaign_out_of_fold" or "config" (schema 3; version 2 files had only the config's).
    threshold_source: str = "config"
    metrics: dict[str, Number | int]
    data: DataInfo
    split: SplitInfo
    git_commit: str | None
    package_version: str
    library_versions: dict[str, str]
    model_file: FileName
    onnx: OnnxExport
    #: A linear model's terms, which explain its scores (schema 4; None for tree models).
    explain: LinearTerms | None = None

    @field_validator("metrics")
    @classmethod
    def _has_the_hold_out_metrics(cls, metrics: dict[str, float | int]) -> dict[str, float | int]:
        """Require the metrics every comparison reads."""
        missing = {"roc_auc", "n_train", "n_test"} - set(metrics)
        if missing:
            raise ValueError(f"missing {sorted(missing)}")
        return metrics


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "<top level>"
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "missing":
        return f"{location} is missing"
    if first["type"] == "extra_forbidden":
        return f"unknown key {location}"
    return f"{location}: {message}"


def parse_metadata(content: bytes, source: Path) -> ModelMetadata:
    """Validate ``metadata.json`` bytes; raise ``ModelError`` naming the first problem."""
    try:
        payload = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise ModelError(f"{source}: expected a JSON object of model metadata")
    try:
        return ModelMetadata.model_validate(payload)
    except ValidationError as exc:
        raise ModelError(f"{source}: {_describe(exc)}") from None
