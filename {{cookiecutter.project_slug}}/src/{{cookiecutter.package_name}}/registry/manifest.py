"""A version's manifest: the SHA-256 of every file in it, checked before a file is used."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ModelError
from ..files import sha256_bytes, sha256_file, write_json
from .store import HOLDOUT_FILE

MANIFEST_FILE = "manifest.json"
#: Data a version keeps beside its model, which a copy may leave out (the images do: they
#: carry no customer rows); when present it must still match its checksum.
DATA_FILES = frozenset({HOLDOUT_FILE})


def write_manifest(directory: Path, version: str) -> dict[str, str]:
    """Hash every file under ``directory`` into ``manifest.json`` and return the hashes."""
    files = {
        path.relative_to(directory).as_posix(): sha256_file(path)
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != MANIFEST_FILE
    }
    write_json(directory / MANIFEST_FILE, {"version": version, "files": files})
    return files


def read_manifest(directory: Path) -> dict[str, str]:
    """Return the file hashes of the version in ``directory``; raise ``ModelError`` if unusable."""
    path = directory / MANIFEST_FILE
    if not path.is_file():
        raise ModelError(f"no {MANIFEST_FILE} in {directory}/; not a published model version")
    try:
        payload = json.loads(path.read_bytes())
        files = payload["files"]
        if payload["version"] != directory.name or not isinstance(files, dict):
            raise ValueError(f"it describes version {payload['version']!r}")
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: not a manifest of {directory.name} ({exc})") from None
    return {str(name): str(digest) for name, digest in files.items()}


def verified_bytes(directory: Path, name: str, manifest: dict[str, str]) -> bytes:
    """Return the bytes of ``name`` in ``directory`` if they match the manifest.

    The bytes that were hashed are the bytes returned, so a file swapped after the check
    is never used.
    """
    if Path(name).name != name or name in {".", ".."}:
        raise ModelError(f"{name!r} must be a file name inside {directory}/")
    path = directory / name
    if name not in manifest:
        raise ModelError(f"{path} is not listed in {MANIFEST_FILE}")
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"model file not found: {path}") from None
    if sha256_bytes(content) != manifest[name]:
        raise ModelError(f"{path} does not match its checksum in {MANIFEST_FILE}")
    return content


def verify_all(directory: Path) -> list[str]:
    """Return the problems with the files of a version (empty when every checksum matches)."""
    try:
        manifest = read_manifest(directory)
    except ModelError as exc:
        return [str(exc)]
    problems = []
    for name, digest in manifest.items():
        path = directory / name
        if not path.is_file():
            if name not in DATA_FILES:
                problems.append(f"{name} is missing")
        elif sha256_file(path) != digest:
            problems.append(f"{name} does not match its checksum")
    return problems
