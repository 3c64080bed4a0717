"""Accounts of the registration workflow: users, their role, organisation and sub-sector, and bearer tokens.

Accounts live with the store, in the private graph ``graph/private/accounts`` (a copy of the store
carries them; no public surface ever sees it). A token is shown once, when it is made, and kept only
as its SHA-256 hash: whoever reads the store cannot act as a user. Every change to an account (created,
revoked, token reset) is a PROV-O activity in ``graph/private/audit/accounts``, with the admin who made it
(none: from the command line).

Roles:

- ``applicant``: bound to one organisation and one sub-sector; prepares and submits its organisation's cards;
- ``reviewer``: a member of the Permanent Commission (CP CNC); reviews submitted cards;
- ``admin``: the CP secretariat; may do what the others do, and publishes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.errors import Conflict, InputError, Location, NotFound
from cnc_graph.iris import FOAF, ORG, PROV, RDF, XSD, graph_iri
from cnc_graph.rdf.query_files import load_query, select, value
from cnc_graph.store.protocol import GraphStore

# Terms of the workflow's own bookkeeping, only ever written to private graphs.
REG = "https://w3id.org/cnc-ma/ontology/registry#"

ROLES = ("applicant", "reviewer", "admin")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
ORG_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class Account:
    """One user of the registration workflow (never carries its token)."""

    iri: str
    name: str
    role: str
    organisation: str | None = None
    subsector: str | None = None
    created: str | None = None
    revoked: str | None = None

    @property
    def active(self) -> bool:
        """Return whether the account may still act (not revoked)."""
        return self.revoked is None

    def to_dict(self, base_iri: str) -> dict[str, object]:
        """Return the account as plain JSON-ready data (no token, no hash)."""
        return {
            "name": self.name,
            "role": self.role,
            "organisation": self.organisation.removeprefix(base_iri + "organisation/") if self.organisation else None,
            "subsector": self.subsector,
            "created": self.created,
            "revoked": self.revoked,
        }


def text_of(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """Return the lexical value of an RDF term (the N-Triples text of a quoted triple)."""
    return str(term) if isinstance(term, ox.Triple) else term.value


def accounts_graph(base_iri: str) -> str:
    """Return the IRI of the private graph holding the accounts."""
    return graph_iri(base_iri, "private/accounts")


def accounts_audit_graph(base_iri: str) -> str:
    """Return the private graph of the account changes."""
    return graph_iri(base_iri, "private/audit/accounts")


CREATED, REVOKED, TOKEN_RESET = "account-created", "account-revoked", "token-reset"


def _audit(account: str, action: str, by: Account | None, when: ox.Literal) -> list[ox.Triple]:
    """Return the PROV-O activity of one account change made by ``by`` (None: from the command line)."""
    act = ox.NamedNode(f"{account}/activity/{uuid.uuid4().hex[:12]}")
    triples = [
        ox.Triple(act, ox.NamedNode(RDF + "type"), ox.NamedNode(PROV + "Activity")),
        ox.Triple(act, ox.NamedNode(REG + "action"), ox.Literal(action)),
        ox.Triple(act, ox.NamedNode(PROV + "used"), ox.NamedNode(account)),
        ox.Triple(act, ox.NamedNode(PROV + "endedAtTime"), when),
    ]
    if by is not None:
        triples.append(ox.Triple(act, ox.NamedNode(PROV + "wasAssociatedWith"), ox.NamedNode(by.iri)))
    else:
        triples.append(ox.Triple(act, ox.NamedNode(REG + "via"), ox.Literal("command line")))
    return triples


def account_history(store: GraphStore, base_iri: str, name: str) -> list[dict[str, str | None]]:
    """Return the changes of the account called ``name``, oldest first: action, time, by (an account name)."""
    rows = select(
        store,
        "account_history",
        public_only=False,
        g=ox.NamedNode(accounts_audit_graph(base_iri)),
        account=ox.NamedNode(account_iri(base_iri, name)),
    )
    prefix = account_iri(base_iri, "")
    return [
        {
            "action": value(row["action"]),
            "time": value(row["time"]),
            "by": (value(row["agent"]) or "").removeprefix(prefix) or None,
            "via": value(row["via"]),
        }
        for row in rows
    ]


def account_iri(base_iri: str, name: str) -> str:
    """Return the IRI of the account called ``name``."""
    return f"{base_iri}account/{name}"


def token_hash(token: str) -> str:
    """Return the hex SHA-256 of a token: what the store keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """Return a fresh bearer token (32 random bytes, URL-safe)."""
    return secrets.token_urlsafe(32)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _account(row: dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | None]) -> Account:
    return Account(
        iri=str(value(row["account"])),
        name=str(value(row["name"])),
        role=str(value(row["role"])),
        organisation=value(row["organisation"]),
        subsector=value(row["subsector"]),
        created=value(row["created"]),
        revoked=value(row["revoked"]),
    )


