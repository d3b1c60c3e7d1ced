"""Article metadata from an article's own text: authors, editors, outlet, dates, column.

Chinese news copy states its metadata in a few conventional places, and copies on spam
pages keep them: a 【专栏】 label and the byline (作者:…, 本报记者 …, a dateline such as
新华社北京9月25日电) in the first paragraphs; at the end a print citation
(《光明日报》( 2023年01月10日 06版)), a source line (来源:…), the author in trailing
parentheses ((陈一新), (农民日报记者 焦宏 李婧)) or alone on the last line, and the
editor ([责编:王三]). Only those places are read, and only whole lines that parse
completely as a byline, so a sentence of the body that mentions 记者 is never taken for
one. Whatever is absent stays ``None``: nothing is guessed.

The spam template injects lines of the same shape with its own names in them
(``[责编:天天中]``, ``编辑:盈彩平台``): a byline line whose name is the site's, has
gambling words or Latin letters and digits in it, or is not a person's name at all is
reported in ``injected`` instead of being taken as an author or editor.

Everything here is pure: text in, a ``Byline`` out. Parse the normalised (Simplified)
text; full-width forms are folded here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.extract import DATE_RE, TIME_RE, iso_date

# The ~400 most common Chinese surnames (they cover well over 95% of people), and the
# compound ones. A name in a byline must start with one; this is what tells 陈一新 from
# 天天中 (a lottery brand) or 记者手记.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷"
    "詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳"
    "管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝封谈匡鞠惠荆乐冀郁胥南班储栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强"
    "帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍"
    "辜羊乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶"
    "斯元束檀衣信展阴昝智幸奉植衡富尧闭由庹宦钮虎郗桓邴禄蓬旷"
)
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 宇文 长孙 夏侯 端木 西门 南宫 独孤"
    " 万俟 闻人 澹台 轩辕 呼延 司徒 司空 申屠 太史 钟离 宗政 濮阳 淳于 单于 公羊 赫连".split()
)
# Bylines that name a desk rather than a person; kept as written.
INSTITUTION_RE = re.compile(r"(评论员|课题组|编辑部|写作组|调研组|理论学习中心组|本报评论部)$")
# Words that no person's or newspaper's name holds, and that the spam template's do.
GAMBLING_RE = re.compile(
    r"彩票|快3|快三|时时彩|六合|赛车|飞艇|棋牌|博彩|娱乐城|百家乐|老虎机|真人|投注|下注|开奖|"
    r"中奖|官网|注册|网址|邀请码|充值|平台|登录|手机版|app",
    re.IGNORECASE,
)
HAN = "\u3400-\u9fff"
NAME_RE = re.compile(f"[{HAN}]{{2,4}}|[{HAN}]{{1,8}}(?:[·・][{HAN}]{{1,8}})+")
SENTENCE_RE = re.compile(r"[。!?;,、“”\"'…]")
# Outlets name themselves with these endings: 新华社, 中新网, 光明日报, 央视新闻客户端.
OUTLET_RE = re.compile(r"(社|网|报|刊|台|新闻|客户端|杂志|频道|周刊)$")
LOCAL = {"本报", "本网", "本刊", "本台", "本站"}
PERSON_ROLES = {
    "作者": "authors",
    "撰文": "authors",
    "文": "authors",
    "记者": "authors",
    "实习记者": "authors",
    "特约记者": "authors",
    "首席记者": "authors",
    "通讯员": "authors",
    "实习生": "authors",
    "责任编辑": "editors",
    "责编": "editors",
    "编辑": "editors",
}
# Other staff of a byline (编辑:张三 审核:李四): their names are checked, not kept.
STAFF_ROLES = {"审核", "审校", "校对", "责任校对", "监制", "统筹", "主编", "策划", "美编", "翻译"}
SOURCE_ROLES = {"来源", "稿源", "出处", "转自"}
DATE_ROLES = {"发布时间", "发布日期", "日期", "时间", "发表时间"}
ROLE_WORDS = sorted({*PERSON_ROLES, *STAFF_ROLES, *SOURCE_ROLES, *DATE_ROLES} - {"文"}, key=len)
# A role word and its separator; 文 only as 文/… or 文:… at the start of the line.
ROLE_RE = re.compile(
    "(?P<role>" + "|".join(reversed(ROLE_WORDS)) + r"|^文(?=\s*[:/|]))\s*(?P<sep>[:/|])?\s*"
)
PHOTO_RE = re.compile(r"(摄|摄影|供图|图)$")
TIME_WORDS = "今年|去年|明年|前年|近日|日前|此前|今天|昨天|截至|截止|自|从|在|于"
# 新华社北京9月25日电, 中新网北京9月25日电, 本报北京9月25日讯: outlet, place, date.
DATELINE_RE = re.compile(
    rf"^(?P<outlet>[^\s,。:]{{1,20}}?(?:社|网|报|新闻|客户端|电视台))?\s*"
    rf"(?!{TIME_WORDS})(?P<place>[{HAN}]{{2,8}}?)\s*(?P<date>(?:\d{{4}}年)?\d{{1,2}}月\d{{1,2}}日)"
    r"\s*(?:电(?![视影话脑子力网器池气商竞动])|讯|消息)"
)
# 《光明日报》( 2023年01月10日 06版)
PRINT_RE = re.compile(
    r"^(?:(?:来源|原载|转自|摘自|刊于|原文刊载于)\s*:?\s*)?《(?P<outlet>[^《》]{2,24})》\s*\(?"
    r"\s*(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?:第?\s*\d{1,3}\s*版)?\s*\)?"
)
COLUMN_RE = re.compile(r"^【(?P<label>[^【】]{2,30})】")
TRAILING_PAREN_RE = re.compile(r"\((?P<inner>[^()]{1,40})\)$")
BRACKETS = {"(": ")", "[": "]", "【": "】"}
HEAD = 4
TAIL = 3
BYLINE_CHARS = 80


@dataclass
class Byline:
    """What an article's text says about itself; ``None`` or empty where it says nothing."""

    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    publication: str | None = None
    published: str | None = None
    dateline_place: str | None = None
    dateline_date: str | None = None
    column_label: str | None = None
    injected: list[str] = field(default_factory=list)


