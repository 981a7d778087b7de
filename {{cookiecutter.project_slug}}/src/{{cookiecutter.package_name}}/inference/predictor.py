"""Load a model version and score customers: ONNX Runtime by default, scikit-learn as reference."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from ..data.columns import Coded, Columns
from ..data.schema import CATEGORICAL_FEATURES, FEATURE_COLUMNS, NUMERIC_FEATURES
from ..errors import ModelError
from ..registry.artifacts import load_model, read_metadata, version_folder
from ..registry.manifest import verified_bytes
from .encoding import Encoder, numeric_array

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

Backend = Literal["onnx", "sklearn"]
#: The exported graph's one input (the encoded matrix) and the output read from it.
INPUT = "features"
OUTPUTS = ["probabilities"]


def records_to_columns(records: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Turn customer records (feature name -> value) into one list per feature column."""
    return {column: [record[column] for record in records] for column in FEATURE_COLUMNS}


def text_array(values: Sequence[Any] | np.ndarray | Coded) -> np.ndarray:
    """Return a column of category levels as an (n, 1) object array of str."""
    if isinstance(values, Coded):
        return values.to_text().reshape(-1, 1)
    if isinstance(values, np.ndarray) and values.dtype == object:
        return values.reshape(-1, 1)
    return np.array(values, dtype=object).reshape(-1, 1)


def onnx_session(model: bytes, threads: int = 1) -> Any:
    """Return an ONNX Runtime CPU session tuned for low-latency calls on small batches."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


class Predictor(ABC):
    """A loaded model version: its metadata, and churn probabilities for customers."""

    backend: ClassVar[Backend]

    def __init__(self, metadata: dict[str, Any]) -> None:
        """Keep the version's metadata (validated when it was read)."""
        self.metadata = metadata

    @property
    def version(self) -> str:
        """Return the model version recorded at training time."""
        return str(self.metadata["model_version"])

    @property
    def threshold(self) -> float:
        """Return the decision threshold recorded at training time."""
        return float(self.metadata["threshold"])

    @abstractmethod
    def predict_columns(self, columns: Columns) -> np.ndarray:
        """Return the churn probability of each customer given one sequence per feature."""

    def predict_records(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Return the churn probability of each customer record (feature name -> value)."""
        return self.predict_columns(records_to_columns(records))

    def predict_frame(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the churn probability of each row of a parsed raw frame."""
        return self.predict_columns(
            {column: frame[column].to_numpy() for column in FEATURE_COLUMNS}
        )


class OnnxPredictor(Predictor):
    """Scores with the exported ONNX graph in ONNX Runtime: the default, and the lean image's."""

    backend = "onnx"

    def __init__(self, metadata: dict[str, Any], session: Any, encoder: Encoder) -> None:
        """Score with ``session``, whose input ``encoder`` lays out."""
        super().__init__(metadata)
        self.session = session
        self.encoder = encoder

    def predict_columns(self, columns: Columns) -> np.ndarray:
        """Return the churn probability of each customer given one sequence per feature."""
        matrix = self.encoder.encode(columns)
        churn: np.ndarray = self.session.run(OUTPUTS, {INPUT: matrix})[0][:, 1]
        return churn.astype(np.float64)


class SklearnPredictor(Predictor):
    """Scores with the fitted scikit-learn pipeline: the reference the ONNX graph must match."""

    backend = "sklearn"

    def __init__(self, metadata: dict[str, Any], pipeline: Any) -> None:
        """Score with the fitted ``pipeline``."""
        super().__init__(metadata)
        self.pipeline = pipeline

    def predict_columns(self, columns: Columns) -> np.ndarray:
        """Return the churn probability of each customer given one sequence per feature."""
        import pandas as pd

        frame = pd.DataFrame(
            {
                **{c: text_array(columns[c]).ravel() for c in CATEGORICAL_FEATURES},
                **{c: numeric_array(columns[c]).ravel() for c in NUMERIC_FEATURES},
            },
            columns=list(FEATURE_COLUMNS),
        )
        return np.asarray(self.pipeline.predict_proba(frame)[:, 1], dtype=np.float64)


def _load_session(
    directory: Path, name: str, manifest: dict[str, str], threads: int, width: int
) -> Any:
    path = directory / name
    payload = verified_bytes(directory, name, manifest)
    try:
        session = onnx_session(payload, threads)
    except Exception as exc:  # ONNX Runtime raises its own exception types for a bad graph
        detail = (str(exc).splitlines() or [""])[0][:160]
        raise ModelError(
            f"{path}: cannot load ONNX model ({type(exc).__name__}: {detail})"
        ) from None
    inputs = [(node.name, node.shape[-1]) for node in session.get_inputs()]
    outputs = {node.name for node in session.get_outputs()}
    if inputs != [(INPUT, width)] or not set(OUTPUTS) <= outputs:
        raise ModelError(f"{path}: ONNX inputs or outputs do not match the saved encoding")
    return session


def load_predictor(models_dir: Path, *, threads: int = 1) -> Predictor:
    """Load the production version under ``models_dir`` (or the version folder it names).

    Nothing is loaded unless every file matches the version's manifest and the metadata
    passes its schema; any mismatch raises ``ModelError`` with the reason. The ONNX export
    is used when training wrote one (the skops file is then not even read); without one,
    the scikit-learn pipeline scores, with a warning. ``threads`` sets ONNX Runtime's
    intra-op threads (1 suits a web worker; 0 lets it use every core).
    """
    directory = version_folder(models_dir)
    metadata, manifest = read_metadata(directory)
    export = metadata["onnx"]
    if not export["file"]:
        logger.warning(
            "No ONNX model in %s/ (%s); scoring with scikit-learn", directory, export["reason"]
        )
        loaded = load_model(directory)
        return SklearnPredictor(loaded.metadata, loaded.pipeline)
    encoder = Encoder.from_metadata(export["encoding"])
    session = _load_session(directory, export["file"], manifest, threads, encoder.width)
    return OnnxPredictor(metadata, session, encoder)
