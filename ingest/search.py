"""Chinese full-text search on a stock FTS5 ``unicode61`` index.

``unicode61`` keeps an unbroken run of Chinese characters as one token, so a word inside a
sentence could never be found. The index therefore holds a copy of the text with a space
around every CJK character (each character its own token), and a query is spaced the same
way and quoted as a phrase: 风险 becomes ``"风 险"``, which matches exactly where the two
characters stand side by side. The database stays readable by any SQLite: no custom
tokenizer is needed to open it.
"""

from __future__ import annotations

import re
import unicodedata

from ingest.normalise import to_simplified

CJK_RE = re.compile(
    "([\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\U00020000-\U0003134f])"
)
FULLWIDTH_RE = re.compile("[\uff01-\uff5e\u3000]")


def fold_width(text: str) -> str:
    """Full-width letters, digits and symbols as their ASCII forms (ＧＤＰ → GDP)."""
    return FULLWIDTH_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def spaced(text: str) -> str:
    """Text as indexed: width folded, every CJK character standing alone."""
    return CJK_RE.sub(r" \1 ", fold_width(text))


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression for what a reader typed: every term must occur, as typed.

    Each whitespace-separated term becomes one quoted phrase, so FTS5 syntax in the query
    (quotes, NEAR, *, AND) is searched for as text and never raises an error. A query
    with no terms gives the empty phrase, which matches nothing.
    """
    terms = []
    for term in to_simplified(fold_width(query)).split():
        words = spaced(term.replace('"', " ")).split()
        if words:
            terms.append('"' + " ".join(words) + '"')
    return " ".join(terms) or '""'
