"""One typed settings object, read from the environment (``CNC_*``) with sensible defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cnc_graph.errors import InputError

DEFAULT_BASE_IRI = "https://w3id.org/cnc-ma/"
DEFAULT_STORE = "oxigraph:./var/store"


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

    store: str = DEFAULT_STORE
    base_iri: str = DEFAULT_BASE_IRI
    root: Path = field(default_factory=resources_root)
    query_timeout_s: float = 10.0
    result_limit: int = 10_000
    max_body_bytes: int = 1_000_000
    #: SPARQL query worker processes; 0 chooses twice the CPUs, 2 to 8 (``sparql_runner.default_workers``).
    query_workers: int = 0
    #: Megabytes of ``/sparql`` results kept for repeated identical queries (``sparql_cache``); 0 keeps none.
    sparql_cache_mb: float = 64.0

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
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
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


def _normalise_base(base: str) -> str:
    return base if base.endswith(("/", "#")) else base + "/"
