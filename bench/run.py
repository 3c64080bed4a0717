"""The benchmark: ``python -m bench.run [--quick | --n N] [--out docs/performance.md]``.

Generates an inventory of N qualifications (``bench.generate``), then measures, each next to its baseline in
the same run: build vs the naive path, bulk validation vs pyshacl alone, re-import of the 1,000-row file,
single-card validation, API latency and throughput under ``wrk`` (8 connections, 127.0.0.1, bounded), the
``/sparql`` endpoint vs rdflib-endpoint and ``oxigraph serve`` on one query mix, and peak RSS of serve.
Heavy steps run in child processes (``--step``) with a time budget: a step over budget is reported as
"> budget", never waited for. Prints one markdown table and writes it, with the machine, versions and
commands, to ``--out``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
OXIGRAPH = shutil.which("oxigraph", path=str(Path(PY).parent)) or "oxigraph"
STEP_MARK = "STEP_JSON "


# --- steps (run in a child process: python -m bench.run --step NAME …) ------------------------------------


def _settings(root: Path, store: Path | None = None):  # noqa: ANN202
    from cnc_graph.settings import Settings

    return Settings(store=str(store) if store else "memory", root=root)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def result_keys(report) -> list[list[object]]:  # noqa: ANN001
    """Return a report's results as sorted comparable keys (blank-node labels, engine-specific, as kinds)."""

    def node(text: str | None) -> str | None:
        return "_:" if text is not None and text.startswith("_:") else text

    return sorted(
        [node(r.focus), r.path, node(r.value), r.severity, node(r.shape), r.constraint, sorted(r.messages.items())]
        for r in report.results
    )


def _keys_file(path: Path | None, report) -> None:  # noqa: ANN001
    if path:
        path.write_text(json.dumps(result_keys(report)), encoding="utf-8")


def step_build(a: argparse.Namespace) -> dict[str, object]:
    """cnc_graph.build: read CSV and RDF sources, pyshacl over everything, one store transaction."""
    from cnc_graph.build import build
    from cnc_graph.store.embedded import OxigraphStore

    settings = _settings(a.root, a.store)
    store = OxigraphStore(a.store, settings.base_iri)
    marks: dict[str, float] = {}
    start = time.perf_counter()

    def progress(text: str, _done: int, _total: int) -> None:
        marks.setdefault(text.split(" ")[0], time.perf_counter() - start)

    summary = build(store, settings, progress, allow_violations=True)
    store.close()
    _keys_file(a.keys, summary.report)
    return {
        "seconds": summary.seconds,
        "read_s": marks.get("validating", 0.0),
        "validate_s": marks.get("writing", 0.0) - marks.get("validating", 0.0),
        "triples": sum(summary.graphs.values()),
        "violations": len(summary.report.violations),
        "warnings": len(summary.report.warnings),
        "peak_mb": _peak_mb(),
    }


def step_load(a: argparse.Namespace) -> dict[str, object]:
    """Sources into the store *without* validation: only to have a store to serve when the build is over budget."""
    from cnc_graph.build import read_sources
    from cnc_graph.ingest.sources import discover_sources
    from cnc_graph.iris import graph_iri
    from cnc_graph.store.embedded import OxigraphStore

    settings = _settings(a.root, a.store)
    start = time.perf_counter()
    contents = read_sources(discover_sources(a.root), settings.base_iri)
    store = OxigraphStore(a.store, settings.base_iri)
    with store.transaction() as tx:
        for key, triples in contents.items():
            tx.replace_graph(graph_iri(settings.base_iri, key), triples)
    store.close()
    return {"seconds": time.perf_counter() - start}


def step_naive(a: argparse.Namespace) -> dict[str, object]:
    """The naive path: rdflib parses the data (N-Triples) and pyshacl validates the whole graph (its results kept)."""
    import rdflib

    from cnc_graph.validation.shapes import load_shapes
    from cnc_graph.validation.validator import Validator

    start = time.perf_counter()
    data = rdflib.Graph().parse(str(a.dump), format="nt")
    ontology = rdflib.Graph()
    for name in ("cnc.ttl", "alignments.ttl"):
        ontology.parse(str(a.root / "ontology" / name), format="turtle", publicID="https://w3id.org/cnc-ma/")
    shapes = load_shapes(a.root)
    parsed = time.perf_counter()
    report = Validator(shapes, ontology, engine="pyshacl").validate_graph(data)
    done = time.perf_counter()
    _keys_file(a.keys, report)
    return {
        "seconds": done - start,
        "parse_s": parsed - start,
        "validate_s": done - parsed,
        "triples": len(data),
        "violations": len(report.violations),
        "warnings": len(report.warnings),
        "peak_mb": _peak_mb(),
    }


