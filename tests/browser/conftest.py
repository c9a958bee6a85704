"""Playwright against a live server on 127.0.0.1, driving Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
# axe's best-practice rules too (heading order, landmarks, one main, ...): issue 16's bar.
AXE_BEST_PRACTICE = "best-practice"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app):
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)  # under CI a missing browser is a failure, never a skip
        pytest.skip(message)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    previous = app.config["BASE_URL"]
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app.config["BASE_URL"]
    server.shutdown()
    app.config["BASE_URL"] = previous  # links in mail built by later tests use the default


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture
def console_errors(page):
    """Errors the page logs (CSP violations, script errors); a test asserts none."""
    errors: list[str] = []

    def on_console(msg):
        # A form answered 422 is the app working as designed, not a page error.
        if msg.type == "error" and "status of 422" not in msg.text:
            errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def axe_violations(page, *, best_practice: bool = True) -> list[str]:
    """What axe finds on the page: WCAG 2.2 A and AA, and its best-practice rules unless a
    caller says why a page cannot meet them yet."""
    from axe_playwright_python.sync_playwright import Axe

    tags = [*AXE_TAGS, AXE_BEST_PRACTICE] if best_practice else AXE_TAGS
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {[n['target'] for n in v['nodes'][:3]]})"
        for v in results.response["violations"]
    ]


@pytest.fixture
def sign_in(page):
    from tests.factories import PASSWORD

    def go(user, password: str = PASSWORD):
        page.goto("/sign-in")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password", exact=True).fill(password)
        with page.expect_response(
            lambda r: r.request.method == "POST" and "/sign-in" in r.url
        ) as answer:
            page.get_by_role("button", name="Sign in").click()
        if answer.value.status < 400:  # signed in: wait until we have left the form
            page.wait_for_url(lambda url: "/sign-in" not in url)
        page.wait_for_load_state("networkidle")

    return go


@pytest.fixture
def signed_in_without_js(browser, base_url):
    """`open_as(user)`: a page of a browser with JavaScript off, signed in through the real
    form; each one closed after the test."""
    from tests.factories import PASSWORD

    contexts = []

    def open_as(user):
        context = browser.new_context(base_url=base_url, java_script_enabled=False)
        contexts.append(context)
        page = context.new_page()
        page.goto("/sign-in")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        return page

    yield open_as
    for context in contexts:
        context.close()
