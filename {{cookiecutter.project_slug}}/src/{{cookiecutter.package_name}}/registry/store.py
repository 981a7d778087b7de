"""The model store: published versions, the production pointer and its history.

Layout under the models folder::

    versions/<version>/     one self-contained version: model.onnx, model.skops,
                            metadata.json, model_card.md, holdout.csv, reports/,
                            manifest.json (the SHA-256 of every other file)
    production.json         names the production version; replaced atomically
    history.jsonl           every change of production: who, when, why
    .staging-<pid>.<rand>/  a version being built; renamed into versions/ when complete
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import ModelError, OutputError
from ..files import (
    check_writable_dir,
    default_mode,
    fsync_dir,
    json_lines,
    remove_stale,
    write_json,
)
from .metadata import VERSION_PATTERN

logger = logging.getLogger(__name__)

VERSIONS_DIR = "versions"
#: Files of a version besides the model files, metadata and manifest.
MODEL_CARD_FILE = "model_card.md"
HOLDOUT_FILE = "holdout.csv"  # the version's hold-out rows, raw format (promote's default)
REPORTS_DIR = "reports"  # the version's metrics, figures and plot data
POINTER_FILE = "production.json"
HISTORY_FILE = "history.jsonl"
STAGING_PREFIX = ".staging-"
#: History events that make a version production; "rollback" returns to the one before.
PROMOTING_EVENTS = ("first", "promote", "force")


def versions_dir(models_dir: Path) -> Path:
    """Return the folder that holds the published versions."""
    return models_dir / VERSIONS_DIR


def version_dir(models_dir: Path, version: str) -> Path:
    """Return the folder of a published version; raise ``ModelError`` if there is none."""
    if not re.fullmatch(VERSION_PATTERN, version):
        raise ModelError(f"{version!r} is not a model version name")
    path = versions_dir(models_dir) / version
    if not path.is_dir():
        versions = list_versions(models_dir)
        known = f"the newest: {', '.join(versions[-5:])}" if versions else "none; run train first"
        raise ModelError(f"no model version {version} in {versions_dir(models_dir)}/ ({known})")
    return path


#: A trained version's name: its UTC second, the data's hash, and ``-N`` after a collision.
_TRAINED_NAME = re.compile(r"(\d{8}T\d{6}Z)-[0-9a-f]{8}(?:-(\d+))?")


def _age(path: Path) -> tuple[str, int, int, str]:
    """Return a sort key, oldest first: the name's second, then the folder's time, then -N.

    Names alone order versions only to the second (and ``-10`` before ``-2``); within one
    second, the folder's modification time (kept by copies) orders them as they were built.
    """
    match = _TRAINED_NAME.fullmatch(path.name)
    stamp, collision = (match.group(1), int(match.group(2) or 1)) if match else ("", 0)
    return stamp, path.stat().st_mtime_ns, collision, path.name


def list_versions(models_dir: Path) -> list[str]:
    """Return the published version names, oldest first (names start with their UTC time)."""
    root = versions_dir(models_dir)
    if not root.is_dir():
        return []
    found = [
        path
        for path in root.iterdir()
        if path.is_dir() and re.fullmatch(VERSION_PATTERN, path.name)
    ]
    return [path.name for path in sorted(found, key=_age)]


def newest_version(models_dir: Path) -> str:
    """Return the newest published version; raise ``ModelError`` if there is none."""
    versions = list_versions(models_dir)
    if not versions:
        raise ModelError(f"no trained model in {models_dir}/; run train first")
    return versions[-1]


def production_version(models_dir: Path) -> str | None:
    """Return the version the pointer names, or None before the first training run."""
    path = models_dir / POINTER_FILE
    try:
        payload = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: not valid JSON ({exc})") from None
    version = payload.get("version") if isinstance(payload, dict) else None
    if not isinstance(version, str):
        raise ModelError(f"{path}: no production version named")
    return version


def production_dir(models_dir: Path) -> Path:
    """Return the folder of the production version; raise ``ModelError`` if there is none."""
    version = production_version(models_dir)
    if version is None:
        raise ModelError(f"no trained model in {models_dir}/ (no {POINTER_FILE}); run train first")
    return version_dir(models_dir, version)


def read_history(models_dir: Path) -> list[dict[str, Any]]:
    """Return the production changes, oldest first; a damaged line is skipped with a warning."""
    path = models_dir / HISTORY_FILE
    if not path.is_file():
        return []
    events = []
    for number, event in json_lines(path):
        if isinstance(event.get("version"), str):
            events.append(event)
        else:
            logger.warning("%s: line %d skipped: no version named", path, number)
    return events


def production_stack(models_dir: Path) -> list[str]:
    """Return the production versions in force, oldest first: rollbacks pop the last one."""
    stack: list[str] = []
    for event in read_history(models_dir):
        if event.get("event") in PROMOTING_EVENTS:
            stack.append(event["version"])
        elif event.get("event") == "rollback" and stack:
            stack.pop()
    return stack


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. a container's arbitrary uid
        return f"uid {os.getuid()}"


def set_production(
    models_dir: Path, version: str, event: str, reason: str | None = None, **details: Any
) -> dict[str, Any]:
    """Point production at ``version`` atomically and append the change to the history."""
    version_dir(models_dir, version)
    record = {
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "event": event,
        "version": version,
        "previous": production_version(models_dir),
        "user": _user(),
        "reason": reason,
        **details,
    }
    # The pointer is the truth and switches first; the history line records it.
    write_json(models_dir / POINTER_FILE, {"version": version, "since": record["at"]})
    line = (json.dumps(record, allow_nan=False) + "\n").encode("utf-8")
    fd = os.open(models_dir / HISTORY_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)  # one write of one line: concurrent appends do not interleave
        os.fsync(fd)
    finally:
        os.close(fd)
    return record


def rollback_target(models_dir: Path) -> str:
    """Return the version a rollback returns to, production's predecessor; raise if none."""
    stack = production_stack(models_dir)
    current = production_version(models_dir)
    if stack and stack[-1] != current and current is not None:
        stack.append(current)  # the pointer moved without its history line (a killed run)
    if current is None:
        raise ModelError(f"no production model in {models_dir}/ to roll back; run train first")
    if len(stack) < 2:
        raise ModelError(f"no earlier production version to roll back to from {current}")
    return stack[-2]


