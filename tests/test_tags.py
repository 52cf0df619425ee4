"""Numbers and money written as each language writes them."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from tracker.templatetags.tracker_tags import coordinate, figure, money


def amount(value, currency="EUR", period="one_off", qualifier="exact"):
    return SimpleNamespace(amount=Decimal(value), currency=currency, period=period, qualifier=qualifier)


@pytest.mark.parametrize(
    ("given", "french", "english"),
    [
        (amount(400_000_000), "400 millions d’euros", "€400 million"),
        (amount(1_000_000), "1 million d’euros", "€1 million"),
        (amount(11_000_000), "11 millions d’euros", "€11 million"),
        (amount(1_000_000_000), "1 milliard d’euros", "€1 billion"),
        (amount(50_000_000_000), "50 milliards d’euros", "€50 billion"),
        (amount(5_000), "5 000 euros", "€5,000"),
        (amount(25_000_000, "USD", qualifier="more_than"), "plus de 25 millions de dollars des États-Unis",
         "more than $25 million"),
        (amount(100_000_000, period="per_year"), "100 millions d’euros par an", "€100 million a year"),
        (amount(1_500_000_000, "CHF"), "1,5 milliard de francs suisses", "CHF 1.5 billion"),
    ],
)  # fmt: skip
def test_money(given, french, english):
    with translation.override("fr"):
        assert money(given).replace("\u202f", " ").replace("\xa0", " ") == french
    with translation.override("en"):
        assert money(given) == english


def test_figures_keep_how_the_source_states_them():
    with translation.override("fr"):
        assert figure(1000, "more_than").replace("\u202f", " ") == "plus de 1 000"
    with translation.override("en"):
        assert figure(60, "about") == "about 60"
        assert figure(26, "exact") == "26"


def test_coordinates_of_drawings_are_written_with_fixed_decimals_whatever_the_language():
    with translation.override("fr"):
        assert coordinate(2 / 3, 2) == "0.67"  # a point, never a comma, in the SVG
        assert coordinate(50, 1) == "50.0"
        assert coordinate(0.04, "1") == "0.0"  # the filter's argument arrives as text from a template


def test_the_marks_a_template_writes_between_messages_follow_each_languages_typography():
    from django.template import Context, Template

    template = Template("{% load tracker_tags %}Due{% colon %} 2026{% semicolon %} soon")
    with translation.override("fr"):
        assert template.render(Context()) == "Due\N{NO-BREAK SPACE}: 2026\N{NO-BREAK SPACE}; soon"
    with translation.override("en"):
        assert template.render(Context()) == "Due: 2026; soon"
