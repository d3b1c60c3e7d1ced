"""Read pages from a corpus: files, directories, and JSON Lines (optionally gzipped).

Every input page comes out as a :class:`Page`, readable or not: a page that cannot be read
carries an ``error`` so that it still gets its row in ``sources``, and a page read despite
damage carries a ``warning`` saying what was repaired (see :mod:`ingest.decode`). No more
than ``max_bytes`` of one page is ever held in memory: a larger page is hashed as it streams
past and recorded as an error.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from ingest.decode import UnreadableError, decode, finish

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
BLOCK = 1 << 20
# Fields of a JSON Lines record kept in sources, by the names corpora give them.
DATE_KEYS = ("date", "timestamp", "crawl_date", "published")
ID_KEYS = ("id", "doc_id", "uuid")


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
    warning: str | None = None
    # Held by the archive already (see :func:`load`): left undecoded.
    known: bool = False


# Whether the archive holds a page, by its hash (``ingest.store.KnownPages``).
Known = Callable[[str], bool]


@dataclass(frozen=True)
class PageFile:
    """A page file not read yet: it is read, hashed and decoded where it is processed."""

    path: Path
    name: str
    max_bytes: int

    def load(self, known: Known | None = None) -> Page:
        return read_file(self.path, self.name, self.max_bytes, known)


@dataclass(frozen=True)
class PageRecord:
    """A JSON Lines record not parsed yet (its line's bytes)."""

    name: str
    raw: bytes
    number: int

    def load(self, known: Known | None = None) -> Page:
        return jsonl_page(self.name, self.raw, self.number, known)


# A page as the corpus is walked: read already (errors, records too large), or to be read.
Unread = Page | PageFile | PageRecord


def load(item: Unread, known: Known | None = None) -> Page:
    """The page an item of :func:`iter_unread` stands for, read, hashed and decoded; one
    the archive holds already (``known``) is hashed only, and says so (``Page.known``)."""
    if isinstance(item, Page):
        return replace(item, known=True) if known is not None and known(item.sha256) else item
    return item.load(known)


def page_from_bytes(path: str, data: bytes, known: Known | None = None, **extra: object) -> Page:
    """A page from raw bytes: hashed, then decoded if it can be and is not ``known``."""
    digest = hashlib.sha256(data).hexdigest()
    if known is not None and known(digest):
        return Page(path, digest, len(data), known=True, **extra)
    try:
        decoded = decode(data)
    except UnreadableError as e:
        return Page(path, digest, len(data), error=str(e), **extra)
    return Page(
        path, digest, len(data), decoded.encoding, decoded.text, warning=decoded.warning, **extra
    )


def unreadable(name: str, path: Path, reason: str) -> Page:
    """A page that could not be read at all, keyed by where it is, so that a re-run does not
    record it again."""
    key = hashlib.sha256(f"unreadable:{os.path.abspath(path)}".encode()).hexdigest()
    return Page(name, key, 0, error=reason)


def file_problem(path: Path) -> str | None:
    """Why a path cannot be read as a page file (or JSON Lines file), if it cannot."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        return f"cannot read file: {e.strerror or e}"
    if not stat.S_ISREG(mode):
        return "not a regular file (a device, pipe or socket)"
    return None


def too_large(
    name: str, head: bytes, rest: BinaryIO, max_bytes: int, line: int | None = None
) -> Page:
    """A page over the limit: hashed while the rest of it streams past, never held whole.

    ``head`` is what was read already; ``rest`` is read to the end of the page: the end of
    the file, or of the ``line`` for a JSON Lines record.
    """
    digest = hashlib.sha256(head)
    size = len(head)
    while line is None or not head.endswith(b"\n"):
        head = rest.read(BLOCK) if line is None else rest.readline(BLOCK)
        if not head:
            break
        digest.update(head)
        size += len(head)
    reason = f"page too large: {size} bytes, limit {max_bytes} (--max-bytes)"
    return Page(name, digest.hexdigest(), size, error=reason, line=line)


def read_file(path: Path, name: str, max_bytes: int, known: Known | None = None) -> Page:
    """One page file; a file too large is recorded without being read whole."""
    try:
        with path.open("rb") as f:
            # A buffer of the file's size, not of the limit: allocating 20 MB to read a page
            # of 30 KB cost more than reading it. A file that grew since is read on, up to one
            # byte past the limit.
            size = os.fstat(f.fileno()).st_size
            data = f.read(min(size, max_bytes) + 1)
            if size < len(data) <= max_bytes:
                data += f.read(max_bytes + 1 - len(data))
            if len(data) > max_bytes:
                return too_large(name, data, f, max_bytes)
    except OSError as e:
        return unreadable(name, path, f"cannot read file: {e.strerror or e}")
    return page_from_bytes(name, data, known)


def file_digest(path: Path) -> tuple[str, int] | None:
    """SHA-256 and size of a file's bytes, read in blocks; None if it cannot be read."""
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(BLOCK), b""):
                digest.update(block)
                size += len(block)
    except OSError:
        return None
    return digest.hexdigest(), size


