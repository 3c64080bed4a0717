"""The README's screenshots (``docs/screenshots/``): ``python -m tests.readme_screenshots URL``.

Opens a few pages of a running ``cnc-graph serve`` in the tests' headless Chromium, at a desktop or phone
viewport (not the whole page, to keep the files small), and saves them. The browser tests take every page kind
in every language; these are the few the README shows.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

from cnc_graph.settings import DEFAULT_BASE_IRI
from cnc_graph.sparql.examples import examples
from tests.browser import DESKTOP, PHONE, chromium


def _example(key: str) -> str:
    return next(e for e in examples() if e.key == key).declared(DEFAULT_BASE_IRI)


OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SHOTS = [
    ("home-fr", "/?lang=fr", DESKTOP),
    ("search-fr", "/qualifications?q=technicien&cnc=5&lang=fr", DESKTOP),
    ("qualification-ar", "/qualifications/OFPPT-TS-TDI?lang=ar", DESKTOP),
    ("compare-levels-en", "/compare/levels?from=cnc&to=eqf&lang=en", DESKTOP),
    ("level-en", "/frameworks/cnc/levels/8?lang=en#matches", DESKTOP),
    ("sparql-en", "/sparql?lang=en&query=" + quote(_example("06-counts")), DESKTOP),
    ("qualification-ar-phone", "/qualifications/BTS-DSI?lang=ar", PHONE),
]


def main(url: str) -> None:
    """Save each screenshot of ``SHOTS`` from the server at ``url`` into ``docs/screenshots/``."""
    OUT.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        for name, path, viewport in SHOTS:
            page = browser.new_page(viewport=viewport)
            page.goto(url.rstrip("/") + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUT / f"{name}.png"))
            page.close()
            print(OUT / f"{name}.png")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
