"""Generate the variant fold table and the standard character list shipped in ingest/data/.

    python scripts/make_variants.py [--out ingest/data] [--unihan /usr/share/unicode]

The standard Simplified set is GB 2312 (Unihan ``kGB0``) together with the 通用规范汉字表
(Unihan ``kTGH``). The fold table maps each character that OpenCC's ``t2s`` can leave in its
output and that is outside that set to its standard form, by a vote of these sources:

- OpenCC (Apache-2.0): the reverse of its Taiwan, Hong Kong and Japanese variant tables, as
  its ``tw2s``, ``hk2s`` and ``jp2t`` conversions apply them to the single character;
- Unihan (Unicode License v3): ``kSimplifiedVariant``, ``kTraditionalVariant``, ``kZVariant``
  and ``kCompatibilityVariant``; ``kSemanticVariant`` as a weaker vote and
  ``kSpecializedSemanticVariant`` only in support of another source;
- char-converter (CC BY-SA 4.0, Yuqi Chen et al.: the Dictionary of Variant Chinese
  Characters and the 通用规范汉字表's variant list): its one-to-one variant→Simplified choice;
- yitizi (CC0, Project NK2028): variant groups, as a weaker vote.

A variant found by any source is taken to Simplified by ``t2s`` and counts only if the result
is in the standard set. A value needs one strong source (OpenCC, the strict Unihan fields,
char-converter), or two weaker ones, or one weaker one that names no rival; when two values
have as many sources as the best
the character is left out. Because char-converter's data is CC
BY-SA 4.0, so is the generated table (see its header).

Needs Debian's ``unicode-data`` and the ``opencc``, ``char-converter`` and ``yitizi``
packages (``pip install -e '.[test]'``).
"""

from __future__ import annotations

import argparse
import bz2
import importlib.metadata
import importlib.util
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import msgpack
import opencc

ROOT = Path(__file__).resolve().parent.parent
STRONG = {"opencc", "unihan", "char-converter"}
SUPPORT_ONLY = "unihan-specialized"
UNIHAN_FIELDS = {
    "kSimplifiedVariant": "unihan",
    "kTraditionalVariant": "unihan",
    "kZVariant": "unihan",
    "kCompatibilityVariant": "unihan",
    "kSemanticVariant": "unihan-semantic",
    "kSpecializedSemanticVariant": SUPPORT_ONLY,
}
CODEPOINT_RE = re.compile(r"U\+([0-9A-F]{4,6})")


