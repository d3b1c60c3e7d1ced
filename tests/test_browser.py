"""The archive as a reader uses it: headless Chromium on a real ``datasette`` server.

Chromium and its driver come from Debian's packages (``chromium``, ``chromium-driver``;
``.ci/run`` installs them). Each step saves a screenshot under ``test-output/browser/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from conftest import ROOT, SHARED_TITLE, datasette_command, datasette_server

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SHOTS = ROOT / "test-output" / "browser"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def server(archive):
    with datasette_server([*datasette_command(), str(archive)]) as base:
        yield base


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER) and fonts.strip()):
        message = "needs Debian's chromium, chromium-driver and a Chinese font (see .ci/run)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ]:
        options.add_argument(flag)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as env:
        # Selenium Manager must never try to fetch a browser or a driver.
        env.setenv("SE_OFFLINE", "true")
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(30)
        yield driver
        driver.quit()


def shot(driver, name: str, show: str | None = None) -> None:
    """Save a screenshot, scrolled to the element ``show`` (CSS) if given."""
    if show:
        element = driver.find_element(By.CSS_SELECTOR, show)
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", element)
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def click(driver, by, selector):
    element = WebDriverWait(driver, 10).until(EC.element_to_be_clickable((by, selector)))
    element.click()


def table_column(driver, column: str) -> list[str]:
    cells = driver.find_elements(By.CSS_SELECTOR, f"table.rows-and-columns td.col-{column}")
    return [cell.text for cell in cells]


def test_reader_browses_searches_and_follows_an_article_to_its_pages(server, browser, conn):
    driver = browser
    driver.get(server + "/archive/articles")
    assert "articles" in driver.title
    facets = driver.find_element(By.CSS_SELECTOR, ".facet-results").text
    assert "publication" in facets and "光明日报" in facets
    shot(driver, "1-articles", ".facet-results")

    # Click a facet value: only the articles from that publication remain.
    click(driver, By.XPATH, '//div[@data-column="publication"]//a[text()="光明日报"]')
    WebDriverWait(driver, 10).until(EC.url_contains("publication="))
    assert "publication=" + urllib.parse.quote("光明日报") in driver.current_url
    expected = conn.execute("select count(*) from articles where publication = '光明日报'")
    titles = table_column(driver, "title")
    assert len(titles) == expected.fetchone()[0] == 1
    assert titles[0].startswith("深入学习领会")
    shot(driver, "2-facet-publication", ".facet-results")

    # A Chinese search from the table's search box.
    driver.get(server + "/archive/articles")
    box = driver.find_element(By.ID, "_search")
    box.send_keys("協同治理")  # Traditional: finds the Simplified text
    box.submit()
    WebDriverWait(driver, 10).until(EC.url_contains("_search="))
    assert table_column(driver, "title") == [SHARED_TITLE]
    shot(driver, "3-search", "form.filters")

    # Open the article: its page lists its metadata and its copies, each with its page.
    click(driver, By.CSS_SELECTOR, "table.rows-and-columns td.col-id a")
    WebDriverWait(driver, 10).until(EC.url_matches(r"/archive/articles/\d+$"))
    article_id = int(driver.current_url.rsplit("/", 1)[1])
    text = driver.find_element(By.TAG_NAME, "body").text
    assert SHARED_TITLE in text and "张小明" in text
    copies = conn.execute(
        "select source_id from article_occurrences where article_id = ? order by source_id",
        [article_id],
    ).fetchall()
    assert f"Copies on spam pages ({len(copies)})" in text
    assert f"{len(copies)} rows from article_id in article_occurrences" in text
    pages = driver.find_elements(By.CSS_SELECTOR, "table.article-copies td.col-page a")
    assert [int(a.get_attribute("href").rsplit("/", 1)[1]) for a in pages] == [
        row[0] for row in copies
    ]
    shot(driver, "4-article")

    # Follow the last copy to the spam page it was found on.
    path = pages[-1].text
    pages[-1].click()
    WebDriverWait(driver, 10).until(EC.url_matches(r"/archive/sources/\d+$"))
    source_id = int(driver.current_url.rsplit("/", 1)[1])
    assert source_id == copies[-1][0]
    stored = conn.execute("select path, site from sources where id = ?", [source_id]).fetchone()
    assert stored["path"] == path
    text = driver.find_element(By.TAG_NAME, "body").text
    assert path in text and stored["site"] in text
    shot(driver, "5-page")
