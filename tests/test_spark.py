"""use_spark: its deployment files pass their schemas, with it off nothing of Spark remains."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from databricks.sdk.service.jobs import JobSettings

from bakery import Baker, load_hook, outcome, running_python, timed, tool_env

post_gen = load_hook("post_gen_project")

#: The openAPIV3Schema of the Spark operator's SparkApplication CRD, v1beta2, as JSON: from
#: kubeflow/spark-operator v2.5.2 (commit 43afb8bb),
#: config/crd/bases/sparkoperator.k8s.io_sparkapplications.yaml.
SPARK_APPLICATION_SCHEMA = Path(__file__).parent / "schemas" / "sparkapplication-v1beta2.json.gz"


def strict(schema: Any) -> Any:
    """Refuse unknown fields wherever the schema lists an object's fields, as kubectl does."""
    if isinstance(schema, dict):
        lists_fields = schema.get("type") == "object" and "properties" in schema
        keeps_unknown = schema.get("x-kubernetes-preserve-unknown-fields", False)
        if lists_fields and not keeps_unknown:
            schema.setdefault("additionalProperties", False)
        for value in schema.values():
            strict(value)
    elif isinstance(schema, list):
        for value in schema:
            strict(value)
    return schema


def test_without_spark_no_file_mentions_it(baked: Baker) -> None:
    """It leaves no Spark module, dependency, target, Java step or note."""
    project = baked(use_spark=False, use_kubernetes=True, use_docker=True)
    hits = project.grep("(?i)spark|java")
    assert [hit for hit in hits if not hit.startswith(f"{post_gen.ANSWERS_FILE}:")] == []


@pytest.mark.parametrize("kubernetes", [True, False], ids=["k8s", "no-k8s"])
def test_with_spark_it_adds_the_command_extra_and_java_check(
    baked: Baker, kubernetes: bool
) -> None:
    """It registers spark-score, a spark extra, a Java check, and a manifest with Kubernetes."""
    project = baked(use_spark=True, use_kubernetes=kubernetes)
    extras = project.toml("pyproject.toml")["project"]["optional-dependencies"]
    assert any(requirement.startswith("pyspark") for requirement in extras["spark"])
    assert 'app.command("spark-score")' in project.read("src/{package_name}/cli.py")
    assert project.make("-n", "spark-score").returncode == 0
    assert "java.specification.version" in project.make("-n", "test").stdout
    assert project.has_file("infra/k8s/spark-application.yaml") == kubernetes


def test_the_spark_application_passes_the_operator_schema(baked: Baker) -> None:
    """The SparkApplication validates against the operator's CRD, unknown fields refused."""
    schema = strict(json.loads(gzip.decompress(SPARK_APPLICATION_SCHEMA.read_bytes())))
    manifest = baked(use_spark=True).yaml("infra/k8s/spark-application.yaml")
    assert manifest["kind"] == "SparkApplication"
    jsonschema.validate(manifest, schema)
    misspelt = {**manifest, "spec": {**manifest["spec"], "executors": {"instances": 2}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(misspelt, schema)


def test_the_databricks_job_is_a_jobs_api_definition(baked: Baker) -> None:
    """Every field is one the Databricks SDK's JobSettings knows; the task runs spark-score."""
    project = baked(use_spark=True)
    job = json.loads(project.read("docs/databricks-job.json"))
    assert JobSettings.from_dict(job).as_dict() == job
    task = job["tasks"][0]["python_wheel_task"]
    assert task["entry_point"] in project.toml("pyproject.toml")["project"]["scripts"]
    assert task["parameters"][0] == "spark-score"


# --- slow tier: one real environment with Spark ------------------------------------------


@pytest.mark.slow
def test_the_spark_parity_tests_pass_in_a_real_environment(
    fresh: Baker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make venv` installs the spark extra; `make test` runs the local[2] parity tests too."""
    for name, value in tool_env().items():  # the shared pip cache, as the default bake
        monkeypatch.setenv(name, value)
    project = fresh(use_spark=True, init_git=True, create_env=True, **running_python())
    project.assert_ready()
    collected = project.run(".venv/bin/pytest", "--collect-only", "-q", "tests/integration")
    assert "test_spark_scoring.py::test_spark_scores_equal_predict_row_for_row" in collected.stdout
    proc = timed("make test", ["make", "test"], project.path)
    assert proc.returncode == 0, outcome(proc)
