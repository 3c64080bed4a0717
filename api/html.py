"""Small server-rendered HTML pages (no external assets: the register must work offline)."""

from __future__ import annotations

from html import escape

STYLE = """
body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1d2433}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:start;
vertical-align:top}th{background:#f3f5f9}.fallback{font-size:.75em;color:#8a5a00;border:1px solid #e0c080;
border-radius:3px;padding:0 .2em;margin-inline-start:.3em}nav a{margin-inline-end:1rem}code{font-size:.9em}
"""


def page(title: str, body: str, lang: str = "fr") -> str:
    """Return a complete HTML page."""
    direction = "rtl" if lang == "ar" else "ltr"
    return (
        f"<!doctype html><html lang='{escape(lang)}' dir='{direction}'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>{escape(title)} — CNC Graph</title>"
        f"<style>{STYLE}</style></head><body><nav><a href='/'>CNC Graph</a><a href='/qualifications'>"
        "Qualifications</a><a href='/sparql'>SPARQL</a><a href='/dumps'>Dumps</a><a href='/docs'>API</a></nav>"
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )


def text(value: object, lang: str | None = None, wanted: str | None = None) -> str:
    """Return escaped text, with a visible badge when it is in another language than the one asked for."""
    if value is None:
        return "<span class='fallback'>—</span>"
    badge = (
        f"<span class='fallback' title='translation missing'>{escape(lang)}</span>"
        if (lang and wanted and lang != wanted)
        else ""
    )
    attr = f" lang='{escape(lang)}'" if lang else ""
    return f"<span{attr}>{escape(str(value))}</span>{badge}"


def link(href: str, label: str) -> str:
    """Return an escaped link."""
    return f"<a href='{escape(href, quote=True)}'>{escape(label)}</a>"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Return a table; cells are already-escaped HTML."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
