"""Log each scored customer as a JSON line in rotating files that `monitor drift` reads."""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Mapping, Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from ..data.schema import FEATURE_COLUMNS, ID_COLUMN

#: Each worker process appends to its own file: scores-<pid>.jsonl (then .1, .2 ... rotated).
FILE_PATTERN = "scores-{pid}.jsonl"


def _plain(value: Any) -> Any:
    """Return a JSON-ready value: NumPy scalars as Python ones, NaN (blank) as None."""
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and math.isnan(value) else value


class ScoreLog:
    """Append ``time, model_version, churn_probability`` and the features of each customer.

    ``customerID`` is written only when ``with_ids`` is set (identifiers stay out of the
    logs by default). Files rotate at ``max_bytes``, keeping ``backups`` old ones.
    """

    def __init__(self, folder: Path, *, with_ids: bool, max_bytes: int, backups: int) -> None:
        """Open (lazily) this process's file in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / FILE_PATTERN.format(pid=os.getpid())
        self.with_ids = with_ids
        self.handler = RotatingFileHandler(
            self.path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True
        )

    def _line(self, row: Mapping[str, Any], probability: float, version: str) -> str:
        record: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "model_version": version,
            "churn_probability": round(float(probability), 6),
        }
        if self.with_ids:
            record[ID_COLUMN] = row.get(ID_COLUMN)
        record.update({column: _plain(row[column]) for column in FEATURE_COLUMNS})
        return json.dumps(record, ensure_ascii=False, allow_nan=False)

    def _write(self, line: str) -> None:
        self.handler.handle(logging.makeLogRecord({"msg": line}))

    def write_row(self, row: Mapping[str, Any], probability: float, version: str) -> None:
        """Log one scored customer (feature name -> value)."""
        self._write(self._line(row, probability, version))

    def write_columns(
        self, columns: Mapping[str, Sequence[Any]], probabilities: Sequence[float], version: str
    ) -> None:
        """Log a scored batch given as one sequence per column."""
        names = [*FEATURE_COLUMNS, ID_COLUMN] if self.with_ids else list(FEATURE_COLUMNS)
        for index, probability in enumerate(probabilities):
            row = {name: columns[name][index] for name in names if name in columns}
            self._write(self._line(row, probability, version))

    def close(self) -> None:
        """Flush and close the current file."""
        self.handler.close()
