"""
Progress updates are written in Markdown by people outside the project; they reach a page only as
HTML that nh3 has cleaned: no scripts, no event handlers, no styles, links to http(s) only.
"""

import functools
import threading

import markdown
import nh3

# What a report needs: paragraphs, emphasis, lists, quotes, code and links. Headings are left out so
# that an update cannot break the page's outline; their text is kept.
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a"}


# Building a Markdown parser costs ten times what converting a short report does: each thread keeps
# one and resets it between texts (a parser holds state while it converts, so threads do not share it).
_local = threading.local()


# Texts remembered with their HTML, and the longest one remembered (the API's limit on an update):
# a few hundred kilobytes a process for reports of usual length; at worst, every text at the limit
# and in characters Python stores on two bytes, some 60 MB (text and HTML).
REMEMBERED_TEXTS = 1024
REMEMBERED_LENGTH = 10_000


def render_markdown(text: str) -> str:
    """Return the HTML of Markdown `text`, cleaned for a public page."""
    # The HTML depends on the text alone, so each process remembers the texts it converted last, keyed
    # by the text itself: an edited update is a new key, nothing needs invalidating. (The feeds show the
    # same fifty updates at every download; converting them was a third of a feed's time.)
    return _remembered(text) if len(text) <= REMEMBERED_LENGTH else _convert(text)


def _convert(text: str) -> str:
    if not hasattr(_local, "parser"):
        _local.parser = markdown.Markdown(output_format="html")
    html = _local.parser.reset().convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https"},
        link_rel="nofollow noopener ugc",
    )


_remembered = functools.lru_cache(maxsize=REMEMBERED_TEXTS)(_convert)
