"""Command-line interface: a thin layer of options over the library functions."""

from __future__ import annotations

import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import click

from ingest import build as pipeline
from ingest import parallel, preflight, store, variants
from ingest.normalise import normalise as normalise_text
from ingest.read import DEFAULT_MAX_BYTES, iter_unread


@click.group()
@click.version_option()
def cli() -> None:
    """Salvage real news articles from Chinese SEO-spam pages into a SQLite archive."""


@cli.command()
@click.argument("db_path", metavar="DB", type=click.Path(path_type=Path))
@click.argument("corpus", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Start from an empty database.")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Pages larger than this are recorded as errors, not read.",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=preflight.DEFAULT_LOCK_TIMEOUT,
    show_default=True,
    help="Seconds to wait for another writer to release the database before giving up.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="number of cores",
    help="Worker processes finding and normalising articles (one process writes).",
)
@click.option(
    "--commit-seconds",
    type=click.FloatRange(min=0),
    default=pipeline.COMMIT_SECONDS,
    show_default=True,
    help="Commit at least this often (and every 200 pages), so readers see pages come in; "
    "longer batches ingest faster.",
)
def build(
    db_path: Path,
    corpus: tuple[Path, ...],
    rebuild: bool,
    max_bytes: int,
    lock_timeout: float,
    jobs: int,
    commit_seconds: float,
) -> None:
    """Ingest every page under CORPUS (directories, page files, .jsonl[.gz]) into DB."""
    try:
        preflight.check_corpus(list(corpus))
        preflight.check_database(db_path, lock_timeout)
        if rebuild:
            preflight.remove_archive(db_path, lock_timeout)
        summary = run_build(db_path, list(corpus), max_bytes, lock_timeout, jobs, commit_seconds)
    except (preflight.UserError, store.NotAnArchiveError, parallel.WorkerDied) as e:
        raise click.ClickException(str(e)) from e
    except sqlite3.DatabaseError as e:
        raise click.ClickException(preflight.database_error(db_path, e, lock_timeout)) from e
    click.echo(summary.line())


def run_build(
    db_path: Path,
    corpus: list[Path],
    max_bytes: int,
    lock_timeout: float,
    jobs: int = 1,
    commit_seconds: float = pipeline.COMMIT_SECONDS,
) -> pipeline.Summary:
    """Ingest the corpus into the database, with a progress bar on a terminal."""
    db = store.open_db(str(db_path), timeout=lock_timeout)
    try:
        pages = iter_unread(corpus, max_bytes=max_bytes, skip=preflight.own_files(db_path))
        options = {"corpus": [str(path) for path in corpus], "jobs": jobs}
        options["commit_seconds"] = commit_seconds
        if sys.stderr.isatty():
            with click.progressbar(length=0, label="pages", file=sys.stderr) as bar:
                return pipeline.build(db, pages, lambda _: bar.update(1), **options)
        return pipeline.build(db, pages, **options)
    finally:
        db.close()


@cli.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Also apply the substitutions learnt in this archive.",
)
def normalise(db_path: str | None) -> None:
    """Normalise text on stdin to standard Simplified Chinese, on stdout."""
    fold = None
    if db_path:
        with closing(sqlite3.connect(f"file:{quote(db_path)}?mode=ro", uri=True)) as conn:
            try:
                fold = variants.archive_fold(conn)
            except sqlite3.DatabaseError as e:
                raise click.ClickException(f"{db_path}: {e}") from e
    click.echo(normalise_text(sys.stdin.read(), fold=fold), nl=False)
