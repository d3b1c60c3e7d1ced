"""Read pages from a corpus: files, directories, and JSON Lines (optionally gzipped).

Every input page comes out as a :class:`Page`, readable or not: a page that cannot be read
carries an ``error`` so that it still gets its row in ``sources``.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# Encodings a Chinese crawl is found in; a detector's guess outside these is not trusted.
CHINESE_ENCODINGS = ["gb18030", "big5", "utf_16", "utf_8"]
BINARY_SIGNATURES = (
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"%PDF",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"\x7fELF",
    b"SQLite format 3",
    b"BZh",
    b"\xfd7zXZ",
    b"Rar!",
    b"7z\xbc\xaf",
)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")


class UnreadableError(ValueError):
    """Bytes that are not a text page; the message says why, in one line."""


@dataclass(frozen=True)
class Page:
    """One input page: where it came from, its bytes' hash, and its text or why there is none."""

    path: str
    sha256: str
    bytes: int
    encoding: str | None = None
    text: str | None = None
    error: str | None = None
    line: int | None = None
    url: str | None = None
    date: str | None = None
    external_id: str | None = None


def decode(data: bytes) -> tuple[str, str]:
    """The text of a page and the encoding it was in, or :class:`UnreadableError`."""
    if not data.strip():
        raise UnreadableError("empty page")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.replace("-sig", "-bom")
            except UnicodeDecodeError as e:
                raise UnreadableError(f"invalid {encoding} after its byte-order mark: {e}") from e
    if data.startswith(BINARY_SIGNATURES):
        raise UnreadableError("binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        text = None
        utf8_error = e
    if text is not None:
        return check_text(text), "utf-8"
    best = charset_normalizer.from_bytes(data, cp_isolation=CHINESE_ENCODINGS).best()
    if best is None or best.encoding in ("utf_8", None):
        if data.count(b"\x00") > len(data) // 100:
            raise UnreadableError("binary file, not text")
        raise UnreadableError(f"not valid UTF-8 and no Chinese encoding fits: {utf8_error}")
    return check_text(str(best)), best.encoding.replace("_", "-")


def check_text(text: str) -> str:
    """The text, unless control characters show it is binary data."""
    controls = sum(1 for ch in text[:65536] if ch < " " and ch not in "\t\n\r\f\v")
    if controls > max(8, len(text[:65536]) // 100):
        raise UnreadableError("binary file, not text (control characters)")
    return text.replace("\x00", "")


def page_from_bytes(path: str, data: bytes, **extra: object) -> Page:
    """A page from raw bytes: hashed, then decoded if it can be."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        text, encoding = decode(data)
    except UnreadableError as e:
        return Page(path, digest, len(data), error=str(e), **extra)
    return Page(path, digest, len(data), encoding, text, **extra)


def read_file(path: Path, name: str, max_bytes: int) -> Page:
    """One page file; a file too large is recorded without being read whole."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            digest = hashlib.sha256()
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            return Page(
                name,
                digest.hexdigest(),
                size,
                error=f"page too large: {size} bytes, limit {max_bytes}",
            )
        return page_from_bytes(name, path.read_bytes())
    except OSError as e:
        key = hashlib.sha256(f"unreadable:{name}".encode()).hexdigest()
        return Page(name, key, 0, error=f"cannot read file: {e.strerror or e}")


def read_jsonl(path: Path, name: str, max_bytes: int) -> Iterator[Page]:
    """One page per line of a JSON Lines file; a bad line becomes an error page of its own."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            for number, raw in enumerate(f, start=1):
                if raw.strip():
                    yield jsonl_page(f"{name}:{number}", raw, number, max_bytes)
    except (OSError, EOFError) as e:
        key = hashlib.sha256(f"unreadable:{name}".encode()).hexdigest()
        yield Page(name, key, 0, error=f"cannot read file: {e}")


def jsonl_page(name: str, raw: bytes, number: int, max_bytes: int) -> Page:
    """The page held by one JSON Lines record."""
    digest = hashlib.sha256(raw).hexdigest()
    if len(raw) > max_bytes:
        return Page(
            name,
            digest,
            len(raw),
            line=number,
            error=f"page too large: {len(raw)} bytes, limit {max_bytes}",
        )
    try:
        record = json.loads(raw)
    except ValueError as e:
        return Page(name, digest, len(raw), line=number, error=f"malformed JSON line: {e}")
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return Page(name, digest, len(raw), line=number, error="JSON line has no 'text' string")
    text = record["text"]
    extra = {
        "line": number,
        "url": str(record["url"]) if record.get("url") is not None else None,
        "date": first_value(record, ("date", "timestamp", "crawl_date", "published")),
        "external_id": first_value(record, ("id", "doc_id", "uuid")),
    }
    page_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if not text.strip():
        return Page(name, page_hash, len(raw), "utf-8", error="empty page", **extra)
    return Page(name, page_hash, len(raw), "utf-8", text, **extra)


def first_value(record: dict, keys: tuple[str, ...]) -> str | None:
    """The first of ``keys`` present in ``record``, as text."""
    for key in keys:
        if record.get(key) is not None:
            return str(record[key])
    return None


def is_jsonl(path: Path) -> bool:
    return path.name.lower().endswith(JSONL_SUFFIXES)


def iter_files(root: Path) -> Iterator[Path]:
    """Files under a directory, in a stable order, hidden ones left out."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name


def iter_pages(paths: list[Path], max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Page]:
    """Every page under the given directories and files, in a stable order."""
    for root in paths:
        files = iter_files(root) if root.is_dir() else [root]
        for path in files:
            name = path.relative_to(root).as_posix() if root.is_dir() else str(path)
            if is_jsonl(path):
                yield from read_jsonl(path, name, max_bytes)
            else:
                yield read_file(path, name, max_bytes)