def read_jsonl(path: Path, name: str, max_bytes: int) -> Iterator[Page | PageRecord]:
    """One page per line of a JSON Lines file; a bad line becomes an error page of its own.

    A file that breaks off (a truncated or corrupt gzip stream, a read error) keeps the
    pages read before the break, and the break gets an error page of its own.
    """
    compressed = path.name.lower().endswith(".gz")
    number = 0
    try:
        with gzip.open(path, "rb") if compressed else path.open("rb") as f:
            while raw := f.readline(max_bytes + 1):
                number += 1
                if len(raw) > max_bytes and not raw.endswith(b"\n"):
                    yield too_large(f"{name}:{number}", raw, f, max_bytes, line=number)
                elif raw.strip():
                    yield PageRecord(f"{name}:{number}", raw, number)
    except (OSError, EOFError, zlib.error) as e:
        reason = f"cannot read past line {number}: {break_reason(e)}"
        whole = file_digest(path)
        if whole is None:
            yield unreadable(name, path, reason)
        else:
            digest, size = whole
            yield Page(f"{name}:{number + 1}", digest, size, line=number + 1, error=reason)


def break_reason(error: Exception) -> str:
    """Why a JSON Lines file could not be read to its end, in words."""
    if isinstance(error, EOFError):
        return f"truncated: {error}"
    if isinstance(error, zlib.error):
        return f"corrupt compressed data: {error}"
    if isinstance(error, gzip.BadGzipFile):
        return f"not valid gzip: {error}"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def parse_record(raw: bytes) -> tuple[object, str, list[str]]:
    """The JSON value of one line, the encoding it was in, and what decoding repaired.

    JSON is UTF-8 (json.loads also reads UTF-16 and UTF-32); a line in another encoding is
    decoded like a page file first.
    """
    try:
        return json.loads(raw), "utf-8", []
    except UnicodeDecodeError:
        decoded = decode(raw)
        notes = [decoded.warning] if decoded.warning else []
        return json.loads(decoded.text), decoded.encoding, notes


def jsonl_page(name: str, raw: bytes, number: int, known: Known | None = None) -> Page:
    """The page held by one JSON Lines record."""
    digest = hashlib.sha256(raw).hexdigest()
    try:
        record, encoding, notes = parse_record(raw)
    except (ValueError, RecursionError) as e:  # UnreadableError is a ValueError
        return Page(name, digest, len(raw), line=number, error=f"malformed JSON line: {e}")
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return Page(name, digest, len(raw), line=number, error="JSON line has no 'text' string")
    text, surrogates = without_lone_surrogates(record["text"])
    if surrogates:
        plural = "s" * (surrogates > 1)
        notes.append(f"{surrogates} unpaired surrogate escape{plural} replaced by U+FFFD")
    extra = {
        "line": number,
        "url": as_text(record.get("url")),
        "date": first_value(record, DATE_KEYS),
        "external_id": first_value(record, ID_KEYS),
    }
    page_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if known is not None and known(page_hash):
        return Page(name, page_hash, len(raw), encoding, known=True, **extra)
    try:
        decoded = finish(text, encoding, notes)
    except UnreadableError as e:
        return Page(name, page_hash, len(raw), encoding, error=str(e), **extra)
    return Page(name, page_hash, len(raw), encoding, decoded.text, warning=decoded.warning, **extra)


def without_lone_surrogates(text: str) -> tuple[str, int]:
    """The text with unpaired surrogates (valid in JSON, not in UTF-8) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
        return text, 0
    except UnicodeEncodeError:
        fixed = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        return fixed, fixed.count("\ufffd") - text.count("\ufffd")


def as_text(value: object) -> str | None:
    """A record's field as text: strings as they are, other values as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return without_lone_surrogates(value)[0]
    return without_lone_surrogates(json.dumps(value, ensure_ascii=False))[0]


def first_value(record: dict, keys: tuple[str, ...]) -> str | None:
    """The first of ``keys`` present in ``record``, as text."""
    for key in keys:
        if record.get(key) is not None:
            return as_text(record[key])
    return None


def is_jsonl(path: Path) -> bool:
    return path.name.lower().endswith(JSONL_SUFFIXES)


def iter_files(root: Path) -> Iterator[tuple[Path, OSError | None]]:
    """Files under a directory, in a stable order, hidden ones left out; a folder that cannot
    be listed comes out with its error. Linked folders are followed, each once."""
    errors: list[OSError] = []
    seen: set[tuple[int, int]] = set()
    for folder, dirs, files in os.walk(root, onerror=errors.append, followlinks=True):
        while errors:
            error = errors.pop(0)
            yield Path(error.filename or folder), error
        try:
            info = os.stat(folder)
        except OSError as e:
            yield Path(folder), e
            continue
        if (info.st_dev, info.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name, None
    for error in errors:
        yield Path(error.filename or root), error


def iter_pages(
    paths: list[Path], max_bytes: int = DEFAULT_MAX_BYTES, skip: frozenset[str] = frozenset()
) -> Iterator[Page]:
    """Every page under the given directories and files, in a stable order.

    ``skip`` holds absolute paths not to read (the archive's own files, if they sit inside
    the corpus).
    """
    return map(load, iter_unread(paths, max_bytes, skip))


def iter_unread(
    paths: list[Path], max_bytes: int = DEFAULT_MAX_BYTES, skip: frozenset[str] = frozenset()
) -> Iterator[Unread]:
    """The pages of :func:`iter_pages`, each file or record left to be read by :func:`load`,
    so that worker processes can read, hash and decode them (see ``ingest.build``)."""
    for root in paths:
        files = iter_files(root) if root.is_dir() else [(root, None)]
        for path, error in files:
            if os.path.abspath(path) in skip:
                continue
            name = path.relative_to(root).as_posix() if root.is_dir() else str(path)
            if error is not None:
                yield unreadable(name, path, f"cannot list folder: {error.strerror or error}")
            elif (problem := file_problem(path)) is not None:
                yield unreadable(name, path, problem)
            elif is_jsonl(path):
                yield from read_jsonl(path, name, max_bytes)
            else:
                yield PageFile(path, name, max_bytes)
