"""Command-line interface: thin Typer commands that call the pipelines and print with Rich."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import cli_lifecycle{% if cookiecutter.use_spark %}, cli_spark{% endif %}
from .cli_io import ConfigOption, RawDataOption, about, console, fail, user_errors
from .cli_io import metrics_table as _metrics_table
from .cli_io import steps as _steps
from .config import load_config

if TYPE_CHECKING:
    from .models.tuning import TrialReport

app = typer.Typer(
    help="Customer churn prediction: generate data, train, evaluate and score.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
data_app = typer.Typer(help="Create, validate and split raw data.", no_args_is_help=True)
app.add_typer(data_app, name="data")
monitor_app = typer.Typer(help="Watch the model in production: drift checks.", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")
#: `monitor drift` exits with this code when drift is detected (1 is a user's mistake).
DRIFT_EXIT_CODE = 3
app.add_typer(cli_lifecycle.models_app, name="models")
app.command()(cli_lifecycle.promote)
app.command()(cli_lifecycle.rollback)
{%- if cookiecutter.use_spark %}
app.command("spark-score")(cli_spark.spark_score)
{%- endif %}


def _print_version(value: bool) -> None:
    """Print the installed version and exit (``--version``)."""
    if value:
        from . import __version__

        typer.echo(__version__)
        raise typer.Exit


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Predict customer churn: generate data, train, evaluate and score."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")


@data_app.command("generate")
def data_generate(
    rows: Annotated[
        int | None, typer.Option(min=1, help="Customers (default: data.synthetic_rows).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help=".csv or .parquet to write (default: data.raw_path).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: seed).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    if_missing: Annotated[
        bool, typer.Option("--if-missing", help="Do nothing if the file already exists.")
    ] = False,
    drift: Annotated[
        bool, typer.Option("--drift", help="Draw from a shifted population (drift tests).")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Write a seeded synthetic data set in the exact raw IBM Telco format."""
    with user_errors():
        settings = load_config(config)
        path = out or settings.data.raw_path
        if if_missing and path.is_file():
            console.print(f"{path} exists; left as it is")
            return
        from .data.synthetic import write_synthetic
        from .files import check_output_file

        check_output_file(path, "--out")
        if path.exists() and not force:
            raise fail(f"{path} already exists; pass --force to replace it")

        count = rows or settings.data.synthetic_rows
        chosen_seed = settings.seed if seed is None else seed
        with about("--out"):
            write_synthetic(path, count, chosen_seed, drift=drift)
    shifted = " from the drifted population" if drift else ""
    console.print(f"Wrote {count} synthetic customers{shifted} to {path}")


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
    promote: Annotated[
        bool, typer.Option("--promote", help="Then run the promotion gate on the new version.")
    ] = False,
) -> None:
    """Train, evaluate on a stratified hold-out set, and publish a new model version."""
    from .pipelines.tracking import make_tracker
    from .pipelines.training import run_training

    with user_errors():
        settings = load_config(config)
    with user_errors(), _steps() as step:
        result = run_training(settings, data, on_step=step, tracker=make_tracker())
    console.print(_metrics_table("Hold-out metrics", result.evaluation.metrics))
    version = result.metadata["model_version"]
    source = result.metadata["params_source"]
    console.print(f"Hyper-parameters of {result.metadata['estimator']} from {source}")
    figures = result.evaluation.figures
    drawn = f", {len(figures)} figures in {figures[0].parent}/" if figures else ""
    console.print(
        f"Model {version} published in {result.version_dir}/; "
        f"metrics in {result.evaluation.metrics_path}{drawn}"
    )
    if result.production:
        console.print(f"{version} is production (the first version)")
    elif promote:
        cli_lifecycle.report_promotion(
            cli_lifecycle.run_promotion(settings, version, None, force=False, reason=None)
        )
    else:
        console.print(f"{version} is a candidate: `promote` gates it against production")


