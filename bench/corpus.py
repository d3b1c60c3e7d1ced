"""A large synthetic corpus of spam pages, made deterministically from the sample pages.

Each sample page becomes a skeleton: its template lines (header, footer, lines between
articles) and its article slots. A synthetic page takes a skeleton and gives it a new site
name, phone numbers and a domain; fills its slots with articles drawn from a pool (the
sample articles, and new ones recombined from their sentences, each with its own shuffle of
frequent characters so that its shingles are its own); writes the copies in one
script (Simplified as is, OpenCC ``s2t`` or ``s2tw``, or ``s2t`` through the bad variant
characters the sample pages show); injects spam lines into articles; drops paragraphs; and
cuts some pages short. The pool's text is the sample articles' turned Simplified (OpenCC
``t2s`` and the archive's normaliser).

Page ``i`` of a seed depends only on the seed, ``i`` and the page count, so a seed and a
page count always give the same bytes, and pages are made in parallel. What was planted on
each page (site, contacts, articles and what was done to them) is the ground truth, kept
in ``manifest.jsonl`` beside the pages.

Run: ``python -m bench.corpus FOLDER --pages N [--seed S]``.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import random
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from functools import cache, lru_cache
from pathlib import Path

import click
import opencc

from ingest.extract import clean, extract
from ingest.normalise import normalise

SAMPLES = Path(__file__).resolve().parent.parent / "corpus"
TITLE_LINE_RE = re.compile(r"^(?P<pre>[\s•·]*)(?P<title>.*?\S)(?P<post>\s*\*{4,}\s*)$")
MOBILE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
LANDLINE_RE = re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")
DOMAIN_RE = re.compile(r"(?:www\.)?[a-z0-9-]+\.(?:com|net|cn|cc|vip|top)", re.IGNORECASE)
SENTENCE_RE = re.compile(r"[^。！？!?]+[。！？!?]")
CLAUSE_RE = re.compile(r"[^，,、；;：:。！？!?“”]+")
# Words spam sites are named with; a name is a prefix and a suffix.
SITE_PREFIXES = (
    "盈彩 众赢 网信 鸿运 金沙 万博 大发 凤凰 彩神 幸运 乐彩 金彩 亿彩 彩霸 聚宝 旺财 "
    "好运 八方 彩乐 赢家 福星 龙虎 天恒 博乐 AG BB KY OB DB 888 9号"
).split()
SITE_SUFFIXES = "快3 彩票 平台 娱乐 官网 彩票网 棋牌 体育 时时彩 11选5 快乐8 PK10".split()
# Header and footer lines (copyright, sitemap, editor, source, contact lists) are the
# page's frame, not spam injected into text.
FRAME_WORDS = ("版權", "版权", "Sitemap", "地图", "客户端", "編輯", "编辑", "来源", "正在阅读", "•")
SCRIPTS = (("simplified", 0.45), ("s2t", 0.2), ("s2tw", 0.15), ("variant", 0.2))
PAGES_PER_SITE = 50
# Frequent characters of the pool, and the share of them each new article shuffles.
FREQUENT = 400
SHUFFLED = 0.4
HAN_RE = re.compile(r"[\u4e00-\u9fff]")
PAGES_PER_FOLDER = 1000
MANIFEST = "manifest.jsonl"
INFO = "corpus.json"


@dataclass(frozen=True)
class Slot:
    """Where a skeleton holds an article: its title line's surroundings and body indent."""

    title_pre: str
    title_post: str
    indent: str


@dataclass(frozen=True)
class Skeleton:
    """A sample page as template lines and article slots, its site's name marked."""

    site: str
    parts: tuple[str | Slot, ...]


@dataclass(frozen=True)
class Article:
    """An article of the pool, in standard Simplified Chinese."""

    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Planted:
    """One article put on a page, and what was done to the copy."""

    article: int
    position: int
    script: str
    paragraphs: int
    kept: int
    spam_lines: int
    cut: bool


@dataclass(frozen=True)
class SyntheticPage:
    """A generated page: its file name, bytes, and the ground truth of what is on it."""

    name: str
    data: bytes
    site: str
    mobile: str
    landline: str
    domain: str
    articles: tuple[Planted, ...]

    def manifest(self) -> dict:
        return {
            "name": self.name,
            "site": self.site,
            "mobile": self.mobile,
            "landline": self.landline,
            "domain": self.domain,
            "articles": [asdict(a) for a in self.articles],
        }


