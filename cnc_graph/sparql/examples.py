"""The example questions of the SPARQL endpoint, one ``.rq`` file each in ``examples/``.

Each file starts with comment lines naming its title in each language (``# title@fr: …``) and its topic
(``# topic: levels``); the rest is the query, written with the endpoint's declared prefixes and relative IRIs.
``Example.declared(base)`` is the same query with its ``BASE`` and ``PREFIX`` lines written out, so that it runs
as it is on any SPARQL 1.1 endpoint holding our data and in an editor that checks prefixes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cnc_graph.errors import CncError
from cnc_graph.iris import PREFIXES
from cnc_graph.labels import pick

EXAMPLE_DIR = Path(__file__).parent / "examples"
_HEADER = re.compile(r"#\s*(title@(?P<lang>[a-z]{2})|topic)\s*:\s*(?P<value>.+)")
# A prefixed name's prefix: a name before a colon, not the tail of another name (IRIs and strings are blanked
# first, so "http:" cannot match; "/" may come before it in a property path such as cnc:subSector/skos:notation).
_PREFIX_USE = re.compile(r"(?<![\w:#.-])([a-zA-Z][\w-]*):")


@dataclass(frozen=True)
class Example:
    """One example question: its key (the file name), titles by language, topic and query text."""

    key: str
    titles: dict[str, str]
    topic: str
    query: str

    def title(self, lang: str) -> tuple[str, str | None]:
        """Return the title in ``lang`` (or the fallback language) and the language it is in."""
        text, shown = pick(self.titles, lang)
        return text or self.titles["en"], shown

    def prefixes(self) -> list[str]:
        """Return the declared prefixes the query uses, in the order of ``PREFIXES``."""
        used = set(_PREFIX_USE.findall(_without_strings(self.query)))
        return [name for name in PREFIXES if name in used]

    def declared(self, base: str) -> str:
        """Return the query with ``BASE <base>`` and a ``PREFIX`` line for each prefix it uses."""
        lines = [f"BASE <{base}>"] + [f"PREFIX {name}: <{PREFIXES[name]}>" for name in self.prefixes()]
        return "\n".join(lines) + "\n\n" + self.query


def _without_strings(query: str) -> str:
    """Return the query with its string literals and IRIs blanked (a colon inside them is no prefix)."""
    return re.sub(r'"[^"\n]*"|<[^>\s]*>', '""', query)


def _read(path: Path) -> Example:
    titles: dict[str, str] = {}
    topic = ""
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        header = _HEADER.fullmatch(line.strip()) if not body else None
        if header:
            if header["lang"]:
                titles[header["lang"]] = header["value"].strip()
            else:
                topic = header["value"].strip()
        else:
            body.append(line)
    if "en" not in titles or not topic:
        raise CncError(f"internal error: example {path.name} has no '# title@en:' or '# topic:' line")
    return Example(path.stem, titles, topic, "\n".join(body).strip() + "\n")


@cache
def examples() -> tuple[Example, ...]:
    """Return the example questions in the order of their file names."""
    return tuple(_read(path) for path in sorted(EXAMPLE_DIR.glob("*.rq")))
