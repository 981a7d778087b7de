"""Helpers for tests that open or tamper with a published model version."""

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from {{ cookiecutter.package_name }}.registry.manifest import write_manifest
from {{ cookiecutter.package_name }}.registry.metadata import METADATA_FILE
from {{ cookiecutter.package_name }}.registry.store import production_dir


def production_folder(models_dir: Path) -> Path:
    """Return the folder of the production version under ``models_dir``."""
    return production_dir(models_dir)


def edit_metadata(
    models_dir: Path, change: Callable[[dict[str, Any]], None], *, rehash: bool = True
) -> Path:
    """Apply ``change`` to the production version's metadata.json and return its folder.

    ``rehash`` also rewrites the manifest, as someone who edits the metadata on purpose
    would: then the schema, not the checksum, has to catch the problem.
    """
    folder = production_folder(models_dir)
    path = folder / METADATA_FILE
    metadata = json.loads(path.read_text())
    change(metadata)
    path.write_text(json.dumps(metadata))
    if rehash:
        write_manifest(folder, folder.name)
    return folder


def clone_version(models_dir: Path, name: str) -> Path:
    """Publish a copy of the production version under a new name (no training needed)."""
    source = production_folder(models_dir)
    target = source.parent / name
    shutil.copytree(source, target)
    path = target / METADATA_FILE
    metadata = json.loads(path.read_text())
    metadata["model_version"] = name
    path.write_text(json.dumps(metadata))
    write_manifest(target, name)
    return target
