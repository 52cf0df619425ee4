"""
The one FilterSet of commitments, used by the public list, its CSV download and the REST API; the
owners' list's; and the API's filters of progress updates and of readings.

Every filter is a URL parameter, so a filtered view can be shared as a link. Filters on owners and
deadlines use EXISTS subqueries: a commitment matches once, however many of its rows do.
"""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from . import search
from .choices import Axis, CommitmentKind, Nature, OwnerKind, Status
from .fields import current_language
from .models import Commitment, Deadline, Involvement, Milestone, Owner, ProgressUpdate, Reading, Target


class OwnerField(forms.CharField):
    """
    An owner named as a person types it: its slug (the address of its page, what links carry) or its
    name, English name or short name, in any case. A text field rather than a <select> of every owner,
    which made the list page grow with the owners (77-97 % of its weight at 2,000 and 20,000).
    """

    default_error_messages = {"unknown": _("No owner is called “%(value)s”.")}

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        # By its slug first (what links carry): two owners may share a short name, never a slug.
        owner = Owner.objects.filter(slug=value).first()
        if owner is None:
            named = (
                Q(name__iexact=value)
                | Q(name_en__iexact=value)
                | Q(short_name__iexact=value)
                | Q(short_name_en__iexact=value)
            )
            owner = Owner.objects.filter(named).order_by("name").first()
        if owner is None:
            raise forms.ValidationError(self.error_messages["unknown"], "unknown", {"value": value})
        return owner


@extend_schema_field(OpenApiTypes.STR)  # a slug or a name in the URL
class ByOwner(django_filters.Filter):
    field_class = OwnerField


@extend_schema_field(OpenApiTypes.STR)  # a slug in the URL
class ByMilestone(django_filters.ModelChoiceFilter):
    """A choice of milestones, each named in the visitor's language."""

    class field_class(django_filters.ModelChoiceFilter.field_class):
        def label_from_instance(self, milestone):
            return milestone.name


def offered_countries():
    """
    The countries the list's form offers: those owners are from (a few dozen, not some 250), by name in
    the visitor's language. Any country stays a valid choice (a link may name one no owner is from yet).
    """
    present = set(Owner.objects.exclude(country="").order_by().values_list("country", flat=True).distinct())
    return [("", _("All countries")), *((code, name) for code, name in countries if code in present)]


def active_filters(filterset) -> int:
    """
    Return how many of a list's filters the visitor set, for the folded form's summary ("Filters
    (2 active)"): the sort order is not a filter.
    """
    data = filterset.form.data
    return sum(1 for name in filterset.filters if name != "ordering" and data.get(name))


# Dates travel in the URL as YYYY-MM-DD whatever the language, so a shared link means the same day in
# French and in English; browsers offer a date picker for them.
ISO_DATE = {"input_formats": ["%Y-%m-%d"], "widget": forms.DateInput(attrs={"type": "date"})}

ORDERINGS = {
    "title": _("Title"),
    "-announced": _("Most recently announced"),
    "announced": _("First announced"),
    "next_deadline": _("Next deadline"),
    "most_overdue": _("Most overdue"),
}


def by_title() -> list[str]:
    """
    The order by title in the reader's language. The pk breaks ties between equal titles, so that pages
    neither repeat nor skip a row.
    """
    return [f"title_{current_language()}", "pk"]