def step_reimport(a: argparse.Namespace) -> dict[str, object]:
    """cnc_graph.importing.import_inventory of the 1,000-row file into the built store (library path)."""
    from cnc_graph.importing import import_inventory
    from cnc_graph.store.embedded import OxigraphStore

    settings = _settings(a.root, a.store)
    store = OxigraphStore(a.store, settings.base_iri)
    start = time.perf_counter()
    result = import_inventory(store, settings, a.file)
    seconds = time.perf_counter() - start
    store.close()
    return {
        "seconds": seconds,
        "rows": result.qualifications,
        "triples": result.triples,
        "added": result.count("added"),
        "updated": result.count("updated"),
        "kept": result.kept,
        "peak_mb": _peak_mb(),
    }


def _card_cells(root: Path, index: int) -> dict[str, str]:
    import csv

    with (root / "data" / "inventory" / "vocational-training.csv").open(encoding="utf-8", newline="") as handle:
        row = next(r for i, r in enumerate(csv.DictReader(handle)) if i == index)
    row["code"] = f"VT-NEW-{index:06d}"
    return row


def step_card(a: argparse.Namespace) -> dict[str, object]:
    """One card validated in context the library's way (``import_inventory`` dry run of a one-row file)."""
    import csv

    from bench.generate import HEADER
    from cnc_graph.importing import import_inventory
    from cnc_graph.store.embedded import OxigraphStore

    settings = _settings(a.root, a.store)
    store = OxigraphStore(a.store, settings.base_iri, read_only=True)
    samples = []
    for k in range(a.samples):
        path = a.store.parent / f"card-{k}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=HEADER, extrasaction="ignore")
            writer.writeheader()
            writer.writerow(_card_cells(a.root, k))
        start = time.perf_counter()
        import_inventory(store, settings, path, subsector="vocational-training", dry_run=True)
        samples.append(time.perf_counter() - start)
    return {"samples_ms": [s * 1000 for s in samples], "peak_mb": _peak_mb()}


def _without_lines(path: Path, lines: set[int | None]) -> Path:
    """Return a copy of a CSV file without the given (1-based, header = 1) record lines."""
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        kept = [row for row in reader if reader.line_num not in lines]
    out = path.with_name(path.stem + "-kept.csv")
    with out.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(kept)
    return out


def step_diff(a: argparse.Namespace) -> dict[str, object]:
    """Differential test on a corpus with faults: the library's compiled paths vs pyshacl on the whole graph."""
    from cnc_graph.build import NOT_VALIDATED, read_sources
    from cnc_graph.errors import InputErrors, ValidationFailed
    from cnc_graph.importing import _owner, import_inventory, store_triples
    from cnc_graph.ingest.inventory import read_inventory_file
    from cnc_graph.ingest.sources import discover_sources
    from cnc_graph.iris import graph_iri
    from cnc_graph.store.embedded import OxigraphStore
    from cnc_graph.validation.shapes import validator_for
    from cnc_graph.validation.validator import ValidationReport, Validator

    settings = _settings(a.root)
    library = validator_for(settings)
    pyshacl = Validator(library.shapes, library.ontology, engine="pyshacl")
    contents = read_sources(discover_sources(a.root), settings.base_iri)
    data = [t for key, triples in contents.items() if key not in NOT_VALIDATED for t in triples]
    reference = pyshacl.validate_triples(data)
    compiled = library.validate_triples(data)
    # Re-import path: import_inventory (records + context from the store) vs pyshacl on the whole graph.
    store = OxigraphStore(None, settings.base_iri)
    contents.pop("inventory/continuing-training")
    with store.transaction() as tx:
        for key, triples in contents.items():
            tx.replace_graph(graph_iri(settings.base_iri, key), triples)
    refused = 0
    found = ValidationReport()
    path = a.file
    for _attempt in range(2):
        try:
            import_inventory(store, settings, path, dry_run=True)
            break
        except InputErrors as exc:  # codes held in another graph are refused before validation: drop those rows
            refused = len(exc.errors)
            path = _without_lines(a.file, {e.location.line for e in exc.errors if e.location})
        except ValidationFailed as exc:
            found = exc.report
            break
    rows = read_inventory_file(path, settings.base_iri)
    graph = graph_iri(settings.base_iri, "inventory/continuing-training")
    whole = pyshacl.validate_triples(store_triples(store, exclude_graph=graph) + rows.triples)
    expected = ValidationReport([r for r in whole.results if r.focus in rows.lines or _owner(r.focus, rows.lines)])
    return {
        "bulk_same": result_keys(reference) == result_keys(compiled),
        "bulk_results": len(reference.results),
        "bulk_violations": len(reference.violations),
        "import_same": result_keys(expected) == result_keys(found),
        "import_results": len(expected.results),
        "import_violations": len(expected.violations),
        "import_refused_codes": refused,
    }


STEPS = {
    "build": step_build,
    "load": step_load,
    "naive": step_naive,
    "reimport": step_reimport,
    "card": step_card,
    "diff": step_diff,
}


# --- orchestration ----------------------------------------------------------------------------------------


class Over(Exception):
    """A step ran past its time budget."""