@dataclass
class Line:
    """What one byline line holds."""

    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    reporter_outlet: str | None = None
    date: str | None = None
    injected: bool = False


@lru_cache(maxsize=1024)
def fold(text: str) -> str:
    """Full-width forms as ASCII (（：２ → (:2), whitespace runs as one space, stripped.

    Cached: an article's first and last lines are folded again by each check they go to."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def is_person(name: str) -> bool:
    """A Chinese personal name: two to four Han characters after a common surname.

    Names with a middle dot (马克·力文) are foreign or minority names and pass as they are.
    """
    if not NAME_RE.fullmatch(name):
        return False
    return "·" in name or "・" in name or name[:2] in COMPOUND_SURNAMES or name[0] in SURNAMES


def person_names(text: str) -> list[str] | None:
    """The names in a byline value (张三 李四, 张三、李四), or None if any part is no name.

    Two-character names padded with a space (夏 宾) are joined again.
    """
    parts = [part for part in re.split(r"[\s、,/]+", text) if part]
    names: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if len(part) == 1 and i + 1 < len(parts) and len(parts[i + 1]) == 1:
            part += parts[i + 1]
            i += 1
        names.append(part)
        i += 1
    if not names or not all(is_person(n) or INSTITUTION_RE.search(n) for n in names):
        return None
    return names


def is_outlet(text: str) -> bool:
    """A plausible name of a news outlet (人民网-人民日报, 农民日报·中国农网, 中新社)."""
    return (
        2 <= len(text) <= 30
        and not SENTENCE_RE.search(text)
        and not GAMBLING_RE.search(text)
        and bool(re.search(f"[{HAN}A-Za-z]", text))
    )


def looks_injected(value: str, site: str | None) -> bool:
    """A byline value the spam template wrote: one word that is its site's name, holds
    gambling words, mixes Han with Latin letters or digits (大发888, AG真人), or is no
    person's name (天天中). Several words, a sentence or a Latin name are not judged."""
    if not value or re.search(r"[\s:]", value) or SENTENCE_RE.search(value) or len(value) > 24:
        return False
    if (site and site in value) or GAMBLING_RE.search(value):
        return True
    if not re.search(f"[{HAN}]", value):
        return False
    if re.search(r"[A-Za-z0-9]", value):
        return True
    return person_names(value) is None and not OUTLET_RE.search(value)


def unwrap(text: str) -> str:
    """A line without the brackets around all of it: [责编:王三] → 责编:王三."""
    if len(text) > 2 and BRACKETS.get(text[0]) == text[-1]:
        return text[1:-1].strip()
    return text


def strip_affiliation(value: str) -> str:
    """张小明(中共中央党校…教授) → 张小明."""
    return value.split("(", 1)[0].strip()


def parse_line(text: str, site: str | None = None) -> Line | None:
    """A byline line (作者:…, 中新网记者 马学玲, 来源:…, [责编:…]), or None if it is not one.

    A line is a byline only if every part of it parses: a role word at its start (after an
    outlet, for reporters) and a valid name or outlet after each role word.
    """
    text = unwrap(fold(text))
    if not text or len(text) > BYLINE_CHARS:
        return None
    date_match = DATE_RE.search(text)
    date = iso_date(date_match.group()) if date_match else None
    text = TIME_RE.sub(" ", DATE_RE.sub(" ", text)).strip()
    roles = list(ROLE_RE.finditer(text))
    if not roles:
        return None
    line = Line(date=date)
    prefix = text[: roles[0].start()].strip()
    if prefix and prefix not in LOCAL:
        if not (OUTLET_RE.search(prefix) and is_outlet(prefix)):
            return None
        line.reporter_outlet = prefix
    bounds = [m.start() for m in roles[1:]] + [len(text)]
    for match, end in zip(roles, bounds, strict=True):
        role = match.group("role")
        value = text[match.end() : end].strip(" ,;")
        if role in DATE_ROLES:
            if value or date is None:
                return None
        elif role in SOURCE_ROLES:
            if match.end() == match.end("role"):  # 来源于…: a word, not a label
                return None
            value = value.strip("《》 ")
            if site and site in value or GAMBLING_RE.search(value):
                line.injected = True
            elif value in LOCAL:
                continue
            elif is_outlet(value):
                line.outlets.append(value)
            else:
                return None
        else:
            value = strip_affiliation(value)
            if PHOTO_RE.search(value):
                return None
            names = person_names(value)
            if names is not None:
                if role in PERSON_ROLES:
                    getattr(line, PERSON_ROLES[role]).extend(names)
            elif value in LOCAL or (OUTLET_RE.search(value) and is_outlet(value)):
                line.reporter_outlet = None if value in LOCAL else value
            elif match.group("sep") and looks_injected(value, site):
                line.injected = True
            else:
                return None
    return line


