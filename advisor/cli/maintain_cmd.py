"""`advisor catalog import` and `advisor catalog lint`: keep the catalog current and sound.

`import` reads a public catalog (LiteLLM, models.dev, OpenRouter), compares it with a catalog
folder and shows the changes; it writes only with `--apply`, and a value whose source is not
the importer's own changes only when accepted. `lint` reports stale, suspicious and
conflicting data, one `PATH:LINE:COL` line each.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from advisor import home, units
from advisor.cli.base import extra_layers, print_json
from advisor.cli.catalog_cmd import catalog
from advisor.cli.checks import Finite
from advisor.maintain.imports import (
    SOURCES,
    ImportPlan,
    ImportRequest,
    default_directory,
    plan_import,
    selection,
    source_file,
    write_import,
)
from advisor.present.catalog import problem_lines
from advisor.present.imports import (
    change_lines,
    changeset_json,
    counts,
    skipped_reasons,
    source_line,
)
from catalog import InputError
from catalog.cache import load_catalog_cached
from catalog.importers import Snapshot, live, read_snapshot
from catalog.lint import LintConfig, lint_catalog
from catalog.routes import PRICE_TOLERANCE


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from None


@catalog.command("import")
@click.argument("source", type=click.Choice(SOURCES))
@click.option(
    "--from",
    "from_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The source file (default: litellm the installed package's price map; models.dev "
    "and openrouter their live API, cached per day).",
)
@click.option(
    "--provider",
    "providers",
    multiple=True,
    help="Import only this provider (our id or the source's; repeatable).",
)
@click.option(
    "-o",
    "--output",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="The catalog folder to update (default: the bundled catalog).",
)
@click.option("--apply", "apply_", is_flag=True, help="Write the selected changes.")
@click.option(
    "--accept",
    multiple=True,
    metavar="ID",
    help="Also apply a held change: KEY#BLOCK, an offering KEY, or 'all' (repeatable).",
)
@click.option("--reject", multiple=True, metavar="ID", help="Do not apply this change.")
@click.option("--no-new", is_flag=True, help="Only update offerings already in the folder.")
@click.option(
    "--only",
    multiple=True,
    metavar="PATTERN",
    help="Only offerings whose key matches this shell pattern, e.g. 'azure/gpt-5*' (repeatable).",
)
@click.option("--review", is_flag=True, help="Review and apply the changes in the TUI.")
@click.option(
    "--source-version",
    help="The source's version or snapshot name for refs (default: from the file).",
)
@click.option(
    "--source-date",
    callback=_date,
    help="The date the source file was taken, YYYY-MM-DD (default: from the file).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the change set as JSON.")
@click.pass_context
def import_(
    ctx: click.Context,
    source: str,
    from_file: Path | None,
    providers: tuple[str, ...],
    directory: Path | None,
    apply_: bool,
    accept: tuple[str, ...],
    reject: tuple[str, ...],
    no_new: bool,
    only: tuple[str, ...],
    review: bool,
    source_version: str | None,
    source_date: dt.date | None,
    as_json: bool,
) -> None:
    """Propose catalog updates from SOURCE (litellm, models.dev or openrouter).

    Shows the changes per offering: new offerings, changed limits and prices, new
    deprecations. Nothing is written without --apply. A block whose source is not this
    importer's (edited by hand, or from another source) is held: it changes only with
    --accept KEY#BLOCK. Every written value names the source, its version and the import date.
    """
    request = ImportRequest(
        source=source,
        directory=directory or default_directory(),
        layers=home.catalog_layers(extra_layers(ctx)),
        today=dt.date.today(),
        file=from_file,
        providers=providers,
        include_new=not no_new,
        only=only,
        version=source_version,
        date=source_date,
    )
    plan = plan_import(request)
    chosen = selection(plan, accept, reject)
    if plan.fetched is not None:
        _say_fetched(plan.fetched)
    if review:
        _review(ctx, plan)
        return
    written = _write(ctx, plan, chosen) if apply_ else []
    if as_json:
        print_json({**changeset_json(plan.changes, chosen), "written": [str(p) for p in written]})
        return
    _print_plan(plan, chosen)
    if apply_:
        files = len(written)
        click.echo(
            f"\nwrote {len(chosen):,} changes to {files} file{'' if files == 1 else 's'}"
            + "".join(f"\n  {p}" for p in written)
        )
    elif chosen:
        click.echo(f"\nnothing written: --apply writes the {len(chosen):,} accepted changes")


def _say_fetched(fetched: live.Fetched) -> None:
    """Where a live source came from, on stderr (stdout may be JSON)."""
    if fetched.offline_reason:
        click.echo(
            f"offline: {fetched.offline_reason}; using the copy of {fetched.day} in {fetched.path}",
            err=True,
        )
    else:
        how = "cached copy of today" if fetched.cached else "fetched"
        click.echo(f"{fetched.url}: {how}, {fetched.path}", err=True)


def _print_plan(plan: ImportPlan, chosen: frozenset[str]) -> None:
    changes = plan.changes
    click.echo(source_line(changes))
    skipped = len(changes.skipped)
    click.echo(
        f"{changes.entries:,} entries, {changes.read:,} offerings read; "
        f"{skipped:,} not imported{':' if skipped else ''}"
    )
    for line in skipped_reasons(changes.skipped):
        click.echo(line)
    click.echo("")
    for line in change_lines(changes, chosen):
        click.echo(line)
    if changes.gone:
        click.echo(f"\nno longer in the source ({len(changes.gone)}), check whether they retired:")
        for key in changes.gone:
            click.echo(f"  {key}")
    if changes.providers:
        click.echo(f"\nnew provider files: {', '.join(sorted(changes.providers))}")
    click.echo(f"\n{counts(changes, chosen)}")


def _write(ctx: click.Context, plan: ImportPlan, chosen: frozenset[str]) -> list[Path]:
    try:
        return write_import(plan, chosen)
    except InputError as error:
        click.echo(
            "advisor: nothing written: the chosen changes would make the catalog invalid "
            "(reject them, or fix the catalog first):",
            err=True,
        )
        for line in problem_lines(error.problems):
            click.echo(line, err=True)
        ctx.exit(2)


def _review(ctx: click.Context, plan: ImportPlan) -> None:
    from advisor.tui.app import AdvisorApp  # Textual loads only when the UI opens
    from advisor.tui.screens.import_review import ImportReviewScreen

    app = AdvisorApp(catalog=home.load_catalog(extra_layers(ctx)), screen="import-review")
    app.add_mode("import-review", lambda: ImportReviewScreen(lambda: plan, write_import))
    app.run()


@catalog.command()
@click.argument(
    "paths_", metavar="[PATH]...", nargs=-1, type=click.Path(exists=True, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option(
    "--max-age",
    type=click.IntRange(min=0),
    default=90,
    show_default=True,
    help="Days after which a checked figure is stale.",
)
@click.option(
    "--threshold",
    type=Finite(min=0),
    default=10.0,
    show_default=True,
    help="Percent by which a figure may differ from a --compare source.",
)
@click.option(
    "--compare",
    "compare",
    multiple=True,
    metavar="SOURCE[=FILE]",
    help="Compare prices and limits with a source (litellm, models.dev[=FILE], "
    "openrouter[=FILE]; without FILE the live API, cached per day).",
)
@click.option(
    "--route-tolerance",
    type=click.FloatRange(min=0),
    default=PRICE_TOLERANCE * 100,
    show_default=True,
    help="Percent by which a route's price may differ from its lab's own offering.",
)
@click.option("--today", callback=_date, help="Judge dates as of YYYY-MM-DD (default: today).")
@click.pass_context
def lint(
    ctx: click.Context,
    paths_: tuple[Path, ...],
    as_json: bool,
    max_age: int,
    threshold: float,
    compare: tuple[str, ...],
    route_tolerance: float,
    today: dt.date | None,
) -> None:
    """Report stale, suspicious and conflicting catalog data, one PATH:LINE:COL line each:
    figures checked more than --max-age days ago, output limits equal to the context window,
    disagreements with --compare sources (a source's input cap is compared with ours, not the
    window), deprecated or retired offerings without a successor or with a retired one,
    lifecycles without a source, prices above sanity ceilings, routes priced unlike their
    lab's own offering by more than --route-tolerance.

    With PATHs, only the offerings in those files or folders are linted (on top of the
    catalog). Exit status 0 with warnings only, 2 with errors.
    """
    day = today or dt.date.today()
    layers = [*home.catalog_layers(extra_layers(ctx)), *paths_]
    references = [_reference(spec, day) for spec in compare]
    try:
        loaded = load_catalog_cached(layers, home.cache_dir())
    except InputError as error:
        if not as_json:
            raise  # one line per problem, exit status 2, like every command
        problems = error.problems
        errors = sum(1 for p in problems if p.severity == "error")
        print_json(
            {
                "errors": errors,
                "warnings": len(problems) - errors,
                "compared_with": [],
                "problems": [p.as_dict() for p in problems],
            }
        )
        ctx.exit(2)
    config = LintConfig(
        today=day,
        max_age_days=max_age,
        disagreement=threshold / 100,
        route_tolerance=route_tolerance / 100,
    )
    only = {p.resolve() for p in paths_}
    problems = [
        p
        for p in lint_catalog(loaded, config, references)
        if not only or _within(Path(p.path), only)
    ]
    errors = sum(1 for p in problems if p.severity == "error")
    if as_json:
        print_json(
            {
                "errors": errors,
                "warnings": len(problems) - errors,
                "compared_with": [f"{r.info.importer} {r.info.version}" for r in references],
                "problems": [p.as_dict() for p in problems],
            }
        )
    else:
        for line in problem_lines(problems):
            click.echo(line)
        compared = ", ".join(f"{r.info.importer} {r.info.version}" for r in references)
        warnings = len(problems) - errors
        click.echo(
            f"{errors} error{'' if errors == 1 else 's'}, "
            f"{warnings} warning{'' if warnings == 1 else 's'} in {units.count(len(loaded.offerings), 'offering')}"
            + (f"; compared with {compared}" if compared else "; no --compare source"),
            err=True,
        )
    if errors:
        ctx.exit(2)


def _within(path: Path, roots: set[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved == root or root in resolved.parents for root in roots)


def _reference(spec: str, today: dt.date) -> Snapshot:
    source, _, file = spec.partition("=")
    if source not in SOURCES:
        raise click.BadParameter(
            f"unknown source {source!r}: use {', '.join(SOURCES)}", param_hint="--compare"
        )
    fetched = None
    if not file and source in live.URLS:
        fetched = live.fetch(source, home.cache_dir() / "sources", today=today)
        _say_fetched(fetched)
    path = fetched.path if fetched else source_file(source, Path(file) if file else None)
    return read_snapshot(source, path, imported=today, date=fetched.day if fetched else None)