def unihan(folder: Path, name: str) -> Iterator[tuple[str, str, str]]:
    """(character, field, value) of one Unihan file."""
    with bz2.open(folder / f"Unihan_{name}.txt.bz2", "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            code, field, value = line.rstrip("\n").split("\t")
            yield chr(int(code[2:], 16)), field, value


def unihan_version(folder: Path) -> str:
    with bz2.open(folder / "Unihan_Variants.txt.bz2", "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("# Unicode version:"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def standard_chars(folder: Path) -> dict[str, tuple[int, int]]:
    """Each standard character with (in GB 2312, its number in the 通用规范汉字表 or 0)."""
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for char, field, value in unihan(folder, "OtherMappings"):
        if field == "kGB0":
            found[char][0] = 1
        elif field == "kTGH":
            found[char][1] = int(value.split(":")[1].split()[0])
    return {char: (gb, tgh) for char, (gb, tgh) in found.items()}


def unihan_variants(folder: Path) -> dict[str, list[tuple[str, str]]]:
    """Each character's variants as (source name, character)."""
    edges: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name in ("Variants", "IRGSources"):
        for char, field, value in unihan(folder, name):
            if field in UNIHAN_FIELDS:
                for code in CODEPOINT_RE.findall(value):
                    edges[char].append((UNIHAN_FIELDS[field], chr(int(code, 16))))
    return edges


def all_han(folder: Path) -> list[str]:
    """Every character Unihan knows (each has a stroke count)."""
    return sorted({c for c, field, _ in unihan(folder, "IRGSources") if field == "kTotalStrokes"})


def convert_each(config: str, chars: list[str]) -> dict[str, str]:
    """OpenCC's conversion of each character on its own."""
    converted = opencc.OpenCC(config + ".json").convert("\n".join(chars)).split("\n")
    assert len(converted) == len(chars)
    return dict(zip(chars, converted, strict=True))


def package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{package} is not installed: pip install -e '.[test]'")
    return Path(spec.submodule_search_locations[0], *parts)


def char_converter_data() -> dict[str, list[str]]:
    return msgpack.unpackb(package_file("char_converter", "data", "v2s.msgpack").read_bytes())


def yitizi_data() -> dict[str, str]:
    return json.loads(package_file("yitizi", "yitizi.json").read_text(encoding="utf-8"))


def choose(votes: dict[str, set[str]]) -> str | None:
    """The standard form the sources agree on, or None if none qualifies or two tie."""
    named = {value: sources for value, sources in votes.items() if sources - {SUPPORT_ONLY}}
    eligible = {
        value: sources
        for value, sources in named.items()
        if sources & STRONG or len(sources - {SUPPORT_ONLY}) >= 2 or len(named) == 1
    }
    if not eligible:
        return None
    best = max(eligible, key=lambda value: (len(eligible[value]), value))
    if any(len(named[value]) >= len(eligible[best]) for value in named if value != best):
        return None
    return best


def fold_table(folder: Path) -> tuple[dict[str, tuple[str, list[str]]], dict[str, tuple[int, int]]]:
    """The fold table (key → (value, sources)) and the standard set."""
    standard = standard_chars(folder)
    chars = all_han(folder)
    t2s = convert_each("t2s", chars)
    tw2s, hk2s, jp2t = (convert_each(c, chars) for c in ("tw2s", "hk2s", "jp2t"))
    edges = unihan_variants(folder)
    charconv = char_converter_data()
    yitizi = yitizi_data()
    converter = opencc.OpenCC("t2s.json")

    def simplified(char: str) -> str | None:
        """``t2s`` of a character if that is standard."""
        result = t2s.get(char) or converter.convert(char)
        return result if result in standard else None

    preimages: dict[str, set[str]] = defaultdict(set)
    for char in chars:
        out = t2s[char]
        if len(out) == 1 and out not in standard:
            preimages[out] |= {char, out}

    table = {}
    for key, sources_of in sorted(preimages.items()):
        votes: dict[str, set[str]] = defaultdict(set)
        for char in sorted(sources_of):
            for via in (tw2s[char], hk2s[char], t2s.get(jp2t[char], "")):
                if via != char and via in standard:
                    votes[via].add("opencc")
            for source, variant in edges.get(char, []):
                if value := simplified(variant):
                    votes[value].add(source)
            if char in charconv and (value := simplified(charconv[char][0])):
                votes[value].add("char-converter")
            for variant in yitizi.get(char, ""):
                if value := simplified(variant):
                    votes[value].add("yitizi")
        value = choose(votes)
        if value is not None:
            table[key] = (value, sorted(votes[value]))
    return table, standard


def header(folder: Path) -> list[str]:
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("opencc", "char-converter", "yitizi")
    )
    return [
        "# Generated by scripts/make_variants.py: do not edit by hand.",
        f"# Sources: Unihan {unihan_version(folder)} (Unicode License v3), {versions}.",
    ]


def write(out: Path, folder: Path) -> None:
    table, standard = fold_table(folder)
    head = header(folder)
    lines = head + [
        "# Licence: CC BY-SA 4.0 (it includes char-converter's data, CC BY-SA 4.0).",
        "# variant\tstandard\tsources",
    ]
    lines += [f"{key}\t{value}\t{','.join(src)}" for key, (value, src) in table.items()]
    (out / "variants.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = head[:1] + [
        f"# Source: Unihan {unihan_version(folder)} kGB0 and kTGH (Unicode License v3).",
        "# char\tgb2312\ttgh (number in the 通用规范汉字表, first level 1-3500; 0: not in it)",
    ]
    lines += [f"{c}\t{gb}\t{tgh}" for c, (gb, tgh) in sorted(standard.items())]
    (out / "standard.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "ingest" / "data")
    parser.add_argument("--unihan", type=Path, default=Path("/usr/share/unicode"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out, args.unihan)


if __name__ == "__main__":
    main()
