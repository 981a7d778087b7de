"""The score log: the service writes scored customers as JSON lines; the drift check reads them."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..data.schema import FEATURE_COLUMNS, ID_COLUMN
from ..errors import DataError
from ..files import json_lines

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)
#: Each worker process appends to its own file: scores-<pid>.jsonl (then .1, .2 ... rotated).
FILE_PATTERN = "scores-{pid}.jsonl"
#: What the reader collects: every worker's file and its rotated copies.
LOG_GLOB = "scores-*.jsonl*"


class _Handler(RotatingFileHandler):
    """A rotating file whose write errors are counted, not printed as a traceback per line."""

    def __init__(self, path: Path, on_error: Callable[[], None], **options: Any) -> None:
        super().__init__(path, encoding="utf-8", delay=True, **options)
        self.on_error = on_error

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        """Report a failed write to ``on_error`` (logging's documented hook for it)."""
        self.on_error()

    def reopen_if_deleted(self) -> None:
        """Close a file deleted under it (its folder removed, say): the next line reopens it.

        Writing to the deleted file would succeed and lose every line without an error.
        """
        self.acquire()  # no line is written meanwhile
        try:
            if self.stream is not None and os.fstat(self.stream.fileno()).st_nlink == 0:
                self.close()
        finally:
            self.release()


class ScoreLog:
    """Append ``time, model_version, churn_probability`` and the features of each customer.

    ``customerID`` is written only with ``with_ids`` (identifiers stay out of logs by
    default). A write that fails (full disk, no permission) costs one warning while the log
    keeps failing, and a count in ``on_error``; ``failing`` says whether the last write failed.
    """

    def __init__(
        self,
        folder: Path,
        *,
        with_ids: bool,
        max_bytes: int,
        backups: int,
        on_error: Callable[[int], None],
    ) -> None:
        """Open (lazily) this process's file in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / FILE_PATTERN.format(pid=os.getpid())
        self.with_ids = with_ids
        self.failing = False
        #: Each thread's count of failed lines: batches write from worker threads while
        #: single scores write on the event loop, and each call reports only its own.
        self._local = threading.local()
        self._count = on_error
        self.handler = _Handler(self.path, self._failed, maxBytes=max_bytes, backupCount=backups)

    def _failed(self) -> None:
        self._local.errors += 1

    def write(
        self, records: Sequence[Mapping[str, Any]], probabilities: Sequence[float], version: str
    ) -> None:
        """Log scored customers (feature name -> value), one line each."""
        self._local.errors = 0
        self.handler.reopen_if_deleted()
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for record, probability in zip(records, probabilities, strict=True):
            line: dict[str, Any] = {
                "time": now,
                "model_version": version,
                "churn_probability": round(float(probability), 6),
            }
            if self.with_ids:
                line[ID_COLUMN] = record.get(ID_COLUMN)
            line.update({column: record[column] for column in FEATURE_COLUMNS})
            text = json.dumps(line, ensure_ascii=False)
            self.handler.handle(logging.makeLogRecord({"msg": text}))
        errors = self._local.errors
        if errors:
            self._count(errors)
            if not self.failing:
                logger.warning("score log %s: cannot write, scores are not being logged", self.path)
        elif self.failing:
            logger.info("score log %s: writing again", self.path)
        self.failing = bool(errors)

    def close(self) -> None:
        """Flush and close the current file."""
        self.handler.close()


def is_score_log(path: Path) -> bool:
    """Tell whether ``path`` is a score-log folder or a JSON-lines file (not a CSV)."""
    return path.is_dir() or ".jsonl" in path.suffixes or path.suffix == ".jsonl"


def _records(path: Path) -> list[dict[str, object]]:
    files = sorted(path.glob(LOG_GLOB)) if path.is_dir() else [path]
    if not files or not all(file.is_file() for file in files):
        raise DataError(f"no score log files ({LOG_GLOB}) in {path}")
    records = [record for file in files for _, record in json_lines(file)]
    if not records:
        raise DataError(f"{path}: the score log holds no scored customer")
    return records


def load_score_log(path: Path) -> pd.DataFrame:
    """Return the customers logged under ``path`` parsed and validated like a raw CSV."""
    import pandas as pd  # the reader's alone: the service writes without pandas

    from ..data.load import parse_raw

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
