"""The model-lifecycle commands: `models list|show|history|compare|prune`, `promote`, `rollback`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table

from .cli_io import ConfigOption, console, fail, side_by_side, user_errors
from .config import Config, load_config

if TYPE_CHECKING:
    from .pipelines.lifecycle import Comparison, Promotion

models_app = typer.Typer(
    help="List and compare the published model versions.", no_args_is_help=True
)
#: Metrics shown in `models list` (narrow enough for 80 columns), in this order.
LIST_METRICS = ("roc_auc", "pr_auc")


def comparison_table(comparison: Comparison, headers: tuple[str, str]) -> Table:
    """Return the baseline's and the candidate's metrics and the candidate's gain, per metric.

    The gate's row is starred; a gain is the 95% interval of how much better the candidate
    scores (positive is better, for the metrics where lower is better too).
    """
    columns = {
        headers[0]: (str(comparison.baseline), comparison.baseline_metrics),
        headers[1]: (comparison.candidate, comparison.candidate_metrics),
    }
    title = f"Scored on {comparison.data}"
    return side_by_side(title, columns, comparison.gate.metric, comparison.gains)


def report_promotion(promotion: Promotion) -> None:
    """Print the comparison and what happened; exit 1 if the gate refused the candidate."""
    comparison = promotion.comparison
    if comparison.baseline is not None:
        console.print(comparison_table(comparison, ("production", "candidate")))
    if not promotion.promoted:
        raise fail(f"not promoted: {comparison.verdict}")
    forced = "" if comparison.passed else " (forced: the gate refused it)"
    console.print(f"{comparison.verdict}\n{comparison.candidate} is production now{forced}")


def run_promotion(
    settings: Config,
    version: str | None,
    data: Path | None,
    force: bool,
    reason: str | None,
) -> Promotion:
    """Gate and promote with the project's tracker (one-line errors, no traceback)."""
    from .pipelines.lifecycle import promote as gate_and_promote
    from .pipelines.tracking import make_tracker

    with user_errors():
        return gate_and_promote(
            settings, version, data, force=force, reason=reason, tracker=make_tracker()
        )


