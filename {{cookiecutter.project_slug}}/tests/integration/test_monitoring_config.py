import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package_name }}.data.examples import EXAMPLE_CUSTOMER

MONITORING = Path(__file__).resolve().parents[2] / "monitoring"
PROMETHEUS = MONITORING / "prometheus"
GRAFANA = MONITORING / "grafana"
#: Series Prometheus makes itself for every target, not exported by the service.
SCRAPE_SERIES = {"up"}
_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
    "group_right", "bool", "offset", "inf", "nan", "le",
}  # fmt: skip
_LABELS = re.compile(r"\{[^}]*\}|\"[^\"]*\"|\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NAME = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")


def metric_names(expr: str) -> set[str]:
    """Return the metric (and recording-rule) names a PromQL expression reads."""
    bare = _GROUPING.sub(" ", _LABELS.sub(" ", expr))
    return {name for name in _NAME.findall(bare) if name.lower() not in _KEYWORDS}


def rule_groups() -> list[dict]:
    return [
        group
        for path in sorted((PROMETHEUS / "rules").glob("*.yml"))
        for group in yaml.safe_load(path.read_text())["groups"]
    ]


def dashboard_exprs() -> list[str]:
    return [
        target["expr"]
        for path in sorted((GRAFANA / "dashboards").glob("*.json"))
        for panel in json.loads(path.read_text())["panels"]
        for target in panel["targets"]
    ]


@pytest.fixture(scope="module")
def exported(client: TestClient) -> set[str]:
    """The sample names of a real /metrics after a prediction and an error."""
    assert client.post("/predict", json=dict(EXAMPLE_CUSTOMER)).status_code == 200
    assert client.post("/predict", json={}).status_code == 422
    text = client.get("/metrics").text
    return {
        sample.name for family in text_string_to_metric_families(text) for sample in family.samples
    }


def test_the_name_parser_finds_metrics_not_functions_or_labels() -> None:
    expr = (
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket"
        '{route=~"/predict.*"}[5m]))) > on() group_left churn:training:churn_rate'
    )
    assert metric_names(expr) == {
        "http_request_duration_seconds_bucket",
        "churn:training:churn_rate",
    }


def test_every_metric_a_rule_or_panel_reads_is_exported_by_the_service(
    exported: set[str],
) -> None:
    groups = rule_groups()
    recorded = {rule["record"] for group in groups for rule in group["rules"] if "record" in rule}
    exprs = [rule["expr"] for group in groups for rule in group["rules"]] + dashboard_exprs()
    read = set().union(*(metric_names(expr) for expr in exprs))
    assert {"http_requests_total", "churn_predictions_total", "churn_model_ready"} <= read
    assert "http_request_duration_seconds_bucket" in read
    unknown = read - exported - recorded - SCRAPE_SERIES
    assert unknown == set(), f"rules or dashboards read metrics /metrics lacks: {unknown}"
    assert {name for name in read if ":" in name} <= recorded


def test_metrics_carry_the_model_version_and_process_metrics(exported: set[str]) -> None:
    assert {"churn_model_info", "process_cpu_seconds_total", "python_info"} <= exported


@pytest.mark.parametrize(
    ("record", "metric"),
    [
        ("churn:model:expected_churn_share", "churn_model_expected_churn_share"),
        ("churn:training:churn_rate", "churn_model_training_churn_rate"),
    ],
)
def test_the_model_figures_the_rules_read_are_exported(
    exported: set[str], record: str, metric: str
) -> None:
    (recording,) = (
        rule for group in rule_groups() for rule in group["rules"] if rule.get("record") == record
    )
    assert metric_names(recording["expr"]) == {metric}
    assert metric in exported


def test_the_churn_share_alert_compares_with_the_hold_out_share_not_the_churn_rate() -> None:
    """A threshold away from 0.5, or class weights, predicts more or fewer churners."""
    (alert,) = (
        rule
        for group in rule_groups()
        for rule in group["rules"]
        if rule.get("alert") == "ChurnPredictedShareShifted"
    )
    assert "churn:model:expected_churn_share" in alert["expr"]
    assert "churn:training:churn_rate" not in alert["expr"]


def test_each_alert_has_a_unit_test() -> None:
    alerts = {
        rule["alert"] for group in rule_groups() for rule in group["rules"] if "alert" in rule
    }
    tested: set[str] = set()
    for path in (PROMETHEUS / "tests").glob("*.yml"):
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                if check.get("exp_alerts"):
                    tested.add(check["alertname"])
    assert alerts == tested


def test_the_dashboard_uses_the_provisioned_datasource() -> None:
    (source,) = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())[
        "datasources"
    ]
    dashboard = json.loads((GRAFANA / "dashboards/churn-api.json").read_text())
    titles = [panel["title"] for panel in dashboard["panels"]]
    assert any("version" in title.lower() for title in titles)
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == source["uid"]


PROMTOOL = shutil.which("promtool")


def _files(pattern: str) -> list[str]:
    return sorted(str(path.relative_to(PROMETHEUS)) for path in PROMETHEUS.glob(pattern))


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not on PATH (apt-get install prometheus)")
@pytest.mark.parametrize(
    "args",
    [
        ["check", "config", "prometheus.yml"],
        ["check", "rules", *_files("rules/*.yml")],
        ["test", "rules", *_files("tests/*.yml")],
    ],
    ids=["check-config", "check-rules", "test-rules"],
)
def test_promtool_accepts_the_config_rules_and_alert_tests(args: list[str]) -> None:
    assert PROMTOOL is not None
    proc = subprocess.run(
        [PROMTOOL, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout + proc.stderr