def run_step(name: str, budget: float, log: Path, **options: object) -> dict[str, object]:
    """Run one step in a child process; return its JSON, or {"over": budget} / {"error": …}."""
    argv = [PY, "-m", "bench.run", "--step", name]
    for key, val in options.items():
        if val is not None:
            argv += [f"--{key.replace('_', '-')}", str(val)]
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(argv)}\n")
        out.flush()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=out, text=True, cwd=REPO, start_new_session=True)
        try:
            stdout, _ = proc.communicate(timeout=budget)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            out.write(f"[over budget: {budget:.0f} s]\n")
            return {"over": budget, "wall_s": time.perf_counter() - started}
        out.write(stdout)
    for line in reversed(stdout.splitlines()):
        if line.startswith(STEP_MARK):
            result = json.loads(line[len(STEP_MARK) :])
            result["wall_s"] = time.perf_counter() - started
            return result
    return {"error": f"exit {proc.returncode}, see {log}"}


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RssSampler:
    """Samples the summed RSS of a process and its children (query workers) every 100 ms; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                procs = [self.process, *self.process.children(recursive=True)]
                total = 0
                for p in procs:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                self.peak = max(self.peak, total)
            time.sleep(0.1)

    def stop(self) -> float:
        """Stop sampling; return the peak in MB."""
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


@contextlib.contextmanager
def server(
    argv: list[str], url: str, log: Path, env: dict[str, str] | None = None, wait_s: float = 600
) -> Iterator[RssSampler]:
    """Start a server, wait until ``url`` answers, yield its RSS sampler; stop it (its process group) afterwards."""
    import httpx

    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=os.environ | (env or {}), start_new_session=True
        )
        sampler = RssSampler(proc.pid)
        try:
            deadline = time.monotonic() + wait_s
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{argv[0]} exited with {proc.returncode}; see {log}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(url, timeout=5).status_code < 500:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{' '.join(argv)} did not answer within {wait_s} s; see {log}")
                time.sleep(0.3)
            yield sampler
        finally:
            sampler.stop()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)


def wrk(
    base: str,
    paths: list[str],
    work: Path,
    name: str,
    duration: int,
    accept: str,
    log: Path,
    count_header: str | None = None,
) -> dict[str, object]:
    """Run wrk (2 threads, 8 connections, bounded) over ``paths``; return requests/s and latency percentiles.

    With ``count_header``, also ``header_counts``: the responses by that header's value ("" = absent).
    """
    listing = work / f"paths-{name}.txt"
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    argv = ["wrk", "-t2", "-c8", f"-d{duration}s", "--timeout", "10s", "-s", str(HERE / "wrk_mix.lua"), base]
    env = os.environ | {"BENCH_PATHS": str(listing), "BENCH_ACCEPT": accept}
    if count_header:
        env["BENCH_COUNT_HEADER"] = count_header
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=duration + 60)
    with log.open("a", encoding="utf-8") as out:
        counting = f"BENCH_COUNT_HEADER={count_header} " if count_header else ""
        out.write(f"\n$ {counting}BENCH_PATHS={listing} {' '.join(argv)}\n{proc.stdout}{proc.stderr}")
    for line in proc.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            data = json.loads(line[len("WRK_JSON ") :])
            data["rps"] = (data["requests"] - data["errors"]) / data["seconds"] if data["seconds"] else 0.0
            data["argv"] = " ".join(argv)
            return data
    return {"error": proc.stderr[-300:]}


SPARQL_PREFIXES = (
    "PREFIX cnc: <https://w3id.org/cnc-ma/ontology#> PREFIX dct: <http://purl.org/dc/terms/> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
)


def sparql_mix(codes: list[str], skills: list[str], base: str) -> list[str]:
    """Return the fixed query mix: a count by level, one card, citing qualifications, shared skills, a label."""
    rng = random.Random(11)
    queries = []
    for k in range(40):
        a, b = rng.sample(codes, 2)
        skill = rng.choice(skills)
        q = f"<{base}qualification/{a}>"
        kind = k % 5
        if kind == 0:
            text = "SELECT ?level (COUNT(?q) AS ?n) WHERE { ?q a cnc:Qualification ; cnc:level ?level } GROUP BY ?level"
        elif kind == 1:
            text = f"SELECT ?p ?o WHERE {{ {q} ?p ?o }}"
        elif kind == 2:
            text = f"SELECT ?q ?t WHERE {{ ?q cnc:relatedSkill <{skill}> ; dct:title ?t }} LIMIT 50"
        elif kind == 3:
            text = f"SELECT ?s WHERE {{ {q} cnc:relatedSkill ?s . <{base}qualification/{b}> cnc:relatedSkill ?s }}"
        else:
            text = f"SELECT ?l WHERE {{ <{skill}> skos:prefLabel ?l }}"
        queries.append(SPARQL_PREFIXES + text)
    return queries


def web_mixes(codes: list[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Return the request paths of each JSON endpoint and of each web page measured under wrk, by row name."""
    rng = random.Random(5)
    picks = rng.sample(codes, min(200, len(codes)))
    words = ["technicien", "master", "genie civil", "statistique", "tourisme", "تقني", "ingenieur", "casablanca"]
    api = {
        "health": ["/health"],
        "search": [f"/api/qualifications?{urlencode({'q': w})}" for w in words]
        + [f"/api/qualifications?level=cnc:{lv}&page=2" for lv in range(1, 9)],
        "qualification": [f"/api/qualifications/{c}" for c in picks],
        "compare_levels": [
            f"/api/compare/levels?level=cnc:{lv}&to={fw}" for lv in range(1, 9) for fw in ("eqf", "acqf")
        ],
        "compare_qualifications": [
            f"/api/compare/qualifications?a={a}&b={b}" for a, b in zip(picks, picks[1:], strict=False)
        ],
    }
    # The web pages over the same data as the JSON rows above, in the three languages; each is reported beside
    # its JSON endpoint (PAGE_BESIDE). Qualification pages cycle over 200 codes: most are read for the first time.
    langs = ("fr", "ar", "en")
    pages = {
        "search": [f"/qualifications?{urlencode({'q': w, 'lang': langs[i % 3]})}" for i, w in enumerate(words)]
        + [f"/qualifications?cnc={lv}&page=2&lang={langs[lv % 3]}" for lv in range(1, 9)],
        "qualification": [f"/qualifications/{c}?lang={langs[i % 3]}" for i, c in enumerate(picks)],
        "level": [
            f"/frameworks/{fw}/levels/{lv}?lang={lang}" for fw in ("cnc", "eqf") for lv in range(1, 9) for lang in langs
        ],
        "compare_levels": [
            f"/compare/levels?from=cnc&to={fw}&lang={lang}" for fw in ("eqf", "acqf", "isced-2011") for lang in langs
        ],
    }
    api["level"] = [f"/api/frameworks/{fw}/levels/{lv}" for fw in ("cnc", "eqf") for lv in range(1, 9)]
    return api, pages


