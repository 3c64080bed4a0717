"""Compact JSON-LD written straight from pyoxigraph triples, with the choices rdflib's serialiser makes.

rdflib's serialiser (``Converter`` then ``json.dumps(indent=2)``) costs about 8 ms for one card: every term
becomes an rdflib term in an rdflib graph, and the conversion back to JSON goes through rdflib's structures. For
triples without blank nodes or RDF lists (every card, every level, every organisation) the compact form is
simple: one node object per subject, one key per predicate. ``Compactor`` builds it directly, asking the
same rdflib ``Context`` for every naming decision (term, CURIE or IRI), and caching those decisions, which
depend on the predicate and the kind of object only; anything else gets ``None`` and goes to rdflib.

Where it differs from rdflib, the output is closer to the triples: literals keep the lexical form the
store holds (rdflib normalises ``"01"^^xsd:integer`` to ``1``), an ``xsd:double`` is written as a typed
value rather than a JSON number (which would expand to another lexical form), and a property whose first
value is falsy (``""``, ``false``, ``0``) keeps all its values (rdflib replaces such a value with the next), and
a literal object of ``rdf:type`` is written under ``rdf:type``, not under ``@type`` where it would become an IRI.
Nodes and values come in the order of the sorted triples, so that the same graph gives the same bytes on
every run and every backend (rdflib's order follows Python's string hashing).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib.plugins.shared.jsonld.context import UNDEF
from rdflib.plugins.shared.jsonld.context import Context as JsonLdContext
from rdflib.plugins.shared.jsonld.keys import ID, VOCAB

from cnc_graph.iris import RDF, RDF_TYPE, XSD

RDF_FIRST = RDF + "first"
RDF_NIL = RDF + "nil"

XSD_STRING = XSD + "string"
RDF_LANG_STRING = RDF + "langString"
XSD_BOOLEAN = XSD + "boolean"
XSD_INTEGER = XSD + "integer"

# How one (predicate, kind of object) is written: the key, and whether the object is the bare lexical form /
# IRI ("plain"), a compacted IRI ("id"), a vocabulary term ("vocab"), or rdflib's raw value ("raw").
_Rule = tuple[str, str]


class Unsupported(Exception):
    """The triples need what only rdflib's converter does (blank nodes, lists, containers)."""


