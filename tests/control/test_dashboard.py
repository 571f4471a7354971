"""The dashboard end to end in headless Chromium: live timeline, detail, cache, functions.

Screenshots land in $EDGESIM_SCREENSHOTS when set (to look at them), else in the test's
temporary directory; the colours of key elements are read back from the painted page.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path

import pytest

from edgesim.cli import main
from edgesim.config.load import load_config
from edgesim.control.app import build_control_app
from edgesim.control.watch import ConfigWatcher
from edgesim.edge.server import BackgroundServer
from tests.control.browser import Browser, Page, find_chromium, png_pixels
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
async def control_url(served: Served) -> AsyncIterator[str]:
    server = BackgroundServer(build_control_app(served.edge, served.recorder))
    await server.start()
    try:
        yield server.url
    finally:
        served.recorder.close()
        await server.stop()


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    assert CHROMIUM is not None
    async with Browser(CHROMIUM, tmp_path / "profile") as browser:
        yield browser


async def open_dashboard(browser: Browser, url: str, width: int = 1440, height: int = 900) -> Page:
    page = await browser.page(width, height)
    await page.goto(url + "/")
    await page.wait_for("document.getElementById('live').className === 'on'")
    return page


@pytest.fixture
async def dashboard(control_url: str, browser: Browser) -> Page:
    return await open_dashboard(browser, control_url)


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


async def test_functions_tab_shows_a_version_published_with_edgesim_publish(served, control_url, dashboard, shots):
    # Without --watch nothing reloads: `edgesim publish NAME --wait` is what makes v2 live.
    page = dashboard
    await page.evaluate("document.querySelector('nav [data-tab=functions]').click()")
    current = "document.querySelector('tr[data-function=greet] .current')?.textContent"
    assert await page.wait_for(current) == "v1"
    save(served.site.function, function_code("B"))
    status = await asyncio.to_thread(main, ["publish", "greet", "--control", control_url, "--wait"])
    assert status == 0
    assert await page.wait_for(f"{current} === 'v2' && {current}")
    versions = await page.evaluate("document.querySelector('tr[data-function=greet] td.mono').textContent")
    assert versions.startswith("v2 ") and "v1 " in versions, "the newest version first, the one before still listed"
    deployment = await page.evaluate("document.querySelector('tr[data-function=greet] .deployment').textContent")
    assert deployment.startswith("deployed to ")
    assert (await served.client.get("/fn")).headers["x-code"] == "B"
    await page.screenshot(shots / "functions-published.png")


async def test_the_filter_narrows_the_timeline_by_path_status_x_cache_and_pop(served, dashboard, shots):
    page = dashboard
    await served.client.get("/echo/a")
    await served.client.get("/echo/a")
    await served.client.get("/echo/b", headers={"X-Edgesim-Pop": "IAD89-C1"})
    await served.client.get("/fn")
    await served.client.get("/throw")
    await page.wait_for("document.querySelectorAll('#timeline .row').length === 5")

    async def shown_after(field: str, value: str) -> list[str]:
        await page.evaluate(f"(() => {{ const f = document.getElementById({field!r}); f.value = {value!r};"
                            " f.dispatchEvent(new Event('input')); })()")
        return await page.evaluate("[...document.querySelectorAll('#timeline .row .path')].map(p => p.title)")

    assert await shown_after("filter-path", "ECHO") == ["/echo/b", "/echo/a", "/echo/a"]
    assert await shown_after("filter-xcache", "Hit") == ["/echo/a"]
    assert await page.evaluate("document.getElementById('count').textContent") == "(1 of 5)"
    await page.screenshot(shots / "filtered.png")
    await page.evaluate("document.getElementById('filter-clear').click()")
    assert await shown_after("filter-pop", "IAD89-C1") == ["/echo/b"]
    await page.evaluate("document.getElementById('filter-clear').click()")
    statuses = await page.evaluate("[...document.getElementById('filter-status').options].map(o => o.value)")
    assert statuses == ["", "2xx", "5xx", "200", "503"]
    assert await shown_after("filter-status", "5xx") == ["/throw"]
    assert await shown_after("filter-status", "200") == ["/fn", "/echo/b", "/echo/a", "/echo/a"]
    await page.evaluate("document.getElementById('filter-clear').click()")
    await served.client.get("/throw?again")
    await page.wait_for("document.querySelectorAll('#timeline .row').length === 6")
    assert await shown_after("filter-path", "nothing-like-this") == []
    assert "No request matches" in await page.evaluate("document.getElementById('timeline').textContent")


# Elements whose content may be wider than they are, on purpose: the path cell ends in an
# ellipsis and shows the whole target in its tooltip.
CLIPPED_ON_PURPOSE = ".path"
OVERFLOWING = f"""[...document.querySelectorAll('body *')].filter(e => e.scrollWidth > e.clientWidth + 1
  && getComputedStyle(e).overflowX !== 'visible' && !e.matches({CLIPPED_ON_PURPOSE!r}))
  .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth)"""
CUT_LABELS = """[...document.querySelectorAll('#timeline .xc')].filter(x => {
  const label = x.getBoundingClientRect(), cell = x.parentElement.getBoundingClientRect(),
        panel = document.getElementById('timeline').getBoundingClientRect();
  return label.right > cell.right + 0.5 || label.right > panel.right + 0.5; }).map(x => x.textContent)"""
WRAPPED_NAMES = """[...document.querySelectorAll('.headers td.name')].filter(td => {
  const range = document.createRange(); range.selectNodeContents(td);
  return range.getClientRects().length > 1; }).map(td => td.textContent)"""


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1400, 900)])
async def test_nothing_overflows_horizontally(served, control_url, browser, shots, width, height):
    await served.client.get("/fn")
    await served.client.get("/echo/" + "a-rather-long-path-segment/" * 12 + "index.html?with=a&query=string")
    await served.client.get("/echo/page")
    await served.client.get("/echo/page")
    await served.client.get("/throw", headers={"X-A-Fairly-Long-Custom-Header-Name": " ".join(["value"] * 40)})
    page = await open_dashboard(browser, control_url, width, height)
    await page.wait_for("document.querySelectorAll('#timeline .row').length === 5")
    await page.evaluate(f"{row('/throw')}.click()")
    await page.wait_for("!!document.querySelector('#detail .error-box')")
    await page.evaluate(f"{row('/fn')}.click()")
    await page.wait_for("!!document.querySelector('#hook-runs .hook-headers')")
    await page.screenshot(shots / f"requests-{width}x{height}.png")
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    timeline = await page.evaluate("(t => [t.scrollWidth, t.clientWidth])(document.getElementById('timeline'))")
    assert timeline[0] <= timeline[1], "the timeline needs no horizontal scroll"
    assert await page.evaluate(OVERFLOWING) == []
    assert await page.evaluate(CUT_LABELS) == []
    assert await page.evaluate(WRAPPED_NAMES) == []
    labels = await page.evaluate("[...document.querySelectorAll('#timeline .xc')].map(x => x.textContent)")
    assert "FunctionGeneratedResponse" in labels

    await page.evaluate(f"{row('/throw')}.click()")
    await page.wait_for("!!document.querySelector('#request-headers')")
    assert await page.evaluate(WRAPPED_NAMES) == []
    assert await page.evaluate(OVERFLOWING) == []
    await page.screenshot(shots / f"detail-{width}x{height}.png")

    for tab in ("cache", "functions"):
        await page.evaluate(f"document.querySelector('nav [data-tab={tab}]').click()")
        await page.wait_for(f"!!document.getElementById({tab!r}).querySelector('table')")
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        assert await page.evaluate(OVERFLOWING) == []
        await page.screenshot(shots / f"{tab}-{width}x{height}.png")


async def test_durations_read_as_people_say_them(dashboard):
    said = await dashboard.evaluate("[5400, 10, 86400, 90061, 3601, 59.6, 0.2, 0, 31536000].map(humaneDuration)")
    assert said == ["1 h 30 min", "10 s", "1 d", "1 d 1 h", "1 h", "1 min", "< 1 s", "0 s", "365 d"]


async def test_cache_tab_shows_ttls_humanely_and_folds_expired_objects_away(served, dashboard, shots):
    page = dashboard
    await served.client.get("/echo/kept.css")
    await page.evaluate("document.querySelector('nav [data-tab=cache]').click()")
    cell = "document.querySelector('.tier[data-tier^=POP] tr[data-key*=kept] .humane')"
    ttl = await page.wait_for(f"{cell}?.textContent")
    assert ttl in ("23 h 59 min", "1 d"), "CachingOptimized keeps an object a day"
    raw = await page.evaluate(f"{cell}.title")
    assert raw.endswith(" s") and 86300 < float(raw.removesuffix(" s")) <= 86400
    await page.screenshot(shots / "cache-fresh.png")

    served.clock.ahead = 2 * 86400  # two days on: every object has expired, but stays stored
    expired = await page.wait_for(
        "document.querySelector('.tier[data-tier^=POP] details.expired summary')?.textContent")
    assert expired == "1 expired, kept for revalidation"
    folded = await page.evaluate("[...document.querySelectorAll('.tier[data-tier^=POP] tr[data-key*=kept]')]"
                                 ".map(r => r.closest('details') !== null)")
    assert folded == [True], "the expired object is listed only in the folded part"
    heading = await page.evaluate("document.querySelector('.tier[data-tier^=POP] h2').textContent")
    assert heading.endswith("(0 fresh objects)")
    await page.evaluate("document.querySelector('.tier[data-tier^=POP] details.expired summary').click()")
    await page.screenshot(shots / "cache-expired.png")


async def test_plain_headless_screenshot_shows_the_requests_without_waiting_on_the_stream(served, control_url, tmp_path, shots):
    # A screenshot is taken when the page has loaded; the event stream never ends, so the
    # first render must not wait on it.
    sent = [await served.client.get(path) for path in ("/fn", "/echo/one", "/echo/one", "/throw")]
    assert CHROMIUM is not None
    picture = shots / "plain-screenshot.png"
    picture.unlink(missing_ok=True)

    async def plain(what: str, profile: str) -> bytes:
        """Chromium as anyone would run it: no DevTools, no waiting for a condition."""
        command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run",
                   f"--user-data-dir={tmp_path / profile}", what, control_url + "/"]
        child = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                     stderr=asyncio.subprocess.DEVNULL)
        try:
            out, _ = await asyncio.wait_for(child.communicate(), 60)
        except TimeoutError:
            child.kill()
            await child.wait()
            raise AssertionError(f"chromium {what} did not finish") from None
        assert child.returncode == 0
        return out

    await plain(f"--screenshot={picture}", "profile-screenshot")
    pixels = png_pixels(picture.read_bytes())
    assert len(set(pixels)) > 50, "the screenshot is not blank"
    green_badge = sum(1 for r, g, b in pixels if abs(r - 0x1F) < 12 and abs(g - 0x8A) < 12 and abs(b - 0x4C) < 12)
    assert green_badge > 100, "the rows' 200 badges are painted"

    dom = (await plain("--dump-dom", "profile-dom")).decode()  # the page as it stood at the load event
    for answer in sent:
        assert f'data-id="{answer.headers["x-amz-cf-id"]}"' in dom
    assert ">offline<" not in dom and ">snapshot " in dom


@pytest.mark.parametrize("edgesim_settings", [{"Topology": {"Replication": {"Profile": "realistic", "AutoPublish": False}}}])
async def test_functions_tab_follows_a_rollout_region_by_region(served, control_url, dashboard, shots):
    # Realistic replication takes minutes per region on the edge's clock; the test moves the clock.
    page = dashboard
    await page.evaluate("document.querySelector('nav [data-tab=functions]').click()")
    deployment = "document.querySelector('tr[data-function=greet] .deployment')?.textContent"
    assert (await page.wait_for(deployment)).startswith("deployed to ")
    save(served.site.function, function_code("B"))
    await page.evaluate("document.querySelector('nav [data-tab=functions]').click()")  # nothing announces a save
    assert "code on disk not published" in await page.wait_for(f"{deployment}.includes('not published') && {deployment}")
    status = await asyncio.to_thread(main, ["publish", "greet", "--control", control_url])
    assert status == 0
    rolling = await page.wait_for(f"{deployment}?.startsWith('deploying') && {deployment}")
    regions = len(served.edge.topology.regions)
    assert rolling == f"deploying: 0 of {regions} regions · v1 in {regions}"
    await page.screenshot(shots / "functions-rolling-out.png")
    served.clock.ahead = 3600  # every region's switch time has passed
    assert await page.wait_for(f"{deployment}?.startsWith('deployed') && {deployment}") == f"deployed to {regions} regions"


@pytest.mark.parametrize(("result_type", "tint"), [
    ("LambdaGeneratedResponse", "generated"), ("FunctionGeneratedResponse", "generated"),
    ("FunctionExecutionError", "failed"), ("LambdaValidationError", "failed"),
    ("LambdaLimitExceeded", "failed"), ("OriginConnectError", "failed"), ("Error", "failed"),
])
async def test_every_x_cache_kind_is_tinted_as_its_family(dashboard, result_type, tint):
    """A badge's colour follows the name's family (…GeneratedResponse, …Error), so a result type
    added later is painted without a new style rule."""
    background = await dashboard.evaluate(
        "(() => { const badge = document.createElement('span'); badge.className = 'xc ' + "
        f"{result_type!r}; document.body.append(badge); return getComputedStyle(badge).backgroundColor; }})()")
    expected = {"generated": "rgb(239, 230, 255)", "failed": "rgb(253, 226, 226)"}[tint]
    assert background == expected
