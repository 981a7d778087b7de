"""Command-line interface: thin Typer commands that call the pipelines and print with Rich."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .config import load_config
from .errors import ChurnError

app = typer.Typer(
    help="Customer churn prediction: generate data, train, evaluate and score.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
data_app = typer.Typer(help="Create, validate and split raw data.", no_args_is_help=True)
app.add_typer(data_app, name="data")

console = Console()
error_console = Console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="YAML settings file.",
        show_default="params.yaml if it exists, else configs/config.yaml",
    ),
]
RawDataOption = Annotated[
    Path | None, typer.Option("--data", help="Raw Telco-format CSV (default: data.raw_path).")
]


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")] = False,
) -> None:
    """Predict customer churn: generate data, train, evaluate and score."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn an expected error into one line on stderr and exit code 1 (no traceback)."""
    try:
        yield
    except ChurnError as exc:
        error_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None


@contextmanager
def _steps() -> Iterator[Callable[[str], None]]:
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("Starting", total=None)
        yield lambda description: progress.update(task, description=description)
        progress.update(task, description="Done")


def _metrics_table(title: str, metrics: dict[str, float | int]) -> Table:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metrics.items():
        table.add_row(name, f"{value:.4f}" if isinstance(value, float) else str(value))
    return table


@data_app.command("generate")
def data_generate(
    rows: Annotated[
        int | None, typer.Option(min=1, help="Customers (default: data.synthetic_rows).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="CSV to write (default: data.raw_path).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: seed).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    if_missing: Annotated[
        bool, typer.Option("--if-missing", help="Do nothing if the file already exists.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Write a seeded synthetic data set in the exact raw IBM Telco format."""
    with user_errors():
        settings = load_config(config)
        path = out or settings.data.raw_path
        if if_missing and path.exists():
            console.print(f"{path} exists; left as it is")
            return
        from .data.synthetic import write_synthetic

        count = rows or settings.data.synthetic_rows
        write_synthetic(path, count, settings.seed if seed is None else seed, overwrite=force)
    console.print(f"Wrote {count} synthetic customers to {path}")


@data_app.command("validate")
def data_validate(
    data: RawDataOption = None,
    config: ConfigOption = None,
) -> None:
    """Validate the raw CSV and write its rows, columns and churn rate to reports/."""
    from .pipelines.preparation import VALIDATION_FILE, validate_raw

    with user_errors():
        settings = load_config(config)
        summary = validate_raw(settings, data)
    console.print(
        f"{summary['path']}: {summary['rows']} rows, {summary['columns']} columns, "
        f"churn rate {summary['churn_rate']:.1%}; "
        f"summary in {settings.paths.reports_dir / VALIDATION_FILE}"
    )


@data_app.command("split")
def data_split(
    data: RawDataOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the stratified train and hold-out files under data.processed_dir."""
    from .pipelines.preparation import split_raw

    with user_errors():
        settings = load_config(config)
        hold_out = split_raw(settings, data)
    console.print(
        f"Split {hold_out.rows} rows into {len(hold_out.train)} train and "
        f"{len(hold_out.test)} hold-out rows in {settings.data.processed_dir}/"
    )


@app.command()
def train(
    data: RawDataOption = None,
    config: ConfigOption = None,
) -> None:
    """Train, evaluate on a stratified hold-out set, and save the model and reports."""
    from .pipelines.tracking import make_tracker
    from .pipelines.training import run_training

    with user_errors(), _steps() as step:
        result = run_training(load_config(config), data, on_step=step, tracker=make_tracker())
    console.print(_metrics_table("Hold-out metrics", result.evaluation.metrics))
    console.print(
        f"Model {result.metadata['model_version']} saved to {result.models_dir}/; "
        f"metrics in {result.evaluation.metrics_path}, "
        f"{len(result.evaluation.figures)} figures in {result.evaluation.figures[0].parent}/"
    )


@app.command()
def fit(config: ConfigOption = None) -> None:
    """Fit on the split from `data split` and save the model (`evaluate` writes the reports)."""
    from .pipelines.tracking import make_tracker
    from .pipelines.training import run_fit

    with user_errors(), _steps() as step:
        result = run_fit(load_config(config), on_step=step, tracker=make_tracker())
    console.print(_metrics_table("Hold-out metrics", result.evaluation.metrics))
    console.print(f"Model {result.metadata['model_version']} saved to {result.models_dir}/")


@app.command()
def evaluate(
    data: Annotated[
        Path | None,
        typer.Option(help="Labelled raw-format CSV (default: the hold-out set from train)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Score the saved model on labelled data and rewrite the metrics and figures."""
    from .pipelines.evaluation import run_evaluation

    with user_errors():
        evaluation = run_evaluation(load_config(config), data)
    console.print(_metrics_table("Evaluation metrics", evaluation.metrics))
    console.print(f"Metrics in {evaluation.metrics_path}")


@app.command()
def predict(
    input_path: Annotated[
        Path, typer.Option("--input", "-i", help="Raw-format CSV to score (Churn optional).")
    ],
    output_path: Annotated[Path, typer.Option("--output", "-o", help="CSV file to write.")],
    config: ConfigOption = None,
    chunk_size: Annotated[
        int | None, typer.Option(min=1, help="Rows per chunk (default: predict.chunk_size).")
    ] = None,
) -> None:
    """Score a CSV of any size in chunks: customerID, churn_probability, churn."""
    from .pipelines.batch_inference import score_csv

    with user_errors():
        settings = load_config(config)
    with (
        user_errors(),
        Progress(
            SpinnerColumn(),
            TextColumn("Scoring"),
            BarColumn(bar_width=None),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=console,
        ) as progress,
    ):
        task = progress.add_task("score", total=None)
        result = score_csv(
            input_path,
            output_path,
            settings.paths.models_dir,
            chunk_size or settings.predict.chunk_size,
            on_rows=lambda rows: progress.update(task, completed=rows),
        )
    console.print(
        f"Scored {result.rows:,} rows with model {result.model_version} into {result.output}"
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: CHURN_HOST).")] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="Port (default: CHURN_PORT, 8000).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    log_level: Annotated[
        str | None, typer.Option(help="critical, error, warning, info or debug.")
    ] = None,
) -> None:
    """Serve the HTTP prediction API with uvicorn (settings: CHURN_* environment variables)."""
    import os

    import uvicorn

    from .serving.observability import logging_config
    from .serving.settings import ENV_PREFIX, load_settings

    overrides = {"host": host, "port": port, "log_level": log_level}
    with user_errors():
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    # Workers build the app from the environment: pass the command-line choices on.
    os.environ[f"{ENV_PREFIX}LOG_LEVEL"] = settings.log_level
    uvicorn.run(
        f"{__package__}.serving.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=settings.log_level,
        log_config=logging_config(settings.log_level),
        access_log=False,  # the app writes its own JSON access log, with request ids
        server_header=False,
    )
