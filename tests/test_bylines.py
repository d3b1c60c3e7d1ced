"""Article metadata from byline lines: many outlets and forms, nothing taken from the body."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.bylines import Byline, fold, is_person, parse, parse_line

BODY = "党的二十大报告深刻阐释了新时代坚持和发展中国特色社会主义的一系列重大理论和实践问题。"


def article(*lines: str, before: int = 0) -> list[str]:
    """Paragraphs: ``before`` body paragraphs, then the given lines, then two more."""
    return [BODY] * before + list(lines) + [BODY, BODY]


@pytest.mark.parametrize(
    "line,authors",
    [
        ("作者:欧阳恩良(贵州师范大学副校长)", ["欧阳恩良"]),
        ("作者：张三　李四", ["张三", "李四"]),
        ("作者:张小明(中共中央党校(国家行政学院)应急管理教研部教授、博导)", ["张小明"]),
        ("本报记者 王五 通讯员 赵六", ["王五", "赵六"]),
        ("记者 夏　宾", ["夏宾"]),
        ("文/司马相如", ["司马相如"]),
        ("文|刘洋", ["刘洋"]),
        ("撰文：马克·力文", ["马克·力文"]),
        ("作者:本报评论员", ["本报评论员"]),
        ("光明日报记者 周华 王敏", ["周华", "王敏"]),
    ],
)
def test_byline_forms_at_the_start(line, authors):
    assert parse("标题", article(line)).authors == authors


@pytest.mark.parametrize(
    "line",
    [
        "记者从市政府获悉,今年以来全市新增就业岗位3万个。",
        "记者手记",
        "作者认为,这一判断具有重要意义",
        "开小会研究案文。中新社记者 夏宾 摄",
        "中新社记者 夏宾 摄",
        "编辑部的故事",
        "来源于群众、服务于群众",
    ],
)
def test_body_lines_and_captions_are_not_bylines(line):
    byline = parse("标题", article(line))
    assert byline.authors == [] and byline.publication is None and byline.injected == []


def test_a_byline_deep_in_the_body_is_not_read():
    assert parse("标题", [BODY] * 6 + ["作者:张三"] + [BODY] * 6).authors == []


def test_print_citation_gives_outlet_and_date():
    byline = parse("标题", [BODY, BODY, "《光明日报》( 2023年01月10日\xa006版)"])
    assert (byline.publication, byline.published) == ("光明日报", "2023-01-10")
    byline = parse("标题", [BODY, "《人民日报》（2022年11月05日 第 09 版）"])
    assert (byline.publication, byline.published) == ("人民日报", "2022-11-05")


def test_an_impossible_date_is_not_kept():
    byline = parse("标题", [BODY, "《光明日报》( 2023年02月30日 06版)"])
    assert (byline.publication, byline.published) == ("光明日报", None)


def test_a_citation_inside_a_sentence_is_not_a_source():
    text = "据《人民日报》(2023年1月10日)报道,全国粮食产量再创新高,达到13731亿斤。"
    byline = parse("标题", [BODY, text])
    assert (byline.publication, byline.published) == (None, None)


def test_source_line_with_date():
    byline = parse("标题", ["来源：人民网-人民日报  2022-11-05 08:12", BODY, BODY])
    assert (byline.publication, byline.published) == ("人民网-人民日报", "2022-11-05")
    byline = parse("标题", ["2023-09-25 10:21:33 来源:中国新闻网 作者:李明", BODY])
    assert (byline.publication, byline.published, byline.authors) == (
        "中国新闻网",
        "2023-09-25",
        ["李明"],
    )


@pytest.mark.parametrize(
    "first,outlet,place,day,authors",
    [
        ("中新网北京9月25日电 题:在“数”与“网”中架飞桥", "中新网", "北京", "9月25日", []),
        ("新华社拉萨10月3日电（记者 张三、李四）", "新华社", "拉萨", "10月3日", ["张三", "李四"]),
        ("本报北京1月5日讯 记者从教育部获悉", None, "北京", "1月5日", []),
        ("人民网上海2023年6月1日电 （记者 王海）", "人民网", "上海", "2023年6月1日", ["王海"]),
        ("中国台湾网北京9月1日电 据报道", "中国台湾网", "北京", "9月1日", []),
    ],
)
def test_datelines(first, outlet, place, day, authors):
    byline = parse("标题", [first, BODY, BODY])
    assert (byline.publication, byline.dateline_place, byline.dateline_date) == (outlet, place, day)
    assert byline.authors == authors


@pytest.mark.parametrize(
    "first", ["今年9月25日电视台播出了这部纪录片。", "截至9月25日电网负荷创新高", "北京9月25日,晴"]
)
def test_dates_in_sentences_are_not_datelines(first):
    assert parse("标题", [first, BODY]).dateline_place is None


def test_dateline_outlet_before_reporter_outlet():
    byline = parse("标题", ["中新网北京9月25日电 题:在“数”与“网”中", "中新网记者 马学玲", BODY])
    assert (byline.publication, byline.authors) == ("中新网", ["马学玲"])


@pytest.mark.parametrize(
    "last,authors,outlet",
    [
        (BODY[:-1] + "。(陈一新)", ["陈一新"], None),
        (BODY[:-1] + "。(农民日报·中国农网记者 焦宏 李婧)", ["焦宏", "李婧"], "农民日报·中国农网"),
        (BODY[:-1] + "。（记者 刘晓）", ["刘晓"], None),
        (BODY[:-1] + "。(人民网)", [], "人民网"),
        (BODY[:-1] + "。(完)", [], None),
        (BODY + "(本文系国家社科基金重大项目“新时代推进马克思主义学习型政党建设”的成果)", [], None),
        ("夏宾", ["夏宾"], None),
        ("(文图:赵筱尘 巫邓炎)", [], None),
        ("结语", [], None),
    ],
)
def test_credits_at_the_end(last, authors, outlet):
    byline = parse("标题", [BODY, BODY, BODY, BODY, BODY, last])
    assert (byline.authors, byline.publication) == (authors, outlet)


def test_trailing_name_then_photo_credit():
    byline = parse("标题", [BODY] * 5 + [BODY + "(陈一新)", "(文图:赵筱尘 巫邓炎)"])
    assert byline.authors == ["陈一新"]


def test_column_label():
    assert parse("标题", ["【深入学习宣传贯彻党的二十大精神】", BODY]).column_label == (
        "深入学习宣传贯彻党的二十大精神"
    )
    assert parse("【理上网来】标题", [BODY]).column_label == "理上网来"
    assert parse("标题", [BODY, "【新闻链接】", BODY]).column_label == "新闻链接"
    assert parse("标题", [BODY, BODY, BODY, BODY, "【新闻链接】"]).column_label is None


def test_real_editors_are_editors():
    byline = parse("标题", [BODY] * 5, dropped=["(责编:王三、李四)"])
    assert (byline.editors, byline.injected) == (["王三", "李四"], [])
    byline = parse("标题", [BODY] * 5 + ["[责任编辑:欧阳晓]"])
    assert byline.editors == ["欧阳晓"]


@pytest.mark.parametrize(
    "line,site",
    [
        ("[责编:天天中]", "AG彩票"),
        ("[责编:天天中]", None),
        ("编辑:盈彩平台", "盈彩平台"),
        ("编辑:一分快3", None),
        ("作者:AG真人", None),
        ("来源:AG彩票", "AG彩票"),
        ("来源：众赢平台官网", None),
        ("责任编辑：大发888", None),
    ],
)
def test_bylines_injected_by_the_spam_template_are_flagged(line, site):
    for byline in [
        parse("标题", [BODY] * 5, dropped=[line], site=site),
        parse("标题", [BODY] * 5 + [line], site=site),
    ]:
        assert byline.injected == [line.replace("：", ":")]
        assert byline.authors == byline.editors == [] and byline.publication is None


def test_injected_line_does_not_hide_the_real_byline():
    byline = parse("标题", ["作者:陈一新", BODY, BODY], dropped=["[责编:天天中]"], site="AG彩票")
    assert (byline.authors, byline.editors, byline.injected) == (["陈一新"], [], ["[责编:天天中]"])


def test_an_article_without_byline_says_nothing():
    assert parse("标题", [BODY, BODY, BODY]) == Byline()
    assert parse("", []) == Byline()


def test_parse_line_requires_the_whole_line():
    assert parse_line("作者:张三") is not None
    assert parse_line("作者:张三,他长期从事城市治理研究") is None
    assert parse_line("这是一个普通的句子") is None


def test_is_person():
    assert all(map(is_person, ["陈一新", "欧阳恩良", "马学玲", "马克·力文", "夏宾"]))
    assert not any(map(is_person, ["天天中", "一分快3", "记者", "新华社", "陈", "评论员说明"]))


@given(
    st.text(max_size=60),
    st.lists(st.text(max_size=120), max_size=8),
    st.lists(st.text(max_size=40), max_size=4),
)
def test_any_text_parses_and_names_come_from_it(title, paragraphs, dropped):
    byline = parse(title, paragraphs, dropped, site="AG彩票")
    text = fold("".join([title, *paragraphs, *dropped]))
    for name in byline.authors + byline.editors:
        assert name and all(ch in text for ch in name)


@pytest.mark.parametrize(
    "line,editors",
    [
        ("编辑:张三 审核:李四", ["张三"]),
        ("责任编辑：王五　校对：赵六", ["王五"]),
        ("编辑:John Smith", []),
    ],
)
def test_other_staff_and_latin_names_are_not_flagged(line, editors):
    byline = parse("标题", [BODY] * 5 + [line], site="AG彩票")
    assert (byline.editors, byline.injected) == (editors, [])


# Whitespace of every kind (full-width, no-break, separators), and full-width forms.
@given(
    st.text(alphabet=st.sampled_from(" \t\n\u3000\xa0\x1c\x85\u2028ab（：２风") | st.characters())
)
def test_fold_is_nfkc_with_each_whitespace_run_one_space_and_none_at_the_ends(text):
    folded = fold(text)
    assert folded == folded.strip() and "  " not in folded
    assert not any(c.isspace() and c != " " for c in folded)
    assert folded.split() == unicodedata.normalize("NFKC", text).split()
