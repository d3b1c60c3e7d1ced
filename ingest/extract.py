"""Find the real articles embedded in a spam page, and the spam around them.

The spam template starts each copied article with a title line ending in ``******``.
What belongs to the article is decided from signals that hold across the template
family rather than from any one site's wording:

- indentation: an article's paragraphs share one indentation (the most common one,
  weighted by length, after its title); template lines around and between articles sit
  outside it;
- the site's name: found in the page header and footer and repeated on every injected
  spam line, so a line carrying it is spam wherever it appears;
- contact details and links: phone numbers, domains, emoji decorations;
- generic web-page furniture: list bullets, "related reading", copyright, sitemap lines.

An article ends at the first footer line, or where two template lines follow each other,
or after its last indented paragraph.

The template lines also say something about the page and the operation behind it: the
date the header states, the phone numbers and domains it advertises, and the template's
shape (its slot lines with contacts, dates, numbers and the site's name masked), which
pages built from one template share whatever site they are for.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from ingest.normalise import to_simplified

TITLE_RE = re.compile(r"^[\s•·●○◆◇■□▪▶►\-]*(?P<title>.*?\S)\s*\*{4,}\s*$")
BULLETS = "•·●○◆◇■□▪▶►"
BULLET_RE = re.compile(f"^[{BULLETS}]+")
PHONE = r"(?:1[3-9]\d{9}|0\d{2,3}-\d{7,8}|400-?\d{3}-?\d{4})(?!\d)"
PHONE_RE = re.compile(r"(?<!\d)" + PHONE)
# The same without the look-behind, which keeps the regex engine from skipping ahead to a
# 0, 1 or 4: four times faster to search a line with (see has_phone).
PHONE_START_RE = re.compile(PHONE)
# Domain names are ASCII and Chinese text runs straight into them (访问abc.com领取), so a
# name is delimited by what is not ASCII letters, digits and hyphens; a bare one is matched
# from the start of its run only, so a long run (a-a-a-…) is scanned once, not quadratically.
DOMAIN_RE = re.compile(
    r"(?:https?://|www\.)[a-z0-9.-]+"
    r"|(?<![a-z0-9-])[a-z0-9-]+\.(?:com|net|cn|org|cc|vip|top|xyz|info|me|tv|app)(?![a-z0-9])",
    re.IGNORECASE,
)
# Pictographs used to decorate spam (💎, 🔥, ✅…); real news text does not carry them.
EMOJI_RE = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2b55]")
# Furniture of the web page around an article, matched on short lines once converted to
# Simplified: reading lists, sharing, copyright, sitemaps, app promotions, editor stamps.
# The template's footer lists county names run together: 修水县富宁县绥江县临汾市…
PLACES_RE = re.compile(r"(?:[\u4e00-\u9fff]{1,7}?[县区市旗盟州]){4}")
FURNITURE_RE = re.compile(
    r"相关阅读|延伸阅读|推荐阅读|阅读剩余全文|阅读全文|热门推荐|猜你喜欢|上一篇|下一篇|"
    r"分享到|版权所有|版权声明|sitemap|网站地图|地图$|客户端|权威发布|最新上架|服务预约|"
    r"加载更多|返回顶部|返回首页|扫一扫|二维码|关注我们|联系我们|^\[?责编[:：]|^编辑[:：]",
    re.IGNORECASE,
)
# A calendar date as pages and bylines write it: 2024-01-14, 2023/9/5, 2023年01月10日.
DATE_RE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?:\s*日)?(?!\d)"
)
# The same shape with any digits, for masking template lines (spam pages print 1292-05-29).
ANY_DATE_RE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?:\s*日)?")
TIME_RE = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
TEMPLATE_SLOTS = 4
HEADER_LINES = 30  # the header of a page without articles, for its date and template
SHORT_LINE = 40
# Header and footer: the template lines the site's name is looked for in, and how many
# distinct lines must hold it.
EDGE_LINES = 60
SITE_LINES = 3
# A site named in Latin letters and digits only (AGPK10, 888PK10): a whole run of them,
# with both (words such as APP or VIP are on many template lines).
LATIN_RUN_RE = re.compile(r"[0-9A-Za-z]{4,}")
# Phone numbers and domains need ASCII letters or digits: most lines have none.
ASCII_ALNUM_RE = re.compile(r"[0-9A-Za-z]")
HAN_RE = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
WORD_RE = re.compile(r"[\w\u3400-\u9fff\U00020000-\U0003134f]+")


@dataclass
class Article:
    """One article as found on a page: its title and paragraphs exactly as written."""

    position: int
    title: str
    paragraphs: list[str]
    line: int
    dropped: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class Extraction:
    """What one page holds: the spam site's name, the articles it copied, and what its
    template lines say: the page's stated date, contacts, and the template's shape."""

    site: str | None
    articles: list[Article]
    stated_date: str | None = None
    phones: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    template: str | None = None


def indent(line: str) -> int:
    """Width of a line's leading whitespace (full-width spaces count two)."""
    lead = line[: len(line) - len(line.lstrip())]
    return len(lead) + lead.count("\u3000")


