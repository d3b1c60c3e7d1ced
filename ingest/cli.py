"""Command-line interface: a thin layer of options over the library functions."""

from __future__ import annotations

import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import click

from ingest import build as pipeline
from ingest import store, variants
from ingest.normalise import normalise as normalise_text
from ingest.read import DEFAULT_MAX_BYTES, iter_pages


@click.group()
@click.version_option()
def cli() -> None:
    """Salvage real news articles from Chinese SEO-spam pages into a SQLite archive."""


@cli.command()
@click.argument("db_path", metavar="DB", type=click.Path(dir_okay=False))
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--rebuild", is_flag=True, help="Start from an empty database.")
@click.option(
    "--max-bytes",
    type=int,
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Pages larger than this are recorded as errors, not read.",
)
def build(db_path: str, corpus: tuple[Path, ...], rebuild: bool, max_bytes: int) -> None:
    """Ingest every page under CORPUS (directories, page files, .jsonl[.gz]) into DB."""
    target = Path(db_path)
    if rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(db_path + suffix).unlink(missing_ok=True)
    db = store.open_db(str(target))
    try:
        store.ensure_schema(db)
    except store.NotAnArchiveError as e:
        raise click.ClickException(f"{db_path}: {e}") from e
    pages = iter_pages(list(corpus), max_bytes=max_bytes)
    if sys.stderr.isatty():
        with click.progressbar(length=0, label="pages", file=sys.stderr) as bar:
            summary = pipeline.build(db, pages, on_page=lambda _: bar.update(1))
    else:
        summary = pipeline.build(db, pages)
    db.close()
    click.echo(summary.line())


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
