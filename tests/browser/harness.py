"""Real-browser fixtures: headless Chromium (Debian's package) driven by Playwright for Python.

`tests/browser/conftest.py` star-imports this module; a test package elsewhere does the same in its
own conftest.py (`from tests.browser.harness import *  # noqa: F401,F403`). docs/testing.md
("Tests in a real browser") shows how a test uses the fixtures:

    browser_engine     one Chromium for a run of browser tests (`CHROMIUM_PATH`, default /usr/bin/chromium)
    live_server        session: pytest-django's live server, bound to 127.0.0.1 (the test database)
    host_pages         another origin (127.0.0.2; one server, emptied for each test) serving the HTML
                       the test gives it, also under any `*.test` host name
    page               a tab in a fresh context; console errors and uncaught exceptions fail the test
    browser_log        what that tab did: requests (with their hosts), console errors, page errors
    screenshot         screenshot("name") saves the tab under var/test-artifacts/
    third_party_cookies_page   third_party_cookies_page(blocked=True): a tab whose browser profile
                       blocks (or allows) third-party cookies explicitly

Every test that uses them carries the `browser` marker (`pytestmark = pytest.mark.browser`).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Where screenshots go: one folder per database pass, one per test.
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", ROOT / "var" / "test-artifacts"))
HOST_PAGES_ADDRESS = "127.0.0.2"
# Names that reach the loopback servers without touching DNS: the middleware as `tv.test` (a host
# name that is not "localhost", as on an operator's network), every other `*.test` name on the
# host-page server (so `shop.test` and `elsewhere.test` are two sites on one server).
HOST_RESOLVER_RULES = f"MAP tv.test 127.0.0.1, MAP *.test {HOST_PAGES_ADDRESS}"
TIMEOUT_MS = int(os.environ.get("BROWSER_TIMEOUT_MS", "15000"))

__all__ = [
    "browser_engine", "browser_log", "host_pages", "live_server", "page", "playwright_driver",
    "pytest_runtest_makereport", "pytest_runtest_teardown", "pytest_sessionfinish", "screenshot",
    "third_party_cookies_page",
    "_host_pages_server",
    "BrowserLog", "HostPages",
]


def chromium_path() -> str:
    """The Chromium binary, or a failure saying how to get it (`make test` installs it)."""
    path = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        found = shutil.which("chromium")
        if os.environ.get("CHROMIUM_PATH") or not found:
            pytest.fail(f"Chromium is not installed at {path} (needed by the browser tests): run "
                        "'sudo apt-get install -y chromium' or 'make test-services', or set CHROMIUM_PATH",
                        pytrace=False)
        path = found
    return path


def _headed() -> bool:
    return os.environ.get("BROWSER_HEADED", "") not in ("", "0") and bool(os.environ.get("DISPLAY"))


def _launch_options() -> dict:
    return {
        "executable_path": chromium_path(),
        "headless": not _headed(),
        "slow_mo": float(os.environ.get("BROWSER_SLOWMO", "0") or 0),
        "args": [f"--host-resolver-rules={HOST_RESOLVER_RULES}"],
    }


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:150]


# --- the browser ------------------------------------------------------------------------------------
class _Chromium:
    """The one Chromium of a run of browser tests. Playwright's sync API keeps an asyncio loop running
    in the test thread while it is started, which would change what every later test sees (Django
    takes ORM calls made there for calls from async code; `asyncio.run` refuses to start). So it is
    started by the first browser test and stopped after the last one of a group (the hook
    `pytest_runtest_teardown` below), and while it runs the ORM calls of the tests are allowed."""
    driver = None
    engine = None
    _saved_env = None

    @classmethod
    def get_driver(cls):
        if cls.driver is None:
            try:
                from playwright.sync_api import sync_playwright
            except ImportError:
                pytest.fail("Playwright for Python is not installed (requirements.txt): run 'make venv'",
                            pytrace=False)
            cls._saved_env = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            cls.driver = sync_playwright().start()
        return cls.driver

    @classmethod
    def get_engine(cls):
        if cls.engine is None:
            options = _launch_options()  # fails first, with the one line, when Chromium is missing
            cls.engine = cls.get_driver().chromium.launch(**options)
        return cls.engine

    @classmethod
    def stop(cls):
        if cls.engine is not None:
            cls.engine.close()
            cls.engine = None
        if cls.driver is not None:
            cls.driver.stop()
            cls.driver = None
            if cls._saved_env is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = cls._saved_env


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # the test's fixtures are torn down (its database flushed): then stop Chromium if no
    if nextitem is None or not nextitem.get_closest_marker("browser"):  # browser test follows
        _Chromium.stop()


def pytest_sessionfinish(session, exitstatus):
    _Chromium.stop()  # a run stopped early (-x, Ctrl-C) between two browser tests


@pytest.fixture
def playwright_driver(request):
    _require_marker(request)
    return _Chromium.get_driver()


@pytest.fixture
def browser_engine(request):
    """The headless Chromium (one for a run of browser tests); each test opens its own context."""
    _require_marker(request)
    return _Chromium.get_engine()


def _one_request_at_a_time(server_thread) -> None:
    """On in-memory SQLite every request thread of the live server uses the test's one connection
    (Django warns that simultaneous queries on it fail at random): let one request run at a time.
    The server stays threaded, so a browser's kept-alive connections do not wait on each other."""
    create = server_thread._create_server
    lock = threading.Lock()

    def create_server(*args, **kwargs):
        httpd = create(*args, **kwargs)
        set_app = httpd.set_app

        def locked_set_app(app):
            def locked_app(environ, start_response):
                with lock:  # the body too: a streamed response queries while it is read
                    result = app(environ, start_response)
                    try:
                        return list(result)
                    finally:
                        if hasattr(result, "close"):
                            result.close()  # Django's request_finished, as the server would send it
            set_app(locked_app)

        httpd.set_app = locked_set_app
        return httpd

    server_thread._create_server = create_server


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server on 127.0.0.1 (its default would be "localhost"). Using it makes the
    test transactional (pytest-django's `_live_server_helper`): the server thread sees the rows the
    test commits, on SQLite (the shared in-memory connection) and on PostgreSQL alike."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1:0", start=False)
    if server.thread.connections_override:
        _one_request_at_a_time(server.thread)
    server.start()
    yield server
    server.stop()


