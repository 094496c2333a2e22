"""``report.html`` (benchmarks/report/html/): the same sections and numbers as report.md, self-contained, and
working in a real browser (headless Chromium, where this machine has it: the test says why it skips)."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from nas_env.benchmarks.harness.runner import run_benchmark
from nas_env.benchmarks.protocols import get_protocol
from nas_env.benchmarks.report import build_report, build_run_report
from nas_env.benchmarks.run.search import run_search

AGENTS = ["random", "evolution", "reinforce"]
CHROMIUM, CHROMEDRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver")
#: a decimal number as the reports print them
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])")


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "bench"
    outcomes = run_benchmark(get_protocol("nb201-cifar10", budget=2000), AGENTS, [0, 1], out, workers=0,
                             progress=False, command="pytest html")
    assert [o.status for o in outcomes] == ["done"] * 6
    build_report(out)
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "run"
    run_search("nas_env/NB201-v0", {}, "random", {}, 30, seed=0, out_dir=out, progress=False)
    build_run_report(out)
    return out


class _Text(HTMLParser):
    """The page's visible text, with its scripts (the figures' JSON) and styles left out."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def _figures(page: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r'<script type="application/json" class="figdata">(.*?)</script>', page)]


@pytest.mark.parametrize("which", ["bench", "run"])
def test_same_sections_and_numbers_as_the_markdown(which: str, request: pytest.FixtureRequest) -> None:
    out = request.getfixturevalue(which)
    md = (out / "report.md").read_text(encoding="utf-8")
    page = (out / "report.html").read_text(encoding="utf-8")
    text = _text(page)
    headings = [line.lstrip("#").strip().replace("`", "") for line in md.splitlines() if line.startswith("#")]
    assert headings and all(h in text for h in headings)
    assert page.count("<table") == sum(line.startswith("|---") for line in md.splitlines())
    words = [line for line in md.splitlines() if not line.startswith("![")]
    numbers = NUMBER.findall("\n".join(words))
    found = NUMBER.findall(text)
    it = iter(found)
    assert all(n in it for n in numbers), "report.md's numbers, in order, are report.html's"
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert images and all(f'data-src="{src}"' in page or f'<a href="{src}">' in page for src in images)


def test_self_contained(bench: Path) -> None:
    page = (bench / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=\"(https?:)?//", page)  # no network
    assert "<link" not in page and not re.search(r"<script[^>]+src=", page)  # nothing fetched: all inlined
    assert all(src.startswith("data:image/png;base64,") for src in re.findall(r'<img[^>]+src="([^"]+)"', page))
    assert "Math.random" not in page and "new Date(" not in page  # the same report gives the same page (and
    # tests/benchmarks/cli/test_golden_outputs.py holds report.html to its manifest)


def test_figures_draw_the_reports_numbers(bench: Path) -> None:
    """The anytime curves are anytime_by_evaluations.csv's; the final figure's IQMs and seeds aggregate.json's."""
    figures = {f["title"]: f for f in _figures((bench / "report.html").read_text(encoding="utf-8"))}
    anytime = next(f for t, f in figures.items() if "incumbent" in t)["panels"][-1]
    rows = list(csv.DictReader((bench / "anytime_by_evaluations.csv").open()))
    for agent in AGENTS:
        line = next(s for s in anytime["series"] if s["kind"] == "line" and s.get("agent") == agent)
        iqm = [float(r["iqm"]) for r in rows if r["agent"] == agent]
        assert line["y"] == pytest.approx(iqm, rel=1e-5)
        seeds = [s for s in anytime["series"] if s.get("seeds") and s["agent"] == agent]
        assert sorted(s["seed"] for s in seeds) == [0, 1]
    agg = json.loads((bench / "aggregate.json").read_text())["agents"]
    final = next(f for t, f in figures.items() if "final" in t)["panels"][0]["series"]
    for agent in AGENTS:
        bar = next(s for s in final if s["kind"] == "errorbar" and s.get("agent") == agent)
        assert (bar["y"][0], bar["lo"][0], bar["hi"][0]) == pytest.approx((agg[agent]["iqm"], *agg[agent]["iqm_ci"]))
        dots = next(s for s in final if s["kind"] == "points" and s.get("agent") == agent)
        assert sorted(dots["y"]) == pytest.approx(sorted(agg[agent]["final_accuracy_percent"]))
        assert sorted(dots["point_seeds"]) == agg[agent]["seeds"]


