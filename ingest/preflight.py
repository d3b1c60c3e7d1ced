"""Check a build's paths before anything is written: each user mistake becomes one line.

A corpus path that does not exist, a database path in a missing folder or without write
permission, a file that is not SQLite, a SQLite database of some other application: each
is refused before the database is opened for writing, so an existing file is never touched.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from ingest import store

DEFAULT_LOCK_TIMEOUT = 30.0
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class UserError(Exception):
    """A mistake in what the user asked for, said in one line."""


def check_corpus(paths: list[Path]) -> None:
    """Every corpus path exists."""
    for path in paths:
        if not path.exists():
            raise UserError(f"corpus path does not exist: {path}")


def check_database(path: Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
    """The database can be created or written, and is empty or an archive (read only)."""
    folder = path.parent
    if path.is_dir():
        raise UserError(f"{path}: is a folder, not a database file")
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{path}: {folder} is a file, not a folder")
    if not folder.is_dir():
        raise UserError(f"{path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        # SQLite writes its -wal and -shm files beside the database.
        raise UserError(f"{path}: no permission to write in folder {folder}")
    if not path.exists():
        return
    if not os.access(path, os.R_OK | os.W_OK):
        raise UserError(f"{path}: no permission to write it")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=lock_timeout)) as conn:
            store.check_archive(sqlite_utils.Database(conn))
    except store.NotAnArchiveError as e:
        raise UserError(f"{path}: {e}; refusing to write into it") from e
    except sqlite3.DatabaseError as e:
        raise UserError(database_error(path, e, lock_timeout)) from e


def database_error(path: Path, error: sqlite3.Error, lock_timeout: float) -> str:
    """One line for an error SQLite gave about the database."""
    message = str(error)
    if "locked" in message or "busy" in message:
        return (
            f"{path}: locked by another writer; gave up after {lock_timeout:g} s"
            " (wait for it to finish, or raise --lock-timeout)"
        )
    if "not a database" in message:
        return f"{path}: not a SQLite database ({message}); refusing to write into it"
    return f"{path}: {message}"


def remove_archive(path: Path, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
    """Delete an archive (checked by :func:`check_database`) once no one is writing to it."""
    if not path.exists():
        return
    try:
        with closing(sqlite3.connect(path, timeout=lock_timeout, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
    except sqlite3.DatabaseError as e:
        raise UserError(database_error(path, e, lock_timeout)) from e
    for suffix in ("", *SQLITE_SIDE_FILES):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def own_files(path: Path) -> frozenset[str]:
    """Absolute paths of the database's files, not to be read as pages if in the corpus."""
    base = os.path.abspath(path)
    return frozenset([base, *(base + suffix for suffix in SQLITE_SIDE_FILES)])
