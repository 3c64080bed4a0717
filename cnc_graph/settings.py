"""One typed settings object, read from the environment (``CNC_*``) with sensible defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cnc_graph.errors import InputError, Location

DEFAULT_BASE_IRI = "https://w3id.org/cnc-ma/"
DEFAULT_STORE = "oxigraph:./var/store"
#: Who may submit registration cards: any operator or certifier, or only each sub-sector's coordinating body.
SUBMITTER_POLICIES = ("any-operator", "coordinating-body")


def resources_root() -> Path:
    """Return the folder holding ontology/, shapes/, data/ and mappings/.

    In a source checkout (editable install) that is the repository root; in a built wheel
    the same folders are packaged under ``cnc_graph/_resources``.
    """
    packaged = Path(__file__).parent / "_resources"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a CNC Graph installation."""

    #: ``CNC_STORE``: ``oxigraph:PATH``, ``memory`` or a SPARQL server's URL (``store.selector``).
    store: str = DEFAULT_STORE
    #: ``CNC_BASE_IRI``: the base of every resource IRI (a ``/`` is added when it ends in neither ``/`` nor ``#``).
    base_iri: str = DEFAULT_BASE_IRI
    #: ``CNC_ROOT``: the folder holding ontology/, shapes/, data/ and mappings/ (default: the shipped ones).
    root: Path = field(default_factory=resources_root)
    #: ``CNC_QUERY_TIMEOUT``: seconds before a ``/sparql`` query is stopped.
    query_timeout_s: float = 10.0
    #: ``CNC_RESULT_LIMIT``: rows or triples a ``/sparql`` answer may carry.
    result_limit: int = 10_000
    #: ``CNC_MAX_BODY_BYTES``: the largest request body accepted.
    max_body_bytes: int = 1_000_000
    #: ``CNC_QUERY_WORKERS``: SPARQL query worker processes; 0 chooses twice the CPUs, 2 to 8
    #: (``sparql.workers.default_workers``).
    query_workers: int = 0
    #: ``CNC_SPARQL_CACHE_MB``: megabytes of ``/sparql`` results kept for repeated identical queries
    #: (``sparql.cache``); 0 keeps none.
    sparql_cache_mb: float = 64.0
    #: ``CNC_SUBMITTERS``: who may submit registration cards, ``any-operator`` or ``coordinating-body``.
    submitters: str = "any-operator"
    #: ``CNC_SESSION_MINUTES``: minutes without a request after which a web session of the workflow ends.
    session_minutes: float = 30.0
    #: ``CNC_SESSION_SECRET``: the key signing the web sessions' cookies; empty: a new one at each start (every
    #: session then ends when the server restarts). Not a token: it never reaches the store or a page.
    session_secret: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Return settings from ``CNC_STORE``, ``CNC_BASE_IRI``, ``CNC_ROOT``… then ``overrides``."""
        env = os.environ
        settings = cls(
            store=env.get("CNC_STORE", DEFAULT_STORE),
            base_iri=_normalise_base(env.get("CNC_BASE_IRI", DEFAULT_BASE_IRI)),
            root=Path(env["CNC_ROOT"]) if env.get("CNC_ROOT") else resources_root(),
            query_timeout_s=_number(env, "CNC_QUERY_TIMEOUT", "10", float),
            result_limit=_number(env, "CNC_RESULT_LIMIT", "10000", int),
            max_body_bytes=_number(env, "CNC_MAX_BODY_BYTES", "1000000", int),
            query_workers=_number(env, "CNC_QUERY_WORKERS", "0", int),
            sparql_cache_mb=_number(env, "CNC_SPARQL_CACHE_MB", "64", float),
            submitters=_choice(env, "CNC_SUBMITTERS", SUBMITTER_POLICIES),
            session_minutes=_number(env, "CNC_SESSION_MINUTES", "30", float),
            session_secret=env.get("CNC_SESSION_SECRET", ""),
        )
        clean: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        if "base_iri" in clean:
            clean["base_iri"] = _normalise_base(str(clean["base_iri"]))
        return replace(settings, **clean) if clean else settings


def _number(env: Mapping[str, str], name: str, default: str, kind: type[int] | type[float]) -> Any:
    """Return the environment variable ``name`` as a number; a value that is not one is an error naming it."""
    text = env.get(name, default)
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise InputError(f"environment variable {name}={text!r} is not {what} (default: {default})") from None


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    """Return the environment variable ``name`` (default: the first allowed value); another value is an error."""
    text = env.get(name, "").strip() or allowed[0]
    if text not in allowed:
        raise InputError(f"{name}={text!r}: use one of {', '.join(allowed)}", Location(field=name))
    return text


def _normalise_base(base: str) -> str:
    return base if base.endswith(("/", "#")) else base + "/"
