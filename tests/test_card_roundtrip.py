"""The card round trip: cells → RDF (card.rdf.card_to_triples) → cells (cells_from_triples) gives the card back."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cnc_graph.card import fields as card
from cnc_graph.card.rdf import card_to_triples, cells_from_triples
from cnc_graph.ingest.table import read_table
from tests.conftest import BASE, ROOT

# One well-formed value per kind of field, written as the reverse codec writes it back.
SAMPLES: dict[str, tuple[str, str]] = {
    "code": ("OFPPT-TS-DD", "OFPPT-TS-DEV"),
    "text": ("Technicien spécialisé", "Développement digital"),
    "outcomes": ("Concevoir une application", "Tester une application"),
    "subsector": ("vocational-training", "higher-education"),
    "level": ("5", "6"),
    "organisation": ("ofppt", "men"),
    "accreditation-body": ("aneaq", "aneaq-2"),
    "providers": ("ista-hay-riad", "ista-ntic"),
    "regions": ("casablanca-settat", "rabat-sale-kenitra"),
    "isced-f": ("0613", "0714"),
    "date": ("2004-06-07", "2020-01-31"),
    "accreditation-date": ("2019-09-01", "2021-02-28"),
    "duration": ("P2Y", "P6M"),
    "decimal": ("60.5", "120"),
    "integer": ("1200", "900"),
    "acquisition-mode": ("formal-programme", "apprenticeship"),
    "status": ("active", "archived"),
    "language": ("fr", "ar"),
    "esco-occupation": (card.ESCO_OCCUPATION + "abc", card.ESCO_OCCUPATION + "def"),
    "esco-skill": (card.ESCO_SKILL + "abc", card.ESCO_SKILL + "def"),
    "iri": ("https://example.org/a", "https://example.org/b"),
}


def _round_trip(cells: dict[str, str]) -> dict[str, str]:
    iri, triples, errors = card_to_triples(cells, BASE, "roundtrip", 1)
    assert not errors, [e.message for e in errors]
    assert iri is not None
    return cells_from_triples(triples, ox.NamedNode(iri), BASE)


@pytest.mark.parametrize("field", card.FIELDS, ids=lambda f: f.column)
def test_every_card_field_survives_the_round_trip(field: card.CardField) -> None:
    first, second = SAMPLES[field.kind]
    text = f"{first} {card.MULTI_SEPARATOR} {second}" if field.multi else first
    cells = {"code": "RT-1", field.column: text} if field.column != "code" else {"code": text}
    assert _round_trip(cells) == cells


def test_a_full_card_from_the_shipped_inventory_survives_the_round_trip() -> None:
    table = read_table(ROOT / "data" / "inventory" / "vocational-training.csv")
    row = max(table.rows, key=lambda r: sum(1 for v in r.cells.values() if v.strip()))
    cells = {k: v for k, v in row.cells.items() if card.canonical_column(k) and v.strip()}
    assert len(cells) > 10
    back = _round_trip(cells)
    assert set(back) == set(cells)
    # The cells may be written more loosely than the codec writes them back (« 2 ans », accents…):
    # the RDF of both is the same.
    _, original, _ = card_to_triples(cells, BASE, "roundtrip", 1)
    _, again, _ = card_to_triples(back, BASE, "roundtrip", 1)
    assert sorted(map(str, again)) == sorted(map(str, original))
