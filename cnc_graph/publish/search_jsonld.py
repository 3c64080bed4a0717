"""A page of search results as JSON-LD: a Hydra collection whose members are the qualifications found.

The members carry what the register asserts of each (code, title in the language shown, CNC level, sub-sector,
ISCED-F fields, awarding body), under the published context; levels in other frameworks are proposed mappings,
not statements about the qualification, and are left to each qualification's own document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cnc_graph.card.fields import ISCED_F

HYDRA = "http://www.w3.org/ns/hydra/core#"


def search_jsonld(items: Sequence[Mapping[str, Any]], total: int, base: str, context_iri: str) -> dict[str, Any]:
    """Return one page of search results (``search.SearchResult.items``) as a JSON-LD document."""
    members = []
    for item in items:
        node: dict[str, Any] = {"id": item["id"], "type": "Qualification", "code": item["code"]}
        if item.get("title"):
            node["title"] = {"@value": item["title"], "@language": item.get("title_lang") or "fr"}
        level = (item.get("level") or {}).get("cnc")
        if level:
            node["level"] = f"{base}framework/cnc/level/{level}"
        if item.get("subsector"):
            node["subSector"] = f"{base}subsector/{item['subsector']}"
        if item.get("field"):
            node["iscedField"] = [ISCED_F + code for code in item["field"]]
        body = item.get("awarding_body") or {}
        if body.get("id"):
            node["awardingBody"] = body["id"]
        members.append(node)
    return {
        "@context": [context_iri, {"hydra": HYDRA}],
        "type": "hydra:Collection",
        "hydra:totalItems": total,
        "hydra:member": members,
    }
