"""Slow tier: a real Prometheus scrapes a generated service on loopback with its own rules."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bakery import BakedProject, clean_env, free_port, outcome, running_python, timed, tool_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("prometheus") is None,
        reason="prometheus not on PATH (Debian/Ubuntu: apt-get install prometheus)",
    ),
]
DEADLINE = 90  # seconds for a server to come up or a series to appear


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except OSError:
        return 0, ""


def _wait(what: str, probe: Callable[[], Any], process: subprocess.Popen[str]) -> Any:
    """Call ``probe`` until it returns something truthy; fail after DEADLINE seconds."""
    start = time.perf_counter()
    while time.perf_counter() - start < DEADLINE:
        assert process.poll() is None, f"{what}: the process exited {process.returncode}"
        found = probe()
        if found:
            print(f"[slow] {what} after {time.perf_counter() - start:.1f}s")
            return found
        time.sleep(0.5)
    pytest.fail(f"{what}: nothing after {DEADLINE}s")


def _start(args: list[str], cwd: Path, log: Path) -> subprocess.Popen[str]:
    handle = log.open("w")
    return subprocess.Popen(
        args, cwd=cwd, env=clean_env(CHURN_SERVING__ACCESS_LOG="false"), stdin=subprocess.DEVNULL,
        stdout=handle, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def service(cookies_session: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A generated project with a real .venv and a trained model, serving on loopback."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in tool_env().items():
            patch.setenv(name, value)
        project = BakedProject.bake(
            cookies_session, init_git=True, create_env=True, **running_python()
        )
    project.assert_ready()
    proc = timed("make train", ["make", "train"], project.path)
    assert proc.returncode == 0, outcome(proc)
    port = free_port()
    logs = tmp_path_factory.mktemp("service-logs")
    args = [str(project.venv_bin / "python"), "-m", project.package, "serve", "--port", str(port)]
    server = _start(args, project.path, logs / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        _wait("service ready", lambda: _get(base + "/ready")[0] == 200, server)
        yield project, base, server
    finally:
        _stop(server)


def _prometheus_config(project: BakedProject, target: str, folder: Path) -> Path:
    """The project's prometheus.yml aimed at ``target``, scraping and evaluating every second."""
    source = project.path / "monitoring" / "prometheus"
    config = yaml.safe_load((source / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(source / pattern) for pattern in config["rule_files"]]
    (job,) = config["scrape_configs"]
    job["static_configs"] = [{"targets": [target]}]
    path = folder / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def _query(base: str, expr: str) -> list[dict[str, Any]]:
    status, text = _get(f"{base}/api/v1/query?query={urllib.parse.quote(expr)}")
    return json.loads(text)["data"]["result"] if status == 200 else []


def test_prometheus_scrapes_the_service_and_evaluates_the_rules(
    service: Any, tmp_path: Path
) -> None:
    """The target is up, every rule evaluates without error, the recording rules have data."""
    project, api, server = service
    port = free_port()
    config = _prometheus_config(project, api.removeprefix("http://"), tmp_path)
    prometheus = _start(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        tmp_path, tmp_path / "prometheus.log",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    customer = json.loads(_get(api + "/openapi.json")[1])["components"]["schemas"]
    example = next(
        schema["examples"][0]
        for schema in customer.values()
        if "examples" in schema and "tenure" in schema["examples"][0]
    )
    try:
        _wait("prometheus ready", lambda: _get(base + "/-/ready")[0] == 200, prometheus)

        def traffic_then_query(expr: str) -> list[dict[str, Any]]:
            for _ in range(5):  # a few requests per poll: bounded, loopback only
                request = urllib.request.Request(
                    api + "/predict", json.dumps(example).encode(), method="POST",
                    headers={"Content-Type": "application/json"},
                )  # fmt: skip
                with urllib.request.urlopen(request, timeout=5) as answer:
                    assert answer.status == 200
            return _query(base, expr)

        up = _wait("target up", lambda: traffic_then_query('up{job="churn-api"} == 1'), prometheus)
        assert up[0]["metric"]["instance"] == api.removeprefix("http://")
        for record in (
            'churn:http_requests:rate5m{route="/predict"} > 0',
            "churn:http_errors:ratio_rate5m == 0",
            "churn:http_request_duration_seconds:p99_5m > 0",
            "churn:predictions:churn_share_1h >= 0",
        ):
            _wait(f"recording rule {record}", lambda r=record: traffic_then_query(r), prometheus)
        status, text = _get(base + "/api/v1/rules")
        assert status == 200
        rules = [rule for group in json.loads(text)["data"]["groups"] for rule in group["rules"]]
        assert len(rules) >= 10
        assert {rule["health"] for rule in rules} == {"ok"}, rules
        firing = [rule["name"] for rule in rules if rule.get("state") == "firing"]
        assert firing == []
        assert _query(base, "churn_model_ready")[0]["value"][1] == "1"
    finally:
        _stop(prometheus)
    assert server.poll() is None