def clean(line: str) -> str:
    """A line without its surrounding whitespace, full-width and no-break spaces included."""
    return line.strip().strip("\u3000\u00a0\ufeff").strip()


def measure_line(line: str) -> tuple[str, int]:
    """A line's text as :func:`clean` gives it, and its :func:`indent`, in one pass."""
    text = line.lstrip()
    lead = line[: len(line) - len(text)]
    text = text.rstrip()
    if text[:1] == "\ufeff" or text[-1:] == "\ufeff":
        text = text.strip("\u3000\u00a0\ufeff").strip()
    return text, len(lead) + lead.count("\u3000")


def title_of(line: str) -> str | None:
    """The title if the line is an article title marker, else None."""
    if not line.rstrip().endswith("****"):
        return None
    match = TITLE_RE.match(line)
    if not match:
        return None
    title = clean(match.group("title").rstrip("*"))
    return title if WORD_RE.search(title) else None


def detect_site(lines: list[str], page: Sequence[str] = ()) -> str | None:
    """The spam site's name, from the page's template lines (header, footer, injected lines).

    The footer's ``<name>地图`` (sitemap) line names the site directly; otherwise the site is
    the word run shared by the most distinct template lines (its name is on nearly all):
    at least ``SITE_LINES`` of them, or, on a page cut short to two template lines, both, if
    ``SITE_LINES`` of the ``page``'s lines hold it (an injected spam line does). Only
    the first and last ``EDGE_LINES`` are candidates, so a page of any length costs linear time.
    A run is a piece of a word holding Chinese characters, or a whole Latin run of letters and
    digits (AGPK10), which wins only on more lines.
    """
    texts = [clean(line) for line in lines]
    texts = [text for text in texts if text]
    for text in reversed(texts[-EDGE_LINES:]):
        match = re.fullmatch(r"(?P<name>.{2,24}?)(?:网站|網站)?地图", text)
        if match and not match.group("name").endswith("网站"):
            name = match.group("name")
            if any(name in other and other != text for other in texts):
                return name
    counts: Counter[str] = Counter()
    # Distinct lines only, told apart without their contacts and bullets: a template line
    # repeated with other numbers or links (the contact line of every block) counts once.
    edges = dict.fromkeys(
        BULLET_RE.sub("", PHONE_RE.sub(" ", DOMAIN_RE.sub(" ", text[:80]))).strip()
        for text in texts[:EDGE_LINES] + texts[EDGE_LINES:][-EDGE_LINES:]
    )
    latin: set[str] = set()
    for text in edges:
        seen: set[str] = set()
        for word in WORD_RE.findall(text):
            for start in range(len(word)):
                for end in range(start + 2, min(len(word), start + 16) + 1):
                    piece = word[start:end]
                    if HAN_RE.search(piece):
                        seen.add(piece)
            runs = {r for r in LATIN_RUN_RE.findall(word) if not r.isdigit() and not r.isalpha()}
            seen |= runs
            latin |= runs
        counts.update(seen)
    # The most lines first; then Chinese before Latin, so that a game's name on as many lines
    # as the site's (PK10 beside AG彩票) does not win; then the longest.
    count, *_, name = max(
        ((c, piece not in latin, len(piece), piece) for piece, c in counts.items()),
        default=(0, False, 0, ""),
    )
    if count >= SITE_LINES:
        return name
    if count == 2 == len(edges) and sum(name in text for text in set(page)) >= SITE_LINES:
        return name
    return None


def is_spam(text: str, site: str | None) -> bool:
    """A line the spam template injected: it names the site, or carries contacts or emoji."""
    if site and site in text:
        return True
    if EMOJI_RE.search(text):
        return True
    if not ASCII_ALNUM_RE.search(text):
        return False
    return has_phone(text) or ("." in text and DOMAIN_RE.search(text) is not None)


