"""Atomic file writes, content hashing, and checks that a path can be written before work."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import OutputError

logger = logging.getLogger(__name__)
_CHUNK = 1 << 20
#: Our temporaries are named ``<prefix><pid>.<random><suffix>``: the pid tells a stale one.
TMP_SUFFIX = ".tmp"


def default_mode(*, directory: bool = False) -> int:
    """Return the permission bits a new file (or folder) gets under the current umask.

    ``tempfile`` creates 0600 files and 0700 folders; what is published must be readable as
    ``open``/``mkdir`` would leave it, say by the image's non-root user (files copied in
    keep their mode).
    """
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if directory else 0o666) & ~umask


def _alive(pid: int) -> bool:
    """Return True if process ``pid`` exists (a pid we cannot signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(directory: Path, prefix: str, suffix: str = "") -> None:
    """Remove our temporaries in ``directory`` whose writing process is gone (a ``kill -9``).

    Only names ``<prefix><pid>.<random><suffix>`` are touched, and only when ``pid`` no
    longer runs; a concurrent run's temporary is left alone.
    """
    if not directory.is_dir():
        return
    for path in directory.iterdir():
        name = path.name
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        pid = name[len(prefix) :].split(".", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` that replaces it only if the block succeeds.

    Temporaries that an earlier, killed run left for the same file are removed first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}."
    remove_stale(path.parent, prefix, TMP_SUFFIX)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f"{prefix}{os.getpid()}.", suffix=TMP_SUFFIX, dir=path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, default_mode())  # mkstemp creates 0600; honour the umask instead
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text to ``path`` atomically, on disk before it replaces the old file."""
    with atomic_path(path) as tmp, tmp.open("wb") as handle:
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def write_json(path: Path, payload: Any) -> None:
    """Write ``payload`` as indented JSON to ``path`` atomically."""
    write_text(path, json.dumps(payload, indent=2, allow_nan=False) + "\n")


def fsync_dir(directory: Path) -> None:
    """Flush a directory's entries (a rename in it) to disk, where the OS allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def sha256_bytes(content: bytes) -> str:
    """Return the hex SHA-256 of ``content``."""
    return hashlib.sha256(content).hexdigest()


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def check_writable_dir(directory: Path, what: str) -> None:
    """Raise ``OutputError`` unless ``directory`` exists (or can be made) and takes new files."""
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{what} {directory} is a file, not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".write-check.", dir=directory)
    except OSError as exc:
        raise OutputError(f"{what} {directory} is not writable ({exc.strerror})") from None
    os.close(fd)
    os.unlink(name)


def check_output_file(path: Path, what: str = "--output") -> None:
    """Raise ``OutputError`` unless ``path`` can be written: not a folder, in a writable one."""
    if path.is_dir():
        raise OutputError(f"{what} {path} is a folder; name a file to write")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"{what} {path} is not writable")
    check_writable_dir(path.parent, f"the folder of {what}")


def _json_object(line: bytes) -> dict[str, Any] | str:
    """Return one line's JSON object, or why it is not one."""
    try:
        found = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except json.JSONDecodeError:
        return "not JSON (a torn write?)"
    return found if isinstance(found, dict) else "not a JSON object"


def json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` of a JSON-lines file, skipping blank lines.

    A damaged line (a write torn by a crash or a full disk, stray bytes) is skipped with a
    warning, so one bad line never costs the rest of a log.
    """
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        found = _json_object(line) if line.strip() else None
        if isinstance(found, str):
            logger.warning("%s: line %d skipped: %s", path, number, found)
        elif found is not None:
            yield number, found
