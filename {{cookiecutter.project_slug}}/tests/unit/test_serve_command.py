"""The serve command: thin, runs Granian with the app factory and its limits, one-line errors."""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }} import cli
from {{ cookiecutter.package_name }}.cli import app

runner = CliRunner()


@pytest.fixture
def server_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record the Granian server instead of running it; skip the bind check."""
    calls: list[dict[str, Any]] = []

    class Recorded:
        def __init__(self, target: str, **options: Any) -> None:
            calls.append({"target": target, **options})

        def serve(self) -> None:
            calls[-1]["served"] = True

    monkeypatch.setattr(cli, "_listen_problem", lambda *_: None)
    monkeypatch.setattr("granian.Granian", Recorded)
    for name in ("CHURN_SERVING__PORT", "CHURN_SERVING__HOST", "CHURN_SERVING__WORKERS"):
        monkeypatch.setenv(name, os.environ.get(name, ""))  # serve sets them; restored after
        monkeypatch.delenv(name)
    return calls


def test_serve_runs_granian_with_the_app_factory_and_its_limits(
    server_calls: list[dict[str, Any]],
) -> None:
    result = runner.invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    options = server_calls[0]
    assert options["target"] == f"{cli.__package__}.serving.app:create_app"
    assert options["factory"] is True
    assert options["served"] is True
    assert (options["address"], options["port"], options["workers"]) == ("127.0.0.1", 8123, 1)
    limits = options["http1_settings"]
    assert (limits.header_read_timeout, limits.max_buffer_size) == (5000, 65536)
    assert os.environ["CHURN_SERVING__PORT"] == "8123"  # the workers build the app from it


def test_a_bad_setting_is_one_line_and_exit_code_1(
    server_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHURN_SERVING__THRESHOLD", "2")
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "CHURN_SERVING__THRESHOLD" in result.output
    assert "Traceback" not in result.output
    assert server_calls == []


def test_a_busy_port_is_one_line_and_exit_code_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("granian.Granian", lambda *args, **kwargs: pytest.fail("a server ran"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert f"127.0.0.1:{port}" in result.output
