"""The dashboard end to end in headless Chromium: live timeline, detail, cache, functions.

Screenshots land in $EDGESIM_SCREENSHOTS when set (to look at them), else in the test's
temporary directory; the colours of key elements are read back from the painted page.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path

import pytest

from edgesim.config.load import load_config
from edgesim.control.app import build_control_app
from edgesim.control.watch import ConfigWatcher
from edgesim.edge.server import BackgroundServer
from tests.control.browser import Browser, Page, find_chromium
from tests.control.conftest import Served, function_code, save

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on PATH (Debian: apt-get install chromium; .ci/run installs it)"
)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    target = Path(os.environ.get("EDGESIM_SCREENSHOTS") or tmp_path / "screenshots")
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
async def dashboard(served: Served, tmp_path: Path) -> AsyncIterator[Page]:
    server = BackgroundServer(build_control_app(served.edge, served.recorder))
    await server.start()
    assert CHROMIUM is not None
    browser = Browser(CHROMIUM, tmp_path / "profile")
    await browser.start()
    try:
        page = await browser.page()
        await page.goto(server.url + "/")
        await page.wait_for("document.getElementById('live').className === 'on'")
        yield page
    finally:
        await browser.close()
        served.recorder.close()
        await server.stop()


def row(path: str) -> str:
    return f"[...document.querySelectorAll('#timeline .row')].find(r => r.querySelector('.path').title === {path!r})"


def reddish(colour: tuple[int, int, int]) -> bool:
    red, green, blue = colour
    return red > green + 60 and red > blue + 60


def greenish(colour: tuple[int, int, int]) -> bool:
    red, green, blue = colour
    return green > red + 40 and green > blue + 20


async def test_live_timeline_and_a_failed_requests_detail(served, dashboard, shots):
    page = dashboard
    await served.client.get("/fn")
    await served.client.get("/echo/page")
    await served.client.get("/echo/page")
    failed = await served.client.get("/throw", headers={"X-Debug": "on"})
    await page.wait_for("document.querySelectorAll('#timeline .row').length === 4")

    cells = await page.evaluate(f"[...{row('/echo/page')}.children].map(c => c.textContent)")
    assert cells[3:6] == ["200", "Hit", "FRA56-C1"]
    assert await page.evaluate(f"{row('/throw')}.querySelector('.hookfail').textContent") == " ✖ greet"
    assert await page.evaluate(f"{row('/fn')}.querySelectorAll('.bar i').length") >= 1
    assert greenish(await page.colour_of(".row:last-child .badge")), "a 200 is painted green"
    await page.screenshot(shots / "timeline.png")

    await page.evaluate(f"{row('/throw')}.click()")
    error = await page.wait_for("document.querySelector('#detail .error-box')?.textContent")
    assert "viewer-request greet: FunctionExecutionError" in error and "no greeting for /throw" in error
    assert reddish(await page.colour_of("#detail .badge")), "a 503 is painted red"
    request_headers = await page.evaluate("[...document.querySelectorAll('#request-headers tr')].map(r => r.textContent)")
    assert "X-Debugon" in request_headers
    response_headers = await page.evaluate("document.querySelector('#response-headers').textContent")
    assert failed.headers["x-amz-cf-id"] in response_headers
    await page.screenshot(shots / "detail.png")

    await page.evaluate(f"{row('/fn')}.click()")
    logs = await page.wait_for("document.querySelector('#hook-runs .logs')?.textContent")
    assert logs == "greeting is hello"


async def test_cache_tab_lists_objects_per_tier_and_invalidates(served, dashboard, shots):
    page = dashboard
    await served.client.get("/echo/cached.css")
    await page.evaluate("document.querySelector('nav [data-tab=cache]').click()")
    tiers = await page.wait_for(
        "[...document.querySelectorAll('.tier[data-tier]')].filter(t => t.textContent.includes('/echo/cached.css'))"
        ".map(t => t.dataset.tier)"
    )
    assert len(tiers) == 2  # the POP and its regional edge cache
    await page.screenshot(shots / "cache.png")
    await page.evaluate("document.getElementById('paths').value = '/echo/*'")
    await page.evaluate("document.querySelector('#invalidate button[type=submit]').click()")
    result = await page.wait_for("document.getElementById('invalidate-result').textContent")
    assert result.endswith("objects removed") and not result.startswith("0")
    await page.wait_for("!document.getElementById('tiers').textContent.includes('/echo/cached.css')")


async def test_functions_tab_follows_a_reload_and_the_banner_reports_it(served, dashboard, shots):
    page = dashboard
    await page.evaluate("document.querySelector('nav [data-tab=functions]').click()")
    current = "document.querySelector('tr[data-function=greet] .current')?.textContent"
    assert await page.wait_for(current) == "v1"

    watcher = ConfigWatcher(served.edge, lambda: load_config(served.site.config),
                            listeners=[lambda outcome: served.recorder.publish("reload", asdict(outcome))])
    save(served.site.function, "function handler(event) {\n  return event.request +;\n}\n")
    await watcher.reload(["functions/greet.js"])
    banner = await page.wait_for("document.querySelector('#banner.bad')?.textContent")
    assert "still serving the last good version" in banner and "greet.js:2:" in banner
    await page.screenshot(shots / "reload-failed.png")

    save(served.site.function, function_code("B"))
    await watcher.reload(["functions/greet.js"])
    assert (await page.wait_for("document.querySelector('#banner.ok')?.textContent")).startswith("Reloaded")
    assert await page.wait_for(f"{current} === 'v2' && {current}")
    await page.screenshot(shots / "functions.png")
