"""Generated pairs of article texts, labelled same or different, to choose and check dedup.

Positives are copies of one article as spam pages make them: cut short (a prefix of half
the article or more), with a few lines dropped or spam lines injected, converted to
Traditional script by OpenCC (``s2t``, ``s2tw``) and normalised back by our pipeline, and
mixes of these. Negatives are different articles that look alike: the same byline and
column with another body (same author), paragraphs of other articles recombined with one
paragraph quoted, texts generated on the same topic by a character Markov chain trained on
the article, and every pair of distinct real articles.

The material is real and offline: the sample corpus's articles and its spam lines; further
articles are generated from them deterministically (a seeded Markov chain), so the set is
the same on every run.

``python -m bench.pairs [--bases N]`` prints precision and recall of ``ingest.dedup`` at its
thresholds (candidate by a shared LSH band, then ``same_article``), a sweep of the
thresholds, and how well ``partial`` marks the cut-short copies.
"""

from __future__ import annotations

import argparse
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import opencc

from ingest import dedup
from ingest.extract import extract
from ingest.normalise import normalise

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
MARKOV_ORDER = 2
MIN_CHARS = 300
HAN_RUN_RE = re.compile(r"[\u4e00-\u9fff]{4,}")


@dataclass(frozen=True)
class Article:
    title: str
    paragraphs: tuple[str, ...]

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass(frozen=True)
class Pair:
    """Two normalised bodies, whether they are one article, and how the second was made."""

    a: str
    b: str
    same: bool
    kind: str
    partial: bool = False


@lru_cache(maxsize=1)
def sample_material() -> tuple[tuple[Article, ...], tuple[str, ...]]:
    """The distinct articles of the sample corpus (normalised) and its spam lines."""
    articles: dict[str, Article] = {}
    spam: list[str] = []
    for path in sorted(CORPUS.iterdir()):
        text = path.read_text(encoding="utf-8")
        found = extract(text)
        kept = set()
        for art in found.articles:
            paragraphs = tuple(normalise(p) for p in art.paragraphs)
            title = normalise(art.title)
            articles.setdefault(title[:8], Article(title, paragraphs))
            kept.update(art.paragraphs + [art.title])
        for line in text.splitlines():
            line = line.strip()
            if 6 <= len(line) <= 120 and line not in kept and "****" not in line:
                spam.append(normalise(line))
    return tuple(articles.values()), tuple(dict.fromkeys(spam))


class Markov:
    """A character Markov chain: text on the same topic and in the same style, not copied."""

    def __init__(self, text: str, order: int = MARKOV_ORDER) -> None:
        self.order = order
        self.next: dict[str, list[str]] = defaultdict(list)
        flat = text.replace("\n", "")
        for i in range(len(flat) - order):
            self.next[flat[i : i + order]].append(flat[i + order])
        self.starts = [flat[i : i + order] for i in range(0, len(flat) - order, 50)]

    def paragraph(self, rnd: random.Random, chars: int) -> str:
        state = rnd.choice(self.starts)
        out = list(state)
        while len(out) < chars:
            choices = self.next.get(state)
            if not choices:
                state = rnd.choice(self.starts)
                continue
            out.append(rnd.choice(choices))
            state = "".join(out[-self.order :])
        return "".join(out)

    def article(self, rnd: random.Random, like: Article, paragraphs: int | None = None):
        """An article shaped like ``like`` (its paragraph lengths, ``paragraphs`` of them),
        with generated text."""
        lengths = [len(p) for p in like.paragraphs]
        rnd.shuffle(lengths)
        if paragraphs is not None:  # at least a short news item: 300 characters
            while paragraphs < len(lengths) and sum(lengths[:paragraphs]) < MIN_CHARS:
                paragraphs += 1
            lengths = lengths[:paragraphs]
        return Article(self.paragraph(rnd, 12), tuple(self.paragraph(rnd, n) for n in lengths))


@lru_cache(maxsize=2)
def _converter(config: str) -> opencc.OpenCC:
    try:
        return opencc.OpenCC(f"{config}.json")
    except Exception:  # opencc-python-reimplemented
        return opencc.OpenCC(config)


def convert(text: str, config: str) -> str:
    """Text as a converter to Traditional script writes it, then normalised by our pipeline."""
    return normalise(_converter(config).convert(text))


def truncate(paragraphs: list[str], share: float) -> list[str]:
    """The first ``share`` of the text's characters, cut mid-paragraph."""
    total = sum(len(p) for p in paragraphs)
    keep = int(total * share)
    out = []
    for p in paragraphs:
        if keep <= 0:
            break
        out.append(p[:keep])
        keep -= len(p)
    return out


def drop_lines(rnd: random.Random, paragraphs: list[str], count: int) -> list[str]:
    """Lose up to ``count`` lines (a caption, a short paragraph): a tenth of the text at most."""
    budget = sum(len(p) for p in paragraphs) / 10
    out = list(paragraphs)
    for _ in range(count):
        options = [i for i, p in enumerate(out) if len(p) <= budget]
        if len(out) < 3 or not options:
            break
        budget -= len(out.pop(rnd.choice(options)))
    return out


