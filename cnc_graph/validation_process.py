"""Compiled validation in a process of its own, so that a big build validates while the store is written.

Threads would not do: pyoxigraph takes the GIL back for every row and every batch it hands over, so a
validation thread next to a bulk-loading thread spends its time waiting for the GIL (at 100,000
qualifications the two together took several times longer than one after the other). A child process has
its own interpreter: the store write and the validation then really run side by side.

The child gets the data as an N-Triples file and the ontology as N-Triples text, builds the same
``Validator`` from the shapes under the same root, and returns the same report ``Validator.validate_triples``
would give.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Iterable
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox
import rdflib

from cnc_graph.errors import StoreError
from cnc_graph.validate import ValidationReport, Validator, load_shapes

#: Below this many triples, starting a process (imports, compiled shapes) costs more than it saves.
PROCESS_MIN_TRIPLES = 500_000


class ValidationInProcess:
    """A validation started in a child process: ``report()`` waits for its report, ``close()`` stops it."""

    def __init__(self, root: Path, ontology: Iterable[ox.Triple], data: Iterable[ox.Triple]) -> None:
        ontology_text = ox.serialize(ontology, format=ox.RdfFormat.N_TRIPLES)
        handle, name = tempfile.mkstemp(prefix="cnc-validate-", suffix=".nt")
        os.close(handle)
        self._data_path = Path(name)
        self._conn: Connection | None = None
        try:
            ox.serialize(data, output=str(self._data_path), format=ox.RdfFormat.N_TRIPLES)
            context = multiprocessing.get_context("spawn")
            self._conn, child = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_child_main,
                args=(child, str(root), ontology_text, str(self._data_path)),
                name="cnc-validate",
                daemon=True,
            )
            self._process.start()
            child.close()
        except BaseException:
            self.close()
            raise

    def report(self) -> ValidationReport:
        """Return the child's report (waiting for it); raise what it raised, or ``StoreError`` if it died."""
        assert self._conn is not None
        try:
            outcome, value = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise StoreError(
                "the validation process stopped unexpectedly (out of memory?); nothing was written"
            ) from exc
        finally:
            self.close()
        if outcome == "error":
            raise value
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the child if it still runs and remove the data file (safe to call more than once)."""
        process = getattr(self, "_process", None)
        if process is not None and process.is_alive():
            process.kill()
        if process is not None:
            process.join()
        if self._conn is not None:
            self._conn.close()
        self._data_path.unlink(missing_ok=True)


def _child_main(conn: Connection, root: str, ontology: bytes, data_path: str) -> None:
    try:
        conn.send(("report", _validate_file(root, ontology, data_path)))
    except Exception as exc:  # handed to the parent, which raises it
        conn.send(("error", exc))
    finally:
        conn.close()


def _validate_file(root: str, ontology: bytes, data_path: str) -> ValidationReport:
    """Return the compiled validation report of the N-Triples file ``data_path`` (runs in the child)."""
    ontology_graph = rdflib.Graph().parse(data=ontology, format="nt")
    validator = Validator(load_shapes(Path(root)), ontology_graph, engine="compiled")
    store = ox.Store()
    store.bulk_load(path=data_path, format=ox.RdfFormat.N_TRIPLES)
    store.extend(validator.ontology_quads())
    return validator.validate_store(store)
