"""The serve command: thin, runs uvicorn with the app factory, one-line errors."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner
from uvicorn.importer import import_from_string

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.serving.server import (
    GuardedHttpToolsProtocol,
)

runner = CliRunner()


def test_serve_runs_uvicorn_with_the_app_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda target, **options: calls.append((target, options)))
    monkeypatch.setenv("CHURN_LOG_LEVEL", "info")  # serve sets it; monkeypatch restores it
    result = runner.invoke(app, ["serve", "--port", "8123", "--log-level", "warning"])
    assert result.exit_code == 0, result.output
    target, options = calls[0]
    assert target == "{{ cookiecutter.package_name }}.serving.app:create_app"
    assert options["factory"] is True
    assert (options["host"], options["port"], options["workers"]) == ("127.0.0.1", 8123, 1)
    assert options["log_level"] == "warning"
    assert import_from_string(options["http"]) is GuardedHttpToolsProtocol
    assert (options["limit_concurrency"], options["timeout_keep_alive"]) == (1024, 5)
    assert options["loop"] == "asyncio"


def test_serve_can_use_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda target, **options: calls.append(options))
    monkeypatch.setenv("CHURN_LOG_LEVEL", "info")
    result = runner.invoke(app, ["serve", "--loop", "uvloop"])
    assert result.exit_code == 0, result.output
    assert calls[0]["loop"] == "uvloop"


def test_a_bad_setting_is_one_line_and_exit_code_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: None)
    monkeypatch.setenv("CHURN_THRESHOLD", "2")
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "CHURN_THRESHOLD" in result.output
    assert "Traceback" not in result.output
