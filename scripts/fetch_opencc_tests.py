"""Fetch OpenCC's own test cases, for tests/test_normalise.py to run through our pipeline.

    python scripts/fetch_opencc_tests.py [DEST]

Debian's OpenCC packages do not ship the test cases, but OpenCC's source distribution on
PyPI does: this downloads the one of the installed ``opencc`` version with pip and keeps its
``test/testcases/testcases.json`` and ``test/golden/`` under DEST (default
``<venv>/opencc-tests``). It does nothing when they are already there.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

WANTED = ("test/testcases/testcases.json", "test/golden/input/", "test/golden/output/")


def fetch(dest: Path) -> None:
    version = importlib.metadata.version("opencc")
    if (dest / version / "testcases.json").exists():
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
            + ["-d", tmp, f"opencc=={version}"],
            check=True,
        )
        (sdist,) = Path(tmp).glob("*.tar.gz")
        with tarfile.open(sdist) as tar:
            for member in tar.getmembers():
                inner = member.name.split("/", 1)[-1]
                if member.isfile() and inner.startswith(WANTED):
                    target = dest / version / Path(inner).name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tar.extractfile(member).read())


if __name__ == "__main__":
    fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(sys.prefix) / "opencc-tests")
