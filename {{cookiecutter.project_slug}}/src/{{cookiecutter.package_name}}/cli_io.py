"""What every CLI command shares: the consoles, one-line errors, common options, tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .errors import ChurnError, DataError

#: A message stays on one line however narrow the terminal (or 80 columns in a pipe), so
#: scripts can read the paths in it; tables still fit the width.
console = Console(soft_wrap=True)
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


def fail(message: str) -> typer.Exit:
    """Print ``message`` as one error line on stderr and return the exit to raise (code 1)."""
    error_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn an expected error into one line on stderr and exit code 1 (no traceback).

    An ``OSError`` (a full disk, a permission, a vanished file) is the machine's answer to
    the user's paths, and a ``MemoryError`` to the sizes asked for (``--rows 10**14``), so
    each is one line too.
    """
    try:
        yield
    except ChurnError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        raise fail(f"{exc.strerror or exc}{where}") from None
    except MemoryError as exc:
        raise fail(f"not enough memory: {' '.join(str(exc).split()) or 'MemoryError'}") from None


@contextmanager
def about(option: str) -> Iterator[None]:
    """Prefix the option's name to a data error raised in the block (the error names the path)."""
    try:
        yield
    except DataError as exc:
        raise DataError(f"{option} {exc}") from None


@contextmanager
def steps() -> Iterator[Callable[[str], None]]:
    """Show a spinner with the current step; yield the function that names the next step."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("Starting", total=None)
        yield lambda description: progress.update(task, description=description)
        progress.update(task, description="Done")


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "" if value is None else str(value)


def metrics_table(title: str, metrics: Mapping[str, float | int]) -> Table:
    """Return a two-column table of metric names and values."""
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metrics.items():
        table.add_row(name, _cell(value))
    return table


def side_by_side(
    title: str,
    columns: Mapping[str, tuple[str, Mapping[str, float | int] | None]],
    highlight: str = "",
    gains: Mapping[str, tuple[float, float]] | None = None,
) -> Table:
    """Return one row per metric and one column per model: header -> (model name, metrics).

    The first row names each model; ``*`` marks the ``highlight`` metric (the gate's).
    ``gains`` adds each metric's 95% interval of the last model's gain over the first.
    """
    table = Table(title=title, caption=f"* the gate's metric ({highlight})" if highlight else None)
    names = [name for _, metrics in columns.values() if metrics for name in metrics]
    width = max(len(name) for name in ["model", *names]) + 2
    table.add_column("metric", no_wrap=True, min_width=width)
    for header in columns:
        table.add_column(header, justify="right", overflow="fold")
    if gains:
        table.add_column("gain, 95% interval", justify="right", no_wrap=True)
    table.add_row("model", *(name for name, _ in columns.values()), *([""] if gains else []))
    for metric in dict.fromkeys(names):
        cells = [_cell((metrics or {}).get(metric)) for _, metrics in columns.values()]
        if gains:
            low, high = gains.get(metric, (None, None))
            cells.append(f"[{low:+.4f}, {high:+.4f}]" if low is not None else "")
        table.add_row(f"{metric} *" if metric == highlight else metric, *cells)
    return table
