"""
Finding a quoted passage in its source document, word for word.

A citation's quote must appear in the document's text once whitespace, typographic quotes and the
official summary's Markdown emphasis (`**bold**`, `*italics*`) are set aside: what a reader copies
from a page is what we compare. The documents live in fixtures/sources/, so that a clone checks its
own quotes.
"""

import functools
import re
from pathlib import Path

from django.conf import settings

SOURCES_DIRECTORY = settings.BASE_DIR / "fixtures" / "sources"

_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "’": "'", "‘": "'"})
_SPACE = re.compile(r"\s+")
# A space beside a quotation mark is typography, not a word: « Dialogue » and "Dialogue" read the same.
_SPACE_BY_QUOTE = re.compile(r'(?<=") | (?=")')


def tidied(quote: str) -> str:
    """Return a quote as it is stored and shown: without emphasis markers, its whitespace collapsed."""
    return _SPACE.sub(" ", quote.replace("*", "")).strip()


def normalise(text: str) -> str:
    """Return `text` tidied, with straight quotes and no space beside them: what quotes are compared as."""
    return _SPACE_BY_QUOTE.sub("", tidied(text).translate(_QUOTES))


@functools.lru_cache(maxsize=8)
def document_text(file: str, directory: Path = SOURCES_DIRECTORY) -> str:
    """Return the normalised text of a source document (`file` is its name in fixtures/sources/)."""
    return normalise((Path(directory) / file).read_text(encoding="utf-8"))


def position_in(quote: str, file: str, directory: Path = SOURCES_DIRECTORY) -> int | None:
    """Return where `quote` starts in the normalised document, or None when it is not there word for word."""
    wanted = normalise(quote)
    at = document_text(file, directory).find(wanted) if wanted else -1
    return at if at >= 0 else None
