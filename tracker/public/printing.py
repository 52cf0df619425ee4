"""
A page as PDF, by WeasyPrint: the page's own HTML with the site's stylesheet for print (its `@media
print` rules), set in the DejaVu fonts shipped in fonts/ (cards.py draws with them too).

Nothing is fetched from the network while a PDF is made: the stylesheet is read from the static files
and the fonts from fonts/; any other address (an image on another site, a font from a CDN) is
refused and left out. A page that named one would print without it rather than make a request.
"""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .cards import FONTS

FONT_FACES = f"""
@font-face {{ font-family: "DejaVu Sans"; src: url("{(FONTS / "DejaVuSans.ttf").as_uri()}"); }}
@font-face {{
  font-family: "DejaVu Sans"; font-weight: bold; src: url("{(FONTS / "DejaVuSans-Bold.ttf").as_uri()}");
}}
html, body, button, input {{ font-family: "DejaVu Sans", sans-serif; }}
"""


class LocalOnly(URLFetcher):
    """Fetch the site's static files and the shipped fonts from disk; refuse every other address."""

    def fetch(self, url, headers=None):
        path = self.local_path(url)
        if path is None:
            raise ValueError(f"Not fetched while printing (no network access): {url}")
        media_type, _encoding = mimetypes.guess_type(path.name)
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": media_type or ""})

    @staticmethod
    def local_path(url: str) -> Path | None:
        """Return the file on disk `url` stands for, None for anything not the site's own."""
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            return path if path.parent == FONTS and path.is_file() else None
        site = urlsplit(settings.SITE_URL)
        if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
            return None
        static = urlsplit(settings.STATIC_URL).path
        static = static if static.startswith("/") else f"/{static}"
        if not parts.path.startswith(static):
            return None
        name = unquote(parts.path[len(static) :])
        if ".." in Path(name).parts:
            return None
        if staticfiles_storage.exists(name):  # collected (production)
            return Path(staticfiles_storage.path(name))
        found = finders.find(name)  # in the apps' static folders (development, tests)
        return Path(found) if found else None


def to_pdf(html: str) -> bytes:
    """Return `html`, a page of the site, as a PDF laid out by its print stylesheet."""
    fonts = FontConfiguration()
    fetcher = LocalOnly()
    document = HTML(string=html, base_url=settings.SITE_URL, url_fetcher=fetcher, media_type="print")
    faces = CSS(string=FONT_FACES, font_config=fonts, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[faces], font_config=fonts)