def _store_facts(store_path: Path, base: str) -> tuple[list[str], list[str]]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_path))
    codes = sorted(
        r["c"].value
        for r in store.query("SELECT ?c WHERE { GRAPH ?g { ?q <https://w3id.org/cnc-ma/ontology#code> ?c } }")
    )
    skills = sorted(
        {
            r["s"].value
            for r in store.query(
                "SELECT ?s WHERE { GRAPH ?g { ?q <https://w3id.org/cnc-ma/ontology#relatedSkill> ?s } } LIMIT 5000"
            )
        }
    )
    return codes, skills


def dump_store(store_path: Path, base: str, data_nt: Path, all_nq: Path) -> None:
    """Write the validated data graphs as N-Triples (naive path input) and every public graph as N-Quads."""
    import pyoxigraph as ox

    from cnc_graph.iris import graph_iri, is_public_graph

    store = ox.Store.read_only(str(store_path))
    skip = {graph_iri(base, "shapes"), graph_iri(base, "ontology"), graph_iri(base, "build")}
    quads = [q for q in store if isinstance(q.graph_name, ox.NamedNode) and is_public_graph(base, q.graph_name.value)]
    ox.serialize(quads, output=str(all_nq), format=ox.RdfFormat.N_QUADS)
    ox.serialize(
        [q.triple for q in quads if q.graph_name.value not in skip], output=str(data_nt), format=ox.RdfFormat.N_TRIPLES
    )


SPARQL_JSON = "application/sparql-results+json"
#: The response header of our /sparql saying hit or miss of the result cache (absent when the cache is off).
CACHE_HEADER = "X-CNC-Cache"


def _warm_up(url: str, clients: int = 8) -> None:
    """Send ``clients`` (wrk's connections) identical requests at once and wait for every answer.

    So every query worker of a fresh serve has started and answered before timing (serve spawns them at start;
    a single request would leave the others starting during a short wrk run). With the result cache on, the
    requests share one computation: afterwards the cache holds that one query of the mix, no more.
    """
    import httpx

    def get() -> None:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, headers={"Accept": SPARQL_JSON}, timeout=600)

    threads = [threading.Thread(target=get) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def sparql_ours(base: str, paths: list[str], work: Path, name: str, duration: int, log: Path) -> dict[str, object]:
    """Run wrk on our ``/sparql`` (after the warm-up on the mix's first query), counting responses by ``X-CNC-Cache``.

    Every SPARQL run counts the header (the baselines send none), so that wrk does the same work per response
    against each server.
    """
    try:
        from api.routes import sparql as _sparql  # noqa: F401
    except ImportError as exc:
        return {"error": f"api.routes.sparql not importable: {exc}"}
    _warm_up(base + paths[0])
    return wrk(base, paths, work, name, duration, SPARQL_JSON, log, CACHE_HEADER)


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Return (p50, p95) of samples (nearest rank)."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan"), float("nan")
    rank = max(0, min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1))
    return statistics.median(ordered), ordered[rank]


# --- the run ---------------------------------------------------------------------------------------------


