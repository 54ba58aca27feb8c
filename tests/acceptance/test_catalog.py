"""The catalog staff print from: its contents match the manifest, and it
works in a real browser (headless Chromium from Debian's package)."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Catalog(HTMLParser):
    """Articles (data-lang, data-material) with their links and images."""

    def __init__(self):
        super().__init__()
        self.articles: list[dict] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article":
            self.articles.append({"lang": attrs["data-lang"], "material": attrs["data-material"],
                                  "links": [], "images": []})
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            if self.articles:
                self.articles[-1]["links"].append(attrs["href"])
        elif tag == "img" and self.articles:
            self.articles[-1]["images"].append(attrs)


def parse(out: Path) -> Catalog:
    catalog = Catalog()
    catalog.feed((out / "index.html").read_text("utf-8"))
    return catalog


def test_catalog_lists_every_document_of_the_manifest(default_build):
    out, manifest = default_build
    catalog = parse(out)
    documents = [e for e in manifest["outputs"] if e["kind"] == "document"]
    standard = {(e["material"], e["lang"]) for e in documents if e["variant"] == "standard"}
    assert {(a["material"], a["lang"]) for a in catalog.articles} == standard
    for article in catalog.articles:
        entry = next(e for e in documents if (e["material"], e["lang"], e["variant"]) ==
                     (article["material"], article["lang"], "standard"))
        assert entry["path"] in article["links"]
        assert len(article["images"]) == entry["pages"]          # a thumbnail per page
        assert all(img["alt"].startswith("Page ") for img in article["images"])
        others = {e["path"] for e in manifest["outputs"]
                  if e.get("material") == article["material"] and e.get("lang") == article["lang"]}
        assert others <= set(article["links"])                   # variants and sheets too


def test_every_catalog_link_and_picture_resolves(default_build):
    out, _ = default_build
    catalog = parse(out)
    for href in catalog.links:
        assert (out / href).is_file(), href
    for article in catalog.articles:
        for image in article["images"]:
            assert (out / image["src"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_catalog_in_a_real_browser(default_build, tmp_path):
    from playwright.sync_api import sync_playwright
    out, manifest = default_build
    assert Path(CHROMIUM).exists(), "install Debian's chromium (./run.sh test does)"
    materials = {e["material"] for e in manifest["outputs"] if e["kind"] == "document"}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 420, "height": 900})   # a phone
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto((out / "index.html").as_uri())
            page.keyboard.press("Tab")                                         # keyboard reaches the filter
            assert page.evaluate("document.activeElement.id") == "lang"
            page.select_option("#lang", "es")
            visible = page.locator("#items article:visible")
            assert visible.count() == len(materials)
            assert {visible.nth(i).get_attribute("data-lang") for i in range(visible.count())} == {"es"}
            assert page.inner_text("#count") == f"{len(materials)} shown"
            option = page.locator("#lang option[value='ar']")
            assert option.inner_text().startswith("العربية")                  # names in their own script
            for href in page.eval_on_selector_all("#items article:visible a",
                                                  "links => links.map(a => a.href)"):
                assert Path(href.removeprefix("file://")).is_file(), href
            page.select_option("#material", "never-use-alone-card")
            assert visible.count() == 1
            assert all(url.startswith("file://") for url in requests)          # nothing from the network
            shot = tmp_path / "catalog.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