def trailing_credit(paragraph: str, site: str | None) -> Line | None:
    """The credit in parentheses that ends an article: (陈一新), (记者 张三), (人民网)."""
    match = TRAILING_PAREN_RE.search(fold(paragraph))
    if not match:
        return None
    inner = match.group("inner").strip()
    line = parse_line(inner, site)
    if line is not None:
        return line
    names = person_names(inner)
    if names is not None:
        return Line(authors=names)
    if OUTLET_RE.search(inner) and is_outlet(inner) and inner not in LOCAL:
        return Line(outlets=[inner])
    return None


def dateline(paragraph: str) -> tuple[str | None, str, str, Line | None] | None:
    """新华社北京9月25日电(记者 张三) → (新华社, 北京, 9月25日, the reporters), or None."""
    text = fold(paragraph)
    match = DATELINE_RE.match(text)
    if not match:
        return None
    outlet = match.group("outlet")
    rest = text[match.end() :].lstrip()
    reporters = None
    paren = re.match(r"\((?P<inner>[^()]{1,40})\)", rest)
    if paren:
        reporters = parse_line(paren.group("inner"))
    place, day = match.group("place"), match.group("date")
    return (None if outlet in LOCAL else outlet, place, day, reporters)


def last_nonempty(paragraphs: Sequence[str], count: int) -> list[str]:
    """The last ``count`` paragraphs with text, in order (from the end: articles are long)."""
    found: list[str] = []
    for paragraph in reversed(paragraphs):
        if len(found) == count:
            break
        if fold(paragraph):
            found.append(paragraph)
    return found[::-1]


def add_unique(target: list[str], items: list[str]) -> None:
    for item in items:
        if item not in target:
            target.append(item)


def parse(
    title: str, paragraphs: Sequence[str], dropped: Sequence[str] = (), site: str | None = None
) -> Byline:
    """Metadata of one normalised article, from its byline lines and the lines dropped from it.

    ``dropped`` are the lines the extractor took out of the article (editor stamps, captions,
    spam); ``site`` is the spam site's name, so its own bylines are recognised as injected.
    """
    result = Byline()
    outlets: list[tuple[int, str]] = []
    column = COLUMN_RE.match(fold(title))
    head = list(paragraphs[:HEAD])
    tail = list(paragraphs[max(HEAD, len(paragraphs) - TAIL) :])
    for index, paragraph in enumerate(head):
        text = fold(paragraph)
        if column is None and (match := COLUMN_RE.fullmatch(text)):
            column = match
        if index < 2 and result.dateline_place is None and (found := dateline(text)):
            outlet, result.dateline_place, result.dateline_date, reporters = found
            if outlet:
                outlets.append((2, outlet))
            if reporters:
                add_unique(result.authors, reporters.authors)
    result.column_label = column.group("label") if column else None

    lines = [(p, False) for p in head + tail] + [(d, True) for d in dropped]
    for paragraph, was_dropped in lines:
        text = fold(paragraph)
        if match := PRINT_RE.match(text):
            outlets.append((0, match.group("outlet")))
            result.published = result.published or iso_date(match.group("date"))
            continue
        line = parse_line(text, site)
        if line is None:
            continue
        if line.injected:
            result.injected.append(text)
            continue
        add_unique(result.authors, line.authors)
        add_unique(result.editors, line.editors)
        outlets += [(1, outlet) for outlet in line.outlets]
        if line.reporter_outlet:
            outlets.append((3, line.reporter_outlet))
        if line.date and (line.outlets or not was_dropped):
            result.published = result.published or line.date

    ending = last_nonempty(paragraphs, 2)
    for paragraph in ending:
        credit = trailing_credit(paragraph, site)
        if credit is not None:
            add_unique(result.authors, credit.authors)
            outlets += [(4, outlet) for outlet in credit.outlets]
            if credit.reporter_outlet:
                outlets.append((3, credit.reporter_outlet))
    if ending and (names := person_names(fold(ending[-1]))) and len(names) <= 3:
        add_unique(result.authors, names)
    if outlets:
        result.publication = min(outlets, key=lambda ranked: ranked[0])[1]
    return result
