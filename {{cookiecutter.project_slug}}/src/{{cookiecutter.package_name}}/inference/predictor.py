"""Load a model version and score customers: ONNX Runtime by default, scikit-learn as reference."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from ..data.schema import CATEGORICAL_FEATURES, FEATURE_COLUMNS
from ..errors import ExplainError, ModelError
from ..registry.artifacts import NOT_THE_SCHEMA, load_model, read_metadata, version_folder
from ..registry.manifest import verified_bytes
from .explain import EXTRA, Explanation, LinearExplainer, TreeExplainer

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

Backend = Literal["onnx", "sklearn"]
#: The exported graph reads one input per feature column and returns this output.
OUTPUTS = ["probabilities"]
#: A linear model's graph also returns its encoded features, read only to explain.
FEATURES = "features"
#: One sequence of values per feature column; a blank TotalCharges is None or NaN.
Columns = Mapping[str, Sequence[Any] | np.ndarray]


def onnx_inputs(columns: Columns) -> dict[str, np.ndarray]:
    """Return the graph's inputs: each column as an (n, 1) array, text or float64 numbers.

    None in a numeric column becomes NaN, which the graph imputes as training did.
    """
    return {
        column: np.asarray(
            columns[column], dtype=object if column in CATEGORICAL_FEATURES else np.float64
        ).reshape(-1, 1)
        for column in FEATURE_COLUMNS
    }


def onnx_session(model: bytes, threads: int = 1) -> Any:
    """Return an ONNX Runtime CPU session tuned for low-latency calls on small batches."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
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

    def explain_columns(self, columns: Columns) -> Explanation:
        """Return each customer's contribution per feature column (``ExplainError`` if none)."""
        raise ExplainError(f"{type(self).__name__} cannot explain its scores")

    def predict_records(self, records: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Return the churn probability of each customer record (feature name -> value).

        The records are validated ones, as the API's body gives them: numbers as numbers and
        a blank TotalCharges as None. Raw rows go through ``data.load.parse_raw`` first.
        """
        return self.predict_columns(_record_columns(records))

    def predict_frame(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the churn probability of each row of a parsed raw frame."""
        return self.predict_columns({c: frame[c].to_numpy() for c in FEATURE_COLUMNS})

    def explain_records(self, records: Sequence[Mapping[str, Any]]) -> Explanation:
        """Explain each customer record (feature name -> value)."""
        return self.explain_columns(_record_columns(records))

    def explain_frame(self, frame: pd.DataFrame) -> Explanation:
        """Explain each row of a parsed raw frame."""
        return self.explain_columns({c: frame[c].to_numpy() for c in FEATURE_COLUMNS})


def _record_columns(records: Sequence[Mapping[str, Any]]) -> Columns:
    return {c: [record[c] for record in records] for c in FEATURE_COLUMNS}


class OnnxPredictor(Predictor):
    """Scores with the exported ONNX graph in ONNX Runtime: the default, and the lean image's."""

    backend = "onnx"

    def __init__(
        self, metadata: dict[str, Any], session: Any, directory: Path | None = None
    ) -> None:
        """Score with ``session``, the whole pipeline exported by skl2onnx, from ``directory``."""
        super().__init__(metadata)
        self.session = session
        self.directory = directory
        self._reference: SklearnPredictor | None = None
        self._linear: LinearExplainer | None = None

    def predict_columns(self, columns: Columns) -> np.ndarray:
        """Return the churn probability of each customer given one sequence per feature."""
        churn: np.ndarray = self.session.run(OUTPUTS, onnx_inputs(columns))[0][:, 1]
        return churn.astype(np.float64)

    def explain_columns(self, columns: Columns) -> Explanation:
        """Explain a linear model from the graph's encoded features; others with scikit-learn.

        The graph's ``features`` output is computed only here, so scoring never pays for it.
        """
        terms = self.metadata.get("explain")
        if terms and FEATURES in {output.name for output in self.session.get_outputs()}:
            self._linear = self._linear or LinearExplainer(terms)
            [encoded] = self.session.run([FEATURES], onnx_inputs(columns))
            return self._linear(encoded)
        return self._scikit_learn().explain_columns(columns)

    def _scikit_learn(self) -> SklearnPredictor:
        """Return the version's scikit-learn pipeline as a predictor, loaded on first use."""
        if self._reference is None:
            estimator = self.metadata["estimator"]
            if self.directory is None:
                raise ExplainError(f"cannot explain this {estimator} model: its folder is unknown")
            try:
                loaded = load_model(self.directory)
            except ImportError:
                raise ExplainError(
                    f"explaining a {estimator} model needs scikit-learn and shap: "
                    f"install the `{EXTRA}` extra"
                ) from None
            except ModelError as exc:
                raise ExplainError(str(exc)) from None
            self._reference = SklearnPredictor(loaded.metadata, loaded.pipeline)
        return self._reference


class SklearnPredictor(Predictor):
    """Scores with the fitted scikit-learn pipeline: the reference the ONNX graph must match."""

    backend = "sklearn"

    def __init__(self, metadata: dict[str, Any], pipeline: Any) -> None:
        """Score with the fitted ``pipeline``."""
        super().__init__(metadata)
        self.pipeline = pipeline
        self._linear: LinearExplainer | None = None
        self._trees: TreeExplainer | None = None

    def predict_columns(self, columns: Columns) -> np.ndarray:
        """Return the churn probability of each customer given one sequence per feature."""
        frame = _frame(columns)
        return np.asarray(self.pipeline.predict_proba(frame)[:, 1], dtype=np.float64)

    def explain_columns(self, columns: Columns) -> Explanation:
        """Explain a linear model exactly from its terms; a tree model with shap."""
        frame, terms = _frame(columns), self.metadata.get("explain")
        if terms:
            self._linear = self._linear or LinearExplainer(terms)
            return self._linear(self.pipeline[:-1].transform(frame))
        if hasattr(self.pipeline[-1], "coef_"):
            raise ExplainError(
                f"model {self.version} has no linear terms in its metadata; train again"
            )
        if self._trees is None:
            self._trees = TreeExplainer(self.pipeline)
        return self._trees(frame)


def _frame(columns: Columns) -> pd.DataFrame:
    """Return the columns as the frame the pipeline was fitted on: text, or float64 numbers."""
    import pandas as pd

    kinds = {c: object if c in CATEGORICAL_FEATURES else np.float64 for c in FEATURE_COLUMNS}
    return pd.DataFrame({c: np.asarray(columns[c], dtype=kinds[c]) for c in FEATURE_COLUMNS})


def _load_session(directory: Path, name: str, manifest: dict[str, str], threads: int) -> Any:
    path = directory / name
    payload = verified_bytes(directory, name, manifest)
    try:
        session = onnx_session(payload, threads)
    except Exception as exc:  # ONNX Runtime raises its own exception types for a bad graph
        detail = (str(exc).splitlines() or [""])[0][:160]
        raise ModelError(
            f"{path}: cannot load ONNX model ({type(exc).__name__}: {detail})"
        ) from None
    inputs = tuple(node.name for node in session.get_inputs())
    if inputs != FEATURE_COLUMNS or OUTPUTS[0] not in {n.name for n in session.get_outputs()}:
        raise ModelError(f"{path}: {NOT_THE_SCHEMA}")
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
    session = _load_session(directory, export["file"], manifest, threads)
    return OnnxPredictor(metadata, session, directory)
