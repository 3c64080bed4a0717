"""The kinds of value a card field takes, as a table: how a cell becomes RDF and how RDF becomes a cell.

Each kind has a ``parse`` (cell text → RDF term, or :class:`Refused` with a message in en and fr)
and a ``reverse`` (RDF term → cell text, or None when the term is not one this kind writes) and a
``describe`` (what a cell holds, fr and en). The importer, the registry, the reverse codec and the docs
all go through this table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from cnc_graph.card import fields as card
from cnc_graph.iris import XSD

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,63}$")
ORG_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
IRI_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
ISO_DURATION_RE = re.compile(r"^P(?=\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$")
WORD_DURATION_RE = re.compile(
    r"^(\d+)\s*(ans?|années?|years?|mois|months?|semaines?|weeks?|jours?|days?)$", re.IGNORECASE
)
EXCEL_EPOCH = dt.date(1899, 12, 30)

Term = ox.NamedNode | ox.Literal
AnyTerm = ox.NamedNode | ox.BlankNode | ox.Literal


class Refused(ValueError):
    """A cell's text is not a value of its kind; ``en`` and ``fr`` say what to write instead."""

    def __init__(self, en: str, fr: str) -> None:
        super().__init__(en)
        self.en = en
        self.fr = fr


def literal(value: str, datatype: str | None = None, lang: str | None = None) -> ox.Literal:
    """Return a literal with a language tag, an XSD datatype (by local name) or neither."""
    if lang:
        return ox.Literal(value, language=lang)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))
    return ox.Literal(value)


