"""What every ``cnc-graph`` command shares: the ``--store`` and ``--lang`` options, the settings, running a
command body with clear errors and exit codes, and opening the store for the length of a command."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer

from cnc_graph.console import err, print_report
from cnc_graph.errors import CncError, InputError, InputErrors, ValidationFailed
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore
from cnc_graph.store.selector import open_store

StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="Store selector: a path (oxigraph:PATH), 'memory', or a SPARQL URL. [env: CNC_STORE]"),
]
LangOption = Annotated[str, typer.Option("--lang", help="Language of messages: fr or en.")]


T = TypeVar("T")


def settings_for(store: str | None) -> Settings:
    """Return the settings from the environment, with ``--store`` applied (a bad variable: message, exit 2)."""
    return run(lambda: Settings.from_env(store=store))


def run(action: Callable[[], T], lang: str = "en") -> T:
    """Run a command body, turning every CncError into a clear message and its exit code."""
    try:
        return action()
    except InputErrors as exc:
        for error in exc.errors:
            err.print(f"[red]error[/red] {error.localised(lang)}", highlight=False, markup=True)
        err.print(f"{len(exc.errors)} error(s); nothing was written.", highlight=False)
        raise typer.Exit(2) from None
    except InputError as exc:
        err.print(f"[red]error[/red] {exc.localised(lang)}", highlight=False)
        raise typer.Exit(2) from None
    except ValidationFailed as exc:
        print_report(exc.report, lang)  # type: ignore[arg-type]
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(1) from None
    except CncError as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False)
        raise typer.Exit(exc.exit_code) from None


@contextmanager
def opened(settings: Settings, read_only: bool = False) -> Iterator[GraphStore]:
    """Open the configured store for the duration of a command."""
    store = open_store(settings.store, settings.base_iri, read_only=read_only)
    try:
        yield store
    finally:
        store.close()
