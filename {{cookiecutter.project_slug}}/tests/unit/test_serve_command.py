"""The serve command: thin, runs uvicorn with the app factory, one-line errors."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from typer.testing import CliRunner
from uvicorn.importer import import_from_string

from {{ cookiecutter.package_name }} import cli
from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.serving.server import (
    GuardedHttpToolsProtocol,
)

runner = CliRunner()


@pytest.fixture
def any_port_is_free(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the bind check where uvicorn is stubbed: a `make serve` on 8000 must not fail these."""
    monkeypatch.setattr(cli, "_listen_problem", lambda *_: None)


@pytest.mark.usefixtures("any_port_is_free")
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


@pytest.mark.usefixtures("any_port_is_free")
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


def test_a_busy_port_is_one_line_and_exit_code_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: pytest.fail("uvicorn ran"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


@pytest.mark.usefixtures("any_port_is_free")
def test_uvicorn_failing_to_start_is_exit_code_1_not_3(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn exits 3 when it cannot start (a bind lost to a race); 3 means drift here."""

    def cannot_start(*args: Any, **kwargs: Any) -> None:
        raise SystemExit(3)

    monkeypatch.setattr("uvicorn.run", cannot_start)
    monkeypatch.setenv("CHURN_LOG_LEVEL", "info")
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "the server did not start (exit 3)" in result.output
