"""Read the service's score logs (JSON lines) as a raw-format frame for the drift check."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..data.load import parse_raw
from ..data.schema import FEATURE_COLUMNS, ID_COLUMN
from ..errors import DataError

#: The service's files: scores-<pid>.jsonl and their rotated copies (.jsonl.1, .jsonl.2 ...).
LOG_GLOB = "scores-*.jsonl*"


def is_score_log(path: Path) -> bool:
    """Tell whether ``path`` is a score-log folder or a JSON-lines file (not a CSV)."""
    return path.is_dir() or ".jsonl" in path.suffixes or path.suffix == ".jsonl"


def _records(path: Path) -> list[dict[str, object]]:
    files = sorted(path.glob(LOG_GLOB)) if path.is_dir() else [path]
    if not files or not all(file.is_file() for file in files):
        raise DataError(f"no score log files ({LOG_GLOB}) in {path}")
    records = []
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                raise DataError(f"{file}: line {number} is not JSON") from None
    return records


def load_score_log(path: Path) -> pd.DataFrame:
    """Return the customers logged under ``path`` parsed and validated like a raw CSV."""
    records = _records(path)
    frame = pd.DataFrame.from_records(records)
    missing = [column for column in FEATURE_COLUMNS if column not in frame.columns]
    if missing:
        raise DataError(f"{path}: score log lacks the feature(s) {', '.join(missing)}")
    text = pd.DataFrame(index=frame.index)
    text[ID_COLUMN] = frame[ID_COLUMN].astype(str) if ID_COLUMN in frame.columns else "logged"
    for column in FEATURE_COLUMNS:
        text[column] = [
            "" if value is None or value != value else str(value) for value in frame[column]
        ]
    return parse_raw(text, require_target=False, source=str(path))
