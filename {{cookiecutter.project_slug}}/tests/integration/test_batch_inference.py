import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.data.io import BatchReader, BatchWriter
from {{ cookiecutter.package_name }}.data.load import load_raw
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.inference.predictor import load_predictor
from {{ cookiecutter.package_name }}.models.predict import predict_proba
from {{ cookiecutter.package_name }}.pipelines.batch_inference import (
    OUTPUT_SCHEMA,
    BatchResult,
    Shard,
    score_file,
)
from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult
from {{ cookiecutter.package_name }}.registry.artifacts import load_model


def score(source: Path, output: Path, models_dir: Path, **options: Any) -> BatchResult:
    """Score ``source`` into ``output`` through the batch reader and writer."""
    return score_file(BatchReader(source), BatchWriter(output), models_dir, **options)


def read_output(path: Path) -> pd.DataFrame:
    """Read a scored CSV or Parquet file."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype={"customerID": str})


def write_parquet(frame: pd.DataFrame, path: Path, row_group_size: int = 1000) -> Path:
    """Write a raw frame (text columns) as Parquet with small row groups."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def test_chunked_scores_equal_whole_file_scores(
    tmp_path: Path, trained: tuple[Config, TrainingResult]
) -> None:
    settings, _ = trained
    source = settings.data.raw_path
    before = source.read_bytes()
    output = tmp_path / "scored.csv"
    seen: list[int] = []
    result = score(source, output, settings.paths.models_dir, chunk_size=97, on_rows=seen.append)
    assert source.read_bytes() == before
    scored = read_output(output)
    assert list(scored.columns) == OUTPUT_SCHEMA.names
    frame = load_raw(source)
    assert result.rows == len(frame) == len(scored)
    assert seen == sorted(seen)
    assert seen[-1] == len(frame)
    assert max(b - a for a, b in zip([0, *seen], seen, strict=False)) <= 97
    assert scored["customerID"].tolist() == frame["customerID"].tolist()
    expected = predict_proba(load_model(settings.paths.models_dir).pipeline, frame)
    assert scored["churn_probability"].to_numpy() == pytest.approx(expected, abs=1e-6)


def test_the_churn_column_is_boolean_like_the_api(
    tmp_path: Path, trained: tuple[Config, TrainingResult]
) -> None:
    settings, result = trained
    output = tmp_path / "scored.csv"
    score(settings.data.raw_path, output, settings.paths.models_dir)
    values = {line.rsplit(",", 1)[1] for line in output.read_text().splitlines()[1:]}
    # Written by Arrow: strings quoted, booleans as JSON writes them.
    assert values == {"true", "false"}
    scored = read_output(output)
    assert scored["churn"].dtype == bool
    threshold = result.metadata["threshold"]
    assert (scored["churn"] == (scored["churn_probability"] >= threshold)).all()


def test_parquet_in_and_out_equal_csv_in_and_out(
    tmp_path: Path, trained: tuple[Config, TrainingResult], raw_frame: pd.DataFrame
) -> None:
    settings, _ = trained
    models = settings.paths.models_dir
    csv_in = tmp_path / "in.csv"
    raw_frame.to_csv(csv_in, index=False)
    parquet_in = write_parquet(raw_frame, tmp_path / "in.parquet")
    score(csv_in, tmp_path / "out.csv", models)
    score(parquet_in, tmp_path / "out.parquet", models)
    from_csv = read_output(tmp_path / "out.csv")
    from_parquet = read_output(tmp_path / "out.parquet")
    assert pq.read_schema(tmp_path / "out.parquet").field("churn").type == pa.bool_()
    pd.testing.assert_frame_equal(from_csv, from_parquet, check_dtype=False)


def test_parquet_with_typed_numbers_scores_the_same(
    tmp_path: Path, trained: tuple[Config, TrainingResult], raw_frame: pd.DataFrame
) -> None:
    settings, _ = trained
    typed = load_raw(_csv(tmp_path, raw_frame), require_target=False)
    parquet_in = write_parquet(typed, tmp_path / "typed.parquet")
    score(parquet_in, tmp_path / "typed-out.csv", settings.paths.models_dir)
    score(tmp_path / "raw.csv", tmp_path / "raw-out.csv", settings.paths.models_dir)
    pd.testing.assert_frame_equal(
        read_output(tmp_path / "typed-out.csv"), read_output(tmp_path / "raw-out.csv")
    )


