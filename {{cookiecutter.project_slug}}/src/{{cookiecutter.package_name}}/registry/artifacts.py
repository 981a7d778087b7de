"""Save a model version's files, and load them only after their checksums and schema pass."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..data.schema import FEATURE_COLUMNS
from ..errors import ModelError
from ..files import atomic_path, write_json
from .manifest import MANIFEST_FILE, read_manifest, verified_bytes, verify_all
from .metadata import METADATA_FILE, ModelMetadata, parse_metadata
from .store import production_dir

if TYPE_CHECKING:  # the served ONNX path never imports scikit-learn
    from sklearn.pipeline import Pipeline

#: The scikit-learn fallback, in skops format: loading it runs no code from the file.
MODEL_FILE = "model.skops"
ONNX_FILE = "model.onnx"
#: Types outside skops' default trust that our pipelines hold (tree structures, dtypes).
TRUSTED_TYPES = frozenset(
    {
        "numpy.dtype",
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    }
)


#: Why a version trained before a change of ``data/schema.py``'s feature columns is refused.
NOT_THE_SCHEMA = (
    "its inputs are not the feature columns of data/schema.py (trained before the schema "
    "changed?); train again, then promote the new version"
)


@dataclass(frozen=True)
class LoadedModel:
    """A fitted pipeline and the validated metadata it was saved with."""

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


def save_model(pipeline: Pipeline, metadata: dict[str, Any], directory: Path) -> dict[str, Any]:
    """Write the pipeline (skops) and its metadata, validated by the schema, into ``directory``."""
    import skops.io

    with atomic_path(directory / MODEL_FILE) as tmp:
        skops.io.dump(pipeline, tmp)
    saved = ModelMetadata.model_validate({**metadata, "model_file": MODEL_FILE}).model_dump()
    write_json(directory / METADATA_FILE, saved)
    return saved


def version_folder(models_dir: Path) -> Path:
    """Return ``models_dir`` itself if it is one version, else the production version's folder."""
    if (models_dir / MANIFEST_FILE).is_file():
        return models_dir
    return production_dir(models_dir)


def read_metadata(directory: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Return a version's validated metadata and its manifest (``ModelError`` if either fails)."""
    manifest = read_manifest(directory)
    problems = verify_all(directory)
    if problems:
        raise ModelError(f"{directory}: {problems[0]} (manifest.json); train again or roll back")
    content = verified_bytes(directory, METADATA_FILE, manifest)
    metadata = parse_metadata(content, directory / METADATA_FILE)
    if metadata.model_version != directory.name:
        raise ModelError(
            f"{directory / METADATA_FILE}: model_version {metadata.model_version} "
            f"does not match its folder {directory.name}"
        )
    return metadata.model_dump(), manifest


def _minor(text: str) -> tuple[str, ...]:
    return tuple(text.split(".")[:2])


def check_library(metadata: dict[str, Any], name: str, path: Path) -> None:
    """Refuse to load ``path`` if library ``name`` differs in major.minor from training."""
    recorded = metadata["library_versions"].get(name)
    try:
        installed = version(name)
    except PackageNotFoundError:
        installed = "none"
    if recorded is None or _minor(recorded) != _minor(installed):
        raise ModelError(
            f"{path} was saved with {name} {recorded}, but {installed} is installed; "
            f"install {name}=={recorded} or train again"
        )


def load_model(models_dir: Path) -> LoadedModel:
    """Load the scikit-learn pipeline of a version (default: production) from its skops file.

    The manifest, the metadata schema and the scikit-learn version are checked first, and
    only the types on ``TRUSTED_TYPES`` (beyond skops' defaults) may be instantiated.
    """
    import skops.io
    from sklearn.pipeline import Pipeline

    directory = version_folder(models_dir)
    metadata, manifest = read_metadata(directory)
    path = directory / metadata["model_file"]
    content = verified_bytes(directory, metadata["model_file"], manifest)
    check_library(metadata, "scikit-learn", path)
    try:
        untrusted = set(skops.io.get_untrusted_types(data=content))
        if untrusted - TRUSTED_TYPES:
            raise ModelError(f"{path} holds untrusted types: {sorted(untrusted - TRUSTED_TYPES)}")
        pipeline = skops.io.loads(content, trusted=sorted(untrusted))
    except ModelError:
        raise
    except Exception as exc:  # a corrupt or foreign file can raise almost anything
        raise ModelError(f"{path}: cannot load model ({type(exc).__name__}: {exc})") from None
    if not isinstance(pipeline, Pipeline):
        raise ModelError(f"{path}: expected a scikit-learn Pipeline, got {type(pipeline).__name__}")
    if tuple(getattr(pipeline, "feature_names_in_", ())) != FEATURE_COLUMNS:
        raise ModelError(f"{path}: {NOT_THE_SCHEMA}")
    return LoadedModel(pipeline=pipeline, metadata=metadata)
