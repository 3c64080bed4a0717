"""``cnc-graph users``: the registration workflow's accounts, in the store or through a running server's API."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from cnc_graph.cli_support import StoreOption, run, settings_for
from cnc_graph.console import out
from cnc_graph.errors import CncError, InputError, Location, StoreError
from cnc_graph.registry.accounts import Account, add_account, list_accounts, reset_token, revoke_account
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore
from cnc_graph.store.selector import open_store

users_app = typer.Typer(
    help="Accounts of the registration workflow, kept in the store (tokens shown once, stored hashed).",
    no_args_is_help=True,
)


class Role(StrEnum):
    applicant = "applicant"
    reviewer = "reviewer"
    admin = "admin"


ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="A running `cnc-graph serve` (e.g. http://127.0.0.1:8000): manage accounts through its API, "
        "with an admin's --token, instead of opening the store (which the server holds).",
    ),
]
TokenOption = Annotated[
    str | None, typer.Option("--token", envvar="CNC_ADMIN_TOKEN", help="With --server: an admin's bearer token.")
]


def account_api(
    server: str, token: str | None, method: str, path: str, body: dict[str, str | None] | None = None
) -> Any:
    """Call ``/api/accounts…`` on a running server as the admin of ``token``; return its JSON, or raise CncError."""
    import requests

    if not token:
        raise InputError(
            "--server needs an admin's token: --token TOKEN (or CNC_ADMIN_TOKEN)", Location(field="--token")
        )
    url = server.rstrip("/") + "/api/accounts" + path
    try:
        answer = requests.request(method, url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    except requests.RequestException as exc:
        raise CncError(f"cannot reach {server}: {exc}") from exc
    if answer.status_code >= 400:
        try:
            detail = answer.json().get("detail", answer.text)
        except ValueError:
            detail = answer.text[:300]
        raise CncError(f"{server} answered {answer.status_code}: {detail}")
    return answer.json()


@contextmanager
def opened_for_accounts(settings: Settings, read_only: bool = False) -> Iterator[GraphStore]:
    """Open the store for an account command, saying how to reach a running server if it holds the store."""
    try:
        store = open_store(settings.store, settings.base_iri, read_only=read_only)
    except StoreError as exc:
        raise StoreError(
            f"{exc}; with `cnc-graph serve` running, manage accounts through it: "
            "add --server http://HOST:PORT --token ADMIN_TOKEN"
        ) from exc
    try:
        yield store
    finally:
        store.close()


def account_call(
    store: str | None,
    server: str | None,
    token: str | None,
    request: tuple[str, str, dict[str, str | None] | None],
    local: Callable[[GraphStore, str], Any],
    read_only: bool = False,
) -> Any:
    """Run one account command: ``request`` (method, path, body) on ``server``'s API, else ``local(store, base)``
    on the opened store; both answer what the API answers (``{"account": …, "token": …}``, ``{"accounts": …}``)."""
    settings = settings_for(store)

    def action() -> Any:
        if server:
            return account_api(server, token, *request)
        with opened_for_accounts(settings, read_only=read_only) as graph_store:
            return local(graph_store, settings.base_iri)

    return run(action)


def made(account: Account, token: str, base: str) -> dict[str, Any]:
    """Return a new token and its account as the API answers them."""
    return {"account": account.to_dict(base), "token": token}


def print_token(answer: Mapping[str, Any], verb: str) -> None:
    """Print an account and its token: once, alone on the last line."""
    account = answer["account"]
    details = ", ".join(f"{k} {v}" for k, v in account.items() if k in ("organisation", "subsector") and v)
    typer.echo(f"{verb} account {account['name']} ({account['role']}{', ' + details if details else ''})")
    typer.echo("its bearer token follows; it is shown only now (the store keeps its hash):")
    typer.echo(answer["token"])


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Account name: lower-case letters, digits, '.', '_', '-'.")],
    role: Annotated[Role, typer.Option("--role", help="applicant, reviewer (CP member) or admin.")],
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="Organisation id (e.g. ofppt) or IRI; required for applicants.")
    ] = None,
    subsector: Annotated[
        str | None, typer.Option("--subsector", help="Sub-sector key (e.g. vocational-training); applicants.")
    ] = None,
    store: StoreOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Create an account and print its token: once, alone on the last line (only its hash is kept)."""
    body = {"name": name, "role": role.value, "organisation": organisation, "subsector": subsector}
    answer = account_call(
        store,
        server,
        token,
        ("POST", "", body),
        lambda s, base: made(*add_account(s, base, name, role.value, organisation, subsector), base),
    )
    print_token(answer, "created")


@users_app.command("reset")
def users_reset(
    name: Annotated[str, typer.Argument(help="Account name.")],
    store: StoreOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Give an account a new token (the old one stops working at once) and print it, once."""

    def local(s: GraphStore, base: str) -> dict[str, Any]:
        return made(*reset_token(s, base, name), base)

    print_token(account_call(store, server, token, ("POST", f"/{name}/token", None), local), "reset the token of")


@users_app.command("revoke")
def users_revoke(
    name: Annotated[str, typer.Argument(help="Account name.")],
    store: StoreOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Revoke an account: its token stops working at once; the account stays in the audit trail."""
    account_call(store, server, token, ("POST", f"/{name}/revoke", None), lambda s, base: revoke_account(s, base, name))
    typer.echo(f"revoked account {name}")


@users_app.command("list")
def users_list(store: StoreOption = None, server: ServerOption = None, token: TokenOption = None) -> None:
    """List the accounts (never their tokens)."""

    def local(s: GraphStore, base: str) -> dict[str, Any]:
        return {"accounts": [a.to_dict(base) for a in list_accounts(s, base)]}

    answer = account_call(store, server, token, ("GET", "", None), local, read_only=True)
    keys = ("name", "role", "organisation", "subsector", "created", "revoked")
    table = Table("name", "role", "organisation", "sub-sector", "created", "revoked", title="Accounts")
    for row in answer["accounts"]:
        table.add_row(*(str(row[k] or "—") for k in keys))
    out.print(table)
