"""Headless Chromium for the status page's browser tests and its screenshot.

The browser is Debian's `chromium` package (`make browser` installs it), driven by
Playwright: the project installs the browser the way it installs sipp, so nothing downloads
a second, unpinned browser at test time (`playwright install` is never run) and the tests run
on a network that only reaches the package mirrors.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, sync_playwright

# Debian installs `chromium`; other distributions name the same browser differently.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


class BrowserMissingError(RuntimeError):
    pass


def chromium_path() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissingError(
        f"no Chromium on PATH (looked for {', '.join(CHROMIUM_NAMES)}); run `make browser`"
    )


@contextmanager
def headless_chromium() -> Iterator[Browser]:
    """The system Chromium, headless, for as long as the block runs."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        # Chromium's own sandbox needs unprivileged user namespaces and refuses to start as
        # root, which is how CI containers and this dev box run it. The pages it opens are
        # the product's own, served on loopback, so the OS sandbox protects nothing here.
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, chromium_sandbox=False
        )
        try:
            yield browser
        finally:
            browser.close()
