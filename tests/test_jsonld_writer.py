"""The JSON writer of compact JSON-LD gives, byte for byte, what ``json.dumps(indent=2, sort_keys=True)`` gives."""

from __future__ import annotations

import json

import pytest

from cnc_graph.jsonld_writer import dumps

DOCUMENTS = [
    {},
    [],
    "plain",
    {"b": [], "a": {}, "c": [1, -2, True, False, None]},
    {"@graph": [{"id": "x", "title": [{"@language": "ar", "@value": "تقني"}, {"@language": "fr", "@value": "é « »"}]}]},
    {"quotes": 'say "hi"\\ there', "controls": "\n\t\r\x00\x1f\x7f", "astral": "𝄞 \u2028 \u2029", "": "empty key"},
    [[["deep"]], [{"k": [{}]}]],
    {"@context": "https://example.org/context.jsonld", "n": 10**20},
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_writer_gives_the_bytes_of_json_dumps(document: object) -> None:
    assert dumps(document) == json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)


def test_the_writer_refuses_what_a_compact_document_never_holds() -> None:
    with pytest.raises(TypeError):
        dumps({"x": 1.5})
    with pytest.raises(TypeError):
        dumps({1: "x"})
