"""The /sparql row alone, on an existing store: ``python -m bench.sparql --store DIR --root DIR [--rounds 2]``.

Serves the store with ``cnc-graph serve`` and its public graphs (dumped to N-Quads and loaded once into
``WORK/oxigraph``) with ``oxigraph serve-read-only --union-default-graph``, then runs ``bench.run``'s 40-query
mix under the same ``wrk -t2 -c8`` against each, alternating ``--rounds`` times so that both see the same
background load; ``--earlier DIR`` serves another checkout too (``git archive REV | tar -x -C DIR``), for a
before/after in the same run. Prints one line per measure and the ratio of the medians. The store is only read
(``serve --read-only`` is not used: the endpoint is measured as deployed, with its checkpoints beside it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from bench.run import OXIGRAPH, PY, _store_facts, dump_store, free_port, server, sparql_mix, wrk


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--store", type=Path, required=True, help="the store to serve (a copy: checkpoints go beside it)"
    )
    parser.add_argument("--root", type=Path, required=True, help="the resources root the store was built from")
    parser.add_argument("--work", type=Path, default=Path("/tmp/cnc-bench/sparql"))
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per round and server")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip", choices=["ours", "oxigraph"], help="measure only the other server")
    parser.add_argument("--rdflib", action="store_true", help="also measure rdflib-endpoint, once, after the rounds")
    parser.add_argument(
        "--earlier", type=Path, help="another checkout (e.g. from git archive) to serve too, from its own folder"
    )
    args = parser.parse_args(argv)
    from cnc_graph.settings import DEFAULT_BASE_IRI

    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench.log"
    codes, skills = _store_facts(args.store, DEFAULT_BASE_IRI)
    queries = sparql_mix(codes, skills, DEFAULT_BASE_IRI)
    oxdir = work / "oxigraph"
    if not oxdir.exists() and args.skip != "oxigraph":
        dump_store(args.store, DEFAULT_BASE_IRI, work / "data.nt", work / "all.nq")
        subprocess.run([OXIGRAPH, "load", "--location", str(oxdir), "--file", str(work / "all.nq")], check=True)
    accept = "application/sparql-results+json"
    results: dict[str, list[dict[str, object]]] = {"earlier": [], "ours": [], "oxigraph": []}
    trees = [("ours", None)] if args.skip != "ours" else []
    if args.earlier is not None:
        trees.insert(0, ("earlier", args.earlier))
    for _ in range(args.rounds):
        for name, tree in trees:
            port = free_port()
            # -P: the working folder must not come before PYTHONPATH on sys.path, or both would run this checkout.
            python = [PY, "-P"] if tree else [PY]
            argv_ours = [*python, "-m", "api.cli", "serve", "--store", str(args.store), "--port", str(port)]
            env = {"CNC_ROOT": str(args.root)} | ({"PYTHONPATH": str(tree)} if tree else {})
            with server(argv_ours, f"http://127.0.0.1:{port}/health", log, env) as sampler:
                base = f"http://127.0.0.1:{port}"
                paths = [f"/sparql?query={quote(q)}" for q in queries]
                subprocess.run(["curl", "-s", "-o", "/dev/null", base + paths[0]], timeout=600, check=False)
                out = wrk(base, paths, work, name, args.duration, accept, log)
                out["peak_mb"] = sampler.peak / 2**20
                results[name].append(out)
                print(name, json.dumps(out), flush=True)
        if args.skip != "oxigraph":
            port = free_port()
            argv_ox = [OXIGRAPH, "serve-read-only", "--location", str(oxdir), "--bind", f"127.0.0.1:{port}"]
            argv_ox.append("--union-default-graph")
            with server(argv_ox, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", log) as sampler:
                paths = [f"/query?query={quote(q)}" for q in queries]
                out = wrk(f"http://127.0.0.1:{port}", paths, work, "oxigraph", args.duration, accept, log)
                out["peak_mb"] = sampler.peak / 2**20
                results["oxigraph"].append(out)
                print("oxigraph", json.dumps(out), flush=True)
    if args.rdflib:
        port = free_port()
        nquads = work / "all.nq"
        argv_rdflib = [str(Path(PY).parent / "rdflib-endpoint"), "serve", str(nquads), "--host", "127.0.0.1"]
        argv_rdflib += ["--port", str(port)]
        with server(argv_rdflib, f"http://127.0.0.1:{port}/?query=ASK%7B%7D", log, wait_s=1800) as sampler:
            paths = [f"/?query={quote(q)}" for q in queries]  # rdflib-endpoint serve mounts it at /
            out = wrk(f"http://127.0.0.1:{port}", paths, work, "rdflib", args.duration, accept, log)
            out["peak_mb"] = sampler.peak / 2**20
            results["rdflib"] = [out]
            print("rdflib", json.dumps(out), flush=True)
    medians = {
        name: statistics.median(float(r.get("rps", 0.0)) for r in runs)  # type: ignore[arg-type]
        for name, runs in results.items()
        if runs
    }
    for name, runs in results.items():
        if runs:
            p95 = statistics.median(float(r.get("p95_ms", 0.0)) for r in runs)  # type: ignore[arg-type]
            print(f"{name}: {medians[name]:.1f} req/s (median of {len(runs)}), p95 {p95:.0f} ms")
    for name in ("earlier", "ours"):
        for other, label in (("oxigraph", "oxigraph serve"), ("rdflib", "rdflib-endpoint")):
            if medians.get(name) is not None and medians.get(other):
                print(f"ratio {name} / {label}: {medians[name] / medians[other]:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
