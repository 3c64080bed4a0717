"""CPU cost of one qualification card read for the first time: ``describe_qualification`` + JSON-LD.

Usage: ``python -m bench.card_cost --store STORE --root ROOT [--cards 200] [--warm 0] [--seed 7] [--digest]``

ROOT is a generated resources root (``bench.generate``), STORE the store built from it (opened as
``cnc-graph serve`` opens it); codes are taken from ROOT's inventory CSVs. The JSON-LD context is parsed
first, untimed (once per process in a server). ``--warm`` other cards may then be read, untimed, so that
the labels of levels, fields, bodies and skills are known, as in a server that has been up a while
(default 0: a server just started). Then ``--cards`` distinct cards are each described and serialised
once, and the thread's CPU time per card is reported (mean, p50, p95, max; describe and serialise apart).
``--digest`` prints a hash of every document produced, to check that a change leaves the bytes as they were.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import statistics
import time
from pathlib import Path

from cnc_graph.publish.describe import describe_qualification
from cnc_graph.publish.serialise import serialise
from cnc_graph.settings import Settings
from cnc_graph.store.selector import open_store

CONTEXT_URL = "http://127.0.0.1:8000/context.jsonld"


def codes_of(root: Path) -> list[str]:
    """Return the qualification codes of the inventory CSVs under ``root``, sorted."""
    codes: list[str] = []
    for path in sorted((root / "data" / "inventory").glob("*.csv")):
        if path.name == "organisations.csv":
            continue
        with path.open(encoding="utf-8-sig", newline="") as f:
            codes += [row["code"] for row in csv.DictReader(f) if row.get("code")]
    return sorted(codes)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    """Time the cards and print the figures in milliseconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="store selector or path (oxigraph:PATH, http://…)")
    parser.add_argument("--root", required=True, type=Path, help="the generated resources root")
    parser.add_argument("--cards", type=int, default=200)
    parser.add_argument("--warm", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--digest", action="store_true", help="print a hash of all documents produced")
    args = parser.parse_args()
    settings = Settings.from_env(root=args.root, store=args.store)
    store = open_store(settings.store, settings.base_iri)  # as ``cnc-graph serve`` opens it
    chosen = random.Random(args.seed).sample(codes_of(args.root), args.warm + args.cards)
    serialise([], "jsonld", settings, CONTEXT_URL)  # parses the context
    for code in chosen[: args.warm]:
        serialise(describe_qualification(store, code, settings.base_iri), "jsonld", settings, CONTEXT_URL)
    describe_ms, serialise_ms, total_ms, wall_ms = [], [], [], []
    digest = hashlib.sha256()
    for code in chosen[args.warm :]:
        w0, c0 = time.perf_counter(), time.thread_time()
        triples = describe_qualification(store, code, settings.base_iri)
        c1 = time.thread_time()
        body = serialise(triples, "jsonld", settings, CONTEXT_URL)
        c2, w2 = time.thread_time(), time.perf_counter()
        describe_ms.append((c1 - c0) * 1000)
        serialise_ms.append((c2 - c1) * 1000)
        total_ms.append((c2 - c0) * 1000)
        wall_ms.append((w2 - w0) * 1000)
        digest.update(code.encode() + b"\0" + body + b"\0")
    for name, values in (
        ("describe", describe_ms),
        ("serialise", serialise_ms),
        ("card CPU", total_ms),
        ("card wall", wall_ms),
    ):
        print(
            f"{name:10} mean {statistics.fmean(values):6.2f} ms  p50 {_percentile(values, 0.5):6.2f}  "
            f"p95 {_percentile(values, 0.95):6.2f}  max {max(values):6.2f}  ({len(values)} cards)"
        )
    if args.digest:
        print("digest", digest.hexdigest())
    store.close()


if __name__ == "__main__":
    main()
