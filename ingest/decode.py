"""Decode a page's bytes: find the encoding a crawled Chinese page is in, or say why not.

In order: a byte-order mark (UTF-8, UTF-16, UTF-32) settles it; known binary formats are
recognised by their signature; UTF-16 without a mark shows as NUL bytes on one side of every
ASCII character; other binary data by its control bytes. Then UTF-8, and where the bytes are
not UTF-8, GB18030 or Big5 (HKSCS). GB18030 decodes nearly any byte string, Big5 text
included, so validity alone cannot choose: the candidate whose characters are the commonest
Chinese ones wins (:func:`plausibility`), and one that reads as garbage is refused.

Damage that leaves a page readable is repaired and reported in a warning, never silently:
an incomplete last character (a file cut short), NUL padding, stray control bytes, and up to
one invalid byte sequence per ``BYTES_PER_BAD_SEQUENCE`` bytes (shown as U+FFFD).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.normalise import to_simplified

BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-bom"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
]
# Codec and the name recorded in sources.encoding, tried in this order on bytes without a mark.
EIGHT_BIT = [("utf-8", "utf-8"), ("gb18030", "gb18030"), ("big5hkscs", "big5-hkscs")]
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (also docx, xlsx, epub)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"BZh91AY&SY", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"(\xb5/\xfd", "zstd-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "executable"),
    (b"MZ\x90\x00", "Windows executable"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Microsoft Office document"),
    (b"wOFF", "web font"),
    (b"wOF2", "web font"),
    (b"OggS\x00", "Ogg media"),
    (b"\x1aE\xdf\xa3", "Matroska/WebM video"),
]
# C0 control bytes that text does not hold (tab, line feed, vertical tab, form feed, carriage
# return and escape excepted). No byte of a multi-byte UTF-8, GB18030 or Big5 character is
# one of them, so they can be removed before decoding without breaking a character.
CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f]")
SAMPLE = 65536
# Binary data: more than this share of control bytes (of control characters in the first
# SAMPLE characters, for UTF-16 and UTF-32).
BINARY_SHARE = 0.01
BYTES_PER_BAD_SEQUENCE = 1000
# A GB18030 or Big5 reading is garbage when fewer of its characters are common Chinese
# (true text scores 0.85 to 0.98, the wrong one of the two 0.1 to 0.45); judged only from
# this many non-ASCII characters up.
MIN_PLAUSIBLE = 0.6
MIN_CHARS_TO_JUDGE = 20
# Characters common in Chinese text of either script, besides the commonest Han characters.
PUNCTUATION_RE = re.compile(r"[\u2010-\u2027\u3000-\u303f\uff01-\uff65\u00b7]")


class UnreadableError(ValueError):
    """Bytes that are not a text page; the message says why, in one line."""


@dataclass(frozen=True)
class Decoded:
    """A page's text, the encoding it was read in, and what had to be repaired."""

    text: str
    encoding: str
    warning: str | None = None


@lru_cache(maxsize=1)
def common_han() -> frozenset[str]:
    """The 3,755 commonest Han characters: level 1 of GB 2312, which is ordered by frequency."""
    chars = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


def plausibility(text: str) -> tuple[float, bool]:
    """Share of the non-ASCII characters (of a sample) that common Chinese text is made of,
    and whether there were enough of them to judge.

    Characters are compared in Simplified script, so that Traditional text scores like
    Simplified text.
    """
    sample = [ch for ch in text[:SAMPLE] if ch > "\x7f" and ch != "\ufffd"]
    if not sample:
        return 1.0, False
    common = common_han()
    simplified = to_simplified("".join(sample))
    hits = sum(1 for ch in simplified if ch in common or PUNCTUATION_RE.match(ch))
    return min(1.0, hits / len(sample)), len(sample) >= MIN_CHARS_TO_JUDGE


def garbage(encoding: str, score: float) -> str:
    return f"as {encoding} only {score:.0%} of the characters are common Chinese"


def signature_of(data: bytes) -> str | None:
    """The name of the binary format the bytes start with, if a known one."""
    for magic, name in SIGNATURES:
        if data.startswith(magic):
            return name
    return None


def lenient(data: bytes, codec: str) -> tuple[str, int, int]:
    """Decode with invalid sequences replaced: the text, how many were replaced, and how
    many bytes of an incomplete last character were dropped."""
    decoder = codecs.getincrementaldecoder(codec)("replace")
    text = decoder.decode(data, final=False)
    cut = len(decoder.getstate()[0])
    return text, max(0, text.count("\ufffd") - genuine_replacements(data, codec)), cut


def genuine_replacements(data: bytes, codec: str) -> int:
    """How many U+FFFD the bytes hold as characters of their own (not decoding errors)."""
    base = {"utf-8-sig": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}.get(codec, codec)
    try:
        return data.count("\ufffd".encode(base))
    except UnicodeEncodeError:  # Big5 has no U+FFFD
        return 0


