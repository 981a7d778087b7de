"""The real server (Granian, as `serve` runs it): its header limits and slow clients."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from {{ cookiecutter.package_name }}.data.examples import EXAMPLE_CUSTOMER

from .conftest import served

#: Small limits so each one is reached quickly; every socket read is bounded by TIMEOUT.
LIMITS: dict[str, Any] = {"max_header_bytes": 16384, "header_timeout": 0.5}
TIMEOUT = 10.0
CUSTOMER = json.dumps(EXAMPLE_CUSTOMER).encode()


@pytest.fixture(scope="module")
def base(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the trained model with small limits on a free loopback port."""
    with served(models_dir, tmp_path_factory.mktemp("server"), **LIMITS) as url:
        yield url


def connect(base: str) -> socket.socket:
    address = urlsplit(base)
    return socket.create_connection((address.hostname, address.port), timeout=TIMEOUT)


def status_of(sock: socket.socket) -> int | None:
    """Return the status of the answer on ``sock``, or None if it closed without one."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    return int(data.split()[1])


def head(path: str, extra: bytes = b"", length: int = 0) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n".encode()
        + extra
        + f"Content-Length: {length}\r\n\r\n".encode()
    )


def test_a_normal_request_is_served(base: str) -> None:
    answer = httpx.post(
        base + "/predict", content=CUSTOMER, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["customerID"] == EXAMPLE_CUSTOMER["customerID"]


def test_oversized_headers_get_431(base: str) -> None:
    with connect(base) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # refused early
            sock.sendall(head("/predict", b"X-Big: " + b"a" * 64_000 + b"\r\n"))
        assert status_of(sock) == 431


def test_a_large_body_is_not_mistaken_for_large_headers(base: str) -> None:
    batch = json.dumps({"customers": [EXAMPLE_CUSTOMER] * 200}).encode()  # ~110 KB
    answer = httpx.post(
        base + "/predict/batch", content=batch, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 200, answer.text


def test_a_client_that_does_not_send_its_headers_in_time_is_disconnected(base: str) -> None:
    """Slowloris: a request's head started and never finished.

    An idle connection that has sent nothing is the ingress's to close: Granian has no idle
    timeout (docs/serving.md, "Limits").
    """
    with connect(base) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: te")
        start = time.monotonic()
        with contextlib.suppress(ConnectionResetError):
            while sock.recv(65536):
                pass
        assert time.monotonic() - start < TIMEOUT  # closed by the server, well before


def test_slow_bodies_cost_only_their_own_connections(base: str) -> None:
    """Clients that trickle a body hold their own connections; the others are served."""
    stalled = [connect(base) for _ in range(32)]
    try:
        for sock in stalled:  # each holds a request that waits for the rest of its body
            sock.sendall(head("/predict", length=len(CUSTOMER)) + CUSTOMER[:10])
        time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=TIMEOUT) as client:
            answers = [
                client.post(
                    "/predict", content=CUSTOMER, headers={"content-type": "application/json"}
                )
                for _ in range(50)
            ]
            health = client.get("/health")
    finally:
        for sock in stalled:
            sock.close()
    assert {answer.status_code for answer in answers} == {200}
    assert health.status_code == 200