def promote(
    version: Annotated[
        str | None, typer.Argument(help="Version to promote (default: the newest).")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Labelled raw-format CSV (default: the candidate's hold-out set)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Promote even if the gate refuses (needs --reason).")
    ] = False,
    reason: Annotated[str | None, typer.Option(help="Why: recorded in the history.")] = None,
    config: ConfigOption = None,
) -> None:
    """Score a candidate and production on the same data; promote it if the gate passes."""
    with user_errors():
        settings = load_config(config)
    report_promotion(run_promotion(settings, version, data, force, reason))


def rollback(
    reason: Annotated[str | None, typer.Option(help="Why: recorded in the history.")] = None,
    config: ConfigOption = None,
) -> None:
    """Return production to the version that was production before the current one."""
    from .pipelines.lifecycle import roll_back
    from .pipelines.tracking import make_tracker

    with user_errors():
        record = roll_back(load_config(config), reason, make_tracker())
    console.print(f"Rolled back from {record['previous']}: {record['version']} is production now")


@models_app.command("list")
def list_versions(config: ConfigOption = None) -> None:
    """Show every version with its hold-out metrics; production is marked."""
    from .pipelines.lifecycle import version_summaries
    from .registry.store import production_version

    with user_errors():
        settings = load_config(config)
        models_dir = settings.paths.models_dir
        production = production_version(models_dir)
        summaries = version_summaries(models_dir)
    if not summaries:
        raise fail(f"no model versions in {models_dir}/; run train first")
    table = Table(
        title=f"Model versions in {models_dir}/ (hold-out metrics)",
        caption="* production; `models show VERSION` for the details",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("", min_width=1)
    table.add_column("version", no_wrap=True, min_width=25)
    table.add_column("estimator", no_wrap=True)
    table.add_column("threshold", justify="right", no_wrap=True)
    for name in LIST_METRICS:
        table.add_column(name, justify="right", no_wrap=True)
    problems = []
    for summary in summaries:
        mark = "*" if summary["version"] == production else ""
        if "problem" in summary:
            table.add_row(mark, summary["version"], "", "", "[red]broken[/]")
            problems.append(f"{summary['version']} cannot be loaded: {summary['problem']}")
            continue
        metrics = summary["metrics"]
        values = [f"{metrics[name]:.4f}" if name in metrics else "" for name in LIST_METRICS]
        model = (summary["estimator"], f"{summary['threshold']:.3f}")
        table.add_row(mark, summary["version"], *model, *values)
    console.print(table)
    for problem in problems:
        console.print(f"[red]{problem}[/]", highlight=False, soft_wrap=True)
    console.print(f"production: {production}")
    # Production is what serve, predict and evaluate load: a script checking the store must
    # see it fail (exit 1), where a broken older version is only listed.
    listed = {summary["version"]: summary for summary in summaries}
    if production is None:
        raise fail(
            f"no production version: {models_dir}/production.json is missing; "
            "`promote VERSION` names one"
        )
    if production not in listed:
        raise fail(
            f"production names {production}, which is not in {models_dir}/versions/ (a clone: "
            "fetch it, e.g. `dvc pull`; or `promote VERSION --force --reason ...` one you have)"
        )
    if "problem" in listed[production]:
        raise fail(f"the production version {production} cannot be loaded (see above)")


@models_app.command("show")
def show(
    version: Annotated[str | None, typer.Argument(help="Version (default: production).")] = None,
    config: ConfigOption = None,
) -> None:
    """Check a version's files against its manifest and print its model card."""
    from rich.markdown import Markdown

    from .pipelines.lifecycle import load_problem
    from .registry.manifest import verify_all
    from .registry.store import MODEL_CARD_FILE, production_dir, version_dir

    with user_errors():
        models_dir = load_config(config).paths.models_dir
        folder = version_dir(models_dir, version) if version else production_dir(models_dir)
        problems = verify_all(folder)
        if not problems and (problem := load_problem(folder)):
            problems.append(problem)
        card = (folder / MODEL_CARD_FILE).read_text(encoding="utf-8")
    console.print(Markdown(card), soft_wrap=False)  # wrapped, not cut at the width
    if problems:
        raise fail(f"{folder.name} cannot be loaded: {'; '.join(problems)}")
    console.print(f"{folder}: every file matches manifest.json and the model loads")


@models_app.command("history")
def history(config: ConfigOption = None) -> None:
    """Show every change of the production version, oldest first: when, what, who and why."""
    from .registry.store import read_history

    with user_errors():
        settings = load_config(config)
        events = read_history(settings.paths.models_dir)
    if not events:
        raise fail(f"no production history in {settings.paths.models_dir}/; run train first")
    for event in events:
        was = f" (was {event['previous']})" if event.get("previous") else ""
        console.print(
            f"{event.get('at')}  {event.get('event'):<8} {event.get('version')}{was}  "
            f"by {event.get('user')}: {event.get('reason') or ''}",
            highlight=False,
            soft_wrap=True,
        )


@models_app.command("prune")
def prune(
    keep: Annotated[int, typer.Option(min=1, help="Newest versions to keep.")] = 5,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only print what would be removed.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Remove old versions; production and the one `rollback` would restore always stay."""
    from .registry.store import prune as prune_versions

    with user_errors():
        models_dir = load_config(config).paths.models_dir
        removed = prune_versions(models_dir, keep, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for name in removed:
        console.print(f"{verb} {name}", highlight=False)
    done = "would be removed" if dry_run else "removed"
    console.print(f"{len(removed)} version(s) {done} from {models_dir}/", highlight=False)


@models_app.command("compare")
def compare(
    baseline: Annotated[
        str, typer.Argument(help="Accepted model: a version, `production`, or a metrics.json.")
    ],
    current: Annotated[
        str, typer.Argument(help="New model: a version, `production`, or a metrics.json (CI).")
    ] = "reports/metrics.json",
    data: Annotated[
        Path | None,
        typer.Option(
            help="Labelled raw CSV both versions score (default: the new one's hold-out)."
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Gate a new model against an accepted one; exit 1 if the new one is worse.

    Two versions are scored on the same labelled rows; two ``metrics.json`` files (a pull
    request's against its base, in CI) are compared as they are.
    """
    from .pipelines.lifecycle import compare as compare_versions
    from .pipelines.lifecycle import compare_files
    from .registry.store import production_version

    with user_errors():
        settings = load_config(config)
        if baseline.endswith(".json") or current.endswith(".json"):
            comparison = compare_files(settings, Path(baseline), Path(current))
        else:
            named = {"production": production_version(settings.paths.models_dir)}
            old, new = (named.get(name) or name for name in (baseline, current))
            comparison = compare_versions(settings, new, data, baseline=old)
    console.print(comparison_table(comparison, ("accepted", "new")))
    if not comparison.passed:
        problem = "too few rows to compare" if comparison.too_few_rows else "the new model is worse"
        raise fail(f"{problem}: {comparison.verdict}")
    console.print(comparison.verdict)
