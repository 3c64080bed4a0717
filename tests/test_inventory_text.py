"""Reading a card keeps every character of its free-text cells, whatever the spreadsheet holds."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cnc_graph.card.rdf import card_to_triples
from cnc_graph.ingest.inventory import inventory_to_rdf
from cnc_graph.ingest.table import read_csv_bytes
from cnc_graph.iris import CNC, DCT
from tests.conftest import BASE

TRICKY_TEXTS = [
    'Technicien « spécialisé » en "génie" civil',
    "chemin C:\\dossier\\n et \\u00e9 pas un échappement",
    "deux lignes\net un retour\r\nchariot",
    "تقني متخصص\u200f في الهندسة المدنية",
    "tab\tnul\x00bell\x07 et fin \U0001f3d7",
]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_card_keeps_quotes_backslashes_line_breaks_and_control_characters(text: str) -> None:
    cells = {"code": "T-1", "intitule_fr": text, "niveau_cnc": "5", "acquis_fr": f"{text} | second"}
    iri, triples, errors = card_to_triples(cells, BASE, "card", 2)
    assert not errors
    q = ox.NamedNode(iri)
    assert ox.Triple(q, ox.NamedNode(DCT + "title"), ox.Literal(text.strip(), language="fr")) in triples
    outcome = ox.NamedNode(f"{iri}/outcome/1")
    assert ox.Triple(outcome, ox.NamedNode(CNC + "statement"), ox.Literal(text.strip(), language="fr")) in triples


def test_inventory_triples_keep_the_order_of_the_cells() -> None:
    table = read_csv_bytes(
        b'code,intitule_fr,niveau_cnc,duree\nA-1,"Titre ""un""",5,2 ans\nA-2,Titre deux,6,P6M\n', "t.csv"
    )
    triples = inventory_to_rdf(table, BASE).triples
    predicates = [t.predicate.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for t in triples]
    assert predicates == ["type", "country", "code", "title", "level", "duration"] * 2
    assert triples[3].object == ox.Literal('Titre "un"', language="fr")