@app.command()
def tune(
    data: RawDataOption = None,
    trials: Annotated[
        int | None, typer.Option(min=1, help="Trials in this run (default: tuning.trials).")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            min=1, help="Start no trial after this many seconds (default: tuning.timeout)."
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Search the estimator's hyper-parameters on the training split; `train` reads the best."""
    import optuna

    from .pipelines.tracking import make_tracker
    from .pipelines.tuning import run_tuning

    with user_errors():
        settings = load_config(config)
    # The lines below say what Optuna's log would, once (and Ctrl-C is no traceback).
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    with (
        user_errors(),
        Progress(
            SpinnerColumn(),
            TextColumn("Tuning {task.fields[estimator]}"),
            BarColumn(bar_width=None),
            TextColumn("{task.completed}/{task.total} trials"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress,
    ):
        task = progress.add_task(
            "tune", total=trials or settings.tuning.trials, estimator=settings.model.estimator
        )

        def show(trial: TrialReport) -> None:
            progress.advance(task)
            params = ", ".join(
                f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value}"
                for name, value in trial.params.items()
            )
            console.print(
                f"Trial {trial.number}: ROC AUC {trial.score:.4f} "
                f"(best {trial.best_score:.4f}) {params}",
                highlight=False,
            )

        result = run_tuning(
            settings, data, trials=trials, timeout=timeout, on_trial=show, tracker=make_tracker()
        )
    if result.params_file is None:
        raise fail(f"no trial finished; run `tune` again to continue study {result.study}")
    console.print(
        f"Study {result.study}: {result.trials} finished trials, best cross-validated ROC AUC "
        f"{result.best_score:.4f}; its hyper-parameters in {result.params_file}, read by `train`"
    )
    if result.stopped:
        console.print(f"Stopped: run `tune` again to continue study {result.study}")
        raise typer.Exit(code=130)  # the shell's code for Ctrl-C: `tune && train` stops here


@app.command()
def fit(config: ConfigOption = None) -> None:
    """Fit on the split from `data split` and publish a version (`evaluate` writes reports)."""
    from .pipelines.tracking import make_tracker
    from .pipelines.training import run_fit

    with user_errors(), _steps() as step:
        result = run_fit(load_config(config), on_step=step, tracker=make_tracker())
    console.print(_metrics_table("Hold-out metrics", result.evaluation.metrics))
    console.print(f"Model {result.metadata['model_version']} published in {result.version_dir}/")


@app.command()
def evaluate(
    data: Annotated[
        Path | None,
        typer.Option(help="Labelled raw-format CSV (default: the version's hold-out set)."),
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Model version (default: the newest).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Score a model version on labelled data and rewrite the metrics and figures."""
    from .pipelines.evaluation import run_evaluation

    with user_errors():
        name, evaluation = run_evaluation(load_config(config), data, version)
    console.print(_metrics_table(f"Evaluation metrics of {name}", evaluation.metrics))
    console.print(f"Metrics in {evaluation.metrics_path}")


@app.command()
def predict(
    input_path: Annotated[
        Path,
        typer.Option("--input", "-i", help="Raw-format .csv or .parquet (Churn optional)."),
    ],
    output_path: Annotated[
        Path, typer.Option("--output", "-o", help=".csv or .parquet file to write.")
    ],
    config: ConfigOption = None,
    chunk_size: Annotated[
        int | None, typer.Option(min=1, help="Rows per chunk (default: predict.chunk_size).")
    ] = None,
    shard_index: Annotated[
        int, typer.Option(min=0, help="Score only this shard (0 .. shard-count - 1).")
    ] = 0,
    shard_count: Annotated[
        int, typer.Option(min=1, help="Split the input into this many contiguous shards.")
    ] = 1,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Add reason_1..reason_3: the columns that raise each score most."
        ),
    ] = False,
) -> None:
    """Score a file of any size in chunks: customerID, churn_probability, churn (boolean)."""
    from .data.io import BatchReader, BatchWriter
    from .files import check_output_file
    from .pipelines.batch_inference import Shard, score_file

    with user_errors():
        settings = load_config(config)
        check_output_file(output_path)
        with about("--input"):
            reader = BatchReader(input_path)
        with about("--output"):
            writer = BatchWriter(output_path)
        with about("--shard-index"):
            shard = Shard(shard_index, shard_count)
    with (
        user_errors(),
        Progress(
            SpinnerColumn(),
            TextColumn("Scoring"),
            BarColumn(bar_width=None),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=console,
            transient=True,  # the summary line replaces it; an error leaves no half bar
            disable=not console.is_terminal,  # nothing in a log or a pipe
        ) as progress,
    ):
        task = progress.add_task("score", total=None)
        result = score_file(
            reader,
            writer,
            settings.paths.models_dir,
            chunk_size or settings.predict.chunk_size,
            on_rows=lambda rows: progress.update(task, completed=rows),
            shard=shard,
            explain=explain,
        )
    where = f" (shard {shard.index} of {shard.count})" if shard.count > 1 else ""
    console.print(
        f"Scored {result.rows:,} rows{where} with model {result.model_version} into {result.output}"
    )


@monitor_app.command("drift")
def monitor_drift(
    reference: Annotated[
        Path, typer.Option(help="Raw-format CSV the model is known to work on (e.g. training).")
    ],
    current: Annotated[
        Path,
        typer.Option(help="Raw-format CSV of recent customers, or the service's score logs."),
    ],
    out: Annotated[
        Path | None, typer.Option(help="Folder for summary.json and report.html.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Compare current customers with a reference set; exit 3 when drift is detected."""
    from .pipelines.drift_check import run_drift_check

    with user_errors():
        check = run_drift_check(load_config(config), reference, current, out)
    table = Table(title="Drift by column")
    for column in ("column", "score", "threshold", "drift"):
        table.add_column(column, justify="left" if column == "column" else "right")
    entries = dict(check.summary["features"])
    if "skipped" not in check.summary["prediction"]:
        entries["churn_probability"] = check.summary["prediction"]
    for name, entry in entries.items():
        flag = "[bold red]yes[/]" if entry["drift"] else "no"
        table.add_row(name, f"{entry['score']:.4f}", f"{entry['threshold']:g}", flag)
    console.print(table)
    verdict = "[bold red]Drift detected[/]" if check.drift_detected else "No drift detected"
    console.print(f"{verdict}; summary in {check.summary_path}, report in {check.report_path}")
    if check.drift_detected:
        raise typer.Exit(code=DRIFT_EXIT_CODE)


def _listen_problem(host: str, port: int) -> str | None:
    """Return why ``host:port`` cannot be listened on (in use, unknown host), else None.

    Checked before the server starts, so a busy port or a bad host is one line, not a log.
    """
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind
            probe.bind((host, port))
    except OSError as error:  # socket.gaierror included: a host name that does not resolve
        return f"cannot listen on {host}:{port}: {error.strerror or error}"
    return None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address (default: serving.host).")] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="Port (default: serving.port).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: serving.workers).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Serve the HTTP prediction API with Granian (settings: the serving section, CHURN_*)."""
    import os
    import tempfile

    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    from .config import CONFIG_FILE_ENV, env_name
    from .files import check_writable_dir

    with user_errors():
        loaded = load_config(config)
        if loaded.serving.score_log_dir is not None:  # each worker opens it: say it once, here
            check_writable_dir(loaded.serving.score_log_dir, "serving.score_log_dir")
    given = {"host": host, "port": port, "workers": workers}
    options = {k: v for k, v in given.items() if v is not None}
    settings = loaded.serving.model_copy(update=options)
    problem = _listen_problem(settings.host, settings.port)
    if problem is not None:
        raise fail(problem)
    # Each worker builds the app from the settings file and the environment: pass them on.
    for name, value in options.items():
        os.environ[env_name(("serving", name))] = str(value)
    if config is not None:
        os.environ[CONFIG_FILE_ENV] = str(config.resolve())
    if settings.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # One /metrics for all workers; set before prometheus_client is imported (below):
        # it chooses its multiprocess mode then.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="churn-metrics-")
    from .logs import logging_config

    Granian(
        f"{__package__}.serving.app:create_app",
        factory=True,
        interface=Interfaces.ASGI,
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        backpressure=settings.backpressure,
        http1_settings=HTTP1Settings(
            header_read_timeout=round(settings.header_timeout * 1000),
            max_buffer_size=settings.max_header_bytes,
        ),
        log_level=LogLevels(settings.log_level),
        log_dictconfig=logging_config(settings.log_level),
        log_access=False,  # the app writes its own JSON access log, with request ids
    ).serve()
