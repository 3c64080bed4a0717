"""Values worded for a reader in a language: ISO 8601 durations ("P2Y" → "2 ans"), dates ("2004-06-07" →
"7 juin 2004", with the month names used in Morocco in Arabic), confidences as percentages. A value that is not
in the expected form is shown as it is.
"""

from __future__ import annotations

import re

from api.i18n import counted, message

DURATION = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?)?")
DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
UNITS = ("years", "months", "weeks", "days", "hours")


def duration_text(value: str, lang: str) -> str:
    """Return an ISO 8601 duration in words ("P1Y6M" → "1 an et 6 mois"), or ``value`` if it is not one."""
    found = DURATION.fullmatch(value.strip())
    if not found or not any(found.groups()):
        return value
    parts = [counted(f"duration.{unit}", int(n), lang).text for unit, n in zip(UNITS, found.groups(), strict=True) if n]
    return message("duration.and", lang).text.join(parts)


def date_text(value: str, lang: str) -> str:
    """Return an ISO date in words ("2004-06-07" → "7 juin 2004"), or ``value`` if it is not one."""
    found = DATE.fullmatch(value.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        return value
    year, month, day = found.groups()
    name = message(f"months.{int(month)}", lang).text
    return message("date", lang, {"day": int(day), "month": name, "year": year}).text


def percent(value: object) -> str:
    """Return a confidence between 0 and 1 as a percentage ("0.4" → "40 %"), or the value as text."""
    try:
        return f"{round(float(str(value)) * 100):d} %"
    except ValueError:
        return str(value)


def size_text(n_bytes: int, lang: str) -> str:
    """Return a file size in the units and decimal mark of ``lang`` ("1,4 Mo", "1.4 MB", "1.4 ميغابايت")."""
    for unit, scale in (("gb", 1e9), ("mb", 1e6), ("kb", 1e3)):
        if n_bytes >= scale:
            number = f"{n_bytes / scale:.1f}"
            if lang == "fr":
                number = number.replace(".", ",")
            return message(f"size.{unit}", lang, {"n": number}).text
    return counted("size.bytes", n_bytes, lang).text
