"""The batch-inference flow: score a raw-format CSV of any size in bounded-memory chunks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.load import iter_raw, parse_raw
from ..data.schema import ID_COLUMN
from ..errors import DataError
from ..files import atomic_path
from ..models.inference import load_predictor
from ..models.predict import churn_labels

OUTPUT_COLUMNS = (ID_COLUMN, "churn_probability", "churn")


@dataclass(frozen=True)
class BatchResult:
    """How many rows were scored, where they went, and by which model and backend."""

    rows: int
    output: Path
    model_version: str
    backend: str


def _noop(_: int) -> None:
    """Ignore a progress count."""


def score_csv(
    input_path: Path,
    output_path: Path,
    models_dir: Path,
    chunk_size: int = 50_000,
    on_rows: Callable[[int], None] = _noop,
    threads: int = 0,
) -> BatchResult:
    """Write ``customerID, churn_probability, churn`` for every row of a raw-format CSV.

    The input is read ``chunk_size`` rows at a time, so memory stays bounded whatever its
    size; the output appears only when every row has been scored. Rows are scored with the
    ONNX export when there is one (``threads`` intra-op threads, 0 for every core), else with
    the scikit-learn pipeline.
    """
    if output_path.resolve() == input_path.resolve():
        raise DataError(
            f"--output must differ from --input ({input_path}); input data is never modified"
        )
    predictor = load_predictor(models_dir, threads=threads)
    rows = 0
    with atomic_path(output_path) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        for chunk in iter_raw(input_path, chunk_size):
            if chunk.empty:
                continue
            frame = parse_raw(chunk, require_target=False, source=str(input_path))
            probabilities = predictor.predict_frame(frame)
            scored = pd.DataFrame(
                {
                    ID_COLUMN: frame[ID_COLUMN].to_numpy(),
                    "churn_probability": np.round(probabilities, 6),
                    "churn": np.where(
                        churn_labels(probabilities, predictor.threshold), "Yes", "No"
                    ),
                }
            )
            scored.to_csv(handle, header=rows == 0, index=False)
            rows += len(scored)
            on_rows(rows)
        if rows == 0:
            handle.write(",".join(OUTPUT_COLUMNS) + "\n")
    return BatchResult(
        rows=rows, output=output_path, model_version=predictor.version, backend=predictor.backend
    )