def list_accounts(store: GraphStore, base_iri: str) -> list[Account]:
    """Return every account, revoked ones included, by name."""
    rows = select(store, "accounts", public_only=False, g=ox.NamedNode(accounts_graph(base_iri)))
    return [_account(row) for row in rows]


def find_account(store: GraphStore, base_iri: str, name: str) -> Account | None:
    """Return the account called ``name`` (revoked or not), or None."""
    for account in list_accounts(store, base_iri):
        if account.name == name:
            return account
    return None


def account_for_token(store: GraphStore, base_iri: str, token: str) -> Account | None:
    """Return the live account a bearer token belongs to, or None (unknown or revoked token)."""
    if not token or len(token) > 200:
        return None
    rows = select(
        store,
        "account_by_token",
        public_only=False,
        g=ox.NamedNode(accounts_graph(base_iri)),
        hash=ox.Literal(token_hash(token)),
    )
    return _account(rows[0]) if len(rows) == 1 else None


def live_account(store: GraphStore, base_iri: str, name: str) -> tuple[Account, str] | None:
    """Return the live account called ``name`` with its token's hash, or None (unknown or revoked)."""
    if not NAME_RE.match(name):
        return None
    rows = select(
        store,
        "account_session",
        public_only=False,
        g=ox.NamedNode(accounts_graph(base_iri)),
        account_name=ox.Literal(name),
    )
    return (_account(rows[0]), str(value(rows[0]["hash"]))) if len(rows) == 1 else None


def organisation_iri(base_iri: str, text: str) -> str:
    """Return the organisation IRI an option names: a full IRI, or an id as in organisations.csv."""
    text = text.strip()
    if text.startswith(("http://", "https://")):
        return text
    if not ORG_ID_RE.fullmatch(text):
        raise InputError(
            f"« {text} » is not an organisation id or IRI (e.g. ofppt)",
            Location(),
            f"« {text} » n'est pas un identifiant ou une IRI d'organisme (ex. ofppt)",
        )
    return f"{base_iri}organisation/{text}"


def organisation_facts(store: GraphStore, organisation: str) -> dict[str, set[str]] | None:
    """Return an organisation's roles and sub-sectors from the public register, or None if it is unknown."""
    rows = select(store, "organisation_facts", organisation=ox.NamedNode(organisation))
    if not rows:
        return None
    return {
        "roles": {str(value(r["role"])) for r in rows if r["role"] is not None},
        "subsectors": {str(value(r["subsector"])) for r in rows if r["subsector"] is not None},
    }


