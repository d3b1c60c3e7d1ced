"""The ingest pipeline: read pages → find articles → normalise → deduplicate → store.

``process`` reads a page and, unless the archive holds it, runs ``process_page``, which is
pure (no database): both run in worker processes. ``save_page`` writes one page; ``build``
is the single writer and commits pages in batches, each whole.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from functools import partial
from itertools import islice

import sqlite_utils

from ingest import bylines, dedup, parallel, search, store, variants
from ingest.extract import Extraction, extract
from ingest.normalise import (
    Fold,
    count_changed,
    detect_script,
    han_counts,
    normalise_lines,
    script_of,
)
from ingest.read import Page, Unread, load

# Pages are committed in batches: a commit per page cost more than saving the page, and each
# commit writes out every index page its batch touched (the hashes of pages and texts are
# random keys), so larger batches write less. A batch ends after this many pages, or this
# many seconds (the default of ``commit_seconds``), so that readers see pages come in.
PAGES_PER_COMMIT = 2000
COMMIT_SECONDS = 5.0
# Pages sent to a worker at a time, and tasks in flight per worker: fewer, larger messages
# cost the writer's process less, and a window of 512 pages a worker (about two seconds of
# its work) keeps the workers busy while the writer commits a batch or indexes (see
# ingest.search). With 128 pages a worker, the workers ran out of pages in each commit
# and the two cores were half idle for a second or so.
PAGES_PER_TASK = 32
TASKS_AHEAD = 16
# A new archive learns its variant substitutions (see ingest.variants) once it holds this
# many pages, in the middle of its first build: the rest of the build normalises with them,
# and only the copies normalised before are normalised again, not every copy at the end.
LEARN_AFTER_PAGES = 1000


# The status of a page found in the archive already: skipped, never stored.
KNOWN = "known"


@dataclass
class FoundArticle:
    """One article of a page, as seen and as normalised.

    Its texts are UTF-8 bytes: the writer only stores them (or, for a tie between two
    copies, compares them, and bytes of UTF-8 order as their characters do), so they go
    from the worker to the archive never decoded. As strings, the writer decoded them out
    of the pipe and encoded them again for SQLite: 0.1 ms a page, a twentieth of its work.
    """

    position: int
    title_original: bytes
    body_original: bytes
    title: bytes
    body: bytes
    script: str
    chars: int
    chars_changed: int
    # The rare characters normalisation left in a Traditional copy (see ingest.variants).
    rare_chars: str | None
    signature: dedup.Signature
    byline: bylines.Byline = field(default_factory=bylines.Byline)


@dataclass
class PageResult:
    """Everything the writer needs to record one page."""

    page: Page
    status: str
    site: str | None = None
    script: str | None = None
    articles: list[FoundArticle] = field(default_factory=list)
    found: Extraction | None = None


@dataclass
class Summary:
    """Counts for the one-line report at the end of a build."""

    pages_read: int = 0
    pages_skipped: int = 0
    ok: int = 0
    no_articles: int = 0
    errors: int = 0
    articles_new: int = 0
    occurrences_added: int = 0

    def line(self) -> str:
        return (
            f"{self.pages_read} pages read, {self.pages_skipped} skipped (already in the archive), "
            f"{self.ok} ok, {self.no_articles} no_articles, {self.errors} errors; "
            f"{self.articles_new} articles new, {self.occurrences_added} occurrences added"
        )


def process(
    item: Unread, fold: Fold | None = None, known: store.KnownPages | None = None
) -> PageResult:
    """Read a page (in a worker: see ``build``) and, unless the archive holds it already
    (``known``), find and normalise its articles."""
    page = load(item, known)
    if page.known:
        return PageResult(page, KNOWN)
    return process_page(page, fold)


def process_page(page: Page, fold: Fold | None = None) -> PageResult:
    """Find and normalise the articles of one page (``fold``: the archive's, if any)."""
    if page.error is not None or page.text is None:
        return PageResult(page, "error")
    found = extract(page.text)
    articles = []
    page_standard = page_outside = 0
    for article in found.articles:
        body_original = article.body
        standard, outside = han_counts(article.title + "\n" + body_original)
        page_standard, page_outside = page_standard + standard, page_outside + outside
        script = script_of(standard, outside)
        if script == "simplified":  # left as it is
            title, body, dropped = article.title, body_original, article.dropped
        else:
            lines = [article.title, *article.paragraphs, *article.dropped]
            title, *normalised = normalise_lines(lines, script, fold)
            body = "\n".join(normalised[: len(article.paragraphs)])
            dropped = normalised[len(article.paragraphs) :]
        originals = article.title.encode(), body_original.encode()
        sig = dedup.signature(body)
        articles.append(
            FoundArticle(
                article.position,
                *originals,
                # A text normalisation left as it is: the same bytes, sent back once.
                originals[0] if title == article.title else title.encode(),
                originals[1] if body == body_original else body.encode(),
                script,
                sig.chars,
                count_changed(body_original, body) + count_changed(article.title, title),
                variants.rare_chars(title + body) if script == "traditional" else None,
                sig,
                bylines.parse(title, body.split("\n"), dropped, found.site),
            )
        )
    # The page's script is that of its articles' text, all together.
    script = script_of(page_standard, page_outside) if articles else detect_script(page.text)
    status = "ok" if articles else "no_articles"
    # The writer needs the page's particulars and what its template says, not its text or
    # the articles as extracted: less to send back.
    template = replace(found, articles=[])
    return PageResult(replace(page, text=None), status, found.site, script, articles, template)


def json_list(items: list[str]) -> str | None:
    """A list as a JSON array for a column (Datasette facets it), or NULL when empty."""
    return json.dumps(items, ensure_ascii=False) if items else None


def page_columns(found: Extraction | None) -> dict:
    """What the page's template lines say, as ``sources`` columns."""
    if found is None:
        return {}
    return {
        "stated_date": found.stated_date,
        "phones": json_list(found.phones),
        "domains": json_list(found.domains),
        "template": found.template,
    }


def page_contacts(found: Extraction) -> list[tuple[str, str]]:
    """The page's phone numbers, domains and template shape, as (kind, value) pairs."""
    contacts = [("phone", p) for p in found.phones] + [("domain", d) for d in found.domains]
    return contacts + ([("template", found.template)] if found.template else [])


def metadata_changes(stored: dict, found: dict, prefer_new: bool) -> dict:
    """The metadata columns another copy changes: its values win if ``prefer_new`` (it
    became the article's text), else they only fill what is still unknown."""
    changes = {}
    for column, value in found.items():
        old = stored[column]
        if prefer_new:
            merged = old if value is None else value
        else:
            merged = value if old is None else old
        if merged != old:
            changes[column] = merged
    return changes


def metadata_columns(byline: bylines.Byline) -> dict:
    """An article's metadata as ``articles`` columns (NULL where the text says nothing)."""
    return {
        "authors": json_list(byline.authors),
        "editors": json_list(byline.editors),
        "publication": byline.publication,
        "published": byline.published,
        "dateline_place": byline.dateline_place,
        "dateline_date": byline.dateline_date,
        "column_label": byline.column_label,
    }


def save_page(
    db: sqlite_utils.Database,
    result: PageResult,
    summary: Summary,
    index: dedup.BandIndex,
    run_id: int | None = None,
) -> None:
    """Write one page, its articles and occurrences, in the caller's transaction.

    ``build`` commits pages in batches, each batch whole or not at all: a transaction (or a
    savepoint) per page cost more than saving the page.
    """
    page = result.page
    source_id = store.insert_source(
        db,
        {
            "path": page.path,
            "line": page.line,
            "sha256": page.sha256,
            "bytes": page.bytes,
            "encoding": page.encoding,
            "status": result.status,
            "error": page.error,
            "site": result.site,
            "script": result.script,
            "article_count": len(result.articles),
            "url": page.url,
            "date": page.date,
            "external_id": page.external_id,
            **page_columns(result.found),
            "warning": page.warning,
            "run_id": run_id,
        },
    )
    if result.site and result.found:
        store.add_contacts(db, result.site, source_id, page_contacts(result.found))
    for article in result.articles:
        save_article(db, source_id, article, summary, index)
    summary.ok += result.status == "ok"
    summary.no_articles += result.status == "no_articles"
    summary.errors += result.status == "error"


def save_article(
    db: sqlite_utils.Database,
    source_id: int,
    article: FoundArticle,
    summary: Summary,
    index: dedup.BandIndex,
) -> None:
    """Attach a found article to the stored article it copies, or store it as new.

    The article's text is its best copy so far (``dedup.better_copy``), whatever order the
    copies arrive in; coverage and ``partial`` of its copies follow the article's length.
    ``index`` gets the bands of every signature stored.
    """
    sig = article.signature
    chars = article.chars
    match = dedup.find_article(db, sig, index)
    row = {"title": article.title, "body": article.body, "script": article.script, "chars": chars}
    metadata = metadata_columns(article.byline)
    injected = json_list(article.byline.injected)
    changes = None
    if match is None:
        article_id, version = store.insert_article(
            db,
            {
                **row,
                **metadata,
                # Its first copy counted already: add_occurrence leaves the row alone.
                "occurrence_count": 1,
                "injected_copies": int(injected is not None),
                "first_source_id": source_id,
                "last_source_id": source_id,
            },
            sig.blob(),
            sig.shingles,
        )
        index.add(article_id, sig.bands, version)
        similarity, article_chars = 1.0, chars
        summary.articles_new += 1
    else:
        article_id, similarity = match
        current, stored = store.canonical_copy(db, article_id)
        longest = max(chars, store.longest_copy(db, article_id))
        new = dedup.Copy(article.script, chars, article.body, article.title)
        better = dedup.better_copy(
            new, current, longest, lambda: store.article_body(db, article_id)
        )
        if better:
            # The text is written with the counters, in add_occurrence's UPDATE of the row.
            version = store.replace_canonical(db, article_id, None, sig.blob(), sig.shingles)
            index.add(article_id, sig.bands, version)
            store.set_coverage(db, article_id, chars)
        changes = metadata_changes(stored, metadata, prefer_new=better)
        if better:
            changes = {**row, **changes}
        article_chars = chars if better else current.chars
    share, partial = dedup.coverage(chars, article_chars)
    store.add_occurrence(
        db,
        {
            "article_id": article_id,
            "source_id": source_id,
            "position": article.position,
            "title_original": article.title_original,
            "body_original": article.body_original,
            "script": article.script,
            "chars": chars,
            "chars_changed": article.chars_changed,
            "rare_chars": article.rare_chars,
            "text_hash": sig.text_hash,
            "similarity": round(similarity, 3),
            "coverage": share,
            "partial": partial,
            "injected_bylines": injected,
        },
        changes,
        counted=match is None,
    )
    summary.occurrences_added += 1


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def build(
    db: sqlite_utils.Database,
    pages: Iterable[Unread],
    on_page: Callable[[Page], None] | None = None,
    corpus: Sequence[str] = (),
    jobs: int = 1,
    commit_seconds: float = COMMIT_SECONDS,
) -> Summary:
    """Ingest pages not yet in the archive; pages already there are skipped.

    A run that adds pages is recorded in ``runs`` (``corpus``: the paths it was given) and
    its pages point to it; a run that adds nothing writes nothing. ``jobs`` worker processes
    read the pages (``pages`` may leave them unread: ``ingest.read.iter_unread``), skip those
    the archive holds and run ``process_page``; this process is the single writer, saving in
    input order, so the archive is the same whatever ``jobs`` is. Pages are committed in
    batches (``PAGES_PER_COMMIT`` pages or ``commit_seconds``), each batch whole or not at all.
    The search index is brought up to date with the articles at the end (and on the way, a
    step a batch, while more than ``search.INDEX_BEHIND`` articles wait), and so are the
    variant substitutions (and once the archive holds ``LEARN_AFTER_PAGES`` pages).
    """
    store.ensure_schema(db)
    summary = Summary()
    index = dedup.BandIndex()
    fold = variants.archive_fold(db)
    started = now()
    run_id = None

    def fresh(results: Iterator[PageResult]) -> Iterator[PageResult]:
        """The results of pages not in the archive yet; the others are counted as skipped.

        Asked again here, in the writer's transaction: a worker does not see the pages of
        this run that are not committed yet (the same page twice in a corpus).
        """
        for result in results:
            summary.pages_read += 1
            if result.status == KNOWN or store.known_source(db, result.page.sha256):
                summary.pages_skipped += 1
                if on_page:
                    on_page(result.page)
            else:
                yield result

    def save(result: PageResult) -> None:
        nonlocal run_id
        if run_id is None:
            run_id = store.start_run(db, started, list(corpus))
        try:
            save_page(db, result, summary, index, run_id)
        except sqlite3.IntegrityError:
            # Another writer (a second build on this archive) stored the page meanwhile; its
            # row in sources is the page's first write, so nothing of it was written here.
            if not store.known_source(db, result.page.sha256):
                raise
            summary.pages_skipped += 1
        if on_page:
            on_page(result.page)

    def save_all(results: Iterator[PageResult]) -> None:
        for first in results:
            # A batch begins with a page to save, so a run that skips every page writes nothing.
            with store.write_transaction(db):
                if index.loaded:  # what other writers and the learning pass stored since
                    index.catch_up(db)
                save(first)
                batch, batch_started = 1, time.monotonic()
                while (
                    batch < PAGES_PER_COMMIT and time.monotonic() - batch_started < commit_seconds
                ):
                    result = next(results, None)
                    if result is None:
                        break
                    save(result)
                    batch += 1
            # The search index catches up at the end, and on the way a step a batch if far
            # behind.
            if store.pending_count(db) > search.INDEX_BEHIND:
                search.step(db)

    source = iter(pages)
    stages = [source]
    held = store.source_count(db)
    if held < LEARN_AFTER_PAGES:
        stages.insert(0, islice(source, LEARN_AFTER_PAGES - held))
    known = store.KnownPages(db)
    with parallel.Workers(jobs) as workers:
        try:
            for stage in stages:
                if stage is source and summary.occurrences_added:
                    variants.refresh(db, workers=workers)
                    fold = variants.archive_fold(db)
                work = partial(process, fold=fold, known=known)
                save_all(fresh(workers.map(work, stage, PAGES_PER_TASK, TASKS_AHEAD * jobs)))
        finally:
            known.close()  # with one job, pages were looked up in this process
        # Also when a run was interrupted after its last page, before this pass had finished.
        if summary.occurrences_added or store.pass_pending(db, variants.TABLE):
            # The search index catches up while the workers align articles: they read and
            # space each article's text too, and this process writes it into the index.
            variants.refresh(
                db,
                workers=workers,
                prepare=search.prepare,
                meanwhile=lambda entries: search.write_prepared(db, entries),
            )
    search.refresh(db)
    if run_id is not None:
        store.finish_run(db, run_id, now(), asdict(summary))
    return summary