def parse_date(text: str) -> str | None:
    """Return an ISO date from YYYY-MM-DD, DD/MM/YYYY or an Excel serial number, else None."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text).isoformat()
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
            return dt.date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        if re.fullmatch(r"\d{5}", text):
            return (EXCEL_EPOCH + dt.timedelta(days=int(text))).isoformat()
    except ValueError:
        return None
    return None


def parse_duration(text: str) -> str | None:
    """Return an xsd:duration from ISO 8601 (P2Y) or words (« 2 ans », « 6 mois »), else None."""
    text = text.strip()
    if ISO_DURATION_RE.fullmatch(text.upper()):
        return text.upper()
    if m := WORD_DURATION_RE.fullmatch(text):
        n, unit = m[1], m[2].lower()
        if unit.startswith(("an", "ann", "year")):
            return f"P{n}Y"
        if unit.startswith(("mois", "month")):
            return f"P{n}M"
        if unit.startswith(("sem", "week")):
            return f"P{n}W"
        return f"P{n}D"
    return None


# --- parse: (text, base IRI, field) → term; raise Refused ------------------------------------------


def _text(text: str, base: str, f: card.CardField) -> Term:
    return literal(text, lang=f.lang)


def _code(text: str, base: str, f: card.CardField) -> Term:
    if not CODE_RE.fullmatch(text):
        raise Refused(
            f"« {text} » is not a valid code: use capital letters, digits and dashes (e.g. OFPPT-TS-DD)",
            f"« {text} » n'est pas un code valide : lettres majuscules, chiffres et tirets (ex. OFPPT-TS-DD)",
        )
    return literal(text)


def _level(text: str, base: str, f: card.CardField) -> Term:
    if not (text.isascii() and text.isdigit() and int(text) in card.CNC_LEVELS):
        raise Refused(
            f"« {text} » is not a CNC level (a whole number from 1 to 8)",
            f"« {text} » n'est pas un niveau CNC (1 à 8)",
        )
    return ox.NamedNode(f"{base}framework/cnc/level/{int(text)}")


def _subsector(text: str, base: str, f: card.CardField) -> Term:
    key = card.subsector_key(text)
    if key is None:
        known = ", ".join(card.SUBSECTORS)
        raise Refused(
            f"« {text} » is not a sub-sector; use one of {known}",
            f"« {text} » n'est pas un sous-secteur ; utilisez {known}",
        )
    return ox.NamedNode(f"{base}subsector/{key}")


def _organisation(text: str, base: str, f: card.CardField) -> Term:
    if not ORG_ID_RE.fullmatch(text):
        raise Refused(
            f"« {text} » is not an organisation id (see organisations.csv)",
            f"« {text} » n'est pas un identifiant d'organisme (voir organisations.csv)",
        )
    return ox.NamedNode(f"{base}organisation/{text}")


def _region(text: str, base: str, f: card.CardField) -> Term:
    if not ORG_ID_RE.fullmatch(text):
        raise Refused(
            f"« {text} » is not a region key (e.g. casablanca-settat)",
            f"« {text} » n'est pas une clé de région (ex. casablanca-settat)",
        )
    return ox.NamedNode(f"{base}region/{text}")


def _isced_f(text: str, base: str, f: card.CardField) -> Term:
    if not re.fullmatch(r"\d{2,4}", text):
        raise Refused(
            f"« {text} » is not an ISCED-F 2013 code (2 to 4 digits, e.g. 0613)",
            f"« {text} » n'est pas un code CITE-F 2013 (2 à 4 chiffres, ex. 0613)",
        )
    return ox.NamedNode(card.ISCED_F + text)


def _date(text: str, base: str, f: card.CardField) -> Term:
    iso = parse_date(text)
    if iso is None:
        raise Refused(
            f"« {text} » is not a date: write YYYY-MM-DD (e.g. 2004-06-07) or DD/MM/YYYY",
            f"« {text} » n'est pas une date : écrivez AAAA-MM-JJ (ex. 2004-06-07) ou JJ/MM/AAAA",
        )
    return literal(iso, "date")


def _duration(text: str, base: str, f: card.CardField) -> Term:
    iso = parse_duration(text)
    if iso is None:
        raise Refused(
            f"« {text} » is not a duration: write P2Y, P6M, « 2 ans » or « 6 mois »",
            f"« {text} » n'est pas une durée : écrivez P2Y, P6M, « 2 ans » ou « 6 mois »",
        )
    return literal(iso, "duration")


def _decimal(text: str, base: str, f: card.CardField) -> Term:
    try:
        number: Decimal | None = Decimal(text.replace(",", "."))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0:
        raise Refused(f"« {text} » is not a positive number", f"« {text} » n'est pas un nombre positif")
    return literal(str(number), "decimal")


def _integer(text: str, base: str, f: card.CardField) -> Term:
    if not (text.isascii() and text.isdigit()):
        raise Refused(f"« {text} » is not a whole number of hours", f"« {text} » n'est pas un nombre entier d'heures")
    return literal(str(int(text)), "integer")


def _acquisition_mode(text: str, base: str, f: card.CardField) -> Term:
    if text not in card.ACQUISITION_MODES:
        known = ", ".join(card.ACQUISITION_MODES)
        raise Refused(
            f"« {text} » is not a way to acquire; use {known}",
            f"« {text} » n'est pas un mode d'acquisition ; utilisez {known}",
        )
    return ox.NamedNode(f"{base}vocab/acquisition-mode/{text}")


def _status(text: str, base: str, f: card.CardField) -> Term:
    if text not in card.QUALIFICATION_STATUSES:
        raise Refused(
            f"« {text} » is not a status; use active or archived",
            f"« {text} » n'est pas un statut ; utilisez active ou archived",
        )
    return ox.NamedNode(f"{base}vocab/qualification-status/{text}")


def _language(text: str, base: str, f: card.CardField) -> Term:
    if text not in card.LANGUAGE_CODES:
        raise Refused(
            f"« {text} » is not a language code; use {', '.join(card.LANGUAGE_CODES)}",
            f"« {text} » n'est pas un code de langue ; utilisez {', '.join(card.LANGUAGE_CODES)}",
        )
    return literal(text)


def _esco(prefix: str) -> Callable[[str, str, card.CardField], Term]:
    def parse(text: str, base: str, f: card.CardField) -> Term:
        if not (text.startswith(prefix) and IRI_RE.fullmatch(text)):
            raise Refused(
                f"« {text} » is not an ESCO IRI starting with {prefix}",
                f"« {text} » n'est pas une IRI ESCO commençant par {prefix}",
            )
        return ox.NamedNode(text)

    return parse


def _web_address(text: str, base: str, f: card.CardField) -> Term:
    if not IRI_RE.fullmatch(text):
        raise Refused(
            f"« {text} » is not a web address (http:// or https://, no spaces)",
            f"« {text} » n'est pas une adresse web (http:// ou https://, sans espaces)",
        )
    return ox.NamedNode(text)


# --- reverse: (term, base IRI) → cell text, or None ------------------------------------------------


def _value(term: AnyTerm, base: str) -> str | None:
    return None if isinstance(term, ox.BlankNode) else term.value


def _under(segment: str) -> Callable[[AnyTerm, str], str | None]:
    """Return a reverse that keeps the key of an IRI under ``base + segment`` (None for anything else)."""

    def reverse(term: AnyTerm, base: str) -> str | None:
        if not isinstance(term, ox.NamedNode):
            return None
        prefix = base + segment
        return term.value.removeprefix(prefix) if term.value.startswith(prefix) else None

    return reverse


def _nested_under(segment: str) -> Callable[[AnyTerm, str], str | None]:
    """Return the reverse of a value on a nested node: the IRI's key, or the text of anything else."""

    def reverse(term: AnyTerm, base: str) -> str | None:
        return term.value.removeprefix(base + segment) if isinstance(term, ox.NamedNode) else term.value

    return reverse


