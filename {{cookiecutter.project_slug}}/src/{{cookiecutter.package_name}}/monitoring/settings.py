"""The ``monitoring:`` section of the settings file: drift thresholds and the report folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Share = Annotated[float, Field(gt=0.0, le=1.0)]
Distance = Annotated[float, Field(gt=0.0)]


class DriftConfig(BaseModel):
    """When a feature, the predictions and the data set as a whole count as drifted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    numeric_threshold: Distance = 0.1
    categorical_threshold: Distance = 0.1
    prediction_threshold: Distance = 0.1
    drift_share: Share = 0.25
    min_rows: Annotated[int, Field(ge=1)] = 200
    out_dir: Path = Path("reports/drift")


class MonitoringConfig(BaseModel):
    """Monitoring settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    drift: DriftConfig = DriftConfig()
