"""`make bench`: load-test this project's own service (`serve`) with wrk: one customer, a batch.

`/predict?explain=true` runs beside `/predict`: the cost of reasons, and that without them
a request pays nothing for the feature.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from {{ cookiecutter.package_name }}.data.load import parse_raw
from {{ cookiecutter.package_name }}.data.schema import ID_COLUMN, TARGET_COLUMN
from {{ cookiecutter.package_name }}.data.synthetic import generate

HERE = Path(__file__).resolve().parent
PACKAGE = "{{ cookiecutter.package_name }}"
INSTALL_WRK = "wrk is not installed: sudo apt-get install -y wrk (macOS: brew install wrk)"
#: Each endpoint and the customers in one request to it.
ENDPOINTS = {"/predict": 1, "/predict?explain=true": 1, "/predict/batch": 1000}
Result = dict[str, float]


def write_body(folder: Path, rows: int) -> Path:
    """Write a request body of ``rows`` synthetic customers (one: a bare customer object)."""
    raw = generate(rows, seed=11).drop(columns=[TARGET_COLUMN])
    frame = parse_raw(raw, require_target=False).assign(**{ID_COLUMN: raw[ID_COLUMN]})
    customers = json.loads(frame.to_json(orient="records"))  # a blank TotalCharges: null
    body = folder / f"{rows}.json"
    body.write_text(json.dumps(customers[0] if rows == 1 else {"customers": customers}))
    return body


@contextmanager
def running(command: Sequence[str], ready: str = "/ready") -> Iterator[tuple[str, int]]:
    """Run a server command on a free loopback port; yield its URL and pid once ``ready`` is 200."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "CHURN_SERVING__LOG_LEVEL": "warning"}  # no access log per request
    process = subprocess.Popen([*command, "--host", "127.0.0.1", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + ready, timeout=2).close()  # raises unless 2xx
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"error: {command[-1]} is not ready at {url}{ready}") from None
                time.sleep(0.2)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def wrk(url: str, body: Path, seconds: int, connections: int, warmup: bool = False) -> Result:
    """POST ``body`` to ``url`` for ``seconds`` with wrk; return req/s, p50 and p99 in ms."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s"]
    proc = subprocess.run(
        [*command, "-s", str(HERE / "post.lua"), url],
        env={**os.environ, "BENCH_BODY": str(body)},
        capture_output=True,
        text=True,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BENCH ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"error: wrk failed on {url}: {proc.stderr.strip() or proc.stdout}")
    stats = json.loads(lines[-1].removeprefix("BENCH "))
    if not warmup and (stats["errors"] or stats["non_2xx"] or not stats["requests"]):
        raise SystemExit(f"error: {url} answered errors under load: {stats}")
    return {
        "rps": stats["requests"] / (stats["duration_us"] / 1e6),
        "p50_ms": stats["p50_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
    }


def line(label: str, result: Result, rows: int) -> str:
    """Return one result as a line: req/s, rows/s, p50 and p99 latency."""
    return (
        f"{label:<24}{result['rps']:>10,.1f} req/s{result['rps'] * rows:>12,.0f} rows/s"
        f"   p50 {result['p50_ms']:6.2f} ms   p99 {result['p99_ms']:6.2f} ms"
    )


def main() -> int:
    """Serve the production model with `serve`, load-test both endpoints, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print(f"error: {INSTALL_WRK}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="churn-bench-") as tmp:
        bodies = {path: write_body(Path(tmp), rows) for path, rows in ENDPOINTS.items()}
        serve = [sys.executable, "-m", PACKAGE, "serve"]
        results = {}
        with running(serve) as (url, _):
            for path, body in bodies.items():  # one second of warm-up, then the measured run
                wrk(url + path, body, 1, args.connections, warmup=True)
                results[path] = wrk(url + path, body, args.duration, args.connections)
    print(f"wrk -t1 -c{args.connections} -d{args.duration}s, {os.cpu_count()} CPUs")
    for path, result in results.items():
        print(line(path, result, ENDPOINTS[path]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
