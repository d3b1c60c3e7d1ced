"""Extraction: every embedded article whole, and none of the spam."""

from __future__ import annotations

import pytest
from conftest import PHONE, SITES, SPAM, page_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import spam_pages

from ingest.extract import (
    PHONE_RE,
    clean,
    detect_site,
    extract,
    find_phones,
    fold_digits,
    has_phone,
    indent,
    is_spam,
    iso_date,
    mask,
    measure_line,
    title_of,
)
from ingest.normalise import normalise


@pytest.mark.parametrize("name", sorted(SITES))
def test_site_is_found(name):
    assert extract(page_text(name)).site == SITES[name]


@pytest.mark.parametrize("name", sorted(SITES))
def test_two_articles_per_page_without_spam(name):
    found = extract(page_text(name))
    assert len(found.articles) == 2
    for article in found.articles:
        text = article.title + "\n" + article.body
        assert SITES[name] not in text
        for word in SPAM:
            assert word not in text, word
        assert not PHONE.search(text)
        assert "www." not in text


def test_shared_article_starts_and_ends_where_it_should():
    for name in SITES:
        found = extract(page_text(name))
        shared = [
            a for a in found.articles if normalise(a.title) == "城市跨域风险协同治理的模式与路径"
        ]
        assert len(shared) == 1, name
        body = normalise(shared[0].body)
        assert body.startswith("作者:张小明"), name
        last = body.split("\n")[-1]
        assert last.startswith("最后,") and "稳定的信任机制" in last, name


def test_article_ends_at_its_last_line():
    ends = {
        "002": ("完善社会治理体系", "(文图:赵筱尘 巫邓炎)"),
        "000": ("深入学习领会党的二十大精神", "《光明日报》( 2023年01月10日\xa006版)"),
    }
    for name, (title, last) in ends.items():
        article = next(a for a in extract(page_text(name)).articles if a.title.startswith(title))
        assert article.paragraphs[-1] == last


def test_injected_editor_line_is_dropped_not_kept():
    article = extract(page_text("002")).articles[1]
    assert "[责编:天天中]" in article.dropped
    assert "[责编:天天中]" not in article.body


def test_article_stops_before_the_next_one_in_deep_indentation():
    article = extract(page_text("004")).articles[0]
    body = normalise(article.body)
    assert "我以他们为骄傲" in body
    assert "城市跨域" not in body and "作者:张小明" not in body


def test_repeated_image_caption_is_kept_once():
    body = extract(page_text("004")).articles[0].body
    assert body.count("開小會研究案文。中新社記者 夏賓 攝") == 1


def test_caption_outside_the_indentation_inside_an_article_is_kept():
    article = extract(page_text("003")).articles[0]
    assert any(p.startswith("9月23日上午") for p in article.paragraphs)
    assert article.paragraphs[-1].startswith("立足中國")


def test_title_marker_forms():
    assert title_of("城市跨域风险******") == "城市跨域风险"
    assert title_of("    • 标题 ****** ") == "标题"
    assert title_of("******") is None
    assert title_of("正文里有星号*但不是标题") is None


def test_indent_counts_full_width_spaces_double():
    assert indent("\u3000\u3000正文") == 4
    assert indent("  正文") == 2


def make_page(site: str, phone: str, domain: str, pad: str = "  ") -> str:
    """A page of the same template family with other names, numbers and layout."""
    paragraph = "这是一段真实的新闻报道内容,讲述了某地推进乡村振兴的具体做法和成效。" * 3
    return "\n".join(
        [
            f"手机:{phone}(同微信)",
            f"{site}官网|{site}注册",
            f"  • 2024-02-02    编辑:{site}",
            f"    本文导读: {site}💎Ab💎(www.{domain})乡村振兴",
            "",
            "乡村振兴的新路径******",
            "",
            f"{pad}作者:李四(某大学教授)",
            f"{pad}{paragraph}",
            f"{site}平台注册",
            f"{pad}{paragraph}第二段。",
            f"{pad}(记者 王五)",
            "",
            f"{site}官网",
            "",
            "另一篇文章的标题******",
            f"{pad}{paragraph}另一篇。",
            f"{pad}{site}下载",
            f"{pad}{paragraph}另一篇第二段。",
            "",
            "相关阅读",
            f"  • {site}首页推荐",
            f"联系电话:{phone}",
            f"{site}地图",
            "金安区陈仓区巴马瑶族自治县乐山市湖里区阳曲县铁山港区",
        ]
    )