def has_phone(text: str) -> bool:
    """Whether ``PHONE_RE`` finds a phone number in the text.

    Any of its matches is one of ``PHONE_START_RE`` at the same place, so the first of
    those, not preceded by a digit, is one of its; one preceded by a digit (rare) leaves it
    to ``PHONE_RE``.
    """
    found = PHONE_START_RE.search(text)
    if found is None:
        return False
    start = found.start()
    if start == 0 or not text[start - 1].isdecimal():
        return True
    return PHONE_RE.search(text) is not None


def find_phones(text: str) -> list[str]:
    """What ``PHONE_RE.findall`` finds, four times faster on a page's template lines (see
    :func:`has_phone`): while no match of ``PHONE_START_RE`` follows a digit, the two scans
    stop at the same places; one that does (rare) leaves it to ``PHONE_RE``."""
    found = []
    for match in PHONE_START_RE.finditer(text):
        start = match.start()
        if start and text[start - 1].isdecimal():
            return PHONE_RE.findall(text)
        found.append(match.group())
    return found


class Simplified:
    """The Simplified form (OpenCC ``t2s``) of a page's lines, those of ``SHORT_LINE`` or
    fewer characters made in one call, any other once when first asked for: the checks of
    each line would make one call each. (A line converts alone as it does in a text: no
    OpenCC phrase spans a line break.)"""

    def __init__(self, texts: list[str]) -> None:
        short = list(dict.fromkeys(t for t in texts if t and len(t) <= SHORT_LINE))
        converted = to_simplified("\n".join(short)).split("\n") if short else []
        self.known = dict(zip(short, converted, strict=True))

    def __call__(self, text: str) -> str:
        found = self.known.get(text)
        if found is None:
            found = self.known[text] = to_simplified(text)
        return found


def is_furniture(text: str, simplified=to_simplified) -> bool:
    """A short line of web-page furniture (reading lists, sharing, copyright, sitemap…)
    (``simplified``: a page's :class:`Simplified`, if made)."""
    if PLACES_RE.match(text) and not re.search(r"[,，。、；;:：!！?？]", text):
        return True
    return len(text) <= SHORT_LINE and bool(FURNITURE_RE.search(simplified(text)))


def measure(lines: list[str]) -> list[tuple[str, int]]:
    """Each line's text without surrounding whitespace, and its indentation (blank lines,
    half of most pages, at once)."""
    return [measure_line(line) if line else ("", 0) for line in lines]


def body_indent(measured: list[tuple[str, int]]) -> int:
    """The indentation of an article's paragraphs: the most common one, weighted by length
    (``measured``: lines as :func:`measure` gives them)."""
    weight: dict[int, int] = {}
    for text, width in measured:
        if text and text[0] not in BULLETS:
            weight[width] = weight.get(width, 0) + len(text)
    # The first of equal weights, as Counter.most_common gives it.
    return max(weight, key=weight.__getitem__) if weight else 0


def article_from(
    measured: list[tuple[str, int]], site: str | None, simplified=to_simplified
) -> tuple[list[str], list[str]]:
    """Split the lines after a title (as :func:`measure` gives them) into the article's
    paragraphs and the lines dropped.

    A line outside the article's indentation is held back: it is kept (an image caption)
    only if the article goes on after it, and two such lines in a row end the article.
    """
    level = body_indent(measured)
    last = max(
        (i for i, (text, width) in enumerate(measured) if text and width >= level), default=-1
    )
    paragraphs: list[str] = []
    dropped: list[str] = []
    held: str | None = None
    for text, width in measured[: last + 1]:
        if not text:
            continue
        if is_furniture(text, simplified):
            dropped.append(text)
            break
        if is_spam(text, site):
            dropped.append(text)
            continue
        if width < level or text[0] in BULLETS:
            if held is not None:
                dropped += [held, text]
                held = None
                break
            held = text
            continue
        for piece in ([held] if held is not None else []) + [text]:
            if paragraphs and piece == paragraphs[-1]:
                dropped.append(piece)
            else:
                paragraphs.append(piece)
        held = None
    if held is not None:
        dropped.append(held)
    return paragraphs, dropped


