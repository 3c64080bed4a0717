"""Reading RDF files: syntax errors name the file and line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cnc_graph.errors import InputError
from cnc_graph.rdf.files import parse_rdf_bytes, parse_rdf_file
from tests.conftest import BASE, DATA


def test_relative_iris_resolve_against_the_configured_base(tmp_path: Path) -> None:
    path = tmp_path / "a.ttl"
    path.write_text('<framework/x> <http://www.w3.org/2004/02/skos/core#notation> "x" .\n')
    triples = parse_rdf_file(path, "https://example.org/nqf/")
    assert triples[0].subject == ox.NamedNode("https://example.org/nqf/framework/x")


def test_malformed_turtle_names_file_and_line() -> None:
    with pytest.raises(InputError) as info:
        parse_rdf_file(DATA / "rdf" / "malformed.ttl", BASE)
    message = str(info.value)
    assert "malformed.ttl" in message
    assert "line 4" in message


def test_unknown_prefix_names_the_prefix_and_line() -> None:
    with pytest.raises(InputError) as info:
        parse_rdf_file(DATA / "rdf" / "unknown-prefix.ttl", BASE)
    assert "skosx" in str(info.value)
    assert info.value.location.line == 4


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        parse_rdf_file(tmp_path / "nope.ttl", BASE)


def test_non_utf8_file_is_rejected_with_line() -> None:
    with pytest.raises(InputError) as info:
        parse_rdf_file(DATA / "rdf" / "latin1.ttl", BASE)
    assert "UTF-8" in str(info.value)
    assert info.value.location.line == 2


def test_unknown_suffix_lists_known_types(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n")
    with pytest.raises(InputError, match=r"\.ttl"):
        parse_rdf_file(path, BASE)


def test_jsonld_is_read() -> None:
    doc = b'{"@id": "http://example.org/a", "http://example.org/p": "v"}'
    triples = parse_rdf_bytes(doc, ox.RdfFormat.JSON_LD, BASE)
    assert triples == [
        ox.Triple(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("v"))
    ]


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.ttl"
    path.write_text("  \n")
    with pytest.raises(InputError, match="empty"):
        parse_rdf_file(path, BASE)