# --- what a tab did -----------------------------------------------------------------------------------
@dataclass
class BrowserLog:
    """Requests, console errors and uncaught exceptions of the tabs of one test."""
    requests: list = field(default_factory=list)        # (method, url) in order
    responses: list = field(default_factory=list)       # (status, url) in order
    failed_requests: list = field(default_factory=list) # (url, error) that got no answer
    console_errors: list = field(default_factory=list)  # (page url, text)
    page_errors: list = field(default_factory=list)     # (page url, message)
    allowed: list = field(default_factory=list)         # regexes of console errors a test expects

    def watch(self, target) -> None:
        """Record what a page (or every page of a context) does."""
        target.on("request", lambda req: self.requests.append((req.method, req.url)))
        target.on("response", lambda resp: self.responses.append((resp.status, resp.url)))
        target.on("requestfailed", lambda req: self.failed_requests.append((req.url, req.failure)))
        if hasattr(target, "pages"):  # a context: its pages, now and later
            for tab in target.pages:
                self._watch_page(tab)
            target.on("page", self._watch_page)
        else:
            self._watch_page(target)

    def _watch_page(self, tab) -> None:
        tab.on("console", lambda msg: self._console(tab, msg))
        tab.on("pageerror", lambda exc: self.page_errors.append((tab.url, str(exc))))

    def _console(self, tab, msg) -> None:
        if msg.type != "error":
            return
        source = (msg.location or {}).get("url", "")
        if urlsplit(source).path == "/favicon.ico":
            return  # the browser asks for it by itself on a page that names no icon: not the page's error
        text = msg.text if not source or source in msg.text else f"{msg.text} [{source}]"
        self.console_errors.append((tab.url, text))

    def allow_console_error(self, pattern: str) -> None:
        """A console error the test expects (e.g. Chromium's refusal to frame a page); others fail."""
        self.allowed.append(re.compile(pattern))

    def hosts(self) -> set:
        """The host:port of every request made."""
        return {urlsplit(url).netloc for _, url in self.requests if urlsplit(url).scheme in ("http", "https", "ws", "wss")}

    def urls(self, contains: str = "") -> list:
        return [url for _, url in self.requests if contains in url]

    def failures(self) -> list:
        unexpected = [f"console error on {where}: {text}" for where, text in self.console_errors
                      if not any(p.search(text) for p in self.allowed)]
        return unexpected + [f"uncaught exception on {where}: {text}" for where, text in self.page_errors]


@pytest.fixture
def browser_log():
    return BrowserLog()


def _require_marker(request) -> None:
    if not request.node.get_closest_marker("browser"):
        pytest.fail("a test that drives Chromium carries the `browser` marker "
                    "(pytestmark = pytest.mark.browser)", pytrace=False)


def _check_log(log: BrowserLog) -> None:
    failures = log.failures()
    if failures:
        pytest.fail("the page reported errors:\n  " + "\n  ".join(failures), pytrace=False)


