"""The DCAT/VoID description of the dumps: what is in the graph, how big, under which licence, since when."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox

from cnc_graph import __version__
from cnc_graph.iris import DCAT, DCT, GRAPH_SEGMENT, OWL, RDF, VOID, XSD, dataset_iri
from cnc_graph.publish.dumps import dump_name
from cnc_graph.rdf.query_files import select, value
from cnc_graph.rdf.syntaxes import SYNTAXES
from cnc_graph.store.generation import per_generation
from cnc_graph.store.protocol import GraphStore

LICENCE = "https://creativecommons.org/licenses/by/4.0/"


def dump_keys(store: GraphStore, base_iri: str) -> dict[str | None, int]:
    """Return the dumps on offer: None for the whole graph, else a public graph key; with triple counts."""
    graphs = per_generation(store, _public_graph_counts)
    keys: dict[str | None, int] = {None: sum(graphs.values())}
    for iri, count in graphs.items():
        if iri.startswith(base_iri + GRAPH_SEGMENT):
            keys[iri.removeprefix(base_iri + GRAPH_SEGMENT)] = count
    return keys


def _public_graph_counts(store: GraphStore) -> dict[str, int]:
    # Counting means reading every triple: once per state of the public graphs, not per download.
    return store.graphs(public_only=True)


def catalog(store: GraphStore, base_iri: str, dumps_url: str) -> list[ox.Triple]:
    """Return the DCAT catalogue / VoID dataset describing every dump and its distributions."""

    def t(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> ox.Triple:
        return ox.Triple(s, ox.NamedNode(p), o)

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    dataset = ox.NamedNode(dataset_iri(base_iri))
    info = select(store, "build_info")
    triples = [
        t(dataset, RDF + "type", ox.NamedNode(DCAT + "Dataset")),
        t(dataset, RDF + "type", ox.NamedNode(VOID + "Dataset")),
        t(dataset, DCT + "title", ox.Literal("CNC Graph: Morocco's National Qualifications Framework", language="en")),
        t(
            dataset,
            DCT + "title",
            ox.Literal("CNC Graph : le Cadre national des certifications du Maroc", language="fr"),
        ),
        t(dataset, DCT + "license", ox.NamedNode(LICENCE)),
        t(dataset, OWL + "versionInfo", ox.Literal(__version__)),
        t(dataset, VOID + "sparqlEndpoint", ox.NamedNode(dumps_url.rsplit("/dumps", 1)[0] + "/sparql")),
        t(dataset, VOID + "uriSpace", ox.Literal(base_iri)),
    ]
    if info and info[0]["modified"] is not None:
        triples.append(t(dataset, DCT + "modified", info[0]["modified"]))  # type: ignore[arg-type]
    classes = select(store, "class_partition")
    triples.append(t(dataset, VOID + "classes", integer(len(classes))))
    for row in classes:
        cls = str(value(row["class"]))
        part = ox.NamedNode(dataset_iri(base_iri, f"class/{hashlib.sha1(cls.encode()).hexdigest()[:12]}"))
        triples += [
            t(dataset, VOID + "classPartition", part),
            t(part, VOID + "class", ox.NamedNode(cls)),
            t(part, VOID + "entities", integer(int(value(row["n"]) or 0))),
        ]
    for key, count in dump_keys(store, base_iri).items():
        subset = dataset if key is None else ox.NamedNode(f"{base_iri}{GRAPH_SEGMENT}{key}")
        if key is not None:
            triples += [t(dataset, VOID + "subset", subset), t(subset, RDF + "type", ox.NamedNode(VOID + "Dataset"))]
        triples.append(t(subset, VOID + "triples", integer(count)))
        for syntax in ("nt", "ttl", "jsonld"):
            name = dump_name(key, syntax)
            dist = ox.NamedNode(f"{dumps_url}/{name}")
            triples += [
                t(subset, DCAT + "distribution", dist),
                t(dist, RDF + "type", ox.NamedNode(DCAT + "Distribution")),
                t(dist, DCAT + "downloadURL", dist),
                t(dist, DCAT + "mediaType", ox.Literal(SYNTAXES[syntax].media_type)),
                t(dist, DCT + "license", ox.NamedNode(LICENCE)),
                t(subset, VOID + "dataDump", dist),
            ]
    return triples
