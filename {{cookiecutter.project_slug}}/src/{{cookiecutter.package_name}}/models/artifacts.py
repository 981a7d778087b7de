"""Save and load the model with its metadata; writes are atomic, loads are checksummed."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
from sklearn.pipeline import Pipeline

from ..errors import ModelError
from ..files import atomic_path, sha256_file, write_json

MODEL_FILE = "model.joblib"
ONNX_FILE = "model.onnx"
METADATA_FILE = "metadata.json"


@dataclass(frozen=True)
class LoadedModel:
    """A fitted pipeline and the metadata it was saved with."""

    pipeline: Pipeline
    metadata: dict[str, Any]

    @property
    def version(self) -> str:
        """Return the model version recorded at training time."""
        return str(self.metadata["model_version"])

    @property
    def threshold(self) -> float:
        """Return the decision threshold recorded at training time."""
        return float(self.metadata["threshold"])


def save_model(pipeline: Pipeline, metadata: dict[str, Any], models_dir: Path) -> dict[str, Any]:
    """Write the pipeline, then its metadata (with the model's SHA-256), each atomically."""
    model_path = models_dir / MODEL_FILE
    with atomic_path(model_path) as tmp:
        joblib.dump(pipeline, tmp)
        checksum = sha256_file(tmp)
    saved = {**metadata, "model_file": MODEL_FILE, "model_sha256": checksum}
    write_json(models_dir / METADATA_FILE, saved)
    return saved


def read_metadata(models_dir: Path) -> dict[str, Any]:
    """Return the metadata of the saved model, or raise ``ModelError`` if there is none."""
    path = models_dir / METADATA_FILE
    if not path.is_file():
        raise ModelError(
            f"no trained model in {models_dir}/ (missing {METADATA_FILE}); run train first"
        )
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(metadata, dict) or "model_sha256" not in metadata:
        raise ModelError(f"{path}: not model metadata (no model_sha256)")
    return metadata


def model_file(models_dir: Path, name: str, checksum: str | None, key: str) -> bytes:
    """Return the bytes of a model file in ``models_dir`` that matches its recorded SHA-256.

    ``key`` names the metadata entry ``name`` came from. The bytes that were hashed are the
    bytes returned, so a file swapped after the check is never loaded.
    """
    if Path(name).name != name or name in {".", ".."}:
        raise ModelError(f"{key} {name!r} in metadata must be a file name inside {models_dir}/")
    path = models_dir / name
    if not path.is_file():
        raise ModelError(f"model file not found: {path}; run train first")
    content = path.read_bytes()
    if checksum is None or hashlib.sha256(content).hexdigest() != checksum:
        raise ModelError(
            f"{path} does not match the checksum in {METADATA_FILE}; retrain the model"
        )
    return content


def load_model(models_dir: Path) -> LoadedModel:
    """Load the model named in the metadata from ``models_dir`` after checking its SHA-256."""
    metadata = read_metadata(models_dir)
    name = str(metadata.get("model_file", MODEL_FILE))
    content = model_file(models_dir, name, metadata["model_sha256"], "model_file")
    path = models_dir / name
    try:
        pipeline = joblib.load(io.BytesIO(content))
    except Exception as exc:  # a corrupt or incompatible pickle can raise almost anything
        raise ModelError(f"{path}: cannot load model ({type(exc).__name__}: {exc})") from None
    if not isinstance(pipeline, Pipeline):
        raise ModelError(f"{path}: expected a scikit-learn Pipeline, got {type(pipeline).__name__}")
    return LoadedModel(pipeline=pipeline, metadata=metadata)