def _csv(folder: Path, frame: pd.DataFrame) -> Path:
    path = folder / "raw.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("kind", ["csv", "parquet"])
@pytest.mark.parametrize("count", [1, 3, 7])
def test_shards_together_equal_one_run_row_for_row(
    tmp_path: Path,
    trained: tuple[Config, TrainingResult],
    raw_frame: pd.DataFrame,
    kind: str,
    count: int,
) -> None:
    settings, _ = trained
    models = settings.paths.models_dir
    source = tmp_path / f"in.{kind}"
    if kind == "csv":
        raw_frame.to_csv(source, index=False)
    else:
        write_parquet(raw_frame, source, row_group_size=64)
    whole = read_output(score(source, tmp_path / "all.csv", models, chunk_size=50).output)
    parts = []
    for index in range(count):
        out = tmp_path / f"part-{index}.{kind}"
        score(source, out, models, chunk_size=50, shard=Shard(index, count))
        parts.append(read_output(out))
    assert min(len(part) for part in parts) >= len(raw_frame) // count
    together = pd.concat(parts, ignore_index=True)
    pd.testing.assert_frame_equal(together, whole, check_dtype=False)


def test_a_shard_index_outside_the_count_is_refused() -> None:
    with pytest.raises(DataError, match=r"must be from 0 to 2 \(of 3\): 3"):
        Shard(3, 3)


@pytest.mark.parametrize("kind", [BatchReader, BatchWriter])
def test_an_unknown_extension_is_refused_naming_the_path(
    tmp_path: Path, kind: type[BatchReader] | type[BatchWriter]
) -> None:
    with pytest.raises(DataError, match=r"x\.xlsx: unknown extension '\.xlsx'; use one of \.csv"):
        kind(tmp_path / "x.xlsx")


def test_the_target_column_is_optional(
    tmp_path: Path, trained: tuple[Config, TrainingResult], raw_frame: pd.DataFrame
) -> None:
    settings, _ = trained
    source = tmp_path / "new.csv"
    raw_frame.drop(columns="Churn").head(10).to_csv(source, index=False)
    assert score(source, tmp_path / "out.csv", settings.paths.models_dir).rows == 10


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_bad_row_leaves_no_partial_output(
    tmp_path: Path, trained: tuple[Config, TrainingResult], raw_frame: pd.DataFrame, kind: str
) -> None:
    settings, _ = trained
    bad = raw_frame.copy()
    bad.loc[450, "InternetService"] = "Satellite"
    source = tmp_path / f"bad.{kind}"
    if kind == "csv":
        bad.to_csv(source, index=False)
    else:
        write_parquet(bad, source, row_group_size=128)
    output = tmp_path / f"out.{kind}"
    with pytest.raises(DataError, match=r"column 'InternetService'.*'Satellite'.*data row 451"):
        score(source, output, settings.paths.models_dir, chunk_size=100)
    assert not output.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("tenure", "12.5", r"column 'tenure'.*whole number.*'12.5'.*data row 8"),
        ("MonthlyCharges", " ", r"column 'MonthlyCharges'.*data row 8"),
        ("TotalCharges", "abc", r"column 'TotalCharges'.*'abc'.*data row 8"),
        ("SeniorCitizen", "2", r"column 'SeniorCitizen'.*data row 8"),
        ("customerID", "", r"column 'customerID'"),
    ],
)
def test_each_bad_value_is_named_as_parse_raw_names_it(
    tmp_path: Path,
    trained: tuple[Config, TrainingResult],
    raw_frame: pd.DataFrame,
    column: str,
    value: str,
    message: str,
) -> None:
    settings, _ = trained
    bad = raw_frame.head(20).copy()
    bad.loc[7, column] = value
    source = _csv(tmp_path, bad)
    with pytest.raises(DataError, match=message):
        score(source, tmp_path / "out.csv", settings.paths.models_dir)


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_missing_column_is_named(
    tmp_path: Path, trained: tuple[Config, TrainingResult], raw_frame: pd.DataFrame, kind: str
) -> None:
    settings, _ = trained
    lacking = raw_frame.head(20).drop(columns="Contract")
    parquet = tmp_path / "in.parquet"
    source = _csv(tmp_path, lacking) if kind == "csv" else write_parquet(lacking, parquet)
    with pytest.raises(DataError, match=r"missing column\(s\) 'Contract'; expected the raw Telco"):
        score(source, tmp_path / "out.parquet", settings.paths.models_dir)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"no header \(the file or its first line is empty\); expected the raw Telco"),
        ("\nfrom,a,blank,line\n", r"no header \(the file or its first line is empty\)"),
        (
            "id,name,plan,fee\n1,Ann,gold,9\n",
            r"no Telco column in its header \('id', 'name', 'plan' and 1 more\); expected",
        ),
    ],
    ids=["empty", "blank-first-line", "another-table"],
)
def test_a_file_without_the_telco_header_says_so_in_one_line(
    tmp_path: Path, trained: tuple[Config, TrainingResult], text: str, message: str
) -> None:
    settings, _ = trained
    source = tmp_path / "in.csv"
    source.write_text(text)
    with pytest.raises(DataError, match=message) as refused:
        score(source, tmp_path / "out.csv", settings.paths.models_dir)
    assert "\n" not in str(refused.value)


