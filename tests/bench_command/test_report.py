"""The bench's HTML report as a browser shows it: a label at each decade, no label over another.

The figures are made up (a log-normal spread over several decades, and a narrow one inside
a single decade) so the axes are known; the report is rendered in headless Chromium and
each plot is saved as a PNG in $EDGESIM_SCREENSHOTS when set, to be looked at.
"""

from __future__ import annotations

import base64
import os
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edgesim.bench import report
from edgesim.bench.metrics import Observed, Summary
from tests.control.browser import Browser, find_chromium

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (Debian: apt-get install chromium)")


def made_up(label: str, latencies: list[float], *, lambda_cold: int = 0) -> Summary:
    n = len(latencies)
    observed = Observed()
    observed.stages = {"viewer-request edge:1": [0.3] * n, "cache-edge hit": [0.05] * n}
    observed.results = {"Hit": n - n // 5, "Miss": n // 5}
    observed.tiers = {"POP": [n - n // 5, n]}
    if lambda_cold:
        observed.lambda_warm_ms = {"edge:1": [5.0] * n}
        observed.lambda_cold_ms = {"edge:1": [40.0] * lambda_cold}
    else:
        observed.function_ms = {"edge:1": [0.27] * n}
    return Summary(label, "in process", 8, n / 500, latencies, {200: n}, 0, observed)


def spread(seed: int, scale: float, n: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.lognormvariate(0, 0.7) * scale for _ in range(n)] + [scale * 90]


RUNS = {
    "decades": [made_up("function", spread(1, 0.8, 3000)), made_up("lambda", spread(2, 6.0, 3000), lambda_cold=3)],
    "one-decade": [made_up("narrow", [1.1 + i / 100 for i in range(30)])],
}


def test_the_figures_table_carries_the_consoles_ratios_and_the_run_and_machine_facts():
    function, lam = RUNS["decades"]
    page = report.render([function, lam], settings={"concurrency": "8", "paths": "examples/paths.txt (6 requests)"},
                         machine={"CPUs": "2", "Python": "CPython 3.11.7"})
    ratio = lam.rps / function.rps
    assert f"({ratio:.2f}x)" in page
    assert f"({lam.latency(99) / function.latency(99):.2f}x)" in page
    assert "<th>concurrency</th><td>8</td>" in page and "<th>CPUs</th><td>2</td>" in page
    assert "80.0% (2400/3001)" not in page and "80.0% (2401/3001)" in page, "hit ratio over every tier"
    assert "<td>3</td>" in page, "the Lambda's cold starts"
    assert "viewer-request edge:1" in page and "0.300" in page, "time per stage"


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    assert CHROMIUM is not None
    async with Browser(CHROMIUM, tmp_path / "profile") as browser:
        yield browser


OVERLAPS = """[...document.querySelectorAll('svg')].flatMap((svg, s) => {
  const frame = svg.getBoundingClientRect();
  const boxes = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()]);
  const found = boxes.filter(([, b]) => b.left < frame.left || b.right > frame.right || b.top < frame.top
                                        || b.bottom > frame.bottom).map(([label]) => `svg ${s}: ${label} sticks out`);
  boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
    if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) found.push(`svg ${s}: ${a} on ${b}`);
  }));
  return found; })"""


@needs_chromium
@pytest.mark.parametrize("run", sorted(RUNS))
async def test_plots_label_each_decade_and_no_label_overlaps_another(run, browser, tmp_path):
    shots = Path(os.environ.get("EDGESIM_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page_file = tmp_path / "report.html"
    page_file.write_text(report.render(RUNS[run]), encoding="utf-8")
    page = await browser.page(1000, 900)
    await page.goto(page_file.as_uri())
    assert await page.evaluate(OVERLAPS) == []
    decades = await page.evaluate("[...document.querySelectorAll('svg')[0].querySelectorAll('text.tick.y')]"
                                  ".map(t => t.textContent)")
    percentiles = await page.evaluate("[...document.querySelectorAll('svg')[0].querySelectorAll('text.tick.x')]"
                                      ".map(t => t.textContent)")
    if run == "decades":  # from about 0.1 ms to 540 ms
        assert decades == ["0.01", "0.1", "1", "10", "100", "1000"]
        assert percentiles == ["min", "p50", "p90", "p99", "p99.9", "max"]
    else:  # 1.1 to 1.39 ms: one decade, labelled at 2 and 5 too
        assert decades == ["1", "2", "5", "10"]
        assert percentiles[0] == "min" and percentiles[-1] == "max" and "p90" in percentiles
    for index in range(await page.evaluate("document.querySelectorAll('svg').length")):
        box = await page.evaluate(f"(r => ({{x: r.x, y: r.y + scrollY, width: r.width, height: r.height}}))"
                                  f"(document.querySelectorAll('svg')[{index}].getBoundingClientRect())")
        shot = await page.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                          "clip": {**box, "scale": 1}})
        (shots / f"report-{run}-{index}.png").write_bytes(base64.b64decode(shot["data"]))
