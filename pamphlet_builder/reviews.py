"""Health content sign-off: who reviewed exactly which English of a material.

A clinician (or another qualified reviewer) records a review with
`python make_pamphlets.py content review MATERIAL --by NAME --role ROLE`.
It is written to `pamphlets/MATERIAL/review.yaml` with a hash of the English
it covers (the title, `en.md`, and the contacts and QR codes each part of
`material.yaml` prints): change any of them, and the material is
unreviewed again until someone reviews the new text. It is never inferred,
and an entry whose hash does not match the text counts for nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ContentError
from .outputs import write_atomic
from .yamlfile import load_yaml, require_mapping

REVIEW_FILE = "review.yaml"
NAME_RE = re.compile(r"^[^\n\r\t,:#{}\[\]]{2,80}$")
HEADER = """\
# Health content reviews of this material, recorded by
#   python make_pamphlets.py content review MATERIAL --by NAME --role ROLE
# Each holds for exactly the English it names (`english`, a hash of the
# title and en.md): edit either and the material is unreviewed until someone
# reviews the new text. Do not edit by hand.
"""


@dataclass(frozen=True)
class ContentReview:
    by: str
    role: str
    date: str            # YYYY-MM-DD
    english: str         # hash of the English reviewed


def english_hash(title: str, text: str, layout: str) -> str:
    """A hash of what a reviewer signs: the title, en.md, and which contacts
    and QR codes each part prints (`layout`, from material.yaml)."""
    data = title.strip() + "\0" + text.replace("\r\n", "\n").strip() + "\0" + layout
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def load_reviews(folder: Path) -> list[ContentReview]:
    """The reviews recorded for a material, oldest first ([] when none)."""
    path = folder / REVIEW_FILE
    if not path.exists():
        return []
    data = require_mapping(load_yaml(path), path, "the file")
    entries = data.get("reviews") or []
    if not isinstance(entries, list):
        raise ContentError("`reviews` must be a list", path, data.line("reviews"))
    reviews = []
    for entry in entries:
        entry = require_mapping(entry, path, "each review", data.line("reviews"))
        fields = {k: str(entry.get(k) or "").strip() for k in ("by", "role", "date", "english")}
        if not all(fields.values()):
            raise ContentError("a review needs `by`, `role`, `date` and `english`", path,
                               entry.start_line, hint="record reviews with `content review`")
        reviews.append(ContentReview(**fields))
    return reviews


def current_review(reviews: list[ContentReview], english: str) -> ContentReview | None:
    """The latest review of exactly this English, if any."""
    matching = [r for r in reviews if r.english == english]
    return matching[-1] if matching else None


def record_review(folder: Path, english: str, by: str, role: str,
                  date: dt.date | None = None) -> ContentReview:
    """Append a review of the material's current English (`english`, its
    hash) to review.yaml."""
    for what, value in (("--by", by), ("--role", role)):
        if not NAME_RE.match(value.strip()):
            raise ContentError(f"{what} '{value}' must be 2 to 80 characters, without commas, "
                               "colons or brackets", hint='e.g. --by "Dr. Ana Lopez" --role prescriber')
    review = ContentReview(by.strip(), role.strip(), (date or dt.date.today()).isoformat(), english)
    reviews = load_reviews(folder) + [review]
    body = yaml.safe_dump({"reviews": [r.__dict__ for r in reviews]}, allow_unicode=True,
                          sort_keys=False)
    write_atomic(folder / REVIEW_FILE, (HEADER + body).encode("utf-8"))
    return review
