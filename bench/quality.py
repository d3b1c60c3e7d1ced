"""What a build recovered of what the synthetic corpus planted (``bench.corpus``'s manifest):
each page's articles and site, each article stored once, no spam in any text.

``make bench`` reports these at full size, so that speed is never bought with quality;
``tests/test_bench_corpus.py`` holds a small corpus to all of them.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict

# The decoration the generator's spam lines carry, besides each page's own contacts.
SPAM_MARK = "💎"


def quality(conn: sqlite3.Connection, truth: list[dict]) -> dict:
    """All the figures below, for an archive built from the corpus ``truth`` describes."""
    placed = placed_copies(conn, truth)
    return {
        **pages_found(conn, truth),
        **grouping(placed),
        **completeness(placed),
        **leaks(conn, truth),
    }


def pages_found(conn: sqlite3.Connection, truth: list[dict]) -> dict:
    """Stored pages with planted articles, and how many of them have their site and all
    their articles found (a page stored under another's path, as the same bytes, is not
    one of them)."""
    sources = {
        path: (site, count)
        for path, site, count in conn.execute("select path, site, article_count from sources")
    }
    planted = [page for page in truth if page["name"] in sources and page["articles"]]
    whole = [p for p in planted if sources[p["name"]] == (p["site"], len(p["articles"]))]
    return {"pages_planted": len(planted), "pages_whole": len(whole)}


# A planted copy (its manifest entry) found at its place on its page, with the stored
# article it was attached to and its number of paragraphs as seen.
Placed = tuple[dict, int, int]


def placed_copies(conn: sqlite3.Connection, truth: list[dict]) -> list[Placed]:
    """The planted copies, not cut short, found at their planted place on a page."""
    found = {
        (path, position): (article, paragraphs)
        for path, position, article, paragraphs in conn.execute(
            """select s.path, o.position, o.article_id,
                      length(o.body_original) - length(replace(o.body_original, char(10), '')) + 1
               from article_occurrences o join sources s on s.id = o.source_id"""
        )
    }
    return [
        (planted, *found[page["name"], planted["position"]])
        for page in truth
        for planted in page["articles"]
        if not planted["cut"] and (page["name"], planted["position"]) in found
    ]


def grouping(placed: list[Placed]) -> dict:
    """The copies placed, the planted articles they are copies of, how many of those were
    stored as more than one article (split), and how many stored articles hold more than
    one planted article (merged)."""
    stored_as: dict[int, set[int]] = defaultdict(set)
    for planted, article, _ in placed:
        stored_as[planted["article"]].add(article)
    owners = Counter(article for ids in stored_as.values() for article in ids)
    return {
        "copies_checked": len(placed),
        "articles_planted": len(stored_as),
        "articles_split": sum(len(ids) > 1 for ids in stored_as.values()),
        "articles_merged": sum(count > 1 for count in owners.values()),
    }


def completeness(placed: list[Placed]) -> dict:
    """Of the copies placed, how many have as many paragraphs as were planted, fewer (some
    lost) or more (some spam kept)."""
    kept = [(paragraphs, planted["kept"]) for planted, _, paragraphs in placed]
    return {
        "copies_whole": sum(found == planted for found, planted in kept),
        "copies_short": sum(found < planted for found, planted in kept),
        "copies_long": sum(found > planted for found, planted in kept),
    }


def leaks(conn: sqlite3.Connection, truth: list[dict]) -> dict:
    """Copies whose text as seen, or whose article's text, holds their page's site name,
    phone numbers or domain, or the spam lines' decoration."""
    spam = {
        page["name"]: (page["site"], page["mobile"], page["landline"], page["domain"], SPAM_MARK)
        for page in truth
    }
    rows = conn.execute(
        """select s.path, o.title_original || o.body_original, a.title || a.body
           from article_occurrences o join sources s on s.id = o.source_id
           join articles a on a.id = o.article_id"""
    )
    copies = leaked = 0
    for path, original, article in rows:
        copies += 1
        leaked += any(word in original or word in article for word in spam.get(path, ()))
    return {"copies": copies, "copies_with_spam": leaked}