@pytest.mark.parametrize("pad", ["  ", "\u3000\u3000", "      ", ""])
def test_unseen_site_and_layout(pad):
    page = make_page("金沙彩票", "13812345678", "jinsha888.com", pad)
    found = extract(page)
    assert found.site == "金沙彩票"
    assert [a.title for a in found.articles] == ["乡村振兴的新路径", "另一篇文章的标题"]
    first, second = found.articles
    assert first.paragraphs[0] == "作者:李四(某大学教授)"
    assert first.paragraphs[-1] == "(记者 王五)"
    assert len(first.paragraphs) == 4
    assert len(second.paragraphs) == 2
    for article in found.articles:
        assert "金沙彩票" not in article.body
        assert "13812345678" not in article.body


def test_site_from_header_words_without_sitemap_line():
    lines = ["大发快三官网|大发快三注册", "大发快三登录2024", "编辑:大发快三"]
    assert detect_site(lines) == "大发快三"


def test_site_of_a_page_cut_short_from_its_two_header_lines_and_injected_lines():
    header = ["金彩官网手机版APP|金彩官网网址", "金彩官网登录2024-05-29"]
    injected = ["金彩官网网易公布第二季度财报", "正文一段。", "金彩官网 队长主动申请红牌"]
    assert detect_site(header, header + injected) == "金彩官网"
    # Two lines alone are not enough: nothing else on the page repeats the piece they share.
    assert detect_site(header, header + ["正文一段。"]) is None
    assert detect_site(header) is None


def test_site_named_in_latin_letters_and_digits():
    lines = ["AGPK10充值_AGPK10手机版", "编辑:AGPK10", "本文导读:AGPK10充值app", "AGPK10充值"]
    assert detect_site(lines) == "AGPK10"
    # A game's name on as many lines as the site's is not the site.
    assert detect_site(["AG彩票 PK10计划", "AG彩票 PK10走势", "AG彩票 PK10开奖"]) == "AG彩票"
    # Words of letters alone (APP) or digits alone (2024) name no site.
    assert detect_site(["下载APP 2024", "官方APP 2024", "注册APP 2024"]) is None


def test_page_without_marker_has_no_articles():
    assert extract("只是一个垃圾页面\n没有文章\n").articles == []


def test_marker_with_no_body_gives_no_article():
    assert extract("标题******\n\n\n").articles == []


PAGE_FACTS = {
    "000": (None, [], []),
    "001": ("2024-01-14", ["15597985695", "0797-60605227"], ["taofunet.com"]),
    "002": ("2024-06-15", [], []),
    "003": ("2023-09-05", [], []),
    "004": ("2023-11-11", ["17349314393", "0598-39108167"], ["srhglk168.com"]),
}


@pytest.mark.parametrize("name", sorted(PAGE_FACTS))
def test_page_date_and_contacts_from_template_lines(name):
    found = extract(page_text(name))
    assert (found.stated_date, found.phones, found.domains) == PAGE_FACTS[name]


def test_pages_of_one_template_share_its_shape_whatever_their_site():
    shapes = {name: extract(page_text(name)).template for name in SITES}
    shared = "手机:{phone}(同微信) / 办公:{phone} / • {date} 编辑:{site}"
    assert shapes["001"] == shapes["004"] == shared
    others = [shapes[name] for name in ["000", "002", "003"]]
    assert all(others) and len(set(others)) == 3 and shapes["001"] not in others


