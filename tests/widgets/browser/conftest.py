"""The real-browser fixtures (tests/browser/harness.py) for the widgets' browser tests."""
from tests.browser.harness import *  # noqa: F401,F403
