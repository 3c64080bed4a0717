"""A real Chromium for the page tests: Debian's ``/usr/bin/chromium`` driven headless by Playwright.

Playwright's own browser download is not used (it cannot reach its servers here): the tests launch the system
Chromium with the flags this machine needs. A missing Chromium or Playwright fails the tests with how to install
it; it never skips. ``axe(page)`` runs the vendored axe-core (``tests/vendor/axe-core``) in the page and returns
its violations; ``SCREENSHOTS`` is where the walks leave their screenshots (kept as CI artefacts).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CNC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
INSTALL = "apt-get install -y chromium chromium-driver (Debian), and pip install playwright (make test does both)"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("CNC_SCREENSHOTS", Path(__file__).resolve().parent.parent / "var" / "screenshots"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@contextmanager
def chromium() -> Iterator[Any]:
    """Yield a headless Chromium (a Playwright ``Browser``); fail, naming the install, if there is none."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extras install it
        pytest.fail(f"Playwright is not installed: {INSTALL}", pytrace=False)
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(f"no Chromium at {CHROMIUM}: {INSTALL}", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def axe(
    page: Any, impacts: tuple[str, ...] = ("serious", "critical"), within: str | None = None, outside: str | None = None
) -> list[dict[str, Any]]:
    """Run axe-core in ``page`` and return its violations of the given impacts (id, impact, help, targets).

    ``within`` checks only the elements matching that selector, ``outside`` everything but them.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: a <script> tag would be refused by the pages' own policy.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    scope = {"include": [[within]]} if within else {"exclude": [[outside]]} if outside else None
    result = page.evaluate(
        "async (scope) => await window.axe.run(scope || document, {resultTypes: ['violations']})", scope
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot of ``page`` as ``SCREENSHOTS/name.png`` and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