def test_a_repeated_header_column_is_named(
    tmp_path: Path, trained: tuple[Config, TrainingResult], raw_frame: pd.DataFrame
) -> None:
    settings, _ = trained
    frame = raw_frame.head(20).copy()
    frame.insert(len(frame.columns), "Churn", frame["Churn"], allow_duplicates=True)
    source = _csv(tmp_path, frame)
    with pytest.raises(DataError, match=r"the header repeats column\(s\) 'Churn'"):
        score(source, tmp_path / "out.csv", settings.paths.models_dir)


def test_a_repeated_customer_is_scored_each_time(
    tmp_path: Path, trained: tuple[Config, TrainingResult], raw_frame: pd.DataFrame
) -> None:
    settings, _ = trained
    small = raw_frame.head(10)
    source = _csv(tmp_path, pd.concat([small, small]))
    assert score(source, tmp_path / "out.csv", settings.paths.models_dir).rows == 20


def test_it_refuses_to_overwrite_its_input(
    tmp_path: Path, trained: tuple[Config, TrainingResult]
) -> None:
    settings, _ = trained
    source = tmp_path / "in.csv"
    shutil.copy(settings.data.raw_path, source)
    with pytest.raises(DataError, match="must differ"):
        score(source, source, settings.paths.models_dir)


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_header_only_file_gives_a_header_only_output(
    tmp_path: Path, trained: tuple[Config, TrainingResult], raw_frame: pd.DataFrame, kind: str
) -> None:
    settings, _ = trained
    source = tmp_path / "empty.csv"
    raw_frame.head(0).to_csv(source, index=False)
    output = tmp_path / f"out.{kind}"
    assert score(source, output, settings.paths.models_dir).rows == 0
    scored = read_output(output)
    assert list(scored.columns) == OUTPUT_SCHEMA.names
    assert scored.empty


def test_the_cli_output_equals_the_predictor_output(
    tmp_path: Path, trained: tuple[Config, TrainingResult]
) -> None:
    settings, _ = trained
    output = tmp_path / "scored.csv"
    score(settings.data.raw_path, output, settings.paths.models_dir, chunk_size=128)
    predictor = load_predictor(settings.paths.models_dir)
    assert predictor.backend == "onnx"
    expected = predictor.predict_frame(load_raw(settings.data.raw_path)).round(6)
    scored = read_output(output)
    assert scored["churn_probability"].to_numpy() == pytest.approx(expected, abs=1e-12)


def test_batch_scoring_imports_no_scikit_learn() -> None:
    # `predict` scores with ONNX Runtime: importing scikit-learn would add 2 s to every run.
    code = (
        "import sys; import {{ cookiecutter.package_name }}.cli, "
        "{{ cookiecutter.package_name }}.pipelines.batch_inference; "
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'sklearn', 'scipy'}))"
    )
    imported = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert imported.stdout.strip() == "[]"