def inject_lines(rnd: random.Random, paragraphs: list[str], spam: tuple[str, ...], count: int):
    """Spam lines that got past extraction, at random places."""
    out = list(paragraphs)
    for _ in range(count):
        line = rnd.choice(spam)
        line = line.replace("3", str(rnd.randrange(10)))  # numbers on spam lines vary
        out.insert(rnd.randrange(len(out) + 1), line)
    return out


def positives(rnd: random.Random, art: Article, spam: tuple[str, ...]) -> Iterator[Pair]:
    """Copies of one article, each paired with the article."""
    paras = list(art.paragraphs)
    body = art.body

    def pair(kind: str, copy: list[str] | str, partial: bool = False) -> Pair:
        text = copy if isinstance(copy, str) else "\n".join(copy)
        return Pair(body, text, True, kind, partial)

    share = rnd.uniform(0.5, 0.97)
    yield pair("truncated", truncate(paras, share), share < dedup.PARTIAL_BELOW)
    yield pair("dropped", drop_lines(rnd, paras, rnd.randint(1, 3)))
    yield pair("injected", inject_lines(rnd, paras, spam, rnd.randint(1, 6)))
    yield pair("s2t", convert(body, "s2t"))
    yield pair("s2tw", convert(body, "s2tw"))
    share = rnd.uniform(0.5, 0.97)
    cut = inject_lines(rnd, truncate(paras, share), spam, rnd.randint(1, 3))
    yield pair("truncated+injected", cut, share < dedup.PARTIAL_BELOW)
    mixed = inject_lines(rnd, drop_lines(rnd, paras, rnd.randint(1, 2)), spam, rnd.randint(1, 3))
    yield pair("s2t+dropped+injected", convert("\n".join(mixed), "s2t"))
    share = rnd.uniform(0.5, 0.97)
    yield pair("s2tw+truncated", convert("\n".join(truncate(paras, share)), "s2tw"), share < 0.9)


def header(art: Article) -> list[str]:
    """The article's opening short lines: column label, byline, dateline."""
    out: list[str] = []
    limit = len(art.body) / 8
    for p in art.paragraphs:
        if len(p) > 60 or len(out) == 3 or sum(map(len, out)) + len(p) > limit:
            break
        out.append(p)
    return out or [art.paragraphs[0][:20]]


def terms(art: Article, count: int = 40) -> list[str]:
    """The article's key terms: its most repeated four-character runs of Han characters."""
    counts: dict[str, int] = defaultdict(int)
    for p in art.paragraphs:
        for run in HAN_RUN_RE.findall(p):
            for i in range(len(run) - 3):
                counts[run[i : i + 4]] += 1
    ranked = sorted(counts, key=lambda t: (-counts[t], t))
    return [t for t in ranked if counts[t] >= 2][:count] or ranked[:count]


def on_topic(rnd: random.Random, art: Article, markov: Markov) -> list[str]:
    """Another text using the article's key terms: generated text with a term every ~12
    characters, paragraphs as long as the article's."""
    key = terms(art)
    out = []
    for p in art.paragraphs:
        pieces = []
        while sum(map(len, pieces)) < len(p):
            pieces.append(markov.paragraph(rnd, rnd.randint(6, 14)))
            pieces.append(rnd.choice(key))
        out.append("".join(pieces)[: len(p)])
    return out


def negatives(
    rnd: random.Random, art: Article, others: list[Article], markov: Markov
) -> Iterator[Pair]:
    """Different articles that look like ``art``, each paired with it."""
    body = art.body

    def pair(kind: str, paragraphs: list[str]) -> Pair:
        return Pair(body, "\n".join(paragraphs), False, kind)

    other = rnd.choice(others)
    yield pair("same author", header(art) + list(other.paragraphs[len(header(other)) :]))
    yield pair("same topic", header(art) + on_topic(rnd, art, markov))
    generated = Markov(body, 1).article(rnd, art)
    yield pair("same words", list(generated.paragraphs))
    generated = markov.article(rnd, art)
    yield pair("same style", list(generated.paragraphs))
    # Another article quoting one paragraph of this one (at most a fifth of its text).
    quoted = [p for p in art.paragraphs if len(p) <= len(body) / 5]
    mixed = list(other.paragraphs)
    mixed.insert(rnd.randrange(len(mixed) + 1), rnd.choice(quoted or [art.paragraphs[0][:80]]))
    yield pair("quotes a paragraph", mixed)
    # Paragraphs of several articles recombined, this one giving at most a fifth.
    pool = [p for o in others for p in o.paragraphs]
    own = [p for p in art.paragraphs if len(p) <= len(body) / 10][:2]
    recombined = rnd.sample(pool, min(len(pool), len(art.paragraphs))) + own
    rnd.shuffle(recombined)
    yield pair("recombined", recombined)


