"""
Progress updates are written in Markdown by people outside the project; they reach a page only as
HTML that nh3 has cleaned: no scripts, no event handlers, no styles, links to http(s) only.
"""

import markdown
import nh3

# What a report needs: paragraphs, emphasis, lists, quotes, code and links. Headings are left out so
# that an update cannot break the page's outline; their text is kept.
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a"}


def render_markdown(text: str) -> str:
    """Return the HTML of Markdown `text`, cleaned for a public page."""
    html = markdown.markdown(text, output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https"},
        link_rel="nofollow noopener ugc",
    )
