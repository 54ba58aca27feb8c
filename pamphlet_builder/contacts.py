"""The contacts registry (`pamphlets/contacts.yaml`): load and validate.

Every number and link a material prints comes from here. Phone numbers are
parsed with `phonenumbers`, printed in the national format and dialed as
`tel:+1...`; short codes such as 988 and 911 are checked as short numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
from phonenumbers import shortnumberinfo

from .errors import BuildError, ContentError
from .yamlfile import LineDict, load_yaml, require_mapping

REGION = "US"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DATE_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
FIELDS = {"name", "does", "phone", "text", "url", "hours", "where", "source", "verified", "note"}
REQUIRED = ("name", "does", "source")


@dataclass(frozen=True)
class Phone:
    """A validated phone number: how it prints and what a QR code dials."""

    display: str   # 1-800-484-3731, or 988
    tel_uri: str   # tel:+18004843731, or tel:988


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    does: str
    source: str
    verified: str | None   # a date, or None when not confirmed
    phone: Phone | None = None
    text: Phone | None = None
    url: str | None = None
    hours: str | None = None
    where: str | None = None
    note: str | None = None

    @property
    def url_display(self) -> str | None:
        """The address as people type it: no scheme, no trailing slash."""
        if not self.url:
            return None
        return self.url.removeprefix("https://").removeprefix("www.").rstrip("/")

    @property
    def verified_date(self) -> dt.date | None:
        """The day it was confirmed; a YYYY-MM date is the first of that month."""
        return _date(self.verified) if self.verified else None

    def months_since_verified(self, today: dt.date) -> int | None:
        """Whole calendar months from `verified` to `today` (Nov to Dec is 1)."""
        day = self.verified_date
        return None if day is None else (today.year - day.year) * 12 + today.month - day.month

    def has(self, field: str) -> bool:
        """Whether the entry can print this field (`confirmed` always can:
        an unconfirmed entry prints as unverified, on proofs only)."""
        return field == "confirmed" or getattr(self, field) is not None


def parse_phone(raw: str) -> Phone:
    """A Phone for a US number or short code; ValueError says what is wrong.
    Only digits: a vanity number (1-800-FLOWERS) or an extension cannot be
    dialed from a QR code the way it is printed."""
    if re.search(r"[^\d\s().+-]", raw):
        raise ValueError(f"'{raw}' has letters or other characters: write only the digits as "
                         "dialed (no vanity letters, no extension)")
    digits = re.sub(r"[\s().-]", "", raw)
    if digits.isdigit() and len(digits) <= 6:
        short = phonenumbers.parse(digits, REGION)
        if not shortnumberinfo.is_valid_short_number(short):
            raise ValueError(f"'{raw}' is not a valid short number in the US")
        return Phone(display=digits, tel_uri=f"tel:{digits}")
    try:
        number = phonenumbers.parse(raw, REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"'{raw}' is not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"'{raw}' is not a valid phone number")
    if number.country_code != 1 or number.extension:
        raise ValueError(f"'{raw}' is not a US number people can dial as printed")
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    # US style people expect on a card: 1-800-484-3731, not (800) 484-3731.
    if number.country_code == 1:
        national = "1-" + re.sub(r"\D", "-", national.replace("(", "").replace(") ", "-"))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(display=national, tel_uri=f"tel:{e164}")


def load_contacts(path: Path) -> tuple[dict[str, Contact], list[BuildError]]:
    """All valid contacts, and every problem found (each with its line)."""
    try:
        data = require_mapping(load_yaml(path), path, "the file")
        entries = require_mapping(data.get("contacts"), path, "`contacts`", data.line("contacts"))
    except ContentError as exc:
        return {}, [exc]
    contacts: dict[str, Contact] = {}
    errors: list[BuildError] = []
    for cid, entry in entries.items():
        line = entries.line(cid)
        try:
            contacts[cid] = _contact(str(cid), entry, path, line)
        except ContentError as exc:
            errors.append(exc)
    return contacts, errors


def _contact(cid: str, entry: object, path: Path, line: int | None) -> Contact:
    if not ID_RE.match(cid):
        raise ContentError(f"contact id '{cid}' must be lowercase letters, digits and dashes",
                           path, line)
    entry = require_mapping(entry, path, f"contact '{cid}'", line)
    where = f"contact '{cid}'"
    for key in entry:
        if key not in FIELDS:
            raise ContentError(f"{where}: unknown field '{key}'", path, entry.line(key),
                               hint=f"known fields: {', '.join(sorted(FIELDS))}")
    for key in REQUIRED:
        if not _str(entry.get(key)):
            raise ContentError(f"{where}: `{key}` is required", path, line,
                               hint="every contact needs a name, what it does and a source")
    if "verified" not in entry:
        raise ContentError(f"{where}: `verified` is required (a date, or null if not confirmed)",
                           path, line)
    return Contact(
        id=cid, name=_str(entry["name"]), does=_str(entry["does"]),
        source=_str(entry["source"]), verified=_verified(entry, where, path),
        phone=_phone(entry, "phone", where, path), text=_phone(entry, "text", where, path),
        url=_url(entry, where, path), hours=_opt(entry, "hours"), where=_opt(entry, "where"),
        note=_opt(entry, "note"),
    )


def _str(value: object) -> str:
    return str(value).strip() if value is not None else ""


def _opt(entry: LineDict, key: str) -> str | None:
    return _str(entry.get(key)) or None


def _phone(entry: LineDict, key: str, where: str, path: Path) -> Phone | None:
    raw = entry.get(key)
    if raw is None:
        return None
    try:
        return parse_phone(str(raw))
    except ValueError as exc:
        raise ContentError(f"{where}: `{key}`: {exc}", path, entry.line(key),
                           hint="write the number as dialed in the US, e.g. \"1-800-555-0100\"") from None


def _url(entry: LineDict, where: str, path: Path) -> str | None:
    url = _opt(entry, "url")
    if url is None:
        return None
    if not re.match(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/\S*)?$", url):
        raise ContentError(f"{where}: `url` '{url}' must be an https:// address",
                           path, entry.line("url"),
                           hint="use the site's https:// address; http and other schemes are refused")
    return url


def _date(text: str) -> dt.date:
    """YYYY-MM-DD, or YYYY-MM as the 1st; ValueError for a day that does not exist."""
    return dt.date.fromisoformat(text if len(text) == 10 else text + "-01")


def _verified(entry: LineDict, where: str, path: Path) -> str | None:
    value = entry.get("verified")
    if value is None:
        return None
    text, line = _str(value), entry.line("verified")
    hint = "write the date it was confirmed, YYYY-MM-DD (or YYYY-MM), or null"
    if not DATE_RE.match(text):
        raise ContentError(f"{where}: `verified` '{text}' is not a date", path, line, hint=hint)
    try:
        day = _date(text)
    except ValueError:   # 2026-02-30: the pattern passes, the calendar does not
        raise ContentError(f"{where}: `verified` '{text}' is not a real date", path, line,
                           hint=hint) from None
    today = dt.date.today()
    # A YYYY-MM counts from the 1st, so the current month is fine.
    if day > today:
        raise ContentError(f"{where}: `verified` '{text}' is in the future (today is {today})",
                           path, line, hint="write the date it was actually confirmed, or null")
    return text