def extract(text: str) -> Extraction:
    """Find the site's name and every embedded article on a page."""
    lines = text.splitlines()
    measured = measure(lines)
    texts = [t for t, _ in measured]
    simplified = Simplified(texts)
    starts = [
        (i, title)
        for i, (line, (t, _)) in enumerate(zip(lines, measured, strict=True))
        if t.endswith("****") and (title := title_of(line))
    ]
    template_lines = lines[: starts[0][0]] if starts else lines
    tail_from = starts[-1][0] + 1 if starts else len(lines)
    measured_tail = measured[tail_from:]
    tail_level = body_indent(measured_tail)
    template_lines = template_lines + [
        line
        for line, (_, width) in zip(lines[tail_from:], measured_tail, strict=True)
        if width < tail_level
    ]
    site = detect_site(template_lines, texts)
    articles: list[Article] = []
    bounds = [i for i, _ in starts] + [len(lines)]
    for (start, title), end in zip(starts, bounds[1:], strict=False):
        paragraphs, dropped = article_from(measured[start + 1 : end], site, simplified)
        if paragraphs:
            articles.append(Article(len(articles), title, paragraphs, start + 1, dropped))
    header = lines[: starts[0][0]] if starts else lines[:HEADER_LINES]
    spam = template_lines + [line for article in articles for line in article.dropped]
    return Extraction(
        site,
        articles,
        stated_date(header),
        unique(find_phones(fold_digits(" ".join(spam)))),
        unique(domain_of(m) for m in DOMAIN_RE.findall(" ".join(spam))),
        template_shape(header, site, simplified)
        or template_shape(template_lines, site, simplified),
    )


def iso_date(text: str) -> str | None:
    """The first valid calendar date in the text as YYYY-MM-DD, else None."""
    for match in DATE_RE.finditer(text):
        try:
            return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
        except ValueError:
            continue
    return None


def stated_date(header: list[str]) -> str | None:
    """The date the page's header states (2024-01-14, 發佈時間:2023-09-05), if valid."""
    for line in header:
        if found := iso_date(fold_digits(line)):
            return found
    return None


def fold_digits(text: str) -> str:
    """Full-width digits and hyphens as ASCII, so contacts are written one way.

    Most pages have none, and ``str.translate`` looks up every character (250 µs for a
    page's header, against 18 µs to search it for one).
    """
    return text.translate(FULLWIDTH_DIGITS) if FULLWIDTH_RE.search(text) else text


FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９－：", "0123456789-:")
FULLWIDTH_RE = re.compile("[０-９－：]")


def domain_of(text: str) -> str:
    """A domain as written in a link or bare, lowercased, without scheme and ``www.``."""
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", text.lower())
    return host.split("/", 1)[0].strip(".")


def unique(items) -> list[str]:
    """Items in first-seen order, each once."""
    return list(dict.fromkeys(item for item in items if item))


def mask(text: str, site: str | None, simplified=to_simplified) -> str:
    """A template line with what varies between sites replaced by slots.

    Domains, phones, dates, times, the site's name and other numbers become ``{domain}``,
    ``{phone}``, ``{date}``, ``{time}``, ``{site}``, ``{n}``; whitespace runs become one space.
    """
    text = fold_digits(simplified(clean(text)))
    text = DOMAIN_RE.sub("{domain}", text)
    text = PHONE_RE.sub("{phone}", text)
    text = ANY_DATE_RE.sub("{date}", text)
    text = TIME_RE.sub("{time}", text)
    if site:
        text = text.replace(simplified(site), "{site}")
    text = re.sub(r"\d+", "{n}", text)
    return re.sub(r"\s+", " ", text)


# Every slot but {site} stands for digits or a domain: a line without a digit or a letter a
# domain may hold has none.
SLOTTABLE_RE = re.compile(r"[a-z\d]", re.IGNORECASE)
SLOT_RE = re.compile(r"\{(?:domain|phone|date|time|n)\}")


def template_shape(lines: list[str], site: str | None, simplified=to_simplified) -> str | None:
    """The shape of a page's template: its first short lines with slots (contacts, dates,
    numbers), masked, joined by `` / ``. Pages built from one template share it whatever
    their site.

    Lines holding only the site's name are left out, and so are long ones: the keywords
    around the name (交流群, 注册网, 手机版) and the promotional blurbs change from site to
    site within one template family.
    """
    slotted: list[str] = []
    for line in lines:
        if len(slotted) == TEMPLATE_SLOTS:
            break
        if not SLOTTABLE_RE.search(line):
            continue
        shape = mask(line, site, simplified)
        if len(shape) <= SHORT_LINE and SLOT_RE.search(shape):
            slotted.append(shape)
    return " / ".join(slotted) or None