def test_template_shape_of_unseen_sites():
    one = extract(make_page("金沙彩票", "13812345678", "jinsha888.com"))
    two = extract(make_page("澳门葡京", "0755-88886666", "pujing.vip", pad="\u3000\u3000"))
    assert one.template == two.template and "{phone}" in one.template
    assert "金沙" not in one.template and "葡京" not in two.template
    assert one.stated_date == "2024-02-02"
    assert (one.phones, one.domains) == (["13812345678"], ["jinsha888.com"])
    assert (two.phones, two.domains) == (["0755-88886666"], ["pujing.vip"])
    other = make_page("金沙彩票", "13812345678", "jinsha888.com").replace(
        "  • 2024-02-02    编辑:", "發佈時間:2024-02-02 瀏覽次數:12 "
    )
    assert extract(other).template != one.template


def test_mask():
    assert mask("  • 2024-01-14    編輯:盈彩平台", "盈彩平台") == "• {date} 编辑:{site}"
    assert mask("一分快3登录1292-05-29", "一分快3") == "{site}登录{date}"
    assert mask("客服:400-123-4567 网址 WWW.Abc888.com 第１２期", None) == (
        "客服:{phone} 网址 {domain} 第{n}期"
    )


def test_iso_date():
    assert iso_date("2023年01月10日") == "2023-01-10"
    assert iso_date("发布时间:2023/9/5 10:00") == "2023-09-05"
    assert iso_date("1292-05-29") is None
    assert iso_date("2023-02-30") is None
    assert iso_date("电话 20230110") is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spam_pages())
def test_no_spam_line_of_a_generated_page_reaches_an_article(page):
    found = extract(page.text)
    for article in found.articles:
        assert page.leaks(article.title + "\n" + article.body) == [], found.site


@given(st.text(alphabet="０１５９－：0-:电话 ８"))
def test_fold_digits_folds_every_full_width_digit_hyphen_and_colon(text):
    assert fold_digits(text) == text.translate(str.maketrans("０１５９－：８", "0159-:8"))


def test_a_domain_run_into_chinese_text_is_spam():
    assert is_spam("访问abc88.com领取彩金", None)
    assert is_spam("请登录WWW.ABC.NET注册", None)
    assert not is_spam("本报讯 中国.com时代的新闻", None)


@given(st.text())
def test_a_line_is_measured_as_clean_and_indent_do(line):
    assert measure_line(line) == (clean(line), indent(line))


def test_repeated_contact_lines_do_not_name_the_site():
    lines = ["乐冠官网", "乐冠注册", "乐冠登录2024-01-01"] + ["手机:13000000000(同微信)"] * 3
    assert detect_site(lines) == "乐冠"


def test_long_runs_are_read_in_linear_time():
    # Each would take hours if scanned from every position (a quadratic regular expression,
    # or every sitemap-like line checked against every other line).
    hyphens = "标题******\n  " + "a-" * 500_000 + "\n"
    assert len(extract(hyphens).articles) == 1
    sitemaps = "\n".join(f"名{i}站地图" for i in range(200_000))
    assert extract(sitemaps).articles == []
    markers = "站名官网\n" + "标题******\n  正文段落。\n" * 50_000
    assert len(extract(markers).articles) == 50_000


def test_has_phone_needs_a_number_standing_alone():
    assert has_phone("电话13800000000") and has_phone("0123-13800000000")
    assert not has_phone("913800000000") and not has_phone("1380000000")
    assert has_phone("9-400-123-4567") and not has_phone("4001234567890")


@given(st.text(alphabet="0123456789-４１3８ 电话", max_size=40))
def test_has_phone_is_whether_the_phone_pattern_finds_one(text):
    assert has_phone(text) == (PHONE_RE.search(text) is not None)


@given(st.text(alphabet="0123456789-４１3８ 电话", max_size=60))
def test_find_phones_finds_what_the_phone_pattern_finds(text):
    assert find_phones(text) == PHONE_RE.findall(text)


def test_find_phones_after_a_digit_keeps_looking():
    # 213800000000 holds a mobile number's digits after a 2: no phone, and the number after
    # it is found all the same.
    assert find_phones("213800000000 或 13900000000") == ["13900000000"]
    assert find_phones("电话13800000000，0755-12345678") == ["13800000000", "0755-12345678"]