def _isced_f_reverse(term: AnyTerm, base: str) -> str | None:
    return term.value.removeprefix(card.ISCED_F) if isinstance(term, ox.NamedNode) else None


# describe: what a cell of each kind holds, in French and English (the docs add the allowed values).
_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "code": (
        "lettres majuscules, chiffres et tirets, unique dans le registre",
        "upper-case letters, digits and dashes, unique in the register",
    ),
    "text": ("texte libre", "free text"),
    "subsector": ("une clé de sous-secteur", "a sub-sector key"),
    "level": ("un nombre entier de 1 à 8", "a whole number from 1 to 8"),
    "organisation": (
        "identifiant d'un organisme de organisations.csv (minuscules, chiffres, tirets)",
        "identifier of an organisation in organisations.csv (lower-case letters, digits, dashes)",
    ),
    "isced-f": ("code CITE-F 2013 de 2 à 4 chiffres", "ISCED-F 2013 code of 2 to 4 digits"),
    "outcomes": ("un énoncé d'acquis par valeur", "one learning-outcome statement per value"),
    "duration": (
        "durée ISO 8601 (P2Y, P6M, P1Y6M, P3W, P10D) ou en mots (« 2 ans », « 6 mois », « 3 semaines », « 10 jours »)",
        'ISO 8601 duration (P2Y, P6M, P1Y6M, P3W, P10D) or words ("2 years", "6 months", "3 weeks", "10 days")',
    ),
    "decimal": (
        "nombre positif ou nul, virgule ou point décimal (60,5 ou 60.5)",
        "number, zero or more, decimal comma or point (60,5 or 60.5)",
    ),
    "integer": ("nombre entier positif ou nul", "whole number, zero or more"),
    "date": (
        "date AAAA-MM-JJ, JJ/MM/AAAA ou cellule date d'Excel",
        "date as YYYY-MM-DD, DD/MM/YYYY or an Excel date cell",
    ),
    "accreditation-body": (
        "identifiant de l'organisme d'assurance qualité dans organisations.csv",
        "identifier of the quality-assurance body in organisations.csv",
    ),
    "accreditation-date": (
        "date AAAA-MM-JJ, JJ/MM/AAAA ou cellule date d'Excel",
        "date as YYYY-MM-DD, DD/MM/YYYY or an Excel date cell",
    ),
    "acquisition-mode": ("un mode d'acquisition", "a way to acquire"),
    "providers": (
        "identifiants d'organismes de organisations.csv (établissements prestataires)",
        "identifiers of organisations in organisations.csv (providers)",
    ),
    "regions": ("clés de régions du Maroc", "keys of Moroccan regions"),
    "esco-occupation": (
        "adresse d'un métier ESCO, http://data.europa.eu/esco/occupation/…",
        "address of an ESCO occupation, http://data.europa.eu/esco/occupation/…",
    ),
    "esco-skill": (
        "adresse d'une compétence ESCO, http://data.europa.eu/esco/skill/…",
        "address of an ESCO skill, http://data.europa.eu/esco/skill/…",
    ),
    "language": ("code de langue ISO 639-1", "ISO 639-1 language code"),
    "iri": (
        "adresse web complète (http:// ou https://, sans espaces)",
        "full web address (http:// or https://, no spaces)",
    ),
    "status": ("statut de la certification", "status of the qualification"),
}


