"""Chinese full-text search on a stock FTS5 ``unicode61`` index of character bigrams.

``unicode61`` keeps an unbroken run of Chinese characters as one token, so a word inside a
sentence could never be found. The index therefore holds, for the title and the body, the
text's overlapping character bigrams as tokens (城市跨域 → ``城市 市跨 跨域``), and a query
of two or more characters is the phrase of its bigrams (协同治理 → ``"协同 同治 治理"``),
which matches exactly where those characters stand side by side. A bigram's position list
is short where a single character's is in nearly every article dozens of times, so a phrase
of common characters (中国) reads a few entries per matching article instead of every
position of both characters in every article.

A third column, ``characters``, holds each distinct letter or digit of the article once,
for queries of one character: one entry per article (title and body hold no token of one
character, so stock Datasette's search, a term quoted as one token, finds one too).
Only letters and digits (``str.isalnum``) make tokens, as in ``unicode61``; a run of them
ends at anything else (punctuation, spaces), and a ``BREAK`` token follows each run so that
a phrase never spans two. Latin words and numbers are bigrams too, so any substring of them
matches. The database stays readable by any SQLite: no custom tokenizer is needed to open
it, and stock Datasette's search finds single characters and two-character words.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from ingest.normalise import UNICODE_SIZE, base_fold, code_points, to_simplified

# Full-width ASCII forms (ＧＤＰ２０２３) and the ideographic space, as plain ASCII.
WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Ends each run in title and body: a private-use character, which ``unicode61`` keeps as a
# token, and which no query holds (its tokens are letters and digits, and a private-use
# character is neither).
BREAK = 0xE000
SPACE = 0x20
TOKEN_RUN = re.compile(r"[^\W_]+")


def fold_width(text: str) -> str:
    """Full-width letters, digits and symbols as their ASCII forms (ＧＤＰ → GDP)."""
    return text.translate(WIDTH_TABLE)


@lru_cache(maxsize=1)
def letter_or_digit_mask() -> np.ndarray:
    """Whether each code point is a letter or a digit (``str.isalnum``)."""
    return np.fromiter((chr(i).isalnum() for i in range(UNICODE_SIZE)), bool, UNICODE_SIZE)


def token_codes(text: str) -> np.ndarray:
    """The text's code points, width folded, 0 wherever one is no letter or digit."""
    codes = code_points(text)
    codes = np.where((codes >= 0xFF01) & (codes <= 0xFF5E), codes - 0xFEE0, codes)
    return np.where(letter_or_digit_mask()[codes], codes, 0).astype(np.uint32)


def _text(codes: np.ndarray) -> str:
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


def bigrams(text: str) -> str:
    """A title or body as indexed: the bigrams of each run of letters and digits, and
    ``BREAK`` after each run (城市跨域,2023 → ``城市 市跨 跨域 ⟨BREAK⟩ 20 02 23 ⟨BREAK⟩``).

    On arrays of code points: each character gives a slot of three code points, its
    bigram and a space inside a run, ``BREAK`` and a space at a run's end, nothing for a
    separator.
    """
    codes = token_codes(text)
    following = np.append(codes[1:], np.uint32(0))
    inside = (codes != 0) & (following != 0)
    end = (codes != 0) & (following == 0)
    slots = np.empty((len(codes), 3), dtype=np.uint32)
    slots[:, 0] = np.where(end, BREAK, codes)
    slots[:, 1] = np.where(end, SPACE, following)
    slots[:, 2] = SPACE
    keep = np.zeros((len(codes), 3), dtype=bool)
    keep[inside] = True
    keep[end, :2] = True
    return _text(slots[keep])


def characters(*texts: str) -> str:
    """The ``characters`` column: each distinct letter or digit of the texts once (城市城 →
    ``城 市``)."""
    codes = np.unique(np.concatenate([token_codes(text) for text in texts]))
    out = np.full((len(codes), 2), SPACE, dtype=np.uint32)
    out[:, 0] = codes
    return _text(out[codes != 0].ravel())


def index_columns(title: str, body: str) -> tuple[str, str, str]:
    """The ``articles_fts`` columns (title, body, characters) of an article."""
    return bigrams(title), bigrams(body), characters(title, body)


def run_phrase(run: str) -> str:
    """One run of letters and digits as a quoted FTS5 phrase: its bigrams, or for a single
    character its token in ``characters``."""
    if len(run) == 1:
        return f'"{run}"'
    return '"' + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + '"'


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression for what a reader typed: every term must occur, as typed.

    The query is normalised like Traditional text (t2s and the variant table: 躰 finds 体)
    and width folded; each run of letters and digits becomes one phrase (see
    :func:`run_phrase`). Only letters and digits are ever quoted, so FTS5 syntax in the
    query (quotes, NEAR, *, AND) is searched for as text and never raises an error. A term
    holding punctuation (风险,治理) must have each of its runs. A query with no letter or
    digit gives the empty phrase, which matches nothing.
    """
    simplified = base_fold().apply(to_simplified(fold_width(query)))
    phrases = [run_phrase(run) for run in TOKEN_RUN.findall(simplified)]
    return " ".join(dict.fromkeys(phrases)) or '""'


@lru_cache(maxsize=64)
def terms_pattern(query: str) -> re.Pattern | None:
    """A pattern finding any run of letters and digits of the query, longest first, as
    normalised for search (once per query: a query page makes a snippet for each row)."""
    simplified = base_fold().apply(to_simplified(fold_width(query)))
    runs = sorted(set(TOKEN_RUN.findall(simplified)), key=len, reverse=True)
    if not runs:
        return None
    return re.compile("|".join(map(either_width, runs)), re.IGNORECASE)


def either_width(term: str) -> str:
    """A pattern for the term in ASCII or full-width forms (GDP finds ＧＤＰ)."""
    return "".join(
        f"[{re.escape(ch)}{chr(ord(ch) + 0xFEE0)}]" if "!" <= ch <= "~" else re.escape(ch)
        for ch in term
    )


def snippet(text: str, query: str, width: int = 20) -> str:
    """A few characters either side of the first place a term of the query occurs in the
    text, the term in brackets; the text's start if none does (a term in the title only).

    For the canned ``search`` query: FTS5's ``snippet()`` would show bigrams.
    """
    pattern = terms_pattern(query)
    flat = text.replace("\n", " ")
    found = pattern and pattern.search(flat)
    if found is None:
        return flat[: 2 * width] + ("…" if len(flat) > 2 * width else "")
    start, end = found.span()
    before = ("…" if start > width else "") + flat[max(0, start - width) : start]
    after = flat[end : end + width] + ("…" if end + width < len(flat) else "")
    return f"{before}[{flat[start:end]}]{after}"
