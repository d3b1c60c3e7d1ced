"""Datasette plugin: Chinese search, SQL helpers and the archive's metadata.

Registered through the ``datasette`` entry point in ``pyproject.toml``, so that plain
``datasette archive.db`` in the project's environment has it without flags.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from functools import lru_cache
from pathlib import Path

import yaml
from datasette import hookimpl
from jinja2 import BaseLoader, ChoiceLoader, TemplateNotFound

from ingest.normalise import normalise
from ingest.search import fts_query, snippet

METADATA_PATH = Path(__file__).resolve().parent.parent / "metadata.yml"
TEMPLATES = Path(__file__).resolve().parent / "templates"
# Our pages for Datasette's per-table template names, whatever the database is called.
PAGES = {
    r"row-.+-articles\.html": "article.html",
    r"table-.+-articles\.html": "articles_table.html",
}
# Settings for big tables. Facet suggestions run a query per column on every table page (a
# table page still computes the facets metadata.yml lists or the URL asks for); table and
# query pages show the start of long texts (an article's page, JSON and CSV have all of it).
SETTINGS = {"suggest_facets": False, "truncate_cells_html": 400}


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
    "normalise": _text_function(normalise),
}


def _snippet(text, query):
    return None if text is None else snippet(str(text), "" if query is None else str(query))


@hookimpl(trylast=True)
def prepare_connection(conn) -> None:
    """SQL functions; ``escape_fts`` replaces Datasette's own, so ``?_search=`` finds words.

    ``trylast`` makes this run after Datasette's built-in registration, so ours wins.
    """
    for name, function in SQL_FUNCTIONS.items():
        conn.create_function(name, 1, function, deterministic=True)
    conn.create_function("cjk_snippet", 2, _snippet, deterministic=True)


@hookimpl
def get_metadata(datasette, key, database, table) -> dict:
    """The archive's metadata, applied to every database served, when ``-m`` is not given."""
    metadata = archive_metadata()
    if not metadata:
        return {}
    template = next(iter((metadata.get("databases") or {}).values()), {})
    names = [name for name in datasette.databases if not name.startswith("_")]
    return {**metadata, "databases": {name: template for name in names}}


@hookimpl
def startup(datasette) -> None:
    """Apply ``SETTINGS`` wherever a setting is still at Datasette's default.

    Datasette 0.65 has no hook for settings; they live in ``datasette._settings``, which
    ``--setting`` fills before startup, so a value given there other than the default wins.
    """
    from datasette.app import DEFAULT_SETTINGS  # here: datasette.app imports this plugin

    for key, value in SETTINGS.items():
        if datasette.setting(key) == DEFAULT_SETTINGS[key]:
            datasette._settings[key] = value


class PageLoader(BaseLoader):
    """Our templates under the names Datasette looks for (see ``PAGES``)."""

    def get_source(self, environment, template):
        name = next((PAGES[p] for p in PAGES if re.fullmatch(p, template)), None)
        if name is None:
            raise TemplateNotFound(template)
        path = TEMPLATES / name
        mtime = path.stat().st_mtime
        return path.read_text(encoding="utf-8"), str(path), lambda: path.stat().st_mtime == mtime

    def list_templates(self) -> list[str]:
        return []


@hookimpl
def prepare_jinja2_environment(env) -> None:
    """Add our pages after Datasette's own loaders: a template of the same name in
    ``--template-dir`` still wins."""
    env.loader = ChoiceLoader([env.loader, PageLoader()])


COPIES_SQL = """select o.id, o.source_id, s.path, s.site, o.script, o.coverage, o.partial,
    o.injected_bylines
from article_occurrences o join sources s on s.id = o.source_id
where o.article_id = ? order by o.source_id, o.position"""


def listed(value: str | None, separator: str = "、") -> str | None:
    """A JSON array column as text: ["张三", "李四"] → 张三、李四."""
    return separator.join(json.loads(value)) if value else None


def article_metadata(article: dict, table_url: str) -> list[tuple[str, str, str | None]]:
    """(label, text, link) for each metadata field the article has, for its page."""

    get = article.get
    publication = get("publication")
    link = publication and f"{table_url}?{urllib.parse.urlencode({'publication': publication})}"
    dateline = " ".join(filter(None, [get("dateline_place"), get("dateline_date")]))
    fields = [
        ("Authors", listed(get("authors")), None),
        ("Editors", listed(get("editors")), None),
        ("Publication", publication, link),
        ("Published", get("published"), None),
        ("Dateline", dateline, None),
        ("Column", get("column_label"), None),
        ("Copies", str(get("occurrence_count")), None),
        ("Copies with injected bylines", get("injected_copies"), None),
    ]
    return [(label, text, href) for label, text, href in fields if text]


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    """On an article's row page: the article, its metadata and its copies with their pages."""
    if view_name != "row" or table != "articles":
        return {}

    async def article_vars() -> dict:
        pk = request.url_vars.get("pks", "")
        db = datasette.get_database(database)
        ours = {"title", "body", "occurrence_count"} <= set(await db.table_columns(table))
        if not (pk.isdigit() and ours and await db.table_exists("article_occurrences")):
            return {}
        rows = (await db.execute("select * from articles where id = ?", [int(pk)])).rows
        if not rows:
            return {}
        article = dict(rows[0])
        copies = await db.execute(COPIES_SQL, [article["id"]])
        table_url = datasette.urls.table(database, table)
        return {
            "article": article,
            "article_metadata": article_metadata(article, table_url),
            "article_copies": [
                {**row, "injected_bylines": listed(row["injected_bylines"], " · ")}
                for row in map(dict, copies.rows)
            ],
        }

    return article_vars