class CommitmentFilter(django_filters.FilterSet):
    # Also read as `search` (__init__); ordered by relevance unless an order is chosen (filter_queryset).
    q = django_filters.CharFilter(method="filter_search", label=_("Search"), max_length=200)
    axis = django_filters.ChoiceFilter(choices=Axis.choices, label=_("Axis"), empty_label=_("All axes"))
    status = django_filters.ChoiceFilter(
        choices=Status.choices, label=_("Status"), empty_label=_("All statuses")
    )
    kind = django_filters.ChoiceFilter(
        choices=CommitmentKind.choices, label=_("Kind"), empty_label=_("All kinds")
    )
    # Promises apart from what the summit itself delivered (a report published, an event held).
    nature = django_filters.ChoiceFilter(
        choices=Nature.choices, label=_("Nature"), empty_label=_("All natures")
    )
    owner = ByOwner(
        method="filter_owner",
        label=_("Owner"),
        help_text=_("A name, a short name or the end of the owner's address."),
        max_length=200,
    )
    owner_kind = django_filters.ChoiceFilter(
        choices=OwnerKind.choices,
        method="filter_owner_kind",
        label=_("Owner kind"),
        empty_label=_("All kinds"),
    )
    country = django_filters.ChoiceFilter(
        # Any country is valid: a link may name one no owner is from yet (no results, not an error).
        choices=lambda: list(countries),
        method="filter_country",
        label=_("Country"),
        empty_label=_("All countries"),
    )
    milestone = ByMilestone(
        queryset=Milestone.objects.all(),
        to_field_name="slug",
        method="filter_milestone",
        label=_("Due at"),
        empty_label=_("Any milestone"),
    )
    # A choice rather than a boolean, so that "?overdue=maybe" is refused instead of ignored.
    overdue = django_filters.ChoiceFilter(
        choices=[("true", _("Overdue")), ("false", _("Not overdue"))],
        method="filter_overdue",
        label=_("Overdue"),
        empty_label=_("Either"),
    )
    # Both bounds apply to the same deadline, so they are handled together in filter_queryset().
    due_after = django_filters.DateFilter(method="by_due_date", label=_("Due on or after"), **ISO_DATE)
    due_before = django_filters.DateFilter(method="by_due_date", label=_("Due on or before"), **ISO_DATE)
    ordering = django_filters.ChoiceFilter(
        choices=list(ORDERINGS.items()),
        method="order",
        label=_("Sort by"),
        empty_label=None,
    )

    class Meta:
        model = Commitment
        fields = [
            "q", "axis", "status", "kind", "nature", "owner", "owner_kind", "country", "milestone", "overdue",
        ]  # fmt: skip

    def __init__(self, data=None, *args, **kwargs):
        # `search` is the name DRF gives a list's text search (the owners' list has it): here the same
        # search as `q`, whichever the name, on the pages too; with both, every word of both must match.
        # Not a filter of its own: the list page's form shows every filter, and would show a second
        # search box.
        if data is not None and data.get("search"):
            data = data.copy()
            data["q"] = " ".join(text for text in (data.get("q"), data.get("search")) if text)
        super().__init__(data, *args, **kwargs)

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_owner(self, queryset, name, value):
        return queryset.filter(Exists(Involvement.objects.filter(commitment=OuterRef("pk"), owner=value)))

    def filter_owner_kind(self, queryset, name, value):
        return queryset.filter(
            Exists(Involvement.objects.filter(commitment=OuterRef("pk"), owner__kind=value))
        )

    def filter_country(self, queryset, name, value: str):
        return queryset.filter(
            Exists(Involvement.objects.filter(commitment=OuterRef("pk"), owner__country=value))
        )

    def filter_milestone(self, queryset, name, value):
        deadlines = Deadline.objects.filter(commitment=OuterRef("pk"), milestone=value)
        targets = Target.objects.filter(commitment=OuterRef("pk"), milestone=value)
        return queryset.filter(Exists(deadlines) | Exists(targets))

    def filter_overdue(self, queryset, name, value):
        # Read on the commitment's own row; exclude() also keeps those with no open deliverable at all
        # (a NULL first_open_due), which Django's negation of a nullable column takes care of.
        overdue = Commitment.objects.overdue_condition()
        return queryset.filter(overdue) if value == "true" else queryset.exclude(overdue)

    def by_due_date(self, queryset, name, value):
        return queryset

    def order(self, queryset, name, value):
        if value == "title":
            return queryset.order_by(*by_title())
        if value == "announced":
            return queryset.order_by("announced_on", "pk")
        if value == "-announced":
            return queryset.order_by("-announced_on", "-pk")
        if value == "next_deadline":
            return queryset.with_next_deadline().order_by(F("next_due_on").asc(nulls_last=True), "pk")
        if value == "most_overdue":
            return queryset.with_overdue().order_by(F("overdue_since").asc(nulls_last=True), "pk")
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        after, before = self.form.cleaned_data.get("due_after"), self.form.cleaned_data.get("due_before")
        if after or before:
            deadlines = Deadline.objects.with_due_date().filter(commitment=OuterRef("pk"))
            if after:
                deadlines = deadlines.filter(due__gte=after)
            if before:
                deadlines = deadlines.filter(due__lte=before)
            queryset = queryset.filter(Exists(deadlines))
        if not self.form.cleaned_data.get("ordering"):
            # The most relevant first when searching; then, and otherwise, by title.
            relevance = search.relevance() if self.form.cleaned_data.get("q") else []
            queryset = queryset.order_by(*relevance, *by_title())
        return queryset