@dataclass(frozen=True)
class Material:
    """Everything taken from the sample pages."""

    skeletons: tuple[Skeleton, ...]
    articles: tuple[Article, ...]
    sentences: tuple[str, ...]
    clauses: tuple[str, ...]
    spam_lines: tuple[str, ...]
    variants: dict[int, int]
    text: str
    frequent: str


def skeleton(text: str) -> tuple[Skeleton, list[tuple[str, list[str]]], list[str]]:
    """A sample page's skeleton, its articles (title and paragraphs as seen), its spam lines."""
    lines = text.splitlines()
    found = extract(text)
    site = found.site or ""
    parts: list[str | Slot] = []
    articles = []
    cursor = 0
    starts = [a.line - 1 for a in found.articles] + [len(lines)]
    for article, next_start in zip(found.articles, starts[1:], strict=False):
        start = article.line - 1
        parts += lines[cursor:start]
        region = lines[start + 1 : next_start]
        last = max(i for i, line in enumerate(region) if clean(line) == article.paragraphs[-1])
        first = next(i for i, line in enumerate(region) if clean(line) == article.paragraphs[0])
        indent = region[first][: len(region[first]) - len(region[first].lstrip())]
        match = TITLE_LINE_RE.match(lines[start])
        parts.append(Slot(match.group("pre"), match.group("post"), indent))
        articles.append((article.title, article.paragraphs))
        cursor = start + 1 + last + 1
    parts += lines[cursor:]
    template = [p for p in parts if isinstance(p, str)]
    spam = [
        clean(line)
        for line in template
        if (site and site in line and len(clean(line)) > len(site) + 4)
        or MOBILE_RE.search(line)
        or LANDLINE_RE.search(line)
        if not any(word in line for word in FRAME_WORDS)
    ]
    marked = tuple(p.replace(site, "{site}") if isinstance(p, str) and site else p for p in parts)
    return Skeleton(site, marked), articles, spam


def learn_variants(seen: list[tuple[list[str], list[str]]]) -> dict[int, int]:
    """The bad converter's variant characters: where a Traditional copy differs from s2t.

    Pairs of the same paragraph, Simplified and as a Traditional page had it, are compared
    position by position with OpenCC's s2t of the Simplified; a character the page wrote
    differently from s2t, consistently, is one of the converter's variants (麵 → 麪).
    """
    s2t = converter("s2t")
    counts: Counter[tuple[str, str]] = Counter()
    for simplified, traditional in seen:
        for plain, bad in zip(simplified, traditional, strict=False):
            expected = s2t.convert(plain)
            if len(expected) == len(bad):
                counts.update((e, b) for e, b in zip(expected, bad, strict=True) if e != b)
    best: dict[str, tuple[int, str]] = {}
    for (expected, bad), count in counts.items():
        if count >= 2 and count > best.get(expected, (0, ""))[0]:
            best[expected] = (count, bad)
    return {ord(e): ord(b) for e, (_, b) in best.items()}


@cache
def converter(config: str) -> opencc.OpenCC:
    try:
        return opencc.OpenCC(f"{config}.json")
    except Exception:  # opencc-python-reimplemented names its configs without .json
        return opencc.OpenCC(config)


