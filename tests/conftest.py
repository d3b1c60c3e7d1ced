"""Shared fixtures: the sample corpus and an archive built from it through the CLI."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED_TITLE = "城市跨域风险协同治理的模式与路径"
# The sample pages' spam sites, and words and numbers no article may carry.
SITES = {
    "000": "一分快3",
    "001": "盈彩平台",
    "002": "AG彩票",
    "003": "众赢平台",
    "004": "网信彩票邀请码",
}
SPAM = [
    "💎",
    "地图",
    "中国网客户端",
    "客户端",
    "延伸閲讀",
    "延伸阅读",
    "服務預約",
    "服务预约",
    "同微信",
    "[责编:天天中]",
    "责编",
    "Sitemap",
    "版權所有",
    "最新上架",
    "www.",
]
PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}")


def unprivileged() -> list[str] | None:
    """A command prefix under which file permissions apply (as root: without the capabilities
    that override them), or None where that cannot be had."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    works = subprocess.run([*prefix, "true"], capture_output=True).returncode == 0
    return prefix if works else None


UNPRIVILEGED = unprivileged()


# Which run added a page, and in what order signatures were written: differ between
# archives of equal content built in other runs.
RUN_COLUMNS = {"run_id", "version"}


def comparable_rows(conn: sqlite3.Connection, table: str) -> list[tuple]:
    """A table's rows in a stable order, without the columns that say which run wrote them."""
    columns = [c[1] for c in conn.execute(f"pragma table_info([{table}])")]
    kept = ", ".join(f"[{c}]" for c in columns if c not in RUN_COLUMNS)
    return conn.execute(f"select {kept} from [{table}] order by 1, 2").fetchall()


@pytest.fixture(scope="session")
def corpus() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def archive(tmp_path_factory) -> Path:
    """archive.db built from the sample corpus by ``ingest build``."""
    path = tmp_path_factory.mktemp("archive") / "archive.db"
    result = CliRunner().invoke(cli, ["build", str(path), str(CORPUS)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture()
def conn(archive: Path):
    connection = sqlite3.connect(archive)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def page_text(name: str) -> str:
    """A sample page's text, by the start of its file name."""
    return next(CORPUS.glob(f"{name}*")).read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def datasette_server(command: list[str]):
    """A real datasette process (``command`` before its host and port) on 127.0.0.1: its URL."""
    port = free_port()
    process = subprocess.Popen(
        [*command, "-h", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.1)
        else:
            process.kill()
        if process.poll() is not None:
            pytest.fail(process.stderr.read().decode())
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def datasette_command() -> list[str]:
    """The project environment's datasette, which loads our plugin by entry point."""
    return [str(Path(sys.executable).parent / "datasette")]
