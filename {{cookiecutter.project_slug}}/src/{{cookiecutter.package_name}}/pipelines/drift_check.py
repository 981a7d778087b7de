"""The drift-check flow: compare current customers with a reference set, write the verdict."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from ..data.load import load_raw
from ..data.schema import FEATURE_COLUMNS
from ..errors import DataError, ModelError
from ..files import check_writable_dir, write_json
from ..inference.predictor import load_predictor
from ..monitoring.drift import feature_drift, prediction_drift
from ..monitoring.report import write_report
from ..monitoring.score_log import is_score_log, load_score_log

SUMMARY_FILE = "summary.json"
REPORT_FILE = "report.html"


@dataclass(frozen=True)
class DriftCheck:
    """The verdict, the summary written to ``summary.json`` and where the files are."""

    drift_detected: bool
    summary: dict[str, Any]
    summary_path: Path
    report_path: Path


def _load(path: Path, role: str, min_rows: int) -> Any:
    """Read a raw CSV, or the service's score logs (a folder or a .jsonl file)."""
    frame = load_score_log(path) if is_score_log(path) else load_raw(path, require_target=False)
    if len(frame) < min_rows:
        raise DataError(
            f"{path}: {len(frame)} rows is too few for a drift check of the {role} set "
            f"(monitoring.drift.min_rows is {min_rows}); small samples drift by chance"
        )
    return frame


def _predictions(settings: Config, reference: Any, current: Any) -> dict[str, Any]:
    """Return the prediction drift, or why it was skipped (no trained model)."""
    threshold = settings.monitoring.drift.prediction_threshold
    try:
        predictor = load_predictor(settings.paths.models_dir, threads=0)
    except ModelError as exc:
        return {"skipped": str(exc)}
    result = prediction_drift(
        predictor.predict_frame(reference),
        predictor.predict_frame(current),
        threshold,
        predictor.threshold,
    )
    result["model_version"] = predictor.version
    return result


def run_drift_check(
    settings: Config, reference_path: Path, current_path: Path, out_dir: Path | None = None
) -> DriftCheck:
    """Compare two raw-format CSVs feature by feature and by prediction; write the results.

    The data set drifted when at least ``drift_share`` of the features drifted, or the
    predictions did. ``summary.json`` and ``report.html`` are written to ``out_dir``
    (default: ``monitoring.drift.out_dir``), checked writable once the inputs are accepted
    (a refused input leaves no folder behind); the input files are only read.
    """
    config = settings.monitoring.drift
    out_dir = out_dir or config.out_dir
    reference = _load(reference_path, "reference", config.min_rows)
    current = _load(current_path, "current", config.min_rows)
    check_writable_dir(out_dir, "the drift report folder")  # once the inputs are accepted
    features = feature_drift(
        reference.loc[:, list(FEATURE_COLUMNS)], current.loc[:, list(FEATURE_COLUMNS)], config
    )
    prediction = _predictions(settings, reference, current)
    drifted = [name for name, found in features.items() if found.drift]
    share = len(drifted) / len(features)
    prediction_drifted = bool(prediction.get("drift", False))
    detected = share >= config.drift_share or prediction_drifted
    summary: dict[str, Any] = {
        "drift_detected": detected,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "reference": {"path": str(reference_path), "rows": len(reference)},
        "current": {"path": str(current_path), "rows": len(current)},
        "thresholds": config.model_dump(mode="json", exclude={"out_dir"}),
        "drifted_features": drifted,
        "drifted_share": round(share, 6),
        "prediction_drift": prediction_drifted,
        "features": {name: asdict(found) for name, found in features.items()},
        "prediction": prediction,
    }
    summary_path, report_path = out_dir / SUMMARY_FILE, out_dir / REPORT_FILE
    write_report(report_path, summary, reference, current)
    write_json(summary_path, summary)
    return DriftCheck(detected, summary, summary_path, report_path)
