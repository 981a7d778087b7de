"""The model service publishes a model (its metrics) before any request can see it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.errors import (
    ModelError,
)
from {{ cookiecutter.package_name }}.serving.service import (
    ModelService,
    ScoringModel,
)


@dataclass(frozen=True)
class FakeModel:
    """A model with a version and nothing else worth loading."""

    version: str
    threshold: float = 0.5
    backend: str = "fake"
    metadata: dict[str, Any] = field(default_factory=dict)

    def predict_columns(self, columns: Mapping[str, Any]) -> list[float]:
        return [0.5] * len(columns["tenure"])

    def predict_row(self, row: Mapping[str, Any]) -> float:
        return 0.5


def loader_of(*outcomes: str | Exception) -> Callable[[Path], ScoringModel]:
    """Return a loader giving each outcome in turn: a model of that version, or the error."""
    queue = list(outcomes)

    def load(_: Path) -> ScoringModel:
        outcome = queue.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return FakeModel(outcome)

    return load


def test_each_swap_is_published_while_the_old_model_still_serves(tmp_path: Path) -> None:
    published: list[tuple[str | None, str | None]] = []

    def publish(model: ScoringModel | None) -> None:
        serving = service.model.version if service.model is not None else None
        published.append((model.version if model is not None else None, serving))

    loader = loader_of("v1", "v2", ModelError("v3 is broken"))
    service = ModelService(tmp_path, None, loader, publish)
    service.load()
    assert service.reload(forced=True) == "reloaded"
    assert service.reload(forced=True) == "refused"
    # (published, serving when published): the new version is published first, then swapped
    # in; a refused version publishes nothing and the old one keeps serving.
    assert published == [("v1", None), ("v2", "v1")]
    assert service.model is not None
    assert service.model.version == "v2"
    assert service.reload_error == "the new model refused (v3 is broken)"


def test_a_first_load_that_fails_publishes_no_model(tmp_path: Path) -> None:
    published: list[ScoringModel | None] = []
    service = ModelService(tmp_path, None, loader_of(ModelError("no model")), published.append)
    service.load()
    assert published == [None]
    assert service.model is None
    assert service.error == "no model"


def test_an_unreadable_pointer_is_reported_once_and_the_model_keeps_serving(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pointer = tmp_path / "production.json"
    pointer.write_text('{"version": "v1"}')
    service = ModelService(tmp_path, None, loader_of("v1"), lambda _: None)
    service.load()
    pointer.write_text("garbage{")
    assert not service.stale()
    assert not service.stale()  # checked again by the next tick: one log line, not one a tick
    assert service.model is not None
    assert service.model.version == "v1"
    assert service.reload_error is not None
    assert service.reload_error.startswith("production pointer unreadable")
    assert "not valid JSON" in service.reload_error
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        f"{service.reload_error}, still serving v1"
    ]
    pointer.write_text('{"version": "v1"}')
    assert not service.stale()
    assert service.reload_error is None
