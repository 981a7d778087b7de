"""The real HTTP server on loopback: header limit, slow clients and load shedding."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.serving.schemas import EXAMPLE_CUSTOMER

from .conftest import Address, http_server

#: Small limits so each one is reached quickly; every socket read is bounded by TIMEOUT.
MAX_QUEUED = 3
LIMITS = {
    "max_header_bytes": 2048,
    "header_timeout": 0.25,
    "body_timeout": 0.5,
    "max_queued": MAX_QUEUED,
}
TIMEOUT = 10.0
CUSTOMER = json.dumps(EXAMPLE_CUSTOMER).encode()


@pytest.fixture(scope="module")
def address(models_dir: Path) -> Iterator[Address]:
    """Serve the trained model with small limits on a free loopback port."""
    with http_server(models_dir, **LIMITS) as bound:
        yield bound


def connect(address: Address) -> socket.socket:
    return socket.create_connection(address, timeout=TIMEOUT)


def answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one response (status, headers, body) until the body is complete or EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    while len(body) < int(headers.get("content-length", 0)):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def request(path: str, body: bytes = b"", method: str = "GET", extra: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
    return head.encode() + extra + f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def test_a_normal_request_is_served(address: Address) -> None:
    with connect(address) as sock:
        sock.sendall(request("/predict", CUSTOMER, "POST"))
        status, _, body = answer(sock)
    assert status == 200, body
    assert json.loads(body)["customerID"] == EXAMPLE_CUSTOMER["customerID"]


@pytest.mark.parametrize("pieces", [1, 40], ids=["in one write", "trickled"])
def test_oversized_headers_get_431_before_they_are_all_read(address: Address, pieces: int) -> None:
    big = b"X-Big: " + b"a" * 64_000 + b"\r\n"
    payload = request("/health", extra=big)
    size = len(payload) // pieces + 1
    with connect(address) as sock:
        try:
            for start in range(0, len(payload), size):
                sock.sendall(payload[start : start + size])
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the end: the point of the limit
        status, headers, body = answer(sock)
    assert status == 431
    assert "2048 bytes" in json.loads(body)["detail"]
    assert headers["connection"] == "close"


def test_a_large_body_is_not_mistaken_for_large_headers(address: Address) -> None:
    batch = json.dumps({"customers": [EXAMPLE_CUSTOMER] * 200}).encode()  # ~110 KB
    with connect(address) as sock:
        payload = request("/predict/batch", batch, "POST")
        sock.sendall(payload[:80_000])  # the tail arrives as a read of its own
        time.sleep(0.05)
        sock.sendall(payload[80_000:])
        status, _, body = answer(sock)
    assert status == 200, body


@pytest.mark.parametrize(
    "sent", [b"", b"GET /health HTTP/1.1\r\nHost: te"], ids=["idle", "partial headers"]
)
def test_a_client_that_does_not_send_its_headers_in_time_gets_408(
    address: Address, sent: bytes
) -> None:
    with connect(address) as sock:
        sock.sendall(sent)
        status, headers, _ = answer(sock)
        assert sock.recv(1) == b""  # closed: the descriptor is free again
    assert status == 408
    assert headers["connection"] == "close"


def test_a_client_that_does_not_send_its_body_in_time_gets_408(address: Address) -> None:
    with connect(address) as sock:
        sock.sendall(request("/predict", CUSTOMER, "POST")[:-20])
        status, _, body = answer(sock)
    assert status == 408
    assert "body" in json.loads(body)["detail"]


def test_over_the_queue_limit_predictions_get_503_and_health_stays_up(
    address: Address,
) -> None:
    stalled = [connect(address) for _ in range(MAX_QUEUED)]
    try:
        for sock in stalled:  # each holds a request that waits for the rest of its body
            sock.sendall(request("/predict", CUSTOMER, "POST")[:-20])
        time.sleep(0.1)
        with connect(address) as sock:
            sock.sendall(request("/predict", CUSTOMER, "POST"))
            shed = answer(sock)
        with connect(address) as sock:
            sock.sendall(request("/health"))
            health = answer(sock)
    finally:
        for sock in stalled:
            sock.close()
    assert shed[0] == 503
    assert shed[1]["retry-after"] == "1"
    assert json.loads(shed[2]) == {"detail": "overloaded: retry later"}
    assert health[0] == 200
