import json
import os
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.errors import (
    ModelError,
    OutputError,
)
from {{ cookiecutter.package_name }}.registry import store


def published(models_dir: Path, *names: str) -> Path:
    """Publish empty versions called ``names`` (enough for the pointer and the history)."""
    for name in names:
        with store.staging(models_dir) as build:
            (build / "marker").write_text(name)
            store.publish(models_dir, build, name)
    return models_dir


def test_before_training_there_is_no_production_version(tmp_path: Path) -> None:
    assert store.production_version(tmp_path) is None
    assert store.list_versions(tmp_path) == []
    with pytest.raises(ModelError, match="run train first"):
        store.production_dir(tmp_path)


def test_a_build_is_published_with_one_rename_and_never_overwritten(tmp_path: Path) -> None:
    published(tmp_path, "v1")
    assert (tmp_path / "versions" / "v1" / "marker").read_text() == "v1"
    with store.staging(tmp_path) as build, pytest.raises(OutputError, match="already exists"):
        store.publish(tmp_path, build, "v1")
    assert (tmp_path / "versions" / "v1" / "marker").read_text() == "v1"
    assert [path.name for path in tmp_path.iterdir()] == ["versions"]  # no build left


def build_and_fail(models_dir: Path) -> None:
    with store.staging(models_dir) as build:
        (build / "model.onnx").write_bytes(b"half")
        raise RuntimeError("killed")


def test_a_published_version_is_readable_by_other_users(tmp_path: Path) -> None:
    """An image copies models/ as it is and serves it as a non-root user."""
    previous = os.umask(0o022)
    try:
        published(tmp_path, "v1")
    finally:
        os.umask(previous)
    assert (tmp_path / "versions" / "v1").stat().st_mode & 0o777 == 0o755


def test_a_failed_build_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        build_and_fail(tmp_path)
    assert store.list_versions(tmp_path) == []
    assert [path.name for path in tmp_path.iterdir()] == ["versions"]


def test_a_build_left_by_a_killed_run_is_removed_by_the_next(tmp_path: Path, dead_pid: int) -> None:
    stale = tmp_path / f"{store.STAGING_PREFIX}{dead_pid}.abc"
    running = tmp_path / f"{store.STAGING_PREFIX}{os.getpid()}.def"
    for build in (stale, running):
        build.mkdir()
        (build / "model.onnx").write_bytes(b"x" * 100)
    published(tmp_path, "v1")
    assert not stale.exists()
    assert running.exists()  # a live process's build is not ours to remove


def test_new_version_names_never_collide(tmp_path: Path) -> None:
    published(tmp_path, "20250101T000000Z-abc", "20250101T000000Z-abc-2")
    assert store.new_version_name(tmp_path, "20250101T000000Z-abc") == "20250101T000000Z-abc-3"


def test_versions_of_one_second_are_listed_in_the_order_they_were_built(tmp_path: Path) -> None:
    second = "20250101T120000Z"
    built = [f"{second}-ffffffff", f"{second}-00000000", f"{second}-00000000-2"]
    built += [f"{second}-00000000-{n}" for n in (10, 3)] + ["20250101T115959Z-99999999"]
    for age, name in enumerate(built):
        folder = store.versions_dir(tmp_path) / name
        folder.mkdir(parents=True)
        os.utime(folder, ns=(age * 10**9, age * 10**9))
    assert store.list_versions(tmp_path) == ["20250101T115959Z-99999999", *built[:-1]]


def test_the_pointer_switches_atomically_and_the_history_says_who_and_why(tmp_path: Path) -> None:
    published(tmp_path, "v1", "v2")
    store.set_production(tmp_path, "v1", "first")
    record = store.set_production(tmp_path, "v2", "force", "hotfix for a data bug")
    assert store.production_version(tmp_path) == "v2"
    assert json.loads((tmp_path / store.POINTER_FILE).read_text())["version"] == "v2"
    assert record["previous"] == "v1"
    assert record["user"]
    history = store.read_history(tmp_path)
    assert [(event["event"], event["version"]) for event in history] == [
        ("first", "v1"),
        ("force", "v2"),
    ]
    assert history[-1]["reason"] == "hotfix for a data bug"
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        store.HISTORY_FILE,
        store.POINTER_FILE,
        "versions",
    ]


def test_rollback_walks_back_through_the_promotions(tmp_path: Path) -> None:
    def rollback(reason: str | None = None) -> str:
        target = store.rollback_target(tmp_path)
        return str(store.set_production(tmp_path, target, "rollback", reason)["version"])

    published(tmp_path, "v1", "v2", "v3")
    store.set_production(tmp_path, "v1", "first")
    store.set_production(tmp_path, "v2", "promote")
    store.set_production(tmp_path, "v3", "promote")
    assert rollback() == "v2"
    assert rollback("bad again") == "v1"
    with pytest.raises(ModelError, match="no earlier production version"):
        rollback()
    assert store.production_version(tmp_path) == "v1"


def test_an_unknown_or_unsafe_version_name_is_refused(tmp_path: Path) -> None:
    published(tmp_path, "v1")
    for name in ("v9", "../v1", ".staging-1.x"):
        with pytest.raises(ModelError):
            store.version_dir(tmp_path, name)
