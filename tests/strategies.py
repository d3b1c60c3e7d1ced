"""Hypothesis strategies: spam pages of the template family, with everything generated.

A page is a header of spam lines, articles (a title marker, then paragraphs with spam lines
and garbage injected among them) and a footer. Spam lines carry the generated site's name,
phone numbers and domains; the site's name is made of characters that article text never
uses, so finding it in an article can only mean a spam line got in.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

SITE_CHARS = "彩票娱乐博赢鑫盈澳门皇冠金沙永利凯撒威尼斯"
ARTICLE_CHARS = (
    "城市风险协同治理模式路径乡村振兴基层组织发展建设社会经济文化教育科技人民群众"
    "政府部门工作会议推进改革开放创新企业市场服务环境保护交通医疗卫生学校学生研究"
)
PUNCTUATION = "，。、；：“”"
PADS = ["  ", "    ", "\u3000\u3000", "", "\t"]
EMOJI = "💎🔥✅🎉"


@dataclass
class SpamPage:
    """A generated page and the spam tokens that must not reach an article."""

    text: str
    site: str
    phones: list[str]
    domains: list[str]

    def leaks(self, text: str) -> list[str]:
        """The spam tokens found in a piece of article text."""
        return [token for token in [self.site, *self.phones, *self.domains] if token in text]


sites = st.builds(
    lambda name, tag: name + tag,
    st.text(alphabet=SITE_CHARS, min_size=2, max_size=5),
    st.sampled_from(["", "3", "彩票", "AG", "88", "平台"]),
).filter(lambda s: len(set(s)) > 1)
phones = st.builds(
    lambda second, rest: f"1{second}{rest:09d}",
    st.sampled_from("3456789"),
    st.integers(min_value=0, max_value=999_999_999),
)
domains = st.builds(
    lambda name, number, tld: f"{name}{number}.{tld}",
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10),
    st.sampled_from(["", "8", "88", "365"]),
    st.sampled_from(["com", "net", "cc", "vip", "top"]),
)
sentences = st.text(alphabet=ARTICLE_CHARS + PUNCTUATION, min_size=15, max_size=120)
titles = st.text(alphabet=ARTICLE_CHARS, min_size=4, max_size=24)
# Anything at all, control characters and line separators included.
garbage = st.text(max_size=60)


NAMED = [
    "{site}官网",
    "{site}注册",
    "{site}登录{date}",
    "{site}手机版APP|{site}网址",
    "编辑:{site}",
    "来源:{site} {date}",
    "{site}下载",
    "{site}平台注册",
    "{site}{emoji}{emoji}(www.{domain}){emoji}",
]
CONTACTS = [
    "手机:{phone}(同微信)",
    "联系电话:{phone}",
    "客服微信 {phone}",
    "www.{domain}",
    "https://{domain}/reg",
    "访问{domain}领取彩金",
]


@st.composite
def spam_lines(draw, site: str, phone: str, domain: str, template: str | None = None) -> str:
    """One line the spam template puts around or into an article."""
    date = f"{draw(st.integers(1990, 2030))}-0{draw(st.integers(1, 9))}-1{draw(st.integers(0, 9))}"
    emoji = draw(st.sampled_from(EMOJI))
    template = template or draw(st.sampled_from(NAMED + CONTACTS))
    line = template.format(site=site, phone=phone, domain=domain, date=date, emoji=emoji)
    return draw(st.sampled_from(["", "  ", "\u3000\u3000", "  • "])) + line


@st.composite
def articles(draw, site: str, phone: str, domain: str) -> list[str]:
    """A title marker and its paragraphs, with spam lines, garbage and blanks among them."""
    pad = draw(st.sampled_from(PADS))
    lines = [draw(titles) + draw(st.sampled_from(["******", " ******", "********"]))]
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["paragraph"] * 4 + ["spam", "indented spam", "garbage", ""]))
        if kind == "paragraph":
            lines.append(pad + draw(sentences))
        elif kind == "spam":
            lines.append(draw(spam_lines(site, phone, domain)))
        elif kind == "indented spam":
            lines.append(pad + draw(spam_lines(site, phone, domain)).strip())
        elif kind == "garbage":
            lines.append(draw(garbage))
        else:
            lines.append("")
    return lines


@st.composite
def spam_pages(draw) -> SpamPage:
    """A whole page: header, articles, footer, each a random mixture."""
    site = draw(sites)
    phone_list = draw(st.lists(phones, min_size=1, max_size=2, unique=True))
    domain_list = draw(st.lists(domains, min_size=1, max_size=2, unique=True))

    def spam(template: str | None = None) -> str:
        phone, domain = draw(st.sampled_from(phone_list)), draw(st.sampled_from(domain_list))
        return draw(spam_lines(site, phone, domain, template))

    # The template names the site on several different header lines (title, keywords…).
    named = draw(st.permutations(NAMED))[:3]
    header = [spam(t) for t in named] + [spam() for _ in range(draw(st.integers(0, 3)))]
    header += [draw(garbage) for _ in range(draw(st.integers(0, 2)))]
    header = draw(st.permutations(header))
    body: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        phone, domain = draw(st.sampled_from(phone_list)), draw(st.sampled_from(domain_list))
        body += draw(articles(site, phone, domain))
        body += [spam() for _ in range(draw(st.integers(0, 2)))]
    footer = [spam() for _ in range(draw(st.integers(0, 4)))]
    footer += [draw(garbage) for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        footer.append(f"{site}地图")
    text = "\n".join([*header, "", *body, "", *footer]) + "\n"
    return SpamPage(text, site, phone_list, domain_list)
