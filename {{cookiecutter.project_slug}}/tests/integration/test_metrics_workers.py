import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package_name }}.data.examples import EXAMPLE_CUSTOMER

from tests.integration.conftest import served

REQUESTS = 24


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except OSError:
        return 0, ""


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture(scope="module")
def two_workers(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`serve` with 2 workers on a free loopback port, serving the session's model."""

    def ready(base: str) -> bool:
        # churn_model_ready is the minimum over live workers: 1 once both loaded the model.
        return "\nchurn_model_ready 1.0" in _get(base + "/metrics")[1]

    folder = tmp_path_factory.mktemp("serve")
    with served(models_dir, folder, ready=ready, workers=2, log_level="warning") as base:
        yield base


def test_metrics_count_every_worker(two_workers: str) -> None:
    body = json.dumps(dict(EXAMPLE_CUSTOMER)).encode()
    for _ in range(REQUESTS):
        request = urllib.request.Request(
            two_workers + "/predict", body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
    predict = frozenset({("method", "POST"), ("route", "/predict"), ("status", "200")})
    # A worker counts a request once its answer is sent: the client may read the answer first.
    deadline = time.monotonic() + 10
    while _samples(_get(two_workers + "/metrics")[1]).get(("http_requests_total", predict)) != (
        REQUESTS
    ):
        assert time.monotonic() < deadline, "the last request was never counted"
        time.sleep(0.05)
    for _ in range(6):  # whichever worker answers the scrape sees the same totals,
        # a restarted worker's counts included (its files outlive it)
        status, text = _get(two_workers + "/metrics")
        assert status == 200
        samples = _samples(text)
        assert samples[("http_requests_total", predict)] == REQUESTS
        outcomes = {key: value for key, value in samples.items() if key[0].startswith("churn_pred")}
        assert sum(outcomes.values()) == REQUESTS


def test_with_workers_a_swap_leaves_only_the_loaded_version_at_1(tmp_path: Path) -> None:
    # Multiprocess mode is chosen when prometheus_client is imported: a process of its own.
    script = (
        "import sys\n"
        "from {{ cookiecutter.package_name }}.inference.predictor"
        " import SklearnPredictor\n"
        "from {{ cookiecutter.package_name }}.serving.observability"
        " import ServiceMetrics\n"
        "def model(version, rate):\n"
        "    metadata = {'model_version': version, 'data': {'churn_rate': rate}}\n"
        "    return SklearnPredictor(metadata, None)\n"
        "metrics = ServiceMetrics()\n"
        "metrics.set_model(model('v1', 0.2))\n"
        "metrics.set_model(model('v2', 0.3))\n"
        "sys.stdout.write(metrics.render().decode())\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert any(tmp_path.glob("*.db"))  # the values went through the shared files
    samples = _samples(done.stdout)
    info = {
        dict(labels)["version"]: value
        for (name, labels), value in samples.items()
        if name == "churn_model_info"
    }
    assert info == {"v1": 0.0, "v2": 1.0}
    assert samples[("churn_model_training_churn_rate", frozenset())] == 0.3
