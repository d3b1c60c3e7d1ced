"""scripts/make_variants.py: the shipped tables are what it generates from their sources."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

UNIHAN = Path("/usr/share/unicode")
SOURCES = [UNIHAN / "Unihan_Variants.txt.bz2", UNIHAN / "Unihan_OtherMappings.txt.bz2"]


def test_shipped_tables_are_regenerated_exactly(tmp_path):
    missing = [str(p) for p in SOURCES if not p.exists()]
    missing += [m for m in ("char_converter", "yitizi") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"sources not installed: {', '.join(missing)}")
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_variants.py"), "--out", str(tmp_path)],
        check=True,
    )
    for name in ("variants.tsv", "standard.tsv"):
        shipped = (ROOT / "ingest" / "data" / name).read_text(encoding="utf-8")
        assert (tmp_path / name).read_text(encoding="utf-8") == shipped, (
            f"ingest/data/{name} is not what its sources give now: run make variants"
        )
