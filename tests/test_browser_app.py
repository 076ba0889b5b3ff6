"""The app in a real browser: `videoassist app` on a free port, Debian's headless Chromium through Selenium.

Skipped (with the reason) only where Chromium or chromedriver is not installed; CI installs them (.ci/run).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from videoassist.testing import save_tiny_model

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "synth" / "synth_000000.mp4"

if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
    pytest.skip(f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): "
                "apt-get install -y chromium chromium-driver", allow_module_level=True)

from selenium import webdriver  # noqa: E402  (after the skip: without Chromium, selenium is not needed)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.timeout(240)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"videoassist app exited with {server.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} not healthy after {timeout} s")


@dataclass
class AppServer:
    url: str
    temp_dir: Path  # the server's TMPDIR, where uploads are kept
    process: subprocess.Popen

    def stop(self) -> int:
        """Ctrl-C's twin (SIGTERM): Streamlit shuts down cleanly; → its exit status."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


@pytest.fixture
def app_server(tmp_path):
    model = save_tiny_model(tmp_path / "model")
    port, log, temp_dir = free_port(), tmp_path / "server.log", tmp_path / "tmp"
    temp_dir.mkdir()
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "videoassist", "app", "--model", str(model), "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "TMPDIR": str(temp_dir)},
        )
    server = AppServer(f"http://127.0.0.1:{port}", temp_dir, process)
    try:
        wait_until_healthy(server.url, process, log)
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1100", f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def test_upload_ask_and_see_the_answer_in_chromium(app_server, browser, tmp_path):
    wait = WebDriverWait(browser, 90, poll_frequency=0.2)
    browser.get(app_server.url)
    upload = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="stFileUploader"] input[type="file"]'))
    upload.send_keys(str(SAMPLE))

    # The clip plays and the strip shows the 8 sampled frames with their times.
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "video"))
    strip = wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="stImage"] img')) == 8
                       and d.find_element(By.CSS_SELECTOR, '[data-testid="stImage"]'))
    assert strip.text.split() == ["0:00.2", "0:00.6", "0:01.1", "0:01.5", "0:01.9", "0:02.3", "0:02.8", "0:03.2"]

    question = "What colour is the circle?"
    box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="stChatInput"] textarea'))
    box.send_keys(question + Keys.ENTER)

    # The answer is done when its caption (frame count and time) is shown under it.
    def answered(driver):
        messages = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stChatMessage"]')
        return len(messages) == 2 and "8 frames, 0:00.2–0:03.2" in messages[1].text and messages

    messages = wait.until(answered)
    assert question in messages[0].text
    assert messages[1].text.strip()
    assert browser.find_elements(By.XPATH, "//button[contains(., 'Download JSON')]")

    screenshot = tmp_path / "app.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000

    # The upload is a temporary file while the session lasts; the server removes it when it shuts down.
    [upload_file] = app_server.temp_dir.glob("videoassist-upload-*.mp4")
    assert upload_file.read_bytes() == SAMPLE.read_bytes()
    assert app_server.stop() == 0
    assert not upload_file.exists()