def measure(args: argparse.Namespace) -> dict[str, object]:
    """Run everything; return the raw results."""
    from bench.generate import generate
    from cnc_graph.settings import DEFAULT_BASE_IRI, Settings

    work: Path = args.work
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    log = work / "bench.log"
    budget = args.budget
    r: dict[str, object] = {"n": args.n, "budget_s": budget, "duration_s": args.duration}

    def note(text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    note(f"generating N={args.n} in {work}")
    gen = generate(args.n, work / "root")
    bad = generate(min(args.n, 1_000), work / "faulty", seed=13, invalid=10)
    r["files"] = gen.files
    r["outcomes"] = gen.outcomes
    store = work / "store"
    root = gen.root

    note("build (library)")
    r["build"] = run_step("build", budget, log, root=root, store=store, keys=work / "keys-build.json")
    if "seconds" not in r["build"]:  # type: ignore[operator]
        shutil.rmtree(store, ignore_errors=True)
        note("build over budget: loading the store without validation for the serving measures")
        r["load"] = run_step("load", 4 * budget, log, root=root, store=store)
    dump_store(store, DEFAULT_BASE_IRI, work / "data.nt", work / "all.nq")
    note("naive path")
    r["naive"] = run_step("naive", budget, log, root=root, dump=work / "data.nt", keys=work / "keys-naive.json")
    keys = [work / "keys-build.json", work / "keys-naive.json"]
    r["full_same"] = keys[0].read_text() == keys[1].read_text() if all(k.exists() for k in keys) else None

    note("reimport")
    copy = work / "store-reimport"
    shutil.copytree(store, copy)
    r["reimport"] = run_step("reimport", budget, log, root=root, store=copy, file=gen.reimport)
    shutil.rmtree(copy, ignore_errors=True)
    note("single card")
    r["card"] = run_step("card", budget, log, root=root, store=store, samples=100)
    note("differential test")
    r["diff"] = run_step("diff", 3 * budget, log, root=bad.root, file=bad.reimport)

    codes, skills = _store_facts(store, DEFAULT_BASE_IRI)
    api, pages = web_mixes(codes)
    queries = sparql_mix(codes, skills, DEFAULT_BASE_IRI)
    sparql_paths = [f"/sparql?query={quote(q)}" for q in queries]
    # /sparql is measured twice on the same mix and store: with the result cache as configured by default (the
    # main serve process, which also takes the API load), then by a second serve with CNC_SPARQL_CACHE_MB=0.
    cache_mb = f"{Settings().sparql_cache_mb:g}"
    r["sparql_cache_mb"] = cache_mb
    r["sparql_distinct"] = len(set(queries))
    port = free_port()
    serve_argv = [PY, "-m", "api.cli", "serve", "--store", str(store), "--port", str(port)]
    r["serve_argv"] = " ".join(serve_argv)
    note(f"serve: API and /sparql under wrk (result cache on, CNC_SPARQL_CACHE_MB={cache_mb})")
    serve_env = {"CNC_ROOT": str(root), "CNC_SPARQL_CACHE_MB": cache_mb}
    with server(serve_argv, f"http://127.0.0.1:{port}/health", log, serve_env) as sampler:
        base = f"http://127.0.0.1:{port}"
        for name, paths in api.items():
            # One warm-up pass builds the per-generation indexes (search, comparison) before timing.
            subprocess.run(["curl", "-s", "-o", "/dev/null", base + paths[0]], timeout=600, check=False)
            r[f"api_{name}"] = wrk(base, paths, work, name, args.duration, "application/json", log)
        for name, paths in pages.items():
            subprocess.run(["curl", "-s", "-o", "/dev/null", base + paths[0]], timeout=600, check=False)
            r[f"page_{name}"] = wrk(base, paths, work, f"page-{name}", args.duration, "text/html", log)
        r["sparql_ours"] = sparql_ours(base, sparql_paths, work, "sparql", args.duration, log)
        r["serve_peak_mb"] = sampler.peak / 2**20
    # The same store directory, once the first server has exited (serve opens it read-write: one at a time).
    note("serve again with CNC_SPARQL_CACHE_MB=0: /sparql without the result cache")
    port = free_port()
    nocache_argv = [PY, "-m", "api.cli", "serve", "--store", str(store), "--port", str(port)]
    r["serve_nocache_argv"] = "CNC_SPARQL_CACHE_MB=0 " + " ".join(nocache_argv)
    nocache_env = {"CNC_ROOT": str(root), "CNC_SPARQL_CACHE_MB": "0"}
    with server(nocache_argv, f"http://127.0.0.1:{port}/health", log, nocache_env) as sampler:
        base = f"http://127.0.0.1:{port}"
        r["sparql_ours_nocache"] = sparql_ours(base, sparql_paths, work, "sparql-nocache", args.duration, log)
        r["serve_nocache_peak_mb"] = sampler.peak / 2**20
    note("oxigraph serve")
    oxdir = work / "oxigraph"
    subprocess.run(
        [OXIGRAPH, "load", "--location", str(oxdir), "--file", str(work / "all.nq")], check=True, capture_output=True
    )
    port = free_port()
    ox_argv = [
        OXIGRAPH,
        "serve-read-only",
        "--location",
        str(oxdir),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]
    with server(ox_argv, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", log) as sampler:
        paths = [f"/query?query={quote(q)}" for q in queries]
        r["sparql_oxigraph"] = wrk(
            f"http://127.0.0.1:{port}", paths, work, "oxigraph", args.duration, SPARQL_JSON, log, CACHE_HEADER
        )
        r["oxigraph_peak_mb"] = sampler.peak / 2**20
    note("rdflib-endpoint")
    port = free_port()
    rdflib_argv = [
        str(Path(PY).parent / "rdflib-endpoint"),
        "serve",
        str(work / "all.nq"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    try:
        with server(rdflib_argv, f"http://127.0.0.1:{port}/?query=ASK%7B%7D", log, wait_s=budget) as sampler:
            paths = [f"/?query={quote(q)}" for q in queries]  # rdflib-endpoint serve mounts it at /
            r["sparql_rdflib"] = wrk(
                f"http://127.0.0.1:{port}", paths, work, "rdflib", args.duration, SPARQL_JSON, log, CACHE_HEADER
            )
            r["rdflib_peak_mb"] = sampler.peak / 2**20
    except RuntimeError as exc:
        r["sparql_rdflib"] = {"error": str(exc)}
    r["argv"] = {
        "serve": r["serve_argv"],
        "serve_nocache": r["serve_nocache_argv"],
        "oxigraph": " ".join(ox_argv),
        "rdflib": " ".join(rdflib_argv),
    }
    return r


# --- the table -------------------------------------------------------------------------------------------


def _s(step: object, key: str = "seconds") -> float | None:
    return step.get(key) if isinstance(step, dict) and isinstance(step.get(key), int | float) else None  # type: ignore[return-value]


def _fmt_s(step: object, key: str = "seconds") -> str:
    v = _s(step, key)
    if v is not None:
        return f"{v:.1f} s"
    if isinstance(step, dict) and "over" in step:
        return f"> {step['over']:.0f} s (stopped)"
    return f"error ({step.get('error', '?') if isinstance(step, dict) else '?'})"


def _ratio(num: float | None, den: float | None, over_num: float | None = None) -> str:
    if num is not None and den:
        return f"{num / den:.2f}×"
    if over_num is not None and den:
        return f"> {over_num / den:.2f}×"
    return "—"


def _over(step: object) -> float | None:
    return step.get("over") if isinstance(step, dict) else None  # type: ignore[return-value]


#: Each page row's JSON endpoint for the same data, measured in the same run.
PAGE_BESIDE = {
    "search": "search",
    "qualification": "qualification",
    "level": "level",
    "compare_levels": "compare_levels",
}


def rows(r: dict[str, object]) -> list[list[str]]:
    """Return the table rows: measure, ours, baseline, ratio, target (stated at N = 100,000), met at this N."""
    out: list[list[str]] = []
    b, nv = r["build"], r["naive"]
    bs, ns = _s(b), _s(nv)

    def verdict(ok: bool | None) -> str:
        return "—" if ok is None else ("yes" if ok else "**no**")

    out.append(
        [
            "build from CSV, validation included (library `cnc_graph.build`, compiled validator)",
            _fmt_s(b) + (f" (read {b['read_s']:.1f} s, validate {b['validate_s']:.1f} s)" if bs else ""),
            f"naive (rdflib parse + pyshacl): {_fmt_s(nv)}",
            _ratio(ns, bs, _over(nv)) + " faster" if bs else "—",
            "≤ 60 s and ≥ 5× naive",
            verdict(
                None
                if bs is None
                else bs <= 60 and (ns is not None or _over(nv) is not None) and (ns or _over(nv) or 0) / bs >= 5
            ),
        ]
    )
    out.append(
        [
            "bulk validation (library `Validator`, compiled)",
            _fmt_s(b, "validate_s"),
            f"pyshacl alone: {_fmt_s(nv, 'validate_s')}",
            _ratio(_s(nv, "validate_s"), _s(b, "validate_s"), _over(nv)) + " faster" if _s(b, "validate_s") else "—",
            "—",
            "—",
        ]
    )
    d = r.get("diff") or {}
    same = r.get("full_same")
    imported = d.get("import_same")
    out.append(
        [
            "differential: compiled validator vs pyshacl",
            f"faulty corpus (1,000 rows, 10 faults): bulk {'identical' if d.get('bulk_same') else 'DIFFERENT'} "
            f"({d.get('bulk_results', '?')} results, {d.get('bulk_violations', '?')} violations); "
            f"re-import {'identical' if imported else 'DIFFERENT' if imported is False else 'not compared'} "
            f"({d.get('import_results', '?')} results)",
            "valid corpus at this N: "
            + ("identical" if same else "DIFFERENT" if same is False else "not compared (a side over budget)"),
            "—",
            "same results as pyshacl",
            verdict(bool(d.get("bulk_same")) and imported is not False and same is not False),
        ]
    )
    ri = r["reimport"]
    out.append(
        [
            "re-import of the 1,000-row file into the store (library `import_inventory`)",
            _fmt_s(ri),
            "—",
            "—",
            "≤ 3 s",
            verdict(None if _s(ri) is None else _s(ri) <= 3) if _s(ri) is not None or not _over(ri) else "**no**",
        ]
    )
    c = r["card"]
    if isinstance(c, dict) and c.get("samples_ms"):
        p50, p95 = percentiles(c["samples_ms"])
        ours = f"p50 {p50:.0f} ms, p95 {p95:.0f} ms ({len(c['samples_ms'])} samples)"
        ok: bool | None = p95 <= 50
    else:
        ours, ok = _fmt_s(c), False
    label = "single-card validation on submit (library: `import_inventory` dry run of a one-row file)"
    out.append([label, ours, "—", "—", "p95 ≤ 50 ms", verdict(ok)])
    health = r.get("api_health") or {}
    for name, target in (
        ("search", 20),
        ("qualification", 20),
        ("compare_levels", 20),
        ("compare_qualifications", None),
    ):
        w = r.get(f"api_{name}") or {}
        if "p95_ms" in w:
            ours = f"p50 {w['p50_ms']:.1f} ms, p95 {w['p95_ms']:.1f} ms, {w['rps']:.0f} req/s ({w['errors']} errors)"
            base = f"/health: p95 {health.get('p95_ms', float('nan')):.1f} ms, {health.get('rps', 0):.0f} req/s"
            ratio = f"{w['rps'] / health['rps']:.2f}× /health req/s" if health.get("rps") else "—"
            ok = w["p95_ms"] <= target if target else None
        else:
            ours, base, ratio, ok = f"error: {w.get('error', '?')}", "—", "—", False
        out.append(
            [
                f"API {name.replace('_', ' ')} (8 clients)",
                ours,
                base,
                ratio,
                f"p95 ≤ {target} ms" if target else "—",
                verdict(ok),
            ]
        )
    for name, beside in PAGE_BESIDE.items():
        w, j = r.get(f"page_{name}") or {}, r.get(f"api_{beside}") or {}
        if "p95_ms" in w:
            ours = f"p50 {w['p50_ms']:.1f} ms, p95 {w['p95_ms']:.1f} ms, {w['rps']:.0f} req/s ({w['errors']} errors)"
            ok = w["p95_ms"] <= 50 and not w["errors"]
        else:
            ours, ok = f"error: {w.get('error', '?')}", False
        if "p95_ms" in j:
            base = f"JSON {beside.replace('_', ' ')}: p95 {j['p95_ms']:.1f} ms, {j['rps']:.0f} req/s"
            ratio = f"{w['p95_ms'] / j['p95_ms']:.2f}× the JSON p95" if "p95_ms" in w and j["p95_ms"] else "—"
        else:
            base, ratio = "—", "—"
        out.append(
            [
                f"page {name.replace('_', ' ')} (HTML, fr/ar/en, 8 clients)",
                ours,
                base,
                ratio,
                "p95 ≤ 50 ms",
                verdict(ok),
            ]
        )
    sx, sr = (r.get(k) or {} for k in ("sparql_oxigraph", "sparql_rdflib"))

    def rps(w: dict) -> str:
        return (
            f"{w['rps']:.1f} req/s, p95 {w['p95_ms']:.0f} ms ({w['errors']} errors)"
            if "rps" in w
            else f"error: {w.get('error', '?')}"
        )

    def cache_seen(w: dict, on: bool) -> str:
        """What the X-CNC-Cache headers of the timed responses say (wrk counted them): the hit ratio, or a warning."""
        counts = w.get("header_counts")
        if not isinstance(counts, dict) or not counts:
            return ""
        hits, tagged, total = counts.get("hit", 0), counts.get("hit", 0) + counts.get("miss", 0), sum(counts.values())
        if on:
            if not tagged:
                return "; **no X-CNC-Cache header: the cache was not in effect**"
            distinct = f"; {r['sparql_distinct']} distinct queries in the mix" if r.get("sparql_distinct") else ""
            return f"; hit ratio {hits / total:.1%} ({hits:,} `X-CNC-Cache: hit` of {total:,} responses{distinct})"
        return f"; **{tagged:,} responses with X-CNC-Cache: the cache was not off**" if tagged else ""

    # Two configurations of ours, each against both baselines (the same baseline runs): the fixed mix cycles
    # through 40 queries (fewer distinct ones), so with the cache on nearly every request after one pass is a hit.
    configurations = (
        ("sparql_ours", f"result cache on (`CNC_SPARQL_CACHE_MB={r.get('sparql_cache_mb', '?')}`, the default)"),
        ("sparql_ours_nocache", "result cache off (`CNC_SPARQL_CACHE_MB=0`, a second serve on the same store)"),
    )
    for key, config in configurations:
        so = r.get(key) or {}
        ours = rps(so) + cache_seen(so, key == "sparql_ours")
        vs_rdflib = so.get("rps", 0) / sr["rps"] if sr.get("rps") else None
        vs_ox = so.get("rps", 0) / sx["rps"] if sx.get("rps") else None
        out.append(
            [
                f"/sparql, fixed mix of 5 query shapes (8 clients), {config}",
                ours,
                f"rdflib-endpoint: {rps(sr)}",
                f"{vs_rdflib:.1f}×" if vs_rdflib else "—",
                "≥ 20× rdflib-endpoint",
                verdict(None if vs_rdflib is None else vs_rdflib >= 20),
            ]
        )
        out.append(
            [
                f"/sparql, same mix, {config}",
                ours,
                f"`oxigraph serve`: {rps(sx)}",
                f"{vs_ox:.2f}×" if vs_ox else "—",
                "≥ 0.5× oxigraph serve",
                verdict(None if vs_ox is None else vs_ox >= 0.5),
            ]
        )
    peak = r.get("serve_peak_mb")
    oxpeak = r.get("oxigraph_peak_mb")
    offpeak = r.get("serve_nocache_peak_mb")
    out.append(
        [
            "peak RSS of `cnc-graph serve` (with its query workers) through the API and SPARQL load, result cache on",
            (f"{peak:.0f} MB" if peak else "—")
            + (f" (the cache-off serve, /sparql load only: {offpeak:.0f} MB)" if offpeak else ""),
            f"`oxigraph serve`: {oxpeak:.0f} MB" if oxpeak else "—",
            f"{peak / oxpeak:.1f}×" if peak and oxpeak else "—",
            "≤ 1.5 GB (at 100k + ESCO)",
            verdict(None if not peak else peak <= 1536),
        ]
    )
    return out


def table(r: dict[str, object]) -> str:
    """Return the results as one markdown table."""
    head = ["measure", "ours", "baseline (same run)", "ratio", "target (at N = 100,000)", "met at this N"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows(r)]
    return "\n".join(lines)


def machine() -> str:
    """Return a description of the machine and the versions in use."""
    import fastapi
    import pyoxigraph
    import pyshacl
    import rdflib

    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[:1]
    try:
        import importlib.metadata as md

        endpoint = md.version("rdflib-endpoint")
    except Exception:  # noqa: BLE001
        endpoint = "?"
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"- machine: {platform.node()}, {os.cpu_count()} CPUs ({cpu}), "
        f"{psutil.virtual_memory().total / 2**30:.1f} GB RAM, "
        f"{platform.platform()}\n"
        f"- Python {platform.python_version()}; pyoxigraph {pyoxigraph.__version__}, rdflib {rdflib.__version__}, "
        f"pyshacl {pyshacl.__version__}, FastAPI {fastapi.__version__}, rdflib-endpoint {endpoint}, "
        f"{(wrk_v or ['wrk ?'])[0].split(' [')[0]}\n"
        f"- load average at the end of the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


def report(r: dict[str, object], command: str) -> str:
    """Return the markdown section of one run."""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    files = ", ".join(f"{k}: {v}" for k, v in r["files"].items())  # type: ignore[union-attr]
    argv = r.get("argv", {})
    build = r.get("build") or {}
    return (
        f"## Run at N = {r['n']:,} ({when})\n\n"
        f"Command: `{command}` — per-step budget {r['budget_s']:.0f} s, wrk {r['duration_s']} s per endpoint "
        f"(`wrk -t2 -c8 -d{r['duration_s']}s --timeout 10s -s bench/wrk_mix.lua`, 127.0.0.1 only).\n\n"
        f"{machine()}\n"
        f"- data: {files}; {build.get('triples', '?')} triples in the store; learning outcomes "
        f"{'generated' if r.get('outcomes') else 'left empty (the card reader rejects acquis_fr, see below)'}\n"
        f"- servers: `{argv.get('serve', '')}`; `{argv.get('serve_nocache', '')}`; `{argv.get('oxigraph', '')}`; "
        f"`{argv.get('rdflib', '')}`\n\n"
        f"{table(r)}\n\n"
        f"<details><summary>raw results</summary>\n\n```json\n{json.dumps(r, indent=1, default=str)}\n```\n</details>\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="N = 1,000, short wrk runs (the CI smoke test)")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "performance.md")
    parser.add_argument("--work", type=Path, default=Path("/tmp/cnc-bench/run"))
    parser.add_argument("--budget", type=float, default=900.0, help="seconds allowed to each heavy step")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per endpoint")
    parser.add_argument("--append", action="store_true", help="append the run to --out instead of replacing it")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    for name in ("root", "store", "keys", "dump", "file"):
        parser.add_argument(f"--{name}", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--samples", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        print(STEP_MARK + json.dumps(STEPS[args.step](args)), flush=True)
        return 0
    if args.quick:
        args.n, args.duration = 1_000, min(args.duration, 3)
    command = "python -m bench.run " + " ".join(sys.argv[1:] if argv is None else argv)
    results = measure(args)
    section = report(results, command)
    print(table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous = args.out.read_text(encoding="utf-8") if args.append and args.out.exists() else ""
    args.out.write_text((previous + "\n" if previous else "# Performance\n\n") + section, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
