"""One query evaluated on a pyoxigraph store over the public graphs only, its result serialised within the limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox

from cnc_graph.errors import InputError, StoreError
from cnc_graph.iris import PREFIXES, is_public_graph
from cnc_graph.sparql.results import QueryOutput, media_or_refuse, serialise
from cnc_graph.sparql.text import check_query, query_dataset, resolve_dataset
from cnc_graph.store.embedded import OxigraphStore
from cnc_graph.store.protocol import GraphStore


def public_graph_names(store: ox.Store, base_iri: str) -> list[str]:
    """Return the public named graphs of a pyoxigraph store (not private, not staging)."""
    return sorted(
        g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode) and is_public_graph(base_iri, g.value)
    )


def only_public_graphs(store: ox.Store, base_iri: str) -> bool:
    """Return whether every named graph of ``store`` is public (then its union default graph is the public one)."""
    return all(isinstance(g, ox.NamedNode) and is_public_graph(base_iri, g.value) for g in store.named_graphs())


def drop_private_graphs(path: str, base_iri: str) -> None:
    """Remove every graph that is not public from the checkpoint at ``path`` (never the live store).

    What is left is the public dataset alone, which lets the workers evaluate with pyoxigraph's union default
    graph: one index scan per pattern, where a default graph given as a list of N graphs costs N (ten times
    slower on a count over the 10,000-qualification store).
    """
    checkpoint = ox.Store(path)
    try:
        for graph in list(checkpoint.named_graphs()):
            if not (isinstance(graph, ox.NamedNode) and is_public_graph(base_iri, graph.value)):
                checkpoint.remove_graph(graph)
        checkpoint.clear_graph(ox.DefaultGraph())
        checkpoint.flush()
    finally:
        del checkpoint  # closes the RocksDB instance before any worker opens the directory read-only


def evaluate(
    store: ox.Store,
    query: str,
    accept: Sequence[str],
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
    *,
    public: Sequence[str],
    base_iri: str,
    result_limit: int,
    union: bool = False,
) -> QueryOutput:
    """Return the serialised result of ``query`` on a pyoxigraph store, reading only graphs among ``public``.

    ``union`` says that every named graph of ``store`` is in ``public`` (a checkpoint without its private
    graphs, see ``only_public_graphs``): a query naming no dataset then runs on pyoxigraph's union default graph,
    the same dataset as the list of public graphs, evaluated far faster.
    """
    kind = check_query(query)
    if kind is not None:
        media_or_refuse(kind, accept)
    whole = not default_graphs and not named_graphs and query_dataset(query, base_iri) is None
    dataset: dict[str, Any]
    if union and whole:
        dataset = {"use_default_graph_as_union": True}
    else:
        default, named = resolve_dataset(query, public, default_graphs, named_graphs, base_iri)
        dataset = {
            "default_graph": [ox.NamedNode(g) for g in default],
            "named_graphs": [ox.NamedNode(g) for g in named],
        }
    try:
        result = store.query(query, prefixes=PREFIXES, base_iri=base_iri, **dataset)
        return serialise(result, accept, result_limit)
    except SyntaxError as exc:
        raise InputError(f"SPARQL syntax error: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"the query failed: {exc}") from exc


def raw_oxigraph(store: GraphStore) -> ox.Store | None:
    """Return the pyoxigraph store inside an ``OxigraphStore`` (None for other stores).

    Needed twice: the protocol dataset must be passed to pyoxigraph as ``default_graph`` / ``named_graphs``
    (through query text it would not do, because ``OxigraphStore.query(public_only=False)`` unions every
    graph into the default graph, FROM clauses or not), and checkpoints are made with ``Store.backup``.
    """
    if isinstance(store, OxigraphStore):
        return store.oxigraph
    return None
