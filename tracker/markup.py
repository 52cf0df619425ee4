"""
Progress updates are written in Markdown by people outside the project; they reach a page only as
HTML that nh3 has cleaned: no scripts, no event handlers, no styles, links to http(s) only.

The Markdown is read by markdown-it-py (CommonMark), whose parser works in time linear in the text
and in how deep it lets elements nest. Python-Markdown, used before, took some 11 seconds on ten
thousand "[" and raised RecursionError on a list nested 500 deep, which took every page showing the
text down with it (docs/security.md).
"""

import functools

import nh3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from markdown_it import MarkdownIt

from .fields import LONG_TEXT

# What a report needs: paragraphs, emphasis, lists, quotes, code and links. Headings are left out so
# that an update cannot break the page's outline; their text is kept.
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a"}

# One parser for every thread: markdown-it keeps a text's state in the call, not in the parser.
# It stops reading a text where blocks or inline elements nest MAX_NESTING levels deep (a list item
# in a list is two levels), and what follows is lost: texts are refused at half that depth
# (`validate_markdown`), so that what was accepted is read whole.
MAX_NESTING = 20
_parser = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING, "xhtmlOut": False})

# Texts remembered with their HTML, and the longest one remembered (the longest text a form or the
# API accepts): a few hundred kilobytes a process for reports of usual length; at worst, every text
# at the limit and in characters Python stores on two bytes, some 30 MB (text and HTML).
REMEMBERED_TEXTS = 1024
REMEMBERED_LENGTH = LONG_TEXT


def render_markdown(text: str) -> str:
    """Return the HTML of Markdown `text`, cleaned for a public page."""
    # The HTML depends on the text alone, so each process remembers the texts it converted last, keyed
    # by the text itself: an edited update is a new key, nothing needs invalidating. (The feeds show the
    # same fifty updates at every download; converting them was a third of a feed's time.)
    return _remembered(text) if len(text) <= REMEMBERED_LENGTH else _convert(text)


def _convert(text: str) -> str:
    return nh3.clean(
        _parser.render(text).rstrip("\n"),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https"},
        link_rel="nofollow noopener ugc",
    )


_remembered = functools.lru_cache(maxsize=REMEMBERED_TEXTS)(_convert)


def nesting(text: str) -> int:
    """Return how many levels deep the blocks and inline elements of Markdown `text` nest."""
    deepest = 0
    for token in _parser.parse(text):
        deepest = max(deepest, token.level, *(child.level for child in token.children or ()))
    return deepest


def validate_markdown(text: str) -> None:
    """Refuse Markdown nested too deep to be read whole (see MAX_NESTING)."""
    if nesting(text) > MAX_NESTING // 2:
        raise ValidationError(
            _("This text nests lists, quotes or emphasis too deeply; write it with fewer levels."),
            code="too_deep",
        )
