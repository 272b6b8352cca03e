"""The real-browser fixtures (tests/browser/harness.py): headless Chromium through Playwright, the live
server on 127.0.0.1, an other-origin host-page server, screenshots under var/test-artifacts/."""
from tests.browser.harness import *  # noqa: F401,F403
