"""Take the README's screenshots of the main pages from a freshly loaded demo.

Run through `bin/screenshots`. Everything it makes lives in a temporary directory (the SQLite
database, the server's output) and the server is stopped at the end, also when a page fails,
so a run leaves nothing behind but the PNGs in docs/screenshots/.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "demo-password"  # noqa: S105 - the demo's published password
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# The weekly report: its headlines, the five signals and the charts in one picture.
REPORT = {"width": 1280, "height": 1500}

# (file name, user, viewport, path to open, link to follow from there or None, selector that
# shows the page has its content). The README's "What it looks like" embeds each file.
SHOTS = [
    ("rep-queue.png", "rosa", PHONE, "/queue/", None, "main"),
    ("lead-page.png", "rosa", PHONE, "/queue/", "a[href^='/leads/']", "main"),
    ("manager-board.png", "manager", DESKTOP, "/board/", None, "main"),
    (
        "rule-condition-builder.png",
        "manager",
        DESKTOP,
        "/admin/routing/routingrule/",
        # The Southeast rule: its condition is a multi-select of states, more to see than one row.
        "#result_list a:has-text('Southeast')",
        ".cb-tree",
    ),
    ("review-queue.png", "manager", DESKTOP, "/review/", None, "main"),
    # Last week (a whole one: this week has only begun), from the current week's "Previous".
    ("weekly-report.png", "manager", REPORT, "/reports/weekly/", "a[rel=prev]", "#chart-days"),
]


def free_port():
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args, **kwargs):
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True, **kwargs
    )


def wait_until_up(base_url, server, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the web server stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(f"{base_url}/health/", timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the web server did not answer at {base_url} within {timeout:.0f} s")


def sign_in(browser, base_url, username, viewport):
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()
    if "/accounts/login/" in page.url:
        raise SystemExit(f"could not sign in as {username}")
    return context, page


def take(browser, base_url, shot):
    name, username, viewport, path, follow, ready = shot
    context, page = sign_in(browser, base_url, username, viewport)
    try:
        page.goto(base_url + path)
        if follow:
            page.locator(follow).first.click()
            page.wait_for_load_state()
        page.wait_for_selector(ready)
        if "/accounts/login/" in page.url:
            raise SystemExit(f"{name}: {username} was sent to the login page")
        page.screenshot(path=str(OUT / name))
        print(f"{name}: {page.url}")
    finally:
        context.close()


def main():
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="leadrouter-screenshots-") as tmp:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DEBUG": "true",
            "SQLITE_PATH": str(Path(tmp) / "screenshots.sqlite3"),
            "SITE_URL": base_url,
        }
        env.pop("DATABASE_URL", None)  # always the throwaway SQLite file, never a real database
        manage(env, "migrate", "--noinput", stdout=subprocess.DEVNULL)
        manage(env, "demo", "--base-url", base_url, stdout=subprocess.DEVNULL)
        log = open(Path(tmp) / "runserver.log", "w")  # noqa: SIM115 - closed in finally
        runserver = ["runserver", "--noreload", f"127.0.0.1:{port}"]
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, str(ROOT / "manage.py"), *runserver],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(base_url, server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                )
                try:
                    for shot in SHOTS:
                        take(browser, base_url, shot)
                finally:
                    browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


if __name__ == "__main__":
    main()
