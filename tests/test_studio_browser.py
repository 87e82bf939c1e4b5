"""The studio in a real headless browser: `reelwright app` serving the real planner, driven by Playwright
through the system's Chromium (Debian's ``chromium``; no browser is downloaded).

One long test, as a user would: upload the demo stream and its fact sheet, ask for a 15 s ad, watch
the tool steps, play the ad (its length read from the page's <video>), find the downloads, ask for
10 seconds, get the new ad; a second browser session sees none of it; the page is saved (as
``docs/studio.png`` when REELWRIGHT_SCREENSHOT=docs/studio.png is set).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
# the README's screenshot is rewritten only on request (REELWRIGHT_SCREENSHOT=docs/studio.png); otherwise the
# run's screenshot goes to the temporary folder, so `make test` leaves the tree clean
SCREENSHOT = os.environ.get("REELWRIGHT_SCREENSHOT")
FIRST_AD_S = 25 * 60  # analysis (~45 s) + make (~60 s) + the LLM on two busy cores, with room to spare
REVISION_S = 15 * 60

pytestmark = pytest.mark.slow


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no system Chromium: apt-get install chromium (make setup does)")


@pytest.fixture
def studio_url(tmp_path, real_settings):
    """`python -m cli app` on a free loopback port, with the test session's home."""
    port = free_port()
    log = (tmp_path / "studio.log").open("w")
    env = {**os.environ, "REELWRIGHT_HOME": str(real_settings.home), "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("GRADIO_TEMP_DIR", None)
    proc = subprocess.Popen([sys.executable, "-m", "cli", "app", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"reelwright app exited early:\n{(tmp_path / 'studio.log').read_text()[-3000:]}")
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("reelwright app did not answer in 180 s")
                time.sleep(0.5)
        yield url
    finally:
        stop(proc)
        log.close()
        tail = (tmp_path / "studio.log").read_text(errors="replace")[-4000:]
        print(f"--- reelwright app log (tail) ---\n{tail}")


_VIDEO_READY = """(old) => { const v = document.querySelector('#ad-video video');
    return !!v && !!v.src && v.src !== old && v.readyState >= 1 && v.duration > 0; }"""


def _ad(page, old: str | None, timeout_s: float) -> tuple[str, float]:
    """Wait for the result panel's video (another one than ``old``); its src and duration (s)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            page.wait_for_function(_VIDEO_READY, arg=old or "", timeout=20_000)
            break
        except Exception as exc:  # playwright's TimeoutError: say where the chat is, then go on waiting
            if "Timeout" not in type(exc).__name__ or time.monotonic() > deadline:
                raise AssertionError(f"no ad after {timeout_s:.0f} s; the chat says:\n"
                                     f"{page.inner_text('#chat')[-3000:]}") from exc
            if re.search(r"internal error|cannot start", page.inner_text("#chat")):
                raise AssertionError(f"the studio failed:\n{page.inner_text('#chat')[-3000:]}") from None
    return page.evaluate("document.querySelector('#ad-video video').src"), \
        page.evaluate("document.querySelector('#ad-video video').duration")


_IDLE = """() => { const b = document.querySelector('#send');
    const button = b && (b.tagName === 'BUTTON' ? b : b.querySelector('button'));
    return !!button && !button.disabled; }"""


def _ask(page, text: str, timeout_s: float = 600) -> None:
    """Send ``text`` once the previous request is answered (Send is disabled while one runs)."""
    page.wait_for_function(_IDLE, timeout=timeout_s * 1000)
    page.fill("#chat-input textarea", text)
    page.click("#send")
    page.wait_for_function(f"() => !({_IDLE})()", timeout=30_000)  # taken: Send is busy


def test_studio_in_a_browser(studio_url, demo, tmp_path):
    from playwright.sync_api import sync_playwright

    sheet = demo.facts[0]
    t0 = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1480, "height": 1000})
            page.goto(studio_url)
            page.wait_for_selector("#uploads input[type=file]", state="attached", timeout=60_000)

            # upload the stream and its fact sheet: both checked by content and attached
            page.locator("#uploads input[type=file]").set_input_files([str(demo.video), str(sheet)])
            page.wait_for_function("() => /Aurora Espresso Blend/.test(document.querySelector('#attached').innerText)"
                                   " && /demo_stream\\.mp4/.test(document.querySelector('#attached').innerText)",
                                   timeout=120_000)
            assert "✗" not in page.inner_text("#attached")

            # a 15 s ad: tool steps in the chat, then the video in the panel
            _ask(page, "make a 15s ad")
            page.wait_for_function("() => /step 1: \\w+/.test(document.querySelector('#chat').innerText)",
                                   timeout=FIRST_AD_S * 1000)
            assert page.locator("#ad-video video").count() == 0  # the step shows while it runs, before the ad
            src1, d1 = _ad(page, None, FIRST_AD_S)
            first_s = time.monotonic() - t0
            assert abs(d1 - 15) <= 1.5, f"the first ad lasts {d1:.2f} s, not about 15"
            chat = page.inner_text("#chat")
            steps = re.findall(r"step \d+: (\w+)", chat)
            assert steps and {"make_ad", "plan_ad", "render_ad"} & set(steps), chat[-2000:]
            assert re.search(r"version 1", chat)
            # downloads: the MP4, subtitles, the editor's timeline and the plan, served by the app
            links = page.eval_on_selector_all("#downloads a[download]", "els => els.map(e => e.href)")
            names = {re.sub(r".*/", "", link) for link in links}
            assert {"ad.mp4", "ad.srt", "ad.otio", "plan.json"} <= names, links
            assert page.request.get(next(x for x in links if x.endswith("ad.srt"))).ok
            # ... and nothing outside its own files
            assert page.request.get(studio_url + "gradio_api/file=/etc/passwd").status in (403, 404)
            # the panel: cover, narration with its fact phrases, the structure plot
            assert page.locator("#ad-cover img").count() == 1
            narration = page.inner_text("#narration")
            phrases = [p for field in json.loads(sheet.read_text())["facts"].values() for p in field]
            assert any(p.lower() in narration.lower() for p in phrases) or "presenter's own speech" in narration, \
                narration
            page.wait_for_selector("#structure img", timeout=60_000)

            # the same ad, 10 s: a new version, a new video
            _ask(page, "make it 10 seconds", REVISION_S)
            src2, d2 = _ad(page, src1, REVISION_S)
            assert abs(d2 - 10) <= 1.5, f"the revised ad lasts {d2:.2f} s, not about 10"
            assert "version 2" in page.inner_text("#chat") and "Version 2" in page.inner_text("#ad-summary")
            page.wait_for_timeout(1500)  # let the cover and plot of the new version load
            shot = Path(SCREENSHOT) if SCREENSHOT else tmp_path / "studio.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000

            # another browser session sees none of this session's work
            other = browser.new_context().new_page()
            other.goto(studio_url)
            other.wait_for_selector("#attached", timeout=60_000)
            other.wait_for_timeout(2000)
            assert "Nothing attached" in other.inner_text("#attached")
            assert other.locator("#ad-video video").count() == 0
            assert not re.search(r"step \d+:|version \d|attached:", other.inner_text("#chat"))
        finally:
            browser.close()
    print(f"first ad after {first_s:.0f} s, whole test {time.monotonic() - t0:.0f} s; {src1} -> {src2}")