class Compactor:
    """Compacts plain triples (IRIs and literals only) under one parsed context, caching its decisions."""

    MAX_CACHED = 50_000  # IRIs whose CURIE form is remembered; past it the cache starts afresh

    def __init__(self, context: JsonLdContext) -> None:
        self._context = context
        self._id_key = context.id_key
        self._type_key = context.type_key
        self._value_key = context.value_key
        self._lang_key = context.lang_key
        self._graph_key = context.graph_key
        # ``shrink_iri`` only changes an IRI whose namespace is a declared prefix (when there is no @base):
        # an IRI under none of them is its own compact form, found without splitting it. rdflib keeps both
        # private; if it stops having them, every IRI simply goes through ``shrink_iri``.
        prefixes = getattr(context, "_prefixes", None)
        self._plain_iris = isinstance(prefixes, dict) and not getattr(context, "_base", True)
        self._prefixes = tuple(prefixes) if isinstance(prefixes, dict) else ()
        self._usable = context.language is None
        self._iri_rules: dict[str, _Rule] = {}
        self._literal_rules: dict[tuple[str, str | None, str | None], _Rule] = {}
        self._symbols: dict[str, str] = {}
        self._shrunk: dict[str, str] = {}

    def document(self, triples: Iterable[ox.Triple]) -> dict[str, Any] | None:
        """Return the compact document of ``triples`` (without ``@context``), or None for rdflib to write."""
        if not self._usable:
            return None
        try:
            nodes = self._nodes(sorted(set(triples), key=str))
        except Unsupported:
            return None
        if len(nodes) == 1:
            return nodes[0]
        return {self._graph_key: nodes}

    # --- nodes -----------------------------------------------------------------------------

    def _nodes(self, triples: list[ox.Triple]) -> list[dict[str, Any]]:
        nodes: dict[str, dict[str, Any]] = {}
        current_subject: ox.NamedNode | None = None
        node: dict[str, Any] = {}
        for t in triples:
            subject, predicate, obj = t.subject, t.predicate, t.object
            if subject != current_subject:
                if not isinstance(subject, ox.NamedNode):
                    raise Unsupported
                current_subject = subject
                node_id = self._shrink(subject.value)
                node = nodes.get(node_id) or nodes.setdefault(node_id, {self._id_key: node_id})
            p = predicate.value
            if isinstance(obj, ox.NamedNode):
                iri = obj.value
                if p == RDF_FIRST or iri == RDF_NIL:
                    raise Unsupported
                key, how = self._iri_rule(p)
                if how == "id":
                    value: Any = self._shrink(iri)
                elif how == "vocab":
                    value = self._symbol(iri)
                else:
                    value = {self._id_key: self._shrink(iri)}
            elif isinstance(obj, ox.Literal):
                if p == RDF_FIRST:
                    raise Unsupported
                datatype = obj.datatype.value
                language = obj.language
                rule_datatype = None if datatype in (XSD_STRING, RDF_LANG_STRING) else datatype
                key, how = self._literal_rule(p, rule_datatype, language)
                value = obj.value if how == "plain" else self._raw_literal(obj.value, rule_datatype, language)
            else:
                raise Unsupported  # a blank node
            if key in node:
                existing = node[key]
                if isinstance(existing, list):
                    existing.append(value)
                else:
                    node[key] = [existing, value]
            else:
                node[key] = value
        return list(nodes.values())

    def _raw_literal(self, lexical: str, datatype: str | None, language: str | None) -> Any:
        """Return a literal as rdflib's ``to_raw_value`` does, keeping the lexical form."""
        if datatype is None:
            if language:
                return {self._lang_key: language, self._value_key: lexical}
            return lexical
        if datatype == XSD_BOOLEAN and lexical in ("true", "false"):
            return lexical == "true"
        if datatype == XSD_INTEGER and _canonical_integer(lexical):
            return int(lexical)
        return {self._type_key: self._symbol(datatype), self._value_key: lexical}

    # --- decisions, cached -----------------------------------------------------------------

    def _iri_rule(self, predicate: str) -> _Rule:
        rule = self._iri_rules.get(predicate)
        if rule is None:
            rule = self._iri_rules[predicate] = self._decide_iri(predicate)
        return rule

    def _decide_iri(self, predicate: str) -> _Rule:
        """What rdflib's ``add_to_node`` does with an IRI object of ``predicate`` (no list in sight)."""
        context = self._context
        term = None
        for coercion in (ID, VOCAB, UNDEF):
            # container None (not rdflib's UNDEF default) is what rdflib's own serialiser asks for
            term = context.find_term(predicate, coercion, None)  # type: ignore[arg-type]
            if term:
                break
        if term:
            if term.container or term.language:
                raise Unsupported
            if term.type == ID:
                return term.name, "id"
            if term.type == VOCAB:
                return term.name, "vocab"
            return term.name, "raw"
        if predicate == RDF_TYPE:
            return self._type_key, "vocab"
        return self._untermed_key(predicate), "raw"

    def _literal_rule(self, predicate: str, datatype: str | None, language: str | None) -> _Rule:
        key = (predicate, datatype, language)
        rule = self._literal_rules.get(key)
        if rule is None:
            rule = self._literal_rules[key] = self._decide_literal(predicate, datatype, language)
        return rule

    def _decide_literal(self, predicate: str, datatype: str | None, language: str | None) -> _Rule:
        """What rdflib's ``add_to_node`` does with a literal of this datatype and language."""
        term = self._context.find_term(predicate, datatype, language=language)
        if term:
            if term.container:
                raise Unsupported
            if term.type:
                # type_coerce: a literal stays a bare string under @id, or when its datatype is the term's.
                plain = term.type == ID or (term.type != VOCAB and str(datatype) == term.type)
                return term.name, "plain" if plain else "raw"
            if term.language and language == term.language:
                return term.name, "plain"
            return term.name, "raw"
        # rdflib puts a literal rdf:type under @type too, where it would be read as an IRI: keep it a literal.
        return self._untermed_key(predicate), "raw"

    def _untermed_key(self, predicate: str) -> str:
        key = self._context.to_symbol(predicate)
        if key is None:
            return predicate
        key_term = self._context.terms.get(key)
        if key_term and (key_term.type or key_term.container):
            return predicate
        return key

    def _symbol(self, iri: str) -> str:
        found = self._symbols.get(iri)
        if found is None:
            if len(self._symbols) >= self.MAX_CACHED:
                self._symbols.clear()
            found = self._symbols[iri] = self._context.to_symbol(iri) or iri
        return found

    def _shrink(self, iri: str) -> str:
        if self._plain_iris and not iri.startswith(self._prefixes):
            return iri
        found = self._shrunk.get(iri)
        if found is None:
            if len(self._shrunk) >= self.MAX_CACHED:
                self._shrunk.clear()
            found = self._shrunk[iri] = self._context.shrink_iri(iri)
        return found


def _canonical_integer(lexical: str) -> bool:
    """Return whether ``lexical`` is the form a JSON number expands back to (``12``, ``-3``, not ``+3``, ``012``)."""
    try:
        return str(int(lexical)) == lexical
    except ValueError:
        return False