@lru_cache(maxsize=1)
def material() -> Material:
    """Skeletons, pool articles, sentences and spam lines of the sample pages."""
    skeletons = []
    by_title: dict[str, Article] = {}
    copies: dict[str, list[list[str]]] = {}
    spam: list[str] = []
    for path in sorted(SAMPLES.iterdir()):
        page_skeleton, articles, page_spam = skeleton(path.read_text(encoding="utf-8"))
        skeletons.append(page_skeleton)
        spam += [line.replace(page_skeleton.site, "{site}") for line in page_spam]
        for title, paragraphs in articles:
            simple_title = normalise(title)
            copies.setdefault(simple_title, []).append(paragraphs)
            article = Article(simple_title, tuple(normalise(p) for p in paragraphs))
            if simple_title not in by_title or paragraphs == list(article.paragraphs):
                by_title[simple_title] = article
    pool = tuple(by_title[title] for title in sorted(by_title))
    pairs = []
    for title, seen in copies.items():
        original = list(by_title[title].paragraphs)
        pairs += [(original, paragraphs) for paragraphs in seen if paragraphs != original]
    lines = [line for a in pool for line in (a.title, *a.paragraphs)]
    sentences = {s.strip() for line in lines for s in SENTENCE_RE.findall(line)}
    clauses = {c.strip() for line in lines for c in CLAUSE_RE.findall(line)}
    text = "\n".join(lines)
    return Material(
        tuple(skeletons),
        pool,
        tuple(sorted(s for s in sentences if 8 <= len(s) <= 200)),
        tuple(sorted(c for c in clauses if 6 <= len(c) <= 18)),
        tuple(sorted(set(spam))),
        learn_variants(pairs),
        text,
        "".join(c for c, _ in Counter(HAN_RE.findall(text)).most_common(FREQUENT)),
    )


def site_name(rng: random.Random, text: str) -> str:
    """A spam site's name that no pool article contains."""
    while True:
        name = rng.choice(SITE_PREFIXES) + rng.choice(SITE_SUFFIXES)
        if name not in text:
            return name


def site(seed: int, number: int) -> tuple[str, str, str, str]:
    """Site ``number``: its name, mobile and landline numbers, and domain."""
    rng = random.Random(f"{seed}:site:{number}")
    name = site_name(rng, material().text)
    mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    landline = f"0{rng.randrange(100, 1000)}-{rng.randrange(10**7, 10**8)}"
    letters = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9)))
    domain = f"www.{letters}{rng.randrange(1000)}.{rng.choice(['com', 'net', 'cc', 'vip'])}"
    return name, mobile, landline, domain


def pool_article(seed: int, number: int) -> Article:
    """Article ``number`` of the pool: a sample article, or one recombined from sentences."""
    stuff = material()
    if number < len(stuff.articles):
        return stuff.articles[number]
    rng = random.Random(f"{seed}:article:{number}")
    title = "".join(rng.sample(stuff.clauses, rng.choice((1, 2, 2))))
    paragraphs = []
    for _ in range(rng.randint(16, 48)):
        if rng.random() < 0.12:
            paragraphs.append(rng.choice(stuff.clauses))
        else:
            paragraphs.append("".join(rng.sample(stuff.sentences, rng.randint(2, 7))))
    # Its own shuffle of some frequent characters makes the article's text its own: without
    # it, articles drawn from one pool of sentences share a tenth of their shingles.
    chosen = rng.sample(stuff.frequent, int(len(stuff.frequent) * SHUFFLED))
    table = str.maketrans("".join(chosen), "".join(rng.sample(chosen, len(chosen))))
    return Article(title.translate(table), tuple(p.translate(table) for p in paragraphs))


def convert(text: str, script: str) -> str:
    """Text in the page's script."""
    if script == "simplified":
        return text
    if script == "variant":
        return converter("s2t").convert(text).translate(material().variants)
    return converter(script).convert(text)


def pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    roll = rng.random()
    for value, share in table:
        roll -= share
        if roll < 0:
            return value
    return table[-1][0]


