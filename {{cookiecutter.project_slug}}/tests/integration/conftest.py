"""Fixtures for the HTTP API tests: an app serving the model trained once per session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.config import Config, parse_config
from {{ cookiecutter.package_name }}.monitoring import report
from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult
from {{ cookiecutter.package_name }}.serving.app import create_app

ServeFactory = Callable[..., TestClient]


def serving_config(models_dir: Path, **settings: object) -> Config:
    """Return a configuration that serves ``models_dir`` with the given serving settings."""
    serving = {"access_log": False, **settings}
    return parse_config({"paths": {"models_dir": str(models_dir)}, "serving": serving})


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_process(
    args: list[str],
    env: Mapping[str, str],
    folder: Path,
    ready: Callable[[str], bool],
    seconds: float = 90,
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Run ``python -m PACKAGE serve ARGS`` on a free loopback port until ``ready(base_url)``.

    A port probed free may be taken before the server binds it: the server then exits with
    "address already in use" and starts again on another port (3 tries). Its output goes
    to ``folder/serve.log``, whose end any failure shows.
    """
    log = folder / "serve.log"
    for _ in range(3):
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "{{ cookiecutter.package_name }}",
            "serve",
            *args,
            "--port",
            str(port),
        ]
        with log.open("wb") as output:
            server = subprocess.Popen(
                command,
                cwd=folder,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + seconds
            while server.poll() is None and not ready(base):
                tail = log.read_text(errors="replace")[-2000:]
                assert time.monotonic() < deadline, f"not ready after {seconds} s:\n{tail}"
                time.sleep(0.1)
            if server.poll() is None:
                yield server, base
                return
        finally:
            server.terminate()
            server.wait(timeout=30)
        output_text = log.read_text(errors="replace")
        if "address already in use" not in output_text.lower():
            raise AssertionError(f"serve exited {server.returncode}:\n{output_text[-2000:]}")
    raise AssertionError("serve found no free port in 3 tries")


@contextmanager
def served(
    models_dir: Path,
    folder: Path,
    *,
    ready: Callable[[str], bool] | None = None,
    **settings: object,
) -> Iterator[str]:
    """Run ``serve`` (Granian) on ``models_dir`` with these serving settings; yield its URL.

    It is up once ``ready(base_url)``; by default, once GET /ready answers 200.
    """
    config = folder / "settings.yaml"
    config.write_text(yaml.safe_dump({"serving": {"access_log": False, **settings}}))
    env = {**os.environ, "CHURN_PATHS__MODELS_DIR": str(models_dir)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)

    def loaded(base: str) -> bool:
        try:
            return httpx.get(base + "/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    with serve_process(["--config", str(config)], env, folder, ready or loaded) as (_, base):
        yield base


@contextmanager
def held_request(
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    owner: type,
    method: str,
    path: str,
    **request: Any,
) -> Iterator[Future[Any]]:
    """POST ``request`` to ``path`` and hold it inside ``owner.method``; yield its answer's future.

    Inside the block that call is in progress; leaving the block lets it finish. A request
    sent inside the block is answered only if the held call runs in a worker thread: on the
    event loop it would hold every request up (until the 30 s hold runs out).
    """
    started, release = threading.Event(), threading.Event()
    original = getattr(owner, method)

    def held(self: object, *args: Any) -> Any:
        started.set()
        release.wait(timeout=30)
        return original(self, *args)

    monkeypatch.setattr(owner, method, held)
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(client.post, path, **request)
        assert started.wait(timeout=30), f"{owner.__name__}.{method} was not called"
        try:
            yield answer
        finally:
            release.set()


def _serve(models_dir: Path, **settings: object) -> TestClient:
    """Return a client of an app serving ``models_dir`` (enter it to run the lifespan)."""
    return TestClient(
        create_app(serving_config(models_dir, **settings)), raise_server_exceptions=False
    )


@pytest.fixture
def without_plots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leave the drift report's plot panel empty (about 1.5 s a check) where a test ignores it."""
    monkeypatch.setattr(report, "_plots", lambda *_: "")


@pytest.fixture(scope="session")
def serve() -> ServeFactory:
    """Build a client for given settings: ``with serve(models_dir, threshold=0.2) as c:``."""
    return _serve


@pytest.fixture(scope="session")
def models_dir(trained: tuple[Config, TrainingResult]) -> Path:
    """The models folder of the session's trained model."""
    return trained[0].paths.models_dir


@pytest.fixture(scope="session")
def client(models_dir: Path) -> Iterator[TestClient]:
    """A client of the service with the trained model loaded (shared: tests only read)."""
    with _serve(models_dir) as test_client:
        yield test_client