OWNER_ORDERINGS = {
    "name": _("Name"),
    "-score": _("Highest score"),
    "score": _("Lowest score"),
    "-promises": _("Most promises"),
}


def by_name() -> list:
    """
    The order by name in the reader's language (an owner's English name only where it has one), whatever
    the case: "Adecco Group" before "AXA", as a reader looks for them. The pk breaks ties.
    """
    name = Coalesce(NullIf("name_en", Value("")), "name") if current_language() == "en" else F("name")
    return [Lower(name).asc(), "pk"]


class OwnerFilter(django_filters.FilterSet):
    """The owners' list, with their scorecards (`OwnerQuerySet.with_scorecard()`), by kind and country."""

    kind = django_filters.ChoiceFilter(choices=OwnerKind.choices, label=_("Kind"), empty_label=_("All kinds"))
    country = django_filters.ChoiceFilter(
        # Any country is valid, as on the commitments' list.
        choices=lambda: list(countries),
        label=_("Country"),
        empty_label=_("All countries"),
    )
    ordering = django_filters.ChoiceFilter(
        choices=list(OWNER_ORDERINGS.items()),
        method="order",
        label=_("Sort by"),
        empty_label=None,
    )

    class Meta:
        model = Owner
        fields = ["kind", "country"]

    def order(self, queryset, name, value):
        # Owners not scored come last either way; ties by name, so that pages neither repeat nor skip.
        if value == "-score":
            return queryset.order_by(F("score").desc(nulls_last=True), *by_name())
        if value == "score":
            return queryset.order_by(F("score").asc(nulls_last=True), *by_name())
        if value == "-promises":
            return queryset.order_by("-promises", *by_name())
        return queryset.order_by(*by_name())

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset if self.form.cleaned_data.get("ordering") else queryset.order_by(*by_name())


class UpdateFilter(django_filters.FilterSet):
    """The API's list of updates: one commitment's, by the slug of its address, as its page lists them."""

    commitment = django_filters.CharFilter(
        field_name="commitment__slug",
        max_length=100,
        label=_("Commitment"),
        help_text=_("The slug of a commitment: its published updates alone."),
    )

    class Meta:
        model = ProgressUpdate
        fields = ["commitment"]


@extend_schema_field(OpenApiTypes.INT)
class ById(django_filters.NumberFilter):
    """A row's id: a whole number (3.5 is no id, rather than 3)."""

    field_class = forms.IntegerField


class ReadingFilter(django_filters.FilterSet):
    """
    The API's list of readings: one target's, by its id. A plain number rather than a choice of the
    targets, whose check would answer 400 for an unknown id and 200 for a draft's, telling which drafts'
    targets exist: the viewset's queryset alone decides what is read.
    """

    target = ById(field_name="target_id", label=_("Target"))  # described in the API's schema (api/views.py)

    class Meta:
        model = Reading
        fields = ["target"]