@pytest.fixture
def page(request, browser_engine, browser_log):
    """A tab in a fresh context (no cookies or storage from other tests). Requests, console errors and
    uncaught exceptions go to `browser_log`; an error the test did not allow fails it at teardown.
    A failing test leaves `failure.png` among its artifacts."""
    _require_marker(request)
    context = browser_engine.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    browser_log.watch(context)
    tab = context.new_page()
    yield tab
    _screenshot_on_failure(request, tab)
    context.close()
    _check_log(browser_log)


@pytest.fixture
def third_party_cookies_page(request, playwright_driver, browser_log, tmp_path):
    """`third_party_cookies_page(blocked=True)`: a tab in a browser profile whose cookie setting is
    explicit, as a user sets it: third-party cookies blocked (Chrome's "Block third-party cookies",
    Safari's and Firefox's defaults; partitioned cookies still work) or allowed. It starts a Chromium
    of its own (a persistent profile), so it costs a second; use `page` for everything else."""
    _require_marker(request)
    opened = []

    def open_tab(blocked: bool = True):
        profile = Path(tempfile.mkdtemp(dir=tmp_path, prefix="profile-"))
        (profile / "Default").mkdir()
        # cookie_controls_mode: 0 allow, 1 block third-party cookies (Chromium's profile preference).
        prefs = {"profile": {"cookie_controls_mode": 1 if blocked else 0, "block_third_party_cookies": blocked}}
        (profile / "Default" / "Preferences").write_text(json.dumps(prefs))
        context = playwright_driver.chromium.launch_persistent_context(
            str(profile), viewport={"width": 1280, "height": 900}, **_launch_options())
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        browser_log.watch(context)
        return context.pages[0] if context.pages else context.new_page()

    yield open_tab
    for context in opened:
        if context.pages:
            _screenshot_on_failure(request, context.pages[0])
        context.close()
    _check_log(browser_log)


# --- artifacts ------------------------------------------------------------------------------------------
def _artifact_dir(request) -> Path:
    from django.db import connection

    folder = ARTIFACTS / connection.vendor / _safe_name(request.node.nodeid.replace("tests/", "", 1))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(request):
    """`screenshot("after-login")` saves the test's tab (or `screenshot(name, tab=other)`) as
    var/test-artifacts/<database>/<test>/<NN>-<name>.png and returns the path."""
    count = 0

    def take(name: str, tab=None, full_page: bool = True) -> Path:
        nonlocal count
        count += 1
        tab = tab or request.getfixturevalue("page")
        path = _artifact_dir(request) / f"{count:02d}-{_safe_name(name)}.png"
        tab.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"_browser_report_{report.when}", report)


def _screenshot_on_failure(request, tab) -> None:
    report = getattr(request.node, "_browser_report_call", None)
    if report is None or not report.failed:
        return
    try:
        tab.screenshot(path=str(_artifact_dir(request) / "failure.png"), full_page=True)
    except Exception:  # the tab may be gone with what failed; the failure itself is reported anyway
        pass


# --- another origin ---------------------------------------------------------------------------------------
class HostPages:
    """A threaded HTTP server on 127.0.0.2 (another origin, and another site, than the live server on
    127.0.0.1) that serves the HTML a test gives it: `url = host_pages.serve("/shop.html", html)`.
    `host_pages.url(path, host="shop.test")` names the same page under a `*.test` host name (the
    browser resolves those to 127.0.0.2), so one server plays any number of operator sites."""

    def __init__(self, address: str = HOST_PAGES_ADDRESS):
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.requests: list[tuple[str, str]] = []  # (Host header, path)
        pages, requests = self.pages, self.requests

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = urlsplit(self.path).path
                requests.append((self.headers.get("Host", ""), self.path))
                content_type, body = pages.get(path, ("text/plain; charset=utf-8", b"not found"))
                self.send_response(200 if path in pages else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((address, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://{address}:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def serve(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8",
              host: str | None = None) -> str:
        """Serve `body` at `path` and return its URL (on `host` if given, e.g. "shop.test")."""
        if not path.startswith("/"):
            path = "/" + path
        self.pages[path] = (content_type, body.encode() if isinstance(body, str) else body)
        return self.url(path, host)

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"http://{host}:{self.port}{path}" if host else self.origin + path

    def reset(self) -> None:
        self.pages.clear()
        self.requests.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def _host_pages_server():
    server = HostPages()
    yield server
    server.close()


@pytest.fixture
def host_pages(_host_pages_server):
    """The other-origin page server, emptied for each test."""
    _host_pages_server.reset()
    yield _host_pages_server
    _host_pages_server.reset()
