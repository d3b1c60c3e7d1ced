"""Decoding: every encoding a Chinese crawl comes in, damage repaired and said, garbage refused."""

from __future__ import annotations

import os

import pytest
from conftest import CORPUS

from ingest.decode import UnreadableError, decode, plausibility

PAGES = sorted(CORPUS.iterdir())
TEXT = "城市跨域风险协同治理的模式与路径******\n  正文段落,讲述城市风险的治理。\n"
# Traditional text that Big5 can hold (the sample pages use variants Big5 has not).
TRADITIONAL = "在全面推進鄉村振興中,農村基層黨組織如何發力?如何破解農民富裕了卻與組織疏遠的現象?\n"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name[:3])
@pytest.mark.parametrize(
    "codec,encoding",
    [
        ("gb18030", "gb18030"),
        ("utf-8-sig", "utf-8-bom"),
        ("utf-16", "utf-16"),
        ("utf-32", "utf-32"),
        ("utf-16-le", "utf-16-le"),
        ("utf-16-be", "utf-16-be"),
    ],
)
def test_sample_pages_in_every_encoding(page, codec, encoding):
    text = page.read_text(encoding="utf-8")
    decoded = decode(text.encode(codec))
    assert (decoded.text, decoded.encoding) == (text, encoding)
    if codec.startswith("utf-16-"):
        assert decoded.warning == "no byte-order mark, UTF-16 inferred"
    else:
        assert decoded.warning is None


def test_big5_is_not_read_as_gb18030():
    data = TRADITIONAL.encode("big5")
    assert data.decode("gb18030")  # valid GB18030 too: validity alone cannot choose
    decoded = decode(data)
    assert (decoded.text, decoded.encoding) == (TRADITIONAL, "big5-hkscs")


def test_gb2312_text_that_is_valid_big5_is_read_as_gb18030():
    text = "城市风险治理的模式与路径,乡村振兴中基层组织如何发力。\n"
    data = text.encode("gb2312")
    assert data.decode("big5hkscs")  # valid Big5 too
    assert decode(data).encoding == "gb18030"
    assert decode(data).text == text


def test_the_wrong_reading_scores_low():
    data = TRADITIONAL.encode("big5")
    right, _ = plausibility(data.decode("big5"))
    wrong, judged = plausibility(data.decode("gb18030"))
    assert judged and wrong < 0.5 < 0.85 < right


def test_truncated_last_character_is_dropped_and_said():
    data = TEXT.encode("utf-8") + "城".encode()[:2]
    decoded = decode(data)
    assert decoded.text == TEXT
    assert decoded.warning == "incomplete last character dropped (2 bytes)"


@pytest.mark.parametrize("codec", ["gb18030", "big5hkscs", "utf-16", "utf-8-sig"])
def test_truncated_last_character_in_other_encodings(codec):
    text = TRADITIONAL * 2 + "現象"
    decoded = decode(text.encode(codec)[:-1])
    assert decoded.text == text[:-1]
    assert decoded.warning.startswith("incomplete last character dropped (")


def test_a_few_invalid_sequences_are_replaced_and_counted():
    data = (TEXT * 20).encode("utf-8")
    middle = data.index("风险".encode()) + 1  # cut a character in two
    damaged = data[:middle] + data[middle + 1 :]
    decoded = decode(damaged)
    assert decoded.encoding == "utf-8"
    assert decoded.text.count("\ufffd") == 1
    assert decoded.warning == "1 invalid byte sequence replaced by U+FFFD"


def test_text_with_a_genuine_replacement_character_has_no_warning():
    decoded = decode(("\ufffd" + TEXT).encode("gb18030"))
    assert decoded.warning is None and decoded.encoding == "gb18030"


def test_nul_padding_and_stray_nuls():
    padded = decode(TEXT.encode("utf-8") + b"\x00" * 4096)
    assert padded.text == TEXT
    assert padded.warning == "4096 NUL bytes of padding at the end dropped"
    stray = decode(TEXT.encode("utf-8").replace(b"\n", b"\x00\n", 1))
    assert stray.text == TEXT
    assert stray.warning == "1 control byte removed"


def test_crlf_line_endings_are_kept_as_read():
    text = TEXT.replace("\n", "\r\n")
    assert decode(text.encode("gb18030")).text == text


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"", "empty file (0 bytes)"),
        (b" \r\n\t\n", "empty page (only whitespace)"),
        ("\u3000\n".encode("utf-16"), "empty page (only whitespace)"),
        (b"\x00" * 64, "empty page (only NUL bytes)"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "binary file (PNG image), not text"),
        (b"\x1f\x8b\x08\x00" + bytes(100), "binary file (gzip-compressed data), not text"),
        (b"SQLite format 3\x00" + bytes(100), "binary file (SQLite database), not text"),
        (b"%PDF-1.7\n" + bytes(100), "binary file (PDF document), not text"),
    ],
)
def test_unreadable_pages_say_why(data, reason):
    with pytest.raises(UnreadableError) as e:
        decode(data)
    assert str(e.value) == reason


def test_binary_data_without_a_known_signature():
    data = bytes(range(256)) * 40
    with pytest.raises(UnreadableError, match=r"^binary data, not text \(\d+ control bytes\)$"):
        decode(data)
    with pytest.raises(UnreadableError, match="binary data"):
        decode(os.urandom(20000) + TEXT.encode())


def test_too_many_invalid_sequences_is_not_text():
    data = (TEXT * 5).encode("utf-8")
    damaged = b"".join(data[i : i + 7] + b"\xff" for i in range(0, len(data), 7))
    with pytest.raises(UnreadableError, match="^not text in UTF-8, GB18030 or Big5: invalid UTF-8"):
        decode(damaged)


@pytest.mark.parametrize(
    "text,codec",
    [
        ("日本語のテキストです。東京都は日本の首都であり、多くの人々が住んでいます。" * 2, "sjis"),
        ("Le café était très agréable à Paris, où l'été dure longtemps. Ça va." * 3, "cp1252"),
    ],
)
def test_other_languages_encodings_are_refused_not_garbled(text, codec):
    with pytest.raises(UnreadableError, match="^not text in UTF-8, GB18030 or Big5"):
        decode(text.encode(codec))


def test_short_pages_are_not_judged():
    assert decode("中文".encode("gb18030")).encoding == "gb18030"
    assert decode("hello\n".encode("ascii")).encoding == "utf-8"
