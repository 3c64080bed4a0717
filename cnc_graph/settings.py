"""One typed settings object, read from the environment (``CNC_*``) with sensible defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

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
            query_timeout_s=float(env.get("CNC_QUERY_TIMEOUT", "10")),
            result_limit=int(env.get("CNC_RESULT_LIMIT", "10000")),
            max_body_bytes=int(env.get("CNC_MAX_BODY_BYTES", "1000000")),
            query_workers=int(env.get("CNC_QUERY_WORKERS", "0")),
            sparql_cache_mb=float(env.get("CNC_SPARQL_CACHE_MB", "64")),
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        if "base_iri" in clean:
            clean["base_iri"] = _normalise_base(str(clean["base_iri"]))
        return replace(settings, **clean) if clean else settings


def _normalise_base(base: str) -> str:
    return base if base.endswith(("/", "#")) else base + "/"
