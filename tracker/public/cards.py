"""
Social cards: the picture a link to the site shows where it is shared (Open Graph's og:image, and
twitter:card summary_large_image). A commitment's card shows its title, its status in its colour and
its lead owners, in the page's language; every other page shares the site's card, with its tagline.

Drawn by Pillow as a PNG of 1200 × 630 pixels (the size those sites show whole), with the fonts in
fonts/ (README.md there says why), and kept in the cache under a digest of everything drawn: a card is
drawn again only when what it shows changes (or its day in the cache is over), and the digest is its
ETag.
"""

import functools
import hashlib
import io
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from PIL import Image, ImageDraw, ImageFont

from ..choices import Status
from ..dates import today
from ..headers import with_licence
from ..models import Commitment

WIDTH, HEIGHT = 1200, 630
# Part of every card's digest: a change of the drawing below draws every card again.
LAYOUT = 1
# A card is drawn in about 90 ms and weighs about 45 KB. Sites fetch it a few times soon after a link is
# shared, then seldom: a day in the cache serves those without keeping every card of every commitment.
KEEP_SECONDS = 24 * 60 * 60
SITE = "Summit Tracker"  # the name of the site, the same in every language
FONTS = Path(__file__).resolve().parent / "fonts"
# The site's colours (tracker/static/tracker/site.css).
INK, MUTED, ACCENT, PAPER = "#1b1f24", "#4a5360", "#0b5cad", "#ffffff"
MARGIN = 72
TEXT_WIDTH = WIDTH - 2 * MARGIN
# The title's sizes, largest first, with the lines each may take: the largest it fits in whole.
TITLE_SIZES = [(64, 3), (54, 4), (46, 4)]
TITLE_TOP = 170


@require_safe
@cache_control(public=True, max_age=300)
@with_licence
def commitment_card(request, slug):
    commitment = get_object_or_404(Commitment.objects.public().with_roles(today()), slug=slug)
    status = Status(commitment.status)
    leads = ", ".join(owner.display_name for owner in commitment.lead_owners())
    return _card(
        title=commitment.title,
        status=capfirst(str(status.label)),
        colour=status.colour,
        note=_("Led by %(owners)s") % {"owners": leads} if leads else "",
    )


@require_safe
@cache_control(public=True, max_age=300)
def site_card(request):
    return _card(
        title=_(
            "Are the commitments of the Paris AI Action Summit being kept? Deadlines, progress and "
            "evidence, in French and English."
        ),
        colour=ACCENT,
    )


def _card(*, title: str, status: str = "", colour: str = "", note: str = "") -> HttpResponse:
    """Answer the card, from the cache when one with the same content was drawn before."""
    words = [str(LAYOUT), urlsplit(settings.SITE_URL).hostname, title, status, colour, note]
    digest = hashlib.sha256("\n".join(words).encode()).hexdigest()[:32]
    key = f"card:{digest}"
    png = cache.get(key)
    if png is None:
        png = draw(title=title, status=status, colour=colour, note=note)
        cache.set(key, png, KEEP_SECONDS)
    response = HttpResponse(png, content_type="image/png")
    response["ETag"] = f'"{digest}"'  # ConditionalGetMiddleware answers 304 to a client that holds it
    return response


def draw(*, title: str, status: str = "", colour: str = "", note: str = "") -> bytes:
    """Return the card as PNG: the site's name, the title (wrapped, cut when too long), the status."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    canvas = ImageDraw.Draw(image)
    canvas.rectangle((0, 0, WIDTH, 12), fill=ACCENT)
    # The favicon's mark (tracker/static/tracker/favicon.svg) beside the site's name.
    canvas.rounded_rectangle((MARGIN, 56, MARGIN + 56, 112), radius=10, fill=ACCENT)
    canvas.line([(MARGIN + 14, 85), (MARGIN + 24, 95), (MARGIN + 42, 73)], fill=PAPER, width=7, joint="curve")
    canvas.text((MARGIN + 76, 84), SITE, font=_font(40, bold=True), fill=INK, anchor="lm")

    size, lines = _title_lines(title)
    for number, line in enumerate(lines):
        canvas.text((MARGIN, TITLE_TOP + number * size * 1.2), line, font=_font(size, bold=True), fill=INK)

    if status:
        font = _font(38, bold=True)
        right = MARGIN + canvas.textlength(status, font=font) + 2 * 28
        canvas.rounded_rectangle((MARGIN, 462, right, 530), radius=14, fill=colour)
        canvas.text((MARGIN + 28, 496), status, font=font, fill=PAPER, anchor="lm")
        if note:
            font = _font(32)
            room = WIDTH - MARGIN - right - 32
            canvas.text((right + 32, 496), _cut([note], font, room, 1)[0], font=font, fill=MUTED, anchor="lm")
    canvas.text((MARGIN, 586), urlsplit(settings.SITE_URL).hostname, font=_font(28), fill=MUTED, anchor="lm")
    if colour:
        canvas.rectangle((0, HEIGHT - 16, WIDTH, HEIGHT), fill=colour)

    buffer = io.BytesIO()
    image.save(buffer, "PNG")  # `optimize` saves 5% of the bytes for three times the time
    return buffer.getvalue()


@functools.cache
def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"), size)


def _title_lines(title: str) -> tuple[int, list[str]]:
    """Return the title's size and lines: the largest size it fits in whole, else the smallest, cut."""
    for size, most in TITLE_SIZES:
        lines = _wrap(title, _font(size, bold=True), TEXT_WIDTH)
        if len(lines) <= most:
            return size, lines
    return size, _cut(lines, _font(size, bold=True), TEXT_WIDTH, most)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Return `text` in lines no wider than `width`, broken between words (inside a word too long)."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while font.getlength(word) > width:
            fits = next(
                (end for end in range(len(word) - 1, 1, -1) if font.getlength(word[:end]) <= width), 1
            )
            lines.append(word[:fits])
            word = word[fits:]
        line = word
    return [*lines, line] if line else lines


def _cut(lines: list[str], font: ImageFont.FreeTypeFont, width: float, most: int) -> list[str]:
    """Return the first `most` of `lines`, the last ending in "…" when any text is left out."""
    if len(lines) <= most and all(font.getlength(line) <= width for line in lines):
        return lines
    kept, last = lines[: most - 1], lines[most - 1]
    while last and font.getlength(f"{last}…") > width:
        last = last[:-1]
    return [*kept, f"{last.rstrip()}…"]
