"""The model service follows the production pointer, publishing a model before serving it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from {{ cookiecutter.package_name }}.errors import ModelError
from {{ cookiecutter.package_name }}.inference.predictor import Predictor
from {{ cookiecutter.package_name }}.inference.service import ModelService


class FakeModel(Predictor):
    """A model with a version and nothing else worth loading."""

    backend = "onnx"

    def __init__(self, version: str) -> None:
        super().__init__({"model_version": version, "threshold": 0.5})

    def predict_columns(self, columns: Any) -> np.ndarray:
        return np.full(len(columns["tenure"]), 0.5)


def loader_of(*outcomes: str | Exception) -> Callable[[Path], Predictor]:
    """Return a loader giving each outcome in turn: a model of that version, or the error."""
    queue = list(outcomes)

    def load(_: Path) -> Predictor:
        outcome = queue.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return FakeModel(outcome)

    return load


def point_to(models_dir: Path, version: str) -> None:
    (models_dir / "production.json").write_text(json.dumps({"version": version}))


def test_each_swap_is_published_while_the_old_model_still_serves(tmp_path: Path) -> None:
    published: list[tuple[str | None, str | None]] = []

    def publish(model: Predictor | None) -> None:
        serving = service.model.version if service.model is not None else None
        published.append((model.version if model is not None else None, serving))

    service = ModelService(tmp_path, loader_of("v1", "v2", ModelError("v3 is broken")), publish)
    point_to(tmp_path, "v1")
    service.reload(forced=True)
    point_to(tmp_path, "v2")
    service.reload()
    service.reload()  # the pointer has not moved: nothing is loaded
    point_to(tmp_path, "v3")
    service.reload()
    service.reload()  # a refused version is not retried until the pointer moves
    # (published, serving when published): the new version is published first, then swapped
    # in; a refused version publishes nothing and the old one keeps serving.
    assert published == [("v1", None), ("v2", "v1")]
    assert service.model is not None
    assert service.model.version == "v2"
    assert service.reload_error == "v3 refused (v3 is broken)"


def test_a_first_load_that_fails_publishes_no_model(tmp_path: Path) -> None:
    published: list[Predictor | None] = []
    service = ModelService(tmp_path, loader_of(ModelError("no model")), published.append)
    service.reload(forced=True)
    assert published == [None]
    assert service.model is None
    assert service.error == "no model"


def test_an_unreadable_pointer_is_reported_once_and_the_model_keeps_serving(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    point_to(tmp_path, "v1")
    service = ModelService(tmp_path, loader_of("v1"), lambda _: None)
    service.reload(forced=True)
    (tmp_path / "production.json").write_text("garbage{")
    service.reload()
    service.reload()  # checked again by the next tick: one log line, not one a tick
    assert service.model is not None
    assert service.model.version == "v1"
    assert service.reload_error is not None
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    point_to(tmp_path, "v1")
    service.reload()
    assert service.reload_error is None


def test_with_no_model_a_refused_version_is_tried_again_until_it_loads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    point_to(tmp_path, "v1")
    broken = ModelError("v1: model.onnx does not match its checksum")
    service = ModelService(tmp_path, loader_of(broken, broken, "v1"), lambda _: None)
    service.reload(forced=True)
    service.reload()  # the files are still broken: tried again, not logged again
    assert (service.model, service.error) == (None, str(broken))
    service.reload()  # mended, the pointer unchanged: it loads without a restart
    assert service.model is not None
    assert service.model.version == "v1"
    assert service.error is None
    assert len([r for r in caplog.records if r.levelname == "ERROR"]) == 1


def test_moving_production_back_to_the_served_version_clears_the_refusal(
    tmp_path: Path,
) -> None:
    point_to(tmp_path, "v1")
    service = ModelService(tmp_path, loader_of("v1", ModelError("v2 is broken")), lambda _: None)
    service.reload(forced=True)
    point_to(tmp_path, "v2")
    service.reload()
    refused = service.reload_error
    point_to(tmp_path, "v1")
    service.reload()  # nothing to load: v1 serves
    assert (refused, service.reload_error) == ("v2 refused (v2 is broken)", None)
    assert service.model is not None
    assert service.model.version == "v1"