def tolerated(bad: int, size: int) -> bool:
    return bad <= max(1, size // BYTES_PER_BAD_SEQUENCE)


def repairs(bad: int, cut: int) -> list[str]:
    """Warnings for what decoding repaired."""
    notes = []
    if bad:
        notes.append(f"{bad} invalid byte sequence{'s' * (bad > 1)} replaced by U+FFFD")
    if cut:
        notes.append(f"incomplete last character dropped ({cut} byte{'s' * (cut > 1)})")
    return notes


def utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` if NUL bytes sit mostly on one side of the code units, as
    the ASCII characters (line breaks, spaces, digits) of UTF-16 text put them. (Han
    characters such as 一 U+4E00 put some on the other side.)"""
    sample = data[:SAMPLE]
    if b"\x00" not in sample:  # most pages: a scan for one byte, no slices of the sample
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    enough = max(4, len(sample) // 2 // 50)
    if odd >= enough and even * 2 < odd:
        return "utf-16-le"
    if even >= enough and odd * 2 < even:
        return "utf-16-be"
    return None


def finish(text: str, encoding: str, notes: list[str], controls_removed: bool = False) -> Decoded:
    """The decoded text, unless it is empty or binary data; control characters removed
    (``controls_removed``: they were, from the bytes, so the text has none to look for)."""
    if not controls_removed:
        head = text[:SAMPLE]
        controls = len(CONTROL_RE.findall(head))
        if controls > max(8, len(head) * BINARY_SHARE):
            raise UnreadableError(f"binary data, not text ({controls} control characters)")
        text, removed = CONTROL_RE.subn("", text)
        if removed:
            notes.append(f"{removed} control character{'s' * (removed > 1)} removed")
    if not text.strip():
        raise UnreadableError("empty page (only whitespace)")
    return Decoded(text, encoding, "; ".join(notes) or None)


def decode_unicode(
    data: bytes, codec: str, encoding: str, notes: list[str], guessed: bool = False
) -> Decoded:
    """Bytes known (by their mark) or ``guessed`` to be UTF-16 or UTF-32."""
    text, bad, cut = lenient(data, codec)
    if not tolerated(bad, len(data)):
        raise UnreadableError(f"not valid {encoding}: {bad} invalid byte sequences")
    if guessed:
        score, judged = plausibility(text)
        if judged and score < MIN_PLAUSIBLE:
            raise UnreadableError(garbage(encoding, score))
    return finish(text, encoding, notes + repairs(bad, cut))


def decode_eight_bit(data: bytes, notes: list[str]) -> Decoded:
    """Bytes without a mark and without control bytes (``CONTROL_BYTES``, which no character
    of these encodings holds): UTF-8, else GB18030 or Big5, whichever is plausible Chinese."""
    try:
        return finish(data.decode("utf-8"), "utf-8", notes, controls_removed=True)
    except UnicodeDecodeError as e:
        first_error = e
    candidates, refused = [], []
    for codec, encoding in EIGHT_BIT:
        text, bad, cut = lenient(data, codec)
        if not tolerated(bad, len(data)):
            continue
        score, judged = plausibility(text)
        if encoding == "utf-8" or not judged or score >= MIN_PLAUSIBLE:
            candidates.append((score, text, encoding, repairs(bad, cut)))
        else:
            refused.append(garbage(encoding, score))
    if not candidates:
        reasons = [f"invalid UTF-8 at byte {first_error.start} ({first_error.reason})", *refused]
        raise UnreadableError(f"not text in UTF-8, GB18030 or Big5: {'; '.join(reasons)}")
    _, text, encoding, fixes = max(candidates, key=lambda c: c[0])
    return finish(text, encoding, notes + fixes, controls_removed=True)


def decode(data: bytes) -> Decoded:
    """The text of a page, the encoding it was in and what was repaired, or
    :class:`UnreadableError` saying why it is not a text page."""
    if not data:
        raise UnreadableError("empty file (0 bytes)")
    for bom, codec, encoding in BOMS:
        if data.startswith(bom):
            return decode_unicode(data, codec, encoding, [])
    if (kind := signature_of(data)) is not None:
        raise UnreadableError(f"binary file ({kind}), not text")
    order = utf16_without_bom(data)
    if order is not None:
        try:
            note = ["no byte-order mark, UTF-16 inferred"]
            return decode_unicode(data, order, order, note, guessed=True)
        except UnreadableError:
            pass
    notes = []
    padded = len(data)
    data = data.rstrip(b"\x00")
    if padded > len(data):
        notes.append(f"{padded - len(data)} NUL bytes of padding at the end dropped")
    if not data:
        raise UnreadableError("empty page (only NUL bytes)")
    stripped = data.translate(None, CONTROL_BYTES)
    controls = len(data) - len(stripped)
    if controls > max(8, len(data) * BINARY_SHARE):
        raise UnreadableError(f"binary data, not text ({controls} control bytes)")
    if controls:
        notes.append(f"{controls} control byte{'s' * (controls > 1)} removed")
    return decode_eight_bit(stripped, notes)
