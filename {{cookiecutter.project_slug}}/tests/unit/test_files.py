import json
import os
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.files import (
    atomic_path,
    sha256_file,
    write_json,
)


def test_write_json_creates_parents_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "out.json"
    write_json(target, {"a": 1})
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "model.bin"
    target.write_bytes(b"old")

    def crash_midway() -> None:
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        crash_midway()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]


def test_sha256_file_matches_hashlib(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sha256_file(path) == expected


def test_written_files_honour_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_json(tmp_path / "m.json", {})
    finally:
        os.umask(previous)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o644


def test_json_refuses_nan(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="JSON"):
        write_json(tmp_path / "m.json", {"roc_auc": float("nan")})


def test_a_write_removes_the_temporary_a_killed_run_left_for_the_same_file(
    tmp_path: Path, dead_pid: int
) -> None:
    stale = tmp_path / f".out.csv.{dead_pid}.abc.tmp"
    other = tmp_path / f".other.csv.{dead_pid}.abc.tmp"
    live = tmp_path / f".out.csv.{os.getpid()}.def.tmp"
    for path in (stale, other, live):
        path.write_bytes(b"partial")
    write_json(tmp_path / "out.csv", {})
    assert not stale.exists()
    assert other.exists()  # another file's temporary: its own next write cleans it
    assert live.exists()  # a running process's temporary is left alone