# ------------------------------------------------------------------------------------------ in a browser
@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through selenium, with the browser's console log; skipped where either is absent."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    missing = [name for name, found in (("chromium", os.path.exists(CHROMIUM)), ("chromedriver", CHROMEDRIVER))
               if not found]
    if missing:
        pytest.skip(f"no {' or '.join(missing)} on this machine (apt install chromium chromium-driver): "
                    "report.html is not opened in a browser here")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    from selenium.webdriver.chrome.service import Service

    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _hover(driver, css: str, at: float = 0.9, index: int = 0) -> str:
    """Move the mouse onto the ``index``-th element ``css`` selects, at ``at`` of its length; the tooltip's text."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    x, y = driver.execute_script("""
        const p = document.querySelectorAll(arguments[0])[arguments[2]];
        p.closest("svg").scrollIntoView({block: "center"});
        const q = p.getPointAtLength(p.getTotalLength() * arguments[1]), m = p.getScreenCTM();
        return [q.x * m.a + q.y * m.c + m.e, q.x * m.b + q.y * m.d + m.f];""", css, at, index)
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(round(x), round(y))
    actions.perform()
    return driver.execute_script("const t = document.getElementById('tip'); return t.hidden ? '' : t.textContent;")


def _check_rendered(driver, page: Path) -> None:
    driver.get(page.as_uri())
    figures = driver.execute_script("""return Array.from(document.querySelectorAll("figure.nasfig")).map(f =>
        [f.querySelectorAll("svg").length, f.querySelectorAll("svg path, svg circle").length])""")
    assert figures and all(svgs > 0 and marks > 5 for svgs, marks in figures), figures
    pictures = driver.execute_script("""return Array.from(document.querySelectorAll("figure.png img")).map(i =>
        i.complete && i.naturalWidth > 100)""")
    assert all(pictures), pictures
    md = (page.parent / "report.md").read_text(encoding="utf-8")
    tables = driver.execute_script("""return Array.from(document.querySelectorAll("table")).map(t =>
        t.tBodies[0].rows.length)""")
    assert len(tables) == sum(line.startswith("|---") for line in md.splitlines()) and all(tables), tables


def test_benchmark_report_in_chromium(browser, bench: Path) -> None:
    """No console errors; every figure drawn and picture loaded; every table there; hovering a curve names its
    agent; the agent switches hide an agent everywhere; a header click sorts."""
    _check_rendered(browser, bench / "report.html")
    for box in browser.find_elements("css selector", "#agents input"):
        if box.get_attribute("value") != "reinforce":
            box.click()  # only reinforce stays on
    hidden = browser.execute_script("""return Array.from(document.querySelectorAll('[data-agent="evolution"]'))
        .map(n => getComputedStyle(n).display)""")
    assert hidden and set(hidden) == {"none"}
    line = 'figure[data-src="figures/anytime.png"] g[data-agent="reinforce"]:not(.seeds) path[fill="none"]'
    tip = _hover(browser, line)
    assert tip.startswith("reinforce") and "test accuracy" in tip, tip
    for box in browser.find_elements("css selector", "#agents input"):
        if not box.is_selected():
            box.click()
    tip = _hover(browser, 'figure.nasfig g[data-agent="evolution"] circle', 0.0)
    assert tip.startswith("evolution · seed "), tip  # a seed's final accuracy
    header = browser.find_element("xpath", "//h2[starts-with(., '1.')]/following::table[1]//th[5]")
    header.click()
    means = browser.execute_script("""return Array.from(document.querySelector("th.asc").closest("table")
        .tBodies[0].rows).map(r => parseFloat(r.cells[4].textContent)).filter(v => !isNaN(v))""")
    assert means == sorted(means) and len(means) >= len(AGENTS)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_run_report_in_chromium(browser, run: Path) -> None:
    _check_rendered(browser, run / "report.html")
    dots = 'figure.nasfig g[data-agent="random"] circle'
    lowest = browser.execute_script("""const cy = Array.from(document.querySelectorAll(arguments[0]))
        .map(c => +c.getAttribute("cy")); return cy.indexOf(Math.max(...cy.slice(1)), 1);""", dots)
    tip = _hover(browser, dots, 0.0, lowest)  # the worst reward: far from the best-so-far and median curves
    assert tip.startswith("random: reward of each architecture · seed 0") and "evaluation" in tip, tip
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