@dataclass(frozen=True)
class Kind:
    """One kind of card value: ``parse`` a cell into an RDF term, ``reverse`` a term into a cell, ``describe`` it."""

    parse: Callable[[str, str, card.CardField], Term]
    reverse: Callable[[AnyTerm, str], str | None]
    # (fr, en): what a cell of this kind holds, for the docs and the template's guide.
    describe: tuple[str, str] = ("", "")
    # Free text, seldom repeated: the importer writes it straight as a literal and never caches it.
    free_text: bool = False


_CODECS: dict[str, Kind] = {
    "text": Kind(_text, _value, free_text=True),
    "outcomes": Kind(_text, _value, free_text=True),
    "code": Kind(_code, _value, free_text=True),
    "level": Kind(_level, _under("framework/cnc/level/")),
    "subsector": Kind(_subsector, _under("subsector/")),
    "organisation": Kind(_organisation, _under("organisation/")),
    "accreditation-body": Kind(_organisation, _nested_under("organisation/")),
    "providers": Kind(_organisation, _nested_under("organisation/")),
    "regions": Kind(_region, _nested_under("region/")),
    "isced-f": Kind(_isced_f, _isced_f_reverse),
    "date": Kind(_date, _value),
    "accreditation-date": Kind(_date, _value),
    "duration": Kind(_duration, _value),
    "decimal": Kind(_decimal, _value),
    "integer": Kind(_integer, _value),
    "acquisition-mode": Kind(_acquisition_mode, _under("vocab/acquisition-mode/")),
    "status": Kind(_status, _under("vocab/qualification-status/")),
    "language": Kind(_language, _value),
    "esco-occupation": Kind(_esco(card.ESCO_OCCUPATION), _value),
    "esco-skill": Kind(_esco(card.ESCO_SKILL), _value),
    "iri": Kind(_web_address, _value),
}


KINDS: dict[str, Kind] = {name: replace(kind, describe=_DESCRIPTIONS[name]) for name, kind in _CODECS.items()}


def parse_cell(f: card.CardField, text: str, base: str) -> Term:
    """Return the RDF term of one value of field ``f``; raise :class:`Refused` when it is not valid."""
    return KINDS[f.kind].parse(text, base, f)


def cell_text(f: card.CardField, term: AnyTerm, base: str) -> str | None:
    """Return the cell text field ``f`` gives for ``term``, or None when the term is not one it writes."""
    return KINDS[f.kind].reverse(term, base)


def describe_kind(kind: str) -> tuple[str, str]:
    """Return what a cell of ``kind`` holds, as (French, English) text."""
    return KINDS[kind].describe