def pair_set(bases: int = 40, seed: int = 5) -> list[Pair]:
    """The labelled pairs: the sample articles plus generated ones, ``bases`` in all."""
    rnd = random.Random(seed)
    real, spam = sample_material()
    markov = Markov("\n".join(a.body for a in real))
    articles = list(real)
    while len(articles) < bases:
        # Short news items too: a few paragraphs, down to a couple of hundred characters.
        size = rnd.choice([3, 5, 8, None])
        articles.append(markov.article(rnd, rnd.choice(real), size))
    pairs: list[Pair] = []
    for i, art in enumerate(articles):
        others = articles[:i] + articles[i + 1 :]
        pairs.extend(positives(rnd, art, spam))
        pairs.extend(negatives(rnd, art, others, markov))
    for i, a in enumerate(real):
        for b in real[i + 1 :]:
            pairs.append(Pair(a.body, b.body, False, "distinct real articles"))
    return pairs


@dataclass
class Scored:
    pair: Pair
    candidate: bool
    exact: bool
    jaccard: float
    containment: float
    ratio: float

    def predicted(self, min_containment: float, min_ratio: float) -> bool:
        return self.exact or (
            self.candidate and self.containment >= min_containment and self.ratio >= min_ratio
        )


def score(pair: Pair) -> Scored:
    """The pair as dedup sees it: a shared band, estimated Jaccard, containment, size ratio."""
    a, b = dedup.signature(pair.a), dedup.signature(pair.b)
    j = dedup.jaccard(a.hashvalues, b.hashvalues)
    smaller, larger = sorted((a.shingles, b.shingles))
    return Scored(
        pair,
        bool(set(a.bands) & set(b.bands)),
        a.text_hash == b.text_hash,
        j,
        dedup.containment(j, a.shingles, b.shingles),
        smaller / larger if larger else 0.0,
    )


def precision_recall(scored: list[Scored], min_containment: float, min_ratio: float):
    """Precision and recall of the same-article decision over scored pairs."""
    tp = fp = fn = 0
    for s in scored:
        guess = s.predicted(min_containment, min_ratio)
        tp += guess and s.pair.same
        fp += guess and not s.pair.same
        fn += not guess and s.pair.same
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def partial_accuracy(scored: list[Scored]) -> dict[str, float]:
    """By kind of copy, the share of matched copies whose ``partial`` flag (by length, as
    ``ingest.dedup.coverage`` sets it) says what the generator did: cut short or not."""
    right: dict[str, list[bool]] = defaultdict(list)
    for s in scored:
        if s.pair.same and s.predicted(dedup.SAME_CONTAINMENT, dedup.MIN_RATIO):
            longer = max(dedup.length(s.pair.a), dedup.length(s.pair.b))
            flag = dedup.coverage(dedup.length(s.pair.b), longer)[1]
            right[s.pair.kind].append(flag == s.pair.partial)
    return {kind: sum(flags) / len(flags) for kind, flags in right.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bases", type=int, default=600, help="articles to make pairs of")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    scored = [score(p) for p in pair_set(args.bases, args.seed)]
    same = sum(s.pair.same for s in scored)
    print(f"{len(scored)} pairs: {same} same article, {len(scored) - same} different")
    p, r = precision_recall(scored, dedup.SAME_CONTAINMENT, dedup.MIN_RATIO)
    print(
        f"at containment >= {dedup.SAME_CONTAINMENT}, size ratio >= {dedup.MIN_RATIO}, "
        f"{dedup.NUM_PERM} permutations, {dedup.BANDS} bands of {dedup.BAND_ROWS}: "
        f"precision {p:.4f}, recall {r:.4f}"
    )
    by_kind: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        by_kind[s.pair.kind].append(s)
    print(f"{'kind':24} {'pairs':>5} {'matched':>7} {'banded':>6} {'containment min..max':>21}")
    for kind, items in by_kind.items():
        matched = sum(s.predicted(dedup.SAME_CONTAINMENT, dedup.MIN_RATIO) for s in items)
        banded = sum(s.candidate for s in items)
        lo, hi = min(s.containment for s in items), max(s.containment for s in items)
        print(f"{kind:24} {len(items):5} {matched:7} {banded:6} {lo:10.3f}..{hi:.3f}")
    same_pairs = [s for s in scored if s.pair.same]
    near = [s for s in scored if not s.pair.same and s.candidate and s.ratio >= dedup.MIN_RATIO]
    print(
        f"margin: lowest containment of a copy {min(s.containment for s in same_pairs):.3f}, "
        f"highest of a different article of a fitting size "
        f"{max((s.containment for s in near), default=0):.3f}; lowest size ratio of a copy "
        f"{min(s.ratio for s in same_pairs):.3f}"
    )
    print("sweep of the containment threshold (precision, recall):")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        p, r = precision_recall(scored, t, dedup.MIN_RATIO)
        print(f"  {t:.1f}: {p:.4f} {r:.4f}")
    print("sweep of the size ratio threshold (precision, recall):")
    for t in (0.3, 0.4, 0.45, 0.5):
        p, r = precision_recall(scored, dedup.SAME_CONTAINMENT, t)
        print(f"  {t:.2f}: {p:.4f} {r:.4f}")
    print("partial flag as generated (cut short below 0.9 or not), share right by kind:")
    for kind, share in partial_accuracy(scored).items():
        print(f"  {kind:24} {share:.3f}")


if __name__ == "__main__":
    main()