def page(seed: int, number: int, pages: int) -> SyntheticPage:
    """Page ``number`` of the corpus of ``pages`` pages made from ``seed``."""
    stuff = material()
    rng = random.Random(f"{seed}:page:{number}")
    sites = max(1, pages // PAGES_PER_SITE)
    name, mobile, landline, domain = site(seed, rng.randrange(sites))
    frame = rng.choice(stuff.skeletons)
    slots = sum(isinstance(p, Slot) for p in frame.parts)
    keep_slots = 0 if rng.random() < 0.03 else slots - (rng.random() < 0.2)
    script = pick(rng, SCRIPTS)
    # Popular articles come back on many pages: ids near 0 are drawn far more often.
    distinct = max(len(stuff.articles), pages // 2)
    chosen: list[int] = []
    while len(chosen) < keep_slots:
        number_drawn = int(distinct * rng.random() ** 2)
        if number_drawn not in chosen:
            chosen.append(number_drawn)
    lines: list[str] = []
    planted: list[Planted] = []
    spans: list[tuple[int, int]] = []
    slot_index = 0
    for part in frame.parts:
        if isinstance(part, str):
            lines.append(contacts(part.replace("{site}", name), mobile, landline, domain))
            continue
        slot_index += 1
        if slot_index > keep_slots:
            continue
        article = pool_article(seed, chosen[slot_index - 1])
        body = list(article.paragraphs)
        if rng.random() < 0.25 and len(body) > 2:
            for _ in range(rng.randint(1, max(1, len(body) // 8))):
                body.pop(rng.randrange(1, len(body)))
        kept = len(body)
        body = [convert(p, script) for p in body]
        spam = rng.randint(1, 3) if rng.random() < 0.3 else 0
        for _ in range(spam):
            line = rng.choice(stuff.spam_lines).replace("{site}", name)
            body.insert(rng.randrange(1, len(body) + 1), contacts(line, mobile, landline, domain))
        lines.append(part.title_pre + convert(article.title, script) + part.title_post)
        start = sum(len(line) + 1 for line in lines)
        for paragraph in body:
            lines += ["", part.indent + paragraph]
        spans.append((start, sum(len(line) + 1 for line in lines)))
        planted.append(
            Planted(
                chosen[slot_index - 1],
                slot_index - 1,
                script,
                len(article.paragraphs),
                kept,
                spam,
                False,
            )
        )
    text = "\n".join(lines) + "\n"
    if planted and rng.random() < 0.05:
        start, end = spans[-1]
        text = text[: start + int((end - start) * rng.uniform(0.3, 0.95))]
        planted[-1] = replace(planted[-1], cut=True)
    return SyntheticPage(
        f"{number // PAGES_PER_FOLDER:03d}/{number:06d}.txt",
        text.encode("utf-8"),
        name,
        mobile,
        landline,
        domain,
        tuple(planted),
    )


def contacts(line: str, mobile: str, landline: str, domain: str) -> str:
    """A template line with the sample site's contacts replaced by this site's."""
    line = MOBILE_RE.sub(mobile, line)
    line = LANDLINE_RE.sub(landline, line)
    return DOMAIN_RE.sub(domain, line)


def _page(args: tuple[int, int, int]) -> SyntheticPage:
    return page(*args)


def generate(seed: int, pages: int, jobs: int = 1) -> Iterator[SyntheticPage]:
    """Every page of the corpus, in order, made by ``jobs`` processes."""
    tasks = ((seed, number, pages) for number in range(pages))
    if jobs <= 1:
        yield from map(_page, tasks)
        return
    with multiprocessing.Pool(jobs) as pool:
        yield from pool.imap(_page, tasks, chunksize=64)


def fingerprint(seed: int, pages: int) -> str:
    """A hash of the first pages: changes when the generator or the sample pages change."""
    digest = hashlib.sha256(f"{seed}:{pages}".encode())
    for number in range(min(pages, 20)):
        digest.update(page(seed, number, pages).data)
    return digest.hexdigest()


def write_corpus(folder: Path, seed: int, pages: int, jobs: int | None = None) -> Path:
    """Write the corpus under ``folder`` (pages in ``folder/pages``), unless it is there already.

    Returns the pages folder. A folder made by another seed, size or version of the
    generator is made again.
    """
    info = {"seed": seed, "pages": pages, "fingerprint": fingerprint(seed, pages)}
    info_path = folder / INFO
    if info_path.exists() and json.loads(info_path.read_text()) == info:
        return folder / "pages"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "pages").mkdir(parents=True)
    with (folder / MANIFEST).open("w", encoding="utf-8") as manifest:
        for made in generate(seed, pages, jobs or os.cpu_count() or 1):
            path = folder / "pages" / made.name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(made.data)
            manifest.write(json.dumps(made.manifest(), ensure_ascii=False) + "\n")
    info_path.write_text(json.dumps(info))
    return folder / "pages"


def read_manifest(folder: Path) -> list[dict]:
    """The ground truth of a written corpus, one entry per page, in order."""
    with (folder / MANIFEST).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--pages", default=10000, show_default=True)
@click.option("--seed", default=1, show_default=True)
def main(folder: Path, pages: int, seed: int) -> None:
    """Write a synthetic corpus of PAGES pages under FOLDER."""
    click.echo(write_corpus(folder, seed, pages))


if __name__ == "__main__":
    main()