def add_account(
    store: GraphStore,
    base_iri: str,
    name: str,
    role: str,
    organisation: str | None = None,
    subsector: str | None = None,
    by: Account | None = None,
) -> tuple[Account, str]:
    """Create an account; return it with its token, which is not kept anywhere and cannot be shown again.

    ``by`` is the admin making it (None: the command line), recorded in the audit trail.
    """
    if not NAME_RE.fullmatch(name):
        raise InputError(
            f"« {name} » is not a valid account name: lower-case letters, digits, '.', '_' and '-'",
            Location(),
            f"« {name} » n'est pas un nom de compte valide : minuscules, chiffres, « . », « _ » et « - »",
        )
    if role not in ROLES:
        raise InputError(f"« {role} » is not a role; use {', '.join(ROLES)}", Location())
    org = organisation_iri(base_iri, organisation) if organisation else None
    key = None
    if subsector:
        key = card.subsector_key(subsector)
        if key is None:
            raise InputError(
                f"« {subsector} » is not a sub-sector; use one of {', '.join(card.SUBSECTORS)}",
                Location(),
                f"« {subsector} » n'est pas un sous-secteur ; utilisez {', '.join(card.SUBSECTORS)}",
            )
    if role == "applicant" and (org is None or key is None):
        raise InputError(
            "an applicant is bound to an organisation and a sub-sector: give --organisation and --subsector",
            Location(),
            "un demandeur est rattaché à un organisme et à un sous-secteur : indiquez --organisation et --subsector",
        )
    if org is not None and organisation_facts(store, org) is None:
        raise InputError(
            f"unknown organisation « {organisation} »: it must be in the register "
            "(data/inventory/organisations.csv; run `cnc-graph build` first)",
            Location(),
            f"organisme inconnu « {organisation} » : il doit figurer au registre (data/inventory/organisations.csv)",
        )
    graph = accounts_graph(base_iri)
    existing = _graph_triples(store, graph)
    iri = account_iri(base_iri, name)
    if any(text_of(t.subject) == iri for t in existing):
        raise Conflict(f"an account « {name} » already exists; revoke it or choose another name")
    token = new_token()
    s = ox.NamedNode(iri)
    now = ox.Literal(_now(), datatype=ox.NamedNode(XSD + "dateTime"))
    triples = [
        ox.Triple(s, ox.NamedNode(RDF + "type"), ox.NamedNode(PROV + "Agent")),
        ox.Triple(s, ox.NamedNode(RDF + "type"), ox.NamedNode(FOAF + "OnlineAccount")),
        ox.Triple(s, ox.NamedNode(FOAF + "accountName"), ox.Literal(name)),
        ox.Triple(s, ox.NamedNode(REG + "role"), ox.Literal(role)),
        ox.Triple(s, ox.NamedNode(REG + "tokenHash"), ox.Literal(token_hash(token))),
        ox.Triple(s, ox.NamedNode(REG + "created"), now),
    ]
    if org:
        triples.append(ox.Triple(s, ox.NamedNode(ORG + "memberOf"), ox.NamedNode(org)))
    if key:
        triples.append(ox.Triple(s, ox.NamedNode(REG + "subSector"), ox.Literal(key)))
    with store.transaction() as tx:
        tx.replace_graph(graph, [*existing, *triples])
        tx.add(accounts_audit_graph(base_iri), _audit(iri, CREATED, by, now))
    account = find_account(store, base_iri, name)
    assert account is not None
    return account, token


def revoke_account(store: GraphStore, base_iri: str, name: str, by: Account | None = None) -> Account:
    """Revoke an account: its token hash is deleted and the account marked revoked (kept for the audit trail)."""
    now = ox.Literal(_now(), datatype=ox.NamedNode(XSD + "dateTime"))
    iri = _rewrite(store, base_iri, name, [(REG + "revoked", now)], REVOKED, by, now)
    account = find_account(store, base_iri, name)
    assert account is not None and account.iri == iri
    return account


def reset_token(store: GraphStore, base_iri: str, name: str, by: Account | None = None) -> tuple[Account, str]:
    """Give a live account a new token (the old one stops working at once); return it, shown this once."""
    current = find_account(store, base_iri, name)
    if current is not None and not current.active:
        raise Conflict(f"account « {name} » is revoked: create a new account instead of resetting its token")
    token = new_token()
    now = ox.Literal(_now(), datatype=ox.NamedNode(XSD + "dateTime"))
    _rewrite(store, base_iri, name, [(REG + "tokenHash", ox.Literal(token_hash(token)))], TOKEN_RESET, by, now)
    account = find_account(store, base_iri, name)
    assert account is not None
    return account, token


def _rewrite(
    store: GraphStore,
    base_iri: str,
    name: str,
    values: list[tuple[str, ox.Literal]],
    action: str,
    by: Account | None,
    now: ox.Literal,
) -> str:
    """Drop the account's token hash and revocation, add ``values``, record ``action``: one transaction."""
    graph = accounts_graph(base_iri)
    existing = _graph_triples(store, graph)
    iri = account_iri(base_iri, name)
    if not any(text_of(t.subject) == iri for t in existing):
        raise NotFound(f"no account « {name} »")
    dropped = {REG + "tokenHash", REG + "revoked"}
    kept = [t for t in existing if not (text_of(t.subject) == iri and t.predicate.value in dropped)]
    kept += [ox.Triple(ox.NamedNode(iri), ox.NamedNode(p), o) for p, o in values]
    with store.transaction() as tx:
        tx.replace_graph(graph, kept)
        tx.add(accounts_audit_graph(base_iri), _audit(iri, action, by, now))
    return iri


def _graph_triples(store: GraphStore, graph: str) -> list[ox.Triple]:
    result = store.query(load_query("private_graph_triples"), bindings={"g": ox.NamedNode(graph)}, public_only=False)
    return list(result)  # type: ignore[arg-type]
