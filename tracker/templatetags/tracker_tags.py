"""Template filters for the public pages: numbers and money as each language writes them."""

from babel.numbers import format_compact_decimal, format_decimal, get_currency_name, get_currency_symbol
from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _

from tracker.choices import AmountPeriod, Basis, DecisionKind, PublicationState, Qualifier, Status
from tracker.dates import format_fuzzy_date, iso_date
from tracker.fields import current_language, french_spacing
from tracker.markup import render_markdown

register = template.Library()


_locale = current_language


def _number(value) -> str:
    """Return a whole number in the active language ("1 000" / "1,000"), big ones in words."""
    if value >= 1_000_000:
        return format_compact_decimal(value, format_type="long", locale=_locale(), fraction_digits=1)
    return format_decimal(value, locale=_locale(), decimal_quantization=False)


def _qualified(text: str, qualifier: str) -> str:
    if qualifier in ("", Qualifier.EXACT):
        return text
    return f"{Qualifier(qualifier).label} {text}"


@register.filter
def coordinate(value, digits=1) -> str:
    """
    Write a number of a drawing (SVG) with `digits` decimals, as TargetChart.polyline writes its points:
    floatformat's decimal rounding cost some 60 µs a number (a chart has dozens) and could differ
    from the polyline's by 0.1.
    """
    try:
        return f"{float(value):.{int(digits)}f}"
    except (TypeError, ValueError):  # as floatformat: nothing for what is not a number
        return ""


@register.filter
def minutes(duration) -> int:
    """Write a duration (a timedelta) in whole minutes, rounded up: "try again in 15 minutes"."""
    return -(-int(duration.total_seconds()) // 60)


@register.filter
def figure(value, qualifier: str = "") -> str:
    """Write a number as the sources state it: "about 60", "plus de 1 000", "nearly 600"."""
    if value is None:
        return ""
    return _qualified(_number(value), qualifier)


def _money(value, currency: str) -> str:
    locale, number = _locale(), _number(value)
    if locale == "fr":
        name = get_currency_name(currency, count=value, locale="fr")
        if value < 1_000_000:
            return f"{number} {name}"  # "5 000 euros"
        # "400 millions d’euros"; Babel writes "1 millions", French says "1 million".
        if number.startswith(("1 million", "1 milliard")):
            number = number.replace("millions", "million").replace("milliards", "milliard")
        name = get_currency_name(currency, count=2, locale="fr")
        return f"{number} {'d’' if name[:1].lower() in 'aeiouéy' else 'de '}{name}"
    symbol = get_currency_symbol(currency, locale=locale)
    # "€400 million", but "CHF 1.5 billion": a code-like symbol needs a space.
    return f"{symbol}{' ' if symbol[-1:].isalpha() else ''}{number}"


@register.filter
def money(amount) -> str:
    """
    Write an Amount as a reader of the active language expects: "€400 million", "400 millions d’euros",
    "more than $25 million", "100 millions d’euros par an".
    """
    text = _money(amount.amount, amount.currency)
    if amount.period == AmountPeriod.PER_YEAR:
        text = _("%(amount)s a year") % {"amount": text}
    return _qualified(text, amount.qualifier)


@register.filter
def target_value(value, target) -> str:
    """Write a target's value with its unit or currency."""
    if value is None:
        return ""
    if target.currency:
        return _money(value, target.currency)
    unit = target.unit
    return f"{_number(value)} {unit}".strip()


@register.filter
def as_status(value) -> Status:
    """Return the Status for a stored value, to reach its label, colour and meaning in a template."""
    return Status(value)


@register.filter
def status_badge(value) -> str:
    """
    Write a status as every page shows it: its label on its colour. A filter rather than an included
    template, so that the rows of long lists use it too: they had copied its markup to spare an
    include a row.
    """
    status = Status(value)
    return format_html(
        '<span class="status" style="--status: {}">{}</span>', status.colour, capfirst(status.label)
    )


@register.filter
def leads(commitment) -> str:
    """
    Link a commitment's lead owners (`lead_owners()`, read with its roles), each by its short name when
    it has one. A filter rather than an included template, for the rows of long lists.
    """
    return format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        (
            (owner.get_absolute_url(), owner.display_short_name or owner.display_name)
            for owner in commitment.lead_owners()
        ),
    )


@register.filter
def cites(fact) -> str:
    """
    Write a fact's footnote links to the passages it cites (`footnotes`, citations.numbered) and, when
    it is worked out or inferred or comes with a note on the sources, that and how, behind a disclosure
    that works without JavaScript. A filter, not an included template: a page shows one per fact.
    """
    links = format_html_join(
        "",
        '<a class="cite" href="#cite-{}" title="{}"><span class="visually-hidden">{} </span>[{}]</a>',
        (
            (number, Truncator(passage.quote).words(30), _("source"), number)
            for number, passage in getattr(fact, "footnotes", ())
        ),
    )
    if fact.basis != Basis.STATED:
        links += format_html(
            ' <span class="basis basis-{}">({})</span>', fact.basis, fact.get_basis_display()
        )
    if reasoning := fact.reasoning:
        summary = _("Note on the sources") if fact.basis == Basis.STATED else _("How we got this")
        links += format_html(
            ' <details class="reasoning"><summary>{}</summary><p>{}</p></details>', summary, reasoning
        )
    return links


@register.simple_tag
def fuzzy_date(value, precision) -> str:
    """Write a date as precisely as it is known ("November 2025", "2026")."""
    return format_fuzzy_date(value, precision)


def _high_mark(mark: str) -> str:
    # French puts a no-break space before ":" and ";" (and "?", "!"); English puts none. Translated
    # messages carry their own; this is for the marks a template writes between two of them.
    return f"\N{NO-BREAK SPACE}{mark}" if _locale() == "fr" else mark


@register.filter("french_spacing")
def french_spacing_filter(text: str) -> str:
    """Give a French text that no field translates (a document's title) French spacing."""
    return french_spacing(text)


@register.simple_tag
def colon() -> str:
    """A colon as the page's language writes it: "Due:" in English, "Échéance :" in French."""
    return _high_mark(":")


@register.simple_tag
def semicolon() -> str:
    """A semicolon as the page's language writes it, to separate the items of a list."""
    return _high_mark(";")


@register.filter("iso_date")
def iso_date_filter(value, precision) -> str:
    """Write a date in ISO 8601 at its precision, for `<time datetime>`: "2025-02-11", "2025-11", "2026"."""
    return iso_date(value, precision)


@register.filter
def markdown(text: str) -> str:
    """Show a progress update's Markdown as cleaned HTML (see tracker/markup.py)."""
    return mark_safe(render_markdown(text))  # noqa: S308 - nh3 has cleaned it


@register.filter
def publication_state(value) -> str:
    """Return the label of a stored publication state (for values read through an annotation)."""
    return PublicationState(value).label if value else ""


@register.filter
def decision_kind(value) -> str:
    """Return the label of a stored decision kind (for values read through an annotation)."""
    return DecisionKind(value).label if value else ""
