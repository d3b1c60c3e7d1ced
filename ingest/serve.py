"""Datasette plugin: Chinese search, SQL helpers and the archive's metadata.

Registered through the ``datasette`` entry point in ``pyproject.toml``, so that plain
``datasette archive.db`` in the project's environment has it without flags.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from datasette import hookimpl

from ingest.normalise import normalise
from ingest.search import fts_query, spaced

METADATA_PATH = Path(__file__).resolve().parent.parent / "metadata.yml"


@lru_cache(maxsize=1)
def archive_metadata() -> dict:
    """The project's ``metadata.yml``, or nothing when it is not beside the package."""
    if not METADATA_PATH.exists():
        return {}
    return yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8")) or {}


def _text_function(function):
    """A one-argument SQL function that passes NULL through."""
    return lambda value: None if value is None else function(str(value))


SQL_FUNCTIONS = {
    "escape_fts": _text_function(fts_query),
    "cjk_query": _text_function(fts_query),
    "cjk_spaced": _text_function(spaced),
    "normalise": _text_function(normalise),
}


@hookimpl(trylast=True)
def prepare_connection(conn) -> None:
    """SQL functions; ``escape_fts`` replaces Datasette's own, so ``?_search=`` finds words.

    ``trylast`` makes this run after Datasette's built-in registration, so ours wins.
    """
    for name, function in SQL_FUNCTIONS.items():
        conn.create_function(name, 1, function, deterministic=True)


@hookimpl
def get_metadata(datasette, key, database, table) -> dict:
    """The archive's metadata, applied to every database served, when ``-m`` is not given."""
    metadata = archive_metadata()
    if not metadata:
        return {}
    template = next(iter((metadata.get("databases") or {}).values()), {})
    names = [name for name in datasette.databases if not name.startswith("_")]
    return {**metadata, "databases": {name: template for name in names}}