def prune(models_dir: Path, keep: int, *, dry_run: bool = False) -> list[str]:
    """Remove all but the newest ``keep`` versions; return the names removed, oldest first.

    Production and the version ``rollback`` would return to are always kept. A version
    leaves ``versions/`` with one rename, so no reader sees half of one, and is then deleted.
    """
    if keep < 1:
        raise ModelError(f"--keep must be at least 1, got {keep}")
    kept = {production_version(models_dir), *production_stack(models_dir)[-2:]}
    removed = [name for name in list_versions(models_dir)[:-keep] if name not in kept]
    for name in [] if dry_run else removed:
        doomed = models_dir / f"{STAGING_PREFIX}{os.getpid()}.{name}"
        os.rename(versions_dir(models_dir) / name, doomed)
        shutil.rmtree(doomed)
        logger.info("removed model version %s", name)
    return removed


@contextmanager
def staging(models_dir: Path) -> Iterator[Path]:
    """Yield a new build folder beside ``versions/``; it is removed unless published.

    The models folder is checked writable first, and builds a killed run left are removed.
    """
    check_writable_dir(models_dir, "the models folder")
    check_writable_dir(versions_dir(models_dir), "the models folder")
    remove_stale(models_dir, STAGING_PREFIX)
    build = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}.", dir=models_dir))
    try:
        os.chmod(build, default_mode(directory=True))  # mkdtemp's 0700 would be published
        yield build
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)


def new_version_name(models_dir: Path, stem: str) -> str:
    """Return ``stem``, or ``stem-2``, ``stem-3``... if that version already exists."""
    taken = set(list_versions(models_dir))
    name, count = stem, 1
    while name in taken:
        count += 1
        name = f"{stem}-{count}"
    return name


def publish(models_dir: Path, build: Path, version: str) -> Path:
    """Move a complete build into ``versions/<version>`` with one rename; never overwrite."""
    target = versions_dir(models_dir) / version
    if target.exists():
        raise OutputError(f"model version {version} already exists in {target.parent}/")
    try:
        os.rename(build, target)
    except OSError as exc:
        raise OutputError(f"cannot publish {version} to {target} ({exc.strerror})") from None
    fsync_dir(target.parent)
    return target
